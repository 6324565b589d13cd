package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// initSchema creates every table of DESIGN.md "Data". Keys are UUIDv7
// strings made in Go; every response and rollup table carries
// institution_id, the distribution column of the Citus scale-out plan.
func initSchema() *gormigrate.Migration {
	type unit struct {
		ID            string  `gorm:"primaryKey;size:36"`
		InstitutionID string  `gorm:"size:36;not null;index"`
		ParentID      *string `gorm:"size:36;index"`
		Path          string  `gorm:"size:1024;not null;index:idx_units_path"`
		Name          string  `gorm:"size:200;not null"`
		Code          string  `gorm:"size:64;not null;uniqueIndex"`
		TimeZone      string  `gorm:"size:64;not null"`
		CreatedAt     time.Time
		UpdatedAt     time.Time
	}
	type service struct {
		ID            string `gorm:"primaryKey;size:36"`
		UnitID        string `gorm:"size:36;not null;uniqueIndex:idx_services_unit_code,priority:1"`
		InstitutionID string `gorm:"size:36;not null"`
		Name          string `gorm:"size:200;not null"`
		Code          string `gorm:"size:64;not null;uniqueIndex:idx_services_unit_code,priority:2"`
		CreatedAt     time.Time
	}
	type template struct {
		ID              string `gorm:"primaryKey;size:36"`
		Code            string `gorm:"size:64;not null;uniqueIndex"`
		Name            string `gorm:"size:200;not null"`
		BuiltIn         bool   `gorm:"not null"`
		LatestVersionID string `gorm:"size:36"`
		CreatedAt       time.Time
	}
	type templateVersion struct {
		ID          string `gorm:"primaryKey;size:36"`
		TemplateID  string `gorm:"size:36;not null;uniqueIndex:idx_template_versions_number,priority:1"`
		Number      int    `gorm:"not null;uniqueIndex:idx_template_versions_number,priority:2"`
		Status      string `gorm:"size:16;not null"`
		Questions   string `gorm:"type:text;not null"`
		CreatedAt   time.Time
		PublishedAt *time.Time
	}
	type survey struct {
		ID                string `gorm:"primaryKey;size:36"`
		UnitID            string `gorm:"size:36;not null;index"`
		InstitutionID     string `gorm:"size:36;not null"`
		TemplateVersionID string `gorm:"size:36;not null"`
		Title             string `gorm:"size:200;not null"`
		Slug              string `gorm:"size:64;not null;uniqueIndex"`
		StartsOn          string `gorm:"size:10;not null"`
		EndsOn            string `gorm:"size:10;not null"`
		Population        int64  `gorm:"not null"`
		LateDays          int    `gorm:"not null"`
		Closed            bool   `gorm:"not null"`
		CreatedAt         time.Time
		UpdatedAt         time.Time
	}
	type response struct {
		ID                string  `gorm:"primaryKey;size:36"`
		InstitutionID     string  `gorm:"size:36;not null;uniqueIndex:idx_responses_client,priority:1"`
		ClientID          string  `gorm:"size:36;not null;uniqueIndex:idx_responses_client,priority:2"`
		SurveyID          string  `gorm:"size:36;not null;index:idx_responses_survey,priority:1"`
		UnitID            string  `gorm:"size:36;not null;index:idx_responses_unit_day,priority:1"`
		ServiceID         *string `gorm:"size:36"`
		TemplateVersionID string  `gorm:"size:36;not null"`
		Day               string  `gorm:"size:10;not null;index:idx_responses_unit_day,priority:2"`
		CapturedAt        time.Time
		ReceivedAt        time.Time `gorm:"index:idx_responses_survey,priority:2"`
		Profile           string    `gorm:"type:text;not null"`
		Comment           string    `gorm:"type:text;not null"`
		Receipt           string    `gorm:"size:32;not null"`
		Suspicious        bool      `gorm:"not null"`
		Excluded          bool      `gorm:"not null"`
	}
	type answer struct {
		ResponseID    string `gorm:"primaryKey;size:36"`
		QuestionCode  string `gorm:"primaryKey;size:32"`
		InstitutionID string `gorm:"size:36;not null"`
		Value         int16  `gorm:"not null"`
	}
	// rollupCount: counts per (unit, survey, service, day, profile dimension
	// and group, element, score). element "" is the respondent row, which
	// also carries the moments of the per-respondent index for the CI.
	type rollupCount struct {
		InstitutionID string `gorm:"primaryKey;size:36"`
		UnitID        string `gorm:"primaryKey;size:36"`
		SurveyID      string `gorm:"primaryKey;size:36"`
		ServiceID     string `gorm:"primaryKey;size:36"`
		Day           string `gorm:"primaryKey;size:10"`
		Dimension     string `gorm:"primaryKey;size:16"`
		Grp           string `gorm:"primaryKey;size:64"`
		Element       string `gorm:"primaryKey;size:32"`
		Num           int    `gorm:"primaryKey"`
		Den           int    `gorm:"primaryKey"`
		N             int64  `gorm:"not null"`
		IndexSum      int64  `gorm:"not null"`
		IndexSumSq    int64  `gorm:"not null"`
	}
	// rollupSubtree: the same counts summed for every ancestor of the unit
	// (and the unit itself), without survey, service or profile, so that
	// "this unit and everything below it" is one key lookup per day.
	type rollupSubtree struct {
		InstitutionID string `gorm:"primaryKey;size:36"`
		SubtreeID     string `gorm:"primaryKey;size:36"`
		Day           string `gorm:"primaryKey;size:10"`
		Element       string `gorm:"primaryKey;size:32"`
		Num           int    `gorm:"primaryKey"`
		Den           int    `gorm:"primaryKey"`
		N             int64  `gorm:"not null"`
		IndexSum      int64  `gorm:"not null"`
		IndexSumSq    int64  `gorm:"not null"`
	}
	type user struct {
		ID           string `gorm:"primaryKey;size:36"`
		Email        string `gorm:"size:254;not null;uniqueIndex"`
		PasswordHash string `gorm:"size:200;not null"`
		Role         string `gorm:"size:16;not null"`
		UnitIDs      string `gorm:"type:text;not null"`
		Disabled     bool   `gorm:"not null"`
		CreatedAt    time.Time
		UpdatedAt    time.Time
	}
	type session struct {
		TokenHash string    `gorm:"primaryKey;size:64"`
		UserID    string    `gorm:"size:36;not null;index"`
		CreatedAt time.Time `gorm:"not null"`
		ExpiresAt time.Time `gorm:"not null;index"`
	}
	type auditEntry struct {
		ID       string    `gorm:"primaryKey;size:36"`
		At       time.Time `gorm:"not null;index"`
		ActorID  string    `gorm:"size:36;not null"`
		Action   string    `gorm:"size:64;not null"`
		Entity   string    `gorm:"size:32;not null"`
		EntityID string    `gorm:"size:36;not null;index"`
		Before   string    `gorm:"type:text;not null"`
		After    string    `gorm:"type:text;not null"`
	}
	type followUp struct {
		ID            string `gorm:"primaryKey;size:36"`
		UnitID        string `gorm:"size:36;not null;index"`
		InstitutionID string `gorm:"size:36;not null"`
		Element       string `gorm:"size:32;not null"`
		Activity      string `gorm:"type:text;not null"`
		Owner         string `gorm:"size:200;not null"`
		Due           string `gorm:"size:10;not null"`
		Status        string `gorm:"size:16;not null"`
		Result        string `gorm:"type:text;not null"`
		CreatedAt     time.Time
		UpdatedAt     time.Time
	}
	tables := []any{
		&unit{}, &service{}, &template{}, &templateVersion{}, &survey{}, &response{}, &answer{},
		&rollupCount{}, &rollupSubtree{}, &user{}, &session{}, &auditEntry{}, &followUp{},
	}
	return &gormigrate.Migration{
		ID: "202611260900_init",
		Migrate: func(tx *gorm.DB) error {
			// The struct names pluralise to the table names (unit → units).
			return tx.Migrator().CreateTable(tables...)
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(tables...)
		},
	}
}
