package migrations

import (
	"fmt"
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// subtreeViewPerPath redefines rollup_subtrees_all so that its delta half
// sums the unfolded deltas per unit path before it splits each path into
// its units, as the fold does. A read of a subtree cannot narrow that half
// by subtree (the ids are inside the path's JSON array), so every read
// split every unfolded delta row. With 19,890 unfolded deltas (5 s at
// 4,000 responses/s), a root's read of a year took 79–136 ms and now
// 49–51; a leaf's, which the split narrowed to its own rows before
// summing, 43–50 ms and now 49–52 (docs/performance.md). The sums are
// cast back to the columns' types so that both halves of the UNION stay
// alike and filters on the key still reach rollup_subtrees' index.
func subtreeViewPerPath() *gormigrate.Migration {
	// Frozen copies of the shapes this migration knows.
	var std []string // u1_1 … u9_4
	for k := 1; k <= 9; k++ {
		for v := 1; v <= 4; v++ {
			std = append(std, fmt.Sprintf("u%d_%d", k, v))
		}
	}
	values := append([]string{"n", "index_sum", "index_sum_sq"}, std...)
	cols := "institution_id, subtree_id, day, element, num, den, " + strings.Join(values, ", ")
	dvalues := "d.element, d.num, d.den, d." + strings.Join(values, ", d.")
	expand := func(dialect, from string) string {
		if dialect == "postgres" {
			return fmt.Sprintf(`SELECT d.institution_id, a.subtree_id::varchar(36) AS subtree_id, d.day, %s FROM %s d
  CROSS JOIN LATERAL json_array_elements_text(d.subtrees::json) AS a(subtree_id)`, dvalues, from)
		}
		return fmt.Sprintf("SELECT d.institution_id, a.value AS subtree_id, d.day, %s FROM %s d, json_each(d.subtrees) a", dvalues, from)
	}
	perPath := func() string {
		const key = "institution_id, subtrees, day, element, num, den"
		sums := make([]string, len(values))
		for i, c := range values {
			typ := "integer"
			if i < 3 {
				typ = "bigint"
			}
			sums[i] = fmt.Sprintf("CAST(SUM(%[1]s) AS %[2]s) AS %[1]s", c, typ)
		}
		return "(SELECT " + key + ", " + strings.Join(sums, ", ") + " FROM rollup_deltas GROUP BY " + key + ")"
	}
	view := func(dialect, deltas string) []string {
		return []string{"DROP VIEW rollup_subtrees_all",
			fmt.Sprintf("CREATE VIEW rollup_subtrees_all AS SELECT %s FROM rollup_subtrees UNION ALL %s", cols, expand(dialect, deltas))}
	}
	exec := func(tx *gorm.DB, stmts []string) error {
		for _, s := range stmts {
			if err := tx.Exec(s).Error; err != nil {
				return fmt.Errorf("%w in %.80s", err, s)
			}
		}
		return nil
	}
	return &gormigrate.Migration{
		ID: "202612010900_subtree_view_per_path",
		Migrate: func(tx *gorm.DB) error {
			return exec(tx, view(tx.Name(), perPath()))
		},
		// Rollback brings back the view of 202611300900_group_deltas.
		Rollback: func(tx *gorm.DB) error {
			return exec(tx, view(tx.Name(), "rollup_deltas"))
		},
	}
}
