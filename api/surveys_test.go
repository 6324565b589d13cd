package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"suara/survey"
)

func TestSurveys(t *testing.T) {
	eachDBWith(t, Options{BaseURL: "https://skm.example.go.id/"}, func(t *testing.T, e *env) {
		ok := `{"unit_id":"` + e.unitA1.ID + `","template_version_id":"` + e.versionID + `","title":"SKM 2026 Semester 2","starts_on":"2026-07-01","ends_on":"2026-12-31","population":12000}`
		tests := []struct {
			name       string
			token      string
			body       string
			wantStatus int
			wantFields []string
		}{
			{"manager creates", e.managerA, ok, 201, nil},
			{"every bad field", e.managerA, `{"unit_id":"x","title":"","starts_on":"2026-02-30","ends_on":"soon","population":-1}`, 422,
				[]string{"unit_id", "template_version_id", "title", "starts_on", "ends_on", "population"}},
			{"dates reversed", e.managerA, strings.Replace(ok, `"starts_on":"2026-07-01"`, `"starts_on":"2027-01-01"`, 1), 422, []string{"ends_on"}},
			{"unit out of scope", e.managerB, ok, 422, []string{"unit_id"}},
			{"unknown version", e.managerA, strings.Replace(ok, e.versionID, "00000000-0000-4000-8000-000000000000", 1), 422, []string{"template_version_id"}},
			{"viewer", e.viewerA, ok, 403, nil},
			{"no token", "", ok, 401, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rec := e.as(tt.token, http.MethodPost, "/api/v1/surveys", tt.body)
				wantStatus(t, rec, tt.wantStatus)
				if diff := cmp.Diff(tt.wantFields, problemFields(t, rec)); diff != "" {
					t.Errorf("problem fields (-want +got):\n%s", diff)
				}
			})
		}
		rec := e.as(e.managerA, http.MethodPost, "/api/v1/surveys", ok)
		wantStatus(t, rec, http.StatusCreated)
		sv := decodeJSON[surveyJSON](t, rec)
		if sv.URL != "https://skm.example.go.id/s/"+sv.Slug || sv.RequiredSample != survey.KrejcieMorgan(12000) || sv.LateDays != 14 {
			t.Errorf("survey = %+v", sv)
		}

		get := []struct {
			name       string
			token      string
			id         string
			wantStatus int
		}{
			{"own", e.viewerA, sv.ID, 200},
			{"child manager sees the child's survey", e.managerA1, sv.ID, 200},
			{"child manager cannot see the parent's", e.managerA1, e.surveyA.ID, 404},
			{"other institution", e.managerB, sv.ID, 404},
			{"unknown", e.admin, "00000000-0000-4000-8000-000000000000", 404},
		}
		for _, tt := range get {
			t.Run("get "+tt.name, func(t *testing.T) {
				wantStatus(t, e.as(tt.token, http.MethodGet, "/api/v1/surveys/"+tt.id, ""), tt.wantStatus)
			})
		}

		patch := []struct {
			name       string
			token      string
			id         string
			body       string
			wantStatus int
			wantFields []string
		}{
			{"close early", e.managerA1, sv.ID, `{"closed":true,"population":15000}`, 200, nil},
			{"end before start", e.managerA1, sv.ID, `{"ends_on":"2026-06-30"}`, 422, []string{"ends_on"}},
			{"bad", e.managerA1, sv.ID, `{"late_days":365,"title":""}`, 422, []string{"title", "late_days"}},
			{"unknown field", e.managerA1, sv.ID, `{"slug":"mine"}`, 422, []string{"slug"}},
			{"viewer", e.viewerA, sv.ID, `{"closed":false}`, 403, nil},
			{"other institution", e.managerB, sv.ID, `{"closed":false}`, 404, nil},
		}
		for _, tt := range patch {
			t.Run("patch "+tt.name, func(t *testing.T) {
				rec := e.as(tt.token, http.MethodPatch, "/api/v1/surveys/"+tt.id, tt.body)
				wantStatus(t, rec, tt.wantStatus)
				if diff := cmp.Diff(tt.wantFields, problemFields(t, rec)); diff != "" {
					t.Errorf("problem fields (-want +got):\n%s", diff)
				}
			})
		}
		after := decodeJSON[surveyJSON](t, e.as(e.admin, http.MethodGet, "/api/v1/surveys/"+sv.ID, ""))
		if !after.Closed || after.Population != 15000 || after.RequiredSample != survey.KrejcieMorgan(15000) {
			t.Errorf("after patch = %+v", after)
		}
		entries, _, err := e.st.FindAudit(t.Context(), sv.ID, pageAll)
		if err != nil || len(entries) != 2 {
			t.Errorf("audit entries = %d (%v), want create and update", len(entries), err)
		}

		// Lists leave out what is outside the scope.
		list := func(token, query string) []string {
			rec := e.as(token, http.MethodGet, "/api/v1/surveys"+query, "")
			wantStatus(t, rec, http.StatusOK)
			var ids []string
			for _, s := range decodeJSON[listJSON[surveyJSON]](t, rec).Items {
				ids = append(ids, s.ID)
			}
			return sortedCopy(ids)
		}
		contains := func(ids []string, id string) bool {
			for _, x := range ids {
				if x == id {
					return true
				}
			}
			return false
		}
		ofA, ofB, ofA1 := list(e.managerA, ""), list(e.managerB, ""), list(e.managerA, "?unit_id="+e.unitA1.ID)
		if len(ofA) != 3 || !contains(ofA, e.surveyA.ID) || !contains(ofA, sv.ID) || contains(ofA, e.surveyB.ID) {
			t.Errorf("manager A's surveys = %v", ofA)
		}
		if diff := cmp.Diff([]string{e.surveyB.ID}, ofB); diff != "" {
			t.Errorf("manager B's surveys (-want +got):\n%s", diff)
		}
		if len(ofA1) != 2 || !contains(ofA1, sv.ID) || contains(ofA1, e.surveyA.ID) {
			t.Errorf("A1's surveys = %v", ofA1)
		}
		wantStatus(t, e.as(e.managerB, http.MethodGet, "/api/v1/surveys?unit_id="+e.unitA1.ID, ""), http.StatusNotFound)
	})
}

func TestListResponses(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		for i := range 3 {
			rec := e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(i), allAnswers(3),
				map[string]any{"comment": []string{"Antrian lama", "Petugas ramah", "Ruang tunggu panas"}[i]}))
			wantStatus(t, rec, http.StatusCreated)
		}
		wantStatus(t, e.do(http.MethodPost, e.submitPath(e.surveyB), submission(uuidN(9), allAnswers(1), nil)), http.StatusCreated)
		rec := e.as(e.viewerA, http.MethodGet, "/api/v1/surveys/"+e.surveyA.ID+"/responses?limit=2", "")
		wantStatus(t, rec, http.StatusOK)
		page := decodeJSON[listJSON[responseJSON]](t, rec)
		if len(page.Items) != 2 || page.NextCursor == "" || page.Items[0].Answers["U1"] != 3 {
			t.Fatalf("first page = %+v", page)
		}
		rec = e.as(e.viewerA, http.MethodGet, "/api/v1/surveys/"+e.surveyA.ID+"/responses?limit=2&cursor="+page.NextCursor, "")
		next := decodeJSON[listJSON[responseJSON]](t, rec)
		if len(next.Items) != 1 || next.NextCursor != "" {
			t.Errorf("second page = %+v", next)
		}
		rec = e.as(e.viewerA, http.MethodGet, "/api/v1/surveys/"+e.surveyA.ID+"/responses?q=ramah", "")
		found := decodeJSON[listJSON[responseJSON]](t, rec)
		if len(found.Items) != 1 || found.Items[0].Comment != "Petugas ramah" {
			t.Errorf("search = %+v", found)
		}
		wantStatus(t, e.as(e.viewerA, http.MethodGet, "/api/v1/surveys/"+e.surveyB.ID+"/responses", ""), http.StatusNotFound)
		wantStatus(t, e.as(e.viewerA, http.MethodGet, "/api/v1/surveys/"+e.surveyA.ID+"/responses?from=x", ""), http.StatusUnprocessableEntity)
		wantStatus(t, e.do(http.MethodGet, "/api/v1/surveys/"+e.surveyA.ID+"/responses", ""), http.StatusUnauthorized)
	})
}
