package survey

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"suara/domain"
)

// TestVectorsFile runs every vector of testdata/ikm-vectors.json
// (skm-method.md §8): S1, S2, R3 from raw responses, R1 from element sums.
func TestVectorsFile(t *testing.T) {
	vf := loadVectors(t)
	if len(vf.Vectors) < 4 {
		t.Fatalf("only %d vectors in the file", len(vf.Vectors))
	}
	for _, v := range vf.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			var c *Counts
			if v.ElementSums != nil {
				c = sumsCounts(t, v.N, v.ElementSums)
			} else {
				rows := make([][]int, len(v.Respondents))
				for i, r := range v.Respondents {
					rows[i] = make([]int, len(r))
					for j, x := range r {
						if x != nil {
							rows[i][j] = *x
						}
					}
				}
				c = rowsCounts(rows)
			}
			res := Compute(SKM(), c)
			if got := fmt.Sprintf("%.2f", res.IKM); got != v.Expect.IKM {
				t.Errorf("IKM = %s, want %s (exact %s)", got, v.Expect.IKM, res.IKMExact)
			}
			if res.Grade != v.Expect.Grade || res.Performance.ID != v.Expect.Performance {
				t.Errorf("grade = %s %q, want %s %q", res.Grade, res.Performance.ID, v.Expect.Grade, v.Expect.Performance)
			}
			for i, want := range v.Expect.NRR {
				got := rat(t, res.Elements[i].NRRExact)
				if got.Cmp(rat(t, want)) != 0 {
					t.Errorf("%s NRR = %s, want %s", res.Elements[i].Code, res.Elements[i].NRRExact, want)
				}
			}
		})
	}
}

func TestComputeVectors(t *testing.T) {
	r1 := func(t *testing.T) *Counts {
		return sumsCounts(t, 29, []int64{105, 101, 100, 116, 102, 105, 106, 105, 115})
	}
	s1 := func(*testing.T) *Counts {
		return rowsCounts([][]int{
			{4, 4, 3, 4, 4, 4, 4, 3, 4},
			{3, 3, 3, 4, 3, 3, 4, 3, 3},
			{4, 3, 2, 4, 3, 4, 4, 3, 3},
			{3, 3, 3, 4, 3, 3, 3, 3, 2},
			{4, 4, 4, 4, 4, 4, 4, 4, 4},
			{2, 3, 2, 4, 3, 3, 3, 2, 2},
			{3, 2, 3, 4, 3, 3, 4, 3, 3},
			{4, 4, 3, 4, 4, 4, 4, 4, 3},
			{3, 3, 2, 3, 3, 3, 3, 3, 3},
			{3, 3, 3, 4, 3, 4, 4, 3, 3},
		})
	}
	// R2 gives only NRRs (2 dp); 100 respondents with element sum NRR×100
	// reproduce them exactly.
	r2 := func(t *testing.T) *Counts {
		return sumsCounts(t, 100, []int64{341, 359, 353, 306, 366, 366, 391, 378, 384})
	}
	r3 := func(*testing.T) *Counts { return rowsCounts([][]int{{4, 4, 4, 4, 4, 4, 4, 4, 4}}) }
	tests := []struct {
		name      string
		counts    func(*testing.T) *Counts
		weight    WeightRule
		wantIKM   float64
		wantExact string
		wantGrade string
	}{
		{"R1 exact", r1, WeightExact, 91.48, "91.475096", "A"},
		{"R1 legacy 0.111", r1, WeightLegacy0111, 91.38, "91.383621", "A"},
		{"R1 legacy 0.11 (the published 90.56)", r1, WeightLegacy011, 90.56, "90.560345", "A"},
		{"S1 exact", s1, WeightExact, 82.78, "82.777778", "B"},
		{"S1 legacy 0.111", s1, WeightLegacy0111, 82.70, "82.695000", "B"},
		{"S1 legacy 0.11", s1, WeightLegacy011, 81.95, "81.950000", "B"},
		{"R2 round-tertimbang-2dp (published 90.25)", r2, WeightRoundTertimbang2dp, 90.25, "90.250000", "A"},
		{"R2 exact", r2, WeightExact, 90.11, "90.111111", "A"},
		{"R2 legacy 0.111", r2, WeightLegacy0111, 90.02, "90.021000", "A"},
		{"R2 legacy 0.11", r2, WeightLegacy011, 89.21, "89.210000", "A"},
		{"R3 exact", r3, WeightExact, 100.00, "100.000000", "A"},
		{"R3 legacy 0.111", r3, WeightLegacy0111, 99.90, "99.900000", "A"},
		{"R3 legacy 0.11", r3, WeightLegacy011, 99.00, "99.000000", "A"},
		{"R3 round-tertimbang-2dp", r3, WeightRoundTertimbang2dp, 99.00, "99.000000", "A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Compute(withWeight(tt.weight), tt.counts(t))
			if res.IKM != tt.wantIKM || res.IKMExact != tt.wantExact || res.Grade != tt.wantGrade {
				t.Errorf("Compute = IKM %.2f (exact %s) %s, want %.2f (%s) %s", res.IKM, res.IKMExact, res.Grade, tt.wantIKM, tt.wantExact, tt.wantGrade)
			}
			if !res.Defined || res.Weight != tt.weight || res.K != 9 || res.NonStandard {
				t.Errorf("Compute = Defined %v Weight %q K %d NonStandard %v", res.Defined, res.Weight, res.K, res.NonStandard)
			}
		})
	}
}

// TestComputeR1Table checks every number of the R1 processing sheet
// (skm-method.md §8.1): NRR to 4 dp, the index on the 1–4 scale.
func TestComputeR1Table(t *testing.T) {
	res := Compute(SKM(), sumsCounts(t, 29, []int64{105, 101, 100, 116, 102, 105, 106, 105, 115}))
	var got []string
	for _, e := range res.Elements {
		got = append(got, e.Code+"="+e.NRRExact)
	}
	want := []string{"U1=3.6207", "U2=3.4828", "U3=3.4483", "U4=4.0000", "U5=3.5172", "U6=3.6207", "U7=3.6552", "U8=3.6207", "U9=3.9655"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("NRR (-want +got):\n%s", diff)
	}
	if res.Index != 3.6590 || res.Respondents != 29 {
		t.Errorf("Index = %v, Respondents = %d, want 3.659, 29", res.Index, res.Respondents)
	}
	if diff := cmp.Diff([]string{"U3", "U2", "U5"}, res.Weakest); diff != "" {
		t.Errorf("Weakest (-want +got):\n%s", diff)
	}
}

// TestComputeS1Result pins a whole Result, including the element table.
func TestComputeS1Result(t *testing.T) {
	c := rowsCounts([][]int{
		{4, 4, 3, 4, 4, 4, 4, 3, 4},
		{3, 3, 3, 4, 3, 3, 4, 3, 3},
		{4, 3, 2, 4, 3, 4, 4, 3, 3},
		{3, 3, 3, 4, 3, 3, 3, 3, 2},
		{4, 4, 4, 4, 4, 4, 4, 4, 4},
		{2, 3, 2, 4, 3, 3, 3, 2, 2},
		{3, 2, 3, 4, 3, 3, 4, 3, 3},
		{4, 4, 3, 4, 4, 4, 4, 4, 3},
		{3, 3, 2, 3, 3, 3, 3, 3, 3},
		{3, 3, 3, 4, 3, 4, 4, 3, 3},
	})
	good := domain.Text{ID: "Baik", EN: "Good"}
	veryGood := domain.Text{ID: "Sangat Baik", EN: "Very good"}
	poor := domain.Text{ID: "Kurang Baik", EN: "Poor"}
	def := SKM()
	el := func(i int, nrr float64, exact string, w, idx float64, grade string, perf domain.Text, prio bool) ElementResult {
		return ElementResult{ID: def.Elements[i].ID, Code: def.Elements[i].Code, Name: def.Elements[i].Name, Respondents: 10,
			NRR: nrr, NRRExact: exact, NRRWeighted: w, Index: idx, Grade: grade, Performance: perf, Priority: prio}
	}
	want := Result{
		Definition: SKMCode, Method: MethodSingle, Weight: WeightExact, Respondents: 10, Defined: true,
		Index: 3.3111, IKM: 82.78, IKMExact: "82.777778", Grade: "B", Performance: good, K: 9,
		Elements: []ElementResult{
			el(0, 3.3, "3.3000", 0.367, 82.5, "B", good, false),
			el(1, 3.2, "3.2000", 0.356, 80, "B", good, false),
			el(2, 2.8, "2.8000", 0.311, 70, "C", poor, true),
			el(3, 3.9, "3.9000", 0.433, 97.5, "A", veryGood, false),
			el(4, 3.3, "3.3000", 0.367, 82.5, "B", good, false),
			el(5, 3.5, "3.5000", 0.389, 87.5, "B", good, false),
			el(6, 3.7, "3.7000", 0.411, 92.5, "A", veryGood, false),
			el(7, 3.1, "3.1000", 0.344, 77.5, "B", good, true),
			el(8, 3.0, "3.0000", 0.333, 75, "C", poor, true),
		},
		Weakest: []string{"U3", "U9", "U8"},
	}
	if diff := cmp.Diff(want, Compute(def, c)); diff != "" {
		t.Errorf("Compute(S1) (-want +got):\n%s", diff)
	}
	lo, hi, ok := CI95(c)
	if !ok || lo > 82.78 || hi < 82.78 {
		t.Errorf("CI95(S1) = %v, %v, %v; want an interval around 82.78", lo, hi, ok)
	}
}

// TestComputeMissingAnswers: vector S2 and the decisions of §3.6.3.
func TestComputeMissingAnswers(t *testing.T) {
	s2 := rowsCounts([][]int{
		{4, 4, 4, 4, 4, 4, 4, 4, 4},
		{3, 3, 3, 3, 3, 3, 3, 3, 3},
		{3, 4, 3, 2, 3, 4, 3, 3, 4},
		{4, 3, 3, 0, 4, 3, 4, 4, 3},
	})
	res := Compute(SKM(), s2)
	if res.IKM != 85.42 || res.Grade != "B" || res.Elements[3].Respondents != 3 || res.Elements[3].NRRExact != "3.0000" || res.Respondents != 4 {
		t.Errorf("Compute(S2) = %.2f %s, U4 n=%d NRR %s, respondents %d; want 85.42 B, U4 n=3 NRR 3.0000, 4",
			res.IKM, res.Grade, res.Elements[3].Respondents, res.Elements[3].NRRExact, res.Respondents)
	}

	// A whole element without answers: k = 8, flagged, still an index.
	noBiaya := rowsCounts([][]int{{4, 4, 4, 0, 4, 4, 4, 4, 4}, {3, 3, 3, 0, 3, 3, 3, 3, 3}})
	res = Compute(SKM(), noBiaya)
	wantWarn := []string{"element_without_answers:U4", "non_standard"}
	if res.IKM != 87.50 || res.K != 8 || !res.NonStandard || res.Elements[3].Respondents != 0 || res.Elements[3].Grade != "" {
		t.Errorf("Compute(no biaya) = %.2f K %d NonStandard %v U4 %+v", res.IKM, res.K, res.NonStandard, res.Elements[3])
	}
	if diff := cmp.Diff(wantWarn, res.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}

	// Nobody: no index.
	for _, c := range []*Counts{nil, NewCounts(), {}} {
		res = Compute(SKM(), c)
		if res.Defined || res.Reason != ReasonNoRespondents || res.IKM != 0 || res.Grade != "" || len(res.Elements) != 9 || res.Warnings != nil {
			t.Errorf("Compute(empty) = %+v, want undefined, no_respondents", res)
		}
	}
}

func TestComputeOddInput(t *testing.T) {
	c := rowsCounts([][]int{{4, 4, 4, 4, 4, 4, 4, 4, 4}})
	c.Add("persyaratan", Score{5, 1}, 3) // outside the 1..4 scale: excluded
	c.Add("prosedur", Score{1, 1}, -2)   // counts gone negative: element excluded
	c.Add("keamanan", Score{4, 1}, 1)    // not an SKM element: ignored
	c.Add("sarpras", Score{9, 2}, 1)     // 4.5 is outside the scale too
	res := Compute(SKM(), c)
	want := []string{"out_of_scale:U1", "negative_count:U2", "out_of_scale:U8", "element_without_answers:U2", "unknown_element:keamanan", "non_standard"}
	if diff := cmp.Diff(want, res.Warnings, cmpSorted); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if res.IKM != 100 || res.K != 8 {
		t.Errorf("IKM = %v K = %d, want 100, 8", res.IKM, res.K)
	}
	d := SKM()
	d.Weight = "0.1"
	if res := Compute(d, c); res.Defined || res.Reason != ReasonUnknownWeight {
		t.Errorf("Compute(unknown weight) = Defined %v Reason %q", res.Defined, res.Reason)
	}
}

var cmpSorted = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

// TestComputeBoundaries: exact values inside the interval table's 0.01
// gaps, from raw complete responses (IKM = 25·T/(9n)), graded by R6.
// A grade "≥ lower bound on the unrounded value" would fail half of them.
func TestComputeBoundaries(t *testing.T) {
	tests := []struct {
		n, total  int
		wantExact string
		wantIKM   float64
		wantGrade string
	}{
		{43, 1367, "88.307494", 88.31, "A"}, // gap (88.30, 88.31), rounds up
		{19, 604, "88.304094", 88.30, "B"},  // same gap, rounds down
		{19, 524, "76.608187", 76.61, "B"},  // gap (76.60, 76.61)
		{26, 717, "76.602564", 76.60, "C"},
		{113, 2644, "64.995084", 65.00, "C"}, // gap (64.99, 65.00)
		{58, 1357, "64.990421", 64.99, "D"},
		{5000, 158949, "88.305000", 88.31, "A"}, // an exact tie: float math.Round(88.305*100)/100 gives 88.30
		{1, 9, "25.000000", 25, "D"},
	}
	for _, tt := range tests {
		res := Compute(SKM(), rowsCounts(completeRows(tt.n, tt.total)))
		if res.IKMExact != tt.wantExact || res.IKM != tt.wantIKM || res.Grade != tt.wantGrade {
			t.Errorf("n=%d T=%d: IKM %s → %.2f %s, want %s → %.2f %s", tt.n, tt.total, res.IKMExact, res.IKM, res.Grade, tt.wantExact, tt.wantIKM, tt.wantGrade)
		}
		if g, _ := GradeOf(SKM(), res.IKM); g != res.Grade {
			t.Errorf("GradeOf(%.2f) = %s, Compute says %s", res.IKM, g, res.Grade)
		}
	}
	if math.Round(88.305*100)/100 != 88.30 {
		t.Log("float rounding happens to be right here; the tie above still guards the exact path")
	}
}

// TestTableArithmetic: the NI → NIK columns of the interval table (§3.4, §8.2).
func TestTableArithmetic(t *testing.T) {
	tests := []struct {
		ni, nik, grade, perf string
	}{
		{"1.00", "25.00", "D", "Tidak Baik"},
		{"2.5996", "64.99", "D", "Tidak Baik"},
		{"2.60", "65.00", "C", "Kurang Baik"},
		{"3.064", "76.60", "C", "Kurang Baik"},
		{"3.0644", "76.61", "B", "Baik"},
		{"3.532", "88.30", "B", "Baik"},
		{"3.5324", "88.31", "A", "Sangat Baik"},
		{"4.00", "100.00", "A", "Sangat Baik"},
		{"0.999", "24.98", "D", "Tidak Baik"}, // below the table (legacy weights): D
	}
	def := SKM()
	for _, tt := range tests {
		var res Result
		def.setIndex(&res, rat(t, tt.ni))
		if got := fmt.Sprintf("%.2f", res.IKM); got != tt.nik || res.Grade != tt.grade || res.Performance.ID != tt.perf {
			t.Errorf("NI %s → %s %s %q, want %s %s %q", tt.ni, got, res.Grade, res.Performance.ID, tt.nik, tt.grade, tt.perf)
		}
	}
}

func TestGradeOf(t *testing.T) {
	tests := []struct {
		ikm  float64
		want string
	}{
		{0, "D"}, {24.98, "D"}, {25.00, "D"}, {64.99, "D"},
		{65.00, "C"}, {76.60, "C"},
		{76.61, "B"}, {88.30, "B"},
		{88.31, "A"}, {100.00, "A"},
	}
	for _, tt := range tests {
		if got, _ := GradeOf(SKM(), tt.ikm); got != tt.want {
			t.Errorf("GradeOf(%.2f) = %s, want %s", tt.ikm, got, tt.want)
		}
	}
	// Bands in any order, and a definition without bands.
	d := SKM()
	d.Bands[0], d.Bands[3] = d.Bands[3], d.Bands[0]
	if got, perf := GradeOf(d, 90); got != "A" || perf.EN != "Very good" {
		t.Errorf("GradeOf(shuffled bands, 90) = %s %v, want A", got, perf)
	}
	d.Bands = nil
	if got, _ := GradeOf(d, 90); got != "" {
		t.Errorf("GradeOf(no bands, 90) = %q, want empty", got)
	}
}

// TestWeightedArithmetic checks the round-tertimbang-2dp mode at the NRR
// level with the published R2 figures: each NRRt rounded to 2 dp.
func TestWeightedArithmetic(t *testing.T) {
	nrr := []string{"3.41", "3.59", "3.53", "3.06", "3.66", "3.66", "3.91", "3.78", "3.84"}
	wantT := []string{"0.38", "0.40", "0.39", "0.34", "0.41", "0.41", "0.43", "0.42", "0.43"}
	rs := make([]*big.Rat, len(nrr))
	for i, s := range nrr {
		rs[i] = rat(t, s)
		if got := RoundHalfUp(weighted(WeightRoundTertimbang2dp, 9, rs[i]), 2); got != wantT[i] {
			t.Errorf("NRRt(%s) = %s, want %s", s, got, wantT[i])
		}
	}
	sum := weightedSum(WeightRoundTertimbang2dp, 9, rs)
	if got := RoundHalfUp(sum, 2); got != "3.61" {
		t.Errorf("Σ NRRt = %s, want 3.61", got)
	}
	if got := RoundHalfUp(sum.Mul(sum, big.NewRat(25, 1)), 2); got != "90.25" {
		t.Errorf("IKM = %s, want 90.25", got)
	}
}

// TestSeveralQuestionsPerElement: a respondent's element score is the
// exact mean of their answers, never rounded (§3.6.1).
func TestSeveralQuestionsPerElement(t *testing.T) {
	three := []int{3}
	rest := func(by map[string][]int) map[string][]int {
		for _, id := range skmIDs[1:] {
			by[id] = three
		}
		return by
	}
	c := NewCounts()
	AddRespondent(c, rest(map[string][]int{"persyaratan": {3, 4}})) // 3.5
	AddRespondent(c, rest(map[string][]int{"persyaratan": {4, 3}})) // 3.5
	AddRespondent(c, rest(map[string][]int{"persyaratan": {2, 3}})) // 2.5
	res := Compute(SKM(), c)
	// Exact: NRR_U1 = 9.5/3; IKM = 25/9·(9.5/3 + 24) = 75.46 (C).
	// Rounding each respondent first (4, 4, 3) would give 76.85 (B).
	if res.Elements[0].NRRExact != "3.1667" || res.IKM != 75.46 || res.Grade != "C" {
		t.Errorf("Compute = U1 %s, IKM %.2f %s; want 3.1667, 75.46 C", res.Elements[0].NRRExact, res.IKM, res.Grade)
	}
	var scores []string
	c.Elements["persyaratan"].Each(func(s Score, n int64) { scores = append(scores, fmt.Sprintf("%d/%d×%d", s.Num, s.Den, n)) })
	if diff := cmp.Diff([]string{"5/2×1", "7/2×2"}, scores); diff != "" {
		t.Errorf("Each (-want +got):\n%s", diff)
	}
	// Per respondent first, then over respondents: one who answered only
	// one of two questions weighs as much as one who answered both.
	c = NewCounts()
	AddRespondent(c, map[string][]int{"persyaratan": {4}})
	AddRespondent(c, map[string][]int{"persyaratan": {2, 3}})
	if got := Compute(SKM(), c).Elements[0].NRRExact; got != "3.2500" { // per question would be 3.0
		t.Errorf("NRR = %s, want 3.2500", got)
	}
	// The respondent's own index: (3.5 + 8·3)/9 × 25 = 76.3888… → 7639.
	if got, ok := RespondentIndexCents(rest(map[string][]int{"persyaratan": {3, 4}})); got != 7639 || !ok {
		t.Errorf("RespondentIndexCents = %d, %v; want 7639, true", got, ok)
	}
	// Equal means share a bucket: 6/2 is 3/1.
	e := &ElementCounts{}
	e.Add(Score{6, 2}, 1)
	e.Add(Score{3, 1}, 1)
	e.Add(Score{10, 4}, 2)
	var got []string
	e.Each(func(s Score, n int64) { got = append(got, fmt.Sprintf("%d/%d×%d", s.Num, s.Den, n)) })
	if diff := cmp.Diff([]string{"3/1×2", "5/2×2"}, got); diff != "" || e.Respondents() != 4 {
		t.Errorf("Each (-want +got):\n%s; Respondents = %d", diff, e.Respondents())
	}
}

func TestRespondentIndexCents(t *testing.T) {
	tests := []struct {
		by     map[string][]int
		want   int64
		wantOK bool
	}{
		{map[string][]int{}, 0, false},
		{map[string][]int{"waktu": nil}, 0, false},
		{map[string][]int{"waktu": {4}}, 10000, true},
		{map[string][]int{"waktu": {1}}, 2500, true},
		{map[string][]int{"waktu": {3}, "biaya": {4}}, 8750, true},
		{map[string][]int{"waktu": {3}, "biaya": {4}, "produk": {4}}, 9167, true},           // 91.666… half-up
		{map[string][]int{"waktu": {1, 2, 2}, "biaya": {1}, "produk": {1}}, 3056, true},     // (5/3+2)/3×25 = 30.555…
		{map[string][]int{"waktu": {1}, "biaya": {2}, "produk": {1}, "x": {1}}, 3125, true}, // 31.25 exactly
	}
	for _, tt := range tests {
		got, ok := RespondentIndexCents(tt.by)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("RespondentIndexCents(%v) = %d, %v; want %d, %v", tt.by, got, ok, tt.want, tt.wantOK)
		}
	}
}

// TestAggregation: the §7 example. Unit A: n=120, IKM 88.50; unit B:
// n=30, IKM 72.00 → pooled 85.20, simple mean 80.25. Both IKMs need
// element sums such as 423.2, so one respondent per unit answered an
// element with five questions (scores 16/5 and 18/5).
func TestAggregation(t *testing.T) {
	a := NewCounts()
	for _, id := range skmIDs[:8] {
		addSum(t, a, id, 120, 425)
	}
	addSum(t, a, "pengaduan", 119, 420)
	a.Add("pengaduan", Score{16, 5}, 1)
	a.AddRespondents(120, 0, 0)
	b := NewCounts()
	for _, id := range skmIDs[:8] {
		addSum(t, b, id, 30, 86)
	}
	addSum(t, b, "pengaduan", 29, 86)
	b.Add("pengaduan", Score{18, 5}, 1)
	b.AddRespondents(30, 0, 0)

	ra, rb := Compute(SKM(), a), Compute(SKM(), b)
	if ra.IKMExact != "88.500000" || rb.IKMExact != "72.000000" {
		t.Fatalf("unit IKMs = %s, %s; want 88.500000, 72.000000", ra.IKMExact, rb.IKMExact)
	}
	pooled := Pool(SKM(), a, b)
	if pooled.IKM != 85.20 || pooled.IKMExact != "85.200000" || pooled.Grade != "B" || pooled.Method != MethodPooled || pooled.Respondents != 150 {
		t.Errorf("Pool = %.2f (%s) %s %s n=%d, want 85.20 B pooled n=150", pooled.IKM, pooled.IKMExact, pooled.Grade, pooled.Method, pooled.Respondents)
	}
	empty := Compute(SKM(), NewCounts())
	mean := MeanOfUnits(SKM(), []Result{ra, rb, empty})
	if mean.IKM != 80.25 || mean.Grade != "B" || mean.Method != MethodMean || mean.Respondents != 150 || !mean.Defined {
		t.Errorf("MeanOfUnits = %.2f %s %s n=%d, want 80.25 B mean n=150", mean.IKM, mean.Grade, mean.Method, mean.Respondents)
	}
	if diff := cmp.Diff([]string{"units_without_respondents:1"}, mean.Warnings); diff != "" {
		t.Errorf("MeanOfUnits warnings (-want +got):\n%s", diff)
	}
	// U1: (3.5417 + 2.8667)/2 = 3.2042; respondents summed.
	if e := mean.Elements[0]; e.NRRExact != "3.2042" || e.Respondents != 150 {
		t.Errorf("MeanOfUnits U1 = %s n=%d, want 3.2042 n=150", e.NRRExact, e.Respondents)
	}
	if r := MeanOfUnits(SKM(), []Result{empty}); r.Defined || r.Reason != ReasonNoRespondents {
		t.Errorf("MeanOfUnits(nothing defined) = Defined %v Reason %q", r.Defined, r.Reason)
	}
	// Pool is Compute on merged counts, and leaves its inputs alone.
	before := a.Clone()
	merged := a.Clone()
	merged.Merge(b)
	want := Compute(SKM(), merged)
	want.Method = MethodPooled
	if diff := cmp.Diff(want, Pool(SKM(), a, nil, b)); diff != "" {
		t.Errorf("Pool != Compute(merged) (-want +got):\n%s", diff)
	}
	if !a.Equal(before) {
		t.Error("Pool modified its input")
	}
}

func TestCountsMergeClone(t *testing.T) {
	a := rowsCounts([][]int{{4, 3, 2, 1, 4, 3, 2, 1, 4}, {1, 1, 1, 1, 1, 1, 1, 1, 1}})
	a.Add("persyaratan", Score{7, 2}, 3)
	b := rowsCounts([][]int{{2, 2, 2, 2, 2, 2, 2, 2, 0}})
	b.Add("persyaratan", Score{7, 2}, -1)
	b.Add("persyaratan", Score{5, 3}, 1)

	ab := a.Clone()
	ab.Merge(b)
	ba := b.Clone()
	ba.Merge(a)
	if !ab.Equal(ba) || !ba.Equal(ab) {
		t.Error("Merge is not commutative")
	}
	if ab.Equal(a) {
		t.Error("Equal(merged, a) = true")
	}
	if ab.Respondents != 3 || ab.Elements["pengaduan"].Respondents() != 2 || ab.Elements["persyaratan"].Respondents() != 6 {
		t.Errorf("merged respondents = %d, U9 %d, U1 %d", ab.Respondents, ab.Elements["pengaduan"].Respondents(), ab.Elements["persyaratan"].Respondents())
	}
	// Taking b away again gives a back, map buckets and all.
	neg := b.Clone()
	for _, e := range neg.Elements {
		e.std = [5]int64{0, -e.std[1], -e.std[2], -e.std[3], -e.std[4]}
		for s, n := range e.other {
			e.other[s] = -n
		}
	}
	neg.Respondents, neg.IndexSum, neg.IndexSumSq = -neg.Respondents, -neg.IndexSum, -neg.IndexSumSq
	ab.Merge(neg)
	if !ab.Equal(a) {
		t.Error("a + b − b != a")
	}
	// Clone is deep.
	c := a.Clone()
	c.Add("persyaratan", Score{7, 2}, 1)
	c.Add("waktu", Score{4, 1}, 1)
	if a.Elements["persyaratan"].count(Score{7, 2}) != 3 || a.Elements["waktu"].std[4] != 0 {
		t.Error("Clone shares state with the original")
	}
	// An absent element equals an empty one; self-merge doubles.
	x := NewCounts()
	x.Elements["waktu"] = &ElementCounts{}
	if !x.Equal(NewCounts()) || !NewCounts().Equal(x) {
		t.Error("empty element != absent element")
	}
	d := a.Clone()
	d.Merge(d)
	if d.Respondents != 2*a.Respondents || d.Elements["persyaratan"].Respondents() != 2*a.Elements["persyaratan"].Respondents() {
		t.Error("self-merge did not double")
	}
	var zero Counts
	zero.Merge(a)
	zero.Merge(nil)
	if !zero.Equal(a) {
		t.Error("merge into the zero Counts")
	}
}

func TestCountsPanicsOnBadScore(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Add(Score{1, 0}) did not panic")
		}
	}()
	NewCounts().Add("waktu", Score{1, 0}, 1)
}

func TestRoundHalfUp(t *testing.T) {
	tests := []struct {
		in   string
		dp   int
		want string
	}{
		{"88.305", 2, "88.31"}, {"88.3049999", 2, "88.30"}, {"0.125", 2, "0.13"}, {"-0.125", 2, "-0.13"},
		{"2/3", 4, "0.6667"}, {"100", 2, "100.00"}, {"0", 3, "0.000"}, {"0.0005", 3, "0.001"}, {"7.5", 0, "8"},
		{"745/9", 6, "82.777778"}, {"-1/3", 1, "-0.3"},
		{"123456789012345678901234567890/7", 2, "17636684144620811271604938270.00"},
		{"9223372036854775807/2", 18, "4611686018427387903.500000000000000000"},
		{"-9223372036854775808/3", 1, "-3074457345618258602.7"},
	}
	for _, tt := range tests {
		if got := RoundHalfUp(rat(t, tt.in), tt.dp); got != tt.want {
			t.Errorf("RoundHalfUp(%s, %d) = %s, want %s", tt.in, tt.dp, got, tt.want)
		}
	}
}

// TestRoundScaledPaths: the machine-word fast path agrees with big.Int.
func TestRoundScaledPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		num := r.Int64() >> r.IntN(64)
		if r.IntN(2) == 0 {
			num = -num
		}
		den := 1 + r.Int64()>>r.IntN(64)
		x := big.NewRat(num, den)
		dp := r.IntN(19)
		if got, want := roundScaled(x, dp), roundScaledBig(x, dp); got.Cmp(want) != 0 {
			t.Fatalf("roundScaled(%s, %d) = %s, big path %s", x, dp, got, want)
		}
	}
}

func TestSKMDefinition(t *testing.T) {
	d := SKM()
	var codes []string
	for _, e := range d.Elements {
		codes = append(codes, e.Code+"="+e.ID)
	}
	want := []string{"U1=persyaratan", "U2=prosedur", "U3=waktu", "U4=biaya", "U5=produk", "U6=kompetensi", "U7=perilaku", "U8=sarpras", "U9=pengaduan"}
	if diff := cmp.Diff(want, codes); diff != "" {
		t.Errorf("SKM elements (-want +got):\n%s", diff)
	}
	d.Elements[0].ID = "changed"
	if SKM().Elements[0].ID != "persyaratan" {
		t.Error("SKM() returns shared state")
	}
}
