package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"suara/domain"
	"suara/store"
)

// answers builds a submission body.
func submission(clientID string, answers map[string]any, extra map[string]any) string {
	m := map[string]any{"client_id": clientID, "answers": answers}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func allAnswers(v int) map[string]any {
	out := map[string]any{}
	for i := 1; i <= 9; i++ {
		out[fmt.Sprintf("U%d", i)] = v
	}
	return out
}

func uuidN(n int) string { return fmt.Sprintf("0b5e0000-0000-4000-8000-%012d", n) }

func (e *env) submitPath(sv domain.Survey) string {
	return "/api/v1/public/surveys/" + sv.Slug + "/responses"
}

func TestPublicForm(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		rec := e.do(http.MethodGet, "/api/v1/public/surveys/"+e.surveyA.Slug, "")
		wantStatus(t, rec, http.StatusOK)
		form := decodeJSON[publicFormJSON](t, rec)
		if form.Unit.ID != e.instA.ID || len(form.Units) != 1 || form.Units[0].ID != e.unitA1.ID {
			t.Errorf("unit %v, units %v; want A with child A1", form.Unit, form.Units)
		}
		if len(form.Services) != 2 {
			t.Errorf("services = %v, want A's and A1's", form.Services)
		}
		var codes []string
		for _, q := range form.Questions {
			if q.Kind == domain.KindElement {
				codes = append(codes, q.Code)
			}
		}
		if diff := cmp.Diff([]string{"U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"}, codes); diff != "" {
			t.Errorf("element questions (-want +got):\n%s", diff)
		}
		wantStatus(t, e.do(http.MethodGet, "/api/v1/public/surveys/nosuchslug", ""), http.StatusNotFound)
		closed := true
		if _, err := e.st.UpdateSurvey(context.Background(), e.surveyB.ID, domain.SurveyUpdate{Closed: &closed}); err != nil {
			t.Fatal(err)
		}
		rec = e.do(http.MethodGet, "/api/v1/public/surveys/"+e.surveyB.Slug, "")
		wantStatus(t, rec, http.StatusGone)
		if p := problem(t, rec); p.Code != "survey_closed" {
			t.Errorf("code = %q, want survey_closed", p.Code)
		}
	})
}

func TestSubmitResponse(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		// A survey not open yet, and one that ended last month.
		future := domain.Survey{UnitID: e.instA.ID, TemplateVersionID: e.versionID, Title: "Nanti", StartsOn: "2026-07-01", EndsOn: "2026-12-31"}
		ended := domain.Survey{UnitID: e.instA.ID, TemplateVersionID: e.versionID, Title: "Lalu", StartsOn: "2026-01-01", EndsOn: "2026-06-10"}
		for _, sv := range []*domain.Survey{&future, &ended} {
			if err := e.st.CreateSurvey(ctx, sv); err != nil {
				t.Fatal(err)
			}
		}
		closedSv := domain.Survey{UnitID: e.instA.ID, TemplateVersionID: e.versionID, Title: "Tutup", StartsOn: "2026-01-01", EndsOn: "2026-12-31"}
		if err := e.st.CreateSurvey(ctx, &closedSv); err != nil {
			t.Fatal(err)
		}
		yes := true
		if _, err := e.st.UpdateSurvey(ctx, closedSv.ID, domain.SurveyUpdate{Closed: &yes}); err != nil {
			t.Fatal(err)
		}
		bad := allAnswers(4)
		delete(bad, "U2")
		bad["U3"] = 5
		bad["U4"] = "empat"
		bad["U99"] = 1
		long := strings.Repeat("a", 1001)
		tests := []struct {
			name       string
			path       string
			body       string
			opts       []reqOpt
			wantStatus int
			wantFields []string
		}{
			{"ok", e.submitPath(e.surveyA), submission(uuidN(1), allAnswers(4), nil), nil, 201, nil},
			{"ok for a child unit and its service", e.submitPath(e.surveyA), submission(uuidN(2), allAnswers(3),
				map[string]any{"unit_id": e.unitA1.ID, "service_id": e.svcA1.ID, "profile": map[string]any{"age": 34, "gender": "female"}, "comment": "Antrian lama."}), nil, 201, nil},
			{"unknown fields tolerated", e.submitPath(e.surveyA), submission(uuidN(3), allAnswers(2), map[string]any{"app_version": "9.9"}), nil, 201, nil},
			{"offline answer from yesterday", e.submitPath(e.surveyA), submission(uuidN(4), allAnswers(3),
				map[string]any{"captured_at": testNow.Add(-24 * time.Hour).Format(time.RFC3339)}), nil, 201, nil},
			{"clock a little ahead is clamped", e.submitPath(e.surveyA), submission(uuidN(5), allAnswers(3),
				map[string]any{"captured_at": testNow.Add(2 * time.Minute).Format(time.RFC3339)}), nil, 201, nil},
			{"late answer to an ended survey", e.submitPath(ended), submission(uuidN(6), allAnswers(3),
				map[string]any{"captured_at": "2026-06-10T15:00:00+07:00"}), nil, 201, nil},
			{"every bad answer at once", e.submitPath(e.surveyA), submission("not-a-uuid", bad, map[string]any{"comment": long}), nil, 422,
				[]string{"answers.U2", "answers.U3", "answers.U4", "answers.U99", "client_id", "comment"}},
			{"bad unit and service", e.submitPath(e.surveyA), submission(uuidN(7), allAnswers(4),
				map[string]any{"unit_id": e.instB.ID, "service_id": e.svcB.ID}), nil, 422, []string{"service_id", "unit_id"}},
			{"service of another unit", e.submitPath(e.surveyA), submission(uuidN(8), allAnswers(4),
				map[string]any{"unit_id": e.unitA1.ID, "service_id": e.svcA.ID}), nil, 422, []string{"service_id"}},
			{"unknown service", e.submitPath(e.surveyA), submission(uuidN(9), allAnswers(4),
				map[string]any{"service_id": "00000000-0000-4000-8000-000000000000"}), nil, 422, []string{"service_id"}},
			{"captured in the future", e.submitPath(e.surveyA), submission(uuidN(10), allAnswers(4),
				map[string]any{"captured_at": testNow.Add(time.Hour).Format(time.RFC3339)}), nil, 422, []string{"captured_at"}},
			{"captured too long ago", e.submitPath(e.surveyA), submission(uuidN(11), allAnswers(4),
				map[string]any{"captured_at": testNow.Add(-15 * 24 * time.Hour).Format(time.RFC3339)}), nil, 422, []string{"captured_at"}},
			{"captured before the survey opened", e.submitPath(ended), submission(uuidN(12), allAnswers(4),
				map[string]any{"captured_at": "2025-12-31T10:00:00+07:00"}), nil, 422, []string{"captured_at"}},
			{"captured_at not a time", e.submitPath(e.surveyA), submission(uuidN(13), allAnswers(4),
				map[string]any{"captured_at": "kemarin"}), nil, 422, []string{"captured_at"}},
			{"type error", e.submitPath(e.surveyA), `{"client_id":5,"answers":{"U1":4}}`, nil, 422, []string{"client_id"}},
			// PostgreSQL cannot store a NUL: refused here, it never reaches a batch.
			{"NUL in the comment and a profile value", e.submitPath(e.surveyA), submission(uuidN(20), allAnswers(4),
				map[string]any{"comment": "baik\x00sekali", "profile": map[string]any{"gender": "female\x00"}}), nil, 422, []string{"comment", "profile.gender"}},
			{"ended survey today", e.submitPath(ended), submission(uuidN(14), allAnswers(4), nil), nil, 410, nil},
			{"not open yet", e.submitPath(future), submission(uuidN(15), allAnswers(4), nil), nil, 410, nil},
			{"closed early", e.submitPath(closedSv), submission(uuidN(16), allAnswers(4), nil), nil, 410, nil},
			{"unknown slug", "/api/v1/public/surveys/tidakada/responses", submission(uuidN(17), allAnswers(4), nil), nil, 404, nil},
			{"malformed", e.submitPath(e.surveyA), `{"client_id":`, nil, 400, nil},
			{"too large", e.submitPath(e.surveyA), submission(uuidN(18), allAnswers(4), map[string]any{"pad": strings.Repeat("x", 17<<10)}), nil, 413, nil},
			{"too large, chunked", e.submitPath(e.surveyA), submission(uuidN(19), allAnswers(4), map[string]any{"pad": strings.Repeat("x", 17<<10)}), []reqOpt{chunked()}, 413, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rec := e.do(http.MethodPost, tt.path, tt.body, tt.opts...)
				if rec.Code != tt.wantStatus {
					t.Fatalf("status = %d, want %d; body: %s", rec.Code, tt.wantStatus, rec.Body)
				}
				if diff := cmp.Diff(tt.wantFields, problemFields(t, rec)); diff != "" {
					t.Errorf("problem fields (-want +got):\n%s", diff)
				}
			})
		}
		// What was stored, where.
		rs, _, err := e.st.FindResponses(ctx, domain.ResponseFilter{Page: pageAll})
		if err != nil {
			t.Fatal(err)
		}
		byClient := map[string]domain.Response{}
		for _, r := range rs {
			byClient[r.ClientID] = r
		}
		if len(rs) != 6 {
			t.Errorf("stored %d responses, want 6", len(rs))
		}
		if r := byClient[uuidN(2)]; r.UnitID != e.unitA1.ID || r.ServiceID == nil || *r.ServiceID != e.svcA1.ID || r.Profile["age"] != "34" {
			t.Errorf("child-unit response = %+v", r)
		}
		if r := byClient[uuidN(4)]; r.Day != "2026-06-14" {
			t.Errorf("offline answer day = %s, want 2026-06-14", r.Day)
		}
		if r := byClient[uuidN(5)]; !r.CapturedAt.Equal(testNow) {
			t.Errorf("clamped captured_at = %s, want %s", r.CapturedAt, testNow)
		}
		if r := byClient[uuidN(6)]; r.Day != "2026-06-10" {
			t.Errorf("late answer day = %s, want 2026-06-10", r.Day)
		}
	})
}

func TestSubmitReplay(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		body := submission(uuidN(1), allAnswers(4), nil)
		first := e.do(http.MethodPost, e.submitPath(e.surveyA), body)
		wantStatus(t, first, http.StatusCreated)
		again := e.do(http.MethodPost, e.submitPath(e.surveyA), body)
		wantStatus(t, again, http.StatusOK)
		if diff := cmp.Diff(decodeJSON[receiptJSON](t, first), decodeJSON[receiptJSON](t, again)); diff != "" {
			t.Errorf("replay body (-first +replay):\n%s", diff)
		}
		// Even with other answers, the first one stands.
		other := e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(1), allAnswers(1), nil))
		wantStatus(t, other, http.StatusOK)
		rs, _, err := e.st.FindResponses(context.Background(), domain.ResponseFilter{Page: pageAll})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || rs[0].Answers["U1"] != 4 {
			t.Errorf("stored %+v, want exactly the first response", rs)
		}
		r := decodeJSON[receiptJSON](t, first)
		if !domain.IsUUID(r.ID) || !strings.HasPrefix(r.Receipt, "SKM-") {
			t.Errorf("receipt = %+v", r)
		}
	})
}

func TestSubmitReplayAfterSurveyClosed(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		body := submission(uuidN(7), allAnswers(3), nil)
		first := e.do(http.MethodPost, e.submitPath(e.surveyA), body)
		wantStatus(t, first, http.StatusCreated)
		closed := true
		if _, err := e.st.UpdateSurvey(context.Background(), e.surveyA.ID, domain.SurveyUpdate{Closed: &closed}); err != nil {
			t.Fatal(err)
		}
		// Closed behind this server's back (as another replica would):
		// its survey cache may answer for publicCacheTTL; skip the wait.
		e.srv.public.reset()
		// A phone whose acknowledgement was lost retries after closing time:
		// it gets its first receipt, not an error it would retry forever.
		again := e.do(http.MethodPost, e.submitPath(e.surveyA), body)
		wantStatus(t, again, http.StatusOK)
		if diff := cmp.Diff(decodeJSON[receiptJSON](t, first), decodeJSON[receiptJSON](t, again)); diff != "" {
			t.Errorf("replay body (-first +replay):\n%s", diff)
		}
		fresh := e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(8), allAnswers(3), nil))
		wantStatus(t, fresh, http.StatusGone)
	})
}

// Closing a survey through this server takes effect at once, although the
// server keeps public surveys in memory for a moment.
func TestSubmitAfterCloseThroughAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		wantStatus(t, e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(9), allAnswers(3), nil)), http.StatusCreated)
		close := e.as(e.admin, http.MethodPatch, "/api/v1/surveys/"+e.surveyA.ID, `{"closed": true}`)
		wantStatus(t, close, http.StatusOK)
		wantStatus(t, e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(10), allAnswers(3), nil)), http.StatusGone)
	})
}

func TestSubmitMessagesFollowLanguage(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		body := submission(uuidN(1), map[string]any{"U1": 9}, nil)
		id := problem(t, e.do(http.MethodPost, e.submitPath(e.surveyA), body))
		en := problem(t, e.do(http.MethodPost, e.submitPath(e.surveyA), body, header("Accept-Language", "en-US,en;q=0.9,id;q=0.5")))
		if id.Title != "Data tidak sah" || en.Title != "Unprocessable content" {
			t.Errorf("titles = %q / %q", id.Title, en.Title)
		}
		find := func(p problemJSON, field string) fieldProblemJSON {
			for _, f := range p.Errors {
				if f.Field == field {
					return f
				}
			}
			t.Fatalf("no error for %s in %+v", field, p.Errors)
			return fieldProblemJSON{}
		}
		if got := find(id, "answers.U1").Message; got != "Nilai harus antara 1 dan 4." {
			t.Errorf("id message = %q", got)
		}
		if got := find(en, "answers.U1").Message; got != "Must be between 1 and 4." {
			t.Errorf("en message = %q", got)
		}
		if id.Type != "urn:suara:problem:invalid" || id.Code != "invalid" {
			t.Errorf("type/code = %q/%q", id.Type, id.Code)
		}
	})
}

// TestSubmitConcurrent: 200 goroutines, a quarter of them replaying
// another's client_id, leave exactly one row per client_id, and the
// rollups kept by the writer equal a rebuild from the responses.
func TestSubmitConcurrent(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		const n = 200
		const distinct = 150
		var wg sync.WaitGroup
		codes := make([]int, n)
		bodies := make([]receiptJSON, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := i % distinct // 50 replays of the first 50 ids
				unit := e.instA.ID
				if id%3 == 0 {
					unit = e.unitA1.ID
				}
				body := submission(uuidN(id), allAnswers(1+id%4), map[string]any{"unit_id": unit,
					"profile": map[string]any{"gender": []string{"male", "female"}[id%2], "age": 20 + id%40}})
				rec := e.do(http.MethodPost, e.submitPath(e.surveyA), body)
				codes[i] = rec.Code
				if rec.Code < 300 {
					_ = json.Unmarshal(rec.Body.Bytes(), &bodies[i])
				}
			}()
		}
		wg.Wait()
		created, replayed := 0, 0
		for i, c := range codes {
			switch c {
			case http.StatusCreated:
				created++
			case http.StatusOK:
				replayed++
			default:
				t.Errorf("request %d: status %d", i, c)
			}
		}
		if created != distinct || replayed != n-distinct {
			t.Errorf("created %d, replayed %d; want %d and %d", created, replayed, distinct, n-distinct)
		}
		for i := distinct; i < n; i++ {
			if bodies[i] != bodies[i-distinct] {
				t.Errorf("client %d got %v and %v", i-distinct, bodies[i-distinct], bodies[i])
			}
		}
		ctx := context.Background()
		rs, _, err := e.st.FindResponses(ctx, domain.ResponseFilter{Page: domain.Page{Limit: 1000}})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != distinct {
			t.Errorf("stored %d responses, want %d", len(rs), distinct)
		}
		before, err := e.st.RollupSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.RebuildRollups(ctx, nil); err != nil {
			t.Fatal(err)
		}
		after, err := e.st.RollupSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(after, before); diff != "" {
			t.Errorf("rollups differ from a rebuild (-rebuilt +kept):\n%s", diff)
		}
	})
}

// TestSubmitUnavailable: when the writer cannot commit, the citizen gets
// 503 with Retry-After, nothing is stored, and the same client_id later
// goes through.
func TestSubmitUnavailable(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	so := store.Options{Writer: store.WriterOptions{BeforeCommit: func(int) error {
		if failing.Load() {
			return errors.New("disk full")
		}
		return nil
	}}}
	eachStoreWith(t, so, Options{}, func(t *testing.T, e *env) {
		failing.Store(true)
		body := submission(uuidN(1), allAnswers(4), nil)
		rec := e.do(http.MethodPost, e.submitPath(e.surveyA), body)
		wantStatus(t, rec, http.StatusServiceUnavailable)
		if p := problem(t, rec); p.Code != "write_failed" || rec.Header().Get("Retry-After") == "" {
			t.Errorf("503 = %+v, Retry-After %q", p, rec.Header().Get("Retry-After"))
		}
		failing.Store(false)
		wantStatus(t, e.do(http.MethodPost, e.submitPath(e.surveyA), body), http.StatusCreated)
	})
}

// TestSubmitDeadline: a commit that does not finish (a frozen database)
// does not hold the phone past SubmitTimeout: it gets 503 with
// Retry-After, and once the commit went through, the retry with the same
// client_id gets the stored receipt.
func TestSubmitDeadline(t *testing.T) {
	var stuck atomic.Bool
	release := make(chan struct{})
	so := store.Options{Writer: store.WriterOptions{BeforeCommit: func(int) error {
		if stuck.Load() {
			<-release
		}
		return nil
	}}}
	eachStoreWith(t, so, Options{SubmitTimeout: 100 * time.Millisecond}, func(t *testing.T, e *env) {
		stuck.Store(true)
		release = make(chan struct{})
		body := submission(uuidN(7), allAnswers(4), nil)
		rec := e.do(http.MethodPost, e.submitPath(e.surveyA), body)
		wantStatus(t, rec, http.StatusServiceUnavailable)
		if p := problem(t, rec); p.Code != "timeout" || rec.Header().Get("Retry-After") == "" {
			t.Errorf("503 = %+v, Retry-After %q", p, rec.Header().Get("Retry-After"))
		}
		stuck.Store(false)
		close(release) // the batch commits after its caller gave up
		for range 100 {
			rec = e.do(http.MethodPost, e.submitPath(e.surveyA), body)
			if rec.Code != http.StatusServiceUnavailable {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		wantStatus(t, rec, http.StatusOK) // a replay: the first attempt was stored
		var n int64
		err := e.st.DB().Raw(`SELECT COUNT(*) FROM responses`).Scan(&n).Error
		if err != nil || n != 1 {
			t.Errorf("stored %d responses (%v), want 1", n, err)
		}
	})
}
