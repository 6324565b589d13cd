package api

import (
	"bytes"
	"math"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// fastDecoder is a request type with a parser of its own for the shape
// its clients send. decodeFast returns false, leaving the value as it
// was, for any body it does not read exactly as encoding/json would; the
// general decoder then reads it and names what is wrong. Such a type has
// no validate tags (TestFastDecodersHaveNoRules), so what decodeFast
// reads needs no validator pass: its handler checks it.
type fastDecoder interface {
	decodeFast(body []byte) bool
}

// decodeFast reads a citizen's answer as the page and suara-load send it:
// one object of the seven known keys, each once, with strings holding no
// escape, and profile and answers flat objects of strings and numbers.
// It is the server's hottest decode: at 16 phones encoding/json took 13 %
// of the server's CPU, most of it reflection over the two maps
// (docs/performance.md). What it accepts it reads to the value that
// encoding/json reads (FuzzSubmitDecodeFast). Anything else (an escape,
// null, a nested value, an unknown or repeated key, invalid UTF-8,
// trailing data) goes to the general decoder.
func (in *submitRequest) decodeFast(body []byte) bool {
	if bytes.IndexByte(body, '\\') >= 0 || !utf8.Valid(body) {
		return false
	}
	p := jsonScan{b: body}
	var out submitRequest
	// The keys it reads, each into a string or a flat object; seen marks
	// them by index.
	fields := [...]struct {
		key string
		str *string
		obj *map[string]any
	}{
		{"client_id", &out.ClientID, nil}, {"unit_id", &out.UnitID, nil}, {"service_id", &out.ServiceID, nil},
		{"comment", &out.Comment, nil}, {"captured_at", &out.CapturedAt, nil},
		{"profile", nil, &out.Profile}, {"answers", nil, &out.Answers},
	}
	var seen uint8
	if !p.consume('{') {
		return false
	}
	for more := !p.consume('}'); more; {
		key, ok := p.str()
		if !ok || !p.consume(':') {
			return false
		}
		i := 0
		for i < len(fields) && fields[i].key != key {
			i++
		}
		if i == len(fields) || seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		if f := fields[i]; f.str != nil {
			*f.str, ok = p.str()
		} else {
			*f.obj, ok = p.flatObject()
		}
		if !ok {
			return false
		}
		if more, ok = p.next(); !ok {
			return false
		}
	}
	if p.skipSpace(); p.i != len(p.b) {
		return false
	}
	*in = out
	return true
}

// jsonScan reads JSON without escapes (the caller has checked there are
// none) from b at i.
type jsonScan struct {
	b []byte
	i int
}

func (p *jsonScan) skipSpace() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// consume skips white space and then c, if c is next.
func (p *jsonScan) consume(c byte) bool {
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string without escapes; a control character makes the
// JSON invalid.
func (p *jsonScan) str() (string, bool) {
	if !p.consume('"') {
		return "", false
	}
	for j := p.i; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			s := string(p.b[p.i:j])
			p.i = j + 1
			return s, true
		case c < 0x20:
			return "", false
		}
	}
	return "", false
}

// key reads a string as str does, but a short one that was read before
// (a question code or a profile field: a template has a few dozen) is the
// same string again, without an allocation.
func (p *jsonScan) key() (string, bool) {
	start := p.i
	if !p.consume('"') {
		return "", false
	}
	end := bytes.IndexByte(p.b[p.i:], '"')
	if end < 0 || end > maxKnownKey {
		p.i = start
		return p.str()
	}
	raw := p.b[p.i : p.i+end]
	knownKeys.RLock()
	k, ok := knownKeys.m[string(raw)]
	full := len(knownKeys.m) >= maxKnownKeys
	knownKeys.RUnlock()
	if !ok {
		p.i = start
		if k, ok = p.str(); !ok {
			return "", false
		}
		if !full { // once full, an unknown key takes no write lock
			knownKeys.Lock()
			if len(knownKeys.m) < maxKnownKeys {
				knownKeys.m[k] = k
			}
			knownKeys.Unlock()
		}
		return k, true
	}
	p.i += end + 1
	return k, true
}

// knownKeys are the keys key has read, up to maxKnownKeys of at most
// maxKnownKey bytes each (a few tens of KB): the first keys any body
// sends fill it, so what anyone sends cannot grow it.
var knownKeys = struct {
	sync.RWMutex
	m map[string]string
}{m: map[string]string{}}

const (
	maxKnownKeys = 1024
	maxKnownKey  = 32
)

// number reads a JSON number as encoding/json reads one into an any: a
// float64.
func (p *jsonScan) number() (any, bool) {
	p.skipSpace()
	start, j := p.i, p.i
	digits := func() int {
		k := j
		for j < len(p.b) && p.b[j] >= '0' && p.b[j] <= '9' {
			j++
		}
		return j - k
	}
	if j < len(p.b) && p.b[j] == '-' {
		j++
	}
	switch n := digits(); {
	case n == 0:
		return nil, false
	case n > 1 && p.b[j-n] == '0':
		return nil, false // a leading zero
	}
	if j < len(p.b) && p.b[j] == '.' {
		j++
		if digits() == 0 {
			return nil, false
		}
	}
	if j < len(p.b) && (p.b[j] == 'e' || p.b[j] == 'E') {
		j++
		if j < len(p.b) && (p.b[j] == '+' || p.b[j] == '-') {
			j++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	f, err := strconv.ParseFloat(string(p.b[start:j]), 64)
	if err != nil {
		return nil, false // out of float64's range: encoding/json's error names it
	}
	p.i = j
	if i := int(f); float64(i) == f && i >= 0 && i < len(smallNumbers) && !math.Signbit(f) {
		return smallNumbers[i], true
	}
	return f, true
}

// smallNumbers holds the answers' usual values as an any, made once: an
// answer then costs no allocation.
var smallNumbers = func() (out [16]any) {
	for i := range out {
		out[i] = float64(i)
	}
	return out
}()

// flatObject reads an object whose values are strings or numbers, each
// key once.
func (p *jsonScan) flatObject() (map[string]any, bool) {
	if !p.consume('{') {
		return nil, false
	}
	m := make(map[string]any, 12)
	for more := !p.consume('}'); more; {
		key, ok := p.key()
		if !ok || !p.consume(':') {
			return nil, false
		}
		if _, dup := m[key]; dup {
			return nil, false
		}
		p.skipSpace()
		if p.i < len(p.b) && p.b[p.i] == '"' {
			m[key], ok = p.str()
		} else {
			m[key], ok = p.number()
		}
		if !ok {
			return nil, false
		}
		if more, ok = p.next(); !ok {
			return nil, false
		}
	}
	return m, true
}

// next reads what follows a member of an object: a comma (more follow)
// or the closing brace.
func (p *jsonScan) next() (more, ok bool) {
	if p.consume(',') {
		return true, true
	}
	return false, p.consume('}')
}

// writeReceipt answers a submission with its receipt, the same bytes
// jsonEncode writes, without reflection: the id and the receipt are the
// server's own UUID and code, which need no escaping (anything else is
// encoded by encoding/json).
func writeReceipt(c echo.Context, status int, r receiptJSON) error {
	if !plainJSON(r.ID) || !plainJSON(r.Receipt) {
		return writeJSON(c, status, r)
	}
	b := make([]byte, 0, 32+len(r.ID)+len(r.Receipt))
	b = append(b, `{"id":"`...)
	b = append(b, r.ID...)
	b = append(b, `","receipt":"`...)
	b = append(b, r.Receipt...)
	b = append(b, "\"}\n"...)
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(status)
	_, err := c.Response().Write(b)
	return err
}

// plainJSON reports whether s is written as itself inside a JSON string:
// printable ASCII without quotes or backslashes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
