package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"suara/domain"
	"suara/survey"
)

// The fuzz targets run the public submission's and the questionnaire's
// input paths without a database: body → decode → domain checks. Seeds are
// below and in testdata/fuzz; `make fuzz` runs each for a bounded time.

func fuzzServer() *Server {
	return New(nil, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// decodeBody runs the server's decoder on body as a request would.
func decodeBody(srv *Server, body []byte, dst any, mode decodeMode, limit int64) error {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	c := srv.e.NewContext(req, httptest.NewRecorder())
	return srv.decodeWith(c, dst, mode, limit)
}

// checkRefusal: a refused input is a 400/413 or an invalid-input error
// whose every field has a message in both languages, never anything else.
func checkRefusal(t *testing.T, err error) {
	var he *httpError
	if errors.As(err, &he) {
		if he.Status != http.StatusBadRequest && he.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("transport error with status %d: %v", he.Status, err)
		}
		return
	}
	if domain.KindOf(err) != domain.KindInvalid {
		t.Fatalf("refused with %v (kind %d), want invalid input", err, domain.KindOf(err))
	}
	fields := domain.FieldErrors(err)
	if len(fields) == 0 {
		t.Fatalf("invalid input without fields: %v", err)
	}
	for _, f := range fields {
		if f.Field == "" {
			t.Fatalf("field error without a field: %+v", f)
		}
		if _, ok := fieldMessages[f.Code]; !ok {
			t.Fatalf("field error code %q has no message", f.Code)
		}
		for _, lang := range []string{langID, langEN} {
			if msg := fieldMessage(lang, f.Code, f.Args); msg == "" || strings.Contains(msg, "{") {
				t.Fatalf("message for %+v in %s is %q", f, lang, msg)
			}
		}
	}
}

var submitSeeds = []string{
	`{"client_id":"0b5e0000-0000-4000-8000-000000000001","answers":{"U1":4,"U2":3,"U3":2,"U4":1,"U5":4,"U6":4,"U7":4,"U8":4,"U9":4}}`,
	`{"client_id":"0b5e0000-0000-4000-8000-000000000002","answers":{"U1":4,"U2":3,"U3":2,"U4":1,"U5":4,"U6":4,"U7":4,"U8":4,"U9":4},"profile":{"gender":"P","age":34,"education":"S1","occupation":"PNS"},"comment":"Antrean cepat","captured_at":"2026-06-15T09:00:00+07:00"}`,
	`{"client_id":"x","answers":{"U1":0,"U2":5,"U3":2.5,"U4":"4","U9":null,"U10":1},"profile":{"age":-1,"gender":"X"}}`,
	`{"client_id":"0b5e0000-0000-4000-8000-000000000003","answers":{"U1":1e9,"U2":-1e300,"U3":4.0}}`,
	`{"answers":[1,2,3]}`,
	`{"client_id":"0b5e0000-0000-4000-8000-000000000004","answers":{"U1":4},"future_field":{"a":[1,2]}}`,
	`[]`, `null`, `{"client_id":`, "\xff\xfe", `{"comment":"` + strings.Repeat("é", 1001) + `"}`,
}

func FuzzSubmit(f *testing.F) {
	for _, s := range submitSeeds {
		f.Add([]byte(s))
	}
	srv := fuzzServer()
	v := domain.TemplateVersion{ID: "builtin", Status: domain.VersionPublished, Questions: survey.BuiltinQuestions()}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in submitRequest
		if err := decodeBody(srv, body, &in, tolerant, maxBody); err != nil {
			checkRefusal(t, err)
			return
		}
		answers, profile, err := v.CheckAnswers(domain.Submission{ClientID: in.ClientID, UnitID: "u", ServiceID: in.ServiceID,
			Profile: in.Profile, Answers: in.Answers, Comment: in.Comment})
		if err != nil {
			checkRefusal(t, err)
			return
		}
		checkAccepted(t, v, in, answers, profile)
	})
}

// checkAccepted holds what an accepted answer set guarantees the index:
// a known client id, every required element answered on its scale,
// nothing unknown kept, profile values from the questionnaire.
func checkAccepted(t *testing.T, v domain.TemplateVersion, in submitRequest, answers map[string]int, profile map[string]string) {
	t.Helper()
	if !domain.IsUUID(in.ClientID) {
		t.Fatalf("accepted client_id %q", in.ClientID)
	}
	if n := utf8.RuneCountInString(in.Comment); n > domain.MaxCommentLen {
		t.Fatalf("accepted a comment of %d characters", n)
	}
	if len(answers) != len(in.Answers) {
		t.Fatalf("kept %d of %d answers", len(answers), len(in.Answers))
	}
	for code, val := range answers {
		q, ok := v.Question(code)
		if !ok || q.Kind != domain.KindElement || val < 1 || val > len(q.Options) {
			t.Fatalf("accepted answer %s=%d", code, val)
		}
	}
	for _, q := range v.Questions {
		if q.Kind == domain.KindElement && q.Required {
			if _, ok := answers[q.Code]; !ok {
				t.Fatalf("required %s missing from an accepted answer set", q.Code)
			}
		}
	}
	for code, val := range profile {
		q, ok := v.Question(code)
		if !ok {
			t.Fatalf("accepted unknown profile %s", code)
		}
		switch q.Kind {
		case domain.KindChoice:
			found := false
			for _, o := range q.Options {
				found = found || o.Value == val
			}
			if !found {
				t.Fatalf("accepted %s=%q, not an option", code, val)
			}
		case domain.KindNumber:
			n, err := strconv.Atoi(val)
			if err != nil || n < q.Min || (q.Max > 0 && n > q.Max) {
				t.Fatalf("accepted %s=%q outside %d..%d", code, val, q.Min, q.Max)
			}
		default:
			t.Fatalf("profile %s of kind %s kept", code, q.Kind)
		}
	}
	if _, err := json.Marshal(toResponseJSON(domain.Response{Answers: answers, Profile: profile, Comment: in.Comment})); err != nil {
		t.Fatalf("accepted answer does not encode: %v", err)
	}
}

func FuzzTemplateQuestions(f *testing.F) {
	b, err := json.Marshal(map[string]any{"questions": survey.BuiltinQuestions()})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	for _, s := range []string{
		`{"questions":[{"code":"U1","kind":"element","element":"waktu","required":true,"label":{"id":"Waktu"},"options":[{"value":"1","label":{"id":"a"}},{"value":"2","label":{"id":"b"}},{"value":"3","label":{"id":"c"}},{"value":"4","label":{"id":"d"}}]}]}`,
		`{"questions":[{"code":"age","kind":"number","required":true,"label":{"id":"Umur"},"min":90,"max":10},{"code":"U1","kind":"element","element":"x","label":{"id":"x"},"options":[]}]}`,
		`{"questions":[{"code":"g","kind":"choice","required":true,"label":{"id":"G"},"options":[{"value":"L","label":{"id":"L"}},{"value":"L","label":{"id":"L"}}]}]}`,
		`{"questions":[{"code":"c","kind":"text","required":true,"label":{"id":"Saran"},"max":5}]}`,
		`{"questions":[]}`, `{"questions":null}`, `{"questions":[{"code":"U1","kind":"slider"}]}`, `{}`,
	} {
		f.Add([]byte(s))
	}
	srv := fuzzServer()
	f.Fuzz(func(t *testing.T, body []byte) {
		var in createVersionRequest
		if err := withQuestionErrors(decodeBody(srv, body, &in, strict, maxTemplateBody), in.Questions); err != nil {
			checkRefusal(t, err)
			return
		}
		qs := toQuestions(in.Questions)
		if err := domain.CheckQuestions(qs); err != nil {
			checkRefusal(t, err)
			return
		}
		checkQuestionnaire(t, qs)
	})
}

// checkQuestionnaire holds what an accepted questionnaire guarantees:
// unique codes, at least one element scored 1..4, and that a citizen can
// answer it (a full answer set passes CheckAnswers).
func checkQuestionnaire(t *testing.T, qs []domain.Question) {
	t.Helper()
	seen := map[string]bool{}
	elements := 0
	sub := domain.Submission{ClientID: "0b5e0000-0000-4000-8000-000000000001", Answers: map[string]any{}, Profile: map[string]any{}}
	for _, q := range qs {
		if seen[q.Code] {
			t.Fatalf("duplicate code %q accepted", q.Code)
		}
		seen[q.Code] = true
		switch q.Kind {
		case domain.KindElement:
			elements++
			if q.Element == "" || len(q.Options) != 4 {
				t.Fatalf("element %q accepted with element %q and %d options", q.Code, q.Element, len(q.Options))
			}
			for j, o := range q.Options {
				if o.Value != strconv.Itoa(j+1) {
					t.Fatalf("element %q option %d has value %q", q.Code, j, o.Value)
				}
			}
			sub.Answers[q.Code] = float64(4)
		case domain.KindChoice:
			if len(q.Options) == 0 {
				t.Fatalf("choice %q accepted without options", q.Code)
			}
			sub.Profile[q.Code] = q.Options[0].Value
		case domain.KindNumber:
			sub.Profile[q.Code] = float64(q.Min)
		case domain.KindText:
			sub.Comment = "Baik"
		default:
			t.Fatalf("kind %q accepted", q.Kind)
		}
	}
	if elements == 0 {
		t.Fatal("a questionnaire without elements accepted")
	}
	v := domain.TemplateVersion{Questions: qs}
	if _, _, err := v.CheckAnswers(sub); err != nil {
		t.Fatalf("an accepted questionnaire cannot be answered: %v; questions %+v", err, qs)
	}
}

// TestUnknownEmptyKey is FuzzTemplateQuestions' first find: the body
// {"":"0"} on a strict route made a field error with no field name.
func TestUnknownEmptyKey(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		rec := e.as(e.admin, http.MethodPost, "/api/v1/templates", `{"":"0"}`)
		wantStatus(t, rec, http.StatusUnprocessableEntity)
		fields := problemFields(t, rec)
		if len(fields) == 0 || fields[0] != `""` {
			t.Errorf("fields = %q, want the empty key named first as \"\"", fields)
		}
		for _, f := range fields {
			if f == "" {
				t.Errorf("a field error without a field: %q", fields)
			}
		}
	})
}

// TestOptionValueMessage is FuzzTemplateQuestions' second find: an
// element option with the wrong value was reported with the message
// "Nilai harus antara {min} dan {max}." and its placeholders unfilled.
func TestOptionValueMessage(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ts, err := e.st.FindTemplates(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		tmpl := ts[0].ID
		body := `{"questions":[{"code":"U1","kind":"element","element":"waktu","label":{"id":"W"},"options":[` +
			`{"value":"4","label":{"id":"a"}},{"value":"2","label":{"id":"b"}},{"value":"3","label":{"id":"c"}},{"value":"1","label":{"id":"d"}}]}]}`
		rec := e.as(e.admin, http.MethodPost, "/api/v1/templates/"+tmpl+"/versions", body)
		wantStatus(t, rec, http.StatusUnprocessableEntity)
		p := problem(t, rec)
		got := map[string]string{}
		for _, f := range p.Errors {
			got[f.Field] = f.Message
		}
		want := map[string]string{"questions[0].options[0].value": "Harus bernilai 1.", "questions[0].options[3].value": "Harus bernilai 4."}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
	})
}
