// Package migrations holds Suara's versioned schema changes. Each migration
// declares frozen copies of the structs it touches, so later changes to the
// store's row types can never rewrite history.
package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// All returns every migration in order.
func All() []*gormigrate.Migration {
	return []*gormigrate.Migration{
		initSchema(),
		builtinTemplate(),
		commentsPublications(),
		security(),
		distributionKeys(),
		rollupDeltas(),
		wideRollups(),
		groupDeltas(),
		subtreeViewPerPath(),
		answerList(),
		unitPathPrefix(),
	}
}

// New returns a migrator for db.
func New(db *gorm.DB) *gormigrate.Gormigrate {
	opts := *gormigrate.DefaultOptions
	opts.UseTransaction = true
	return gormigrate.New(db, &opts, All())
}
