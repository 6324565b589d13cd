package migrations

import (
	"encoding/json"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"suara/survey"
)

// BuiltinTemplateCode is the code of the questionnaire of PermenPANRB 14/2017.
const BuiltinTemplateCode = "permenpanrb-14-2017"

// builtinTemplate creates the regulation's questionnaire as template
// version 1, published: the nine elements in questionnaire order, the
// profile questions and the suggestion box (skm-method.md §2.2, §5).
func builtinTemplate() *gormigrate.Migration {
	type template struct {
		ID              string
		Code            string
		Name            string
		BuiltIn         bool
		LatestVersionID string
		CreatedAt       time.Time
	}
	type templateVersion struct {
		ID          string
		TemplateID  string
		Number      int
		Status      string
		Questions   string
		CreatedAt   time.Time
		PublishedAt *time.Time
	}
	return &gormigrate.Migration{
		ID: "202611260901_builtin_template",
		Migrate: func(tx *gorm.DB) error {
			questions, err := json.Marshal(survey.BuiltinQuestions())
			if err != nil {
				return err
			}
			now := time.Now().UTC()
			t := template{ID: uuid.Must(uuid.NewV7()).String(), Code: BuiltinTemplateCode,
				Name: "Survei Kepuasan Masyarakat (PermenPANRB 14/2017)", BuiltIn: true}
			v := templateVersion{ID: uuid.Must(uuid.NewV7()).String(), TemplateID: t.ID, Number: 1,
				Status: "published", Questions: string(questions), CreatedAt: now, PublishedAt: &now}
			t.LatestVersionID, t.CreatedAt = v.ID, now
			if err := tx.Create(&t).Error; err != nil {
				return err
			}
			return tx.Create(&v).Error
		},
		Rollback: func(tx *gorm.DB) error {
			var ids []string
			if err := tx.Table("templates").Where("code = ?", BuiltinTemplateCode).Pluck("id", &ids).Error; err != nil {
				return err
			}
			if err := tx.Table("template_versions").Where("template_id IN ?", ids).Delete(nil).Error; err != nil {
				return err
			}
			return tx.Table("templates").Where("id IN ?", ids).Delete(nil).Error
		},
	}
}
