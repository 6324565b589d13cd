package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeEndToEnd runs the real program: serve on a fresh SQLite file,
// create the first administrator, log in, find the built-in template,
// create a unit and a survey, answer it through the public route, replay
// the answer, and shut down gracefully.
func TestServeEndToEnd(t *testing.T) {
	db := t.TempDir() + "/data/suara.db"
	env := map[string]string{"SUARA_RATE_LIMITS": "off", "SUARA_LOG_LEVEL": "warn"}
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, getenv, &out, io.Discard)
	}()

	addr := regexp.MustCompile(`running at (http://[0-9.:]+)`)
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("server did not print its URL; output:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "suara admin create") {
		t.Errorf("serve on an empty database did not say how to create the first admin:\n%s", out.String())
	}
	var adminOut bytes.Buffer
	if err := run(ctx, []string{"admin", "create", "--db", db, "--email", "admin@example.go.id", "--password", "sangat-rahasia-1"}, getenv, &adminOut, io.Discard); err != nil {
		t.Fatalf("admin create: %v", err)
	}

	call := func(method, path, token, body string, want int) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		var v map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&v)
		if resp.StatusCode != want {
			t.Fatalf("%s %s = %d, want %d; body %v", method, path, resp.StatusCode, want, v)
		}
		return v
	}
	call("GET", "/readyz", "", "", http.StatusOK)
	login := call("POST", "/api/v1/auth/login", "", `{"email":"admin@example.go.id","password":"sangat-rahasia-1"}`, http.StatusOK)
	token, _ := login["token"].(string)
	var versionID string
	for _, it := range call("GET", "/api/v1/templates", token, "", http.StatusOK)["items"].([]any) {
		m := it.(map[string]any)
		if m["code"] == "permenpanrb-14-2017" {
			versionID, _ = m["latest_version_id"].(string)
		}
	}
	if versionID == "" {
		t.Fatal("the built-in template is not listed")
	}
	unit := call("POST", "/api/v1/units", token, `{"name":"Puskesmas Cempaka","code":"PKM01","timezone":"Asia/Jakarta"}`, http.StatusCreated)
	sv := call("POST", "/api/v1/surveys", token, fmt.Sprintf(`{"unit_id":%q,"template_version_id":%q,"title":"SKM","starts_on":"2026-01-01","ends_on":"2099-12-31","population":100}`,
		unit["id"], versionID), http.StatusCreated)
	if sv["required_sample"] != float64(80) {
		t.Errorf("required_sample = %v, want 80 (Krejcie–Morgan for 100)", sv["required_sample"])
	}
	answer := `{"client_id":"0b5e0000-0000-4000-8000-000000000001","answers":{"U1":4,"U2":3,"U3":3,"U4":4,"U5":3,"U6":4,"U7":4,"U8":3,"U9":2}}`
	first := call("POST", "/api/v1/public/surveys/"+sv["slug"].(string)+"/responses", "", answer, http.StatusCreated)
	again := call("POST", "/api/v1/public/surveys/"+sv["slug"].(string)+"/responses", "", answer, http.StatusOK)
	if first["receipt"] != again["receipt"] || first["id"] != again["id"] {
		t.Errorf("replay = %v, want the first body %v", again, first)
	}
	ikm := call("GET", fmt.Sprintf("/api/v1/units/%s/ikm?from=2026-01-01&to=2099-12-31", unit["id"]), token, "", http.StatusOK)
	if ikm["respondents"] != float64(1) {
		t.Errorf("respondents = %v, want 1 (the replay stored nothing)", ikm["respondents"])
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after shutdown, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

// TestPprofLoopbackOnly: the profiler refuses any address but loopback,
// and serves its index on one.
func TestPprofLoopbackOnly(t *testing.T) {
	for _, bad := range []string{"0.0.0.0:6060", ":6060", "192.0.2.1:6060", "example.go.id:6060", "6060"} {
		if _, _, err := servePprof(bad); err == nil {
			t.Errorf("servePprof(%q) accepted a non-loopback address", bad)
		}
	}
	addr, stop, err := servePprof("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	resp, err := http.Get("http://" + addr.String() + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /debug/pprof/ = %d, want 200", resp.StatusCode)
	}
}

func TestServerLeavesLocalPostgresACore(t *testing.T) {
	for dsn, want := range map[string]bool{
		"postgres://suara@127.0.0.1:5432/suara?sslmode=disable":   true,
		"postgresql://suara@localhost/suara":                      true,
		"postgres://suara@[::1]:5432/suara":                       true,
		"postgres://suara@/suara?host=/var/run/postgresql":        true,
		"postgres://suara@db.example.go.id:5432/suara":            false,
		"postgres://suara@10.0.0.7:5432/suara":                    false,
		"postgres://suara@db:5432/suara":                          false, // Docker Compose: another container
		"./data/suara.db":                                         false, // SQLite lives in the server's own process
		"postgres://suara@127.0.0.1:5432/suara?sslmode=bad-value": false,
	} {
		if got := postgresOnThisMachine(dsn); got != want {
			t.Errorf("postgresOnThisMachine(%q) = %v, want %v", dsn, got, want)
		}
	}
	for _, c := range []struct {
		procs int
		local bool
		want  int
	}{{2, true, 1}, {8, true, 7}, {1, true, 1}, {2, false, 2}, {8, false, 8}} {
		if got := serverProcs(c.procs, c.local); got != c.want {
			t.Errorf("serverProcs(%d, %v) = %d, want %d", c.procs, c.local, got, c.want)
		}
	}
}
