package store

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
)

// StoredClient is what the database holds under one client id: the load
// tool's verification compares it with what the server acknowledged.
type StoredClient struct {
	ClientID      string
	InstitutionID string
	ResponseID    string
	Answers       int // answer rows of the response
	Listed        int // answers in the response's answer list
}

// ClientKey names a response by its idempotency key.
type ClientKey struct{ InstitutionID, ClientID string }

// StoredClients returns every response stored under the given keys, with
// its number of answer rows and of answers in its answer list; a key
// stored twice comes back twice. It reads
// in chunks through the (institution_id, client_id) index.
func (s *Store) StoredClients(ctx context.Context, keys []ClientKey) ([]StoredClient, error) {
	var out []StoredClient
	const chunk = 500
	for start := 0; start < len(keys); start += chunk {
		part := keys[min(start, len(keys)):min(start+chunk, len(keys))]
		var rows []StoredClient
		var err error
		if s.dialect == Postgres {
			rows, err = s.storedClientsPG(ctx, part)
		} else {
			pairs := make([][]any, len(part))
			for i, k := range part {
				pairs[i] = []any{k.InstitutionID, k.ClientID}
			}
			var lists []struct {
				StoredClient
				List string
			}
			err = s.db.WithContext(ctx).Raw(`SELECT r.client_id, r.institution_id, r.id AS response_id,
  (SELECT COUNT(*) FROM answers a WHERE a.response_id = r.id) AS answers, `+answerListSQL(s.dialect, "r")+` AS list
FROM responses r WHERE (r.institution_id, r.client_id) IN ?`, pairs).Scan(&lists).Error
			for _, l := range lists {
				l.Listed = listed(l.List)
				rows = append(rows, l.StoredClient)
			}
		}
		if err != nil {
			return nil, translate(err, "responses")
		}
		out = append(out, rows...)
	}
	return out, nil
}

// storedClientsPG is StoredClients' read on PostgreSQL: a join of the
// pairs with responses, planned with its arrays each time, as the
// writer's replay lookup (replayLookupSQL). Row values under a generic
// plan read the whole table for each chunk: 3 minutes to verify 45,000
// submissions.
func (s *Store) storedClientsPG(ctx context.Context, keys []ClientKey) ([]StoredClient, error) {
	insts, clients := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		insts[i], clients[i] = k.InstitutionID, k.ClientID
	}
	var out []StoredClient
	err := s.pgxConn(ctx, func(conn *pgx.Conn) error {
		rows, err := conn.Query(ctx, `SELECT r.client_id, r.institution_id, r.id,
  (SELECT COUNT(*) FROM answers a WHERE a.response_id = r.id), `+answerListSQL(Postgres, "r")+`
FROM unnest($1::text[], $2::text[]) AS k(institution_id, client_id)
JOIN responses r ON r.institution_id = k.institution_id AND r.client_id = k.client_id`, pgx.QueryExecModeExec, insts, clients)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c StoredClient
			var list string
			if err := rows.Scan(&c.ClientID, &c.InstitutionID, &c.ResponseID, &c.Answers, &list); err != nil {
				return err
			}
			c.Listed = listed(list)
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// listed is how many answers an answer list holds.
func listed(list string) int {
	if list == "" {
		return 0
	}
	return strings.Count(list, ",") + 1
}

// DuplicateClientIDs returns the client ids stored more than once in one
// institution. The unique index forbids it; the verification still looks.
func (s *Store) DuplicateClientIDs(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Raw(`SELECT client_id FROM responses GROUP BY institution_id, client_id HAVING COUNT(*) > 1 ORDER BY client_id LIMIT 100`).
		Scan(&ids).Error
	return ids, translate(err, "responses")
}

// CountResponses returns how many responses are stored.
func (s *Store) CountResponses(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&responseRow{}).Count(&n).Error
	return n, translate(err, "responses")
}

// errRecounted rolls back the recount of RecountRollups.
var errRecounted = errors.New("recount done")

// RecountRollups returns the stored rollups and the rollups recounted from
// the responses, without changing either: the recount runs in a
// transaction that is rolled back. On PostgreSQL it holds the delta tables
// locked while it runs, so submissions and folds wait for it.
func (s *Store) RecountRollups(ctx context.Context) (stored, recount []RollupRow, err error) {
	err = s.InTx(ctx, func(tx *Store) error {
		if err := tx.lockRollups(ctx); err != nil {
			return err
		}
		var err error
		if stored, err = tx.RollupSnapshot(ctx); err != nil {
			return err
		}
		if _, err = tx.RebuildRollups(ctx, nil); err != nil {
			return err
		}
		if recount, err = tx.RollupSnapshot(ctx); err != nil {
			return err
		}
		return errRecounted
	})
	if errors.Is(err, errRecounted) {
		err = nil
	}
	return stored, recount, err
}
