package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"suara/store/migrations"
)

// Migrate applies every pending migration. When it adds the answer list
// column, it then fills the column for the responses already stored.
func (s *Store) Migrate(ctx context.Context) error {
	_, err := s.migrate(ctx, false)
	return err
}

// MigrateAndFill applies every pending migration and then fills every
// answer list still NULL, whether the migration that adds the column ran
// just now or before: it also fills the rows that servers of the previous
// release wrote during the rolling update that added it, which are
// otherwise read from their answer rows, at the old cost (`suara migrate
// fill`, which each release's Job runs). It returns how many lists it
// filled. Safe at any time and under load: short statements, progress in
// the log.
func (s *Store) MigrateAndFill(ctx context.Context) (int64, error) {
	return s.migrate(ctx, true)
}

func (s *Store) migrate(ctx context.Context, fillAll bool) (int64, error) {
	before, err := s.MigrationStatus(ctx)
	if err != nil {
		return 0, err
	}
	if err := migrations.New(s.db.WithContext(ctx)).Migrate(); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	fill := fillAll
	for _, m := range before {
		fill = fill || (m.ID == migrations.AnswerListID && !m.Applied)
	}
	if !fill {
		return 0, nil
	}
	n, err := s.fillAnswerLists(ctx, fillBatch)
	if err != nil {
		return n, fmt.Errorf("migrate: fill the answer lists: %w", err)
	}
	return n, nil
}

// fillBatch is how many responses fillAnswerLists covers per statement.
const fillBatch = 5000

// fillAnswerLists fills the answer list of every response row that has
// none, batch rows at a time in the order of their ids: each batch is its
// own short statement, so no lock is held for long and no statement nears
// the statement timeout, however many responses there are (one UPDATE of
// the whole table would do both). A fill that stops half-way leaves rows
// NULL, which reads aggregate from their answer rows (answerListSQL). It
// returns how many rows it filled.
func (s *Store) fillAnswerLists(ctx context.Context, batch int) (int64, error) {
	db := s.db.WithContext(ctx)
	update := "UPDATE responses SET answer_list = " + answerListSQL(s.dialect, "responses") +
		" WHERE id > ? AND id <= ? AND answer_list IS NULL"
	var filled int64
	last, logged := "", time.Now()
	for {
		var hi sql.NullString
		if err := db.Raw("SELECT MAX(id) FROM (SELECT id FROM responses WHERE id > ? ORDER BY id LIMIT ?) x", last, batch).
			Scan(&hi).Error; err != nil {
			return filled, translate(err, "responses")
		}
		if !hi.Valid {
			if filled > 0 {
				s.log.Info("answer lists filled", "responses", filled)
			}
			return filled, nil
		}
		res := db.Exec(update, last, hi.String)
		if res.Error != nil {
			return filled, translate(res.Error, "responses")
		}
		filled += res.RowsAffected
		last = hi.String
		if time.Since(logged) > 5*time.Second {
			s.log.Info("filling the answer lists", "responses", filled)
			logged = time.Now()
		}
	}
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
