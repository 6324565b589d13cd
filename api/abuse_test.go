package api

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"suara/domain"
	"suara/store"
	"suara/store/storetest"
)

// clock is a test clock that a test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// eachDBClock is eachDBWith with a clock the test can move, shared by the
// server and the store.
func eachDBClock(t *testing.T, opts Options, fn func(t *testing.T, e *env, clk *clock)) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			clk := &clock{now: testNow}
			st := storetest.Open(t, d, store.Options{Now: clk.Now})
			o := opts
			o.Now = clk.Now
			if o.Logger == nil {
				o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			}
			e := &env{t: t, st: st, srv: New(st, o)}
			e.seed()
			fn(t, e, clk)
		})
	}
}

func from(addr string) reqOpt { return func(r *http.Request) { r.RemoteAddr = addr } }

func loginBody(email, password string) string {
	b, _ := json.Marshal(map[string]string{"email": email, "password": password})
	return string(b)
}

func auditActions(t *testing.T, st *store.Store, action string) []domain.AuditEntry {
	t.Helper()
	all, _, err := st.FindAudit(context.Background(), "", domain.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []domain.AuditEntry
	for _, a := range all {
		if a.Action == action {
			out = append(out, a)
		}
	}
	return out
}

func TestLoginLockoutPerAccount(t *testing.T) {
	eachDBClock(t, Options{}, func(t *testing.T, e *env, clk *clock) {
		login := func(email, password string, opts ...reqOpt) *http.Response {
			return e.do(http.MethodPost, "/api/v1/auth/login", loginBody(email, password), opts...).Result()
		}
		for i := 0; i < 5; i++ {
			if got := login("manager@a.go.id", "salah").StatusCode; got != http.StatusUnauthorized {
				t.Fatalf("failure %d: status %d, want 401", i+1, got)
			}
		}
		// Locked: even the right password is refused, with Retry-After.
		rec := e.do(http.MethodPost, "/api/v1/auth/login", loginBody("MANAGER@a.go.id", testPassword))
		wantStatus(t, rec, http.StatusTooManyRequests)
		if p := problem(t, rec); p.Code != "login_locked" || !strings.Contains(p.Detail, "15 menit") {
			t.Errorf("problem = %+v, want login_locked in Indonesian", p)
		}
		if ra := rec.Header().Get("Retry-After"); ra != "900" {
			t.Errorf("Retry-After = %q, want 900", ra)
		}
		locks := auditActions(t, e.st, "auth.lockout")
		if len(locks) != 1 || locks[0].Entity != "account" || locks[0].EntityID != e.managerAID || locks[0].ActorID != "" {
			t.Fatalf("lockout audit = %+v, want one for the manager's account", locks)
		}
		// Another account from the same address is not affected.
		wantStatus(t, e.do(http.MethodPost, "/api/v1/auth/login", loginBody("viewer@a.go.id", testPassword)), http.StatusOK)
		// A second replica over the same database sees the lock.
		other := New(e.st, Options{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		wantStatus(t, doRequest(t, other, http.MethodPost, "/api/v1/auth/login", loginBody("manager@a.go.id", testPassword)), http.StatusTooManyRequests)

		clk.Add(15*time.Minute + time.Second)
		wantStatus(t, e.do(http.MethodPost, "/api/v1/auth/login", loginBody("manager@a.go.id", testPassword)), http.StatusOK)
		// A success forgets the failures: four more do not lock.
		for i := 0; i < 4; i++ {
			login("manager@a.go.id", "salah")
		}
		wantStatus(t, e.do(http.MethodPost, "/api/v1/auth/login", loginBody("manager@a.go.id", testPassword)), http.StatusOK)

		// An unknown e-mail locks the same way: the answer reveals nothing.
		for i := 0; i < 5; i++ {
			wantStatus(t, e.do(http.MethodPost, "/api/v1/auth/login", loginBody("nobody@a.go.id", "x")), http.StatusUnauthorized)
		}
		wantStatus(t, e.do(http.MethodPost, "/api/v1/auth/login", loginBody("nobody@a.go.id", "x")), http.StatusTooManyRequests)
		if n := len(auditActions(t, e.st, "auth.lockout")); n != 2 {
			t.Errorf("lockout audit entries = %d, want 2", n)
		}
	})
}

func TestLoginLockoutPerAddress(t *testing.T) {
	eachDBClock(t, Options{LoginIPMaxFailures: 3}, func(t *testing.T, e *env, clk *clock) {
		office := from("203.0.113.7:5000")
		for _, email := range []string{"a@x.go.id", "b@x.go.id", "c@x.go.id"} {
			wantStatus(t, e.do(http.MethodPost, "/api/v1/auth/login", loginBody(email, "x"), office), http.StatusUnauthorized)
		}
		rec := e.do(http.MethodPost, "/api/v1/auth/login", loginBody("admin@a.go.id", testPassword), office)
		wantStatus(t, rec, http.StatusTooManyRequests)
		// Elsewhere the same account signs in.
		wantStatus(t, e.do(http.MethodPost, "/api/v1/auth/login", loginBody("admin@a.go.id", testPassword), from("198.51.100.2:5000")), http.StatusOK)
		locks := auditActions(t, e.st, "auth.lockout")
		if len(locks) != 1 || locks[0].Entity != "address" || strings.Contains(string(locks[0].After), "203.0.113.7") {
			t.Fatalf("lockout audit = %+v, want one for the address, without the address in clear", locks)
		}
		clk.Add(16 * time.Minute)
		wantStatus(t, e.do(http.MethodPost, "/api/v1/auth/login", loginBody("admin@a.go.id", testPassword), office), http.StatusOK)
	})
}

// TestSubmitLimits: strict per device token, a ceiling per survey, and a
// phone without a token still bound by the per-IP limit.
func TestSubmitLimits(t *testing.T) {
	eachDBWith(t, Options{RateLimits: true, DevicePerMinute: 2, SurveyPerMinute: 5, SubmitPerMinute: 4}, func(t *testing.T, e *env) {
		n := 0
		post := func(opts ...reqOpt) *http.Response {
			n++
			return e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(n), allAnswers(3), nil), opts...).Result()
		}
		dev := func(d string) reqOpt { return header(deviceHeader, d) }
		phone1, phone2 := dev("aaaaaaaaaaaaaaaa1111"), dev("bbbbbbbbbbbbbbbb2222")
		nat := from("203.0.113.50:1000")
		for i, want := range []int{201, 201, 429} {
			res := post(phone1, nat)
			if res.StatusCode != want {
				t.Fatalf("phone 1, submission %d: %d, want %d", i+1, res.StatusCode, want)
			}
			if want == 429 && res.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		}
		// Another phone behind the same NAT is not held back by the first.
		if got := post(phone2, nat).StatusCode; got != 201 {
			t.Fatalf("phone 2: %d, want 201", got)
		}
		// The per-IP limit (4 a minute here) still binds phones without a token.
		other := from("198.51.100.9:1000")
		if got := post(other).StatusCode; got != 201 {
			t.Fatalf("no token: %d, want 201", got)
		}
		// The survey's ceiling (5 a minute): 4 stored so far, plus one refused by device limits that
		// never reached it... the 5th submission passes and the 6th is refused from anywhere.
		if got := post(from("198.51.100.10:1000")).StatusCode; got != 201 {
			t.Fatalf("5th to the survey: %d, want 201", got)
		}
		if got := post(from("198.51.100.11:1000"), dev("cccccccccccccccc3333")).StatusCode; got != 429 {
			t.Fatalf("6th to the survey: %d, want 429", got)
		}
		// Another survey is not affected.
		if got := e.do(http.MethodPost, e.submitPath(e.surveyB), submission(uuidN(99), allAnswers(3), nil), from("198.51.100.12:1000")).Code; got != 201 {
			t.Fatalf("survey B: %d, want 201", got)
		}
	})
}

// TestSpoofedForwardedFor: a client on the internet cannot dodge the
// per-IP limits with a forged X-Forwarded-For (GO-2026-6872 is about
// Echo's default, which trusts the header; Suara sets an extractor that
// only trusts loopback and private proxies).
func TestSpoofedForwardedFor(t *testing.T) {
	eachDBWith(t, Options{RateLimits: true, SubmitPerMinute: 1}, func(t *testing.T, e *env) {
		for i := 1; i <= 5; i++ {
			rec := e.do(http.MethodGet, "/api/v1/public/surveys/"+e.surveyA.Slug, "", from("203.0.113.66:4000"),
				header("X-Forwarded-For", fmt.Sprintf("10.1.2.%d", i)), header("X-Real-IP", fmt.Sprintf("10.9.9.%d", i)))
			want := http.StatusOK
			if i == 5 {
				want = http.StatusTooManyRequests // public reads: 4 a minute here
			}
			if rec.Code != want {
				t.Fatalf("request %d with a new forged X-Forwarded-For: %d, want %d", i, rec.Code, want)
			}
		}
		// Behind a trusted proxy the forwarded address is the client's.
		rec := e.do(http.MethodGet, "/api/v1/public/surveys/"+e.surveyA.Slug, "", from("10.0.0.2:4000"), header("X-Forwarded-For", "198.51.100.1"))
		wantStatus(t, rec, http.StatusOK)
	})
}

func TestHSTSOnlyBehindTLS(t *testing.T) {
	srv := New(nil, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	tests := []struct {
		name string
		opts []reqOpt
		want bool
	}{
		{"plain HTTP", nil, false},
		{"TLS", []reqOpt{func(r *http.Request) { r.TLS = &tls.ConnectionState{} }}, true},
		{"trusted proxy says https", []reqOpt{from("10.0.0.5:3000"), header("X-Forwarded-Proto", "https")}, true},
		{"loopback proxy says https", []reqOpt{from("127.0.0.1:3000"), header("X-Forwarded-Proto", "https")}, true},
		{"internet client says https", []reqOpt{from("203.0.113.5:3000"), header("X-Forwarded-Proto", "https")}, false},
		{"trusted proxy says http", []reqOpt{from("10.0.0.5:3000"), header("X-Forwarded-Proto", "http")}, false},
	}
	for _, tt := range tests {
		rec := doRequest(t, srv, http.MethodGet, "/healthz", "", tt.opts...)
		got := rec.Header().Get("Strict-Transport-Security")
		if (got != "") != tt.want {
			t.Errorf("%s: Strict-Transport-Security = %q, want set=%v", tt.name, got, tt.want)
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP = %q", tt.name, csp)
		}
	}
}

// respondents returns the index's respondent count for a unit this year.
func (e *env) respondents(token, unitID string) int64 {
	e.t.Helper()
	rec := e.as(token, http.MethodGet, "/api/v1/units/"+unitID+"/ikm?from=2026-01-01&to=2026-12-31", "")
	wantStatus(e.t, rec, http.StatusOK)
	return decodeJSON[ikmJSON](e.t, rec).Respondents
}

func (e *env) responses(token string, sv domain.Survey) map[string]responseJSON {
	e.t.Helper()
	rec := e.as(token, http.MethodGet, "/api/v1/surveys/"+sv.ID+"/responses?limit=100", "")
	wantStatus(e.t, rec, http.StatusOK)
	out := map[string]responseJSON{}
	for _, r := range decodeJSON[listJSON[responseJSON]](e.t, rec).Items {
		out[r.ID] = r
	}
	return out
}

// TestSuspiciousBurstExcludeDelete: identical answer sets from one
// address are flagged; a manager excludes one and the index drops it; an
// administrator deletes one; rollups stay equal to a recount throughout.
func TestSuspiciousBurstExcludeDelete(t *testing.T) {
	eachDBWith(t, Options{BurstThreshold: 3}, func(t *testing.T, e *env) {
		post := func(n int, v int, addr string) receiptJSON {
			rec := e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(n), allAnswers(v), nil), from(addr))
			wantStatus(t, rec, http.StatusCreated)
			return decodeJSON[receiptJSON](t, rec)
		}
		var burst []string
		for i := 1; i <= 4; i++ {
			burst = append(burst, post(i, 4, "203.0.113.80:1").ID)
		}
		// A replay is not another member of the burst.
		wantStatus(t, e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(1), allAnswers(4), nil), from("203.0.113.80:1")), http.StatusOK)
		otherAnswers := post(10, 2, "203.0.113.80:1").ID
		otherAddress := post(11, 4, "198.51.100.80:1").ID

		list := e.responses(e.viewerA, e.surveyA)
		for _, id := range burst {
			if !list[id].Suspicious {
				t.Errorf("burst member %s not flagged suspicious", id)
			}
		}
		if list[otherAnswers].Suspicious || list[otherAddress].Suspicious {
			t.Errorf("flagged outside the burst: other answers %v, other address %v", list[otherAnswers].Suspicious, list[otherAddress].Suspicious)
		}
		if n := e.respondents(e.managerA, e.instA.ID); n != 6 {
			t.Fatalf("respondents = %d, want 6 (suspicious responses count until excluded)", n)
		}

		excl := "/api/v1/responses/" + burst[0] + "/exclude"
		tests := []struct {
			name   string
			token  string
			path   string
			body   string
			status int
			fields []string
		}{
			{"viewer", e.viewerA, excl, `{"excluded":true}`, 403, nil},
			{"other institution", e.managerB, excl, `{"excluded":true}`, 404, nil},
			{"manager of a sub-unit", e.managerA1, excl, `{"excluded":true}`, 404, nil},
			{"missing flag", e.managerA, excl, `{"reason":"x"}`, 422, []string{"excluded"}},
			{"reason too long", e.managerA, excl, `{"excluded":true,"reason":"` + strings.Repeat("x", 501) + `"}`, 422, []string{"reason"}},
			{"unknown field", e.managerA, excl, `{"excluded":true,"why":"x"}`, 422, []string{"why"}},
			{"malformed", e.managerA, excl, `{"excluded":`, 400, nil},
			{"unknown response", e.managerA, "/api/v1/responses/00000000-0000-4000-8000-000000000000/exclude", `{"excluded":true}`, 404, nil},
			{"not a uuid", e.managerA, "/api/v1/responses/x/exclude", `{"excluded":true}`, 404, nil},
		}
		for _, tt := range tests {
			rec := e.as(tt.token, http.MethodPost, tt.path, tt.body)
			if rec.Code != tt.status {
				t.Errorf("%s: status %d, want %d; %s", tt.name, rec.Code, tt.status, rec.Body)
				continue
			}
			if diff := cmp.Diff(tt.fields, problemFields(t, rec)); diff != "" {
				t.Errorf("%s: fields (-want +got):\n%s", tt.name, diff)
			}
		}
		if n := e.respondents(e.managerA, e.instA.ID); n != 6 {
			t.Fatalf("refused exclusions changed the index: respondents = %d", n)
		}

		rec := e.as(e.managerA, http.MethodPost, excl, `{"excluded":true,"reason":"burst dari satu alamat"}`)
		wantStatus(t, rec, http.StatusOK)
		if r := decodeJSON[responseJSON](t, rec); !r.Excluded || !r.Suspicious {
			t.Errorf("after exclusion: %+v", r)
		}
		if n := e.respondents(e.managerA, e.instA.ID); n != 5 {
			t.Errorf("respondents after exclusion = %d, want 5", n)
		}
		// Excluding again changes nothing.
		wantStatus(t, e.as(e.managerA, http.MethodPost, excl, `{"excluded":true}`), http.StatusOK)
		if n := e.respondents(e.managerA, e.instA.ID); n != 5 {
			t.Errorf("respondents after a second exclusion = %d, want 5", n)
		}
		audits := auditActions(t, e.st, "response.exclude")
		if len(audits) != 2 || audits[1].ActorID != e.managerAID || !strings.Contains(string(audits[1].After), "burst dari satu alamat") {
			t.Errorf("exclusion audit = %+v", audits)
		}
		checkRollups(t, e.st)

		// Back in.
		wantStatus(t, e.as(e.managerA, http.MethodPost, excl, `{"excluded":false,"reason":"keliru"}`), http.StatusOK)
		if n := e.respondents(e.managerA, e.instA.ID); n != 6 {
			t.Errorf("respondents after inclusion = %d, want 6", n)
		}
		if len(auditActions(t, e.st, "response.include")) != 1 {
			t.Error("no response.include audit entry")
		}

		// Deletion: administrators only; an excluded one and an included one.
		del := "/api/v1/responses/" + burst[1]
		wantStatus(t, e.as(e.managerA, http.MethodDelete, del, ""), http.StatusForbidden)
		wantStatus(t, e.as(e.viewerA, http.MethodDelete, del, ""), http.StatusForbidden)
		wantStatus(t, e.as(e.managerA, http.MethodPost, "/api/v1/responses/"+burst[2]+"/exclude", `{"excluded":true}`), http.StatusOK)
		for _, id := range []string{burst[1], burst[2]} {
			wantStatus(t, e.as(e.admin, http.MethodDelete, "/api/v1/responses/"+id, ""), http.StatusNoContent)
			if _, err := e.st.FindResponse(context.Background(), id); domain.KindOf(err) != domain.KindNotFound {
				t.Errorf("deleted response %s still found: %v", id, err)
			}
		}
		wantStatus(t, e.as(e.admin, http.MethodDelete, del, ""), http.StatusNotFound)
		if n := e.respondents(e.managerA, e.instA.ID); n != 4 {
			t.Errorf("respondents after deleting one counted and one excluded = %d, want 4", n)
		}
		dels := auditActions(t, e.st, "response.delete")
		if len(dels) != 2 || dels[0].ActorID != e.adminID || string(dels[0].After) != "null" {
			t.Errorf("delete audit = %+v", dels)
		}
		for _, a := range dels {
			if strings.Contains(string(a.Before), "answers") || strings.Contains(string(a.Before), "comment") {
				t.Errorf("the audit entry keeps the deleted content: %s", a.Before)
			}
		}
		// A resend of a deleted response is stored again, not answered
		// with the deleted receipt from the writer's memory.
		resend := e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(2), allAnswers(4), nil), from("203.0.113.81:1"))
		wantStatus(t, resend, http.StatusCreated)
		if again := decodeJSON[receiptJSON](t, resend); again.ID == burst[1] {
			t.Errorf("the resend of deleted response %s was answered with it", burst[1])
		}
		checkRollups(t, e.st)
	})
}

// checkRollups fails unless the rollups equal a recount from the responses.
func checkRollups(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	before, err := st.RollupSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	after, err := st.RollupSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(after, before); diff != "" {
		t.Errorf("rollups differ from a recount (-recount +kept):\n%s", diff)
	}
}

// TestBurstsBounded: however many distinct answer sets arrive, the burst
// detector keeps at most maxBurstEntries digests, and a burst that is still
// in the window is caught across a generation change.
func TestBurstsBounded(t *testing.T) {
	b := newBursts(3, 10*time.Minute)
	b.maxEntries = 1000 // the production bound, scaled down to keep the test quick
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	burst := b.key("203.0.113.9", "survey-1", map[string]int{"U1": 4, "U2": 4})
	if got := b.add(burst, "r1", now); got != nil {
		t.Fatalf("first member flagged earlier ones: %v", got)
	}
	for i := range 3 * b.maxEntries {
		b.add(b.key("203.0.113.10", "survey-1", map[string]int{"U1": i}), "x", now.Add(time.Millisecond))
		if n := len(b.cur) + len(b.older); n > b.maxEntries {
			t.Fatalf("after %d answer sets the detector keeps %d digests, over %d", i+1, n, b.maxEntries)
		}
	}
	// The flood pushed the first member out: the count starts again.
	if b.suspicious(burst, now.Add(time.Second)) {
		t.Fatal("suspicious after one remembered member")
	}
	b.add(burst, "r2", now.Add(time.Second))
	for i := range b.maxEntries / 2 { // one generation change
		b.add(b.key("203.0.113.11", "survey-1", map[string]int{"U1": i}), "y", now.Add(time.Second))
	}
	b.add(burst, "r3", now.Add(time.Second))
	if !b.suspicious(burst, now.Add(2*time.Second)) {
		t.Fatal("the third identical answer set is not suspicious")
	}
	if got := b.add(burst, "r4", now.Add(2*time.Second)); !slices.Equal(got, []string{"r2", "r3"}) {
		t.Fatalf("earlier members to flag = %v, want [r2 r3]", got)
	}
	// Past the window the same answers start a new count.
	if b.suspicious(burst, now.Add(15*time.Minute)) {
		t.Fatal("suspicious after the window passed")
	}
}

// TestTTLCacheResetDuringLoad: a value loaded while a write cleared the
// cache is returned but not kept, so the next read loads afresh.
func TestTTLCacheResetDuringLoad(t *testing.T) {
	var c ttlCache[int]
	now := time.Now()
	loads := 0
	load := func(context.Context, string) (int, error) {
		loads++
		if loads == 1 {
			c.reset() // a write commits while the first load is in flight
		}
		return loads, nil
	}
	if v, _ := c.get(context.Background(), now, "k", load); v != 1 {
		t.Fatalf("first get = %d, want 1", v)
	}
	if v, _ := c.get(context.Background(), now, "k", load); v != 2 {
		t.Fatalf("second get = %d, want 2 (the value loaded across a reset must not be kept)", v)
	}
	if v, _ := c.get(context.Background(), now, "k", load); v != 2 {
		t.Fatalf("third get = %d, want 2 from the cache", v)
	}
}

// TestTTLCacheSharesLoads: requests that miss the same key while it loads
// wait for that load rather than each asking the database; one that comes
// after a reset loads afresh instead of joining a load that began before.
func TestTTLCacheSharesLoads(t *testing.T) {
	var c ttlCache[string]
	now := time.Now()
	var (
		mu      sync.Mutex
		loads   int
		entered = make(chan struct{}, 8)
		release = make(chan struct{})
	)
	load := func(context.Context, string) (string, error) {
		mu.Lock()
		loads++
		n := loads
		mu.Unlock()
		if n == 1 {
			entered <- struct{}{}
			<-release
			return "old", nil
		}
		return "new", nil
	}
	got := make(chan string, 8)
	// holdLoad empties the cache and starts a get whose load is held until
	// release is closed; its value arrives on got.
	holdLoad := func() {
		c.reset()
		mu.Lock()
		loads = 0
		mu.Unlock()
		release = make(chan struct{})
		go func() { v, _ := c.get(context.Background(), now, "k", load); got <- v }()
		<-entered
	}
	holdLoad() // the first load is in flight
	var started sync.WaitGroup
	for range 6 {
		started.Add(1)
		go func() {
			started.Done()
			v, _ := c.get(context.Background(), now, "k", load)
			got <- v
		}()
	}
	started.Wait()
	// The joiners are runnable; give them time to reach the shared load (a
	// late one would find "old" in the cache, not load again).
	time.Sleep(50 * time.Millisecond)
	close(release)
	for range 7 {
		if v := <-got; v != "old" {
			t.Fatalf("a concurrent miss got %q, want the shared load's \"old\"", v)
		}
	}
	if loads != 1 {
		t.Fatalf("%d loads for 7 concurrent misses of one key, want 1", loads)
	}

	// A reset while a load is in flight: a request after it does not join.
	holdLoad()
	c.reset()
	after := make(chan string, 1)
	go func() { v, _ := c.get(context.Background(), now, "k", load); after <- v }()
	if v := within(t, after, "a get after the reset waited for the load begun before it"); v != "new" {
		t.Fatalf("a get after the reset got %q, want a fresh load", v)
	}
	close(release)
	if v := <-got; v != "old" {
		t.Fatalf("the load begun before the reset returned %q to its caller, want \"old\"", v)
	}
	if v, _ := c.get(context.Background(), now, "k", func(context.Context, string) (string, error) { return "", fmt.Errorf("no load expected") }); v != "new" {
		t.Fatalf("cached %q after the reset, want \"new\" (the older load must not be kept)", v)
	}

	// A request whose deadline passes stops waiting; the load goes on.
	holdLoad()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	gave := make(chan error, 1)
	go func() { _, err := c.get(ctx, now, "k", load); gave <- err }()
	if err := within(t, gave, "a cancelled request kept waiting for the shared load"); domain.KindOf(err) != domain.KindUnavailable {
		t.Fatalf("a cancelled request got %v, want a timeout (unavailable)", err)
	}
	close(release)
	if v := <-got; v != "old" {
		t.Fatalf("the load's own request got %q, want \"old\"", v)
	}
}

// within returns what ch delivers, failing the test with stuck if nothing
// comes in 10 s: a regression that blocks fails instead of hanging.
func within[T any](t *testing.T, ch <-chan T, stuck string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal(stuck)
		var zero T
		return zero
	}
}
