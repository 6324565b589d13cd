package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"suara/domain"
	"suara/store"
	"suara/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.Cleanup()
	os.Exit(code)
}

// testNow is the fixed clock of every test: 15 June 2026, 10:00 WIB.
var testNow = time.Date(2026, 6, 15, 3, 0, 0, 0, time.UTC)

// env is one test's world: a real store, the whole server, and a small
// institution tree with users of every role.
type env struct {
	t   *testing.T
	st  *store.Store
	srv *Server

	instA, unitA1, instB     domain.Unit
	svcA, svcA1, svcB        domain.Service
	versionID                string // the built-in questionnaire, published
	surveyA, surveyB         domain.Survey
	admin, managerA, viewerA string // bearer tokens
	managerB, managerA1      string
	adminID, managerAID      string
}

// eachDB runs fn on SQLite, and on PostgreSQL when configured, each with
// a fresh migrated store and the fixtures.
func eachDB(t *testing.T, fn func(t *testing.T, e *env)) {
	eachDBWith(t, Options{}, fn)
}

func eachDBWith(t *testing.T, opts Options, fn func(t *testing.T, e *env)) {
	eachStoreWith(t, store.Options{}, opts, fn)
}

func eachStoreWith(t *testing.T, so store.Options, opts Options, fn func(t *testing.T, e *env)) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			clock := func() time.Time { return testNow }
			so.Now = clock
			st := storetest.Open(t, d, so)
			if opts.Now == nil {
				opts.Now = clock
			}
			// The race detector on a shared 2-core machine can push a
			// healthy commit past the production 5 s submission deadline;
			// TestSubmitDeadline tests the deadline itself with its own.
			if opts.SubmitTimeout == 0 {
				opts.SubmitTimeout = time.Minute
			}
			if opts.Logger == nil {
				opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			}
			e := &env{t: t, st: st, srv: New(st, opts)}
			e.seed()
			fn(t, e)
		})
	}
}

func (e *env) seed() {
	t, ctx := e.t, context.Background()
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	e.instA = domain.Unit{Name: "Pemerintah Kota A", Code: "KOTA-A", TimeZone: "Asia/Jakarta"}
	must(e.st.CreateUnit(ctx, &e.instA))
	e.unitA1 = domain.Unit{Name: "Puskesmas Cempaka", Code: "PKM-A1", TimeZone: "Asia/Jakarta", ParentID: &e.instA.ID}
	must(e.st.CreateUnit(ctx, &e.unitA1))
	e.instB = domain.Unit{Name: "Pemerintah Kabupaten B", Code: "KAB-B", TimeZone: "Asia/Makassar"}
	must(e.st.CreateUnit(ctx, &e.instB))
	e.svcA = domain.Service{UnitID: e.instA.ID, Name: "Informasi", Code: "INFO"}
	must(e.st.CreateService(ctx, &e.svcA))
	e.svcA1 = domain.Service{UnitID: e.unitA1.ID, Name: "Poli Umum", Code: "POLI"}
	must(e.st.CreateService(ctx, &e.svcA1))
	e.svcB = domain.Service{UnitID: e.instB.ID, Name: "KTP", Code: "KTP"}
	must(e.st.CreateService(ctx, &e.svcB))
	ts, err := e.st.FindTemplates(ctx)
	must(err)
	for _, tm := range ts {
		if tm.Code == "permenpanrb-14-2017" {
			e.versionID = tm.LatestVersionID
		}
	}
	if e.versionID == "" {
		t.Fatal("no built-in template")
	}
	e.surveyA = domain.Survey{UnitID: e.instA.ID, TemplateVersionID: e.versionID, Title: "SKM Kota A 2026",
		StartsOn: "2026-01-01", EndsOn: "2026-12-31", Population: 1000}
	must(e.st.CreateSurvey(ctx, &e.surveyA))
	e.surveyB = domain.Survey{UnitID: e.instB.ID, TemplateVersionID: e.versionID, Title: "SKM Kab B 2026",
		StartsOn: "2026-01-01", EndsOn: "2026-12-31", Population: 500}
	must(e.st.CreateSurvey(ctx, &e.surveyB))

	var u domain.User
	e.adminID, e.admin = e.user("admin@a.go.id", domain.RoleAdmin)
	e.managerAID, e.managerA = e.user("manager@a.go.id", domain.RoleManager, e.instA.ID)
	_, e.viewerA = e.user("viewer@a.go.id", domain.RoleViewer, e.instA.ID)
	_, e.managerB = e.user("manager@b.go.id", domain.RoleManager, e.instB.ID)
	_, e.managerA1 = e.user("pkm@a.go.id", domain.RoleManager, e.unitA1.ID)
	_ = u
}

// testPassword is every fixture user's password.
const testPassword = "rahasia-sekali-123"

// user creates a user and a session, and returns the id and the token.
func (e *env) user(email string, role domain.Role, unitIDs ...string) (string, string) {
	e.t.Helper()
	ctx := context.Background()
	u := domain.User{Email: email, Role: role, UnitIDs: unitIDs}
	if err := e.st.CreateUser(ctx, &u, testPassword); err != nil {
		e.t.Fatal(err)
	}
	token, hash := newToken()
	if err := e.st.CreateSession(ctx, u.ID, hash, testNow.Add(time.Hour)); err != nil {
		e.t.Fatal(err)
	}
	return u.ID, token
}

// request options.
type reqOpt func(*http.Request)

func bearer(token string) reqOpt {
	return func(r *http.Request) {
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
	}
}

func header(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

// chunked sends the body without a Content-Length, as a chunked upload.
func chunked() reqOpt {
	return func(r *http.Request) {
		r.ContentLength = -1
		r.Body = io.NopCloser(r.Body)
	}
}

// do sends one request through the whole server and checks the response
// against the OpenAPI document.
func (e *env) do(method, path, body string, opts ...reqOpt) *httptest.ResponseRecorder {
	e.t.Helper()
	return doRequest(e.t, e.srv, method, path, body, opts...)
}

func doRequest(t *testing.T, srv *Server, method, path, body string, opts ...reqOpt) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(req)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	checkOpenAPI(t, method, path, req.Header, rec)
	return rec
}

// as is do with a bearer token.
func (e *env) as(token, method, path, body string, opts ...reqOpt) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.do(method, path, body, append([]reqOpt{bearer(token)}, opts...)...)
}

// problem decodes a problem+json body.
func problem(t *testing.T, rec *httptest.ResponseRecorder) problemJSON {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json; body: %s", ct, rec.Body)
	}
	var p problemJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("decode problem: %v; body: %s", err, rec.Body)
	}
	if p.Status != rec.Code {
		t.Errorf("problem status = %d, want the response's %d", p.Status, rec.Code)
	}
	return p
}

// problemFields returns the field of each problem error, in order; nil
// for a success or a problem without fields.
func problemFields(t *testing.T, rec *httptest.ResponseRecorder) []string {
	t.Helper()
	if rec.Code < 400 {
		return nil
	}
	var out []string
	for _, f := range problem(t, rec).Errors {
		out = append(out, f.Field)
	}
	return out
}

// decodeJSON decodes a success body into v.
func decodeJSON[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %T: %v; body: %s", v, err, rec.Body)
	}
	return v
}

// wantStatus fails the test unless rec has the status.
func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body: %s", rec.Code, status, rec.Body)
	}
}

var pageAll = domain.Page{Limit: 100}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
