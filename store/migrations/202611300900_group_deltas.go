package migrations

import (
	"fmt"
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// groupDeltas replaces the two delta tables with one, rollup_deltas, that
// holds a row per response group rather than per rollup group. A
// response used to add about eight delta rows to its batch: its unit's
// respondent row, one per profile answer (gender, age band, education,
// occupation) and one per unit on its path; a third of the cost of a
// submission went into writing and indexing them. Now it adds one row
// (and one per score outside the nine elements), which carries its
// profile answers and, as a JSON array, the ids of the units on its path.
// The fold and the *_all views spread that row into the rollup rows it
// stands for, in SQL, where the fold's GROUP BY also merges far more than
// a batch could.
func groupDeltas() *gormigrate.Migration {
	// Frozen copies of the shapes this migration knows.
	var std, stdDDL []string // u1_1 … u9_4
	for k := 1; k <= 9; k++ {
		for v := 1; v <= 4; v++ {
			std = append(std, fmt.Sprintf("u%d_%d", k, v))
			stdDDL = append(stdDDL, fmt.Sprintf("u%d_%d integer NOT NULL", k, v))
		}
	}
	values := "element, num, den, n, index_sum, index_sum_sq, " + strings.Join(std, ", ")
	sums := "SUM(n), SUM(index_sum), SUM(index_sum_sq), SUM(" + strings.Join(std, "), SUM(") + ")"
	type table struct{ name, oldDeltas, group, groupDDL string }
	tables := []table{
		{"rollup_counts", "rollup_count_deltas", "institution_id, unit_id, survey_id, service_id, day, dimension, grp",
			`institution_id varchar(36) NOT NULL, unit_id varchar(36) NOT NULL, survey_id varchar(36) NOT NULL,
  service_id varchar(36) NOT NULL, day varchar(10) NOT NULL, dimension varchar(16) NOT NULL, grp varchar(64) NOT NULL`},
		{"rollup_subtrees", "rollup_subtree_deltas", "institution_id, subtree_id, day",
			`institution_id varchar(36) NOT NULL, subtree_id varchar(36) NOT NULL, day varchar(10) NOT NULL`},
	}
	// add is the statement that adds the rows of from (the table's shape)
	// to the table.
	add := func(t table, from string) string {
		var set []string
		for _, c := range append([]string{"n", "index_sum", "index_sum_sq"}, std...) {
			set = append(set, fmt.Sprintf("%[1]s = %[2]s.%[1]s + excluded.%[1]s", c, t.name))
		}
		key := t.group + ", element, num, den"
		return fmt.Sprintf("INSERT INTO %s (%s, %s) SELECT %s, %s FROM %s GROUP BY %s ON CONFLICT (%s) DO UPDATE SET %s",
			t.name, t.group, values, key, sums, from, key, key, strings.Join(set, ", "))
	}
	// spread is the SELECT of the rows of table t that the rows of
	// rollup_deltas stand for: a unit's respondent row and one per profile
	// answer (never split by service), or a row per unit on the path.
	spread := func(dialect string, t table) string {
		if t.name == "rollup_counts" {
			parts := []string{fmt.Sprintf("SELECT institution_id, unit_id, survey_id, service_id, day, '' AS dimension, '' AS grp, %s FROM rollup_deltas", values)}
			for _, dim := range []string{"gender", "age", "education", "occupation"} {
				parts = append(parts, fmt.Sprintf("SELECT institution_id, unit_id, survey_id, '', day, '%[1]s', %[1]s, %[2]s FROM rollup_deltas WHERE %[1]s <> ''", dim, values))
			}
			return strings.Join(parts, " UNION ALL ")
		}
		if dialect == "postgres" {
			// varchar like rollup_subtrees.subtree_id: a column whose type
			// differs between the branches of a UNION blocks PostgreSQL
			// from pushing a filter on it down into the indexed branch.
			return fmt.Sprintf(`SELECT d.institution_id, a.subtree_id::varchar(36) AS subtree_id, d.day, %s FROM rollup_deltas d
  CROSS JOIN LATERAL json_array_elements_text(d.subtrees::json) AS a(subtree_id)`, "d."+strings.ReplaceAll(values, ", ", ", d."))
		}
		return fmt.Sprintf("SELECT d.institution_id, a.value AS subtree_id, d.day, %s FROM rollup_deltas d, json_each(d.subtrees) a",
			"d."+strings.ReplaceAll(values, ", ", ", d."))
	}
	exec := func(tx *gorm.DB, stmts []string) error {
		for _, s := range stmts {
			if err := tx.Exec(s).Error; err != nil {
				return fmt.Errorf("%w in %.80s", err, s)
			}
		}
		return nil
	}
	// lock keeps a running replica's writer and fold out until the
	// migration commits (PostgreSQL; SQLite has one writer at a time).
	lock := func(tx *gorm.DB, deltas string) error {
		if tx.Name() != "postgres" {
			return nil
		}
		return exec(tx, []string{"SELECT pg_advisory_xact_lock(358451606113)", "LOCK TABLE " + deltas + " IN EXCLUSIVE MODE"})
	}
	autovacuum := func(tx *gorm.DB, tables ...string) []string {
		if tx.Name() != "postgres" {
			return nil
		}
		var out []string
		for _, t := range tables {
			out = append(out, "ALTER TABLE "+t+" SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000)")
		}
		return out
	}
	return &gormigrate.Migration{
		ID: "202611300900_group_deltas",
		Migrate: func(tx *gorm.DB) error {
			if err := lock(tx, "rollup_count_deltas, rollup_subtree_deltas"); err != nil {
				return err
			}
			var stmts []string
			for _, t := range tables { // fold the old deltas, then drop them
				stmts = append(stmts, add(t, t.oldDeltas+" WHERE true"), "DROP VIEW "+t.name+"_all", "DROP TABLE "+t.oldDeltas)
			}
			stmts = append(stmts, fmt.Sprintf(`CREATE TABLE rollup_deltas (
  institution_id varchar(36) NOT NULL, unit_id varchar(36) NOT NULL, survey_id varchar(36) NOT NULL,
  service_id varchar(36) NOT NULL, day varchar(10) NOT NULL,
  gender varchar(64) NOT NULL, age varchar(64) NOT NULL, education varchar(64) NOT NULL, occupation varchar(64) NOT NULL,
  subtrees text NOT NULL,
  element varchar(32) NOT NULL, num integer NOT NULL, den integer NOT NULL,
  n bigint NOT NULL, index_sum bigint NOT NULL, index_sum_sq bigint NOT NULL, %s)`, strings.Join(stdDDL, ", ")),
				`CREATE INDEX idx_rollup_deltas ON rollup_deltas (institution_id, unit_id, day)`)
			for _, t := range tables {
				stmts = append(stmts, fmt.Sprintf("CREATE VIEW %[1]s_all AS SELECT %[2]s, %[3]s FROM %[1]s UNION ALL %[4]s",
					t.name, t.group, values, spread(tx.Name(), t)))
			}
			return exec(tx, append(stmts, autovacuum(tx, "rollup_deltas")...))
		},
		// Rollback folds the group deltas and brings the two delta tables
		// back, as 202611290900_wide_rollups left them.
		Rollback: func(tx *gorm.DB) error {
			if err := lock(tx, "rollup_deltas"); err != nil {
				return err
			}
			var stmts []string
			for _, t := range tables {
				stmts = append(stmts, add(t, "("+spread(tx.Name(), t)+") s WHERE true"))
			}
			stmts = append(stmts, "DROP VIEW rollup_counts_all", "DROP VIEW rollup_subtrees_all", "DROP TABLE rollup_deltas")
			for _, t := range tables {
				stmts = append(stmts, fmt.Sprintf(`CREATE TABLE %s (%s,
  element varchar(32) NOT NULL, num integer NOT NULL, den integer NOT NULL,
  n bigint NOT NULL, index_sum bigint NOT NULL, index_sum_sq bigint NOT NULL, %s)`, t.oldDeltas, t.groupDDL, strings.Join(stdDDL, ", ")),
					fmt.Sprintf("CREATE VIEW %[1]s_all AS SELECT %[2]s, %[3]s FROM %[1]s UNION ALL SELECT %[2]s, %[3]s FROM %[4]s",
						t.name, t.group, values, t.oldDeltas))
			}
			stmts = append(stmts,
				`CREATE INDEX idx_rollup_count_deltas ON rollup_count_deltas (institution_id, unit_id, day)`,
				`CREATE INDEX idx_rollup_subtree_deltas ON rollup_subtree_deltas (institution_id, subtree_id, day)`)
			return exec(tx, append(stmts, autovacuum(tx, "rollup_count_deltas", "rollup_subtree_deltas")...))
		},
	}
}
