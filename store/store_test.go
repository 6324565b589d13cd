package store_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"suara/domain"
	"suara/store"
	"suara/store/storetest"
	"suara/survey"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.Cleanup()
	os.Exit(code)
}

var ctx = context.Background()

// fixture is a unit tree with a survey on the built-in questionnaire.
type fixture struct {
	root, child, other domain.Unit
	version            domain.TemplateVersion
	survey             domain.Survey
}

func newFixture(t testing.TB, s *store.Store) fixture {
	t.Helper()
	var f fixture
	f.root = domain.Unit{Name: "Pemkab Contoh", Code: "KAB", TimeZone: "Asia/Jakarta"}
	mustOK(t, s.CreateUnit(ctx, &f.root))
	f.child = domain.Unit{Name: "Puskesmas Cempaka", Code: "PKM01", TimeZone: "Asia/Jakarta", ParentID: &f.root.ID}
	mustOK(t, s.CreateUnit(ctx, &f.child))
	f.other = domain.Unit{Name: "Pemkot Lain", Code: "KOT", TimeZone: "Asia/Makassar"}
	mustOK(t, s.CreateUnit(ctx, &f.other))
	tmpls, err := s.FindTemplates(ctx)
	mustOK(t, err)
	if len(tmpls) == 0 || tmpls[0].Code != "permenpanrb-14-2017" {
		t.Fatalf("FindTemplates = %+v, want the built-in template first", tmpls)
	}
	f.version, err = s.FindTemplateVersion(ctx, tmpls[0].LatestVersionID)
	mustOK(t, err)
	f.survey = domain.Survey{UnitID: f.root.ID, TemplateVersionID: f.version.ID, Title: "SKM 2026",
		StartsOn: "2026-01-01", EndsOn: "2026-12-31", Population: 1000}
	mustOK(t, s.CreateSurvey(ctx, &f.survey))
	return f
}

func mustOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// submission builds a response of the fixture's survey for unit u.
func (f fixture) submission(u domain.Unit, clientID string, day string, answers [9]int) *store.Submission {
	a := map[string]int{}
	for i, v := range answers {
		if v > 0 {
			a[fmt.Sprintf("U%d", i+1)] = v
		}
	}
	elementOf := map[string]string{}
	for _, q := range f.version.ElementQuestions() {
		elementOf[q.Code] = q.Element
	}
	return &store.Submission{
		Response: domain.Response{ClientID: clientID, SurveyID: f.survey.ID, UnitID: u.ID, InstitutionID: u.InstitutionID,
			TemplateVersionID: f.version.ID, Day: day, Answers: a, Profile: map[string]string{"gender": "female", "age": "34"}},
		UnitPath:  u.Path,
		ElementOf: elementOf,
	}
}

func TestMigrationsCreateEveryColumn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		pending, err := s.Pending(ctx)
		mustOK(t, err)
		if pending != 0 {
			t.Errorf("Pending() = %d after Migrate, want 0", pending)
		}
		for _, missing := range store.MissingColumns(s) {
			t.Errorf("column %s is used by the store but no migration creates it", missing)
		}
		// Migrating again is a no-op.
		mustOK(t, s.Migrate(ctx))
	})
}

func TestUnitsTreeAndScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		if f.child.InstitutionID != f.root.ID || f.child.Path != f.root.Path+f.child.ID+"/" {
			t.Errorf("child = %+v, want institution %s and path under %s", f.child, f.root.ID, f.root.Path)
		}
		sub, err := s.FindSubtree(ctx, f.root.Path)
		mustOK(t, err)
		if got := ids(sub); !cmp.Equal(got, []string{f.root.ID, f.child.ID}) {
			t.Errorf("FindSubtree(root) = %v, want root and child", got)
		}
		scoped, err := s.FindUnits(ctx, domain.Scope{Paths: []string{f.child.Path}})
		mustOK(t, err)
		if got := ids(scoped); !cmp.Equal(got, []string{f.child.ID}) {
			t.Errorf("FindUnits(child scope) = %v, want only the child", got)
		}
		none, err := s.FindUnits(ctx, domain.Scope{})
		mustOK(t, err)
		if len(none) != 0 {
			t.Errorf("FindUnits(empty scope) = %d units, want 0", len(none))
		}
		dup := domain.Unit{Name: "Dup", Code: "PKM01", TimeZone: "Asia/Jakarta"}
		if err := s.CreateUnit(ctx, &dup); domain.KindOf(err) != domain.KindConflict {
			t.Errorf("CreateUnit(duplicate code) = %v, want a conflict", err)
		}
		if err := s.DeleteUnit(ctx, f.root.ID); domain.KindOf(err) != domain.KindConflict {
			t.Errorf("DeleteUnit(unit with children) = %v, want a conflict", err)
		}
		mustOK(t, s.DeleteUnit(ctx, f.other.ID))
		if _, err := s.FindUnit(ctx, f.other.ID); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("FindUnit(deleted) = %v, want not found", err)
		}
	})
}

func ids(us []domain.Unit) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

func TestTemplateVersionsAreImmutableOncePublished(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		if _, err := s.PublishTemplateVersion(ctx, f.version.ID); domain.KindOf(err) != domain.KindConflict {
			t.Errorf("PublishTemplateVersion(published) = %v, want a conflict", err)
		}
		v2, err := s.CreateTemplateVersion(ctx, f.version.TemplateID, f.version.Questions)
		mustOK(t, err)
		if v2.Number != 2 || v2.Published() {
			t.Errorf("new version = number %d published %v, want a draft number 2", v2.Number, v2.Published())
		}
		sv := domain.Survey{UnitID: f.root.ID, TemplateVersionID: v2.ID, Title: "x", StartsOn: "2026-01-01", EndsOn: "2026-02-01"}
		err = s.CreateSurvey(ctx, &sv)
		if diff := cmp.Diff([]domain.FieldError{domain.Field("template_version_id", "not_published")}, domain.FieldErrors(err)); diff != "" {
			t.Errorf("CreateSurvey(draft version) fields (-want +got):\n%s", diff)
		}
		_, err = s.PublishTemplateVersion(ctx, v2.ID)
		mustOK(t, err)
		mustOK(t, s.CreateSurvey(ctx, &sv))
	})
}

func TestSubmitIsIdempotentUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		const goroutines, distinct = 200, 120
		clientIDs := make([]string, distinct)
		for i := range clientIDs {
			clientIDs[i] = uuid.NewString()
		}
		var created atomic.Int64
		receipts := make([]sync.Map, 1)
		var wg sync.WaitGroup
		errs := make(chan error, goroutines)
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				i := g % distinct // goroutines past `distinct` replay an earlier client id
				u := f.root
				if i%2 == 1 {
					u = f.child
				}
				resp, isNew, err := s.Submit(ctx, f.submission(u, clientIDs[i], "2026-03-0"+fmt.Sprint(1+i%9), [9]int{4, 3, 3, 4, 3, 4, 4, 3, 1 + i%4}))
				if err != nil {
					errs <- err
					return
				}
				if isNew {
					created.Add(1)
				}
				if prev, loaded := receipts[0].LoadOrStore(clientIDs[i], resp.Receipt); loaded && prev != resp.Receipt {
					errs <- fmt.Errorf("client %s got receipts %v and %v", clientIDs[i], prev, resp.Receipt)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if created.Load() != distinct {
			t.Errorf("created = %d, want %d", created.Load(), distinct)
		}
		var stored int64
		mustOK(t, s.DB().Table("responses").Count(&stored).Error)
		if stored != distinct {
			t.Errorf("stored responses = %d, want %d", stored, distinct)
		}
		var answers int64
		mustOK(t, s.DB().Table("answers").Count(&answers).Error)
		if answers != distinct*9 {
			t.Errorf("stored answers = %d, want %d", answers, distinct*9)
		}
		assertRollupsEqualRebuild(t, s)
		c, err := s.SubtreeCounts(ctx, f.root, store.CountQuery{From: "2026-01-01", To: "2026-12-31"})
		mustOK(t, err)
		if c.Respondents != distinct {
			t.Errorf("root subtree respondents = %d, want %d", c.Respondents, distinct)
		}
		cc, err := s.SubtreeCounts(ctx, f.child, store.CountQuery{From: "2026-01-01", To: "2026-12-31"})
		mustOK(t, err)
		if cc.Respondents != distinct/2 {
			t.Errorf("child subtree respondents = %d, want %d", cc.Respondents, distinct/2)
		}
	})
}

// assertRollupsEqualRebuild checks that the rollups written with each
// response equal a recount from the stored responses.
func assertRollupsEqualRebuild(t *testing.T, s *store.Store) {
	t.Helper()
	before, err := s.RollupSnapshot(ctx)
	mustOK(t, err)
	if len(before) == 0 {
		t.Fatal("no rollup rows were written")
	}
	_, err = s.RebuildRollups(ctx, nil)
	mustOK(t, err)
	after, err := s.RollupSnapshot(ctx)
	mustOK(t, err)
	if diff := cmp.Diff(after, before); diff != "" {
		t.Errorf("incremental rollups differ from a rebuild (-rebuilt +incremental):\n%s", diff)
	}
}

func TestRollupsMatchTheIndexOfRawAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		// Vector S1 of skm-method.md §8.2: IKM 82.78, B.
		rows := [][9]int{
			{4, 4, 3, 4, 4, 4, 4, 3, 4}, {3, 3, 3, 4, 3, 3, 4, 3, 3}, {4, 3, 2, 4, 3, 4, 4, 3, 3},
			{3, 3, 3, 4, 3, 3, 3, 3, 2}, {4, 4, 4, 4, 4, 4, 4, 4, 4}, {2, 3, 2, 4, 3, 3, 3, 2, 2},
			{3, 2, 3, 4, 3, 3, 4, 3, 3}, {4, 4, 3, 4, 4, 4, 4, 4, 3}, {3, 3, 2, 3, 3, 3, 3, 3, 3},
			{3, 3, 3, 4, 3, 4, 4, 3, 3},
		}
		for i, r := range rows {
			_, _, err := s.Submit(ctx, f.submission(f.child, uuid.NewString(), fmt.Sprintf("2026-02-%02d", i+1), r))
			mustOK(t, err)
		}
		c, err := s.SubtreeCounts(ctx, f.root, store.CountQuery{From: "2026-01-01", To: "2026-03-31"})
		mustOK(t, err)
		res := survey.Compute(survey.SKM(), c)
		if res.IKM != 82.78 || res.Grade != "B" {
			t.Errorf("IKM from rollups = %.2f %s, want 82.78 B", res.IKM, res.Grade)
		}
		filtered, err := s.SubtreeCounts(ctx, f.root, store.CountQuery{From: "2026-01-01", To: "2026-03-31", SurveyID: f.survey.ID})
		mustOK(t, err)
		if got := survey.Compute(survey.SKM(), filtered); got.IKM != res.IKM || got.Respondents != 10 {
			t.Errorf("IKM with survey filter = %.2f (%d), want %.2f (10)", got.IKM, got.Respondents, res.IKM)
		}
		outside, err := s.SubtreeCounts(ctx, f.root, store.CountQuery{From: "2026-02-06", To: "2026-02-31"})
		mustOK(t, err)
		if outside.Respondents != 5 {
			t.Errorf("respondents from 2026-02-06 = %d, want 5", outside.Respondents)
		}
		byGender, err := s.BreakdownCounts(ctx, f.root, "gender", store.CountQuery{From: "2026-01-01", To: "2026-12-31"})
		mustOK(t, err)
		if byGender["female"] == nil || byGender["female"].Respondents != 10 {
			t.Errorf("breakdown by gender = %+v, want 10 female respondents", byGender)
		}
		// Excluding a response takes it out of the index, and back in.
		list, _, err := s.FindResponses(ctx, domain.ResponseFilter{SurveyID: f.survey.ID, Page: domain.Page{Limit: 1}})
		mustOK(t, err)
		_, err = s.SetExcluded(ctx, list[0].ID, true)
		mustOK(t, err)
		c2, err := s.SubtreeCounts(ctx, f.root, store.CountQuery{From: "2026-01-01", To: "2026-03-31"})
		mustOK(t, err)
		if c2.Respondents != 9 {
			t.Errorf("respondents after exclusion = %d, want 9", c2.Respondents)
		}
		assertRollupsEqualRebuild(t, s)
		// An excluded response between two counted ones in id order, the
		// order in which the rebuild pages through the responses.
		all, _, err := s.FindResponses(ctx, domain.ResponseFilter{SurveyID: f.survey.ID, Page: domain.Page{Limit: 10}})
		mustOK(t, err)
		ids := make([]string, len(all))
		for i, r := range all {
			ids[i] = r.ID
		}
		slices.Sort(ids)
		_, err = s.SetExcluded(ctx, ids[len(ids)/2], true)
		mustOK(t, err)
		assertRollupsEqualRebuild(t, s)
	})
}

func TestWriterFailedBatchStoresNothingAndRecovers(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			var fail atomic.Bool
			fail.Store(true)
			s := storetest.Open(t, dialect, store.Options{Writer: store.WriterOptions{
				BeforeCommit: func(int) error {
					if fail.Load() {
						return fmt.Errorf("injected failure")
					}
					return nil
				},
			}})
			f := newFixture(t, s)
			id := uuid.NewString()
			_, _, err := s.Submit(ctx, f.submission(f.root, id, "2026-05-01", [9]int{4, 4, 4, 4, 4, 4, 4, 4, 4}))
			if domain.KindOf(err) != domain.KindUnavailable {
				t.Fatalf("Submit during an injected failure = %v, want KindUnavailable", err)
			}
			var n int64
			mustOK(t, s.DB().Table("responses").Count(&n).Error)
			if n != 0 {
				t.Fatalf("responses after a failed batch = %d, want 0", n)
			}
			fail.Store(false)
			_, created, err := s.Submit(ctx, f.submission(f.root, id, "2026-05-01", [9]int{4, 4, 4, 4, 4, 4, 4, 4, 4}))
			mustOK(t, err)
			if !created {
				t.Error("retry after a failed batch was not created")
			}
			assertRollupsEqualRebuild(t, s)
		})
	}
}

func TestWriterBackPressure(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			release := make(chan struct{})
			var once sync.Once
			entered := make(chan struct{})
			s := storetest.Open(t, dialect, store.Options{Writer: store.WriterOptions{
				QueueSize: 2, MaxBatch: 1, Committers: 1, // one committer, held below: the queue fills
				BeforeCommit: func(int) error {
					once.Do(func() { close(entered); <-release }) // hold the first batch open
					return nil
				},
			}})
			f := newFixture(t, s)
			results := make(chan error, 3)
			go func() {
				_, _, err := s.Submit(ctx, f.submission(f.root, uuid.NewString(), "2026-05-01", [9]int{4, 4, 4, 4, 4, 4, 4, 4, 4}))
				results <- err
			}()
			<-entered // the writer is busy; the queue holds two more
			for range 2 {
				go func() {
					_, _, err := s.Submit(ctx, f.submission(f.root, uuid.NewString(), "2026-05-01", [9]int{3, 3, 3, 3, 3, 3, 3, 3, 3}))
					results <- err
				}()
			}
			deadline := time.Now().Add(5 * time.Second)
			for s.QueueLen() < 2 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			_, _, err := s.Submit(ctx, f.submission(f.root, uuid.NewString(), "2026-05-01", [9]int{2, 2, 2, 2, 2, 2, 2, 2, 2}))
			if domain.KindOf(err) != domain.KindUnavailable {
				t.Errorf("Submit with a full queue = %v, want KindUnavailable", err)
			}
			close(release)
			for range 3 {
				mustOK(t, <-results)
			}
			_, created, err := s.Submit(ctx, f.submission(f.root, uuid.NewString(), "2026-05-01", [9]int{2, 2, 2, 2, 2, 2, 2, 2, 2}))
			if err != nil || !created {
				t.Errorf("Submit after the queue drained = %v (created %v), want stored", err, created)
			}
		})
	}
}

// TestConcurrentCopiesAcrossCommitters: the same client id reaches both
// committers at once, so neither batch finds it stored. The second batch
// then breaks the unique index and is answered with the first response,
// as a replay: one stored, both acknowledged with one receipt. The writer
// gets there two ways: a batch it did not look up (it remembers no such
// client id) is written again after a lookup; a batch it did look up is
// retried alone and answered from the stored row. PostgreSQL only: SQLite
// has a single committer.
func TestConcurrentCopiesAcrossCommitters(t *testing.T) {
	for _, lookedUp := range []bool{false, true} {
		t.Run(fmt.Sprintf("looked up=%v", lookedUp), func(t *testing.T) {
			var calls atomic.Int64
			s := storetest.Open(t, store.Postgres, store.Options{Writer: store.WriterOptions{
				MaxBatch: 1, Committers: 2,
				BeforeCommit: func(int) error {
					if calls.Add(1) == 1 {
						// Hold the first copy uncommitted while the other
						// committer takes the second copy.
						time.Sleep(300 * time.Millisecond)
					}
					return nil
				},
			}})
			f := newFixture(t, s)
			if lookedUp {
				s.StartLookupBackoff()
			}
			id := uuid.NewString()
			type out struct {
				resp    domain.Response
				created bool
				err     error
			}
			outs := make(chan out, 2)
			for range 2 {
				go func() {
					r, created, err := s.Submit(ctx, f.submission(f.child, id, "2026-05-02", [9]int{4, 4, 3, 3, 4, 4, 3, 3, 4}))
					outs <- out{r, created, err}
				}()
			}
			a, b := <-outs, <-outs
			mustOK(t, a.err)
			mustOK(t, b.err)
			if a.created == b.created {
				t.Errorf("created = %v and %v, want exactly one new", a.created, b.created)
			}
			if a.resp.ID == "" || a.resp.ID != b.resp.ID || a.resp.Receipt != b.resp.Receipt {
				t.Errorf("the two copies were answered with %s/%s and %s/%s, want one response", a.resp.ID, a.resp.Receipt, b.resp.ID, b.resp.Receipt)
			}
			st := s.WriterStats()
			switch {
			case st.Busy <= 0:
				t.Errorf("writer stats = %+v, want the time spent on the batches", st)
			case !lookedUp && st.Rewrites != 1:
				t.Errorf("writer stats = %+v, want 1 rewrite (the second copy must break the unique index)", st)
			case lookedUp && (st.Rewrites != 0 || st.Lookups < 2 || calls.Load() != 1):
				t.Errorf("writer stats = %+v, %d batches reached their commit; want no rewrite, both copies looked up, 1 commit (the second copy must break the unique index)", st, calls.Load())
			}
			var stored int64
			mustOK(t, s.DB().Table("responses").Count(&stored).Error)
			if stored != 1 {
				t.Errorf("stored responses = %d, want 1", stored)
			}
			assertRollupsEqualRebuild(t, s)
		})
	}
}

// TestReplaysAfterRestart: a writer skips the replay lookup for client
// ids it has not stored lately, so resends that reach a restarted server
// are caught by the unique index. Mixed into batches with new responses,
// each must be answered with its first receipt, and nothing stored twice.
func TestReplaysAfterRestart(t *testing.T) {
	for _, dialect := range storetest.Dialects(t) {
		t.Run(dialect, func(t *testing.T) {
			dsn := storetest.DSN(t, dialect)
			first, err := store.Open(ctx, dsn, store.Options{})
			mustOK(t, err)
			mustOK(t, first.Migrate(ctx))
			f := newFixture(t, first)
			const n = 40
			answers := func(i int) [9]int { return [9]int{1 + i%4, 2, 3, 4, 3, 2, 1, 2, 3} }
			old, fresh := make([]string, n), make([]string, n)
			stored := make([]domain.Response, n)
			var wg sync.WaitGroup
			for i := range n {
				old[i], fresh[i] = uuid.NewString(), uuid.NewString()
				wg.Go(func() {
					r, created, err := first.Submit(ctx, f.submission(f.child, old[i], "2026-06-01", answers(i)))
					if err != nil || !created {
						t.Errorf("first send %d: created=%v err=%v", i, created, err)
					}
					stored[i] = r
				})
			}
			wg.Wait()
			if st := first.WriterStats(); dialect == store.Postgres && (st.Lookups != 0 || st.Batches == 0) {
				t.Errorf("first writer stats = %+v, want batches and no replay lookup (no client id was stored before)", st)
			}
			first.Close()

			s, err := store.Open(ctx, dsn, store.Options{})
			mustOK(t, err)
			defer s.Close()
			send := func(round int) {
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() {
						r, created, err := s.Submit(ctx, f.submission(f.child, old[i], "2026-06-01", answers(i)))
						switch {
						case err != nil:
							t.Errorf("round %d: resend %d: %v", round, i, err)
						case created || r.ID != stored[i].ID || r.Receipt != stored[i].Receipt:
							t.Errorf("round %d: resend %d answered created=%v %s/%s, want the first response %s/%s",
								round, i, created, r.ID, r.Receipt, stored[i].ID, stored[i].Receipt)
						}
					})
					if round == 1 {
						wg.Go(func() {
							r, created, err := s.Submit(ctx, f.submission(f.child, fresh[i], "2026-06-02", answers(i)))
							if err != nil || !created {
								t.Errorf("new response %d: created=%v err=%v", i, created, err)
								return
							}
							// Its answer is the row that was stored, not one
							// from an attempt that rolled back.
							got, err := s.FindResponse(ctx, r.ID)
							if err != nil || got.Receipt != r.Receipt || got.ClientID != fresh[i] {
								t.Errorf("new response %d answered %s/%s; stored: %+v, %v", i, r.ID, r.Receipt, got, err)
							}
						})
					}
				}
				wg.Wait()
			}
			send(1)
			afterRestart := s.WriterStats()
			if dialect == store.Postgres && afterRestart.Rewrites == 0 {
				t.Errorf("writer stats after the restart = %+v, want rewrites: the resends were unknown to the new writer", afterRestart)
			}
			s.EndLookupBackoff() // the rewrites started one; the writer's memory decides again
			send(2)              // now remembered with their receipts: answered from memory, never written
			if st := s.WriterStats(); dialect == store.Postgres &&
				(st.Rewrites != afterRestart.Rewrites || st.Batches != afterRestart.Batches || st.ResendLookups != afterRestart.ResendLookups ||
					st.MemoryAnswers-afterRestart.MemoryAnswers != n) {
				t.Errorf("writer stats = %+v after the second resends, %+v before: want %d answers from memory, no lookup, no batch and no rewrite", st, afterRestart, n)
			}
			var rows, answerRows int64
			mustOK(t, s.DB().Table("responses").Count(&rows).Error)
			mustOK(t, s.DB().Table("answers").Count(&answerRows).Error)
			if rows != 2*n || answerRows != 2*n*9 {
				t.Errorf("stored %d responses and %d answers, want %d and %d", rows, answerRows, 2*n, 2*n*9)
			}
			assertRollupsEqualRebuild(t, s)
		})
	}
}

// TestResendsCapturedBeforeTheRing: a writer knows how far back it
// remembers client ids: since it began, and back to the last one it
// forgot. A response captured before that may be stored: it is looked up
// before the queue, a resend answered with the first response and a
// response a phone captured offline back then stored; with no lookup
// slot free, its batch is looked up instead. No batch breaks on the
// unique index; a response captured since is not looked up.
func TestResendsCapturedBeforeTheRing(t *testing.T) {
	dsn := storetest.DSN(t, store.Postgres)
	first, err := store.Open(ctx, dsn, store.Options{})
	mustOK(t, err)
	mustOK(t, first.Migrate(ctx))
	f := newFixture(t, first)
	sub := func(clientID string, captured time.Time) *store.Submission {
		s := f.submission(f.child, clientID, "2026-06-01", [9]int{1, 2, 3, 4, 3, 2, 1, 2, 3})
		s.Response.CapturedAt = captured
		return s
	}
	submit := func(s *store.Store, what string, sub *store.Submission, want *domain.Response) domain.Response {
		t.Helper()
		r, created, err := s.Submit(ctx, sub)
		switch {
		case err != nil:
			t.Fatalf("%s: %v", what, err)
		case want == nil && !created:
			t.Errorf("%s was answered as a replay of %s", what, r.ID)
		case want != nil && (created || r.ID != want.ID || r.Receipt != want.Receipt):
			t.Errorf("%s answered created=%v %s/%s, want the first response %s/%s", what, created, r.ID, r.Receipt, want.ID, want.Receipt)
		}
		return r
	}
	const n = 10
	stored := make([]domain.Response, n)
	for i := range n {
		stored[i] = submit(first, fmt.Sprint("first send ", i), sub(uuid.NewString(), time.Now()), nil)
	}
	if st := first.WriterStats(); st.ForgottenLookups != 0 {
		t.Errorf("responses captured after the writer began were looked up: %+v", st)
	}
	first.Close()

	// A restarted writer: everything before it began may be stored.
	s, err := store.Open(ctx, dsn, store.Options{})
	mustOK(t, err)
	defer s.Close()
	s.ShrinkRecentClients(2)
	before := s.WriterStats()
	for i := range n {
		submit(s, fmt.Sprint("resend ", i), sub(stored[i].ClientID, stored[i].CapturedAt), &stored[i])
	}
	submit(s, "the response captured offline", sub(uuid.NewString(), stored[0].CapturedAt), nil)
	release := s.TakeLookupSlots()
	submit(s, "a resend with no lookup slot free", sub(stored[1].ClientID, stored[1].CapturedAt), &stored[1])
	release()
	if got, want := s.WriterStats().Since(before), (store.WriterStats{Batches: 1, Lookups: 1, ForgottenLookups: n + 1}); got != want {
		t.Errorf("after the restart: %+v, want %+v: a lookup before the queue for each, the batch of the one without a slot looked up, no rewrite", got, want)
	}

	// Three new responses in a memory of two: the first is forgotten.
	before = s.WriterStats()
	var recent []domain.Response
	for i := range 3 {
		recent = append(recent, submit(s, fmt.Sprint("new response ", i), sub(uuid.NewString(), time.Now()), nil))
	}
	if got, want := s.WriterStats().Since(before), (store.WriterStats{Batches: 3}); got != want {
		t.Errorf("new responses captured now: %+v, want %+v: written without a lookup", got, want)
	}
	before = s.WriterStats()
	submit(s, "the resend of the forgotten one", sub(recent[0].ClientID, recent[0].CapturedAt), &recent[0])
	submit(s, "the resend of a remembered one", sub(recent[2].ClientID, recent[2].CapturedAt), &recent[2])
	if got, want := s.WriterStats().Since(before), (store.WriterStats{ForgottenLookups: 1, MemoryAnswers: 1}); got != want {
		t.Errorf("resends past a memory of two: %+v, want %+v", got, want)
	}
	var rows int64
	mustOK(t, s.DB().Table("responses").Count(&rows).Error)
	if rows != n+1+3 {
		t.Errorf("stored %d responses, want %d", rows, n+1+3)
	}
	assertRollupsEqualRebuild(t, s)
}

// TestResendsLookedUp: resends of client ids this writer stored are
// looked up before the queue and answered with the stored response; they
// join no batch. A resend whose response was deleted since (an erasure)
// is not found there: it joins a batch of new responses and is stored
// again with them. A resend stored by another replica, which this writer
// does not remember, joins a batch and breaks the unique index of its
// flight: the batch is rewritten after a lookup.
func TestResendsLookedUp(t *testing.T) {
	dsn := storetest.DSN(t, store.Postgres)
	// The writer's own flights, COMMIT included: no BeforeCommit hook.
	s, err := store.Open(ctx, dsn, store.Options{})
	mustOK(t, err)
	defer s.Close()
	mustOK(t, s.Migrate(ctx))
	replica, err := store.Open(ctx, dsn, store.Options{})
	mustOK(t, err)
	defer replica.Close()
	f := newFixture(t, s)

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("waited 10 s for %s", what)
			}
		}
	}
	type out struct {
		resp    domain.Response
		created bool
		err     error
	}
	// inOneBatch submits subs while a blocker's batch waits for a lock on
	// rollup_deltas that the test holds, so that those that queue (queued
	// of them) make one batch; it returns their outcomes and what they
	// cost the writer.
	inOneBatch := func(subs []*store.Submission, queued int) ([]out, store.WriterStats) {
		lock := s.DB().Begin()
		mustOK(t, lock.Error)
		defer lock.Rollback()
		mustOK(t, lock.Exec("LOCK TABLE rollup_deltas IN SHARE MODE").Error)
		batches := s.WriterStats().Batches
		blocked := make(chan error, 1)
		go func() {
			_, _, err := s.Submit(ctx, f.submission(f.child, uuid.NewString(), "2026-06-03", [9]int{4, 4, 4, 4, 4, 4, 4, 4, 4}))
			blocked <- err
		}()
		waitFor("the blocker's flight", func() bool { return s.WriterStats().Batches > batches })
		before := s.WriterStats()
		outs := make([]out, len(subs))
		var wg sync.WaitGroup
		for i, sub := range subs {
			wg.Go(func() {
				r, c, err := s.Submit(ctx, sub)
				outs[i] = out{r, c, err}
			})
		}
		waitFor("the submissions to queue", func() bool { return s.QueueLen() == queued })
		mustOK(t, lock.Rollback().Error)
		wg.Wait()
		mustOK(t, <-blocked)
		return outs, s.WriterStats().Since(before)
	}
	// PostgreSQL keeps microseconds; the first answer had nanoseconds.
	sameStored := []cmp.Option{cmpopts.IgnoreFields(domain.Response{}, "Answers"), cmpopts.EquateEmpty(), cmpopts.EquateApproxTime(time.Microsecond)}
	// checkResent: a resend is answered with the first response. From the
	// writer's memory that is its id and receipt (with its institution and
	// client id), what the citizen is answered with; after a lookup
	// (lookedUp), every field as read by it (in the flight, its binary
	// rows; after a rewrite, pgx's).
	checkResent := func(what string, got out, first domain.Response, lookedUp bool) {
		t.Helper()
		type answer struct{ id, receipt, inst, client string }
		answered := answer{got.resp.ID, got.resp.Receipt, got.resp.InstitutionID, got.resp.ClientID}
		switch {
		case got.err != nil:
			t.Errorf("%s: %v", what, got.err)
		case got.created:
			t.Errorf("%s was stored again", what)
		case lookedUp && !cmp.Equal(got.resp, first, sameStored...):
			t.Errorf("%s answered with another response (-got +first):\n%s", what, cmp.Diff(got.resp, first, sameStored...))
		case !lookedUp && answered != (answer{first.ID, first.Receipt, first.InstitutionID, first.ClientID}):
			t.Errorf("%s answered with %+v, want the first response %s/%s", what, answered, first.ID, first.Receipt)
		}
	}
	const n = 20
	answers := func(i int) [9]int { return [9]int{1 + i%4, 2, 3, 4, 3, 2, 1, 2, 3} }
	old, stored := make([]string, n), make([]domain.Response, n)
	for i := range n {
		old[i] = uuid.NewString()
		r, created, err := s.Submit(ctx, f.submission(f.child, old[i], "2026-06-01", answers(i)))
		mustOK(t, err)
		if !created {
			t.Fatalf("first send %d was answered as a replay", i)
		}
		stored[i] = r
	}
	_, err = s.DeleteResponse(ctx, stored[0].ID)
	mustOK(t, err)
	wantRows := int64(n - 1)

	// The resends (one of them deleted) and as many new responses.
	var subs []*store.Submission
	for i := range n {
		subs = append(subs, f.submission(f.child, old[i], "2026-06-01", answers(i)),
			f.submission(f.child, uuid.NewString(), "2026-06-02", answers(i)))
	}
	outs, cost := inOneBatch(subs, n+1) // the new ones and the deleted one
	wantRows += 1 + n + 1               // the blocker, the new ones, the deleted one again
	for i := range n {
		resent, created := outs[2*i], outs[2*i+1]
		switch {
		case i == 0 && (resent.err != nil || !resent.created || resent.resp.ID == stored[0].ID):
			t.Errorf("the resend of the deleted response was answered created=%v with %s (%v), want it stored again", resent.created, resent.resp.ID, resent.err)
		case i > 0:
			checkResent(fmt.Sprintf("resend %d", i), resent, stored[i], false)
		}
		if created.err != nil || !created.created {
			t.Errorf("new response %d answered created=%v (%v)", i, created.created, created.err)
		}
	}
	// Every resend was answered from the writer's memory but the deleted
	// one's, whose receipt it dropped: that one was looked up before the
	// queue, not found, and joined the new ones, and their batch, holding
	// a client id the ring holds, was looked up before it was written.
	if want := (store.WriterStats{Batches: 1, Lookups: 1, ResendLookups: 1, MemoryAnswers: n - 1}); cost != want {
		t.Errorf("the mixed batch cost %+v, want %+v: resends answered from memory, one looked up before the queue, one batch looked up, no rewrite", cost, want)
	}

	// The same new client id sent twice at once: the second send passes
	// the ring before the first commits and waits in the queue; its batch,
	// taken after the first committed, holds a client id the ring now
	// remembers and is looked up, not broken on the unique index.
	lock := s.DB().Begin()
	mustOK(t, lock.Error)
	defer lock.Rollback()
	mustOK(t, lock.Exec("LOCK TABLE rollup_deltas IN SHARE MODE").Error)
	before := s.WriterStats()
	twice := uuid.NewString()
	sends := make(chan out, 2)
	send := func() {
		r, c, err := s.Submit(ctx, f.submission(f.child, twice, "2026-06-06", answers(2)))
		sends <- out{r, c, err}
	}
	go send()
	waitFor("the first send's flight", func() bool { return s.WriterStats().Batches > before.Batches })
	go send()
	waitFor("the second send to queue", func() bool { return s.QueueLen() == 1 })
	mustOK(t, lock.Rollback().Error)
	firstSend, secondSend := <-sends, <-sends
	if secondSend.created {
		firstSend, secondSend = secondSend, firstSend
	}
	if firstSend.err != nil || !firstSend.created {
		t.Fatalf("the first send answered created=%v (%v)", firstSend.created, firstSend.err)
	}
	checkResent("the second of two sends at once", secondSend, firstSend.resp, true)
	wantRows++
	cost = s.WriterStats().Since(before)
	if want := (store.WriterStats{Batches: 1, Lookups: 1}); cost != want {
		t.Errorf("two sends at once cost %+v, want %+v: one batch written, the second looked up, no rewrite", cost, want)
	}

	// A client id another replica stored, resent here with remembered
	// ones and new ones: the remembered ones are answered before the
	// queue; the batch's flight breaks the unique index and rolls back
	// whole, and the batch is written again after a lookup.
	foreign, _, err := replica.Submit(ctx, f.submission(f.child, uuid.NewString(), "2026-06-04", answers(1)))
	mustOK(t, err)
	subs = []*store.Submission{f.submission(f.child, foreign.ClientID, "2026-06-04", answers(1))}
	for i := 1; i < n; i++ {
		subs = append(subs, f.submission(f.child, old[i], "2026-06-01", answers(i)), f.submission(f.child, uuid.NewString(), "2026-06-05", answers(i)))
	}
	outs, cost = inOneBatch(subs, n) // the replica's and the new ones
	wantRows += 1 + 1 + n - 1        // the replica's, the blocker, the new ones
	checkResent("the other replica's response", outs[0], foreign, true)
	for i := 1; i < n; i++ {
		checkResent(fmt.Sprintf("second resend %d", i), outs[2*i-1], stored[i], false)
		if created := outs[2*i]; created.err != nil || !created.created {
			t.Errorf("second new response %d answered created=%v (%v)", i, created.created, created.err)
		}
	}
	if want := (store.WriterStats{Batches: 2, Lookups: 1, Rewrites: 1, MemoryAnswers: n - 1}); cost != want {
		t.Errorf("the batch with the other replica's client id cost %+v, want %+v", cost, want)
	}

	var rows, answerRows int64
	mustOK(t, s.DB().Table("responses").Count(&rows).Error)
	mustOK(t, s.DB().Table("answers").Count(&answerRows).Error)
	if rows != wantRows || answerRows != wantRows*9 {
		t.Errorf("stored %d responses and %d answers, want %d and %d", rows, answerRows, wantRows, wantRows*9)
	}
	assertRollupsEqualRebuild(t, s)
}

// TestFailedFlightStoresNothing: the writer sends a batch's BEGIN, COPYs
// and COMMIT in one flight. When the last COPY fails (a profile answer too
// long for rollup_deltas), the responses and answers already copied must
// go with it: the response is refused, the others of its batch are
// stored once each, and the connection serves the next batches.
func TestFailedFlightStoresNothing(t *testing.T) {
	s := storetest.Open(t, store.Postgres, store.Options{Writer: store.WriterOptions{Committers: 1}})
	f := newFixture(t, s)
	bad := f.submission(f.child, uuid.NewString(), "2026-05-03", [9]int{4, 4, 4, 4, 4, 4, 4, 4, 4})
	bad.Response.Profile["gender"] = strings.Repeat("x", 80) // rollup_deltas.gender is varchar(64)
	var wg sync.WaitGroup
	var stored atomic.Int64
	for i := range 20 {
		wg.Go(func() {
			_, created, err := s.Submit(ctx, f.submission(f.child, uuid.NewString(), "2026-05-03", [9]int{1 + i%4, 2, 3, 4, 3, 2, 1, 2, 3}))
			if err != nil {
				t.Errorf("good response %d: %v", i, err)
			} else if created {
				stored.Add(1)
			}
		})
	}
	_, _, badErr := s.Submit(ctx, bad)
	wg.Wait()
	if badErr == nil {
		t.Fatal("a response whose rollup delta cannot be stored was acknowledged")
	}
	var n int64
	mustOK(t, s.DB().Table("responses").Where("client_id = ?", bad.Response.ClientID).Count(&n).Error)
	if n != 0 {
		t.Errorf("the refused response left %d responses rows", n)
	}
	mustOK(t, s.DB().Table("responses").Count(&n).Error)
	if n != 20 || stored.Load() != 20 {
		t.Errorf("stored %d responses, %d acknowledged as new, want 20 and 20", n, stored.Load())
	}
	_, created, err := s.Submit(ctx, f.submission(f.child, uuid.NewString(), "2026-05-04", [9]int{4, 4, 4, 4, 4, 4, 4, 4, 4}))
	if err != nil || !created {
		t.Fatalf("the batch after the failure: created %v, %v", created, err)
	}
	assertRollupsEqualRebuild(t, s)
}

// TestSubmitStoresEveryField: what the writer copies (in PostgreSQL's
// binary COPY format, store/copy.go) reads back as it was given: text with
// quotes and non-ASCII letters, a service or none, flags, times to the
// microsecond, and each answer.
func TestSubmitStoresEveryField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		svc := domain.Service{UnitID: f.child.ID, Name: "Imunisasi", Code: "IMN"}
		mustOK(t, s.CreateService(ctx, &svc))
		captured := time.Date(2026, 5, 3, 8, 15, 30, 123456789, time.UTC)
		for _, withService := range []bool{true, false} {
			sub := f.submission(f.child, uuid.NewString(), "2026-05-03", [9]int{4, 3, 2, 1, 4, 3, 2, 1, 4})
			sub.Response.CapturedAt = captured
			sub.Response.Comment = "Pelayanan \"cepat\", ramah — terima kasih\nbaris kedua\t✓"
			sub.Response.Profile = map[string]string{"gender": "male", "education": "s1", "kota": "Bau-Bau \"Sultra\""}
			sub.Response.Suspicious = true
			if withService {
				sub.Response.ServiceID = &svc.ID
			}
			stored, created, err := s.Submit(ctx, sub)
			mustOK(t, err)
			if !created {
				t.Fatal("not created")
			}
			got, err := s.FindResponse(ctx, stored.ID)
			mustOK(t, err)
			want := sub.Response // Submit leaves it as given; the id and receipt are the answer's
			want.ID, want.Receipt = stored.ID, stored.Receipt
			// PostgreSQL keeps microseconds, SQLite nanoseconds.
			want.CapturedAt, got.CapturedAt = captured.Truncate(time.Microsecond), got.CapturedAt.Truncate(time.Microsecond)
			want.ReceivedAt, got.ReceivedAt = stored.ReceivedAt.Truncate(time.Microsecond), got.ReceivedAt.Truncate(time.Microsecond)
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("service %v: stored response differs (-given +read):\n%s", withService, diff)
			}
		}
		checkAnswerLists(t, s, 2)
	})
}

// checkAnswerLists checks that each stored response's answer list holds
// the same answers as its rows in answers, and that there are n responses.
func checkAnswerLists(t *testing.T, s *store.Store, n int) {
	t.Helper()
	agg := "(SELECT string_agg(a.question_code || ':' || a.value, ',' ORDER BY a.question_code COLLATE \"C\") FROM answers a " +
		"WHERE a.institution_id = r.institution_id AND a.response_id = r.id)"
	if s.Dialect() != store.Postgres {
		agg = "(SELECT group_concat(x.question_code || ':' || x.value, ',') FROM (SELECT question_code, value FROM answers a " +
			"WHERE a.institution_id = r.institution_id AND a.response_id = r.id ORDER BY question_code) x)"
	}
	var rows []struct{ ID, List, Rows string }
	mustOK(t, s.DB().Raw("SELECT r.id, r.answer_list AS list, COALESCE("+agg+", '') AS rows FROM responses r").Scan(&rows).Error)
	if len(rows) != n {
		t.Errorf("%d responses stored, want %d", len(rows), n)
	}
	for _, r := range rows {
		if r.List != r.Rows || r.List == "" {
			t.Errorf("response %s: answer list %q, answer rows %q", r.ID, r.List, r.Rows)
		}
	}
}

// TestBulkRollupsEqualRebuild loads responses in bulk with a small
// in-memory limit, so that the rollups are written in several steps that
// add to each other, and checks them against a recount.
func TestBulkRollupsEqualRebuild(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		b := s.NewBulk()
		b.LimitDeltas(40)
		for i := range 30 {
			u := f.root
			if i%3 == 0 {
				u = f.child
			}
			sub := f.submission(u, uuid.NewString(), fmt.Sprintf("2026-03-%02d", 1+i%4), [9]int{1 + i%4, 2, 3, 4, 1 + i%3, 2, 3, 4, 4})
			sub.Response.CapturedAt = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
			mustOK(t, b.Add(ctx, sub))
		}
		mustOK(t, b.Close(ctx))
		if n, err := s.CountResponses(ctx); err != nil || n != 30 {
			t.Fatalf("CountResponses = %d, %v; want 30", n, err)
		}
		checkAnswerLists(t, s, 30)
		stored, recount, err := s.RecountRollups(ctx)
		mustOK(t, err)
		if len(recount) == 0 {
			t.Fatal("no rollups recounted")
		}
		if diff := cmp.Diff(recount, stored); diff != "" {
			t.Errorf("bulk rollups differ from a recount (-recount +bulk):\n%s", diff)
		}
		// RecountRollups changed nothing.
		again, err := s.RollupSnapshot(ctx)
		mustOK(t, err)
		if diff := cmp.Diff(stored, again); diff != "" {
			t.Errorf("RecountRollups changed the rollups:\n%s", diff)
		}
	})
}

// TestFoldWhileSubmitting folds the rollup deltas while responses arrive:
// the indices read the same before and after each fold, nothing is lost
// or counted twice, and a fold leaves the delta tables empty (and, on
// PostgreSQL, vacuumed).
func TestFoldWhileSubmitting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		const writers, each = 20, 15
		done := make(chan struct{})
		folds := make(chan error, 1)
		go func() {
			n := 0
			for {
				select {
				case <-done:
					if n == 0 {
						folds <- errors.New("no fold ran while submitting")
						return
					}
					folds <- nil
					return
				default:
				}
				if err := s.CompactRollups(ctx); err != nil {
					folds <- err
					return
				}
				n++
				// Far more often than the store's 5 s, yet leaving SQLite's
				// one write lock to the writer between folds: a fold in a
				// tight loop starves it.
				time.Sleep(20 * time.Millisecond)
			}
		}()
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					u := f.root
					if (w+i)%2 == 1 {
						u = f.child
					}
					_, _, err := s.Submit(ctx, f.submission(u, uuid.NewString(), fmt.Sprintf("2026-05-%02d", 1+i), [9]int{4, 3, 3, 4, 3, 4, 4, 3, 1 + w%4}))
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(done)
		mustOK(t, <-folds)

		// A response whose day is then excluded: its day holds a +1 and a -1.
		resp, _, err := s.Submit(ctx, f.submission(f.child, uuid.NewString(), "2026-06-30", [9]int{1, 1, 1, 1, 1, 1, 1, 1, 1}))
		mustOK(t, err)
		_, err = s.SetExcluded(ctx, resp.ID, true)
		mustOK(t, err)

		before, err := s.RollupSnapshot(ctx)
		mustOK(t, err)
		last, err := s.LastResponseDays(ctx, f.root)
		mustOK(t, err)
		if last[f.child.ID] != "2026-05-15" {
			t.Errorf("last response day of the child before the fold = %q, want 2026-05-15 (the excluded 2026-06-30 does not count)", last[f.child.ID])
		}
		vacuums := func() (n int64) {
			// Autovacuum's count too: the fold's vacuum skips the table
			// while an autovacuum holds it (SKIP_LOCKED).
			mustOK(t, s.DB().Raw("SELECT vacuum_count + autovacuum_count FROM pg_stat_user_tables WHERE relname = 'rollup_deltas'").Scan(&n).Error)
			return n
		}
		var vacuumsBefore int64
		if s.Dialect() == store.Postgres {
			vacuumsBefore = vacuums()
		}
		mustOK(t, s.CompactRollups(ctx))
		var left int64
		mustOK(t, s.DB().Table("rollup_deltas").Count(&left).Error)
		if left != 0 {
			t.Errorf("rollup_deltas holds %d rows after a fold, want 0", left)
		}
		// The fold vacuums what it deleted, whether autovacuum runs or not.
		if s.Dialect() == store.Postgres && vacuums() <= vacuumsBefore {
			t.Errorf("rollup_deltas not vacuumed by a fold")
		}
		after, err := s.RollupSnapshot(ctx)
		mustOK(t, err)
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("a fold changed the rollups (-before +after):\n%s", diff)
		}
		if last, err = s.LastResponseDays(ctx, f.root); err != nil || last[f.child.ID] != "2026-05-15" {
			t.Errorf("last response day of the child after the fold = %q (%v), want 2026-05-15", last[f.child.ID], err)
		}
		c, err := s.SubtreeCounts(ctx, f.root, store.CountQuery{From: "2026-01-01", To: "2026-12-31"})
		mustOK(t, err)
		if c.Respondents != writers*each {
			t.Errorf("root respondents = %d, want %d", c.Respondents, writers*each)
		}
		assertRollupsEqualRebuild(t, s)
	})
}

// TestSurveyPopulation sums the populations of a subtree's surveys that
// overlap the period, however many there are.
func TestSurveyPopulation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s) // the root's survey: 2026, population 1000
		for _, sv := range []domain.Survey{
			{UnitID: f.child.ID, Title: "Q1", StartsOn: "2026-01-01", EndsOn: "2026-03-31", Population: 200},
			{UnitID: f.child.ID, Title: "Q4", StartsOn: "2026-10-01", EndsOn: "2026-12-31", Population: 30},
			{UnitID: f.other.ID, Title: "elsewhere", StartsOn: "2026-01-01", EndsOn: "2026-12-31", Population: 5000},
		} {
			sv.TemplateVersionID = f.version.ID
			mustOK(t, s.CreateSurvey(ctx, &sv))
		}
		for _, c := range []struct {
			unit     domain.Unit
			from, to string
			want     int64
		}{
			{f.root, "2026-01-01", "2026-12-31", 1230},
			{f.root, "2026-03-31", "2026-04-30", 1200}, // Q1 ends on the first day
			{f.child, "2026-05-01", "2026-09-30", 0},
			{f.child, "2025-01-01", "2027-12-31", 230},
		} {
			got, err := s.SurveyPopulation(ctx, c.unit.Path, c.from, c.to)
			mustOK(t, err)
			if got != c.want {
				t.Errorf("SurveyPopulation(%s, %s..%s) = %d, want %d", c.unit.Name, c.from, c.to, got, c.want)
			}
		}
	})
}

// TestResponsesWithoutAnswerList reads responses whose answer list is
// NULL, as a server of the release before the column writes them during a
// rolling update: every read takes their answers from the answer rows, so
// the response, the export, a resend, an exclusion and the rollups' recount
// all see them, and the fill completes them.
func TestResponsesWithoutAnswerList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		answers := [9]int{4, 3, 2, 1, 4, 3, 2, 1, 3}
		var subs []*store.Submission
		for i := range 3 {
			sub := f.submission(f.child, uuid.NewString(), fmt.Sprintf("2026-04-%02d", i+1), answers)
			_, _, err := s.Submit(ctx, sub)
			mustOK(t, err)
			subs = append(subs, sub)
		}
		mustOK(t, s.DB().Exec("UPDATE responses SET answer_list = NULL").Error)
		want := subs[0].Response.Answers

		list, _, err := s.FindResponses(ctx, domain.ResponseFilter{SurveyID: f.survey.ID, Page: domain.Page{Limit: 10}})
		mustOK(t, err)
		if len(list) != 3 {
			t.Fatalf("FindResponses = %d responses, want 3", len(list))
		}
		for _, r := range list {
			if !maps.Equal(r.Answers, want) {
				t.Errorf("FindResponses: %s answers %v, want %v", r.ID, r.Answers, want)
			}
		}
		one, err := s.FindResponse(ctx, list[0].ID)
		mustOK(t, err)
		if !maps.Equal(one.Answers, want) {
			t.Errorf("FindResponse: answers %v, want %v", one.Answers, want)
		}
		exported := 0
		mustOK(t, s.EachResponse(ctx, store.ExportQuery{InstitutionID: f.root.ID, SurveyID: f.survey.ID}, func(rs []domain.Response) error {
			for _, r := range rs {
				exported++
				if !maps.Equal(r.Answers, want) {
					t.Errorf("EachResponse: %s answers %v, want %v", r.ID, r.Answers, want)
				}
			}
			return nil
		}))
		if exported != 3 {
			t.Errorf("EachResponse = %d responses, want 3", exported)
		}
		// A resend finds the stored response: once the writer remembers
		// nothing, the unique index refuses it and the batch's lookup
		// reads the row.
		s.ForgetRecentClients()
		again, created, err := s.Submit(ctx, subs[1])
		mustOK(t, err)
		if created || !maps.Equal(again.Answers, want) {
			t.Errorf("resend: created %v, answers %v; want the stored response with %v", created, again.Answers, want)
		}
		_, err = s.SetExcluded(ctx, list[2].ID, true)
		mustOK(t, err)
		assertRollupsEqualRebuild(t, s)

		filled, err := s.FillAnswerListsBy(ctx, 2)
		mustOK(t, err)
		if filled != 3 {
			t.Errorf("FillAnswerListsBy filled %d rows, want 3", filled)
		}
		checkAnswerLists(t, s, 3)
	})
}

// TestEachResponseInBatches exports several batches (of 10 here, 2,000 in
// production): every response once, oldest first, with its answers, in
// full batches but the last (the next batch is read while one is handled).
func TestEachResponseInBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := newFixture(t, s)
		b := s.NewBulk()
		start := time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)
		s.SetExportBatch(10)
		const n = 25
		for i := range n {
			sub := f.submission(f.child, uuid.NewString(), "2026-06-01", [9]int{1 + i%4, 2, 3, 4, 1 + i%3, 2, 3, 4, 4})
			// Received in the reverse order of i, so that the export's
			// order is not the insertion order.
			sub.Response.CapturedAt = start.Add(time.Duration(n-i) * time.Second)
			sub.Response.Comment = strconv.Itoa(i)
			mustOK(t, b.Add(ctx, sub))
		}
		mustOK(t, b.Close(ctx))
		var batches []int
		seen := map[string]bool{}
		var last time.Time
		mustOK(t, s.EachResponse(ctx, store.ExportQuery{InstitutionID: f.root.ID, SurveyID: f.survey.ID}, func(rs []domain.Response) error {
			batches = append(batches, len(rs))
			for _, r := range rs {
				if seen[r.ID] || r.ReceivedAt.Before(last) {
					t.Fatalf("response %s repeated or out of order (received %v after %v)", r.ID, r.ReceivedAt, last)
				}
				seen[r.ID], last = true, r.ReceivedAt
				i, err := strconv.Atoi(r.Comment)
				mustOK(t, err)
				if r.Answers["U1"] != 1+i%4 || r.Answers["U5"] != 1+i%3 || len(r.Answers) != 9 {
					t.Fatalf("response %d: answers %v", i, r.Answers)
				}
			}
			return nil
		}))
		if want := []int{10, 10, 5}; !slices.Equal(batches, want) {
			t.Errorf("batches of %v, want %v", batches, want)
		}
	})
}
