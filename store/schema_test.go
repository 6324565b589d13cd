package store_test

import (
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-gormigrate/gormigrate/v2"

	"suara/store"
	"suara/store/migrations"
	"suara/store/storetest"
)

// distributed are the tables Citus would distribute by institution_id
// (docs/scaling.md). A table whose name starts with one of
// distributedPrefixes is held to the same rules, so a new response,
// answer or rollup table cannot escape them.
var (
	distributed         = []string{"responses", "answers", "rollup_counts", "rollup_subtrees", "rollup_deltas"}
	distributedPrefixes = []string{"response", "answer", "rollup"}
	// appendOnly tables take every insert as a new row and have no key.
	appendOnly = []string{"rollup_deltas"}
)

// schemaIndex is one primary key or unique index of a table.
type schemaIndex struct {
	Name    string
	Primary bool
	Columns []string
}

// TestDistributionColumn keeps the migrated schema ready for Citus: every
// distributed table has a NOT NULL institution_id, and its primary key
// and every unique index include it (Citus refuses a unique constraint
// without the distribution column, because it could not be checked on one
// shard).
func TestDistributionColumn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tables := schemaTables(t, s)
		var checked []string
		for _, table := range tables {
			if !slices.Contains(distributed, table) && !hasAnyPrefix(table, distributedPrefixes) {
				continue
			}
			checked = append(checked, table)
			cols := schemaColumns(t, s, table)
			notNull, ok := cols["institution_id"]
			if !ok {
				t.Errorf("%s has no institution_id column", table)
				continue
			}
			if s.Dialect() == store.Postgres && !notNull {
				t.Errorf("%s.institution_id may be NULL", table)
			}
			keys := schemaUniqueKeys(t, s, table)
			if !slices.Contains(appendOnly, table) && !slices.ContainsFunc(keys, func(k schemaIndex) bool { return k.Primary }) {
				t.Errorf("%s has no primary key", table)
			}
			for _, k := range keys {
				if !slices.Contains(k.Columns, "institution_id") {
					t.Errorf("%s: unique key %s (%s) lacks institution_id", table, k.Name, strings.Join(k.Columns, ", "))
				}
			}
		}
		for _, want := range distributed {
			if !slices.Contains(checked, want) {
				t.Errorf("table %s is missing; the distributed list is stale", want)
			}
		}
	})
}

func hasAnyPrefix(s string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(s, p) })
}

func schemaTables(t *testing.T, s *store.Store) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if s.Dialect() == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	var names []string
	if err := s.DB().Raw(q).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("no tables: the schema was not migrated")
	}
	return names
}

// schemaColumns returns the table's columns and whether each is NOT NULL.
func schemaColumns(t *testing.T, s *store.Store, table string) map[string]bool {
	t.Helper()
	type col struct {
		Name    string
		NotNull bool
	}
	var cols []col
	var err error
	if s.Dialect() == store.Postgres {
		err = s.DB().Raw(`SELECT column_name AS name, is_nullable = 'NO' AS not_null FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = ?`, table).Scan(&cols).Error
	} else {
		err = s.DB().Raw(`SELECT name, "notnull" <> 0 AS not_null FROM pragma_table_info(?)`, table).Scan(&cols).Error
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, c := range cols {
		out[c.Name] = c.NotNull
	}
	return out
}

// schemaUniqueKeys returns the table's primary key and unique indexes with
// their columns in order (an expression column has no name and so never
// counts as institution_id).
func schemaUniqueKeys(t *testing.T, s *store.Store, table string) []schemaIndex {
	t.Helper()
	type row struct {
		Name    string
		Primary bool
		Columns string
	}
	var rows []row
	var err error
	if s.Dialect() == store.Postgres {
		err = s.DB().Raw(`SELECT i.relname AS name, ix.indisprimary AS "primary",
  COALESCE(string_agg(a.attname, ',' ORDER BY k.ord), '') AS columns
FROM pg_index ix
JOIN pg_class tb ON tb.oid = ix.indrelid
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_namespace n ON n.oid = tb.relnamespace
CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
LEFT JOIN pg_attribute a ON a.attrelid = tb.oid AND a.attnum = k.attnum
WHERE n.nspname = current_schema() AND tb.relname = ? AND ix.indisunique
GROUP BY i.relname, ix.indisprimary
ORDER BY i.relname`, table).Scan(&rows).Error
	} else {
		// origin 'pk' is the primary key's index; a table with an INTEGER
		// PRIMARY KEY has none, and its key column then has pk > 0.
		err = s.DB().Raw(`SELECT il.name AS name, il.origin = 'pk' AS "primary",
  COALESCE((SELECT group_concat(name, ',') FROM (SELECT ii.name FROM pragma_index_info(il.name) ii ORDER BY ii.seqno)), '') AS columns
FROM pragma_index_list(?) il WHERE il."unique" <> 0
UNION ALL
SELECT 'rowid key', 1, (SELECT group_concat(name, ',') FROM pragma_table_info(?) WHERE pk > 0)
WHERE NOT EXISTS (SELECT 1 FROM pragma_index_list(?) WHERE origin = 'pk')
  AND EXISTS (SELECT 1 FROM pragma_table_info(?) WHERE pk > 0)
ORDER BY 1`, table, table, table, table).Scan(&rows).Error
	}
	if err != nil {
		t.Fatal(err)
	}
	out := make([]schemaIndex, 0, len(rows))
	for _, r := range rows {
		var cols []string
		if r.Columns != "" {
			cols = strings.Split(r.Columns, ",")
		}
		out = append(out, schemaIndex{Name: r.Name, Primary: r.Primary, Columns: cols})
	}
	return out
}

// migratedToBefore opens an empty database of dialect d and migrates it
// up to the migration before id; it returns the store, the migrator and
// the migration named id, for a test to run on data it inserts.
func migratedToBefore(t *testing.T, d, id string) (*store.Store, *gormigrate.Gormigrate, *gormigrate.Migration) {
	t.Helper()
	s, err := store.Open(ctx, storetest.DSN(t, d), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	db := s.DB()
	if d == store.Postgres { // the test database is a migrated clone: start empty
		mustOK(t, db.Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`).Error)
	}
	all := migrations.All()
	i := slices.IndexFunc(all, func(m *gormigrate.Migration) bool { return m.ID == id })
	if i < 1 {
		s.Close()
		t.Fatalf("migration %s not found", id)
	}
	m := migrations.New(db)
	if err := m.MigrateTo(all[i-1].ID); err != nil {
		s.Close()
		t.Fatal(err)
	}
	return s, m, all[i]
}

// TestDistributionKeysMigration migrates a database that already holds a
// response to the keys with institution_id and back: nothing is lost, and
// the client_id index still refuses a duplicate.
func TestDistributionKeysMigration(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			s, m, mig := migratedToBefore(t, d, "202611270920_distribution_keys")
			defer s.Close()
			db := s.DB()
			insert := func(id string) error {
				return db.Exec(`INSERT INTO responses (id, institution_id, client_id, survey_id, unit_id, template_version_id, day, profile, comment, receipt, suspicious, excluded)
VALUES (?, 'inst', 'client-1', 'sv', 'unit', 'tv', '2026-11-27', '{}', '', 'SKM-TEST-0001', false, false)`, id).Error
			}
			mustOK(t, insert("resp-1"))
			mustOK(t, db.Exec(`INSERT INTO answers (response_id, question_code, institution_id, value) VALUES ('resp-1', 'U1', 'inst', 4), ('resp-1', 'U2', 'inst', 3)`).Error)
			count := func() (n int64) {
				t.Helper()
				mustOK(t, db.Raw(`SELECT (SELECT COUNT(*) FROM responses WHERE id = 'resp-1' AND receipt = 'SKM-TEST-0001') + (SELECT COUNT(*) FROM answers WHERE response_id = 'resp-1')`).Scan(&n).Error)
				return n
			}
			mustOK(t, m.MigrateTo(mig.ID))
			if n := count(); n != 3 {
				t.Errorf("after the migration %d rows of the response remain, want 3", n)
			}
			if keys := schemaUniqueKeys(t, s, "responses"); !slices.ContainsFunc(keys, func(k schemaIndex) bool {
				return k.Primary && slices.Equal(k.Columns, []string{"id", "institution_id"})
			}) {
				t.Errorf("responses keys = %+v, want the primary key (id, institution_id)", keys)
			}
			if err := insert("resp-2"); err == nil {
				t.Error("a second response with the same client_id was stored after the migration")
			}
			mustOK(t, m.RollbackMigration(mig))
			if n := count(); n != 3 {
				t.Errorf("after the rollback %d rows of the response remain, want 3", n)
			}
		})
	}
}

// TestWideRollupsMigration migrates rollups kept a row per score, with
// JSON deltas not folded yet, to the standard scores in columns, and back:
// every count keeps its value, and the scores outside the nine elements
// keep their rows.
func TestWideRollupsMigration(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			s, m, mig := migratedToBefore(t, d, "202611290900_wide_rollups")
			defer s.Close()
			db := s.DB()
			const group = `'inst', 'unit', 'sv', '', '2026-11-27', '', ''`
			mustOK(t, db.Exec(`INSERT INTO rollup_counts (institution_id, unit_id, survey_id, service_id, day, dimension, grp, element, num, den, n, index_sum, index_sum_sq)
VALUES (`+group+`, '', 0, 0, 4, 25000, 210000000), (`+group+`, 'persyaratan', 4, 1, 2, 0, 0),
       (`+group+`, 'persyaratan', 3, 1, 1, 0, 0), (`+group+`, 'persyaratan', 6, 2, 1, 0, 0), (`+group+`, 'kebersihan', 7, 2, 1, 0, 0)`).Error)
			mustOK(t, db.Exec(`INSERT INTO rollup_subtree_deltas (institution_id, subtree_id, day, n, index_sum, index_sum_sq, scores)
VALUES ('inst', 'unit', '2026-11-27', 1, 7500, 56250000, '[["waktu",2,1,1],["kebersihan",3,1,1]]')`).Error)
			// narrow lists every count as (table, element, num, den, n, index_sum).
			narrow := func() []string {
				t.Helper()
				var rows []struct {
					T, Element  string
					Num, Den    int
					N, IndexSum int64
				}
				mustOK(t, db.Raw(`SELECT 'c' AS t, element, num, den, n, index_sum FROM rollup_counts
UNION ALL SELECT 's', element, num, den, n, index_sum FROM rollup_subtrees ORDER BY 1, 2, 3, 4`).Scan(&rows).Error)
				var out []string
				for _, r := range rows {
					out = append(out, strings.Join([]string{r.T, r.Element, strconv.Itoa(r.Num), strconv.Itoa(r.Den),
						strconv.FormatInt(r.N, 10), strconv.FormatInt(r.IndexSum, 10)}, " "))
				}
				return out
			}
			mustOK(t, m.MigrateTo(mig.ID))
			var wide []struct {
				T                string
				N, IndexSum      int64
				U1_3, U1_4, U3_2 int64
			}
			mustOK(t, db.Raw(`SELECT 'c' AS t, n, index_sum, u1_3, u1_4, u3_2 FROM rollup_counts WHERE element = ''
UNION ALL SELECT 's', n, index_sum, u1_3, u1_4, u3_2 FROM rollup_subtrees_all WHERE element = '' ORDER BY 1`).Scan(&wide).Error)
			if len(wide) != 2 || wide[0].N != 4 || wide[0].IndexSum != 25000 || wide[0].U1_4 != 2 || wide[0].U1_3 != 2 || wide[0].U3_2 != 0 ||
				wide[1].N != 1 || wide[1].IndexSum != 7500 || wide[1].U3_2 != 1 || wide[1].U1_4 != 0 {
				t.Errorf("respondent rows after the migration = %+v", wide)
			}
			want := []string{"c  0 0 4 25000", "c kebersihan 7 2 1 0", "s  0 0 1 7500", "s kebersihan 3 1 1 0"}
			if got := narrow(); !slices.Equal(got, want) {
				t.Errorf("rows after the migration:\n got %q\nwant %q", got, want)
			}
			mustOK(t, m.RollbackMigration(mig))
			want = []string{"c  0 0 4 25000", "c kebersihan 7 2 1 0", "c persyaratan 3 1 2 0", "c persyaratan 4 1 2 0",
				"s  0 0 1 7500", "s kebersihan 3 1 1 0", "s waktu 2 1 1 0"}
			if got := narrow(); !slices.Equal(got, want) {
				t.Errorf("rows after the rollback:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// rollupValueCols returns the value columns of a rollup row (element, num,
// den, the respondent sums, then u1_4 and every other score column) and a
// func that completes a row's values for them from its first seven: every
// score column but u1_4 is 0.
func rollupValueCols() (cols string, values func(first7 string) string) {
	var zeros []string
	for k := 1; k <= 9; k++ {
		for v := 1; v <= 4; v++ {
			if k != 1 || v != 4 {
				zeros = append(zeros, "u"+strconv.Itoa(k)+"_"+strconv.Itoa(v))
			}
		}
	}
	cols = "element, num, den, n, index_sum, index_sum_sq, u1_4, " + strings.Join(zeros, ", ")
	return cols, func(first7 string) string { return first7 + strings.Repeat(", 0", len(zeros)) }
}

// TestGroupDeltasMigration folds the two old delta tables into the rollups
// and replaces them with rollup_deltas, whose rows the *_all views spread
// into the rollup rows they stand for; the rollback folds those too.
func TestGroupDeltasMigration(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			s, m, mig := migratedToBefore(t, d, "202611300900_group_deltas")
			defer s.Close()
			db := s.DB()
			cols, values := rollupValueCols()
			const group = `'inst', 'unit', 'sv', '', '2026-11-27', '', ''`
			mustOK(t, db.Exec(`INSERT INTO rollup_counts (institution_id, unit_id, survey_id, service_id, day, dimension, grp, `+cols+`)
VALUES (`+group+`, `+values(`'', 0, 0, 2, 15000, 0, 2`)+`)`).Error)
			mustOK(t, db.Exec(`INSERT INTO rollup_count_deltas (institution_id, unit_id, survey_id, service_id, day, dimension, grp, `+cols+`)
VALUES (`+group+`, `+values(`'', 0, 0, 1, 10000, 0, 1`)+`)`).Error)
			mustOK(t, db.Exec(`INSERT INTO rollup_subtree_deltas (institution_id, subtree_id, day, `+cols+`)
VALUES ('inst', 'root', '2026-11-27', `+values(`'', 0, 0, 1, 10000, 0, 1`)+`)`).Error)
			// totals lists the respondent sums of every group, folded or not.
			totals := func() []string {
				t.Helper()
				var rows []struct {
					Key         string
					N, IndexSum int64
					U14         int64 `gorm:"column:u1_4"`
				}
				mustOK(t, db.Raw(`SELECT 'c|' || unit_id || '|' || dimension || '|' || grp AS key, SUM(n) AS n, SUM(index_sum) AS index_sum, SUM(u1_4) AS u1_4
FROM rollup_counts_all WHERE element = '' GROUP BY unit_id, dimension, grp
UNION ALL SELECT 's|' || subtree_id, SUM(n), SUM(index_sum), SUM(u1_4) FROM rollup_subtrees_all WHERE element = '' GROUP BY subtree_id
UNION ALL SELECT 'o|' || element, SUM(n), 0, 0 FROM rollup_subtrees_all WHERE element <> '' GROUP BY element`).Scan(&rows).Error)
				var out []string
				for _, r := range rows {
					out = append(out, r.Key+" "+strconv.FormatInt(r.N, 10)+" "+strconv.FormatInt(r.IndexSum, 10)+" "+strconv.FormatInt(r.U14, 10))
				}
				slices.Sort(out)
				return out
			}
			mustOK(t, m.MigrateTo(mig.ID))
			var folded int64
			mustOK(t, db.Raw(`SELECT n FROM rollup_counts WHERE unit_id = 'unit' AND element = ''`).Scan(&folded).Error)
			if folded != 3 {
				t.Errorf("respondents of the unit folded by the migration = %d, want 3", folded)
			}
			if want, got := []string{"c|unit|| 3 25000 3", "s|root 1 10000 1"}, totals(); !slices.Equal(got, want) {
				t.Errorf("after the migration:\n got %q\nwant %q", got, want)
			}
			// A response group of a female respondent of 'unit' under 'root',
			// and a score outside the nine elements.
			const deltaGroup = `'inst', 'unit', 'sv', 'svc', '2026-11-27', 'female', '', 'sma', '', '["root","unit"]'`
			mustOK(t, db.Exec(`INSERT INTO rollup_deltas (institution_id, unit_id, survey_id, service_id, day, gender, age, education, occupation, subtrees, `+cols+`)
VALUES (`+deltaGroup+`, `+values(`'', 0, 0, 1, 5000, 0, 1`)+`), (`+deltaGroup+`, `+values(`'kebersihan', 3, 1, 1, 0, 0, 0`)+`)`).Error)
			want := []string{"c|unit|education|sma 1 5000 1", "c|unit|gender|female 1 5000 1", "c|unit|| 4 30000 4",
				"o|kebersihan 2 0 0", "s|root 2 15000 2", "s|unit 1 5000 1"}
			slices.Sort(want)
			if got := totals(); !slices.Equal(got, want) {
				t.Errorf("with a group delta:\n got %q\nwant %q", got, want)
			}
			mustOK(t, m.RollbackMigration(mig))
			var left int64
			mustOK(t, db.Raw(`SELECT COUNT(*) FROM rollup_count_deltas`).Scan(&left).Error)
			if got := totals(); !slices.Equal(got, want) || left != 0 {
				t.Errorf("after the rollback (%d delta rows left):\n got %q\nwant %q", left, got, want)
			}
		})
	}
}

// TestSubtreeViewPerPathMigration: rollup_subtrees_all sums the unfolded
// deltas per unit path before it splits the path, and reads the same
// before the migration, after it and after its rollback.
func TestSubtreeViewPerPathMigration(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			s, m, mig := migratedToBefore(t, d, "202612010900_subtree_view_per_path")
			defer s.Close()
			db := s.DB()
			valueCols, values := rollupValueCols()
			cols := "institution_id, unit_id, survey_id, service_id, day, gender, age, education, occupation, subtrees, " + valueCols
			row := func(unit, path, day, vals string) string {
				return "('inst', '" + unit + "', 'sv', '', '" + day + "', 'female', '', '', '', '" + path + "', " + values(vals) + ")"
			}
			// Two groups on one path (they sum), one on another path, one
			// on another day, a score outside the nine elements, and a
			// row already folded.
			mustOK(t, db.Exec(`INSERT INTO rollup_deltas (`+cols+`) VALUES `+strings.Join([]string{
				row("unit", `["root","unit"]`, "2026-11-27", `'', 0, 0, 1, 5000, 25000000, 1`),
				row("unit", `["root","unit"]`, "2026-11-27", `'', 0, 0, 2, 15000, 125000000, 2`),
				row("other", `["root","other"]`, "2026-11-27", `'', 0, 0, 1, 7500, 56250000, 0`),
				row("unit", `["root","unit"]`, "2026-11-28", `'', 0, 0, 1, 10000, 100000000, 1`),
				row("unit", `["root","unit"]`, "2026-11-27", `'kebersihan', 3, 1, 1, 0, 0, 0`),
			}, ", ")).Error)
			mustOK(t, db.Exec(`INSERT INTO rollup_subtrees (institution_id, subtree_id, day, `+valueCols+`)
VALUES ('inst', 'root', '2026-11-27', `+values(`'', 0, 0, 4, 40000, 400000000, 4`)+`)`).Error)
			read := func() []string {
				t.Helper()
				var rows []struct {
					Key                        string
					N, IndexSum, IndexSumSq, U int64
				}
				mustOK(t, db.Raw(`SELECT subtree_id || '|' || day || '|' || element AS key, SUM(n) AS n, SUM(index_sum) AS index_sum,
  SUM(index_sum_sq) AS index_sum_sq, SUM(u1_4) AS u FROM rollup_subtrees_all GROUP BY subtree_id, day, element`).Scan(&rows).Error)
				var out []string
				for _, r := range rows {
					out = append(out, fmt.Sprintf("%s %d %d %d %d", r.Key, r.N, r.IndexSum, r.IndexSumSq, r.U))
				}
				slices.Sort(out)
				return out
			}
			want := []string{
				"other|2026-11-27| 1 7500 56250000 0",
				"root|2026-11-27| 8 67500 606250000 7",
				"root|2026-11-27|kebersihan 1 0 0 0",
				"root|2026-11-28| 1 10000 100000000 1",
				"unit|2026-11-27| 3 20000 150000000 3",
				"unit|2026-11-27|kebersihan 1 0 0 0",
				"unit|2026-11-28| 1 10000 100000000 1",
			}
			if got := read(); !slices.Equal(got, want) {
				t.Errorf("before the migration:\n got %q\nwant %q", got, want)
			}
			// summed reports whether the view sums the deltas before it
			// splits their paths.
			summed := func() bool {
				t.Helper()
				var def string
				q := `SELECT sql FROM sqlite_master WHERE name = 'rollup_subtrees_all'`
				if d == store.Postgres {
					q = `SELECT pg_get_viewdef('rollup_subtrees_all'::regclass)`
				}
				mustOK(t, db.Raw(q).Scan(&def).Error)
				return strings.Contains(def, "GROUP BY")
			}
			mustOK(t, m.MigrateTo(mig.ID))
			if got := read(); !slices.Equal(got, want) || !summed() {
				t.Errorf("after the migration (summed per path: %v):\n got %q\nwant %q", summed(), got, want)
			}
			mustOK(t, m.RollbackMigration(mig))
			if got := read(); !slices.Equal(got, want) || summed() {
				t.Errorf("after the rollback (summed per path: %v):\n got %q\nwant %q", summed(), got, want)
			}
		})
	}
}

// TestAnswerListMigration migrates a database holding responses to the
// answer list column: Migrate fills the list of every response stored
// before it from its answers (in code order; per institution; empty for a
// response without answers), batch by batch, and its rollback drops the
// column.
func TestAnswerListMigration(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			s, m, mig := migratedToBefore(t, d, migrations.AnswerListID)
			defer s.Close()
			db := s.DB()
			insert := func(i int, inst string) {
				t.Helper()
				mustOK(t, db.Exec(`INSERT INTO responses (id, institution_id, client_id, survey_id, unit_id, template_version_id, day, profile, comment, receipt, suspicious, excluded)
VALUES (?, ?, ?, 'sv', 'unit', 'tv', '2026-11-27', '{}', '', 'SKM-TEST-0001', false, false)`, fmt.Sprint("resp-", i), inst, fmt.Sprint("client-", i)).Error)
			}
			for i, inst := range []string{"inst", "inst", "other", "inst", "inst"} {
				insert(i, inst)
			}
			// resp-1 has the answers of resp-0's id in another institution
			// only: they must not be lent.
			mustOK(t, db.Exec(`INSERT INTO answers (response_id, question_code, institution_id, value) VALUES
('resp-0', 'U9', 'inst', 1), ('resp-0', 'U1', 'inst', 4), ('resp-0', 'U3.antre', 'inst', 2), ('resp-0', 'U3.Loket', 'inst', 3),
('resp-1', 'U1', 'other', 3), ('resp-3', 'U2', 'inst', 2), ('resp-4', 'U5', 'inst', 4)`).Error)
			mustOK(t, m.MigrateTo(mig.ID))
			lists := func() []string {
				t.Helper()
				var got []string
				mustOK(t, db.Raw(`SELECT id || '=' || COALESCE(answer_list, 'NULL') FROM responses ORDER BY id`).Scan(&got).Error)
				return got
			}
			if got, want := lists(), []string{"resp-0=NULL", "resp-1=NULL", "resp-2=NULL", "resp-3=NULL", "resp-4=NULL"}; !slices.Equal(got, want) {
				t.Errorf("the migration itself filled lists: %q, want %q", got, want)
			}
			filled, err := s.FillAnswerListsBy(ctx, 2) // three batches
			mustOK(t, err)
			want := []string{"resp-0=U1:4,U3.Loket:3,U3.antre:2,U9:1", "resp-1=", "resp-2=", "resp-3=U2:2", "resp-4=U5:4"}
			if got := lists(); filled != 5 || !slices.Equal(got, want) {
				t.Errorf("after the fill (%d rows): %q, want 5 rows %q", filled, got, want)
			}
			mustOK(t, m.RollbackMigration(mig))
			if _, ok := schemaColumns(t, s, "responses")["answer_list"]; ok {
				t.Error("responses.answer_list is still there after the rollback")
			}
			// Migrate runs the migration and the fill.
			mustOK(t, s.Migrate(ctx))
			if got := lists(); !slices.Equal(got, want) {
				t.Errorf("after Migrate: %q, want %q", got, want)
			}
		})
	}
}
