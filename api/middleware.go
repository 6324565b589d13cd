package api

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// csp allows only our own origin: the pages have no inline script or
// style, and images may be data: URLs (the QR code preview).
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"worker-src 'self'; manifest-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// requestID takes a sane X-Request-ID from the proxy or makes one, and
// returns it in the response.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !saneID(id) {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

func saneID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// accessLog logs one structured line per request and counts it for
// /metrics. It runs outside the error handler's writes, so the status is
// the one sent.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // write the problem now, so the status below is final
		}
		res := c.Response()
		route := c.Path()
		if route == "" || route == "/*" {
			route = "other"
		}
		s.metrics.request(c.Request().Method, route, res.Status, time.Since(start))
		s.log.LogAttrs(c.Request().Context(), levelOf(res.Status), "request",
			slog.String("request_id", res.Header().Get(echo.HeaderXRequestID)),
			slog.String("method", c.Request().Method),
			slog.String("path", c.Request().URL.Path),
			slog.String("route", route),
			slog.Int("status", res.Status),
			slog.Int64("bytes", res.Size),
			slog.Duration("duration", time.Since(start)),
		)
		return nil
	}
}

// securityHeaders sets the headers every response carries.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()")
		if behindTLS(c.Request()) { // a forged X-Forwarded-Proto from the internet is ignored
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		return next(c)
	}
}

// limits holds the per-IP token buckets. IP addresses live only here, in
// memory, and are forgotten when idle (DESIGN: no personal data stored).
type limits struct {
	on          bool
	login       *limiter
	submit      *limiter
	publicReads *limiter
	device      *limiter // submissions per device token: strict
	survey      *limiter // submissions per survey, from everyone
	bursts      *bursts
}

func newLimits(o Options) *limits {
	return &limits{
		on:          o.RateLimits,
		login:       newLimiter(o.LoginPerMinute, o.Now),
		submit:      newLimiter(o.SubmitPerMinute, o.Now),
		publicReads: newLimiter(4*o.SubmitPerMinute, o.Now),
		device:      newLimiter(o.DevicePerMinute, o.Now),
		survey:      newLimiter(o.SurveyPerMinute, o.Now),
		bursts:      newBursts(o.BurstThreshold, o.BurstWindow),
	}
}

// limiter is a set of token buckets keyed by client address: perMinute
// requests a minute, all of which may come at once.
type limiter struct {
	mu        sync.Mutex
	perMinute int
	now       func() time.Time
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(perMinute int, now func() time.Time) *limiter {
	return &limiter{perMinute: perMinute, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for key, or says how many seconds until one is free.
func (l *limiter) allow(key string) (bool, int) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > time.Minute {
		for k, b := range l.buckets { // a full bucket is the same as none
			if now.Sub(b.seen) > 2*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Every(time.Minute/time.Duration(l.perMinute)), l.perMinute)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, int(math.Ceil(d.Seconds()))
	}
	return true, 0
}

// limit applies l per client IP when rate limits are on.
func (s *Server) limit(l *limiter) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !s.limits.on {
				return next(c)
			}
			if ok, wait := l.allow(c.RealIP()); !ok {
				return &httpError{Status: http.StatusTooManyRequests, Code: "rate_limited", RetryAfter: max(wait, 1)}
			}
			return next(c)
		}
	}
}

// fastBodyLimit refuses a body whose declared length is too large before
// reading it. decode stays authoritative: a chunked body has no length.
func fastBodyLimit(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.Request().ContentLength > limit {
				return &httpError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Args: map[string]any{"max": limit / 1024}}
			}
			return next(c)
		}
	}
}

func levelOf(status int) slog.Level {
	if status >= 500 && status != http.StatusNotImplemented {
		return slog.LevelError
	}
	return slog.LevelInfo
}
