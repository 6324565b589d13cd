package load

import (
	"context"
	"encoding/json"
	"encoding/json/jsontext"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// Form is the part of GET /api/v1/public/surveys/{slug} the load tool
// needs to fill in a valid answer, as a citizen's page would.
type Form struct {
	Slug   string `json:"-"`
	Survey struct {
		ID string `json:"id"`
	} `json:"survey"`
	Unit struct {
		ID string `json:"id"`
	} `json:"unit"`
	Units []struct {
		ID string `json:"id"`
	} `json:"units"`
	Services []struct {
		ID     string `json:"id"`
		UnitID string `json:"unit_id"`
	} `json:"services"`
	Questions []struct {
		Code     string `json:"code"`
		Kind     string `json:"kind"`
		Required bool   `json:"required"`
		Options  []struct {
			Value string `json:"value"`
		} `json:"options"`
		Min int `json:"min"`
		Max int `json:"max"`
	} `json:"questions"`
}

// FetchForm reads the public form of a survey.
func FetchForm(ctx context.Context, client *http.Client, baseURL, slug string) (*Form, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/api/v1/public/surveys/"+url.PathEscape(slug), nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET form %s: %s: %.200s", slug, resp.Status, body)
	}
	f := &Form{Slug: slug}
	if err := json.Unmarshal(body, f); err != nil {
		return nil, fmt.Errorf("GET form %s: %w", slug, err)
	}
	if f.Survey.ID == "" || len(f.Questions) == 0 {
		return nil, fmt.Errorf("GET form %s: no survey or no questions", slug)
	}
	return f, nil
}

// Answer is the JSON body of one submission, as the citizen's page sends it.
type Answer struct {
	ClientID  string         `json:"client_id"`
	UnitID    string         `json:"unit_id,omitempty"`
	ServiceID string         `json:"service_id,omitempty"`
	Profile   map[string]any `json:"profile"`
	Answers   map[string]int `json:"answers"`
	Comment   string         `json:"comment,omitempty"`
	// CapturedAt is when the citizen finished, as RFC 3339; the page sends
	// it, and a resend carries the first send's.
	CapturedAt string `json:"captured_at,omitempty"`
}

// AppendJSON appends the answer's JSON to dst: the same object that
// encoding/json makes of it (keys in another order), without reflection,
// which was a tenth of the load tool's CPU.
func (a Answer) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"client_id":`...)
	dst = appendString(dst, a.ClientID)
	if a.UnitID != "" {
		dst = append(dst, `,"unit_id":`...)
		dst = appendString(dst, a.UnitID)
	}
	if a.ServiceID != "" {
		dst = append(dst, `,"service_id":`...)
		dst = appendString(dst, a.ServiceID)
	}
	dst = append(dst, `,"profile":`...)
	dst = appendObject(dst, a.Profile, func(dst []byte, v any) []byte {
		switch v := v.(type) {
		case string:
			return appendString(dst, v)
		case int:
			return strconv.AppendInt(dst, int64(v), 10)
		}
		b, err := json.Marshal(v)
		if err != nil {
			panic(err) // NewAnswer puts only strings and numbers here
		}
		return append(dst, b...)
	})
	dst = append(dst, `,"answers":`...)
	dst = appendObject(dst, a.Answers, func(dst []byte, v int) []byte { return strconv.AppendInt(dst, int64(v), 10) })
	if a.Comment != "" {
		dst = append(dst, `,"comment":`...)
		dst = appendString(dst, a.Comment)
	}
	if a.CapturedAt != "" {
		dst = append(dst, `,"captured_at":`...)
		dst = appendString(dst, a.CapturedAt)
	}
	return append(dst, '}')
}

// appendObject appends m as a JSON object (null when nil), its values
// encoded by value.
func appendObject[V any](dst []byte, m map[string]V, value func([]byte, V) []byte) []byte {
	if m == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '{')
	first := true
	for k, v := range m {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(appendString(dst, k), ':')
		dst = value(dst, v)
	}
	return append(dst, '}')
}

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func appendString(dst []byte, s string) []byte {
	out, _ := jsontext.AppendQuote(dst, s)
	return out
}

var comments = []string{
	"Antrean lama, mohon tambah petugas.",
	"Petugas ramah dan membantu.",
	"Ruang tunggu panas.",
	"Prosesnya cepat.",
	"Persyaratan kurang jelas di papan informasi.",
}

// NewAnswer fills in the form with believable random answers: every
// required question, most optional ones, a unit of the survey's subtree
// and one of its services. The client id is a version-7 UUID, as the
// citizen page makes: time-ordered, then random (not from rnd), so two
// runs with the same seed never collide in one database. It is captured
// now, to the second, as the page stamps an answer when it is sent.
func (f *Form) NewAnswer(rnd *rand.Rand) Answer {
	a := Answer{ClientID: uuid.Must(uuid.NewV7()).String(), Profile: map[string]any{}, Answers: map[string]int{},
		CapturedAt: time.Now().UTC().Format(time.RFC3339)}
	unit := f.Unit.ID
	if n := len(f.Units); n > 0 && rnd.IntN(2) == 0 {
		unit = f.Units[rnd.IntN(n)].ID
		a.UnitID = unit
	}
	var services []string
	for _, s := range f.Services {
		if s.UnitID == unit {
			services = append(services, s.ID)
		}
	}
	if len(services) > 0 && rnd.IntN(10) < 8 {
		a.ServiceID = services[rnd.IntN(len(services))]
	}
	quality := 2 + rnd.IntN(3) // this citizen's mood: 2..4
	for _, q := range f.Questions {
		if !q.Required && rnd.IntN(10) == 0 {
			continue
		}
		switch q.Kind {
		case "element":
			v := quality + rnd.IntN(3) - 1
			a.Answers[q.Code] = max(1, min(len(q.Options), v))
		case "choice":
			if len(q.Options) > 0 {
				a.Profile[q.Code] = q.Options[rnd.IntN(len(q.Options))].Value
			}
		case "number":
			lo, hi := q.Min, q.Max
			if hi <= lo {
				hi = lo + 50
			}
			a.Profile[q.Code] = lo + rnd.IntN(hi-lo+1)
		case "text":
			if q.Required || rnd.IntN(5) == 0 {
				a.Comment = comments[rnd.IntN(len(comments))] + " #" + strconv.Itoa(rnd.IntN(1000))
			}
		}
	}
	return a
}
