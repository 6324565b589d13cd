package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// answerList gives each response row a copy of its answers, "U1:4,U2:3,…"
// by question code (codes cannot hold ':' or ','). Answers never change
// once stored, so the copy cannot drift; reading a response, an export
// and a rollup rebuild then take them from the row instead of looking up
// nine rows of answers per response. A CSV export of 100,000 responses
// spent most of its time on those lookups (docs/performance.md). The
// answers table stays: it is what SQL reads per question.
func answerList() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "202612020900_answer_list",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Exec("ALTER TABLE responses ADD COLUMN answer_list text NOT NULL DEFAULT ''").Error; err != nil {
				return err
			}
			agg := "string_agg(a.question_code || ':' || a.value, ',' ORDER BY a.question_code)"
			if tx.Name() != "postgres" {
				// SQLite's group_concat takes no ORDER BY before 3.44: the
				// subquery hands it the rows in order.
				agg = "(SELECT group_concat(x.question_code || ':' || x.value, ',') FROM (SELECT question_code, value " +
					"FROM answers a WHERE a.institution_id = responses.institution_id AND a.response_id = responses.id " +
					"ORDER BY question_code) x)"
				return tx.Exec("UPDATE responses SET answer_list = COALESCE(" + agg + ", '')").Error
			}
			return tx.Exec("UPDATE responses SET answer_list = COALESCE((SELECT " + agg + " FROM answers a " +
				"WHERE a.institution_id = responses.institution_id AND a.response_id = responses.id), '')").Error
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Exec("ALTER TABLE responses DROP COLUMN answer_list").Error
		},
	}
}
