package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Bulk loads many responses fast, for demo data and benchmarks: COPY on
// PostgreSQL, multi-row inserts on SQLite, and the rollups summed in
// memory and written once at the end. It bypasses the writer and the
// client-id checks, so it is for generated data only.
type Bulk struct {
	s         *Store
	responses []responseRow
	answers   []answerRow
	d         *deltas
	total     int64
}

// bulkChunk is how many responses go to the database at once.
const bulkChunk = 5000

// NewBulk starts a bulk load.
func (s *Store) NewBulk() *Bulk { return &Bulk{s: s, d: newDeltas()} }

// Add queues one response; Response.ID, ReceivedAt and Receipt are filled
// in when empty.
func (b *Bulk) Add(ctx context.Context, sub *Submission) error {
	r := &sub.Response
	if r.ID == "" {
		r.ID = newID()
	}
	if r.Receipt == "" {
		r.Receipt = newReceipt()
	}
	if r.ReceivedAt.IsZero() {
		r.ReceivedAt = r.CapturedAt
	}
	b.responses = append(b.responses, responseRowOf(r))
	for code, v := range r.Answers {
		b.answers = append(b.answers, answerRow{ResponseID: r.ID, QuestionCode: code, InstitutionID: r.InstitutionID, Value: int16(v)})
	}
	if !r.Excluded {
		b.d.add(r, sub.UnitPath, sub.ElementOf, 1)
	}
	if len(b.responses) >= bulkChunk {
		return b.flush(ctx)
	}
	return nil
}

// Total reports how many responses were added.
func (b *Bulk) Total() int64 { return b.total + int64(len(b.responses)) }

func (b *Bulk) flush(ctx context.Context) error {
	if len(b.responses) == 0 {
		return nil
	}
	var err error
	if b.s.dialect == Postgres {
		err = b.copyPostgres(ctx)
	} else {
		err = b.s.InTx(ctx, func(tx *Store) error {
			if err := tx.db.CreateInBatches(b.responses, 500).Error; err != nil {
				return translate(err, "responses")
			}
			return translate(tx.db.CreateInBatches(b.answers, 2000).Error, "answers")
		})
	}
	if err != nil {
		return err
	}
	b.total += int64(len(b.responses))
	b.responses, b.answers = b.responses[:0], b.answers[:0]
	return nil
}

func (b *Bulk) copyPostgres(ctx context.Context) error {
	sqlDB, err := b.s.db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return translate(err, "bulk load")
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx) //nolint:errcheck // after Commit this is a no-op
		rs := b.responses
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"responses"},
			[]string{"id", "institution_id", "client_id", "survey_id", "unit_id", "service_id", "template_version_id", "day",
				"captured_at", "received_at", "profile", "comment", "receipt", "suspicious", "excluded"},
			pgx.CopyFromSlice(len(rs), func(i int) ([]any, error) {
				r := rs[i]
				return []any{r.ID, r.InstitutionID, r.ClientID, r.SurveyID, r.UnitID, r.ServiceID, r.TemplateVersionID, r.Day,
					r.CapturedAt, r.ReceivedAt, r.Profile, r.Comment, r.Receipt, r.Suspicious, r.Excluded}, nil
			})); err != nil {
			return fmt.Errorf("copy responses: %w", err)
		}
		as := b.answers
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"answers"}, []string{"response_id", "question_code", "institution_id", "value"},
			pgx.CopyFromSlice(len(as), func(i int) ([]any, error) {
				a := as[i]
				return []any{a.ResponseID, a.QuestionCode, a.InstitutionID, a.Value}, nil
			})); err != nil {
			return fmt.Errorf("copy answers: %w", err)
		}
		return tx.Commit(ctx)
	})
}

// Close writes what is left and then the rollups, once.
func (b *Bulk) Close(ctx context.Context) error {
	if err := b.flush(ctx); err != nil {
		return err
	}
	return b.s.InTx(ctx, func(tx *Store) error { return tx.applyDeltas(ctx, b.d) })
}
