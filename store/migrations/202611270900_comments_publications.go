package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// commentsPublications adds the state a manager gives a citizen's comment
// (new, read, needs action) and the frozen published results of a unit.
//
// A comment's state lives in its own table, keyed by the response (and its
// institution, the distribution column, as the responses are): the
// submission path and the responses table stay untouched, and a comment
// without a row is "new".
func commentsPublications() *gormigrate.Migration {
	type commentState struct {
		ResponseID    string    `gorm:"primaryKey;size:36"`
		InstitutionID string    `gorm:"primaryKey;size:36"`
		Status        string    `gorm:"size:8;not null"`
		UpdatedAt     time.Time `gorm:"not null"`
		UpdatedBy     string    `gorm:"size:36;not null"`
	}
	// publication: one published period of a unit. Snapshot holds
	// everything frozen at publication time (index, elements, answer
	// counts, the method, the follow-ups) as JSON; a unit publishes a
	// period once (the unique index), later answers become corrections.
	type publication struct {
		ID            string    `gorm:"primaryKey;size:36"`
		UnitID        string    `gorm:"size:36;not null;uniqueIndex:idx_publications_period,priority:1"`
		InstitutionID string    `gorm:"size:36;not null"`
		PeriodFrom    string    `gorm:"size:10;not null;uniqueIndex:idx_publications_period,priority:2"`
		PeriodTo      string    `gorm:"size:10;not null;uniqueIndex:idx_publications_period,priority:3"`
		PublishedAt   time.Time `gorm:"not null"`
		PublishedBy   string    `gorm:"size:36;not null"`
		Snapshot      string    `gorm:"type:text;not null"`
	}
	type auditEntry struct {
		At       time.Time `gorm:"not null;index"`
		ActorID  string    `gorm:"size:36;not null;index:idx_audit_entries_actor"`
		Entity   string    `gorm:"size:32;not null;index:idx_audit_entries_entity"`
		EntityID string    `gorm:"size:36;not null;index"`
	}
	tables := []any{&commentState{}, &publication{}}
	return &gormigrate.Migration{
		ID: "202611270900_comments_publications",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Migrator().CreateTable(tables...); err != nil {
				return err
			}
			// The audit log view filters by actor and by kind of entity.
			for _, idx := range []string{"idx_audit_entries_actor", "idx_audit_entries_entity"} {
				if err := tx.Migrator().CreateIndex(&auditEntry{}, idx); err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, idx := range []string{"idx_audit_entries_actor", "idx_audit_entries_entity"} {
				if err := tx.Migrator().DropIndex(&auditEntry{}, idx); err != nil {
					return err
				}
			}
			return tx.Migrator().DropTable(tables...)
		},
	}
}
