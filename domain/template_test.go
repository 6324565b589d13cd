package domain

import (
	"slices"
	"testing"
)

// TestCheckQuestionsCodes refuses a question code that is empty, repeated
// or holds ':' or ',' (a stored response lists its answers as
// "code:value,…"), whoever creates the questionnaire.
func TestCheckQuestionsCodes(t *testing.T) {
	element := func(code string) Question {
		return Question{Code: code, Kind: KindElement, Element: "persyaratan", Label: Text{ID: "Persyaratan"},
			Options: []Option{{Value: "1"}, {Value: "2"}, {Value: "3"}, {Value: "4"}}}
	}
	if err := CheckQuestions([]Question{element("U1"), element("U3.loket_a")}); err != nil {
		t.Fatalf("good codes refused: %v", err)
	}
	err := CheckQuestions([]Question{element("U1"), element("U1"), element("U2:a"), element("U3,b"), element("")})
	var got []string
	for _, f := range FieldErrors(err) {
		got = append(got, f.Field+" "+f.Code)
	}
	want := []string{"questions[1].code duplicate", "questions[2].code invalid_format", "questions[3].code invalid_format",
		"questions[4].code invalid_format"}
	if !slices.Equal(got, want) {
		t.Errorf("CheckQuestions = %q, want %q", got, want)
	}
}
