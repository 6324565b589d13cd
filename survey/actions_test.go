package survey

import "testing"

// Every SKM element has a suggested action in both languages.
func TestSuggestedActionEveryElement(t *testing.T) {
	for _, el := range SKM().Elements {
		a, ok := SuggestedAction(el.ID)
		if !ok || a.ID == "" || a.EN == "" {
			t.Errorf("%s (%s): no suggested action in both languages: %+v", el.Code, el.ID, a)
		}
	}
	if _, ok := SuggestedAction("nope"); ok {
		t.Error("an unknown element has a suggestion")
	}
}
