package migrations

import (
	"fmt"
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// distributionKeys adds institution_id, the distribution column of the
// Citus scale-out plan (docs/scaling.md), to the primary keys of responses
// and answers: Citus accepts a primary or unique key on a distributed
// table only when it contains the distribution column. The column goes
// last, so lookups by response id still use the key's index.
func distributionKeys() *gormigrate.Migration {
	rekeys := []struct{ table, oldKey, newKey string }{
		{"responses", "`id`", "`id`,`institution_id`"},
		{"answers", "`response_id`,`question_code`", "`response_id`,`question_code`,`institution_id`"},
	}
	return &gormigrate.Migration{
		ID: "202611270920_distribution_keys",
		Migrate: func(tx *gorm.DB) error {
			for _, r := range rekeys {
				if err := rekey(tx, r.table, r.oldKey, r.newKey); err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, r := range rekeys {
				if err := rekey(tx, r.table, r.newKey, r.oldKey); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// rekey replaces a table's primary key. PostgreSQL changes the constraint
// in place. SQLite cannot, so the table is rebuilt from its own stored
// definition (the procedure of sqlite.org/lang_altertable.html), which
// keeps every column and index a later migration may have added.
func rekey(tx *gorm.DB, table, oldKey, newKey string) error {
	if tx.Name() == "postgres" {
		cols := strings.ReplaceAll(newKey, "`", "")
		return tx.Exec(fmt.Sprintf(`ALTER TABLE %s DROP CONSTRAINT %s_pkey, ADD PRIMARY KEY (%s)`, table, table, cols)).Error
	}
	var ddl string
	if err := tx.Raw(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&ddl).Error; err != nil {
		return err
	}
	oldPK, newPK := "PRIMARY KEY ("+oldKey+")", "PRIMARY KEY ("+newKey+")"
	paren := strings.IndexByte(ddl, '(')
	if !strings.HasPrefix(ddl, "CREATE TABLE ") || paren < 0 || strings.Count(ddl, oldPK) != 1 {
		return fmt.Errorf("rekey %s: unexpected definition %q", table, ddl)
	}
	var indexes []string
	if err := tx.Raw(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, table).Scan(&indexes).Error; err != nil {
		return err
	}
	tmp := table + "_rekey"
	stmts := []string{
		"CREATE TABLE `" + tmp + "` " + strings.Replace(ddl[paren:], oldPK, newPK, 1),
		"INSERT INTO `" + tmp + "` SELECT * FROM `" + table + "`",
		"DROP TABLE `" + table + "`",
		"ALTER TABLE `" + tmp + "` RENAME TO `" + table + "`",
	}
	for _, s := range append(stmts, indexes...) {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("rekey %s: %w", table, err)
		}
	}
	return nil
}
