package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"suara/domain"
	"suara/store"
)

const (
	sessionCookie = "suara_session"
	ctxPrincipal  = "suara.principal"
	ctxViaCookie  = "suara.via_cookie"
)

type loginRequest struct {
	Email    string `json:"email" validate:"required,max=254"`
	Password string `json:"password" validate:"required,max=1024"`
}

type loginJSON struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      userJSON  `json:"user"`
}

type meJSON struct {
	User  userJSON   `json:"user"`
	Units []unitJSON `json:"units"`
}

// login serves POST /api/v1/auth/login. It takes as long for an unknown
// e-mail as for a wrong password, and says the same thing for both.
func (s *Server) login(c echo.Context) error {
	var in loginRequest
	if err := s.decode(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	// A locked account or address is refused before any password check,
	// for a known and an unknown e-mail alike.
	if err := s.loginLocked(c, in.Email); err != nil {
		return err
	}
	u, err := s.store.FindUserByEmail(ctx, in.Email)
	switch {
	case domain.KindOf(err) == domain.KindNotFound:
		store.DummyVerify(in.Password)
		if err := s.loginFailed(c, in.Email, ""); err != nil {
			return err
		}
		return errBadCredentials
	case err != nil:
		return err
	}
	if !store.VerifyPassword(u.PasswordHash, in.Password) || u.Disabled {
		if err := s.loginFailed(c, in.Email, u.ID); err != nil {
			return err
		}
		return errBadCredentials
	}
	if err := s.store.ClearLoginFailures(ctx, accountKey(in.Email), s.opts.LoginWindow); err != nil {
		return err
	}
	// Ended sessions are of no use and are personal data: drop them as
	// logins come (docs/privacy.md, retention).
	if err := s.store.DeleteExpiredSessions(ctx); err != nil {
		s.log.Warn("delete expired sessions", "err", err)
	}
	token, hash := newToken()
	expires := s.now().Add(s.opts.SessionTTL)
	if err := s.store.CreateSession(ctx, u.ID, hash, expires); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", Expires: expires, MaxAge: int(s.opts.SessionTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.opts.SecureCookies,
	})
	return writeJSON(c, http.StatusOK, loginJSON{Token: token, ExpiresAt: expires.UTC(), User: toUserJSON(u)})
}

var errBadCredentials = &domain.Error{Kind: domain.KindUnauthorized, Code: "invalid_credentials", Msg: "wrong e-mail or password"}

// logout serves POST /api/v1/auth/logout.
func (s *Server) logout(c echo.Context) error {
	p := principal(c)
	if err := s.store.DeleteSession(c.Request().Context(), p.SessionID); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.opts.SecureCookies})
	return c.NoContent(http.StatusNoContent)
}

// me serves GET /api/v1/auth/me: the user and the units they were given.
func (s *Server) me(c echo.Context) error {
	p := principal(c)
	units, err := s.store.FindUnitsByID(c.Request().Context(), p.User.UnitIDs)
	if err != nil {
		return err
	}
	out := meJSON{User: toUserJSON(p.User), Units: make([]unitJSON, 0, len(units))}
	for _, u := range units {
		out.Units = append(out.Units, toUnitJSON(u))
	}
	return writeJSON(c, http.StatusOK, out)
}

// newToken returns a session token (32 random bytes, base64url) and the
// SHA-256 hex digest under which the store keeps it.
func newToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// authenticate requires a session: the Authorization bearer token, or the
// cookie. A cookie-authenticated unsafe request must also prove it comes
// from our own pages (X-Requested-With: suara, or a same-origin Origin),
// because a browser sends cookies along with cross-site forms.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, viaCookie := "", false
		if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
			scheme, rest, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") {
				return errUnauthorized
			}
			token = strings.TrimSpace(rest)
		} else if ck, err := c.Cookie(sessionCookie); err == nil {
			token, viaCookie = ck.Value, true
		}
		if token == "" || len(token) > 256 {
			return errUnauthorized
		}
		p, err := s.store.FindPrincipal(c.Request().Context(), hashToken(token))
		if err != nil {
			return err
		}
		if viaCookie && !safeMethod(c.Request().Method) && !sameOrigin(c.Request()) {
			return &domain.Error{Kind: domain.KindForbidden, Code: "csrf", Msg: "cross-site request refused"}
		}
		c.Set(ctxPrincipal, p)
		c.Set(ctxViaCookie, viaCookie)
		return next(c)
	}
}

var errUnauthorized = &domain.Error{Kind: domain.KindUnauthorized, Code: "unauthorized", Msg: "no valid session"}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func sameOrigin(r *http.Request) bool {
	if r.Header.Get("X-Requested-With") == "suara" {
		return true
	}
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return false
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// requireAdmin lets only administrators through.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !principal(c).IsAdmin() {
			return errForbidden
		}
		return next(c)
	}
}

var errForbidden = &domain.Error{Kind: domain.KindForbidden, Code: "forbidden", Msg: "not allowed"}

// principal returns the authenticated user of the request.
func principal(c echo.Context) domain.Principal {
	p, _ := c.Get(ctxPrincipal).(domain.Principal)
	return p
}

// seeUnit returns the unit with the given id when the caller may see it,
// and NotFound otherwise: a unit outside one's scope does not exist.
func (s *Server) seeUnit(c echo.Context, id string) (domain.Unit, error) {
	u, err := s.store.FindUnit(c.Request().Context(), id)
	if err != nil {
		return domain.Unit{}, err
	}
	if !principal(c).CanSee(u.Path) {
		return domain.Unit{}, domain.NotFound("unit")
	}
	return u, nil
}

// manageUnit is seeUnit for a change: a viewer gets 403 within scope.
func (s *Server) manageUnit(c echo.Context, id string) (domain.Unit, error) {
	u, err := s.seeUnit(c, id)
	if err != nil {
		return u, err
	}
	return u, canManage(c, u)
}

// canManage reports Forbidden unless the caller may change things in u.
func canManage(c echo.Context, u domain.Unit) error {
	if !principal(c).CanManage(u.Path) {
		return errForbidden
	}
	return nil
}

// audit records an administrative change by the caller, with the state
// before and after as JSON. Call it on the transaction of the change.
func audit(c echo.Context, tx *store.Store, action, entity, id string, before, after any) error {
	return tx.Audit(c.Request().Context(), domain.AuditEntry{
		ActorID: principal(c).User.ID, Action: action, Entity: entity, EntityID: id,
		Before: marshalOrNil(before), After: marshalOrNil(after),
	})
}

func marshalOrNil(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
