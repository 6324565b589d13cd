package deploy

import (
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"suara/api"
	"suara/store"
	"suara/store/storetest"
)

// securityHeaders are the headers api/middleware.go sets on every answer;
// nginx must send the same, once each.
var securityHeaders = []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
	"X-Frame-Options", "Cross-Origin-Opener-Policy", "Permissions-Policy"}

// fakeDist is a small frontend/dist with the files api/static.go knows.
var fakeDist = map[string]string{
	"index.html":            "<!doctype html><title>Suara</title><p>landing</p>",
	"survey.html":           "<!doctype html><title>Survei</title><p>citizen</p>",
	"public.html":           "<!doctype html><title>Hasil</title><p>published</p>",
	"app/index.html":        "<!doctype html><title>Manajer</title><p>manager</p>",
	"sw.js":                 "self.addEventListener('fetch', () => {})\n",
	"poster.css":            "@page { size: A4 portrait; }\n",
	"assets/app-1a2b3c.js":  strings.Repeat("export const answer = 'sangat baik';\n", 80),
	"assets/app-1a2b3c.css": strings.Repeat(".choice { min-height: 44px; }\n", 60),
}

// startNginx runs nginx with deploy/nginx/nginx.conf, changed only where
// a test machine differs from the image: its own ports, directories and
// upstream address. The config test (nginx -t) runs first.
func startNginx(t *testing.T, dist, upstream string) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		// Debian puts it in /usr/sbin, which a non-root PATH may lack.
		if _, serr := os.Stat("/usr/sbin/nginx"); serr == nil {
			bin, err = "/usr/sbin/nginx", nil
		}
	}
	if err != nil {
		if inCI() {
			t.Fatal("nginx is not installed; .ci/run installs nginx-light")
		}
		t.Skip("nginx is not installed (apt-get install nginx-light)")
	}
	// Not t.TempDir: nginx's workers run as nobody when the test is root,
	// and must read these files.
	dir, err := os.MkdirTemp("", "suara-nginx-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	conf := readFile(t, "nginx/nginx.conf")
	for _, r := range []struct{ old, new string }{
		{"pid /tmp/nginx.pid;", "pid " + dir + "/nginx.pid;"},
		{"/tmp/client_temp", dir + "/client_temp"},
		{"/tmp/proxy_temp", dir + "/proxy_temp"},
		{"/tmp/fastcgi_temp", dir + "/fastcgi_temp"},
		{"/tmp/uwsgi_temp", dir + "/uwsgi_temp"},
		{"/tmp/scgi_temp", dir + "/scgi_temp"},
		{"access_log /dev/stdout suara;", "access_log " + dir + "/access.log suara;"},
		{"server api:8080;", "server " + upstream + ";"},
		{"listen 8080;", "listen 127.0.0.1:" + strconv.Itoa(port) + ";"},
		{"listen [::]:8080;", ""},
		{"root /usr/share/nginx/html;", "root " + dist + ";"},
	} {
		if n := strings.Count(conf, r.old); n != 1 {
			t.Fatalf("nginx.conf has %q %d times, want once (update this test with the config)", r.old, n)
		}
		conf = strings.Replace(conf, r.old, r.new, 1)
	}
	mimeTypes, err := os.ReadFile("/etc/nginx/mime.types")
	if err != nil {
		t.Fatalf("Debian's nginx ships /etc/nginx/mime.types, as the image does: %v", err)
	}
	for name, body := range map[string]string{"nginx.conf": conf, "mime.types": string(mimeTypes),
		"suara_proxy.conf": readFile(t, "nginx/suara_proxy.conf")} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"-p", dir + "/", "-c", filepath.Join(dir, "nginx.conf")}
	if out, err := exec.Command(bin, append(args, "-t")...).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, append(args, "-g", "daemon off;")...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
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
			t.Fatalf("nginx exited:\n%s", stderr.String())
		default:
		}
		if resp, err := http.Get(base + "/index.html"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not answer on %s:\n%s", base, stderr.String())
		}
	}
	return base
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

type answer struct {
	status int
	header http.Header
	body   string
}

var client = &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second}

func get(t *testing.T, url string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// mediaType is the type without parameters; JavaScript has two names
// (RFC 9239 made text/javascript the one; Debian's nginx still says
// application/javascript), which browsers treat alike.
func mediaType(v string) string {
	mt, _, _ := mime.ParseMediaType(v)
	if mt == "application/javascript" {
		return "text/javascript"
	}
	return mt
}

// TestNginx runs the real nginx with deploy/nginx/nginx.conf in front of
// the real API, both serving the same dist, and checks that a browser
// gets the same pages, cache rules and security headers either way.
func TestNginx(t *testing.T) {
	dist, err := os.MkdirTemp("", "suara-dist-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dist) })
	for name, body := range fakeDist {
		p := filepath.Join(dist, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{dist, filepath.Join(dist, "app"), filepath.Join(dist, "assets")} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	st := storetest.Open(t, store.SQLite, store.Options{})
	goSrv := httptest.NewServer(api.New(st, api.Options{Static: os.DirFS(dist),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(goSrv.Close)
	ngx := startNginx(t, dist, strings.TrimPrefix(goSrv.URL, "http://"))

	t.Run("static files as the Go server serves them", func(t *testing.T) {
		for _, path := range []string{"/", "/index.html", "/s/k7p2q9xw3m", "/app", "/app/", "/app/units/42",
			"/p/01a21aeb-ceeb-75ee-965c-fab12f4eef8f", "/sw.js", "/poster.css",
			"/assets/app-1a2b3c.js", "/assets/app-1a2b3c.css"} {
			n, g := get(t, ngx+path), get(t, goSrv.URL+path)
			if n.status != http.StatusOK || g.status != http.StatusOK {
				t.Errorf("%s: nginx %d, Go %d, want 200 from both", path, n.status, g.status)
				continue
			}
			if n.body != g.body {
				t.Errorf("%s: nginx and Go serve different files: %.40q vs %.40q", path, n.body, g.body)
			}
			if a, b := mediaType(n.header.Get("Content-Type")), mediaType(g.header.Get("Content-Type")); a != b {
				t.Errorf("%s: Content-Type nginx %q, Go %q", path, a, b)
			}
			for _, h := range append([]string{"Cache-Control"}, securityHeaders...) {
				if nv, gv := n.header.Values(h), g.header.Values(h); strings.Join(nv, "|") != strings.Join(gv, "|") || len(nv) != 1 {
					t.Errorf("%s: %s nginx %q, Go %q (want the same, once)", path, h, nv, gv)
				}
			}
			if v := n.header.Get("Strict-Transport-Security"); v != "" {
				t.Errorf("%s: HSTS %q over plain HTTP", path, v)
			}
		}
		for _, path := range []string{"/assets/missing-9z9z9z.js", "/nothing-here.txt"} {
			if n, g := get(t, ngx+path), get(t, goSrv.URL+path); n.status != http.StatusNotFound || g.status != http.StatusNotFound {
				t.Errorf("%s: nginx %d, Go %d, want 404 from both", path, n.status, g.status)
			}
		}
	})

	t.Run("the API through the proxy", func(t *testing.T) {
		const id = "req-0123456789abcdef"
		a := get(t, ngx+"/api/v1/auth/me", "X-Request-ID", id)
		if a.status != http.StatusUnauthorized || mediaType(a.header.Get("Content-Type")) != "application/problem+json" {
			t.Fatalf("GET /api/v1/auth/me via nginx: %d %s %s", a.status, a.header.Get("Content-Type"), a.body)
		}
		if got := a.header.Get("X-Request-ID"); got != id {
			t.Errorf("X-Request-ID = %q, want the caller's %q passed through", got, id)
		}
		if got := a.header.Values("Cache-Control"); len(got) != 1 || got[0] != "no-store" {
			t.Errorf("Cache-Control = %q, want the API's no-store once", got)
		}
		direct := get(t, goSrv.URL+"/api/v1/auth/me")
		for _, h := range securityHeaders {
			if nv, gv := a.header.Values(h), direct.header.Values(h); len(nv) != 1 || nv[0] != gv[0] {
				t.Errorf("%s via nginx %q, direct %q (want the same, once)", h, nv, gv)
			}
		}
		for _, path := range []string{"/healthz", "/readyz", "/api/openapi.yaml"} {
			if a := get(t, ngx+path); a.status != http.StatusOK {
				t.Errorf("%s via nginx: %d %.200s", path, a.status, a.body)
			}
		}
		if a := get(t, ngx+"/metrics"); a.status != http.StatusNotFound {
			t.Errorf("/metrics via nginx: %d, want 404 (scraped from the pods only)", a.status)
		}
	})

	t.Run("HSTS behind TLS", func(t *testing.T) {
		for _, path := range []string{"/index.html", "/api/v1/auth/me"} {
			a := get(t, ngx+path, "X-Forwarded-Proto", "https")
			if got := a.header.Values("Strict-Transport-Security"); len(got) != 1 || !strings.HasPrefix(got[0], "max-age=31536000") {
				t.Errorf("%s behind TLS: HSTS %q, want one max-age=31536000", path, got)
			}
		}
	})

	t.Run("gzip", func(t *testing.T) {
		for _, path := range []string{"/assets/app-1a2b3c.js", "/assets/app-1a2b3c.css"} {
			a := get(t, ngx+path, "Accept-Encoding", "gzip")
			if a.header.Get("Content-Encoding") != "gzip" || !strings.Contains(a.header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s: Content-Encoding %q Vary %q, want gzip", path, a.header.Get("Content-Encoding"), a.header.Get("Vary"))
			}
			if len(a.body) >= len(fakeDist[strings.TrimPrefix(path, "/")]) {
				t.Errorf("%s: %d bytes gzipped, not smaller than %d", path, len(a.body), len(fakeDist[strings.TrimPrefix(path, "/")]))
			}
		}
	})
}
