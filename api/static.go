package api

import (
	"bytes"
	"embed"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

//go:embed openapi.yaml
var openapiFS embed.FS

// openapiYAML serves GET /api/openapi.yaml, the contract of this API.
func (s *Server) openapiYAML(c echo.Context) error {
	b, err := openapiFS.ReadFile("openapi.yaml")
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", b)
}

// notBuilt is the page shown when the server runs without a frontend.
const notBuilt = `<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Suara</title></head>
<body><h1>Suara</h1>
<p>Antarmuka web belum dibangun. / The web frontend has not been built.</p>
<pre>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>API: <a href="/api/openapi.yaml">/api/openapi.yaml</a></p>
</body></html>
`

// reserved paths are never answered with a page.
func reserved(p string) bool {
	return p == "/api" || strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/readyz" || p == "/metrics"
}

// serveStatic serves the built frontend: "/" the landing page, "/s/{slug}"
// the citizen's survey page, "/app/…" the manager app, and the files
// themselves. Hashed assets are cached for a year; pages and the service
// worker are revalidated on every load, so a deploy reaches phones at once.
func (s *Server) serveStatic(c echo.Context) error {
	p := c.Request().URL.Path
	if reserved(p) {
		return echo.ErrNotFound
	}
	page := ""
	switch {
	case p == "/" || p == "/index.html":
		page = "index.html"
	case strings.HasPrefix(p, "/s/"):
		page = "survey.html"
	case p == "/app" || strings.HasPrefix(p, "/app/"):
		page = "app/index.html"
	case strings.HasPrefix(p, "/p/"):
		page = "public.html" // published results of a unit
	}
	if s.opts.Static == nil {
		if page == "" {
			return echo.ErrNotFound
		}
		c.Response().Header().Set("Cache-Control", "no-cache")
		return c.HTML(http.StatusOK, notBuilt)
	}
	name := strings.TrimPrefix(path.Clean(p), "/")
	if page != "" && page != "index.html" {
		// A real file under /app or /s (an icon, say) wins over the page.
		if st, err := fs.Stat(s.opts.Static, name); err == nil && !st.IsDir() {
			page = ""
		}
	}
	if page != "" {
		name = page
	}
	st, err := fs.Stat(s.opts.Static, name)
	if err != nil || st.IsDir() {
		if err == nil || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
			return echo.ErrNotFound
		}
		return err
	}
	h := c.Response().Header()
	switch {
	case strings.HasPrefix(name, "assets/"):
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	case strings.HasSuffix(name, ".html"), name == "sw.js", strings.HasSuffix(name, ".webmanifest"):
		h.Set("Cache-Control", "no-cache")
	default:
		h.Set("Cache-Control", "public, max-age=3600")
	}
	f, err := s.opts.Static.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		b, err := io.ReadAll(f)
		if err != nil {
			return err
		}
		rs = bytes.NewReader(b)
	}
	http.ServeContent(c.Response(), c.Request(), name, st.ModTime(), rs)
	return nil
}
