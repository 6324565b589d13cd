package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"suara/load"
	"suara/store"
	"suara/store/storetest"
)

// suaraBin is the real binary, built once without -race: the tests run it
// as separate processes so that they can kill it. loadBin is
// cmd/suara-load, whose verify command recounts the rollups outside the
// race detector (pure-Go SQLite under -race is many times slower).
var suaraBin, loadBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "suara-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	suaraBin, loadBin = filepath.Join(dir, "suara"), filepath.Join(dir, "suara-load")
	// The flags of `make build`, so that CI's later build reuses the cache.
	build := exec.Command("go", "build", "-trimpath", "-o", dir+"/", "./cmd/suara", "./cmd/suara-load")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build ./cmd/suara ./cmd/suara-load: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	storetest.Cleanup()
	os.RemoveAll(dir)
	os.Exit(code)
}

// inCI reports whether missing tools must fail the tests (.ci/run sets it).
func inCI() bool { return os.Getenv("SUARA_TEST_REQUIRE_POSTGRES") == "1" }

// needTool returns the path of a program, or skips the test (fails it in CI).
func needTool(t *testing.T, name string, candidates ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, c := range candidates {
		if matches, _ := filepath.Glob(c); len(matches) > 0 {
			slices.Sort(matches)
			return matches[len(matches)-1] // the newest version
		}
	}
	if inCI() {
		t.Fatalf("%s is not installed; .ci/run must install it", name)
	}
	t.Skipf("%s is not installed", name)
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects a process's output while it runs.
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

// server is one `suara serve` process.
type server struct {
	t      *testing.T
	addr   string // 127.0.0.1:port
	db     string
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
}

func (s *server) url() string { return "http://" + s.addr }

// startServer runs `suara serve` on db at addr and waits until /healthz
// answers. Rate limits are off: the load comes from one address.
func startServer(t *testing.T, db, addr string) *server {
	t.Helper()
	s := &server{t: t, addr: addr, db: db, out: &syncBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(suaraBin, "serve", "--addr", addr, "--db", db)
	s.cmd.Env = append(os.Environ(), "SUARA_RATE_LIMITS=off", "SUARA_LOG_LEVEL=warn")
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(s.kill)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		select {
		case <-s.exited:
			t.Fatalf("suara serve exited:\n%s", s.out.String())
		default:
		}
		if resp, err := http.Get(s.url() + "/healthz"); err == nil {
			resp.Body.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("suara serve did not answer on %s:\n%s", addr, s.out.String())
		}
	}
}

// kill sends SIGKILL: no graceful shutdown, no draining of the writer.
func (s *server) kill() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// stop shuts the server down gracefully (SIGTERM) and reports how it exited.
func (s *server) stop() {
	s.t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.t.Errorf("suara serve did not stop on SIGTERM:\n%s", s.out.String())
		s.kill()
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		s.t.Errorf("suara serve exited with %d after SIGTERM:\n%s", code, s.out.String())
	}
}

func (s *server) running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

var storedMetric = regexp.MustCompile(`(?m)^suara_responses_stored_total (\d+)$`)

// stored returns how many responses this process stored (its /metrics);
// -1 when it does not answer.
func stored(base string) int {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := storedMetric.FindSubmatch(body)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// waitStored waits until fn reports at least n, or the load ended.
func waitStored(t *testing.T, n int, fn func() int, done <-chan struct{}) {
	t.Helper()
	for deadline := time.Now().Add(40 * time.Second); fn() < n; time.Sleep(20 * time.Millisecond) {
		select {
		case <-done:
			t.Fatalf("the load ended before %d responses were stored: make it longer", n)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d responses stored after 40 s", n)
		}
	}
}

// fixture is an institution with a child unit, a service and an open
// survey, made through the API as an administrator would.
type fixture struct {
	slug  string
	token string
}

const adminEmail, adminPassword = "admin@reliability.go.id", "uji-keandalan-panjang-1"

// setup creates the first administrator with the binary and the survey
// through base (a server or the proxy in front of the servers).
func setup(t *testing.T, db, base string) fixture {
	t.Helper()
	out, err := exec.Command(suaraBin, "admin", "create", "--db", db, "--email", adminEmail, "--password", adminPassword).CombinedOutput()
	if err != nil {
		t.Fatalf("suara admin create: %v\n%s", err, out)
	}
	var f fixture
	login := call(t, base, "POST", "/api/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, adminEmail, adminPassword), http.StatusOK)
	f.token, _ = login["token"].(string)
	var version string
	for _, it := range call(t, base, "GET", "/api/v1/templates", f.token, "", http.StatusOK)["items"].([]any) {
		if m := it.(map[string]any); m["code"] == "permenpanrb-14-2017" {
			version, _ = m["latest_version_id"].(string)
		}
	}
	if version == "" {
		t.Fatal("the built-in questionnaire is not listed")
	}
	root := call(t, base, "POST", "/api/v1/units", f.token, `{"name":"Pemerintah Kota Uji","code":"KOTA-UJI","timezone":"Asia/Jakarta"}`, http.StatusCreated)
	child := call(t, base, "POST", "/api/v1/units", f.token, fmt.Sprintf(`{"name":"Puskesmas Uji","code":"PKM-UJI","timezone":"Asia/Jakarta","parent_id":%q}`, root["id"]), http.StatusCreated)
	call(t, base, "POST", fmt.Sprintf("/api/v1/units/%s/services", child["id"]), f.token, `{"name":"Poli Umum","code":"POLI"}`, http.StatusCreated)
	sv := call(t, base, "POST", "/api/v1/surveys", f.token, fmt.Sprintf(`{"unit_id":%q,"template_version_id":%q,"title":"SKM Uji Keandalan","starts_on":%q,"ends_on":"2099-12-31","population":100000}`,
		root["id"], version, time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)), http.StatusCreated)
	f.slug, _ = sv["slug"].(string)
	return f
}

// call sends one JSON request and wants a status.
func call(t *testing.T, base, method, path, token, body string, want int) map[string]any {
	t.Helper()
	status, v, err := request(base, method, path, token, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if status != want {
		t.Fatalf("%s %s = %d, want %d; body %v", method, path, status, want, v)
	}
	return v
}

func request(base, method, path, token, body string) (int, map[string]any, error) {
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: 20 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var v map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&v)
	return resp.StatusCode, v, nil
}

// loadConfig is the load of every fault test: a few hundred submissions
// from 8 phones that keep retrying (same client_id) through the fault.
func loadConfig(base, slug string, requests int) load.Config {
	return load.Config{
		BaseURL:     base,
		Slugs:       []string{slug},
		Concurrency: 8,
		Requests:    requests,
		MaxAttempts: 60,
		Seed:        7,
		Timeout:     15 * time.Second,
	}
}

// startLoad runs the load in the background; done closes when it ends.
func startLoad(t *testing.T, cfg load.Config) (done chan struct{}, result func() *load.Result) {
	t.Helper()
	done = make(chan struct{})
	var res *load.Result
	var err error
	go func() {
		defer close(done)
		res, err = load.Run(context.Background(), cfg)
	}()
	return done, func() *load.Result {
		t.Helper()
		<-done
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		return res
	}
}

// figures is one fault test's outcome, for the log and docs/reliability.md.
type figures struct {
	Sent, Acked, Stored, Duplicates, StoredUnacked, Requests int
	ByStatus                                                 map[int]int
	NetErrors                                                map[string]int
}

func (f figures) String() string {
	codes := make([]int, 0, len(f.ByStatus))
	for c := range f.ByStatus {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", c, f.ByStatus[c]))
	}
	var nets []string
	for k, n := range f.NetErrors {
		nets = append(nets, fmt.Sprintf("network %s×%d", k, n))
	}
	sort.Strings(nets)
	return fmt.Sprintf("sent %d, acknowledged %d, stored %d (of which stored without acknowledgement %d), duplicates %d; %d HTTP requests: %s",
		f.Sent, f.Acked, f.Stored, f.StoredUnacked, f.Duplicates, f.Requests, strings.Join(append(parts, nets...), ", "))
}

var unackedLine = regexp.MustCompile(`(\d+) stored without acknowledgement`)

// verify checks the database against the acknowledgements with
// `suara-load verify` (load.Verify: every acknowledged client_id stored
// once with its answers, none twice, rollups equal a recount), checks
// that no response lacks its answers, and returns the figures.
func verify(t *testing.T, db string, res *load.Result, extra []load.Ack) figures {
	t.Helper()
	ctx := context.Background()
	acks := append(slices.Clone(res.Acks), extra...)
	ackFile := filepath.Join(t.TempDir(), "acks.tsv")
	if err := load.WriteAcks(ackFile, acks); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(loadBin, "verify", "--db", db, "--ack-file", ackFile).CombinedOutput()
	if err != nil {
		t.Errorf("suara-load verify: %v\n%s", err, out)
	}
	f := figures{Sent: len(acks), Requests: res.Requests, ByStatus: res.ByStatus, NetErrors: res.NetErrors}
	if m := unackedLine.FindSubmatch(out); m != nil {
		f.StoredUnacked, _ = strconv.Atoi(string(m[1]))
	} else {
		t.Errorf("suara-load verify printed no summary:\n%s", out)
	}
	st, err := store.Open(ctx, db, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.CountResponses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dups, err := st.DuplicateClientIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var bare int64
	if err := st.DB().Raw(`SELECT COUNT(*) FROM responses r WHERE NOT EXISTS (SELECT 1 FROM answers a WHERE a.response_id = r.id)`).Scan(&bare).Error; err != nil {
		t.Fatal(err)
	}
	if bare != 0 {
		t.Errorf("%d responses are stored without answers (half-written)", bare)
	}
	f.Stored, f.Duplicates = int(n), len(dups)
	for _, a := range acks {
		if a.Acked {
			f.Acked++
		}
	}
	if f.Stored != f.Acked+f.StoredUnacked {
		t.Errorf("stored %d responses, want the %d acknowledged plus the %d stored without acknowledgement", f.Stored, f.Acked, f.StoredUnacked)
	}
	return f
}

// checkStatuses fails on any answer other than success or a retryable
// refusal: a fault must never show as 500 or 4xx to a phone.
func checkStatuses(t *testing.T, res *load.Result) {
	t.Helper()
	for code, n := range res.ByStatus {
		switch code {
		case http.StatusOK, http.StatusCreated, http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		default:
			t.Errorf("%d submissions answered %d", n, code)
		}
	}
	if res.ReplayBad != 0 {
		t.Errorf("%d replays answered wrongly", res.ReplayBad)
	}
	for _, a := range res.Acks {
		if !a.Acked {
			t.Errorf("client_id %s was never acknowledged (last status %d)", a.ClientID, a.Status)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
