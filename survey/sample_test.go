package survey

import (
	"strconv"
	"strings"
	"testing"
)

// TestKrejcieMorganTable checks every published row (skm-method.md §4.3,
// testdata/ikm-vectors.json) against the formula.
func TestKrejcieMorganTable(t *testing.T) {
	rows := loadVectors(t).KrejcieMorgan
	if len(rows) < 90 {
		t.Fatalf("only %d table rows in the file", len(rows))
	}
	for ns, want := range rows {
		n, err := strconv.ParseInt(ns, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if got := KrejcieMorgan(n); got != want {
			t.Errorf("KrejcieMorgan(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestKrejcieMorgan(t *testing.T) {
	tests := []struct{ n, want int64 }{
		{-5, 0}, {0, 0}, {1, 1}, {2, 2}, {50, 44}, {100, 80}, {100000, 383}, {1 << 40, 384}, {1<<63 - 1, 384},
	}
	for _, tt := range tests {
		if got := KrejcieMorgan(tt.n); got != tt.want {
			t.Errorf("KrejcieMorgan(%d) = %d, want %d", tt.n, got, tt.want)
		}
	}
}

func TestSlovin(t *testing.T) {
	tests := []struct {
		n      int64
		e      float64
		want   int64
		reason string
	}{
		{100, 0.05, 80, "exactly 80: float arithmetic gives 80.000…01 or 79.999…"},
		{1000, 0.05, 286, "285.71 rounded up"},
		{500, 0.1, 84, "83.33 rounded up"},
		{10000, 0.05, 385, "384.6 rounded up"},
		{400, 0.05, 200, "exactly 200"},
		{0, 0.05, 0, "no population"},
		{120, 0, 120, "no margin: everyone"},
	}
	for _, tt := range tests {
		if got := Slovin(tt.n, tt.e); got != tt.want {
			t.Errorf("Slovin(%d, %v) = %d, want %d (%s)", tt.n, tt.e, got, tt.want, tt.reason)
		}
	}
}

func TestCheckSample(t *testing.T) {
	s := CheckSample(12000, 412)
	if s.Required != 372 || !s.Adequate || s.Warning != nil || s.Method != "krejcie-morgan" {
		t.Errorf("CheckSample(12000, 412) = %+v, want required 372 (API.md's example 373 is illustrative), adequate, no warning", s)
	}
	s = CheckSample(1000, 120)
	if s.Required != 278 || s.Adequate || s.Warning == nil ||
		!strings.Contains(s.Warning.ID, "120") || !strings.Contains(s.Warning.ID, "278") || !strings.Contains(s.Warning.EN, "278") {
		t.Errorf("CheckSample(1000, 120) = %+v, want a warning naming 120 and 278", s)
	}
	s = CheckSample(1000, 278)
	if !s.Adequate || s.Warning != nil {
		t.Errorf("CheckSample(1000, 278) = %+v, want adequate at exactly the minimum", s)
	}
	s = CheckSample(0, 50)
	if s.Required != 0 || s.Adequate || s.Warning == nil {
		t.Errorf("CheckSample(0, 50) = %+v, want not adequate with a population warning", s)
	}
}

func TestCI95(t *testing.T) {
	withIndices := func(cents ...int64) *Counts {
		c := NewCounts()
		for _, x := range cents {
			c.AddRespondents(1, x, x*x)
		}
		return c
	}
	tests := []struct {
		name   string
		c      *Counts
		lo, hi float64
		ok     bool
	}{
		// mean 75, s² = 1250/3, half-width 1.96·√(s²/4) = 20.004
		{"spread", withIndices(10000, 7500, 7500, 5000), 55.0, 95.0, true},
		{"no spread", withIndices(8000, 8000, 8000), 80.0, 80.0, true},
		{"clamped both ends", withIndices(10000, 2500), 25, 100, true},
		{"clamped at 100", withIndices(10000, 10000), 100, 100, true},
		{"one respondent", withIndices(9000), 0, 0, false},
		{"nobody", NewCounts(), 0, 0, false},
	}
	for _, tt := range tests {
		lo, hi, ok := CI95(tt.c)
		if lo != tt.lo || hi != tt.hi || ok != tt.ok {
			t.Errorf("%s: CI95 = %v, %v, %v; want %v, %v, %v", tt.name, lo, hi, ok, tt.lo, tt.hi, tt.ok)
		}
	}
	// Large n: the moments stay exact.
	c := NewCounts()
	c.AddRespondents(1_000_000, 1_000_000*8000, 1_000_000*8000*8000)
	c.AddRespondents(1_000_000, 1_000_000*9000, 1_000_000*9000*9000)
	if lo, hi, ok := CI95(c); lo != 85.0 || hi != 85.0 || !ok {
		t.Errorf("CI95(2e6 respondents) = %v, %v, %v; want 85.0, 85.0 (half-width 0.007)", lo, hi, ok)
	}
}
