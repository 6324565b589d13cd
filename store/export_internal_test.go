package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"suara/domain"
)

// TestParseProfile: the hand-split profile equals encoding/json's reading
// for the shapes the store writes, and falls back to it for the rest.
func TestParseProfile(t *testing.T) {
	reused := map[string]string{"stale": "x"} // an export reuses each row's map
	for _, m := range []map[string]string{
		nil,
		{},
		{"gender": "female"},
		{"gender": "male", "age": "34", "education": "d1d3", "occupation": "lainnya"},
		{"note": `a "quoted", value: with {braces}`},
		{"kota": "Bandung, Jawa Barat", "x": ""},
		{"emoji": "pelayanan 👍 <baik> & cepat", "nl": "dua\nbaris"},
	} {
		b, _ := json.Marshal(m)
		got := parseProfile(string(b), nil)
		want := map[string]string(nil)
		if len(m) > 0 {
			want = m
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", b, diff)
		}
		clear(reused)
		if diff := cmp.Diff(want, parseProfile(string(b), reused), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s into a reused map (-want +got):\n%s", b, diff)
		}
	}
	for _, bad := range []string{`{"a":1}`, `{"a":"b"`, `[1]`, `{"a":"b",}`} {
		_ = parseProfile(bad, nil) // must not panic
	}
	m := map[string]int{}
	parseAnswers("U1:4,U2:3,U3.b:1,bad,U4:x", m)
	if diff := cmp.Diff(map[string]int{"U1": 4, "U2": 3, "U3.b": 1}, m); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

// TestPrefetch: the batches reach fn in order, whole, with the two
// buffers taking turns; a failure of fn or of fetch ends the export, and
// prefetch returns only after fetch has.
func TestPrefetch(t *testing.T) {
	fetcher := func(batches int, failAt int, fetching *atomic.Int32) func(*[]domain.Response) (bool, error) {
		next := 0
		return func(b *[]domain.Response) (bool, error) {
			fetching.Add(1)
			defer fetching.Add(-1)
			if next == failAt {
				return false, errors.New("fetch failed")
			}
			for i := range 3 {
				*b = append(*b, domain.Response{ID: fmt.Sprintf("%d.%d", next, i)})
			}
			next++
			return next < batches, nil
		}
	}
	t.Run("all", func(t *testing.T) {
		var fetching atomic.Int32
		var got []string
		err := prefetch(fetcher(5, -1, &fetching), defaultExportBatch, func(rs []domain.Response) error {
			for _, r := range rs {
				got = append(got, r.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 15 || got[0] != "0.0" || got[3] != "1.0" || got[14] != "4.2" {
			t.Errorf("ids = %v", got)
		}
	})
	t.Run("fn fails", func(t *testing.T) {
		var fetching atomic.Int32
		calls := 0
		err := prefetch(fetcher(100, -1, &fetching), defaultExportBatch, func([]domain.Response) error {
			calls++
			if calls == 2 {
				return errors.New("client gone")
			}
			return nil
		})
		if err == nil || err.Error() != "client gone" || calls != 2 {
			t.Errorf("err = %v after %d calls, want client gone after 2", err, calls)
		}
		if n := fetching.Load(); n != 0 {
			t.Errorf("prefetch returned while fetch was running")
		}
	})
	t.Run("fetch fails", func(t *testing.T) {
		var fetching atomic.Int32
		calls := 0
		err := prefetch(fetcher(100, 3, &fetching), defaultExportBatch, func([]domain.Response) error { calls++; return nil })
		if err == nil || err.Error() != "fetch failed" || calls != 3 {
			t.Errorf("err = %v after %d calls, want fetch failed after 3", err, calls)
		}
	})
	t.Run("fetch panics", func(t *testing.T) {
		calls, fetches := 0, 0
		fetch := func(b *[]domain.Response) (bool, error) {
			if fetches++; fetches == 2 {
				panic("a bug in a reader") // must not end the server
			}
			*b = append(*b, domain.Response{ID: "r"})
			return true, nil
		}
		err := prefetch(fetch, defaultExportBatch, func([]domain.Response) error { calls++; return nil })
		if err == nil || !strings.Contains(err.Error(), "panic while reading") || calls != 1 {
			t.Errorf("err = %v after %d calls, want the panic as an error after 1", err, calls)
		}
	})
}
