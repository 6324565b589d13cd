package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"suara/domain"
)

// WriterOptions tune the group-commit writer.
type WriterOptions struct {
	// QueueSize bounds the responses waiting for a transaction (default
	// 4096). A full queue answers at once with KindUnavailable, so memory
	// stays bounded under any burst.
	QueueSize int
	// MaxBatch bounds the responses committed in one transaction (default 256).
	MaxBatch int
	// Committers is how many batch transactions may be open at once
	// (default 1; SQLite, which has one writer, always 1). More than one
	// lets a batch write while another waits for the disk, but each batch
	// is then smaller and costs more per response; on this project's
	// 2-core machine it never raised the rate (docs/performance.md).
	// Replicas are committers too: a copy that loses a race on the
	// client-id index is answered as a replay.
	Committers int
	// CompactEvery is how often the rollup deltas the batches append are
	// folded into the rollup tables. Zero (the default): only when the
	// store closes or CompactRollups is called. The server sets it
	// (SUARA_ROLLUP_FOLD_SECONDS); a command or tool that recounts or
	// rebuilds the rollups holds the deltas locked, and a timed fold of its
	// own would only wait for it until its statement timed out.
	CompactEvery time.Duration
	// BeforeCommit, if set, runs inside each batch transaction before it
	// commits; an error fails the batch. Tests inject faults with it.
	BeforeCommit func(batchSize int) error
}

// Submission is one validated response waiting for the writer.
type Submission struct {
	Response  domain.Response
	UnitPath  string            // path of Response.UnitID, for the subtree rollups
	ElementOf map[string]string // element question code → element id; read only (the server shares one per template version)
}

type pending struct {
	sub  *Submission
	done chan result
	// lookUp: the response may be stored and was not looked up before the
	// queue (no lookup slot was free), so its batch is looked up first.
	lookUp bool
}

type result struct {
	resp    domain.Response
	created bool
	err     error
}

// Writer is the group-commit writer of the submission path. Many pending
// responses are committed in one transaction (responses, answers and their
// pre-summed rollup deltas), and each caller is answered only after that
// transaction committed: acknowledged means durable.
type Writer struct {
	s      *Store
	opts   WriterOptions
	queue  chan *pending
	stop   chan struct{}
	wg     sync.WaitGroup
	closed sync.Once
	recent *recentClients // nil on SQLite, whose lookup costs no round trip
	// resendSlots bounds the resend lookups running at once
	// (answerResend), so that a flood of resends cannot take the pool's
	// connections from the committers, the fold and the dashboards: a
	// resend waits for a slot.
	resendSlots chan struct{}
	stats       writerStats
}

// resendLookupSlots is how many resends are looked up at once before the
// queue, of the pool's 20 connections by default.
const resendLookupSlots = 4

// WriterStats count the writer's batches since the store opened.
type WriterStats struct {
	Batches       int64 // batch transactions sent with new responses (a rewrite sends a second)
	Lookups       int64 // replay lookups of a whole batch, before writing it
	Rewrites      int64 // batches written again after the unique index caught a stored client id
	ResendLookups int64 // resends of remembered client ids whose receipts it does not know, looked up before the queue, outside any batch
	// ForgottenLookups are responses captured before the writer's memory
	// of client ids (resends it forgot, or answers from a phone that was
	// offline or whose clock runs behind) looked up before the queue.
	ForgottenLookups int64
	// MemoryAnswers are resends answered from the writer's memory of
	// client ids, with no lookup.
	MemoryAnswers int64
	// Busy is the time the committers spent on batches, from taking one to
	// answering it: near Committers × the wall time, the writer is what
	// limits the rate.
	Busy time.Duration
}

type writerStats struct {
	batches, lookups, rewrites, resendLookups, forgottenLookups, memoryAnswers, busy atomic.Int64
}

// recentClientsSize is how many stored client ids the writer remembers to
// tell resends from new responses and answer them without asking: about 40 s of a 3,000
// responses/s burst, 16 s of an 8,000 responses/s one, in 12.0 MB of heap
// when full, with the time each was added and its id and receipt
// (measured with runtime.MemStats around a full ring).
const recentClientsSize = 1 << 17

func newWriter(s *Store, opts WriterOptions) *Writer {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 4096
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	if opts.Committers <= 0 || s.dialect != Postgres {
		opts.Committers = 1
	}
	w := &Writer{s: s, opts: opts, queue: make(chan *pending, opts.QueueSize), stop: make(chan struct{}),
		resendSlots: make(chan struct{}, resendLookupSlots)}
	if s.dialect == Postgres {
		w.recent = newRecentClients(recentClientsSize, s.now)
	}
	for range opts.Committers {
		w.wg.Add(1)
		go w.run()
	}
	if opts.CompactEvery > 0 {
		w.wg.Add(1)
		go w.compactLoop()
	}
	return w
}

// ErrQueueFull is returned when the writer cannot take more work now.
var ErrQueueFull = &domain.Error{Kind: domain.KindUnavailable, Code: "queue_full", Msg: "submission queue is full"}

var errWriterClosed = &domain.Error{Kind: domain.KindUnavailable, Code: "shutting_down", Msg: "the server is shutting down"}

// Submit stores a response exactly once per (institution, client id). It
// returns the stored response, and created=false when the client id had
// been stored before (a replay), in which case the first response is
// returned: its ID and Receipt (what a resend is answered with), its
// InstitutionID and ClientID, and the rest only when the writer looked it
// up rather than answer from its memory of client ids. sub is left as
// given. It returns when the transaction has
// committed, or with KindUnavailable when the queue is full or the
// database failed; the client retries with the same client id.
func (s *Store) Submit(ctx context.Context, sub *Submission) (domain.Response, bool, error) {
	w := s.writer
	if w == nil {
		return domain.Response{}, false, errors.New("submit inside a transaction")
	}
	select {
	case <-w.stop:
		return domain.Response{}, false, errWriterClosed
	default:
	}
	stored, ok, lookUp := w.answerResend(ctx, &sub.Response)
	if ok {
		return stored, false, nil
	}
	if ctx.Err() != nil { // gave up waiting for a lookup: not queued, so not stored
		return domain.Response{}, false, translate(ctx.Err(), "submission not confirmed")
	}
	p := &pending{sub: sub, done: make(chan result, 1), lookUp: lookUp}
	select {
	case w.queue <- p:
	default:
		return domain.Response{}, false, ErrQueueFull
	}
	select {
	case r := <-p.done:
		return r.resp, r.created, r.err
	case <-ctx.Done():
		// The batch may still commit; a retry with the same client id
		// then receives the stored response.
		return domain.Response{}, false, translate(ctx.Err(), "submission not confirmed")
	}
}

// answerResend answers a resend of a response this process stored lately
// from its memory of client ids, which keeps each one's id and receipt,
// or, when it does not know them, from the database, in the request's
// goroutine and on a connection of its own: the resend waits for no batch, and the batches carry new
// responses only and go as one query string each (a lookup inside a batch cost it the one
// string, docs/performance.md). So is a response captured before what the
// ring remembers (an older resend, or a phone that was offline): one
// lookup here instead of a batch broken on the unique index. At most
// resendLookupSlots lookups run at once. A resend the ring holds (without
// its receipt) waits for
// a slot; a response it may have forgotten, most likely new, does not:
// with no slot free it is marked for the lookup of its whole batch
// (lookUp). ok is false when the ring neither holds the pair nor may have
// forgotten it, or the response was not found (new, or erased since) or
// the lookup failed: the writer then decides, as for any other response (a
// batch holding a pair of the ring is looked up before it is written).
func (w *Writer) answerResend(ctx context.Context, r *domain.Response) (stored domain.Response, ok, lookUp bool) {
	if w.recent == nil {
		return domain.Response{}, false, false
	}
	id, receipt, held := w.recent.answer(r.InstitutionID, r.ClientID)
	if id != "" {
		w.stats.memoryAnswers.Add(1)
		return domain.Response{ID: id, Receipt: receipt, InstitutionID: r.InstitutionID, ClientID: r.ClientID}, true, false
	}
	if !held && !w.recent.mayHaveForgotten(r.CapturedAt) {
		return domain.Response{}, false, false
	}
	if held {
		select {
		case w.resendSlots <- struct{}{}:
		case <-ctx.Done():
			return domain.Response{}, false, false
		}
		w.stats.resendLookups.Add(1)
	} else {
		select {
		case w.resendSlots <- struct{}{}:
		default:
			return domain.Response{}, false, true
		}
		w.stats.forgottenLookups.Add(1)
	}
	defer func() { <-w.resendSlots }()
	seen := w.recent.deletionsSeen()
	var found []responseRow
	err := w.s.pgxConn(ctx, func(conn *pgx.Conn) (err error) {
		found, err = findStored(ctx, conn, []string{r.InstitutionID}, []string{r.ClientID})
		return err
	})
	if err != nil {
		w.s.log.Debug("resend lookup failed; the writer decides", "err", err)
	}
	if err != nil || len(found) == 0 {
		return domain.Response{}, false, false
	}
	w.recent.remember(found[0].InstitutionID, found[0].ClientID, found[0].ID, found[0].Receipt, seen)
	return found[0].domain(), true, false
}

// WriterStats reports the writer's counters (zero inside a transaction).
func (s *Store) WriterStats() WriterStats {
	if s.writer == nil {
		return WriterStats{}
	}
	st := &s.writer.stats
	return WriterStats{Batches: st.batches.Load(), Lookups: st.lookups.Load(), Rewrites: st.rewrites.Load(),
		ResendLookups: st.resendLookups.Load(), ForgottenLookups: st.forgottenLookups.Load(),
		MemoryAnswers: st.memoryAnswers.Load(), Busy: time.Duration(st.busy.Load())}
}

// QueueLen reports how many submissions wait for the writer.
func (s *Store) QueueLen() int {
	if s.writer == nil {
		return 0
	}
	return len(s.writer.queue)
}

// Close stops taking work, commits what is queued, folds the rollup
// deltas and returns.
func (w *Writer) Close() {
	w.closed.Do(func() { close(w.stop) })
	w.wg.Wait()
	w.compact(5 * time.Second)
}

// compactLoop folds the rollup deltas into the rollup tables every
// CompactEvery, apart from the writer, so batches keep committing.
func (w *Writer) compactLoop() {
	defer w.wg.Done()
	t := time.NewTicker(w.opts.CompactEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			w.compact(time.Minute)
		case <-w.stop:
			return
		}
	}
}

// compact folds the deltas once. A failure loses nothing: the deltas stay
// and are read and folded later.
func (w *Writer) compact(timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := w.s.CompactRollups(ctx); err != nil {
		w.s.log.Warn("rollup compaction failed; the deltas are kept for the next one", "err", err)
	}
}

func (w *Writer) run() {
	defer w.wg.Done()
	batch := make([]*pending, 0, w.opts.MaxBatch)
	for {
		select {
		case p := <-w.queue:
			batch = append(batch[:0], p)
		case <-w.stop:
			w.drain()
			return
		}
		// Take whatever else is already waiting: while one transaction
		// commits, the next batch gathers by itself; no timer adds latency.
		began := time.Now()
	fill:
		for len(batch) < w.opts.MaxBatch {
			select {
			case p := <-w.queue:
				batch = append(batch, p)
			default:
				break fill
			}
		}
		w.commit(batch)
		w.stats.busy.Add(int64(time.Since(began)))
	}
}

// drain commits what was queued before the writer stopped.
func (w *Writer) drain() {
	for {
		batch := make([]*pending, 0, w.opts.MaxBatch)
	fill:
		for len(batch) < w.opts.MaxBatch {
			select {
			case p := <-w.queue:
				batch = append(batch, p)
			default:
				break fill
			}
		}
		if len(batch) == 0 {
			return
		}
		w.commit(batch)
	}
}

// commit writes a batch. If the batch fails for a reason other than an
// outage, each response is retried alone so that one bad response cannot
// fail the others.
func (w *Writer) commit(batch []*pending) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results, err := w.writeBatch(ctx, batch)
	if err != nil && len(batch) > 1 && domain.KindOf(err) != domain.KindUnavailable && w.opts.BeforeCommit == nil {
		for _, p := range batch {
			w.commit([]*pending{p})
		}
		return
	}
	if err != nil && len(batch) == 1 && isUniqueViolation(err) {
		// The same client id committed first in another batch (the other
		// committer, or another replica) after this batch looked for it:
		// the phone sent it twice at once. Answer with the first receipt.
		r := &batch[0].sub.Response
		seen := w.recent.deletionsSeen()
		if first, ferr := w.s.findByClientID(ctx, r.InstitutionID, r.ClientID); ferr == nil {
			w.recent.remember(r.InstitutionID, r.ClientID, first.ID, first.Receipt, seen)
			batch[0].done <- result{resp: first}
			return
		}
	}
	for i, p := range batch {
		if err != nil {
			p.done <- result{err: unavailable(err)}
			continue
		}
		p.done <- results[i]
	}
}

// unavailable marks a failed write as retryable: the client sends the
// same client id again. Almost always nothing of the batch was stored. If
// the connection failed after the batch's COMMIT had been sent
// (writeInOneFlight), it may have committed; the resend, which the ring
// does not hold (a failed batch is not remembered), then breaks the
// unique index and is answered with the stored response after a rewrite
// (writeBatch).
func unavailable(err error) error {
	if domain.KindOf(err) == domain.KindUnavailable {
		return err
	}
	return &domain.Error{Kind: domain.KindUnavailable, Code: "write_failed", Msg: "response not confirmed as stored", Err: err}
}

// writeBatch stores a batch and returns one result per pending response,
// in order. An error fails the whole batch: its transaction did not
// commit (unless the connection failed after COMMIT was sent; see
// unavailable). Its new responses are written in one transaction, or in a
// second after a lookup when the unique index caught a resend (a
// rewrite).
func (w *Writer) writeBatch(ctx context.Context, batch []*pending) ([]result, error) {
	s, beforeCommit := w.s, w.opts.BeforeCommit
	type ckey struct{ inst, client string }
	// The batch's distinct (institution, client id) pairs, as two arrays.
	insts, clients := make([]string, 0, len(batch)), make([]string, 0, len(batch))
	first := map[ckey]int{} // index of the first pending with that client id in the batch
	firsts := make([]int, 0, len(batch))
	for i, p := range batch {
		k := ckey{p.sub.Response.InstitutionID, p.sub.Response.ClientID}
		if _, dup := first[k]; !dup {
			first[k] = i
			firsts = append(firsts, i)
			insts, clients = append(insts, k.inst), append(clients, k.client)
		}
	}
	var (
		results = make([]result, len(batch))
		rows    []responseRow
		answers []answerRow
		d       *deltas
	)
	// plan answers the pending responses whose client id is in existing
	// as replays, and prepares the rows of the others.
	plan := func(existing []responseRow) {
		stored := make(map[ckey]responseRow, len(existing))
		for _, r := range existing {
			stored[ckey{r.InstitutionID, r.ClientID}] = r
		}
		rows, answers, d = nil, nil, newDeltas()
		now := s.now()
		for i := range batch {
			// A copy: a failed attempt leaves nothing in the submission
			// for the next one (a rewrite, or a retry alone).
			r := batch[i].sub.Response
			k := ckey{r.InstitutionID, r.ClientID}
			if row, ok := stored[k]; ok {
				results[i] = result{resp: row.domain(), created: false}
				continue
			}
			if first[k] != i {
				continue // a replay inside the batch: answered from the first below
			}
			r.ID, r.ReceivedAt, r.Receipt = newID(), now, newReceipt()
			if r.CapturedAt.IsZero() {
				r.CapturedAt = now
			}
			rows = append(rows, responseRowOf(&r))
			for code, v := range r.Answers {
				answers = append(answers, answerRow{ResponseID: r.ID, QuestionCode: code, InstitutionID: r.InstitutionID, Value: int16(v)})
			}
			if !r.Excluded {
				d.add(&r, batch[i].sub.UnitPath, batch[i].sub.ElementOf, 1)
			}
			results[i] = result{resp: r, created: true}
		}
		for i := range batch {
			r := &batch[i].sub.Response
			if j := first[ckey{r.InstitutionID, r.ClientID}]; j != i {
				results[i] = result{resp: results[j].resp, created: false}
			}
		}
	}
	known := w.recent.hashes(insts, clients) // for the ring, after the commit
	seen := w.recent.deletionsSeen()         // before any lookup of the batch
	var err error
	if s.dialect == Postgres {
		err = s.pgxConn(ctx, func(conn *pgx.Conn) error {
			// send writes the planned rows in one transaction.
			send := func() error {
				var hook func() error
				if beforeCommit != nil {
					hook = func() error { return beforeCommit(len(batch)) }
				}
				if len(rows) == 0 {
					if hook != nil {
						return hook()
					}
					return nil
				}
				streams, err := responseStreams(rows, answers)
				if err != nil {
					return err
				}
				deltas, err := deltaStream(d)
				if err != nil {
					return err
				}
				w.stats.batches.Add(1)
				return writeInOneFlight(ctx, conn.PgConn(), append(streams, deltas), hook)
			}
			// lookUpAndWrite asks which of the batch's responses are
			// stored, then writes the others: two round trips. A copy that
			// another committer or replica commits after the lookup breaks
			// the unique index, and is then answered as a replay (commit).
			lookUpAndWrite := func() error {
				w.stats.lookups.Add(1)
				existing, err := findStored(ctx, conn, insts, clients)
				if err != nil {
					return err
				}
				plan(existing)
				return send()
			}
			// A batch holding a pair of the ring is looked up first (a
			// resend whose lookup failed, or the second of two sends at
			// once, which passed the ring before the first committed), and
			// so is one holding a response the ring may have forgotten that
			// found no free lookup slot.
			if w.recent.holdsAny(known) || slices.ContainsFunc(batch, func(p *pending) bool { return p.lookUp }) || w.recent.lookingUp() {
				return lookUpAndWrite()
			}
			// The batch is written without asking first: the resends this
			// process remembers were answered before the queue
			// (answerResend), and the unique index catches the others.
			plan(nil)
			err := send()
			if err != nil && isUniqueViolation(err) && !conn.IsClosed() {
				// A resend this process had not seen lately: the
				// transaction rolled back whole; look the batch up.
				w.stats.rewrites.Add(1)
				w.recent.missed()
				return lookUpAndWrite()
			}
			return err
		})
		err = translate(err, "responses")
	} else {
		var existing []responseRow
		w.stats.lookups.Add(1)
		err = s.db.WithContext(ctx).Select(responseSelect(s.dialect, "responses")).
			Where("(institution_id, client_id) IN ?", pairsAsRows(insts, clients)).Find(&existing).Error
		if err != nil {
			return nil, translate(err, "responses")
		}
		plan(existing)
		err = s.InTx(ctx, func(tx *Store) error {
			if len(rows) > 0 {
				w.stats.batches.Add(1)
				if err := tx.db.CreateInBatches(rows, rowsPerInsert(tx.dialect, responseCols)).Error; err != nil {
					return translate(err, "responses")
				}
				if err := tx.db.CreateInBatches(answers, rowsPerInsert(tx.dialect, answerCols)).Error; err != nil {
					return translate(err, "answers")
				}
				if err := tx.addDeltas(ctx, d); err != nil {
					return err
				}
			}
			if beforeCommit != nil {
				return beforeCommit(len(batch))
			}
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	if w.recent != nil {
		stored := make([]storedReceipt, len(firsts))
		for j, i := range firsts {
			stored[j] = w.recent.receiptOf(insts[j], clients[j], results[i].resp.ID, results[i].resp.Receipt)
		}
		w.recent.add(known, stored, seen)
	}
	return results, nil
}

// pairsAsRows returns the pairs (insts[i], clients[i]) as rows for GORM's
// "(a, b) IN ?".
func pairsAsRows(insts, clients []string) [][]any {
	pairs := make([][]any, len(insts))
	for i := range insts {
		pairs[i] = []any{insts[i], clients[i]}
	}
	return pairs
}

// replayLookupSQL finds the stored responses of a batch's client ids: a
// join of the (institution, client id) pairs with responses, which
// PostgreSQL runs as one lookup per pair on the unique index
// idx_responses_client, both columns bound, whatever its statistics. With
// "institution_id = ANY(…) AND client_id = ANY(…)" instead, the planner
// bound only the institution when its statistics said it had few rows
// (a new institution, or a table growing faster than autoanalyze), and
// each batch then read every response of the institution: 14–22 ms per
// batch after 20 s of load.
var replayLookupSQL = "SELECT " + responseSelect(Postgres, "r") +
	" FROM unnest($1::text[], $2::text[]) AS k(institution_id, client_id)" +
	" JOIN responses r ON r.institution_id = k.institution_id AND r.client_id = k.client_id"

// findStored returns the stored responses of the (insts[i], clients[i])
// pairs.
func findStored(ctx context.Context, conn *pgx.Conn, insts, clients []string) ([]responseRow, error) {
	// An unnamed statement (QueryExecModeExec, still one round trip) is
	// planned with the batch's arrays every time. pgx prepares a statement
	// otherwise, and PostgreSQL may then settle on a generic plan, which
	// guesses 100 pairs and, on a table just analyzed, chose a scan of the
	// whole table for a minute of load.
	rows, err := conn.Query(ctx, replayLookupSQL, pgx.QueryExecModeExec, insts, clients)
	if err != nil {
		return nil, fmt.Errorf("replay lookup: %w", err)
	}
	defer rows.Close()
	var out []responseRow
	for rows.Next() {
		var r responseRow
		if err := rows.Scan(r.scanTargets()...); err != nil {
			return nil, fmt.Errorf("replay lookup: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// newReceipt returns a short code a citizen can quote: SKM-XXXX-XXXX.
func newReceipt() string {
	const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	out := []byte("SKM-XXXX-XXXX")
	for i, c := range b {
		pos := 4 + i
		if i >= 4 {
			pos = 5 + i
		}
		out[pos] = alphabet[int(c)%len(alphabet)]
	}
	return string(out)
}
