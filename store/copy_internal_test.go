package store

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"suara/domain"
)

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
		err := writeInOneFlight(ctx, conn.PgConn(), step.streams, nil)
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

	// A flight that cannot be written (here its deadline has passed) fails
	// as an outage the phone retries, and the connection is closed rather
	// than pooled half-written.
	late, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel()
	err = writeInOneFlight(late, conn.PgConn(), streams([]int{4}, "ef"), nil)
	if err == nil || !strings.Contains(err.Error(), "write batch") {
		t.Fatalf("a flight past its deadline: err = %v, want a failed write", err)
	}
	if kind := domain.KindOf(translate(err, "responses")); kind != domain.KindUnavailable {
		t.Errorf("a flight past its deadline: kind %v, want unavailable (%v)", kind, err)
	}
	if !conn.IsClosed() {
		t.Error("a flight past its deadline left its connection open")
	}
}
