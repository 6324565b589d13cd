package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// AnswerListID names the migration that adds responses.answer_list: the
// store fills the column for the rows stored before it once the migration
// has run (store.Migrate), in short batches outside its transaction.
const AnswerListID = "202612020900_answer_list"

// answerList gives each response row a copy of its answers, "U1:4,U2:3,…"
// by question code (codes cannot hold ':' or ','). Answers never change
// once stored, so the copy cannot drift; reading a response, an export and
// a rollup rebuild then read one table. A CSV export of 100,000 responses
// spent most of its time aggregating their 900,000 answer rows
// (docs/performance.md). The answers table stays: SQL reads it per
// question.
//
// The column is nullable and has no default, so adding it rewrites
// nothing and holds the table's lock only for an instant; NULL marks a row
// not filled yet, or written by a server of the previous release during a
// rolling update, and reads aggregate its answer rows instead.
func answerList() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: AnswerListID,
		Migrate: func(tx *gorm.DB) error {
			return tx.Exec("ALTER TABLE responses ADD COLUMN answer_list text").Error
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Exec("ALTER TABLE responses DROP COLUMN answer_list").Error
		},
	}
}
