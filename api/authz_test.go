package api

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"suara/domain"
	"suara/survey"
)

// The authorization matrix: every route of the API, classified here, is
// requested by each role, on objects inside and outside the role's
// scope, and with no, an expired, a forged and a disabled user's token.
// A route the router serves that is not in authzRules fails the test:
// a new route must say who may call it.

type access int

const (
	accessPublic  access = iota // no session: citizens, sign-in, the document
	accessSession               // any signed-in user; nothing unit-scoped (own data, global reads)
	accessAdmin                 // administrators only: 403 for everyone else, before any lookup
	accessRead                  // unit-scoped read: anyone whose scope holds the object; 404 outside
	accessWrite                 // unit-scoped change: admin or manager in scope; viewer 403; 404 outside
)

// authzRule says how to call a route and who may.
type authzRule struct {
	access access
	// param names what the route's :id is: unit, survey, followup,
	// response, template, version, user (empty: no :id).
	param string
	// body returns a valid request body for objects of target x.
	body func(m *matrix, x *target) string
	// outside is the status outside the caller's scope (default 404; 422
	// where the scope is a body field, which then reads as "not found").
	outside int
	// fresh: an allowed call consumes its object (a deletion, a logout,
	// a publication), so each gets a new one.
	fresh bool
	// ok is the status set of an allowed call (default: any 2xx).
	ok []int
	// query is appended to the path (a required parameter).
	query string
}

// authzRules classifies every route. Keys are "METHOD /path" as Echo has them.
var authzRules = map[string]authzRule{
	"GET /api/openapi.yaml":                                      {access: accessPublic},
	"GET /api/v1/report.css":                                     {access: accessPublic},
	"GET /api/v1/public/surveys/:slug":                           {access: accessPublic},
	"POST /api/v1/public/surveys/:slug/responses":                {access: accessPublic},
	"GET /api/v1/public/units/:id/ikm":                           {access: accessPublic},
	"GET /api/v1/public/units/:id/publications":                  {access: accessPublic},
	"GET /api/v1/public/units/:id/publications/:pid/counts.json": {access: accessPublic},
	"GET /api/v1/public/units/:id/publications/:pid/counts.csv":  {access: accessPublic},
	"GET /api/v1/units/:id/comments":                             {access: accessRead, param: "unit"},
	"GET /api/v1/units/:id/silent":                               {access: accessRead, param: "unit"},
	"GET /api/v1/units/:id/followups/suggestions":                {access: accessRead, param: "unit"},
	"GET /api/v1/units/:id/publications":                         {access: accessRead, param: "unit"},
	"POST /api/v1/units/:id/publications":                        {access: accessWrite, param: "unit", body: publishBody},
	"PATCH /api/v1/responses/:id/comment-status":                 {access: accessWrite, param: "response", body: constBody(`{"status":"read"}`)},
	"GET /api/v1/responses/:id/comment-original":                 {access: accessAdmin, param: "response"},
	"GET /api/v1/audit":                                          {access: accessAdmin},
	"POST /api/v1/auth/login":                                    {access: accessPublic},
	"POST /api/v1/auth/logout":                                   {access: accessSession, fresh: true},
	"GET /api/v1/auth/me":                                        {access: accessSession},
	"GET /api/v1/units":                                          {access: accessSession},
	"POST /api/v1/units":                                         {access: accessWrite, body: unitBody, outside: 422},
	"GET /api/v1/units/:id":                                      {access: accessRead, param: "unit"},
	"PATCH /api/v1/units/:id":                                    {access: accessWrite, param: "unit", body: constBody(`{"name":"Unit (diubah)"}`)},
	"DELETE /api/v1/units/:id":                                   {access: accessWrite, param: "unit", fresh: true},
	"GET /api/v1/units/:id/services":                             {access: accessRead, param: "unit"},
	"POST /api/v1/units/:id/services":                            {access: accessWrite, param: "unit", body: serviceBody},
	"GET /api/v1/units/:id/ikm":                                  {access: accessRead, param: "unit"},
	"GET /api/v1/units/:id/ikm/series":                           {access: accessRead, param: "unit"},
	"GET /api/v1/units/:id/ikm/children":                         {access: accessRead, param: "unit"},
	"GET /api/v1/units/:id/breakdown":                            {access: accessRead, param: "unit", query: "?dimension=gender"},
	"GET /api/v1/units/:id/followups":                            {access: accessRead, param: "unit"},
	"POST /api/v1/units/:id/followups":                           {access: accessWrite, param: "unit", body: constBody(`{"element":"persyaratan","activity":"Sederhanakan syarat","due":"2026-09-30"}`)},
	"GET /api/v1/units/:id/report":                               {access: accessRead, param: "unit"},
	"GET /api/v1/units/:id/processing.xlsx":                      {access: accessRead, param: "unit"},
	"PATCH /api/v1/followups/:id":                                {access: accessWrite, param: "followup", body: constBody(`{"status":"in_progress"}`)},
	"GET /api/v1/templates":                                      {access: accessSession},
	"POST /api/v1/templates":                                     {access: accessAdmin, body: templateBody},
	"GET /api/v1/templates/:id":                                  {access: accessSession, param: "template"},
	"POST /api/v1/templates/:id/versions":                        {access: accessAdmin, param: "template", body: versionBody},
	"GET /api/v1/template-versions/:id":                          {access: accessSession, param: "version"},
	"POST /api/v1/template-versions/:id/publish":                 {access: accessAdmin, param: "version", fresh: true},
	"GET /api/v1/surveys":                                        {access: accessSession},
	"POST /api/v1/surveys":                                       {access: accessWrite, body: surveyBody, outside: 422},
	"GET /api/v1/surveys/:id":                                    {access: accessRead, param: "survey"},
	"PATCH /api/v1/surveys/:id":                                  {access: accessWrite, param: "survey", body: constBody(`{"title":"SKM (diubah)"}`)},
	"GET /api/v1/surveys/:id/responses":                          {access: accessRead, param: "survey"},
	"GET /api/v1/surveys/:id/responses.csv":                      {access: accessRead, param: "survey"},
	"GET /api/v1/surveys/:id/responses.xlsx":                     {access: accessRead, param: "survey"},
	"GET /api/v1/surveys/:id/qr.svg":                             {access: accessRead, param: "survey"},
	"GET /api/v1/surveys/:id/qr.png":                             {access: accessRead, param: "survey"},
	"GET /api/v1/surveys/:id/poster":                             {access: accessRead, param: "survey"},
	"POST /api/v1/responses/:id/exclude":                         {access: accessWrite, param: "response", body: constBody(`{"excluded":false,"reason":"uji"}`)},
	"DELETE /api/v1/responses/:id":                               {access: accessAdmin, param: "response", fresh: true},
	"GET /api/v1/users":                                          {access: accessAdmin},
	"POST /api/v1/users":                                         {access: accessAdmin, body: userBody},
	"GET /api/v1/users/:id":                                      {access: accessAdmin, param: "user"},
	"PATCH /api/v1/users/:id":                                    {access: accessAdmin, param: "user", body: constBody(`{"disabled":true}`), fresh: true},
	"DELETE /api/v1/users/:id":                                   {access: accessAdmin, param: "user", fresh: true},
}

func constBody(b string) func(*matrix, *target) string {
	return func(*matrix, *target) string { return b }
}

func unitBody(m *matrix, x *target) string {
	return fmt.Sprintf(`{"name":"Unit %[1]d","code":"AUTHZ-%[1]d","parent_id":%q,"timezone":"Asia/Jakarta"}`, m.next(), x.unit)
}

func serviceBody(m *matrix, _ *target) string {
	return fmt.Sprintf(`{"name":"Layanan %[1]d","code":"L%[1]d"}`, m.next())
}

func surveyBody(m *matrix, x *target) string {
	return fmt.Sprintf(`{"unit_id":%q,"template_version_id":%q,"title":"SKM %d","starts_on":"2026-07-01","ends_on":"2026-12-31"}`,
		x.unit, m.e.versionID, m.next())
}

func templateBody(m *matrix, _ *target) string {
	return fmt.Sprintf(`{"code":"authz-%d","name":"T","questions":%s}`, m.next(), m.questions)
}

func versionBody(m *matrix, _ *target) string { return `{"questions":` + m.questions + `}` }

// publishBody is a period not published yet: a unit publishes a period once.
func publishBody(m *matrix, _ *target) string {
	to := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC).AddDate(0, 0, m.next()).Format(domain.DateLayout)
	return `{"from":"2026-01-01","to":"` + to + `"}`
}

func userBody(m *matrix, x *target) string {
	return fmt.Sprintf(`{"email":"u%d@authz.go.id","password":"panjang-sekali-1","role":"viewer","unit_ids":[%q]}`, m.next(), x.unit)
}

// target holds the objects of one scope.
type target struct {
	name                                       string
	unit, survey, followup, response, template string
	version, user                              string
	sv                                         domain.Survey
}

type role struct {
	name, token, email string
	sees               string // the targets in the role's scope: "A", "B", "1" (the unit below A)
	admin, viewer      bool
}

type matrix struct {
	t         *testing.T
	e         *env
	a, b, a1  target
	roles     []role
	bad       map[string]string // name → token that must be refused
	questions string
	n         int
}

func (m *matrix) next() int { m.n++; return m.n }

func newMatrix(t *testing.T, e *env) *matrix {
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	m := &matrix{t: t, e: e, questions: questionsJSON(t)}
	surveyA1 := domain.Survey{UnitID: e.unitA1.ID, TemplateVersionID: e.versionID, Title: "SKM Puskesmas 2026",
		StartsOn: "2026-01-01", EndsOn: "2026-12-31", Population: 300}
	must(e.st.CreateSurvey(ctx, &surveyA1))
	for _, x := range []struct {
		tg   *target
		unit domain.Unit
		sv   domain.Survey
	}{{&m.a, e.instA, e.surveyA}, {&m.b, e.instB, e.surveyB}, {&m.a1, e.unitA1, surveyA1}} {
		f := domain.FollowUp{UnitID: x.unit.ID, Element: "waktu", Activity: "Antrean daring", Due: "2026-08-31"}
		must(e.st.CreateFollowUp(ctx, &f))
		x.tg.unit, x.tg.survey, x.tg.followup, x.tg.sv = x.unit.ID, x.sv.ID, f.ID, x.sv
		x.tg.response = m.newResponse(x.tg)
	}
	m.a.name, m.b.name, m.a1.name = "A", "B", "1"
	ts, err := e.st.FindTemplates(ctx)
	must(err)
	m.a.template, m.a.version = ts[0].ID, e.versionID
	u, err := e.st.FindUserByEmail(ctx, "viewer@a.go.id")
	must(err)
	m.a.user = u.ID
	for _, x := range []*target{&m.b, &m.a1} { // global objects
		x.template, x.version, x.user = m.a.template, m.a.version, m.a.user
	}
	m.roles = []role{
		{name: "admin", token: e.admin, email: "admin@a.go.id", sees: "AB1", admin: true},
		{name: "manager A", token: e.managerA, email: "manager@a.go.id", sees: "A1"},
		{name: "viewer A", token: e.viewerA, email: "viewer@a.go.id", sees: "A1", viewer: true},
		{name: "manager B", token: e.managerB, email: "manager@b.go.id", sees: "B"},
		{name: "manager of the unit below A", token: e.managerA1, email: "pkm@a.go.id", sees: "1"},
	}
	// Refused tokens: none, expired, forged, and a disabled user's.
	expiredUser, _ := e.user("expired@a.go.id", domain.RoleAdmin)
	expired, hash := newToken()
	must(e.st.CreateSession(ctx, expiredUser, hash, testNow.Add(-time.Second)))
	forged, _ := newToken()
	disabledUser, disabled := e.user("disabled@a.go.id", domain.RoleAdmin)
	yes := true
	// Disable without ending sessions (the store ends them), so that only
	// the check of the user's state refuses the token.
	must(e.st.DB().Table("users").Where("id = ?", disabledUser).Update("disabled", yes).Error)
	m.bad = map[string]string{"no token": "", "expired token": expired, "forged token": forged, "disabled user": disabled}
	return m
}

// newResponse submits a response to x's survey and returns its id.
func (m *matrix) newResponse(x *target) string {
	m.t.Helper()
	rec := m.e.do(http.MethodPost, m.e.submitPath(x.sv), submission(uuidN(100000+m.next()), allAnswers(3), map[string]any{"comment": "Antrean lama"}))
	wantStatus(m.t, rec, http.StatusCreated)
	return decodeJSON[receiptJSON](m.t, rec).ID
}

// id returns the object of kind param in x, a new one when fresh.
func (m *matrix) id(param string, x *target, fresh bool) string {
	t, ctx := m.t, context.Background()
	t.Helper()
	if !fresh {
		switch param {
		case "unit":
			return x.unit
		case "survey":
			return x.survey
		case "followup":
			return x.followup
		case "response":
			return x.response
		case "template":
			return x.template
		case "version":
			return x.version
		case "user":
			return x.user
		}
		t.Fatalf("unknown param kind %q", param)
	}
	switch param {
	case "unit":
		u := domain.Unit{Name: "Sementara", Code: fmt.Sprintf("TMP-%d", m.next()), TimeZone: "Asia/Jakarta", ParentID: &x.unit}
		if err := m.e.st.CreateUnit(ctx, &u); err != nil {
			t.Fatal(err)
		}
		return u.ID
	case "response":
		return m.newResponse(x)
	case "user":
		id, _ := m.e.user(fmt.Sprintf("tmp%d@authz.go.id", m.next()), domain.RoleViewer, x.unit)
		return id
	case "version":
		v, err := m.e.st.CreateTemplateVersion(ctx, x.template, survey.BuiltinQuestions())
		if err != nil {
			t.Fatal(err)
		}
		return v.ID
	}
	t.Fatalf("no fresh objects of kind %q", param)
	return ""
}

// token returns the role's token, or a new session of its user when the
// call ends the session.
func (m *matrix) token(r role, fresh bool, param string) string {
	if !fresh || param != "" {
		return r.token
	}
	u, err := m.e.st.FindUserByEmail(context.Background(), r.email)
	if err != nil {
		m.t.Fatal(err)
	}
	token, hash := newToken()
	if err := m.e.st.CreateSession(context.Background(), u.ID, hash, testNow.Add(time.Hour)); err != nil {
		m.t.Fatal(err)
	}
	return token
}

func (m *matrix) path(route string, rule authzRule, x *target, fresh bool) string {
	if rule.param != "" {
		route = strings.Replace(route, ":id", m.id(rule.param, x, fresh), 1)
	}
	return route + rule.query
}

// expect returns the status a role must get on x's objects; 0 means allowed.
func (rule authzRule) expect(r role, x *target) int {
	sees := strings.Contains(r.sees, x.name)
	outside := rule.outside
	if outside == 0 {
		outside = http.StatusNotFound
	}
	switch rule.access {
	case accessSession:
		return 0
	case accessAdmin:
		if r.admin {
			return 0
		}
		return http.StatusForbidden
	case accessRead:
		if sees {
			return 0
		}
		return outside
	case accessWrite:
		switch {
		case !sees:
			return outside
		case r.viewer:
			return http.StatusForbidden
		}
		return 0
	}
	return -1
}

func (rule authzRule) allowed(status int) bool {
	if len(rule.ok) == 0 {
		return status >= 200 && status < 300
	}
	for _, s := range rule.ok {
		if s == status {
			return true
		}
	}
	return false
}

func TestAuthorizationMatrix(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		m := newMatrix(t, e)
		var routes []string
		for _, r := range e.srv.Echo().Routes() {
			if !strings.HasPrefix(r.Path, "/api/") || r.Method == "echo_route_not_found" {
				continue
			}
			key := r.Method + " " + r.Path
			if _, ok := authzRules[key]; !ok {
				t.Errorf("route %s is not in the authorization matrix (authzRules in api/authz_test.go): say who may call it", key)
				continue
			}
			routes = append(routes, key)
		}
		served := map[string]bool{}
		for _, k := range routes {
			served[k] = true
		}
		for k := range authzRules {
			if !served[k] {
				t.Errorf("authzRules lists %s, which the server does not serve", k)
			}
		}
		sort.Strings(routes)
		cases := 0
		for _, key := range routes {
			rule := authzRules[key]
			if rule.access == accessPublic {
				continue
			}
			method, route, _ := strings.Cut(key, " ")
			body := func(x *target) string {
				if rule.body == nil {
					return ""
				}
				return rule.body(m, x)
			}
			// Refused tokens, then a cookie session without the CSRF proof.
			for name, token := range m.bad {
				rec := e.as(token, method, m.path(route, rule, &m.a, false), body(&m.a))
				cases++
				if rec.Code != http.StatusUnauthorized {
					t.Errorf("%s with %s: %d, want 401", key, name, rec.Code)
				}
			}
			if !safeMethod(method) {
				rec := e.do(method, m.path(route, rule, &m.a, false), body(&m.a),
					header("Cookie", sessionCookie+"="+e.admin), header("Origin", "https://evil.example"))
				cases++
				if rec.Code != http.StatusForbidden {
					t.Errorf("%s by cookie from another origin: %d, want 403 (CSRF)", key, rec.Code)
				}
			}
			targets := []*target{&m.a, &m.b, &m.a1}
			if rule.access == accessSession || rule.access == accessAdmin {
				targets = targets[:1] // nothing scoped: one object is enough
			}
			// Refusals first, so that an allowed change cannot hide one.
			for _, pass := range []bool{false, true} {
				for _, r := range m.roles {
					for _, x := range targets {
						want := rule.expect(r, x)
						if (want == 0) != pass {
							continue
						}
						fresh := rule.fresh && want == 0
						path := m.path(route, rule, x, fresh)
						rec := e.as(m.token(r, fresh, rule.param), method, path, body(x))
						cases++
						switch {
						case want == 0 && !rule.allowed(rec.Code):
							t.Errorf("%s as %s on %s's objects: %d, want it allowed; %s", key, r.name, x.name, rec.Code, truncate(rec.Body.String()))
						case want != 0 && rec.Code != want:
							t.Errorf("%s as %s on %s's objects: %d, want %d; %s", key, r.name, x.name, rec.Code, want, truncate(rec.Body.String()))
						}
					}
				}
			}
		}
		t.Logf("%d routes, %d requests", len(routes), cases)
	})
}
