package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"suara/survey"
)

func questionsJSON(t *testing.T) string {
	b, err := json.Marshal(survey.BuiltinQuestions())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTemplates(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		qs := questionsJSON(t)
		rec := e.as(e.viewerA, http.MethodGet, "/api/v1/templates", "")
		wantStatus(t, rec, http.StatusOK)
		list := decodeJSON[listJSON[templateJSON]](t, rec)
		if len(list.Items) != 1 || list.Items[0].Code != "permenpanrb-14-2017" || list.Items[0].LatestVersionID != e.versionID {
			t.Fatalf("templates = %+v", list)
		}
		tests := []struct {
			name       string
			token      string
			method     string
			path       string
			body       string
			wantStatus int
			wantFields []string
		}{
			{"create", e.admin, "POST", "/api/v1/templates", `{"code":"skm-rs","name":"SKM Rumah Sakit","questions":` + qs + `}`, 201, nil},
			{"code taken", e.admin, "POST", "/api/v1/templates", `{"code":"permenpanrb-14-2017","name":"X","questions":` + qs + `}`, 409, []string{"code"}},
			{"bad questions", e.admin, "POST", "/api/v1/templates", `{"code":"x1","name":"X","questions":[{"code":"U1","kind":"element","element":"","label":{"id":"A"},"options":[]},{"code":"U1","kind":"slider","label":{"id":"B"}}]}`, 422,
				[]string{"questions[0].element", "questions[0].options", "questions[1].code", "questions[1].kind"}},
			{"shape errors", e.admin, "POST", "/api/v1/templates", `{"code":"","questions":[{"kind":"nope","label":{"id":""}}]}`, 422,
				[]string{"code", "name", "questions[0].code", "questions[0].kind", "questions[0].label.id"}},
			{"manager cannot", e.managerA, "POST", "/api/v1/templates", `{"code":"x2","name":"X","questions":` + qs + `}`, 403, nil},
			{"get", e.viewerA, "GET", "/api/v1/templates/" + list.Items[0].ID, "", 200, nil},
			{"get unknown", e.viewerA, "GET", "/api/v1/templates/00000000-0000-4000-8000-000000000000", "", 404, nil},
			{"get version", e.viewerA, "GET", "/api/v1/template-versions/" + e.versionID, "", 200, nil},
			{"publish twice", e.admin, "POST", "/api/v1/template-versions/" + e.versionID + "/publish", "", 409, nil},
			{"new version of unknown", e.admin, "POST", "/api/v1/templates/00000000-0000-4000-8000-000000000000/versions", `{"questions":` + qs + `}`, 404, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rec := e.as(tt.token, tt.method, tt.path, tt.body)
				wantStatus(t, rec, tt.wantStatus)
				if diff := cmp.Diff(tt.wantFields, problemFields(t, rec)); diff != "" {
					t.Errorf("problem fields (-want +got):\n%s", diff)
				}
			})
		}
		// Draft → survey refused → publish → survey accepted.
		rec = e.as(e.admin, http.MethodPost, "/api/v1/templates/"+list.Items[0].ID+"/versions", `{"questions":`+qs+`}`)
		wantStatus(t, rec, http.StatusCreated)
		v := decodeJSON[templateVersionJSON](t, rec)
		if v.Status != "draft" || v.Number != 2 {
			t.Fatalf("new version = %+v", v)
		}
		body := `{"unit_id":"` + e.instA.ID + `","template_version_id":"` + v.ID + `","title":"T","starts_on":"2026-01-01","ends_on":"2026-12-31"}`
		rec = e.as(e.managerA, http.MethodPost, "/api/v1/surveys", body)
		wantStatus(t, rec, http.StatusUnprocessableEntity)
		if diff := cmp.Diff([]string{"template_version_id"}, problemFields(t, rec)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		wantStatus(t, e.as(e.managerA, http.MethodPost, "/api/v1/template-versions/"+v.ID+"/publish", ""), http.StatusForbidden)
		rec = e.as(e.admin, http.MethodPost, "/api/v1/template-versions/"+v.ID+"/publish", "")
		wantStatus(t, rec, http.StatusOK)
		if decodeJSON[templateVersionJSON](t, rec).PublishedAt == nil {
			t.Error("published_at is null after publishing")
		}
		wantStatus(t, e.as(e.managerA, http.MethodPost, "/api/v1/surveys", body), http.StatusCreated)
	})
}

func TestFollowUps(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ok := `{"element":"U3","activity":"Tambah loket antrian","owner":"Kepala TU","due":"2026-09-30"}`
		base := "/api/v1/units/" + e.unitA1.ID + "/followups"
		tests := []struct {
			name       string
			token      string
			method     string
			path       string
			body       string
			wantStatus int
			wantFields []string
		}{
			{"create", e.managerA1, "POST", base, ok, 201, nil},
			{"bad", e.managerA1, "POST", base, `{"element":"","activity":"","due":"2026-31-09","status":"maybe"}`, 422, []string{"element", "activity", "due", "status"}},
			{"viewer", e.viewerA, "POST", base, ok, 403, nil},
			{"other scope", e.managerB, "POST", base, ok, 404, nil},
			{"list", e.viewerA, "GET", base, "", 200, nil},
			{"list other scope", e.managerB, "GET", base, "", 404, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rec := e.as(tt.token, tt.method, tt.path, tt.body)
				wantStatus(t, rec, tt.wantStatus)
				if diff := cmp.Diff(tt.wantFields, problemFields(t, rec)); diff != "" {
					t.Errorf("problem fields (-want +got):\n%s", diff)
				}
			})
		}
		list := decodeJSON[listJSON[followUpJSON]](t, e.as(e.viewerA, http.MethodGet, base, ""))
		if len(list.Items) != 1 || list.Items[0].Status != "planned" {
			t.Fatalf("follow-ups = %+v", list)
		}
		id := list.Items[0].ID
		wantStatus(t, e.as(e.managerB, http.MethodPatch, "/api/v1/followups/"+id, `{"status":"done"}`), http.StatusNotFound)
		wantStatus(t, e.as(e.viewerA, http.MethodPatch, "/api/v1/followups/"+id, `{"status":"done"}`), http.StatusForbidden)
		wantStatus(t, e.as(e.managerA, http.MethodPatch, "/api/v1/followups/"+id, `{"status":"finished"}`), http.StatusUnprocessableEntity)
		rec := e.as(e.managerA, http.MethodPatch, "/api/v1/followups/"+id, `{"status":"done","result":"Antrian 10 menit lebih cepat"}`)
		wantStatus(t, rec, http.StatusOK)
		if f := decodeJSON[followUpJSON](t, rec); f.Status != "done" || f.Result == "" || f.Activity != "Tambah loket antrian" {
			t.Errorf("after patch = %+v", f)
		}
	})
}

func TestUsers(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		tests := []struct {
			name       string
			token      string
			body       string
			wantStatus int
			wantFields []string
		}{
			{"create", e.admin, `{"email":"baru@a.go.id","password":"panjang-sekali-1","role":"viewer","unit_ids":["` + e.unitA1.ID + `"]}`, 201, nil},
			{"email taken", e.admin, `{"email":"MANAGER@a.go.id","password":"panjang-sekali-1","role":"admin"}`, 409, []string{"email"}},
			{"every bad field", e.admin, `{"email":"bukan-surel","password":"pendek","role":"root","unit_ids":["x"]}`, 422, []string{"email", "password", "role", "unit_ids[0]"}},
			{"unknown unit, missing units", e.admin, `{"email":"c@a.go.id","password":"panjang-sekali-1","role":"manager","unit_ids":["00000000-0000-4000-8000-000000000000"]}`, 422, []string{"unit_ids[0]"}},
			{"manager without units", e.admin, `{"email":"d@a.go.id","password":"panjang-sekali-1","role":"manager"}`, 422, []string{"unit_ids"}},
			{"manager cannot", e.managerA, `{"email":"e@a.go.id","password":"panjang-sekali-1","role":"admin"}`, 403, nil},
			{"no token", "", `{}`, 401, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rec := e.as(tt.token, http.MethodPost, "/api/v1/users", tt.body)
				wantStatus(t, rec, tt.wantStatus)
				if diff := cmp.Diff(tt.wantFields, problemFields(t, rec)); diff != "" {
					t.Errorf("problem fields (-want +got):\n%s", diff)
				}
				if strings.Contains(rec.Body.String(), "argon2") {
					t.Error("a password hash leaked")
				}
			})
		}
		rec := e.as(e.admin, http.MethodGet, "/api/v1/users?limit=3", "")
		wantStatus(t, rec, http.StatusOK)
		page := decodeJSON[listJSON[userJSON]](t, rec)
		if len(page.Items) != 3 || page.NextCursor == "" || page.Items[0].Email != "admin@a.go.id" {
			t.Errorf("users page = %+v", page)
		}
		wantStatus(t, e.as(e.managerA, http.MethodGet, "/api/v1/users", ""), http.StatusForbidden)
		wantStatus(t, e.as(e.viewerA, http.MethodGet, "/api/v1/users/"+e.managerAID, ""), http.StatusForbidden)

		// Demoting the manager ends their sessions.
		rec = e.as(e.admin, http.MethodPatch, "/api/v1/users/"+e.managerAID, `{"role":"viewer"}`)
		wantStatus(t, rec, http.StatusOK)
		if u := decodeJSON[userJSON](t, rec); u.Role != "viewer" {
			t.Errorf("role = %s", u.Role)
		}
		wantStatus(t, e.as(e.managerA, http.MethodGet, "/api/v1/auth/me", ""), http.StatusUnauthorized)
		wantStatus(t, e.as(e.admin, http.MethodPatch, "/api/v1/users/"+e.managerAID, `{"role":"boss","unit_ids":["y"]}`), http.StatusUnprocessableEntity)
		wantStatus(t, e.as(e.admin, http.MethodPatch, "/api/v1/users/00000000-0000-4000-8000-000000000000", `{"disabled":true}`), http.StatusNotFound)
		wantStatus(t, e.as(e.admin, http.MethodDelete, "/api/v1/users/"+e.adminID, ""), http.StatusConflict)
		wantStatus(t, e.as(e.admin, http.MethodDelete, "/api/v1/users/"+e.managerAID, ""), http.StatusNoContent)
		wantStatus(t, e.as(e.admin, http.MethodGet, "/api/v1/users/"+e.managerAID, ""), http.StatusNotFound)
		entries, _, err := e.st.FindAudit(t.Context(), e.managerAID, pageAll)
		if err != nil || len(entries) != 2 {
			t.Errorf("audit of the manager = %d entries (%v), want update and delete", len(entries), err)
		}
	})
}

func TestLogin(t *testing.T) {
	eachDBWith(t, Options{SecureCookies: true}, func(t *testing.T, e *env) {
		rec := e.do(http.MethodPost, "/api/v1/auth/login", `{"email":"Manager@A.go.id","password":"`+testPassword+`"}`)
		wantStatus(t, rec, http.StatusOK)
		res := decodeJSON[loginJSON](t, rec)
		if res.User.Email != "manager@a.go.id" || res.Token == "" {
			t.Fatalf("login = %+v", res)
		}
		var cookie *http.Cookie
		for _, c := range rec.Result().Cookies() {
			if c.Name == sessionCookie {
				cookie = c
			}
		}
		if cookie == nil || !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != http.SameSiteLaxMode || cookie.Value != res.Token {
			t.Errorf("cookie = %+v", cookie)
		}
		me := decodeJSON[meJSON](t, e.as(res.Token, http.MethodGet, "/api/v1/auth/me", ""))
		if me.User.ID != e.managerAID || len(me.Units) != 1 || me.Units[0].ID != e.instA.ID {
			t.Errorf("me = %+v", me)
		}
		wantStatus(t, e.do(http.MethodGet, "/api/v1/auth/me", "", header("Cookie", sessionCookie+"="+res.Token)), http.StatusOK)
		wantStatus(t, e.as(res.Token, http.MethodPost, "/api/v1/auth/logout", ""), http.StatusNoContent)
		wantStatus(t, e.as(res.Token, http.MethodGet, "/api/v1/auth/me", ""), http.StatusUnauthorized)

		for _, body := range []string{
			`{"email":"manager@a.go.id","password":"salah"}`,
			`{"email":"tidakada@a.go.id","password":"salah"}`,
		} {
			rec := e.do(http.MethodPost, "/api/v1/auth/login", body)
			wantStatus(t, rec, http.StatusUnauthorized)
			if p := problem(t, rec); p.Code != "invalid_credentials" {
				t.Errorf("code = %q, want invalid_credentials", p.Code)
			}
		}
		rec = e.do(http.MethodPost, "/api/v1/auth/login", `{}`)
		if diff := cmp.Diff([]string{"email", "password"}, problemFields(t, rec)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		wantStatus(t, e.do(http.MethodGet, "/api/v1/auth/me", "", header("Authorization", "Basic abc")), http.StatusUnauthorized)
	})
}

func TestRateLimits(t *testing.T) {
	eachDBWith(t, Options{RateLimits: true, LoginPerMinute: 2, SubmitPerMinute: 3}, func(t *testing.T, e *env) {
		login := `{"email":"x@a.go.id","password":"y"}`
		for range 2 {
			wantStatus(t, e.do(http.MethodPost, "/api/v1/auth/login", login), http.StatusUnauthorized)
		}
		rec := e.do(http.MethodPost, "/api/v1/auth/login", login)
		wantStatus(t, rec, http.StatusTooManyRequests)
		if p := problem(t, rec); p.Code != "rate_limited" || rec.Header().Get("Retry-After") == "" {
			t.Errorf("429 = %+v, Retry-After %q", p, rec.Header().Get("Retry-After"))
		}
		// Another address has its own budget.
		other := func(r *http.Request) { r.RemoteAddr = "192.0.2.9:1234" }
		wantStatus(t, e.do(http.MethodPost, "/api/v1/auth/login", login, other), http.StatusUnauthorized)
		for i := range 3 {
			wantStatus(t, e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(i), allAnswers(4), nil)), http.StatusCreated)
		}
		wantStatus(t, e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(9), allAnswers(4), nil)), http.StatusTooManyRequests)
	})
	// Off means off. (A distinct subtest name: storetest's SQLite DSN
	// cannot hold the "#01" Go adds to a repeated name.)
	t.Run("off", func(t *testing.T) {
		eachDB(t, func(t *testing.T, e *env) {
			// (The lockout per account is no rate limit and stays on: each
			// failure here is for another e-mail.)
			for i := range 15 {
				wantStatus(t, e.do(http.MethodPost, "/api/v1/auth/login", fmt.Sprintf(`{"email":"x%d@a.go.id","password":"y"}`, i)), http.StatusUnauthorized)
			}
		})
	})
}

func TestOperations(t *testing.T) {
	eachDBWith(t, Options{Version: "1.2.3"}, func(t *testing.T, e *env) {
		rec := e.do(http.MethodGet, "/healthz", "")
		wantStatus(t, rec, http.StatusOK)
		wantStatus(t, e.do(http.MethodGet, "/readyz", ""), http.StatusOK)
		wantStatus(t, e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(1), allAnswers(4), nil)), http.StatusCreated)
		rec = e.do(http.MethodGet, "/metrics", "")
		wantStatus(t, rec, http.StatusOK)
		for _, want := range []string{
			`suara_http_requests_total{method="POST",route="/api/v1/public/surveys/:slug/responses",status="201"} 1`,
			"suara_submission_queue_length 0",
			"suara_responses_stored_total 1",
			"suara_writer_batches_total 1",
			"suara_writer_forgotten_lookups_total 0", // captured now: not looked up
			`suara_build_info{version="1.2.3"} 1`,
		} {
			if !strings.Contains(rec.Body.String(), want) {
				t.Errorf("metrics lack %q:\n%s", want, rec.Body)
			}
		}
		if !regexp.MustCompile(`\nsuara_writer_busy_seconds_total \d+\.\d{3}\n`).MatchString(rec.Body.String()) {
			t.Errorf("metrics lack the writer's busy time:\n%s", rec.Body)
		}
		// Security headers on every response; HSTS only over HTTPS.
		h := rec.Header()
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Request-ID") == "" || h.Get("Strict-Transport-Security") != "" {
			t.Errorf("headers = %v", h)
		}
		rec = e.do(http.MethodGet, "/healthz", "", header("X-Forwarded-Proto", "https"), header("X-Request-ID", "abc-123"),
			func(r *http.Request) { r.RemoteAddr = "10.0.0.1:4000" }) // a trusted proxy
		if rec.Header().Get("Strict-Transport-Security") == "" || rec.Header().Get("X-Request-ID") != "abc-123" {
			t.Errorf("headers over https = %v", rec.Header())
		}
		// Echo's own errors get the problem shape.
		rec = e.do(http.MethodGet, "/api/v1/nothing-here", "")
		wantStatus(t, rec, http.StatusNotFound)
		problem(t, rec)
		rec = e.do(http.MethodPut, "/api/v1/units", "{}")
		wantStatus(t, rec, http.StatusMethodNotAllowed)
		problem(t, rec)
		// Gzip for those who ask.
		rec = e.as(e.admin, http.MethodGet, "/api/openapi.yaml", "", header("Accept-Encoding", "gzip"))
		if rec.Header().Get("Content-Encoding") != "gzip" {
			t.Errorf("Content-Encoding = %q, want gzip", rec.Header().Get("Content-Encoding"))
		}
		_ = e.st.Close()
		rec = e.do(http.MethodGet, "/readyz", "")
		wantStatus(t, rec, http.StatusServiceUnavailable)
		problem(t, rec)
	})
}

func TestStatic(t *testing.T) {
	files := fstest.MapFS{
		"index.html":         {Data: []byte("<h1>landing</h1>"), ModTime: time.Unix(1, 0)},
		"survey.html":        {Data: []byte("<h1>survey</h1>")},
		"app/index.html":     {Data: []byte("<h1>app</h1>")},
		"sw.js":              {Data: []byte("self.x=1")},
		"assets/app-1a2b.js": {Data: []byte("console.log(1)")},
	}
	eachDBWith(t, Options{Static: files}, func(t *testing.T, e *env) {
		tests := []struct {
			path, body, cache string
			status            int
		}{
			{"/", "<h1>landing</h1>", "no-cache", 200},
			{"/s/abc123", "<h1>survey</h1>", "no-cache", 200},
			{"/app/units/42", "<h1>app</h1>", "no-cache", 200},
			{"/sw.js", "self.x=1", "no-cache", 200},
			{"/assets/app-1a2b.js", "console.log(1)", "public, max-age=31536000, immutable", 200},
			{"/assets/missing.js", "", "", 404},
			{"/../etc/passwd", "", "", 404},
		}
		for _, tt := range tests {
			rec := e.do(http.MethodGet, tt.path, "")
			if rec.Code != tt.status {
				t.Errorf("GET %s = %d, want %d", tt.path, rec.Code, tt.status)
				continue
			}
			if tt.status == 200 && (rec.Body.String() != tt.body || rec.Header().Get("Cache-Control") != tt.cache) {
				t.Errorf("GET %s = %q (Cache-Control %q)", tt.path, rec.Body, rec.Header().Get("Cache-Control"))
			}
		}
	})
	t.Run("not built", func(t *testing.T) {
		eachDB(t, func(t *testing.T, e *env) {
			rec := e.do(http.MethodGet, "/", "")
			wantStatus(t, rec, http.StatusOK)
			if !strings.Contains(rec.Body.String(), "npm ci &amp;&amp; npm run build") {
				t.Errorf("page without a frontend = %s", rec.Body)
			}
		})
	})
}
