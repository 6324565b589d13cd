package store_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"suara/domain"
	"suara/store"
	"suara/store/storetest"
)

// TestQueryPlansUseTheirIndexes EXPLAINs, on PostgreSQL, the statements
// behind /ikm (with its sample's population), /ikm/series, /ikm/children,
// /breakdown and the client_id lookup, as the store sends them, with sequential scans disabled: each
// must reach the responses, rollup and units tables through the intended index
// with its leading key columns bound (an index read end to end with a
// filter would pass "no Seq Scan" and still grow with the table).
func TestQueryPlansUseTheirIndexes(t *testing.T) {
	if os.Getenv("SUARA_TEST_DATABASE_URL") == "" {
		if os.Getenv("SUARA_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatal("SUARA_TEST_REQUIRE_POSTGRES=1 but SUARA_TEST_DATABASE_URL is not set")
		}
		t.Skip("EXPLAIN is checked on PostgreSQL only; set SUARA_TEST_DATABASE_URL")
	}
	s := storetest.Open(t, store.Postgres, store.Options{})
	f := newFixture(t, s)
	b := s.NewBulk()
	for i := range 3000 {
		u := f.root
		if i%2 == 0 {
			u = f.child
		}
		day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%180)
		sub := f.submission(u, uuid.NewString(), day.Format("2006-01-02"), [9]int{1 + i%4, 1 + i%3, 3, 4, 1 + i%2, 2, 3, 4, 1 + i%4})
		sub.Response.CapturedAt = day.Add(3 * time.Hour)
		mustOK(t, b.Add(ctx, sub))
	}
	mustOK(t, b.Close(ctx))
	mustOK(t, s.DB().Exec("ANALYZE").Error)

	// Record every statement the store sends, with its arguments inlined.
	var mu sync.Mutex
	var sent []string
	record := func(db *gorm.DB) {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, db.Dialector.Explain(db.Statement.SQL.String(), db.Statement.Vars...))
	}
	mustOK(t, s.DB().Callback().Query().After("gorm:query").Register("explain:query", record))
	mustOK(t, s.DB().Callback().Row().After("gorm:row").Register("explain:row", record))
	capture := func(call func() error) []string {
		mu.Lock()
		sent = nil
		mu.Unlock()
		mustOK(t, call())
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), sent...)
	}
	year := store.CountQuery{From: "2026-01-01", To: "2026-12-31"}
	replayed := f.submission(f.child, uuid.NewString(), "2026-02-02", [9]int{4, 4, 4, 4, 4, 4, 4, 4, 4})
	_, _, err := s.Submit(ctx, replayed)
	mustOK(t, err)

	cases := []struct {
		name  string
		call  func() error
		index string   // the index that must carry the read
		bound []string // its columns that must be bound in the Index Cond
	}{
		{"/ikm (unit subtree)", func() error { _, err := s.SubtreeCounts(ctx, f.child, year); return err },
			"rollup_subtrees_pkey", []string{"institution_id", "subtree_id", "day"}},
		{"/ikm/series (daily)", func() error { _, err := s.DailyCounts(ctx, f.root, year.From, year.To); return err },
			"rollup_subtrees_pkey", []string{"institution_id", "subtree_id", "day"}},
		{"/ikm/children (subtrees)", func() error {
			_, err := s.SubtreeCountsMany(ctx, []domain.Unit{f.root, f.child}, year)
			return err
		}, "rollup_subtrees_pkey", []string{"institution_id", "subtree_id", "day"}},
		{"/ikm/children (last day)", func() error { _, err := s.LastResponseDays(ctx, f.root); return err },
			"rollup_subtrees_pkey", []string{"institution_id", "subtree_id"}},
		{"/ikm?survey_id (one survey)", func() error {
			_, err := s.SubtreeCounts(ctx, f.root, store.CountQuery{From: year.From, To: year.To, SurveyID: f.survey.ID})
			return err
		}, "rollup_counts_pkey", []string{"institution_id", "unit_id", "survey_id"}},
		{"/breakdown", func() error { _, err := s.BreakdownCounts(ctx, f.root, "gender", year); return err },
			"rollup_counts_pkey", []string{"institution_id", "unit_id"}},
		{"/ikm sample (the subtree's survey population)", func() error {
			_, err := s.SurveyPopulation(ctx, f.child.Path, year.From, year.To)
			return err
		}, "idx_units_path_prefix", []string{"path"}},
		{"client_id lookup", func() error {
			_, err := s.FindResponseByClientID(ctx, replayed.Response.InstitutionID, replayed.Response.ClientID)
			return err
		}, "idx_responses_client", []string{"institution_id", "client_id"}},
		{"batch replay lookup (the writer's, through pgx)", nil, "idx_responses_client", []string{"institution_id", "client_id"}},
	}
	// The writer's lookup goes through pgx, not GORM: its statement is
	// explained with a batch's arrays written in.
	batchLookup := strings.NewReplacer(
		"$1", fmt.Sprintf("ARRAY['%[1]s', '%[1]s', '%[1]s']", replayed.Response.InstitutionID),
		"$2", fmt.Sprintf("ARRAY['%s', '%s', '%s']", replayed.Response.ClientID, uuid.NewString(), uuid.NewString()),
	).Replace(store.ReplayLookupSQL)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stmts := []string{batchLookup}
			if c.call != nil {
				stmts = capture(c.call)
			}
			found := false
			for _, sql := range stmts {
				plan := explain(t, s, sql)
				t.Logf("%s\n%s", sql, plan.text)
				for _, scan := range plan.scans {
					if scan.seq {
						t.Errorf("sequential scan on %s:\n%s", scan.table, plan.text)
					}
					if scan.index == c.index {
						found = true
						for _, col := range c.bound {
							if !strings.Contains(scan.cond, col) {
								t.Errorf("%s is read without %s bound (Index Cond: %s)", c.index, col, scan.cond)
							}
						}
					}
				}
			}
			if !found {
				t.Errorf("no statement read through %s; statements: %q", c.index, stmts)
			}
		})
	}
}

type scanNode struct {
	table, index, cond string
	seq                bool
}

type planInfo struct {
	text  string
	scans []scanNode // reads of responses, answers, the rollup tables and units
}

// explain returns the plan of sql with sequential scans disabled, so that
// a test database of a few thousand rows shows the path a large one takes.
func explain(t *testing.T, s *store.Store, sql string) planInfo {
	t.Helper()
	var out planInfo
	err := s.DB().Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
			return err
		}
		var lines []string
		if err := tx.Raw("EXPLAIN " + sql).Scan(&lines).Error; err != nil {
			return err
		}
		out.text = strings.Join(lines, "\n")
		var js string
		if err := tx.Raw("EXPLAIN (FORMAT JSON) " + sql).Row().Scan(&js); err != nil {
			return err
		}
		var root []struct{ Plan node }
		if err := json.Unmarshal([]byte(js), &root); err != nil {
			return fmt.Errorf("plan JSON: %w", err)
		}
		var walk func(n node, table string)
		walk = func(n node, table string) {
			if n.Relation != "" {
				table = n.Relation
			}
			watched := table == "responses" || table == "answers" || table == "rollup_counts" || table == "rollup_subtrees" || table == "units"
			if watched && (n.Index != "" || n.Type == "Seq Scan") {
				out.scans = append(out.scans, scanNode{table: table, index: n.Index, cond: n.Cond, seq: n.Type == "Seq Scan"})
			}
			for _, c := range n.Plans {
				walk(c, table)
			}
		}
		for _, r := range root {
			walk(r.Plan, "")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", sql, err)
	}
	return out
}

type node struct {
	Type     string `json:"Node Type"`
	Relation string `json:"Relation Name"`
	Index    string `json:"Index Name"`
	Cond     string `json:"Index Cond"`
	Plans    []node `json:"Plans"`
}
