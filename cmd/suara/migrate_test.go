package main

import (
	"context"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"suara/store"
)

// TestMigrateFill: `suara migrate fill` fills the answer lists a server of
// the previous release left NULL, with the same lists the writer and the
// bulk loader write, and says how many it filled; a second run finds none.
func TestMigrateFill(t *testing.T) {
	ctx := context.Background()
	db := t.TempDir() + "/suara.db"
	getenv := func(string) string { return "" }
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

	filled := regexp.MustCompile(`^Answer lists filled for (\d+) responses in `)
	for _, n := range []string{"15", "0"} {
		var out strings.Builder
		if err := run(ctx, []string{"migrate", "fill", "--db", db}, getenv, &out, io.Discard); err != nil {
			t.Fatalf("migrate fill: %v", err)
		}
		if m := filled.FindStringSubmatch(out.String()); m == nil || m[1] != n {
			t.Errorf("migrate fill printed %q, want %s responses filled", out.String(), n)
		}
	}
	if got := lists(t, ""); !slices.Equal(got, want) {
		t.Errorf("after the fill:\n%q\nwant\n%q", got, want)
	}
}
