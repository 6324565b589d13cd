package store

import "context"

// Unexported parts the external tests (package store_test) check.

// ReplayLookupSQL is the writer's batch replay lookup, for its query plan.
var ReplayLookupSQL = replayLookupSQL

// StartLookupBackoff makes the writer look up its next batches whatever
// it remembers, as after a batch that broke the unique index.
func (s *Store) StartLookupBackoff() { s.writer.recent.missed() }

// EndLookupBackoff ends that: the writer's memory decides again.
func (s *Store) EndLookupBackoff() {
	if rc := s.writer.recent; rc != nil {
		rc.mu.Lock()
		rc.lookupAll = 0
		rc.mu.Unlock()
	}
}

// ShrinkRecentClients gives the writer a memory of n client ids, so that
// a test can make it forget; call it before the first submission.
func (s *Store) ShrinkRecentClients(n int) {
	s.writer.recent = newRecentClients(n, s.now)
	s.recent = s.writer.recent
}

// ForgetRecentClients gives the writer an empty memory of client ids, as
// after a restart (PostgreSQL; SQLite's writer has none).
func (s *Store) ForgetRecentClients() {
	if s.writer.recent != nil {
		s.writer.recent = newRecentClients(recentClientsSize, s.now)
		s.recent = s.writer.recent
	}
}

// TakeLookupSlots takes every lookup slot before the queue until release
// is called.
func (s *Store) TakeLookupSlots() (release func()) {
	for range cap(s.writer.resendSlots) {
		s.writer.resendSlots <- struct{}{}
	}
	return func() {
		for range cap(s.writer.resendSlots) {
			<-s.writer.resendSlots
		}
	}
}

// Since returns what the writer counted after before, without its busy
// time, which no test can predict.
func (st WriterStats) Since(before WriterStats) WriterStats {
	return WriterStats{Batches: st.Batches - before.Batches, Lookups: st.Lookups - before.Lookups, Rewrites: st.Rewrites - before.Rewrites,
		ResendLookups: st.ResendLookups - before.ResendLookups, ForgottenLookups: st.ForgottenLookups - before.ForgottenLookups,
		MemoryAnswers: st.MemoryAnswers - before.MemoryAnswers}
}

// FillAnswerListsBy fills the answer lists left NULL, batch rows a
// statement.
func (s *Store) FillAnswerListsBy(ctx context.Context, batch int) (int64, error) {
	return s.fillAnswerLists(ctx, batch)
}

// SetExportBatch makes EachResponse read n (at least 1) responses at a
// time.
func (s *Store) SetExportBatch(n int) { s.exportBatch = max(1, n) }
