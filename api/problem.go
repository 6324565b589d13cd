package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"suara/domain"
)

// kindStatus is the one table from a domain error's Kind to an HTTP status.
var kindStatus = map[domain.Kind]int{
	domain.KindInternal:       http.StatusInternalServerError,
	domain.KindInvalid:        http.StatusUnprocessableEntity,
	domain.KindNotFound:       http.StatusNotFound,
	domain.KindConflict:       http.StatusConflict,
	domain.KindGone:           http.StatusGone,
	domain.KindUnauthorized:   http.StatusUnauthorized,
	domain.KindForbidden:      http.StatusForbidden,
	domain.KindTooMany:        http.StatusTooManyRequests,
	domain.KindUnavailable:    http.StatusServiceUnavailable,
	domain.KindTooLarge:       http.StatusRequestEntityTooLarge,
	domain.KindNotImplemented: http.StatusNotImplemented,
}

// kindCode is the message code of a domain error that carries none.
var kindCode = map[domain.Kind]string{
	domain.KindInternal:       "internal",
	domain.KindInvalid:        "invalid",
	domain.KindNotFound:       "not_found",
	domain.KindConflict:       "conflict",
	domain.KindGone:           "gone",
	domain.KindUnauthorized:   "unauthorized",
	domain.KindForbidden:      "forbidden",
	domain.KindTooMany:        "rate_limited",
	domain.KindUnavailable:    "unavailable",
	domain.KindTooLarge:       "too_large",
	domain.KindNotImplemented: "not_implemented",
}

// httpError is a failure of the transport itself, which has no domain
// Kind: a malformed body (400), or a limit with a Retry-After.
type httpError struct {
	Status     int
	Code       string
	Args       map[string]any
	RetryAfter int // seconds; 0 means no header
}

func (e *httpError) Error() string { return e.Code }

// problemJSON is an RFC 9457 problem detail, with Suara's extensions:
// the stable code, the request id and the invalid fields.
type problemJSON struct {
	Type      string             `json:"type"`
	Title     string             `json:"title"`
	Status    int                `json:"status"`
	Detail    string             `json:"detail"`
	Code      string             `json:"code"`
	RequestID string             `json:"request_id,omitempty"`
	Errors    []fieldProblemJSON `json:"errors,omitempty"`
}

type fieldProblemJSON struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// handleError is Echo's HTTPErrorHandler and the only place that turns an
// error into a response. Handlers return errors; they never write one.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, code := http.StatusInternalServerError, "internal"
	var (
		args       map[string]any
		fields     []domain.FieldError
		retryAfter int
		he         *httpError
		ee         *echo.HTTPError
		de         *domain.Error
	)
	switch {
	case errors.As(err, &he):
		status, code, args, retryAfter = he.Status, he.Code, he.Args, he.RetryAfter
	case errors.As(err, &de):
		status = kindStatus[de.Kind]
		if status == 0 {
			status = http.StatusInternalServerError
		}
		code = de.Code
		if code == "" || de.Kind == domain.KindInternal {
			code = kindCode[de.Kind]
		}
		fields = de.Fields
		switch de.Kind {
		case domain.KindUnavailable:
			retryAfter = 5
		case domain.KindTooMany:
			retryAfter = 60
		}
	case errors.As(err, &ee):
		status = ee.Code
		switch status {
		case http.StatusNotFound:
			code = "route_not_found"
		case http.StatusMethodNotAllowed:
			code = "method_not_allowed"
		case http.StatusRequestEntityTooLarge:
			code = "too_large"
			args = map[string]any{"max": maxBody / 1024}
		case http.StatusUnauthorized:
			code = "unauthorized"
		case http.StatusForbidden:
			code = "forbidden"
		case http.StatusServiceUnavailable:
			code = "unavailable"
		case http.StatusBadRequest:
			code = "bad_request"
		default:
			if status < 400 || status > 599 {
				status = http.StatusInternalServerError
			}
			code = kindCode[domain.KindInternal]
			if status < 500 {
				code = "bad_request"
			}
		}
	}
	rid := c.Response().Header().Get(echo.HeaderXRequestID)
	if status >= 500 && status != http.StatusNotImplemented && status != http.StatusServiceUnavailable {
		s.log.Error("request failed", "request_id", rid, "method", c.Request().Method,
			"path", c.Request().URL.Path, "status", status, "err", err)
		if status == http.StatusInternalServerError {
			code, args, fields = "internal", nil, nil // never leak internals
		}
	} else if status == http.StatusServiceUnavailable {
		s.log.Warn("request unavailable", "request_id", rid, "path", c.Request().URL.Path, "err", err)
	}
	lang := language(c.Request())
	p := problemJSON{
		Type:      "urn:suara:problem:" + code,
		Title:     statusTitle(lang, status),
		Status:    status,
		Detail:    detailMessage(lang, code, status, args),
		Code:      code,
		RequestID: rid,
	}
	for _, f := range fields {
		p.Errors = append(p.Errors, fieldProblemJSON{Field: f.Field, Code: f.Code, Message: fieldMessage(lang, f.Code, f.Args)})
	}
	h := c.Response().Header()
	h.Set("Content-Language", lang)
	if retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(retryAfter))
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	h.Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(status)
	if werr := jsonEncode(c.Response(), p); werr != nil {
		s.log.Debug("write problem", "err", werr)
	}
}
