package store

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParseProfile: the hand-split profile equals encoding/json's reading
// for the shapes the store writes, and falls back to it for the rest.
func TestParseProfile(t *testing.T) {
	for _, m := range []map[string]string{
		nil,
		{},
		{"gender": "female"},
		{"gender": "male", "age": "34", "education": "d1d3", "occupation": "lainnya"},
		{"note": `a "quoted", value: with {braces}`},
		{"kota": "Bandung, Jawa Barat", "x": ""},
		{"emoji": "pelayanan 👍 <baik> & cepat", "nl": "dua\nbaris"},
	} {
		b, _ := json.Marshal(m)
		got := parseProfile(string(b))
		want := map[string]string(nil)
		if len(m) > 0 {
			want = m
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", b, diff)
		}
	}
	for _, bad := range []string{`{"a":1}`, `{"a":"b"`, `[1]`, `{"a":"b",}`} {
		_ = parseProfile(bad) // must not panic
	}
	m := map[string]int{}
	parseAnswers("U1:4,U2:3,U3.b:1,bad,U4:x", m)
	if diff := cmp.Diff(map[string]int{"U1": 4, "U2": 3, "U3.b": 1}, m); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}
