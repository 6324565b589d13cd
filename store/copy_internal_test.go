package store

import (
	"context"
	"encoding/binary"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// TestScanResponseRowReadsWhatCopyWrites: the writer's lookup inside a
// flight reads responses in the binary format that its COPY writes, value
// for value: a row encoded for COPY must decode to itself.
func TestScanResponseRowReadsWhatCopyWrites(t *testing.T) {
	service := "svc-1"
	at := time.Date(2026, 11, 27, 8, 30, 15, 123456000, time.UTC)
	rows := []responseRow{
		{ID: "id-1", InstitutionID: "inst", ClientID: "client", SurveyID: "survey", UnitID: "unit", ServiceID: &service,
			TemplateVersionID: "tv", Day: "2026-11-27", CapturedAt: at.Add(-time.Minute), ReceivedAt: at,
			Profile: `{"usia":"30"}`, Comment: "Pelayanan cepat", Receipt: "SKM-ABCD-EFGH", Suspicious: true},
		{ID: "id-2", InstitutionID: "inst", ClientID: "client-2", SurveyID: "survey", UnitID: "unit", TemplateVersionID: "tv",
			Day: "1999-12-31", CapturedAt: time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC), ReceivedAt: at, Excluded: true},
	}
	types := pgtype.NewMap()
	for _, want := range rows {
		values := copyValues(t, want)
		got, err := scanResponseRow(types, values)
		if err != nil {
			t.Fatalf("%s: %v", want.ID, err)
		}
		same := got.ID == want.ID && got.InstitutionID == want.InstitutionID && got.ClientID == want.ClientID &&
			got.SurveyID == want.SurveyID && got.UnitID == want.UnitID && got.TemplateVersionID == want.TemplateVersionID &&
			got.Day == want.Day && got.CapturedAt.Equal(want.CapturedAt) && got.ReceivedAt.Equal(want.ReceivedAt) &&
			got.Profile == want.Profile && got.Comment == want.Comment && got.Receipt == want.Receipt &&
			got.Suspicious == want.Suspicious && got.Excluded == want.Excluded &&
			(got.ServiceID == nil) == (want.ServiceID == nil) && (got.ServiceID == nil || *got.ServiceID == *want.ServiceID)
		if !same {
			t.Errorf("decoded\n%+v\nwant\n%+v", got, want)
		}
	}

	values := copyValues(t, rows[0])
	for name, bad := range map[string][][]byte{
		"a column short":     values[:len(values)-1],
		"a column too many":  append(values[:len(values):len(values)], []byte{0}),
		"NULL id":            append([][]byte{nil}, values[1:]...),
		"a 4-byte timestamp": append(append(values[:8:8], []byte{0, 0, 0, 1}), values[9:]...),
	} {
		if _, err := scanResponseRow(types, bad); err == nil || !strings.HasPrefix(err.Error(), "decode response: ") {
			t.Errorf("%s: err = %v, want a decode error", name, err)
		}
	}
}

// copyValues encodes r as the writer's COPY does and splits the row into
// its values, as a DataRow carries them (nil for NULL).
func copyValues(t *testing.T, r responseRow) [][]byte {
	t.Helper()
	streams, err := responseStreams([]responseRow{r}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := streams[0].data[len(copySignature)+8:] // past the header
	n := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	values := make([][]byte, n)
	for i := range values {
		size := int32(binary.BigEndian.Uint32(b))
		b = b[4:]
		if size >= 0 {
			values[i], b = b[:size], b[size:]
		}
	}
	if binary.BigEndian.Uint16(b) != 0xFFFF {
		t.Fatalf("no trailer after one row")
	}
	return values
}

// TestOneStringFlight: a batch's flight sent as one query string stores
// all of its COPYs or none, and leaves the connection idle and usable
// after a failure in the first COPY (whose later rows the server must
// ignore) or in the last.
func TestOneStringFlight(t *testing.T) {
	url := os.Getenv("SUARA_TEST_DATABASE_URL")
	if url == "" {
		if os.Getenv("SUARA_TEST_REQUIRE_POSTGRES") != "" {
			t.Fatal("SUARA_TEST_REQUIRE_POSTGRES is set but SUARA_TEST_DATABASE_URL is not")
		}
		t.Skip("needs PostgreSQL (SUARA_TEST_DATABASE_URL)")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TEMP TABLE flight_a (x integer PRIMARY KEY); CREATE TEMP TABLE flight_b (y varchar(3))"); err != nil {
		t.Fatal(err)
	}
	streams := func(xs []int, ys ...string) []copyStream {
		a, b := newCopyBuf([]copyKind{copyInt4}, 0), newCopyBuf([]copyKind{copyText}, 0)
		for _, x := range xs {
			if err := a.row(x); err != nil {
				t.Fatal(err)
			}
		}
		for _, y := range ys {
			if err := b.row(y); err != nil {
				t.Fatal(err)
			}
		}
		return []copyStream{a.stream("flight_a", []string{"x"}), b.stream("flight_b", []string{"y"})}
	}
	count := func(table string) (n int) {
		t.Helper()
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatalf("after the flight: %v", err)
		}
		return n
	}
	for _, step := range []struct {
		name    string
		streams []copyStream
		fails   string // a part of the error, "" for none
		a, b    int    // rows stored after the step
	}{
		{"the last COPY fails", streams([]int{1, 2}, "abcd"), "(COPY flight_b, line 1, column y", 0, 0},
		{"both COPYs succeed", streams([]int{1, 2}, "ab"), "", 2, 1},
		{"the first COPY fails", streams([]int{3, 2}, "cd"), "duplicate key", 2, 1},
		{"after a failure", streams([]int{3}, "cd"), "", 3, 2},
	} {
		err := writeInOneFlight(ctx, conn.PgConn(), nil, step.streams, nil)
		switch {
		case step.fails == "" && err != nil:
			t.Fatalf("%s: %v", step.name, err)
		case step.fails != "" && (err == nil || !strings.Contains(err.Error(), step.fails)):
			t.Fatalf("%s: err = %v, want %q", step.name, err, step.fails)
		}
		if conn.IsClosed() || conn.PgConn().TxStatus() != 'I' {
			t.Fatalf("%s: connection closed %v, transaction status %c; want an idle connection", step.name, conn.IsClosed(), conn.PgConn().TxStatus())
		}
		if a, b := count("flight_a"), count("flight_b"); a != step.a || b != step.b {
			t.Errorf("%s: %d and %d rows stored, want %d and %d", step.name, a, b, step.a, step.b)
		}
	}
}
