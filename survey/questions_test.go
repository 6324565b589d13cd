package survey

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"suara/domain"
)

func TestBuiltinQuestions(t *testing.T) {
	qs := BuiltinQuestions()
	if err := domain.CheckQuestions(qs); err != nil {
		t.Fatalf("CheckQuestions(BuiltinQuestions()) = %v", err)
	}
	var got []string
	for _, q := range qs {
		got = append(got, q.Code+":"+q.Kind+":"+q.Element)
	}
	want := []string{
		"U1:element:persyaratan", "U2:element:prosedur", "U3:element:waktu", "U4:element:biaya", "U5:element:produk",
		"U6:element:kompetensi", "U7:element:perilaku", "U8:element:sarpras", "U9:element:pengaduan",
		"gender:choice:gender", "age:number:age", "education:choice:education", "occupation:choice:occupation",
		"comment:text:",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("questions (-want +got):\n%s", diff)
	}
	// The element ids are the SKM definition's, in the same order.
	for i, e := range SKM().Elements {
		if qs[i].Code != e.Code || qs[i].Element != e.ID {
			t.Errorf("question %d = %s/%s, definition says %s/%s", i, qs[i].Code, qs[i].Element, e.Code, e.ID)
		}
	}
	for _, q := range qs {
		if q.Label.ID == "" || q.Label.EN == "" {
			t.Errorf("%s: missing a label", q.Code)
		}
		for _, o := range q.Options {
			if o.Label.ID == "" || o.Label.EN == "" {
				t.Errorf("%s option %s: missing a label", q.Code, o.Value)
			}
		}
		if q.Kind == domain.KindElement {
			if !q.Required || !strings.HasPrefix(q.Label.ID, "Bagaimana ") {
				t.Errorf("%s: Required %v, label %q", q.Code, q.Required, q.Label.ID)
			}
		} else if q.Required {
			t.Errorf("%s: profile and comment questions are optional", q.Code)
		}
	}
	// Spot checks against skm-method.md §2.2 (U8 sarana, U9 pengaduan, not swapped).
	labels := func(q domain.Question) []string {
		var out []string
		for _, o := range q.Options {
			out = append(out, o.Value+"="+o.Label.ID)
		}
		return out
	}
	if diff := cmp.Diff([]string{"1=Buruk", "2=Cukup", "3=Baik", "4=Sangat Baik"}, labels(qs[7])); diff != "" {
		t.Errorf("U8 options (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1=Tidak ada", "2=Ada tetapi tidak berfungsi", "3=Berfungsi kurang maksimal", "4=Dikelola dengan baik"}, labels(qs[8])); diff != "" {
		t.Errorf("U9 options (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1=Sangat mahal", "2=Cukup mahal", "3=Murah", "4=Gratis"}, labels(qs[3])); diff != "" {
		t.Errorf("U4 options (-want +got):\n%s", diff)
	}
	if qs[10].Min != 15 || qs[10].Max != 100 || qs[13].Max != 1000 {
		t.Errorf("age %d..%d, comment max %d", qs[10].Min, qs[10].Max, qs[13].Max)
	}
	qs[0].Options[0].Value = "x"
	if BuiltinQuestions()[0].Options[0].Value != "1" {
		t.Error("BuiltinQuestions returns shared state")
	}
}

// TestBuiltinRoundTrip: a submission checked by the domain turns into
// counts through ByElement and AddRespondent.
func TestBuiltinRoundTrip(t *testing.T) {
	v := domain.TemplateVersion{Questions: BuiltinQuestions()}
	answers := map[string]any{}
	for i := 1; i <= 9; i++ {
		answers["U"+string(rune('0'+i))] = float64(1 + i%4)
	}
	got, profile, err := v.CheckAnswers(domain.Submission{
		ClientID: "0190a4e1-7c3b-7cde-8f00-000000000001",
		Answers:  answers,
		Profile:  map[string]any{"gender": "female", "age": float64(34), "education": "d1d3", "occupation": "lainnya"},
	})
	if err != nil {
		t.Fatalf("CheckAnswers: %v", err)
	}
	if profile["education"] != "d1d3" || profile["age"] != "34" {
		t.Errorf("profile = %v", profile)
	}
	by := ByElement(v.Questions, got)
	want := map[string][]int{"persyaratan": {2}, "prosedur": {3}, "waktu": {4}, "biaya": {1}, "produk": {2}, "kompetensi": {3}, "perilaku": {4}, "sarpras": {1}, "pengaduan": {2}}
	if diff := cmp.Diff(want, by); diff != "" {
		t.Errorf("ByElement (-want +got):\n%s", diff)
	}
	c := NewCounts()
	AddRespondent(c, by)
	if res := Compute(SKM(), c); res.IKMExact != "61.111111" || res.Grade != "D" {
		t.Errorf("Compute = %s %s, want 61.111111 D", res.IKMExact, res.Grade)
	}
	// Missing required answers are the domain's to report.
	if _, _, err := v.CheckAnswers(domain.Submission{ClientID: "0190a4e1-7c3b-7cde-8f00-000000000001"}); err == nil {
		t.Error("CheckAnswers(no answers) = nil")
	}
}
