package migrations

import (
	"fmt"
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// rollupDeltas adds the delta tables of the submission path. The writer
// appends each batch's pre-summed rollup changes to them (a plain insert,
// on PostgreSQL a COPY) in the batch's own transaction, instead of
// upserting tens of rollup rows per response; a fold adds them to
// rollup_counts and rollup_subtrees every few seconds. A delta row holds
// one group (a profile group of a unit's day, or a subtree's day): its
// respondent sums, and its element scores as JSON [["element",num,den,n],…].
// The delta tables have no key: each batch adds its own rows.
//
// Reads go through the *_all views, which add the rows the deltas stand
// for, so an index is exact at every moment.
func rollupDeltas() *gormigrate.Migration {
	type table struct{ name, deltas, group, key string }
	tables := []table{
		{"rollup_counts", "rollup_count_deltas", "institution_id, unit_id, survey_id, service_id, day, dimension, grp",
			"institution_id, unit_id, survey_id, service_id, day, dimension, grp, element, num, den"},
		{"rollup_subtrees", "rollup_subtree_deltas", "institution_id, subtree_id, day", "institution_id, subtree_id, day, element, num, den"},
	}
	// expand is the SELECT of the rollup rows the delta rows stand for.
	expand := func(dialect string, t table) string {
		g := "d." + strings.ReplaceAll(t.group, ", ", ", d.")
		respondents := fmt.Sprintf("SELECT %s, '' AS element, 0 AS num, 0 AS den, d.n, d.index_sum, d.index_sum_sq FROM %s d", g, t.deltas)
		if dialect == "postgres" {
			return respondents + fmt.Sprintf(` UNION ALL SELECT %s, e->>0, (e->>1)::bigint, (e->>2)::bigint, (e->>3)::bigint, 0, 0
FROM %s d CROSS JOIN LATERAL jsonb_array_elements(d.scores::jsonb) e`, g, t.deltas)
		}
		return respondents + fmt.Sprintf(` UNION ALL SELECT %s, json_extract(e.value, '$[0]'), json_extract(e.value, '$[1]'),
json_extract(e.value, '$[2]'), json_extract(e.value, '$[3]'), 0, 0 FROM %s d, json_each(d.scores) e`, g, t.deltas)
	}
	return &gormigrate.Migration{
		ID: "202611280900_rollup_deltas",
		Migrate: func(tx *gorm.DB) error {
			stmts := []string{
				`CREATE TABLE rollup_count_deltas (
  institution_id varchar(36) NOT NULL, unit_id varchar(36) NOT NULL, survey_id varchar(36) NOT NULL,
  service_id varchar(36) NOT NULL, day varchar(10) NOT NULL, dimension varchar(16) NOT NULL, grp varchar(64) NOT NULL,
  n bigint NOT NULL, index_sum bigint NOT NULL, index_sum_sq bigint NOT NULL, scores text NOT NULL)`,
				`CREATE TABLE rollup_subtree_deltas (
  institution_id varchar(36) NOT NULL, subtree_id varchar(36) NOT NULL, day varchar(10) NOT NULL,
  n bigint NOT NULL, index_sum bigint NOT NULL, index_sum_sq bigint NOT NULL, scores text NOT NULL)`,
			}
			for _, t := range tables {
				stmts = append(stmts, fmt.Sprintf(`CREATE VIEW %s_all AS SELECT %s, n, index_sum, index_sum_sq FROM %s UNION ALL %s`,
					t.name, t.key, t.name, expand(tx.Name(), t)))
			}
			// Reads look the unfolded deltas up by their group's leading
			// columns, as they do the rollups.
			stmts = append(stmts,
				`CREATE INDEX idx_rollup_count_deltas ON rollup_count_deltas (institution_id, unit_id, day)`,
				`CREATE INDEX idx_rollup_subtree_deltas ON rollup_subtree_deltas (institution_id, subtree_id, day)`)
			if tx.Name() == "postgres" {
				// The fold updates rollup rows in place: room on their pages
				// lets PostgreSQL do it without touching the wide key index
				// (a heap-only update). Every fold empties the delta tables:
				// vacuum them often, so that their dead pages are reused.
				stmts = append(stmts, `ALTER TABLE rollup_counts SET (fillfactor = 70)`, `ALTER TABLE rollup_subtrees SET (fillfactor = 70)`,
					`ALTER TABLE rollup_count_deltas SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000)`,
					`ALTER TABLE rollup_subtree_deltas SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000)`)
			}
			for _, s := range stmts {
				if err := tx.Exec(s).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			// Fold what is not folded yet, so that going back loses no count.
			var stmts []string
			for _, t := range tables {
				stmts = append(stmts, fmt.Sprintf(`INSERT INTO %[1]s (%[2]s, n, index_sum, index_sum_sq)
SELECT %[2]s, SUM(n), SUM(index_sum), SUM(index_sum_sq) FROM (%[3]s) x WHERE true GROUP BY %[2]s
ON CONFLICT (%[2]s) DO UPDATE SET n = %[1]s.n + excluded.n, index_sum = %[1]s.index_sum + excluded.index_sum,
index_sum_sq = %[1]s.index_sum_sq + excluded.index_sum_sq`, t.name, t.key, expand(tx.Name(), t)))
			}
			stmts = append(stmts, `DROP VIEW rollup_subtrees_all`, `DROP VIEW rollup_counts_all`,
				`DROP TABLE rollup_subtree_deltas`, `DROP TABLE rollup_count_deltas`)
			for _, s := range stmts {
				if err := tx.Exec(s).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}
}
