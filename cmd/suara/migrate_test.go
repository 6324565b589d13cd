package main

import (
	"context"
	"errors"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"suara/store"
)

// TestMigrateFill: `suara migrate fill` applies the migrations and fills
// the answer lists a server of the previous release left NULL, with the
// same lists the bulk loader wrote, and says how many it filled; a second
// run finds none. The action may follow the flags; a mistyped one is
// refused rather than run as "up".
func TestMigrateFill(t *testing.T) {
	ctx := context.Background()
	getenv := func(string) string { return "" }
	filled := regexp.MustCompile(`^Answer lists filled for (\d+) responses in `)
	migrateFill := func(t *testing.T, db, want string, args ...string) string {
		t.Helper()
		var out strings.Builder
		if err := run(ctx, append([]string{"migrate"}, args...), getenv, &out, io.Discard); err != nil {
			t.Fatalf("migrate %q: %v", args, err)
		}
		if m := filled.FindStringSubmatch(out.String()); m == nil || m[1] != want {
			t.Errorf("migrate %q printed %q, want %s responses filled", args, out.String(), want)
		}
		return out.String()
	}

	t.Run("fresh database", func(t *testing.T) {
		db := t.TempDir() + "/suara.db"
		out := migrateFill(t, db, "0", "fill", "--db", db)
		if strings.Contains(out, "pending") || !strings.Contains(out, "202612020900_answer_list") {
			t.Errorf("migrate fill on a fresh database left migrations pending:\n%s", out)
		}
	})

	t.Run("lists left empty", func(t *testing.T) {
		db := t.TempDir() + "/suara.db"
		if err := run(ctx, []string{"demo", "--db", db, "--units", "1", "--responses", "40"}, getenv, io.Discard, io.Discard); err != nil {
			t.Fatalf("demo: %v", err)
		}
		lists := func(t *testing.T, null string) []string {
			t.Helper()
			st, err := store.Open(ctx, db, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if null != "" {
				if err := st.DB().Exec(null).Error; err != nil {
					t.Fatal(err)
				}
			}
			var got []string
			if err := st.DB().Raw("SELECT id || '=' || COALESCE(answer_list, 'NULL') FROM responses ORDER BY id").Scan(&got).Error; err != nil {
				t.Fatal(err)
			}
			return got
		}
		want := lists(t, "")
		if len(want) != 40 || slices.ContainsFunc(want, func(s string) bool { return strings.HasSuffix(s, "=NULL") || strings.HasSuffix(s, "=") }) {
			t.Fatalf("the demo's responses: %q, want 40 with answer lists", want)
		}
		// Rows an older server wrote: no list.
		emptied := lists(t, "UPDATE responses SET answer_list = NULL WHERE id IN (SELECT id FROM responses ORDER BY id DESC LIMIT 15)")
		if n := len(slices.DeleteFunc(emptied, func(s string) bool { return !strings.HasSuffix(s, "=NULL") })); n != 15 {
			t.Fatalf("%d lists emptied, want 15", n)
		}
		migrateFill(t, db, "15", "fill", "--db", db)
		migrateFill(t, db, "0", "--db", db, "fill") // the action after the flags
		if got := lists(t, ""); !slices.Equal(got, want) {
			t.Errorf("after the fill:\n%q\nwant\n%q", got, want)
		}
	})

	t.Run("mistyped action", func(t *testing.T) {
		db := t.TempDir() + "/suara.db"
		for _, args := range [][]string{{"fil", "--db", db}, {"--db", db, "fil"}, {"fill", "--db", db, "extra"}} {
			var stderr strings.Builder
			err := run(ctx, append([]string{"migrate"}, args...), getenv, io.Discard, &stderr)
			if !errors.Is(err, errUsage) || !strings.Contains(stderr.String(), "usage: suara migrate") {
				t.Errorf("migrate %q: error %v, stderr %q; want a usage error", args, err, stderr.String())
			}
		}
	})
}
