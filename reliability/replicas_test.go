package reliability

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"suara/store"
	"suara/store/storetest"
)

// nginxConf balances two replicas round-robin. A replica that refuses
// connections is skipped for a while (max_fails, fail_timeout); a request
// that was already sent to a replica that then died is not re-sent
// elsewhere (nginx's default for POST), so the phone sees 502 and retries
// with the same client_id, as it would behind any balancer.
const nginxConf = `daemon off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path %[1]s/client_temp;
  proxy_temp_path %[1]s/proxy_temp;
  fastcgi_temp_path %[1]s/fastcgi_temp;
  uwsgi_temp_path %[1]s/uwsgi_temp;
  scgi_temp_path %[1]s/scgi_temp;
  upstream suara {
    server %[2]s max_fails=1 fail_timeout=10s;
    server %[3]s max_fails=1 fail_timeout=10s;
    keepalive 16;
  }
  server {
    listen 127.0.0.1:%[4]d;
    location / {
      proxy_pass http://suara;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
      proxy_read_timeout 30s;
    }
  }
}
`

// startNginx runs Debian's nginx in front of two upstreams and returns
// its URL.
func startNginx(t *testing.T, a, b string) string {
	t.Helper()
	bin := needTool(t, "nginx", "/usr/sbin/nginx")
	// Not t.TempDir: when the test runs as root, nginx's workers run as
	// nobody and must be able to use the temp directories.
	dir, err := os.MkdirTemp("", "suara-nginx-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(nginxConf, dir, a, b, port)), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-p", dir + "/", "-c", conf}
	if out, err := exec.Command(bin, append(args, "-t")...).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, args...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		select {
		case <-exited:
			t.Fatalf("nginx exited:\n%s", out.String())
		default:
		}
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			return base
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not answer on %s:\n%s", base, out.String())
		}
	}
}

var meMetric = regexp.MustCompile(`(?m)^suara_http_requests_total\{method="GET",route="/api/v1/auth/me",status="200"\} (\d+)$`)

// meServed returns how many GET /api/v1/auth/me a replica answered 200.
func meServed(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := meMetric.FindSubmatch(body)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// me asks who is logged in through the proxy with the session cookie.
func me(t *testing.T, base string, cookie *http.Cookie) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/auth/me", nil)
	req.AddCookie(cookie)
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET /api/v1/auth/me through nginx: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestTwoReplicas runs two `suara serve` processes on one PostgreSQL
// behind nginx, logs in through nginx, and kills one replica with
// SIGKILL under load: no acknowledged response is lost or doubled, and
// the session keeps working on the other replica (sessions live in the
// database).
func TestTwoReplicas(t *testing.T) {
	db := storetest.DSN(t, store.Postgres)
	needTool(t, "nginx", "/usr/sbin/nginx")
	a := startServer(t, db, "127.0.0.1:"+itoa(freePort(t)))
	b := startServer(t, db, "127.0.0.1:"+itoa(freePort(t)))
	proxy := startNginx(t, a.addr, b.addr)
	f := setup(t, db, proxy)

	// Log in through nginx with the cookie, as the manager app does.
	req, _ := http.NewRequest(http.MethodPost, proxy+"/api/v1/auth/login",
		strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, adminEmail, adminPassword)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "suara_session" {
			session = c
		}
	}
	if resp.StatusCode != http.StatusOK || session == nil {
		t.Fatalf("login through nginx = %d, session cookie %v", resp.StatusCode, session)
	}
	// Round robin: the one session is served by both replicas.
	for range 4 {
		if code := me(t, proxy, session); code != http.StatusOK {
			t.Fatalf("GET /api/v1/auth/me through nginx = %d before the kill", code)
		}
	}
	if na, nb := meServed(t, a.url()), meServed(t, b.url()); na == 0 || nb == 0 {
		t.Errorf("the session was served %d times by replica A and %d by B; want both", na, nb)
	}

	done, result := startLoad(t, loadConfig(proxy, f.slug, 400))
	waitStored(t, 150, func() int { return stored(a.url()) + stored(b.url()) }, done)
	a.kill()
	t.Log("replica A: SIGKILL under load")
	before := meServed(t, b.url())
	for range 4 {
		if code := me(t, proxy, session); code != http.StatusOK {
			t.Errorf("GET /api/v1/auth/me through nginx = %d after replica A died, want 200 from B", code)
		}
	}
	if after := meServed(t, b.url()); after-before != 4 {
		t.Errorf("replica B answered %d of the 4 session requests after the kill, want 4", after-before)
	}
	res := result()
	b.stop()
	checkStatuses(t, res)
	fig := verify(t, db, res, nil)
	t.Logf("two replicas behind nginx, one SIGKILLed (PostgreSQL): %s", fig)
}
