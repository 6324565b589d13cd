package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// The writer and the bulk loader send their rows with COPY in PostgreSQL's
// binary format, encoded here. pgx's CopyFrom would first ask the server
// for the columns' types (one more round trip per COPY, four per batch)
// and then plan the encoding of every value; the columns are known, so
// their types are written down instead (responseKinds, answerKinds,
// deltaKinds, sumKinds) and each value costs a few appends. A type that
// stops matching the schema fails the COPY loudly ("incorrect binary data
// format"), never silently.

// copyKind is a column's PostgreSQL type in the binary format.
type copyKind byte

const (
	copyText        copyKind = iota // text, varchar: the UTF-8 bytes
	copyInt2                        // smallint
	copyInt4                        // integer
	copyInt8                        // bigint
	copyBool                        // boolean
	copyTimestamptz                 // timestamp with time zone: µs since 2000-01-01 UTC
)

// copyBuf builds one COPY … FROM STDIN (FORMAT binary) stream.
type copyBuf struct {
	b     []byte
	kinds []copyKind
}

var copySignature = []byte("PGCOPY\n\xff\r\n\x00")

// pgEpochUnix is where PostgreSQL's timestamps count from, 2000-01-01 UTC.
const pgEpochUnix = 946684800

func newCopyBuf(kinds []copyKind, sizeHint int) *copyBuf {
	c := &copyBuf{b: make([]byte, 0, 19+sizeHint), kinds: kinds}
	c.b = append(c.b, copySignature...)
	c.b = binary.BigEndian.AppendUint32(c.b, 0) // flags
	c.b = binary.BigEndian.AppendUint32(c.b, 0) // header extension length
	return c
}

// row appends one row; values are in the columns' order. Strings, *string
// (nil is NULL), bools, time.Time and Go integers of any size are taken.
func (c *copyBuf) row(values ...any) error {
	if len(values) != len(c.kinds) {
		return fmt.Errorf("copy: %d values for %d columns", len(values), len(c.kinds))
	}
	c.b = binary.BigEndian.AppendUint16(c.b, uint16(len(values)))
	for i, v := range values {
		if err := c.value(c.kinds[i], v); err != nil {
			return fmt.Errorf("copy: column %d: %w", i+1, err)
		}
	}
	return nil
}

func (c *copyBuf) value(k copyKind, v any) error {
	var n int64
	switch x := v.(type) {
	case nil:
		c.b = binary.BigEndian.AppendUint32(c.b, 0xFFFFFFFF) // NULL
		return nil
	case *string:
		if x == nil {
			return c.value(k, nil)
		}
		return c.value(k, *x)
	case string:
		if k != copyText {
			return fmt.Errorf("string for a non-text column")
		}
		c.b = binary.BigEndian.AppendUint32(c.b, uint32(len(x)))
		c.b = append(c.b, x...)
		return nil
	case bool:
		if k != copyBool {
			return fmt.Errorf("bool for a non-boolean column")
		}
		c.b = binary.BigEndian.AppendUint32(c.b, 1)
		if x {
			c.b = append(c.b, 1)
		} else {
			c.b = append(c.b, 0)
		}
		return nil
	case time.Time:
		if k != copyTimestamptz {
			return fmt.Errorf("time for a non-timestamp column")
		}
		c.b = binary.BigEndian.AppendUint32(c.b, 8)
		// Not x.Sub(pgEpoch), which saturates 292 years away from 2000.
		us := x.Unix()*1_000_000 + int64(x.Nanosecond()/1000) - pgEpochUnix*1_000_000
		c.b = binary.BigEndian.AppendUint64(c.b, uint64(us))
		return nil
	case int:
		n = int64(x)
	case int16:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	default:
		return fmt.Errorf("unsupported value %T", v)
	}
	switch k {
	case copyInt2:
		if n != int64(int16(n)) {
			return fmt.Errorf("%d does not fit a smallint", n)
		}
		c.b = binary.BigEndian.AppendUint32(c.b, 2)
		c.b = binary.BigEndian.AppendUint16(c.b, uint16(n))
	case copyInt4:
		if n != int64(int32(n)) {
			return fmt.Errorf("%d does not fit an integer", n)
		}
		c.b = binary.BigEndian.AppendUint32(c.b, 4)
		c.b = binary.BigEndian.AppendUint32(c.b, uint32(n))
	case copyInt8:
		c.b = binary.BigEndian.AppendUint32(c.b, 8)
		c.b = binary.BigEndian.AppendUint64(c.b, uint64(n))
	default:
		return fmt.Errorf("integer for a non-integer column")
	}
	return nil
}

// copyStream is one COPY … FROM STDIN (FORMAT binary), ready to send.
type copyStream struct {
	table, sql string
	data       []byte
}

// stream ends the rows and names the table (cols in order) they go to.
func (c *copyBuf) stream(table string, cols []string) copyStream {
	c.b = binary.BigEndian.AppendUint16(c.b, 0xFFFF) // trailer
	sql := "COPY " + pgx.Identifier{table}.Sanitize() + " (" + strings.Join(cols, ", ") + ") FROM STDIN (FORMAT binary)"
	return copyStream{table: table, sql: sql, data: c.b}
}

// sendCopies sends the streams one after the other, in tx.
func sendCopies(ctx context.Context, tx pgx.Tx, streams ...copyStream) error {
	for _, st := range streams {
		if _, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(st.data), st.sql); err != nil {
			return fmt.Errorf("copy %s: %w", st.table, err)
		}
	}
	return nil
}

// Columns and types of the tables the writer copies into. responseCols is
// also the order in which the writer's replay lookup reads a response.
var (
	responseCols = []string{"id", "institution_id", "client_id", "survey_id", "unit_id", "service_id",
		"template_version_id", "day", "captured_at", "received_at", "profile", "comment", "receipt", "suspicious", "excluded", "answer_list"}
	responseKinds = []copyKind{copyText, copyText, copyText, copyText, copyText, copyText,
		copyText, copyText, copyTimestamptz, copyTimestamptz, copyText, copyText, copyText, copyBool, copyBool, copyText}
	answerCols  = []string{"response_id", "question_code", "institution_id", "value"}
	answerKinds = []copyKind{copyText, copyText, copyText, copyInt2}
)

// kindsOf returns the types of rollup columns: counts of respondents and
// index sums are bigint, the score parts num and den scoreKind, the
// per-score counts integer, the keys text.
func kindsOf(cols []string, scoreKind copyKind) []copyKind {
	kinds := make([]copyKind, len(cols))
	for i, c := range cols {
		switch {
		case c == "n" || c == "index_sum" || c == "index_sum_sq":
			kinds[i] = copyInt8
		case c == "num" || c == "den":
			kinds[i] = scoreKind
		case slices.Contains(stdCols, c):
			kinds[i] = copyInt4
		default:
			kinds[i] = copyText
		}
	}
	return kinds
}

// deltaKinds are the types of rollup_deltas' columns (deltaCols); sumKinds
// those of each rollup table's (by the index of rollupTables), whose num
// and den GORM made bigint.
var (
	deltaKinds = kindsOf(deltaCols, copyInt4)
	sumKinds   = [2][]copyKind{kindsOf(rollupTables[0].cols, copyInt8), kindsOf(rollupTables[1].cols, copyInt8)}
)

// responseStreams encodes responses and their answers.
func responseStreams(rs []responseRow, as []answerRow) ([]copyStream, error) {
	c := newCopyBuf(responseKinds, len(rs)*400)
	for i := range rs {
		r := &rs[i]
		if err := c.row(r.ID, r.InstitutionID, r.ClientID, r.SurveyID, r.UnitID, r.ServiceID, r.TemplateVersionID, r.Day,
			r.CapturedAt, r.ReceivedAt, r.Profile, r.Comment, r.Receipt, r.Suspicious, r.Excluded, r.AnswerList); err != nil {
			return nil, err
		}
	}
	responses := c.stream("responses", responseCols)
	c = newCopyBuf(answerKinds, len(as)*90)
	for i := range as {
		a := &as[i]
		if err := c.row(a.ResponseID, a.QuestionCode, a.InstitutionID, a.Value); err != nil {
			return nil, err
		}
	}
	return []copyStream{responses, c.stream("answers", answerCols)}, nil
}

// deltaStream encodes the deltas for rollup_deltas.
func deltaStream(d *deltas) (copyStream, error) {
	rows := d.rows()
	c := newCopyBuf(deltaKinds, len(rows)*len(deltaCols)*10)
	for _, r := range rows {
		if err := c.row(r...); err != nil {
			return copyStream{}, err
		}
	}
	return c.stream("rollup_deltas", deltaCols), nil
}

// sumStreams encodes the sums for tables of the rollup tables' shape whose
// names are theirs with a prefix.
func sumStreams(d *sums, prefix string) ([]copyStream, error) {
	var out []copyStream
	for i, rows := range d.rows() {
		t := rollupTables[i]
		c := newCopyBuf(sumKinds[i], len(rows)*len(t.cols)*10)
		for _, r := range rows {
			if err := c.row(r...); err != nil {
				return nil, err
			}
		}
		out = append(out, c.stream(prefix+t.table, t.cols))
	}
	return out, nil
}

// writeInOneFlight runs BEGIN, the COPYs with their rows and COMMIT as one
// query string, the rows of each COPY after it in order: one round trip
// to PostgreSQL instead of one per statement (pgx's CopyFrom and Begin
// wait for each answer), and one answer to the whole string, which saves
// the server a cycle per statement (a tenth of its work on a batch of
// one). After an error the server skips the rest of the string and
// ignores the rows still coming, as the protocol asks; the failed
// transaction is rolled back (flushAndRead), so nothing of a failed batch
// is stored. With beforeCommit set (tests inject faults with it), each
// statement is a message of its own and COMMIT waits for the hook, in a
// second round trip. The connection is closed on a protocol or network
// failure, so the pool never reuses it in an unknown state.
func writeInOneFlight(ctx context.Context, pc *pgconn.PgConn, streams []copyStream, beforeCommit func() error) error {
	fe := pc.Frontend()
	if beforeCommit == nil {
		q := "BEGIN"
		for _, st := range streams {
			q += "; " + st.sql
		}
		if err := sendFlight(ctx, pc, q+"; COMMIT", streams); err != nil {
			return err
		}
		return flushAndRead(ctx, pc, []string{"write batch"})
	}
	labels := []string{""} // one per statement, to name its error
	fe.Send(&pgproto3.Query{String: "BEGIN"})
	for _, st := range streams {
		fe.Send(&pgproto3.Query{String: st.sql})
		fe.Send(&pgproto3.CopyData{Data: st.data})
		fe.Send(&pgproto3.CopyDone{})
		labels = append(labels, "copy "+st.table)
	}
	// A test's hook: COMMIT waits for it, in a second round trip.
	failed, err := exchange(ctx, pc, labels)
	if err != nil {
		return err
	}
	if failed == nil {
		failed = beforeCommit()
	}
	end := "COMMIT"
	if failed != nil {
		end = "ROLLBACK"
	}
	if err := pc.Exec(ctx, end).Close(); err != nil && failed == nil {
		failed = err
	}
	if pc.TxStatus() != 'I' { // cannot happen after COMMIT or ROLLBACK; never pool a connection inside a transaction
		_ = pc.Close(ctx)
	}
	return failed
}

// flightBufs hold the messages of one flight between batches. The
// frontend's own buffer would take them as a copy per message and be
// dropped after each flush (it keeps at most 1 KB), so every batch would
// grow a new one: 3 KB of garbage per response.
var flightBufs = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// sendFlight writes the query and each stream's rows as a CopyData and a
// CopyDone, from one buffer, in one write.
func sendFlight(ctx context.Context, pc *pgconn.PgConn, query string, streams []copyStream) error {
	need := 1 + 4 + len(query) + 1 // type, length, the string and its NUL
	for _, st := range streams {
		need += 1 + 4 + len(st.data) + 1 + 4 // CopyData, CopyDone
	}
	buf := flightBufs.Get().(*[]byte)
	b, err := (&pgproto3.Query{String: query}).Encode(slices.Grow((*buf)[:0], need))
	for _, st := range streams {
		if err == nil {
			b, err = (&pgproto3.CopyData{Data: st.data}).Encode(b)
		}
		if err == nil {
			b, err = (&pgproto3.CopyDone{}).Encode(b)
		}
	}
	if err == nil {
		err = writing(ctx, pc, func() error { _, err := pc.Conn().Write(b); return err })
	} else {
		err = fmt.Errorf("write batch: %w", err)
	}
	if cap(b) <= 4<<20 { // a batch of 256 responses takes ~300 KB; an outlier is not kept
		*buf = b[:0]
		flightBufs.Put(buf)
	}
	return err
}

// flush sends what the frontend holds.
func flush(ctx context.Context, pc *pgconn.PgConn) error {
	return writing(ctx, pc, pc.Frontend().Flush)
}

// writing runs w, a write of a flight to the connection. A flight may
// outgrow the socket's buffers, and a write does not watch ctx: a deadline
// keeps a server that stopped reading from holding the writer past the
// batch's timeout. The connection is closed when w fails.
func writing(ctx context.Context, pc *pgconn.PgConn, w func() error) error {
	if deadline, ok := ctx.Deadline(); ok {
		_ = pc.Conn().SetWriteDeadline(deadline)
		defer pc.Conn().SetWriteDeadline(time.Time{}) //nolint:errcheck // a failed reset fails the next write, which closes the connection
	}
	if err := w(); err != nil {
		_ = pc.Close(ctx)
		return fmt.Errorf("write batch: %w", err)
	}
	return nil
}

// exchange sends the flight and reads its answers (readResults); the
// connection is closed when either fails.
func exchange(ctx context.Context, pc *pgconn.PgConn, labels []string) (failed, err error) {
	if err := flush(ctx, pc); err != nil {
		return nil, err
	}
	failed, err = readResults(ctx, pc, labels)
	if err != nil {
		_ = pc.Close(ctx)
	}
	return failed, err
}

// flushAndRead sends a flight that ends its transaction and reads the
// answers. A transaction left failed (a statement of a one-string flight
// failed) is rolled back; the connection is closed rather than pooled
// when that fails or the flight itself did.
func flushAndRead(ctx context.Context, pc *pgconn.PgConn, labels []string) error {
	failed, err := exchange(ctx, pc, labels)
	if err != nil {
		return err
	}
	if pc.TxStatus() != 'I' {
		if err := pc.Exec(ctx, "ROLLBACK").Close(); err != nil || pc.TxStatus() != 'I' {
			_ = pc.Close(ctx)
		}
	}
	return failed
}

// readResults reads the answers to the flight's statements, one
// ReadyForQuery each, up to the last; labels name them (empty: unnamed).
// It returns the first statement error, and err when the connection
// itself failed.
func readResults(ctx context.Context, pc *pgconn.PgConn, labels []string) (failed, err error) {
	statement := 0
	for statement < len(labels) {
		msg, err := pc.ReceiveMessage(ctx)
		if err != nil {
			return nil, fmt.Errorf("write batch: %w", err)
		}
		switch m := msg.(type) {
		case *pgproto3.ErrorResponse:
			if failed == nil {
				pe := pgconn.ErrorResponseToPgError(m)
				failed = pe
				label := labels[statement]
				if where, _, _ := strings.Cut(pe.Where, "\n"); where != "" && label != "" {
					label += " (" + where + ")" // which COPY and row: "COPY answers, line 3"
				}
				if label != "" {
					failed = fmt.Errorf("%s: %w", label, failed)
				}
			}
		case *pgproto3.ReadyForQuery:
			statement++
		}
	}
	return failed, nil
}
