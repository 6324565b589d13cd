package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCreateUnit(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		tests := []struct {
			name       string
			token      string
			body       string
			opts       []reqOpt
			wantStatus int
			wantFields []string
		}{
			{"admin creates an institution", e.admin, `{"name":"Dukcapil","code":"DKC01","timezone":"Asia/Jakarta"}`, nil, 201, nil},
			{"manager adds below their unit", e.managerA, `{"name":"Loket 1","code":"LKT-1","parent_id":"` + e.unitA1.ID + `","timezone":"Asia/Jakarta"}`, nil, 201, nil},
			{"code taken", e.admin, `{"name":"Lain","code":"PKM-A1","timezone":"Asia/Jakarta"}`, nil, 409, []string{"code"}},
			{"every bad field", e.admin, `{"code":"x y","parent_id":"7","timezone":"UTC"}`, nil, 422, []string{"name", "code", "parent_id", "timezone"}},
			{"wrong type", e.admin, `{"name":5,"code":"OK1","timezone":"Asia/Jakarta"}`, nil, 422, []string{"name"}},
			{"unknown field", e.admin, `{"name":"N","code":"OK2","timezone":"Asia/Jakarta","colour":"red"}`, nil, 422, []string{"colour"}},
			{"malformed", e.admin, `{"name":`, nil, 400, nil},
			{"trailing garbage", e.admin, `{"name":"N","code":"OK3","timezone":"Asia/Jakarta"} x`, nil, 400, nil},
			{"empty body", e.admin, ``, nil, 400, nil},
			{"too large", e.admin, `{"name":"` + strings.Repeat("a", 17<<10) + `"}`, nil, 413, nil},
			{"too large, chunked", e.admin, `{"name":"` + strings.Repeat("a", 17<<10) + `"}`, []reqOpt{chunked()}, 413, nil},
			{"parent outside scope reads as absent", e.managerA, `{"name":"X","code":"X1","parent_id":"` + e.instB.ID + `","timezone":"Asia/Jakarta"}`, nil, 422, []string{"parent_id"}},
			{"manager cannot create an institution", e.managerA, `{"name":"X","code":"X2","timezone":"Asia/Jakarta"}`, nil, 403, nil},
			{"viewer cannot write", e.viewerA, `{"name":"X","code":"X3","parent_id":"` + e.instA.ID + `","timezone":"Asia/Jakarta"}`, nil, 403, nil},
			{"no token", "", `{"name":"X","code":"X4","timezone":"Asia/Jakarta"}`, nil, 401, nil},
			{"bad token", "nope", `{"name":"X","code":"X5","timezone":"Asia/Jakarta"}`, nil, 401, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rec := e.as(tt.token, http.MethodPost, "/api/v1/units", tt.body, tt.opts...)
				if rec.Code != tt.wantStatus {
					t.Fatalf("status = %d, want %d; body: %s", rec.Code, tt.wantStatus, rec.Body)
				}
				if diff := cmp.Diff(tt.wantFields, problemFields(t, rec)); diff != "" {
					t.Errorf("problem fields (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestCreateUnitAudited(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		rec := e.as(e.admin, http.MethodPost, "/api/v1/units", `{"name":"Dukcapil","code":"DKC01","timezone":"Asia/Jakarta"}`)
		wantStatus(t, rec, http.StatusCreated)
		u := decodeJSON[unitJSON](t, rec)
		entries, _, err := e.st.FindAudit(t.Context(), u.ID, pageAll)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Action != "unit.create" || entries[0].ActorID != e.adminID {
			t.Fatalf("audit = %+v, want one unit.create by the admin", entries)
		}
	})
}

func TestCookieSessionsNeedCSRFHeader(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		body := `{"name":"Loket","code":"LKT-9","parent_id":"` + e.instA.ID + `","timezone":"Asia/Jakarta"}`
		cookie := header("Cookie", sessionCookie+"="+e.managerA)
		rec := e.do(http.MethodPost, "/api/v1/units", body, cookie)
		wantStatus(t, rec, http.StatusForbidden)
		if p := problem(t, rec); p.Code != "csrf" {
			t.Errorf("code = %q, want csrf", p.Code)
		}
		rec = e.do(http.MethodPost, "/api/v1/units", body, cookie, header("Origin", "https://evil.example"))
		wantStatus(t, rec, http.StatusForbidden)
		rec = e.do(http.MethodPost, "/api/v1/units", body, cookie, header("X-Requested-With", "suara"))
		wantStatus(t, rec, http.StatusCreated)
		body = strings.Replace(body, "LKT-9", "LKT-8", 1)
		rec = e.do(http.MethodPost, "/api/v1/units", body, cookie, header("Origin", "http://example.com")) // httptest's Host
		wantStatus(t, rec, http.StatusCreated)
		// Reads need no header.
		wantStatus(t, e.do(http.MethodGet, "/api/v1/units", "", cookie), http.StatusOK)
	})
}

func TestListUnitsScope(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		tests := []struct {
			name  string
			token string
			want  []string
		}{
			{"admin sees all", e.admin, []string{e.instA.Code, e.unitA1.Code, e.instB.Code}},
			{"manager of A sees A's subtree", e.managerA, []string{e.instA.Code, e.unitA1.Code}},
			{"viewer of A too", e.viewerA, []string{e.instA.Code, e.unitA1.Code}},
			{"manager of A1 sees only A1", e.managerA1, []string{e.unitA1.Code}},
			{"manager of B sees only B", e.managerB, []string{e.instB.Code}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rec := e.as(tt.token, http.MethodGet, "/api/v1/units", "")
				wantStatus(t, rec, http.StatusOK)
				var got []string
				for _, u := range decodeJSON[listJSON[unitJSON]](t, rec).Items {
					got = append(got, u.Code)
				}
				if diff := cmp.Diff(sortedCopy(tt.want), sortedCopy(got)); diff != "" {
					t.Errorf("units (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestListPagination(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		var got []string
		path := "/api/v1/units?limit=2"
		for range 5 {
			rec := e.as(e.admin, http.MethodGet, path, "")
			wantStatus(t, rec, http.StatusOK)
			page := decodeJSON[listJSON[unitJSON]](t, rec)
			if len(page.Items) > 2 {
				t.Fatalf("page of %d items, want at most 2", len(page.Items))
			}
			for _, u := range page.Items {
				got = append(got, u.ID)
			}
			if page.NextCursor == "" {
				break
			}
			path = "/api/v1/units?limit=2&cursor=" + page.NextCursor
		}
		if len(got) != 3 {
			t.Errorf("paged through %d units, want 3", len(got))
		}
		for _, q := range []string{"limit=0", "limit=501", "limit=x", "cursor=!!!"} {
			rec := e.as(e.admin, http.MethodGet, "/api/v1/units?"+q, "")
			wantStatus(t, rec, http.StatusUnprocessableEntity)
		}
	})
}

func TestUnitByIDScope(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		tests := []struct {
			name       string
			token      string
			method     string
			id         string
			body       string
			wantStatus int
		}{
			{"manager reads own", e.managerA, "GET", e.unitA1.ID, "", 200},
			{"manager reads other institution", e.managerA, "GET", e.instB.ID, "", 404},
			{"A1 manager reads parent", e.managerA1, "GET", e.instA.ID, "", 404},
			{"unknown id", e.admin, "GET", "00000000-0000-0000-0000-000000000000", "", 404},
			{"not a uuid", e.admin, "GET", "abc", "", 404},
			{"no token", "", "GET", e.instA.ID, "", 401},
			{"manager renames own", e.managerA, "PATCH", e.unitA1.ID, `{"name":"Puskesmas Cempaka Baru"}`, 200},
			{"viewer renames", e.viewerA, "PATCH", e.unitA1.ID, `{"name":"X"}`, 403},
			{"manager renames other", e.managerA, "PATCH", e.instB.ID, `{"name":"X"}`, 404},
			{"bad patch", e.admin, "PATCH", e.unitA1.ID, `{"name":"","timezone":"Europe/Paris"}`, 422},
			{"code taken", e.admin, "PATCH", e.unitA1.ID, `{"code":"KAB-B"}`, 409},
			{"viewer deletes", e.viewerA, "DELETE", e.unitA1.ID, "", 403},
			{"manager deletes their own root", e.managerA1, "DELETE", e.unitA1.ID, "", 403},
			{"unit with children", e.admin, "DELETE", e.instA.ID, "", 409},
			{"manager deletes other", e.managerB, "DELETE", e.unitA1.ID, "", 404},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rec := e.as(tt.token, tt.method, "/api/v1/units/"+tt.id, tt.body)
				wantStatus(t, rec, tt.wantStatus)
				if rec.Code >= 400 {
					problem(t, rec)
				}
			})
		}
		// A childless unit without surveys goes.
		rec := e.as(e.admin, http.MethodPost, "/api/v1/units", `{"name":"Loket","code":"LKT","parent_id":"`+e.unitA1.ID+`","timezone":"Asia/Jakarta"}`)
		wantStatus(t, rec, http.StatusCreated)
		id := decodeJSON[unitJSON](t, rec).ID
		wantStatus(t, e.as(e.managerA1, http.MethodDelete, "/api/v1/units/"+id, ""), http.StatusNoContent)
		wantStatus(t, e.as(e.admin, http.MethodGet, "/api/v1/units/"+id, ""), http.StatusNotFound)
	})
}

func TestServices(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		tests := []struct {
			name       string
			token      string
			method     string
			unit       string
			body       string
			wantStatus int
			wantFields []string
		}{
			{"list own", e.viewerA, "GET", e.unitA1.ID, "", 200, nil},
			{"list other", e.managerB, "GET", e.unitA1.ID, "", 404, nil},
			{"create", e.managerA, "POST", e.unitA1.ID, `{"name":"Poli Gigi"}`, 201, nil},
			{"create with code", e.managerA, "POST", e.unitA1.ID, `{"name":"Lab","code":"LAB"}`, 201, nil},
			{"code taken in unit", e.managerA, "POST", e.unitA1.ID, `{"name":"Poli Umum 2","code":"POLI"}`, 409, []string{"code"}},
			{"bad", e.managerA, "POST", e.unitA1.ID, `{"name":"","code":"a b"}`, 422, []string{"name", "code"}},
			{"viewer", e.viewerA, "POST", e.unitA1.ID, `{"name":"X"}`, 403, nil},
			{"other scope", e.managerB, "POST", e.unitA1.ID, `{"name":"X"}`, 404, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rec := e.as(tt.token, tt.method, "/api/v1/units/"+tt.unit+"/services", tt.body)
				wantStatus(t, rec, tt.wantStatus)
				if diff := cmp.Diff(tt.wantFields, problemFields(t, rec)); diff != "" {
					t.Errorf("problem fields (-want +got):\n%s", diff)
				}
			})
		}
		rec := e.as(e.viewerA, http.MethodGet, "/api/v1/units/"+e.unitA1.ID+"/services", "")
		var names []string
		for _, s := range decodeJSON[listJSON[serviceJSON]](t, rec).Items {
			names = append(names, s.Name)
		}
		if diff := cmp.Diff([]string{"Lab", "Poli Gigi", "Poli Umum"}, names); diff != "" {
			t.Errorf("services (-want +got):\n%s", diff)
		}
	})
}
