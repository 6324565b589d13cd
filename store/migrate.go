package store

import (
	"context"
	"fmt"

	"suara/store/migrations"
)

// Migrate applies every pending migration.
func (s *Store) Migrate(ctx context.Context) error {
	if err := migrations.New(s.db.WithContext(ctx)).Migrate(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// MigrationState tells whether one migration has been applied.
type MigrationState struct {
	ID      string
	Applied bool
}

// MigrationStatus lists every migration and whether it has been applied.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	applied := map[string]bool{}
	if s.db.Migrator().HasTable("migrations") {
		var ids []string
		if err := s.db.WithContext(ctx).Table("migrations").Pluck("id", &ids).Error; err != nil {
			return nil, translate(err, "migrations")
		}
		for _, id := range ids {
			applied[id] = true
		}
	}
	var out []MigrationState
	for _, m := range migrations.All() {
		out = append(out, MigrationState{ID: m.ID, Applied: applied[m.ID]})
	}
	return out, nil
}

// Pending reports how many migrations are not applied yet.
func (s *Store) Pending(ctx context.Context) (int, error) {
	st, err := s.MigrationStatus(ctx)
	n := 0
	for _, m := range st {
		if !m.Applied {
			n++
		}
	}
	return n, err
}
