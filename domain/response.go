package domain

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"
)

// Response is one citizen's answer set. Responses are append-only; a
// client-made ClientID makes a retried submission a no-op.
type Response struct {
	ID                string
	ClientID          string
	SurveyID          string
	UnitID            string
	InstitutionID     string
	ServiceID         *string
	TemplateVersionID string
	Day               string // YYYY-MM-DD in the unit's time zone, from CapturedAt
	CapturedAt        time.Time
	ReceivedAt        time.Time
	Answers           map[string]int    // element question code → value 1..4
	Profile           map[string]string // profile question code → value
	Comment           string
	Receipt           string
	Suspicious        bool // part of a burst of identical answer sets
	Excluded          bool // excluded from the index by a manager
}

// Submission is a response as the citizen's phone sent it, before checks.
// Answers and profile values are JSON-decoded values, so that a string
// where a number belongs is reported as a field error, not a crash.
type Submission struct {
	ClientID   string
	UnitID     string
	ServiceID  string
	Profile    map[string]any
	Answers    map[string]any
	Comment    string
	CapturedAt *time.Time
}

// MaxCommentLen is the longest suggestion a citizen may write, in characters.
const MaxCommentLen = 1000

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsUUID reports whether s is a UUID in its canonical text form.
func IsUUID(s string) bool { return uuidPattern.MatchString(s) }

// CheckAnswers validates a submission against the template version and
// returns the element answers and the profile in their stored form. Every
// bad field is reported at once: unknown codes, missing required answers,
// values outside the options.
func (v TemplateVersion) CheckAnswers(sub Submission) (answers map[string]int, profile map[string]string, err error) {
	var fields []FieldError
	answers = make(map[string]int, len(sub.Answers))
	profile = make(map[string]string, len(sub.Profile))
	if !IsUUID(sub.ClientID) {
		fields = append(fields, Field("client_id", "uuid"))
	}
	if utf8.RuneCountInString(sub.Comment) > MaxCommentLen {
		fields = append(fields, FieldError{Field: "comment", Code: "max_len", Args: map[string]any{"max": MaxCommentLen}})
	}
	// v.Question scans a dozen questions: cheaper than a map built for
	// every submission.
	for code, raw := range sub.Answers {
		q, ok := v.Question(code)
		if !ok || q.Kind != KindElement {
			fields = append(fields, Field("answers."+code, "unknown"))
			continue
		}
		n, ok := wholeNumber(raw)
		if !ok || n < 1 || n > len(q.Options) {
			fields = append(fields, FieldError{Field: "answers." + code, Code: "out_of_range", Args: map[string]any{"min": 1, "max": len(q.Options)}})
			continue
		}
		answers[code] = n
	}
	for code, raw := range sub.Profile {
		q, ok := v.Question(code)
		if !ok || q.Kind == KindElement || q.Kind == KindText {
			fields = append(fields, Field("profile."+code, "unknown"))
			continue
		}
		if raw == nil {
			continue
		}
		switch q.Kind {
		case KindNumber:
			n, ok := wholeNumber(raw)
			if !ok || n < q.Min || (q.Max > 0 && n > q.Max) {
				if q.Max > 0 {
					fields = append(fields, FieldError{Field: "profile." + code, Code: "out_of_range", Args: map[string]any{"min": q.Min, "max": q.Max}})
				} else { // no upper bound: "between 15 and 0" would be wrong
					fields = append(fields, FieldError{Field: "profile." + code, Code: "min", Args: map[string]any{"min": q.Min}})
				}
				continue
			}
			profile[code] = strconv.Itoa(n)
		case KindChoice:
			s, _ := raw.(string)
			if !q.hasOption(s) {
				fields = append(fields, Field("profile."+code, "invalid_choice"))
				continue
			}
			profile[code] = s
		}
	}
	for _, q := range v.Questions {
		if !q.Required {
			continue
		}
		switch q.Kind {
		case KindElement:
			if _, ok := sub.Answers[q.Code]; !ok {
				fields = append(fields, Field("answers."+q.Code, "required"))
			}
		case KindText:
			if sub.Comment == "" {
				fields = append(fields, Field("comment", "required"))
			}
		default:
			if v, ok := sub.Profile[q.Code]; !ok || v == nil {
				fields = append(fields, Field("profile."+q.Code, "required"))
			}
		}
	}
	if len(fields) > 0 {
		SortFields(fields)
		return nil, nil, Invalid(fields...)
	}
	return answers, profile, nil
}

func (q Question) hasOption(v string) bool {
	for _, o := range q.Options {
		if o.Value == v {
			return true
		}
	}
	return false
}

// wholeNumber accepts a JSON number with no fractional part.
func wholeNumber(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1e9 {
			return 0, false
		}
		return int(n), true
	case json.Number:
		i, err := strconv.Atoi(string(n))
		return i, err == nil
	case int:
		return n, true
	}
	return 0, false
}

// AgeBand groups an age for breakdowns, so that no single age identifies
// a respondent.
func AgeBand(age string) string {
	n, err := strconv.Atoi(age)
	switch {
	case err != nil:
		return ""
	case n < 20:
		return "<20"
	case n < 30:
		return "20-29"
	case n < 40:
		return "30-39"
	case n < 50:
		return "40-49"
	case n < 60:
		return "50-59"
	}
	return "60+"
}
