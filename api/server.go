// Package api is Suara's HTTP transport: the Echo route table, request
// decoding and validation, sessions, roles and unit scope, rate limits,
// the one error handler that writes RFC 9457 problem details, and the
// OpenAPI document. Handlers call the store and the survey package and
// nothing else; there is no SQL and no methodology here.
package api

import (
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"suara/store"
)

// Options configure the server. The zero value serves the API with no
// frontend, no rate limits and the defaults below.
type Options struct {
	// Static holds the built frontend (frontend/dist). When nil, the pages
	// say how to build it.
	Static fs.FS
	// BaseURL is the public address used in survey links and QR codes
	// ("https://skm.example.go.id"). Empty: derived from each request.
	BaseURL string
	Logger  *slog.Logger
	// RateLimits turns the per-IP limits on; false disables every limit
	// (load tests, SUARA_RATE_LIMITS=off).
	RateLimits bool
	// LoginPerMinute bounds login attempts per IP (default 10).
	LoginPerMinute int
	// SubmitPerMinute bounds public submissions per IP (default 60: one
	// carrier-grade NAT can put a whole waiting room behind one address).
	SubmitPerMinute int
	// DevicePerMinute bounds submissions per device token (default 10:
	// a counter's kiosk serves one citizen at a time, and a phone's
	// offline queue retries what is refused).
	DevicePerMinute int
	// SurveyPerMinute bounds submissions to one survey from everyone
	// (default 600).
	SurveyPerMinute int
	// BurstThreshold identical answer sets from one address to one survey
	// within BurstWindow are flagged suspicious (defaults 5 and 10 min).
	BurstThreshold int
	BurstWindow    time.Duration
	// LoginMaxFailures failed logins for one account within LoginWindow
	// lock it for LoginLockout (defaults 5, 15 min, 15 min);
	// LoginIPMaxFailures is the generous limit per client address
	// (default 50: an office shares one address).
	LoginMaxFailures   int
	LoginIPMaxFailures int
	LoginWindow        time.Duration
	LoginLockout       time.Duration
	// SubmitTimeout bounds a public submission (default 5 s): past it, a
	// frozen or unreachable database answers 503 with Retry-After instead
	// of holding the phone; the retry with the same client_id is safe.
	SubmitTimeout time.Duration
	// SessionTTL is how long a login lasts (default 12 h).
	SessionTTL time.Duration
	// SecureCookies marks the session cookie Secure (behind HTTPS).
	SecureCookies bool
	Version       string
	// Now is the clock (default time.Now); tests fix it.
	Now func() time.Time
}

// Server is the HTTP handler of Suara.
type Server struct {
	e        *echo.Echo
	store    *store.Store
	opts     Options
	log      *slog.Logger
	validate *validator.Validate
	now      func() time.Time
	metrics  *metrics
	limits   *limits

	public publicCaches // surveys, units and services the citizen's routes read, for a few seconds

	versionsMu sync.RWMutex
	versions   map[string]version // published, hence immutable, versions
}

// New returns a server over st.
func New(st *store.Store, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LoginPerMinute <= 0 {
		opts.LoginPerMinute = 10
	}
	if opts.SubmitPerMinute <= 0 {
		opts.SubmitPerMinute = 60
	}
	defaults := []struct {
		v   *int
		def int
	}{{&opts.DevicePerMinute, 10}, {&opts.SurveyPerMinute, 600}, {&opts.BurstThreshold, 5},
		{&opts.LoginMaxFailures, 5}, {&opts.LoginIPMaxFailures, 50}}
	for _, d := range defaults {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	if opts.BurstWindow <= 0 {
		opts.BurstWindow = 10 * time.Minute
	}
	if opts.LoginWindow <= 0 {
		opts.LoginWindow = 15 * time.Minute
	}
	if opts.LoginLockout <= 0 {
		opts.LoginLockout = 15 * time.Minute
	}
	if opts.SubmitTimeout <= 0 {
		opts.SubmitTimeout = 5 * time.Second
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	s := &Server{
		store:    st,
		opts:     opts,
		log:      opts.Logger,
		validate: newValidator(),
		now:      opts.Now,
		metrics:  newMetrics(),
		versions: map[string]version{},
	}
	s.limits = newLimits(opts)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	// Only a proxy on loopback or a private network may name the client's
	// address; anyone else could dodge the rate limits with a forged header.
	e.IPExtractor = echo.ExtractIPFromXFFHeader()
	s.e = e
	s.routes()
	return s
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

// Echo returns the Echo instance, for tests that list its routes.
func (s *Server) Echo() *echo.Echo { return s.e }
