package domain

import (
	"errors"
	"fmt"
)

// Kind classifies an error so that the transport can choose a status.
// The order is append-only: values may be persisted in logs.
type Kind int

const (
	KindInternal       Kind = iota // a bug or an outage; never the user's fault
	KindInvalid                    // the input breaks a rule; Fields says which
	KindNotFound                   // no such thing, or outside the caller's scope
	KindConflict                   // a unique value is taken, or the state forbids it
	KindGone                       // the thing existed but is closed (a survey period)
	KindUnauthorized               // no valid credentials
	KindForbidden                  // valid credentials, not allowed
	KindTooMany                    // rate limited
	KindUnavailable                // temporarily unable (queue full, database down)
	KindTooLarge                   // the request body is too large
	KindNotImplemented             // a route whose feature has not shipped
)

// FieldError names one bad input field with a stable code. The transport
// renders the message for the caller's language from Code and Args.
type FieldError struct {
	Field string
	Code  string
	Args  map[string]any
}

// Error is the error type of the domain and the store.
type Error struct {
	Kind   Kind
	Code   string // a stable message key such as "survey_closed"; may be empty
	Msg    string // a developer-facing description; never shown for KindInternal
	Fields []FieldError
	Err    error // the cause, if any
}

func (e *Error) Error() string {
	switch {
	case e.Msg != "" && e.Err != nil:
		return e.Msg + ": " + e.Err.Error()
	case e.Msg != "":
		return e.Msg
	case e.Err != nil:
		return e.Err.Error()
	}
	return e.Code
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind with a formatted message.
func Errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Invalid returns a KindInvalid error naming every bad field.
func Invalid(fields ...FieldError) *Error {
	return &Error{Kind: KindInvalid, Code: "invalid", Msg: "invalid input", Fields: fields}
}

// NotFound returns a KindNotFound error for a thing of the given name.
func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Code: "not_found", Msg: what + " not found"}
}

// Field is shorthand for a FieldError without arguments.
func Field(field, code string) FieldError { return FieldError{Field: field, Code: code} }

// KindOf reports the Kind of err: the Kind of the first *Error in its chain,
// or KindInternal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// FieldErrors appends every FieldError found in err to dst.
func FieldErrors(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
