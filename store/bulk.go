package store

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Bulk loads many responses fast, for demo data and benchmarks: COPY on
// PostgreSQL, multi-row inserts on SQLite, and the rollups summed in
// memory and written in large pieces. It bypasses the writer and the
// client-id checks, so it is for generated data only.
//
// A goroutine writes while the caller makes the next responses: at most
// one piece is being written and one waits, so memory stays flat.
type Bulk struct {
	s         *Store
	responses []responseRow
	answers   []answerRow
	d         *sums
	total     int64 // responses handed to the writing goroutine
	deltaRows int   // delta rows (groups) held before they are written

	work   chan bulkWork
	done   chan struct{} // closed when the writing goroutine ends
	err    error         // why it ended early; read after done
	closed bool
}

// bulkWork is one piece to write: responses with their answers, then,
// when d is set, the rollup rows summed so far (which count responses
// of this piece or earlier ones, so they are written after them).
type bulkWork struct {
	ctx       context.Context
	responses []responseRow
	answers   []answerRow
	d         *sums
}

// bulkPrefix names the bulk loader's temporary rollup tables.
const bulkPrefix = "bulk_"

// bulkChunk is how many responses go to the database at once.
const bulkChunk = 5000

// bulkDeltaRows bounds the pre-summed delta rows (one per profile group of
// a unit's day) held in memory: past it they are added to the tables, so
// a load of any size runs in flat memory (about 500 bytes a group).
const bulkDeltaRows = 150_000

// NewBulk starts a bulk load. Close must end it.
func (s *Store) NewBulk() *Bulk {
	b := &Bulk{s: s, d: newSums(), deltaRows: bulkDeltaRows, work: make(chan bulkWork, 1), done: make(chan struct{})}
	go b.run()
	return b
}

// LimitDeltas sets how many summed delta rows are held in memory before
// they are written (default 150,000); tests make it small.
func (b *Bulk) LimitDeltas(rows int) { b.deltaRows = max(1, rows) }

// Add queues one response; Response.ID, ReceivedAt and Receipt are filled
// in when empty. An error means the load failed; Close still ends it.
func (b *Bulk) Add(ctx context.Context, sub *Submission) error {
	select {
	case <-b.done:
		return b.failure()
	default:
	}
	r := &sub.Response
	if r.ID == "" {
		r.ID = newID()
	}
	if r.Receipt == "" {
		r.Receipt = newReceipt()
	}
	if r.ReceivedAt.IsZero() {
		r.ReceivedAt = r.CapturedAt
	}
	b.responses = append(b.responses, responseRowOf(r))
	for code, v := range r.Answers {
		b.answers = append(b.answers, answerRow{ResponseID: r.ID, QuestionCode: code, InstitutionID: r.InstitutionID, Value: int16(v)})
	}
	if !r.Excluded {
		b.d.add(r, sub.UnitPath, sub.ElementOf)
	}
	if b.d.size() >= b.deltaRows {
		return b.hand(ctx, true)
	}
	if len(b.responses) >= bulkChunk {
		return b.hand(ctx, false)
	}
	return nil
}

// hand gives the responses made so far, and the deltas if withDeltas, to
// the writing goroutine; it waits while another piece is waiting.
func (b *Bulk) hand(ctx context.Context, withDeltas bool) error {
	w := bulkWork{ctx: ctx, responses: b.responses, answers: b.answers}
	if withDeltas {
		w.d = b.d
		b.d = newSums()
	}
	b.responses = make([]responseRow, 0, bulkChunk)
	b.answers = make([]answerRow, 0, cap(w.answers))
	select {
	case <-b.done: // the load has ended: the piece is not counted
		return b.failure()
	default:
	}
	select {
	case b.work <- w:
		b.total += int64(len(w.responses))
		return nil
	case <-b.done:
		return b.failure()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run writes the pieces in order, until the first failure.
func (b *Bulk) run() {
	defer close(b.done)
	defer func() { // a panic ends the load with an error, not the process
		if p := recover(); p != nil {
			b.err = fmt.Errorf("bulk load: panic while writing: %v\n%s", p, debug.Stack())
		}
	}()
	for w := range b.work {
		if err := b.write(w); err != nil {
			b.err = err
			return
		}
	}
}

func (b *Bulk) failure() error {
	if b.err == nil {
		return errors.New("bulk load ended")
	}
	return b.err
}

func (b *Bulk) write(w bulkWork) error {
	if len(w.responses) > 0 {
		if err := b.writeResponses(w.ctx, w.responses, w.answers); err != nil {
			return err
		}
	}
	if w.d != nil && w.d.size() > 0 {
		return b.writeSums(w.ctx, w.d)
	}
	return nil
}

// writeSums adds summed rollup rows to the rollup tables.
func (b *Bulk) writeSums(ctx context.Context, d *sums) error {
	if b.s.dialect != Postgres {
		return b.s.InTx(ctx, func(tx *Store) error { return tx.addSums(ctx, d) })
	}
	return b.s.pgxTx(ctx, func(tx pgx.Tx) error {
		// Adding a million rows to a large table takes longer than the
		// statement timeout a request gets. It then waits for a server's
		// fold of the same tables to end.
		for _, set := range foldSettings("0", "256MB") {
			if _, err := tx.Exec(ctx, set); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", foldLock); err != nil {
			return err
		}
		// The sums go through temporary tables, emptied at commit: no
		// index to keep and no write-ahead log.
		for _, t := range rollupTables {
			if _, err := tx.Exec(ctx, fmt.Sprintf("CREATE TEMP TABLE IF NOT EXISTS %s%s (LIKE %s) ON COMMIT DELETE ROWS",
				bulkPrefix, t.table, t.table)); err != nil {
				return err
			}
		}
		streams, err := sumStreams(d, bulkPrefix)
		if err != nil {
			return err
		}
		if err := sendCopies(ctx, tx, streams...); err != nil {
			return err
		}
		for _, t := range rollupTables {
			if _, err := tx.Exec(ctx, t.addFrom(bulkPrefix+t.table)); err != nil {
				return fmt.Errorf("add rollups: %w", err)
			}
		}
		return nil
	})
}

// Total reports how many responses were added: handed to the writing
// goroutine or waiting for the next piece.
func (b *Bulk) Total() int64 { return b.total + int64(len(b.responses)) }

func (b *Bulk) writeResponses(ctx context.Context, rs []responseRow, as []answerRow) error {
	if b.s.dialect == Postgres {
		streams, err := responseStreams(rs, as)
		if err != nil {
			return err
		}
		return b.s.pgxTx(ctx, func(tx pgx.Tx) error { return sendCopies(ctx, tx, streams...) })
	}
	return b.s.InTx(ctx, func(tx *Store) error {
		if err := tx.db.CreateInBatches(rs, rowsPerInsert(tx.dialect, responseCols)).Error; err != nil {
			return translate(err, "responses")
		}
		return translate(tx.db.CreateInBatches(as, rowsPerInsert(tx.dialect, answerCols)).Error, "answers")
	})
}

// Close writes what is left and the rollups, and waits until they are
// written; it returns the load's first failure.
func (b *Bulk) Close(ctx context.Context) error {
	if b.closed {
		return nil
	}
	b.closed = true
	err := b.hand(ctx, true)
	close(b.work)
	<-b.done
	if b.err != nil {
		return b.err
	}
	if err != nil {
		return err
	}
	if b.s.dialect != Postgres {
		return nil
	}
	// Fresh statistics for the first reads.
	return translate(b.s.db.WithContext(ctx).Exec("ANALYZE responses, answers, rollup_counts, rollup_subtrees").Error, "rollups")
}

// pgxConn runs fn on one pgx connection of the pool, for what GORM
// cannot do (COPY).
func (s *Store) pgxConn(ctx context.Context, fn func(*pgx.Conn) error) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return translate(err, "database connection")
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error { return fn(dc.(*stdlib.Conn).Conn()) })
}

// pgxTx runs fn in a transaction on one pgx connection of the pool; it
// commits when fn returns nil.
func (s *Store) pgxTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return s.pgxConn(ctx, func(conn *pgx.Conn) error {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx) //nolint:errcheck // after Commit this is a no-op
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}
