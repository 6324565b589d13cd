package domain

import (
	"strconv"
	"strings"
	"time"
)

// Text is a label in Indonesian and English.
type Text struct {
	ID string `json:"id"`
	EN string `json:"en"`
}

// Question kinds.
const (
	KindElement = "element" // one of the index elements, answered on the scale (1..4)
	KindChoice  = "choice"  // a profile question with fixed options
	KindNumber  = "number"  // a profile number such as age
	KindText    = "text"    // free text, the suggestion box
)

// Option is one answer a question offers. Element options carry their
// score as Value ("1".."4").
type Option struct {
	Value string `json:"value"`
	Label Text   `json:"label"`
}

// Question is one item of a questionnaire. Code is stable across versions
// (U1…U9 for the nine elements); Element is the element id it scores
// ("persyaratan" … "pengaduan") for element questions, or the profile
// dimension ("gender", "age", "education", "occupation") otherwise.
type Question struct {
	Code     string   `json:"code"`
	Kind     string   `json:"kind"`
	Element  string   `json:"element,omitempty"`
	Required bool     `json:"required"`
	Label    Text     `json:"label"`
	Options  []Option `json:"options,omitempty"`
	Min      int      `json:"min,omitempty"` // number questions
	Max      int      `json:"max,omitempty"` // number questions; text: max length
}

// Template is a questionnaire with a history of versions.
type Template struct {
	ID              string
	Code            string
	Name            string
	BuiltIn         bool
	LatestVersionID string
	CreatedAt       time.Time
}

// Version states.
const (
	VersionDraft     = "draft"
	VersionPublished = "published"
)

// TemplateVersion is one immutable-once-published edition of a template.
type TemplateVersion struct {
	ID          string
	TemplateID  string
	Number      int
	Status      string
	Questions   []Question
	CreatedAt   time.Time
	PublishedAt *time.Time
}

// Published reports whether the version can no longer change.
func (v TemplateVersion) Published() bool { return v.Status == VersionPublished }

// ElementQuestions returns the element questions in questionnaire order.
func (v TemplateVersion) ElementQuestions() []Question {
	var qs []Question
	for _, q := range v.Questions {
		if q.Kind == KindElement {
			qs = append(qs, q)
		}
	}
	return qs
}

// Question returns the question with the given code.
func (v TemplateVersion) Question(code string) (Question, bool) {
	for i := range v.Questions { // by index: no copy of the questions passed over
		if v.Questions[i].Code == code {
			return v.Questions[i], true
		}
	}
	return Question{}, false
}

// CheckQuestions validates a questionnaire that a user wrote: unique
// codes without ':' or ',', known kinds, element questions with options
// scored 1..4, choice questions with options. Every problem is reported
// at once.
func CheckQuestions(qs []Question) error {
	var fields []FieldError
	seen := map[string]bool{}
	elements := 0
	for i, q := range qs {
		at := "questions[" + strconv.Itoa(i) + "]"
		switch {
		case seen[q.Code]:
			fields = append(fields, Field(at+".code", "duplicate"))
		case q.Code == "" || strings.ContainsAny(q.Code, ":,"):
			// A stored response lists its answers as "code:value,…".
			fields = append(fields, Field(at+".code", "invalid_format"))
		}
		seen[q.Code] = true
		switch q.Kind {
		case KindElement:
			elements++
			if q.Element == "" {
				fields = append(fields, Field(at+".element", "required"))
			}
			if len(q.Options) != 4 {
				fields = append(fields, FieldError{Field: at + ".options", Code: "len", Args: map[string]any{"n": 4}})
				continue
			}
			for j, o := range q.Options {
				if o.Value != strconv.Itoa(j+1) {
					fields = append(fields, FieldError{Field: at + ".options[" + strconv.Itoa(j) + "].value", Code: "want_value",
						Args: map[string]any{"want": strconv.Itoa(j + 1)}})
				}
			}
		case KindChoice:
			if len(q.Options) == 0 {
				fields = append(fields, Field(at+".options", "required"))
			}
		case KindNumber, KindText:
		default:
			fields = append(fields, Field(at+".kind", "invalid_choice"))
		}
	}
	if elements == 0 && len(fields) == 0 {
		fields = append(fields, Field("questions", "no_elements"))
	}
	if len(fields) > 0 {
		return Invalid(fields...)
	}
	return nil
}
