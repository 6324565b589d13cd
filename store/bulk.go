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
	deltaRows int // delta rows (groups) held before they are written
}

// bulkPrefix names the bulk loader's temporary delta tables.
const bulkPrefix = "bulk_"

// bulkChunk is how many responses go to the database at once.
const bulkChunk = 5000

// bulkDeltaRows bounds the pre-summed delta rows (one per profile group of
// a unit's day, with its element scores) held in memory: past it they are
// added to the tables, so a load of any size runs in flat memory (about
// 1 KB a group). Most groups of a large load are distinct, since a unit's
// day has only a few answers per profile group.
const bulkDeltaRows = 150_000

// NewBulk starts a bulk load.
func (s *Store) NewBulk() *Bulk { return &Bulk{s: s, d: newDeltas(), deltaRows: bulkDeltaRows} }

// LimitDeltas sets how many summed delta rows are held in memory before
// they are written (default 150,000); tests make it small.
func (b *Bulk) LimitDeltas(rows int) { b.deltaRows = max(1, rows) }

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
	if b.d.size() >= b.deltaRows {
		if err := b.flush(ctx); err != nil { // the responses first: then the rows count stored responses
			return err
		}
		return b.flushDeltas(ctx)
	}
	if len(b.responses) >= bulkChunk {
		return b.flush(ctx)
	}
	return nil
}

// flushDeltas adds the rollup rows summed so far to the tables and starts
// a new sum. The responses they count were flushed before.
func (b *Bulk) flushDeltas(ctx context.Context) error {
	var err error
	if b.s.dialect == Postgres {
		err = b.s.pgxTx(ctx, func(tx pgx.Tx) error {
			// Folding a million rows into a large table takes longer than
			// the statement timeout a request gets. The fold then waits for
			// a server's fold of the same tables to end.
			for _, set := range foldSettings("0", "256MB") {
				if _, err := tx.Exec(ctx, set); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", foldLock); err != nil {
				return err
			}
			// The deltas go through temporary tables, emptied at commit:
			// no index to keep and no write-ahead log.
			for _, t := range rollupTables {
				if _, err := tx.Exec(ctx, fmt.Sprintf("CREATE TEMP TABLE IF NOT EXISTS %s%s (LIKE %s) ON COMMIT DELETE ROWS",
					bulkPrefix, t.deltas, t.deltas)); err != nil {
					return err
				}
			}
			if err := copyDeltas(ctx, tx, b.d, bulkPrefix); err != nil {
				return err
			}
			for _, t := range rollupTables {
				if _, err := tx.Exec(ctx, t.addFrom(bulkPrefix+t.deltas)); err != nil {
					return fmt.Errorf("fold rollups: %w", err)
				}
			}
			return nil
		})
	} else {
		err = b.s.InTx(ctx, func(tx *Store) error {
			if err := tx.addDeltas(ctx, b.d); err != nil {
				return err
			}
			return tx.foldDeltas(ctx)
		})
	}
	if err != nil {
		return err
	}
	b.d = newDeltas()
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
	return b.s.pgxTx(ctx, func(tx pgx.Tx) error {
		return copyResponses(ctx, tx, b.responses, b.answers)
	})
}

// copyResponses copies responses and their answers.
func copyResponses(ctx context.Context, tx pgx.Tx, rs []responseRow, as []answerRow) error {
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
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"answers"}, []string{"response_id", "question_code", "institution_id", "value"},
		pgx.CopyFromSlice(len(as), func(i int) ([]any, error) {
			a := as[i]
			return []any{a.ResponseID, a.QuestionCode, a.InstitutionID, a.Value}, nil
		})); err != nil {
		return fmt.Errorf("copy answers: %w", err)
	}
	return nil
}

// Close writes what is left and then the rollups.
func (b *Bulk) Close(ctx context.Context) error {
	if err := b.flush(ctx); err != nil {
		return err
	}
	if err := b.flushDeltas(ctx); err != nil {
		return err
	}
	if b.s.dialect != Postgres {
		return nil
	}
	// Fresh statistics for the first reads.
	return translate(b.s.db.WithContext(ctx).Exec("ANALYZE responses, answers, rollup_counts, rollup_subtrees").Error, "rollups")
}

// pgxTx runs fn in a transaction on one pgx connection of the pool, for
// what GORM cannot do (COPY); it commits when fn returns nil.
func (s *Store) pgxTx(ctx context.Context, fn func(pgx.Tx) error) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return translate(err, "database connection")
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		tx, err := dc.(*stdlib.Conn).Conn().Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx) //nolint:errcheck // after Commit this is a no-op
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}
