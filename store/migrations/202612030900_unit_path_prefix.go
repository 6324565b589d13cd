package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// unitPathPrefix lets PostgreSQL find a subtree's units by their path
// prefix ("path LIKE '/root/unit/%'") through an index. idx_units_path
// compares by the database's collation, which LIKE cannot use unless the
// collation is C: with C.UTF-8, as on Debian, every subtree query read all
// of units (0.5 ms of a unit's /ikm at 1,021 units, and ten times that at
// ten thousand; docs/performance.md). varchar_pattern_ops compares bytes,
// which a prefix needs. SQLite's LIKE does not use an index either way;
// its units table is small.
func unitPathPrefix() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612030900_unit_path_prefix",
		Migrate: func(tx *gorm.DB) error {
			if tx.Name() != "postgres" {
				return nil
			}
			return tx.Exec("CREATE INDEX idx_units_path_prefix ON units (path varchar_pattern_ops)").Error
		},
		Rollback: func(tx *gorm.DB) error {
			if tx.Name() != "postgres" {
				return nil
			}
			return tx.Exec("DROP INDEX idx_units_path_prefix").Error
		},
	}
}
