package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"suara/domain"
)

// maxBody bounds every request body. A citizen's answer is well under
// 2 KiB; a questionnaire uses maxTemplateBody.
const (
	maxBody         = 16 << 10
	maxTemplateBody = 64 << 10
)

type decodeMode int

const (
	strict   decodeMode = iota // management routes: an unknown field is an error
	tolerant                   // the public submission: an older or newer phone may send more
)

// decode is the one way a request body becomes a request value: read
// through http.MaxBytesReader (413, also for chunked bodies, which Echo's
// BodyLimit lets through), parse (400 with the position), then check types
// and the validate tags (one 422 naming every bad field by its JSON name).
func (s *Server) decode(c echo.Context, dst any) error {
	return s.decodeWith(c, dst, strict, maxBody)
}

func (s *Server) decodeWith(c echo.Context, dst any, mode decodeMode, limit int64) error {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &httpError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Args: map[string]any{"max": limit / 1024}}
		}
		return &httpError{Status: http.StatusBadRequest, Code: "bad_request"}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return &httpError{Status: http.StatusBadRequest, Code: "empty_body"}
	}
	if f, ok := dst.(fastDecoder); ok && f.decodeFast(body) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if mode == strict {
		dec.DisallowUnknownFields()
	}
	var fields []domain.FieldError
	err = dec.Decode(dst)
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case err == nil:
		if dec.More() {
			return malformed(body, dec.InputOffset())
		}
		if _, terr := dec.Token(); terr != io.EOF {
			return malformed(body, dec.InputOffset())
		}
	case errors.As(err, &syn):
		return malformed(body, syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return malformed(body, int64(len(body)))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return &httpError{Status: http.StatusBadRequest, Code: "malformed_json", Args: position(body, typ.Offset)}
		}
		fields = append(fields, domain.FieldError{Field: field, Code: "invalid_type", Args: map[string]any{"want": jsonKind(typ.Type)}})
	default:
		if name, ok := unknownField(err); ok {
			if name == "" {
				name = `""` // the empty key: a problem must still name its field (found by FuzzTemplateQuestions)
			}
			fields = append(fields, domain.Field(name, "unknown"))
			break
		}
		return malformed(body, dec.InputOffset())
	}
	fields = append(fields, nulFields(body)...)
	fields = append(fields, s.check(dst, fields)...)
	if len(fields) > 0 {
		return domain.Invalid(fields...)
	}
	return nil
}

// nulFields names every string of the body that holds a NUL character.
// JSON can carry one ("\u0000"), PostgreSQL cannot store one in text: a
// comment with a NUL would fail the whole group-commit batch it rode in
// and then its own retry, forever. JSON writes a NUL only as that escape,
// so bodies without it are not parsed twice.
func nulFields(body []byte) []domain.FieldError {
	if !bytes.Contains(body, []byte(`\u0000`)) {
		return nil
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []domain.FieldError
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch x := v.(type) {
		case string:
			if strings.ContainsRune(x, 0) {
				out = append(out, domain.Field(at, "invalid_format"))
			}
		case []any:
			for i, e := range x {
				walk(e, at+"["+strconv.Itoa(i)+"]")
			}
		case map[string]any:
			for k, e := range x {
				name := k
				if at != "" {
					name = at + "." + k
				}
				if strings.ContainsRune(k, 0) {
					out = append(out, domain.Field(strings.ReplaceAll(name, "\x00", `\u0000`), "invalid_format"))
					continue
				}
				walk(e, name)
			}
		}
	}
	walk(v, "")
	domain.SortFields(out)
	return out
}

// check runs the validate tags and returns every failure, skipping fields
// that already failed to decode.
func (s *Server) check(v any, already []domain.FieldError) []domain.FieldError {
	err := s.validate.Struct(v)
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return nil
	}
	seen := map[string]bool{}
	for _, f := range already {
		seen[f.Field] = true
	}
	var out []domain.FieldError
	for _, fe := range ves {
		name := fe.Namespace()
		if _, rest, ok := strings.Cut(name, "."); ok {
			name = rest
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, fieldErrorOf(name, fe))
	}
	return out
}

// fieldErrorOf maps a validator tag to a stable code.
func fieldErrorOf(name string, fe validator.FieldError) domain.FieldError {
	kind := fe.Kind()
	isString := kind == reflect.String
	isList := kind == reflect.Slice || kind == reflect.Map || kind == reflect.Array
	switch fe.Tag() {
	case "required", "required_if", "required_unless":
		return domain.Field(name, "required")
	case "uuid", "uuid4", "uuid_rfc4122":
		return domain.Field(name, "uuid")
	case "email":
		return domain.Field(name, "email")
	case "oneof", "tz":
		return domain.Field(name, "invalid_choice")
	case "date":
		return domain.Field(name, "date")
	case "max", "lte":
		switch {
		case isString:
			return domain.FieldError{Field: name, Code: "max_len", Args: map[string]any{"max": fe.Param()}}
		case isList:
			return domain.FieldError{Field: name, Code: "max_items", Args: map[string]any{"max": fe.Param()}}
		}
		return domain.FieldError{Field: name, Code: "max", Args: map[string]any{"max": fe.Param()}}
	case "min", "gte":
		switch {
		case isString:
			return domain.FieldError{Field: name, Code: "min_len", Args: map[string]any{"min": fe.Param()}}
		case isList:
			if fe.Param() == "1" {
				return domain.Field(name, "required")
			}
		}
		return domain.FieldError{Field: name, Code: "min", Args: map[string]any{"min": fe.Param()}}
	}
	return domain.Field(name, "invalid_format")
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// newValidator builds the one validator: JSON names in errors, and the
// tags date (YYYY-MM-DD), code (a short identifier) and tz (an
// Indonesian time zone).
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			return ""
		case "":
			return f.Name
		}
		return name
	})
	_ = v.RegisterValidation("date", func(fl validator.FieldLevel) bool {
		return validDate(fl.Field().String())
	})
	_ = v.RegisterValidation("code", func(fl validator.FieldLevel) bool {
		return codePattern.MatchString(fl.Field().String())
	})
	_ = v.RegisterValidation("tz", func(fl validator.FieldLevel) bool {
		_, ok := domain.TimeZones[fl.Field().String()]
		return ok
	})
	return v
}

func validDate(s string) bool {
	_, err := time.Parse(domain.DateLayout, s)
	return err == nil
}

var unknownFieldPattern = regexp.MustCompile(`unknown field "([^"]*)"`)

func unknownField(err error) (string, bool) {
	m := unknownFieldPattern.FindStringSubmatch(err.Error())
	if m == nil {
		return "", false
	}
	return m[1], true
}

func malformed(body []byte, offset int64) error {
	return &httpError{Status: http.StatusBadRequest, Code: "malformed_json", Args: position(body, offset)}
}

// position turns a byte offset into offset, line and column (1-based).
func position(body []byte, offset int64) map[string]any {
	if offset > int64(len(body)) {
		offset = int64(len(body))
	}
	if offset < 0 {
		offset = 0
	}
	before := body[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - bytes.LastIndexByte(before, '\n')
	return map[string]any{"offset": offset, "line": line, "column": col}
}

func jsonKind(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "value"
}

// jsonEncode writes v as JSON without HTML escaping.
func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeJSON answers with status and v as JSON.
func writeJSON(c echo.Context, status int, v any) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(status)
	return jsonEncode(c.Response(), v)
}
