package reliability

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"suara/load"
)

// cluster is a private PostgreSQL cluster that a test may stop, freeze
// and start: the shared test server must not be touched.
type cluster struct {
	t      *testing.T
	bin    string // the directory of initdb, pg_ctl and postgres
	dir    string
	data   string
	port   int
	asUser string // run the server as this user ("" = as the test)
}

// startCluster makes a cluster with initdb in a temporary directory and
// starts it on a free port. PostgreSQL refuses to run as root, so a root
// test runs it as the postgres user, who owns the directory.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	initdb := needTool(t, "initdb", "/usr/lib/postgresql/*/bin/initdb")
	c := &cluster{t: t, bin: filepath.Dir(initdb), port: freePort(t)}
	parent := "" // $TMPDIR
	if os.Geteuid() == 0 {
		parent = "/tmp" // the postgres user must reach it; root's $TMPDIR may be private
	}
	dir, err := os.MkdirTemp(parent, "suara-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir, c.data = dir, filepath.Join(dir, "data")
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		c.asUser = "postgres"
		out, err := exec.Command("chown", c.asUser, dir).CombinedOutput()
		if err != nil {
			t.Fatalf("chown %s: %v\n%s", dir, err, out)
		}
	}
	// --no-sync and fsync=off only skip flushing to the disk: a stopped or
	// killed server loses nothing that the operating system holds, which
	// is all these tests need, and a shared CI machine stays fast.
	c.run("initdb", "-D", c.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	c.start()
	t.Cleanup(func() {
		c.signalQuiet(syscall.SIGCONT) // a test that failed while frozen
		c.stopMode("immediate", false)
	})
	return c
}

func (c *cluster) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// run runs one of the cluster's programs, as its user.
func (c *cluster) run(prog string, args ...string) string {
	c.t.Helper()
	out, err := c.command(prog, args...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("%s %s: %v\n%s", prog, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (c *cluster) command(prog string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, prog)
	if c.asUser != "" {
		return exec.Command("runuser", append([]string{"-u", c.asUser, "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func (c *cluster) start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50", c.port, c.dir)
	c.run("pg_ctl", "-D", c.data, "-o", opts, "-l", filepath.Join(c.dir, "server.log"), "-w", "-t", "30", "start")
}

// stopMode stops the server; "immediate" is a crash as far as clients
// can tell: every backend dies without a goodbye.
func (c *cluster) stopMode(mode string, must bool) {
	c.t.Helper()
	out, err := c.command("pg_ctl", "-D", c.data, "-m", mode, "-w", "-t", "30", "stop").CombinedOutput()
	if err != nil && must {
		c.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

// pids returns the postmaster and its children (the backends), the
// processes this test started.
func (c *cluster) pids() []int {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.data, "postmaster.pid"))
	if err != nil {
		c.t.Fatal(err)
	}
	pm, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		c.t.Fatal(err)
	}
	pids := append([]int{pm}, childrenOf(pm)...)
	return pids
}

// signalQuiet sends sig to a running cluster's processes, ignoring errors.
func (c *cluster) signalQuiet(sig syscall.Signal) {
	b, err := os.ReadFile(filepath.Join(c.data, "postmaster.pid"))
	if err != nil {
		return
	}
	if pm, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])); err == nil {
		_ = syscall.Kill(pm, sig)
		for _, pid := range childrenOf(pm) {
			_ = syscall.Kill(pid, sig)
		}
	}
}

// childrenOf returns the processes whose parent is ppid.
func childrenOf(ppid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold spaces, so split after ')'.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(ppid) {
			out = append(out, pid)
		}
	}
	return out
}

// signal sends sig to the postmaster first (so it forks no new backend),
// then to its children.
func (c *cluster) signal(sig syscall.Signal) {
	c.t.Helper()
	for _, pid := range c.pids() {
		if err := syscall.Kill(pid, sig); err != nil && err != syscall.ESRCH {
			c.t.Fatalf("kill -%d %d: %v", sig, pid, err)
		}
	}
}

// probe is one request made during an outage.
type probe struct {
	what    string
	status  int
	code    string // the problem's code
	retry   string
	elapsed time.Duration
}

func (p probe) String() string {
	return fmt.Sprintf("%s → %d %s (Retry-After %q) in %s", p.what, p.status, p.code, p.retry, p.elapsed.Round(time.Millisecond))
}

// problemCode reads the code of a problem+json body.
func problemCode(r io.Reader) string {
	var v struct {
		Code string `json:"code"`
	}
	_ = json.NewDecoder(r).Decode(&v)
	return v.Code
}

// probeReady asks /readyz.
func probeReady(t *testing.T, base string) probe {
	t.Helper()
	start := time.Now()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(base + "/readyz")
	if err != nil {
		t.Fatalf("GET /readyz during the outage: %v", err)
	}
	defer resp.Body.Close()
	return probe{what: "GET /readyz", status: resp.StatusCode, code: problemCode(resp.Body), retry: resp.Header.Get("Retry-After"), elapsed: time.Since(start)}
}

// probeSubmit sends one new submission and records it as an Ack, so that
// the verification checks it is stored at most once (a reply lost in the
// outage) or exactly once when acknowledged.
func probeSubmit(t *testing.T, base string, form *load.Form) (probe, load.Ack) {
	t.Helper()
	a := form.NewAnswer(rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1)))
	body, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/public/surveys/"+form.Slug+"/responses", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("submission during the outage: %v", err)
	}
	defer resp.Body.Close()
	p := probe{what: "POST response", status: resp.StatusCode, code: problemCode(resp.Body), retry: resp.Header.Get("Retry-After"), elapsed: time.Since(start)}
	return p, load.Ack{ClientID: a.ClientID, SurveyID: form.Survey.ID, Answers: len(a.Answers), Status: resp.StatusCode}
}

// TestDatabaseOutage runs Suara on a private PostgreSQL cluster under
// load, then freezes the database (SIGSTOP: a hung server or a network
// partition) and later stops it (pg_ctl stop -m immediate). During both,
// /readyz and new submissions answer 503 with Retry-After, promptly
// rather than hanging, and never 500; when PostgreSQL is back, the same
// Suara process recovers by itself, and every acknowledged response is
// stored exactly once.
func TestDatabaseOutage(t *testing.T) {
	pg := startCluster(t)
	db := pg.dsn()
	srv := startServer(t, db, "127.0.0.1:"+itoa(freePort(t)))
	f := setup(t, db, srv.url())
	form, err := load.FetchForm(t.Context(), http.DefaultClient, srv.url(), f.slug)
	if err != nil {
		t.Fatal(err)
	}
	done, result := startLoad(t, loadConfig(srv.url(), f.slug, 400))
	var probes []probe
	var extra []load.Ack
	check := func(p probe, phase string) {
		t.Helper()
		probes = append(probes, p)
		if p.status != http.StatusServiceUnavailable || p.retry == "" {
			t.Errorf("%s: %s, want 503 with Retry-After", phase, p)
		}
		// The bound is the submission deadline (5 s) plus slack for a
		// loaded machine: the point is "answers", not "hangs".
		if p.elapsed > 10*time.Second {
			t.Errorf("%s: %s, want an answer within a few seconds", phase, p)
		}
	}

	// 1. Frozen database: connections open, nothing answers.
	waitStored(t, 100, func() int { return stored(srv.url()) }, done)
	pg.signal(syscall.SIGSTOP)
	check(probeReady(t, srv.url()), "frozen")
	p, a := probeSubmit(t, srv.url(), form)
	check(p, "frozen")
	extra = append(extra, a)
	pg.signal(syscall.SIGCONT)
	waitReady(t, srv.url())

	// 2. Database down: connections reset, new ones refused.
	waitStored(t, 220, func() int { return stored(srv.url()) }, done)
	pg.stopMode("immediate", true)
	for range 3 {
		check(probeReady(t, srv.url()), "stopped")
		p, a := probeSubmit(t, srv.url(), form)
		check(p, "stopped")
		extra = append(extra, a)
	}
	pg.start()
	waitReady(t, srv.url())
	if !srv.running() {
		t.Fatal("suara serve exited during the outage")
	}

	res := result()
	srv.stop()
	checkStatuses(t, res)
	fig := verify(t, db, res, extra)
	for _, p := range probes {
		t.Logf("probe: %s", p)
	}
	t.Logf("database outage (freeze + stop -m immediate, PostgreSQL): %s", fig)
}

// waitReady waits until /readyz answers 200 again, without restarting
// the server.
func waitReady(t *testing.T, base string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("Suara did not become ready within 30 s after the database came back")
		}
	}
}
