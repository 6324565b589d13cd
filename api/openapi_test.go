package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

var (
	specOnce   sync.Once
	spec       *openapi3.T
	specRouter routers.Router
	specErr    error
)

func loadSpec(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		b, err := openapiFS.ReadFile("openapi.yaml")
		if err != nil {
			specErr = err
			return
		}
		loader := openapi3.NewLoader()
		spec, specErr = loader.LoadFromData(b)
		if specErr != nil {
			return
		}
		if specErr = spec.Validate(context.Background()); specErr != nil {
			return
		}
		specRouter, specErr = legacy.NewRouter(spec)
	})
	if specErr != nil {
		t.Fatalf("openapi.yaml: %v", specErr)
	}
	return spec, specRouter
}

// checkOpenAPI validates a response produced in a test against the
// document: its status must be listed and its body must match the schema.
func checkOpenAPI(t *testing.T, method, path string, h http.Header, rec *httptest.ResponseRecorder) {
	t.Helper()
	_, router := loadSpec(t)
	if !strings.HasPrefix(path, "/api/") && path != "/healthz" && path != "/readyz" && path != "/metrics" {
		return // frontend pages are not part of the API
	}
	req := httptest.NewRequest(method, path, nil)
	req.Header = h.Clone()
	route, params, err := router.FindRoute(req)
	if err != nil {
		if rec.Code == http.StatusNotFound || rec.Code == http.StatusMethodNotAllowed {
			return // an unknown route answered as such
		}
		t.Errorf("openapi: %s %s answered %d but has no operation in openapi.yaml: %v", method, path, rec.Code, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  rec.Code,
		Header:  rec.Header(),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	body := bytes.Clone(rec.Body.Bytes())
	if rec.Header().Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Errorf("gzip body: %v", err)
			return
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Errorf("gzip body: %v", err)
			return
		}
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("openapi: %s %s → %d does not match openapi.yaml: %v\nbody: %s", method, path, rec.Code, err, truncate(rec.Body.String()))
	}
}

func truncate(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

var echoParam = regexp.MustCompile(`:([a-z_]+)`)

// TestOpenAPIHasEveryRoute fails when a route registered in Echo is
// missing from openapi.yaml, or the document lists one Echo lacks.
func TestOpenAPIHasEveryRoute(t *testing.T) {
	doc, _ := loadSpec(t)
	srv := New(nil, Options{})
	registered := map[string]bool{}
	for _, r := range srv.Echo().Routes() {
		if r.Path == "/*" || strings.HasSuffix(r.Path, "/*") || r.Method == "echo_route_not_found" {
			continue // the frontend's catch-all
		}
		path := echoParam.ReplaceAllString(r.Path, "{$1}")
		key := r.Method + " " + path
		registered[key] = true
		item := doc.Paths.Find(path)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("route %s is not in openapi.yaml", key)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !registered[method+" "+path] {
				t.Errorf("openapi.yaml lists %s %s, which the server does not serve", method, path)
			}
		}
	}
}

// TestOpenAPIServed checks the document is served and parses.
func TestOpenAPIServed(t *testing.T) {
	srv := New(nil, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	rec := doRequest(t, srv, http.MethodGet, "/api/openapi.yaml", "")
	wantStatus(t, rec, http.StatusOK)
	body, _ := io.ReadAll(rec.Body)
	if _, err := openapi3.NewLoader().LoadFromData(body); err != nil {
		t.Fatalf("served document does not load: %v", err)
	}
}

// TestNotImplementedRoutes: every feature of the route table has
// shipped, so no operation of the document is still marked
// x-not-implemented or lists a 501. A route that answers 501 again must be
// marked here and in the document.
func TestNotImplementedRoutes(t *testing.T) {
	doc, _ := loadSpec(t)
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			n++
			if _, ok := op.Extensions["x-not-implemented"]; ok {
				t.Errorf("openapi.yaml: %s %s is marked x-not-implemented", method, path)
			}
			if op.Responses.Value("501") != nil {
				t.Errorf("openapi.yaml: %s %s lists a 501", method, path)
			}
		}
	}
	if n < 40 {
		t.Fatalf("only %d operations in openapi.yaml", n)
	}
}
