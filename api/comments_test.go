package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"suara/domain"
)

// submitTo posts one answer set to survey A (optionally for a unit below
// it) and returns the response id.
func (e *env) submitTo(n int, unitID string, answers map[string]any, extra map[string]any) string {
	e.t.Helper()
	if extra == nil {
		extra = map[string]any{}
	}
	if unitID != "" {
		extra["unit_id"] = unitID
	}
	rec := e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(n), answers, extra))
	wantStatus(e.t, rec, http.StatusCreated)
	return decodeJSON[receiptJSON](e.t, rec).ID
}

func withAnswer(base int, code string, v int) map[string]any {
	a := allAnswers(base)
	a[code] = v
	return a
}

func (e *env) auditCount(action, entityID string) int {
	e.t.Helper()
	entries, _, err := e.st.FindAuditEntries(context.Background(), domain.AuditFilter{EntityID: entityID, Page: pageAll})
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, a := range entries {
		if a.Action == action {
			n++
		}
	}
	return n
}

func TestComments(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a, a1 := e.instA.ID, e.unitA1.ID
		r1 := e.submitTo(1, a1, withAnswer(4, "U3", 1), map[string]any{"comment": "NIK saya 3201012345670001, hubungi 0812-3456-7890 atau budi@contoh.id"})
		r2 := e.submitTo(2, "", allAnswers(3), map[string]any{"comment": "Ruang tunggu PANAS sekali"})
		r3 := e.submitTo(3, "", allAnswers(2), nil) // no comment

		list := func(token, query string) listJSON[commentJSON] {
			t.Helper()
			rec := e.as(token, http.MethodGet, "/api/v1/units/"+a+"/comments"+query, "")
			wantStatus(t, rec, http.StatusOK)
			return decodeJSON[listJSON[commentJSON]](t, rec)
		}
		ids := func(l listJSON[commentJSON]) []string {
			var out []string
			for _, c := range l.Items {
				out = append(out, c.ResponseID)
			}
			return out
		}
		all := list(e.managerA, "")
		if diff := cmp.Diff([]string{r2, r1}, ids(all)); diff != "" {
			t.Fatalf("comments (-want +got):\n%s", diff)
		}
		got := all.Items[1]
		if got.Comment != "NIK saya ****************, hubungi ****-****-**** atau ***@***" || !got.Masked {
			t.Errorf("masked comment = %q (masked %v)", got.Comment, got.Masked)
		}
		if got.MinScore == nil || *got.MinScore != 1 || got.Status != "new" || got.UnitID != a1 || got.UnitName != e.unitA1.Name || got.Day != "2026-06-15" {
			t.Errorf("comment = %+v", got)
		}
		if all.Items[0].Masked || all.Items[0].Comment != "Ruang tunggu PANAS sekali" {
			t.Errorf("unmasked comment = %+v", all.Items[0])
		}
		// Search runs on the masked text: a masked number cannot be probed.
		for q, want := range map[string][]string{"0812": nil, "3201": nil, "contoh": nil, "hubungi": {r1}, "panas": {r2}} {
			if diff := cmp.Diff(want, ids(list(e.managerA, "?q="+q))); diff != "" {
				t.Errorf("q=%s (-want +got):\n%s", q, diff)
			}
		}
		if diff := cmp.Diff([]string{r1}, ids(list(e.managerA, "?max_score=1"))); diff != "" {
			t.Errorf("max_score=1 (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{r2, r1}, ids(list(e.managerA, "?max_score=3&status=new&from=2026-06-01&to=2026-06-30"))); diff != "" {
			t.Errorf("max_score=3 (-want +got):\n%s", diff)
		}
		if got := ids(list(e.managerA, "?from=2026-01-01&to=2026-03-31")); got != nil {
			t.Errorf("first quarter: %v", got)
		}
		// Pages.
		p1 := list(e.managerA, "?limit=1")
		if len(p1.Items) != 1 || p1.NextCursor == "" {
			t.Fatalf("page 1 = %+v", p1)
		}
		p2 := list(e.managerA, "?limit=1&cursor="+p1.NextCursor)
		if diff := cmp.Diff([]string{r1}, ids(p2)); diff != "" || p2.NextCursor != "" {
			t.Errorf("page 2 (-want +got):\n%s next %q", diff, p2.NextCursor)
		}
		// Scope: A1's manager sees A1's comment only; B's manager none of A's.
		rec := e.as(e.managerA1, http.MethodGet, "/api/v1/units/"+a1+"/comments", "")
		wantStatus(t, rec, http.StatusOK)
		if diff := cmp.Diff([]string{r1}, ids(decodeJSON[listJSON[commentJSON]](t, rec))); diff != "" {
			t.Errorf("A1's comments (-want +got):\n%s", diff)
		}
		wantStatus(t, e.as(e.managerA1, http.MethodGet, "/api/v1/units/"+a+"/comments", ""), http.StatusNotFound)
		wantStatus(t, e.as(e.managerB, http.MethodGet, "/api/v1/units/"+a+"/comments", ""), http.StatusNotFound)
		wantStatus(t, e.do(http.MethodGet, "/api/v1/units/"+a+"/comments", ""), http.StatusUnauthorized)
		for query, fields := range map[string][]string{
			"?max_score=5":                      {"max_score"},
			"?max_score=x&status=done":          {"max_score", "status"},
			"?from=2026-02-30":                  {"from"},
			"?q=" + strings.Repeat("a", 201):    {"q"},
			"?cursor=bm9wZQ":                    {"cursor"},
			"?limit=0":                          {"limit"},
			"?from=2026-06-30&to=2026-06-01":    {"to"},
			"?status=read&max_score=0&to=kemar": {"to", "max_score"},
		} {
			rec := e.as(e.managerA, http.MethodGet, "/api/v1/units/"+a+"/comments"+query, "")
			wantStatus(t, rec, http.StatusUnprocessableEntity)
			if diff := cmp.Diff(sortedCopy(fields), sortedCopy(problemFields(t, rec))); diff != "" {
				t.Errorf("%s: fields (-want +got):\n%s", query, diff)
			}
		}

		// Marking: a manager in scope, audited; viewers may not; others see nothing.
		path := "/api/v1/responses/" + r1 + "/comment-status"
		rec = e.as(e.managerA, http.MethodPatch, path, `{"status":"action"}`)
		wantStatus(t, rec, http.StatusOK)
		if st := decodeJSON[commentStatusJSON](t, rec); st.Status != "action" || st.ResponseID != r1 {
			t.Errorf("status = %+v", st)
		}
		wantStatus(t, e.as(e.managerA1, http.MethodPatch, path, `{"status":"read"}`), http.StatusOK)
		if diff := cmp.Diff([]string{r1}, ids(list(e.managerA, "?status=read"))); diff != "" {
			t.Errorf("status=read (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{r2}, ids(list(e.managerA, "?status=new"))); diff != "" {
			t.Errorf("status=new (-want +got):\n%s", diff)
		}
		if n := e.auditCount("comment.status", r1); n != 2 {
			t.Errorf("comment.status audit entries = %d, want 2", n)
		}
		wantStatus(t, e.as(e.viewerA, http.MethodPatch, path, `{"status":"read"}`), http.StatusForbidden)
		wantStatus(t, e.as(e.managerB, http.MethodPatch, path, `{"status":"read"}`), http.StatusNotFound)
		wantStatus(t, e.as(e.managerA, http.MethodPatch, "/api/v1/responses/"+r3+"/comment-status", `{"status":"read"}`), http.StatusNotFound)
		wantStatus(t, e.as(e.managerA, http.MethodPatch, "/api/v1/responses/nope/comment-status", `{"status":"read"}`), http.StatusNotFound)
		rec = e.as(e.managerA, http.MethodPatch, path, `{"status":"done"}`)
		wantStatus(t, rec, http.StatusUnprocessableEntity)
		if diff := cmp.Diff([]string{"status"}, problemFields(t, rec)); diff != "" {
			t.Errorf("bad status fields (-want +got):\n%s", diff)
		}
		wantStatus(t, e.as(e.managerA, http.MethodPatch, path, `{"status":`), http.StatusBadRequest)
		wantStatus(t, e.as(e.managerA, http.MethodPatch, path, `{"status":"read","x":1}`), http.StatusUnprocessableEntity)
		if n := e.auditCount("comment.status", r1); n != 2 {
			t.Errorf("refused changes were audited: %d entries", n)
		}

		// The original: administrators only, every reading audited.
		orig := "/api/v1/responses/" + r1 + "/comment-original"
		wantStatus(t, e.as(e.managerA, http.MethodGet, orig, ""), http.StatusForbidden)
		for i := 1; i <= 2; i++ {
			rec = e.as(e.admin, http.MethodGet, orig, "")
			wantStatus(t, rec, http.StatusOK)
			o := decodeJSON[commentOriginalJSON](t, rec)
			if !strings.Contains(o.Comment, "3201012345670001") || strings.Contains(o.Masked, "3201") {
				t.Errorf("original = %+v", o)
			}
			if n := e.auditCount("comment.read_original", r1); n != i {
				t.Errorf("after %d readings: %d audit entries", i, n)
			}
		}
		wantStatus(t, e.as(e.admin, http.MethodGet, "/api/v1/responses/"+r3+"/comment-original", ""), http.StatusNotFound)

		// The response list masks too.
		rec = e.as(e.managerA, http.MethodGet, "/api/v1/surveys/"+e.surveyA.ID+"/responses", "")
		wantStatus(t, rec, http.StatusOK)
		if strings.Contains(rec.Body.String(), "3201012345670001") || strings.Contains(rec.Body.String(), "budi@contoh.id") {
			t.Errorf("response list leaks personal data: %s", rec.Body)
		}
		// Its search cannot probe a masked number either.
		for q, want := range map[string]int{"0812": 0, "3201012345": 0, "hubungi": 1} {
			rec = e.as(e.managerA, http.MethodGet, "/api/v1/surveys/"+e.surveyA.ID+"/responses?q="+q, "")
			wantStatus(t, rec, http.StatusOK)
			if n := len(decodeJSON[listJSON[responseJSON]](t, rec).Items); n != want {
				t.Errorf("responses?q=%s: %d items, want %d", q, n, want)
			}
		}
		// So does the CSV export.
		rec = e.as(e.managerA, http.MethodGet, "/api/v1/surveys/"+e.surveyA.ID+"/responses.csv", "")
		wantStatus(t, rec, http.StatusOK)
		if body := rec.Body.String(); strings.Contains(body, "3201012345670001") || strings.Contains(body, "budi@contoh.id") || !strings.Contains(body, "****-****-****") {
			t.Errorf("CSV export does not mask: %s", body)
		}
	})
}

func TestSilentUnits(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		a2 := domain.Unit{Name: "Puskesmas Dahlia", Code: "PKM-A2", TimeZone: "Asia/Jakarta", ParentID: &e.instA.ID}
		if err := e.st.CreateUnit(ctx, &a2); err != nil {
			t.Fatal(err)
		}
		silent := func(token, unitID, query string) silentJSON {
			t.Helper()
			rec := e.as(token, http.MethodGet, "/api/v1/units/"+unitID+"/silent"+query, "")
			wantStatus(t, rec, http.StatusOK)
			return decodeJSON[silentJSON](t, rec)
		}
		type row struct {
			Unit string
			Last string
			Days int
		}
		rows := func(s silentJSON) []row {
			var out []row
			for _, it := range s.Items {
				last := ""
				if it.LastResponseDay != nil {
					last = *it.LastResponseDay
				}
				out = append(out, row{it.Code, last, it.DaysSilent})
			}
			return out
		}
		// Survey A opened 1 January: 166 days without a single answer, today included.
		got := silent(e.managerA, e.instA.ID, "")
		if got.Days != 7 || got.Today != "2026-06-15" {
			t.Errorf("days %d today %s", got.Days, got.Today)
		}
		if diff := cmp.Diff([]row{{"KOTA-A", "", 166}, {"PKM-A1", "", 166}, {"PKM-A2", "", 166}}, rows(got)); diff != "" {
			t.Errorf("before any answer (-want +got):\n%s", diff)
		}
		// A1 answered ten days ago (an offline phone); A2 never.
		e.submitTo(1, e.unitA1.ID, allAnswers(3), map[string]any{"captured_at": "2026-06-05T09:00:00+07:00"})
		if diff := cmp.Diff([]row{{"PKM-A2", "", 166}, {"KOTA-A", "2026-06-05", 10}, {"PKM-A1", "2026-06-05", 10}}, rows(silent(e.managerA, e.instA.ID, "?days=7"))); diff != "" {
			t.Errorf("days=7 (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]row{{"PKM-A2", "", 166}}, rows(silent(e.managerA, e.instA.ID, "?days=14"))); diff != "" {
			t.Errorf("days=14 (-want +got):\n%s", diff)
		}
		// An answer today for A2 leaves only A1 (and nothing under A is silent a week).
		e.submitTo(2, a2.ID, allAnswers(3), nil)
		if diff := cmp.Diff([]row{{"PKM-A1", "2026-06-05", 10}}, rows(silent(e.managerA, e.instA.ID, "?days=7"))); diff != "" {
			t.Errorf("after A2 answered (-want +got):\n%s", diff)
		}
		// A1's own manager sees A1 only; a closed survey covers nobody.
		if diff := cmp.Diff([]row{{"PKM-A1", "2026-06-05", 10}}, rows(silent(e.managerA1, e.unitA1.ID, ""))); diff != "" {
			t.Errorf("A1's view (-want +got):\n%s", diff)
		}
		if got := rows(silent(e.managerB, e.instB.ID, "")); len(got) != 1 {
			t.Errorf("B with an open survey: %v", got)
		}
		closed := true
		if _, err := e.st.UpdateSurvey(ctx, e.surveyB.ID, domain.SurveyUpdate{Closed: &closed}); err != nil {
			t.Fatal(err)
		}
		if got := rows(silent(e.managerB, e.instB.ID, "")); got != nil {
			t.Errorf("B with its survey closed: %v", got)
		}
		// Scope and bad input.
		wantStatus(t, e.as(e.managerB, http.MethodGet, "/api/v1/units/"+e.instA.ID+"/silent", ""), http.StatusNotFound)
		wantStatus(t, e.as(e.managerA1, http.MethodGet, "/api/v1/units/"+e.instA.ID+"/silent", ""), http.StatusNotFound)
		for _, q := range []string{"?days=0", "?days=366", "?days=x", "?days=-1"} {
			rec := e.as(e.managerA, http.MethodGet, "/api/v1/units/"+e.instA.ID+"/silent"+q, "")
			wantStatus(t, rec, http.StatusUnprocessableEntity)
			if diff := cmp.Diff([]string{"days"}, problemFields(t, rec)); diff != "" {
				t.Errorf("%s fields (-want +got):\n%s", q, diff)
			}
		}
	})
}

func TestFollowUpSuggestions(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		for i := 0; i < 4; i++ {
			a := withAnswer(4, "U3", 1)
			a["U8"], a["U5"] = 2, 3
			e.submitTo(i, e.unitA1.ID, a, nil)
		}
		path := "/api/v1/units/" + e.instA.ID + "/followups/suggestions?from=2026-04-01&to=2026-06-30"
		rec := e.as(e.viewerA, http.MethodGet, path, "")
		wantStatus(t, rec, http.StatusOK)
		got := decodeJSON[suggestionsJSON](t, rec)
		var codes []string
		for _, it := range got.Items {
			codes = append(codes, it.Element)
		}
		if diff := cmp.Diff([]string{"U3", "U8", "U5"}, codes); diff != "" {
			t.Fatalf("weakest (-want +got):\n%s", diff)
		}
		first := got.Items[0]
		if first.NRR == nil || *first.NRR != 1 || first.Grade == nil || *first.Grade != "D" || first.Name != "Waktu Penyelesaian" ||
			first.ElementID != "waktu" || first.Respondents != 4 || first.HasFollowUp || got.Respondents != 4 {
			t.Errorf("first suggestion = %+v", first)
		}
		if first.Activity == "" || first.Activity != first.ActivityText.ID || first.ActivityText.EN == "" {
			t.Errorf("activity = %q %+v", first.Activity, first.ActivityText)
		}
		en := decodeJSON[suggestionsJSON](t, e.as(e.viewerA, http.MethodGet, path, "", header("Accept-Language", "en")))
		if en.Items[0].Activity != first.ActivityText.EN || en.Items[0].Name != "Completion time" {
			t.Errorf("English = %+v", en.Items[0])
		}
		wantStatus(t, e.as(e.managerA, http.MethodPost, "/api/v1/units/"+e.instA.ID+"/followups",
			`{"element":"U3","activity":"Menambah loket","due":"2026-09-30"}`), http.StatusCreated)
		again := decodeJSON[suggestionsJSON](t, e.as(e.viewerA, http.MethodGet, path, ""))
		if !again.Items[0].HasFollowUp || again.Items[1].HasFollowUp {
			t.Errorf("has_followup = %v %v", again.Items[0].HasFollowUp, again.Items[1].HasFollowUp)
		}
		empty := decodeJSON[suggestionsJSON](t, e.as(e.viewerA, http.MethodGet, "/api/v1/units/"+e.instA.ID+"/followups/suggestions?from=2025-01-01&to=2025-12-31", ""))
		if len(empty.Items) != 0 || empty.Respondents != 0 {
			t.Errorf("a year without answers = %+v", empty)
		}
		wantStatus(t, e.as(e.managerB, http.MethodGet, path, ""), http.StatusNotFound)
		rec = e.as(e.viewerA, http.MethodGet, "/api/v1/units/"+e.instA.ID+"/followups/suggestions?from=2026-13-01&to=x", "")
		wantStatus(t, rec, http.StatusUnprocessableEntity)
		if diff := cmp.Diff([]string{"from", "to"}, problemFields(t, rec)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
	})
}
