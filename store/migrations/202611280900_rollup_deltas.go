package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// rollupDeltas adds the delta tables of the submission path. The writer
// appends each batch's pre-summed rollup changes to them (a plain insert,
// on PostgreSQL a COPY) in the batch's own transaction, instead of
// upserting tens of rollup rows per response; the compactor folds them
// into rollup_counts and rollup_subtrees every few seconds. The delta
// tables have no key: each batch adds its own rows.
//
// Reads go through the *_all views, which add the rows not yet folded, so
// an index is exact at every moment.
func rollupDeltas() *gormigrate.Migration {
	const countCols = "institution_id, unit_id, survey_id, service_id, day, dimension, grp, element, num, den, n, index_sum, index_sum_sq"
	const subtreeCols = "institution_id, subtree_id, day, element, num, den, n, index_sum, index_sum_sq"
	const countKey = "institution_id, unit_id, survey_id, service_id, day, dimension, grp, element, num, den"
	const subtreeKey = "institution_id, subtree_id, day, element, num, den"
	return &gormigrate.Migration{
		ID: "202611280900_rollup_deltas",
		Migrate: func(tx *gorm.DB) error {
			for _, s := range []string{
				`CREATE TABLE rollup_count_deltas (
  institution_id varchar(36) NOT NULL, unit_id varchar(36) NOT NULL, survey_id varchar(36) NOT NULL,
  service_id varchar(36) NOT NULL, day varchar(10) NOT NULL, dimension varchar(16) NOT NULL,
  grp varchar(64) NOT NULL, element varchar(32) NOT NULL, num bigint NOT NULL, den bigint NOT NULL,
  n bigint NOT NULL, index_sum bigint NOT NULL, index_sum_sq bigint NOT NULL)`,
				`CREATE TABLE rollup_subtree_deltas (
  institution_id varchar(36) NOT NULL, subtree_id varchar(36) NOT NULL, day varchar(10) NOT NULL,
  element varchar(32) NOT NULL, num bigint NOT NULL, den bigint NOT NULL,
  n bigint NOT NULL, index_sum bigint NOT NULL, index_sum_sq bigint NOT NULL)`,
				`CREATE VIEW rollup_counts_all AS SELECT ` + countCols + ` FROM rollup_counts UNION ALL SELECT ` + countCols + ` FROM rollup_count_deltas`,
				`CREATE VIEW rollup_subtrees_all AS SELECT ` + subtreeCols + ` FROM rollup_subtrees UNION ALL SELECT ` + subtreeCols + ` FROM rollup_subtree_deltas`,
			} {
				if err := tx.Exec(s).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			// Fold what is not folded yet, so that going back loses no count.
			for _, s := range []string{
				`INSERT INTO rollup_counts (` + countCols + `) SELECT ` + countKey + `, SUM(n), SUM(index_sum), SUM(index_sum_sq)
FROM rollup_count_deltas WHERE true GROUP BY ` + countKey + ` ON CONFLICT (` + countKey + `) DO UPDATE SET n = rollup_counts.n + excluded.n,
index_sum = rollup_counts.index_sum + excluded.index_sum, index_sum_sq = rollup_counts.index_sum_sq + excluded.index_sum_sq`,
				`INSERT INTO rollup_subtrees (` + subtreeCols + `) SELECT ` + subtreeKey + `, SUM(n), SUM(index_sum), SUM(index_sum_sq)
FROM rollup_subtree_deltas WHERE true GROUP BY ` + subtreeKey + ` ON CONFLICT (` + subtreeKey + `) DO UPDATE SET n = rollup_subtrees.n + excluded.n,
index_sum = rollup_subtrees.index_sum + excluded.index_sum, index_sum_sq = rollup_subtrees.index_sum_sq + excluded.index_sum_sq`,
				`DROP VIEW rollup_subtrees_all`, `DROP VIEW rollup_counts_all`,
				`DROP TABLE rollup_subtree_deltas`, `DROP TABLE rollup_count_deltas`,
			} {
				if err := tx.Exec(s).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}
}
