package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"suara/domain"
	"suara/store"
)

// deviceHeader carries the citizen page's device token: a random id the
// page keeps in localStorage. It identifies a browser, not a person, and
// is never stored; it keys the strict per-device submission limit.
const deviceHeader = "X-Suara-Device"

// validDevice accepts 16 to 64 URL-safe characters.
func validDevice(v string) bool {
	if len(v) < 16 || len(v) > 64 {
		return false
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// limitBy applies l per key; an empty key passes (a phone without a
// device token is still bound by the per-IP and per-survey limits).
func (s *Server) limitBy(l *limiter, key func(c echo.Context) string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !s.limits.on {
				return next(c)
			}
			k := key(c)
			if k == "" {
				return next(c)
			}
			if ok, wait := l.allow(k); !ok {
				return &httpError{Status: http.StatusTooManyRequests, Code: "rate_limited", RetryAfter: max(wait, 1)}
			}
			return next(c)
		}
	}
}

func deviceKey(c echo.Context) string {
	if v := c.Request().Header.Get(deviceHeader); validDevice(v) {
		return v
	}
	return ""
}

func surveyKey(c echo.Context) string { return c.Param("slug") }

// Login lockout: failures are counted in the database per account and
// per client address, so that every replica sees them.
func accountKey(email string) string {
	return "account:" + strings.ToLower(strings.TrimSpace(email))
}

// ipDigest pseudonymises a client address for the throttle table and the
// audit log. It is not anonymous (IPv4 is small enough to enumerate), so
// the rows are deleted once their window has passed.
func ipDigest(ip string) string {
	sum := sha256.Sum256([]byte("suara-login-ip:" + ip))
	return hex.EncodeToString(sum[:16])
}

const errLoginLocked = "login_locked"

// loginLocked answers 429 with Retry-After while the account or the
// address is locked.
func (s *Server) loginLocked(c echo.Context, email string) error {
	until, err := s.store.LoginLockedUntil(c.Request().Context(), accountKey(email), "ip:"+ipDigest(c.RealIP()))
	if err != nil || until.IsZero() {
		return err
	}
	wait := int(math.Ceil(until.Sub(s.now()).Seconds()))
	wait = max(wait, 1)
	return &httpError{Status: http.StatusTooManyRequests, Code: errLoginLocked, RetryAfter: wait,
		Args: map[string]any{"minutes": (wait + 59) / 60}}
}

type lockoutJSON struct {
	Email       string    `json:"email,omitempty"`
	Address     string    `json:"address_digest,omitempty"`
	Failures    int       `json:"failures"`
	LockedUntil time.Time `json:"locked_until"`
}

// loginFailed counts a failed login for the account and the address, and
// audits each lock as it starts. userID is empty for an unknown e-mail.
func (s *Server) loginFailed(c echo.Context, email, userID string) error {
	ctx := c.Request().Context()
	o := s.opts
	n, until, err := s.store.RecordLoginFailure(ctx, accountKey(email), store.ThrottleLimit{Max: o.LoginMaxFailures, Window: o.LoginWindow, LockFor: o.LoginLockout})
	if err != nil {
		return err
	}
	if !until.IsZero() {
		e := domain.AuditEntry{Action: "auth.lockout", Entity: "account", EntityID: userID,
			After: marshalOrNil(lockoutJSON{Email: strings.ToLower(strings.TrimSpace(email)), Failures: n, LockedUntil: until})}
		if err := s.store.Audit(ctx, e); err != nil {
			return err
		}
		s.log.Warn("login locked", "scope", "account", "user_id", userID, "until", until)
	}
	digest := ipDigest(c.RealIP())
	n, until, err = s.store.RecordLoginFailure(ctx, "ip:"+digest, store.ThrottleLimit{Max: o.LoginIPMaxFailures, Window: o.LoginWindow, LockFor: o.LoginLockout})
	if err != nil {
		return err
	}
	if !until.IsZero() {
		e := domain.AuditEntry{Action: "auth.lockout", Entity: "address", EntityID: digest,
			After: marshalOrNil(lockoutJSON{Address: digest, Failures: n, LockedUntil: until})}
		if err := s.store.Audit(ctx, e); err != nil {
			return err
		}
		s.log.Warn("login locked", "scope", "address", "address_digest", digest, "until", until)
	}
	return nil
}

// bursts flags "suspicious bursts": many identical answer sets from one
// address to one survey within a short window. It keeps, in memory only,
// a salted digest of (address, survey, answers) with the ids of the
// responses seen, and forgets it when the window passes; the address
// itself is never kept, and nothing of it reaches the database.
//
// Memory is bounded: the digests live in two generations of at most
// maxEntries/2 each. When the current one is full, or a window has passed,
// it becomes the older one and the older one is dropped. Past 200,000
// answers per window (333 a second for 10 minutes) on one replica, or
// under a flood of distinct answer sets, the window remembered gets
// shorter; the server's memory never grows.
type bursts struct {
	mu         sync.Mutex
	salt       []byte
	threshold  int
	window     time.Duration
	maxEntries int
	cur, older map[uint64]*burst
	rotated    time.Time
}

// maxBurstEntries bounds the digests kept: about 120 bytes each with the
// response id of a first member, so at most about 50 MB.
const maxBurstEntries = 400_000

type burst struct {
	first int64    // UnixNano of the first member
	ids   []string // responses counted so far, up to the threshold
}

func newBursts(threshold int, window time.Duration) *bursts {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	return &bursts{salt: salt, threshold: threshold, window: window, maxEntries: maxBurstEntries, cur: map[uint64]*burst{}}
}

// key digests an address, a survey and an answer set (in code order). 64
// bits of SHA-256 are plenty: a false match needs two of at most
// maxBurstEntries digests to collide.
func (b *bursts) key(ip, surveyID string, answers map[string]int) uint64 {
	codes := make([]string, 0, len(answers))
	for c := range answers {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	h := sha256.New()
	h.Write(b.salt)
	h.Write([]byte(ip + "\x00" + surveyID + "\x00"))
	for _, c := range codes {
		h.Write([]byte(c + "=" + strconv.Itoa(answers[c]) + ";"))
	}
	var sum [sha256.Size]byte
	return binary.BigEndian.Uint64(h.Sum(sum[:0]))
}

// find returns the live burst of k, or nil. Call with b.mu held.
func (b *bursts) find(k uint64, now time.Time) *burst {
	e := b.cur[k]
	if e == nil {
		e = b.older[k]
	}
	if e != nil && now.Sub(time.Unix(0, e.first)) <= b.window {
		return e
	}
	return nil
}

// suspicious reports whether one more such answer set reaches the
// threshold within the window.
func (b *bursts) suspicious(k uint64, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e := b.find(k, now); e != nil {
		return len(e.ids)+1 >= b.threshold
	}
	return false
}

// add records a stored response and returns the ids of the earlier
// members of the burst that must now be flagged too (once, when the
// threshold is reached).
func (b *bursts) add(k uint64, id string, now time.Time) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.find(k, now)
	if len(b.cur) >= b.maxEntries/2 || now.Sub(b.rotated) > b.window {
		b.older, b.cur, b.rotated = b.cur, make(map[uint64]*burst, len(b.cur)), now
	}
	if e == nil {
		e = &burst{first: now.UnixNano()}
	}
	b.cur[k] = e // a burst in the older generation moves to the current one
	if len(e.ids) >= b.threshold {
		return nil // already flagged; later ones come flagged
	}
	e.ids = append(e.ids, id)
	if len(e.ids) == b.threshold {
		return append([]string(nil), e.ids[:len(e.ids)-1]...)
	}
	return nil
}

// trustedPeer reports whether the direct peer is a proxy we trust to
// name the scheme and the client: loopback or a private network, the same
// rule as the IP extractor's.
func trustedPeer(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast())
}

// behindTLS reports whether the client reached us over HTTPS: directly,
// or through a trusted proxy that says so.
func behindTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return trustedPeer(r) && strings.EqualFold(r.Header.Get(echo.HeaderXForwardedProto), "https")
}
