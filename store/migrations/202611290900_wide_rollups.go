package migrations

import (
	"fmt"
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// wideRollups moves the standard element scores into columns of the
// group's respondent row. Before, a profile group of a unit's day held a
// row per element score (up to 36 in the standard questionnaire) besides
// its respondent row: about 47 rollup rows per response, more than the
// responses and answers together, and every read and fold summed them.
// Now the respondent row (element "") carries u1_1 … u9_4: how many
// respondents scored v on the element of code Uk of PermenPANRB 14/2017.
// Any other score (an element outside the nine, or an average of several
// questions) keeps its own row, as before.
//
// The delta tables take the same shape as their rollup tables, so the
// fold and the *_all views add rows column by column, without JSON.
func wideRollups() *gormigrate.Migration {
	// The nine elements' ids in the order of their codes U1…U9, frozen here.
	elements := []string{"persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "sarpras", "pengaduan"}
	type table struct{ name, deltas, group, groupDDL string }
	tables := []table{
		{"rollup_counts", "rollup_count_deltas", "institution_id, unit_id, survey_id, service_id, day, dimension, grp",
			`institution_id varchar(36) NOT NULL, unit_id varchar(36) NOT NULL, survey_id varchar(36) NOT NULL,
  service_id varchar(36) NOT NULL, day varchar(10) NOT NULL, dimension varchar(16) NOT NULL, grp varchar(64) NOT NULL`},
		{"rollup_subtrees", "rollup_subtree_deltas", "institution_id, subtree_id, day",
			`institution_id varchar(36) NOT NULL, subtree_id varchar(36) NOT NULL, day varchar(10) NOT NULL`},
	}
	var cols, colsDDL []string // u1_1 … u9_4
	for k := range elements {
		for v := 1; v <= 4; v++ {
			cols = append(cols, fmt.Sprintf("u%d_%d", k+1, v))
			colsDDL = append(colsDDL, fmt.Sprintf("u%d_%d integer NOT NULL", k+1, v))
		}
	}
	key := func(t table) string { return t.group + ", element, num, den" }
	all := func(t table) string {
		return key(t) + ", n, index_sum, index_sum_sq, " + strings.Join(cols, ", ")
	}
	exec := func(tx *gorm.DB, stmts []string) error {
		for _, s := range stmts {
			if err := tx.Exec(s).Error; err != nil {
				return fmt.Errorf("%w in %.80s", err, s)
			}
		}
		return nil
	}
	// lock keeps a running replica's writer and fold out of the delta
	// tables until the migration commits (PostgreSQL; SQLite has one
	// writer at a time): a batch committed after the fold began would be
	// dropped with its table, and a fold in flight would be added twice.
	lock := func(tx *gorm.DB) error {
		if tx.Name() != "postgres" {
			return nil
		}
		return exec(tx, []string{
			"SELECT pg_advisory_xact_lock(358451606113)", // store.foldLock, "Suara"
			"LOCK TABLE rollup_count_deltas, rollup_subtree_deltas IN EXCLUSIVE MODE",
		})
	}
	return &gormigrate.Migration{
		ID: "202611290900_wide_rollups",
		Migrate: func(tx *gorm.DB) error {
			if err := lock(tx); err != nil {
				return err
			}
			// Fold the JSON deltas and drop them with their views.
			if err := rollupDeltas().Rollback(tx); err != nil {
				return err
			}
			var stmts []string
			for _, t := range tables {
				for _, c := range cols {
					stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s integer NOT NULL DEFAULT 0", t.name, c))
				}
				var sums, adds []string
				for k, e := range elements {
					for v := 1; v <= 4; v++ {
						sums = append(sums, fmt.Sprintf("SUM(CASE WHEN element = '%s' AND num / den = %d THEN n ELSE 0 END)", e, v))
						c := fmt.Sprintf("u%d_%d", k+1, v)
						adds = append(adds, fmt.Sprintf("%[1]s = %[2]s.%[1]s + excluded.%[1]s", c, t.name))
					}
				}
				// A whole average (6/2) is the score 3, as the store keeps it now.
				std := fmt.Sprintf("element IN ('%s') AND den >= 1 AND num %% den = 0 AND num / den BETWEEN 1 AND 4", strings.Join(elements, "', '"))
				stmts = append(stmts,
					fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s, '', 0, 0, 0, 0, 0, %s FROM %s WHERE %s GROUP BY %s
ON CONFLICT (%s) DO UPDATE SET %s`, t.name, all(t), t.group, strings.Join(sums, ", "), t.name, std, t.group, key(t), strings.Join(adds, ", ")),
					fmt.Sprintf("DELETE FROM %s WHERE %s", t.name, std),
					// The delta tables: the rollup table's columns, no key.
					fmt.Sprintf(`CREATE TABLE %s (%s,
  element varchar(32) NOT NULL, num integer NOT NULL, den integer NOT NULL,
  n bigint NOT NULL, index_sum bigint NOT NULL, index_sum_sq bigint NOT NULL, %s)`, t.deltas, t.groupDDL, strings.Join(colsDDL, ", ")),
					fmt.Sprintf("CREATE VIEW %[1]s_all AS SELECT %[2]s FROM %[1]s UNION ALL SELECT %[2]s FROM %[3]s", t.name, all(t), t.deltas))
			}
			stmts = append(stmts,
				`CREATE INDEX idx_rollup_count_deltas ON rollup_count_deltas (institution_id, unit_id, day)`,
				`CREATE INDEX idx_rollup_subtree_deltas ON rollup_subtree_deltas (institution_id, subtree_id, day)`)
			if tx.Name() == "postgres" {
				stmts = append(stmts,
					`ALTER TABLE rollup_count_deltas SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000)`,
					`ALTER TABLE rollup_subtree_deltas SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000)`)
			}
			return exec(tx, stmts)
		},
		// Rollback spreads the columns back into a row per score; a whole
		// average the migration moved (6/2) comes back as its score (3/1),
		// which every read treats the same.
		Rollback: func(tx *gorm.DB) error {
			if err := lock(tx); err != nil {
				return err
			}
			var stmts []string
			for _, t := range tables {
				var sums, adds []string
				for _, c := range append([]string{"n", "index_sum", "index_sum_sq"}, cols...) {
					sums = append(sums, "SUM("+c+")")
					adds = append(adds, fmt.Sprintf("%[1]s = %[2]s.%[1]s + excluded.%[1]s", c, t.name))
				}
				// Fold the deltas, then spread the columns back into score rows.
				stmts = append(stmts, fmt.Sprintf(`INSERT INTO %[1]s (%[2]s) SELECT %[3]s, %[4]s FROM %[5]s WHERE true GROUP BY %[3]s
ON CONFLICT (%[3]s) DO UPDATE SET %[6]s`, t.name, all(t), key(t), strings.Join(sums, ", "), t.deltas, strings.Join(adds, ", ")))
				for k, e := range elements {
					for v := 1; v <= 4; v++ {
						c := fmt.Sprintf("u%d_%d", k+1, v)
						stmts = append(stmts, fmt.Sprintf(`INSERT INTO %[1]s (%[2]s, element, num, den, n, index_sum, index_sum_sq)
SELECT %[2]s, '%[3]s', %[4]d, 1, %[5]s, 0, 0 FROM %[1]s WHERE element = '' AND %[5]s <> 0`, t.name, t.group, e, v, c))
					}
				}
				stmts = append(stmts, fmt.Sprintf("DROP VIEW %s_all", t.name), "DROP TABLE "+t.deltas)
				for _, c := range cols {
					stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s", t.name, c))
				}
			}
			if err := exec(tx, stmts); err != nil {
				return err
			}
			return rollupDeltas().Migrate(tx)
		},
	}
}
