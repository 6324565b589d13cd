package survey

import (
	"math/big"
	"testing"
)

// TestElementTotals: the S2 vector (respondent 4 skipped U4) gives the
// column feet Σ 14,14,13,9,… with n_e 4,4,4,3,…, and Σ/n is Compute's NRR;
// a two-question element adds the respondents' exact means.
func TestElementTotals(t *testing.T) {
	c := NewCounts()
	rows := [][]int{
		{4, 4, 4, 4, 4, 4, 4, 4, 4},
		{3, 3, 3, 3, 3, 3, 3, 3, 3},
		{3, 4, 3, 2, 3, 4, 3, 3, 4},
		{4, 3, 3, 0, 4, 3, 4, 4, 3},
	}
	def := SKM()
	for _, r := range rows {
		by := map[string][]int{}
		for i, v := range r {
			if v > 0 {
				by[def.Elements[i].ID] = []int{v}
			}
		}
		AddRespondent(c, by)
	}
	AddRespondent(c, map[string][]int{"waktu": {2, 3}}) // a mean of 5/2
	tot := ElementTotals(def, c)
	res := Compute(def, c)
	wantSum := []string{"14", "14", "31/2", "9", "14", "14", "14", "14", "14"}
	wantN := []int64{4, 4, 5, 3, 4, 4, 4, 4, 4}
	for i, x := range tot {
		if x.Sum.RatString() != wantSum[i] || x.N != wantN[i] {
			t.Errorf("%s: Σ %s n %d, want %s n %d", def.Elements[i].Code, x.Sum.RatString(), x.N, wantSum[i], wantN[i])
		}
		nrr := new(big.Rat).Quo(x.Sum, big.NewRat(x.N, 1))
		if RoundHalfUp(nrr, 4) != res.Elements[i].NRRExact {
			t.Errorf("%s: Σ/n = %s, Compute's NRR %s", def.Elements[i].Code, RoundHalfUp(nrr, 4), res.Elements[i].NRRExact)
		}
	}
	if got := ElementTotals(def, nil); len(got) != 9 || got[0].N != 0 || got[0].Sum.Sign() != 0 {
		t.Errorf("nil counts: %v", got)
	}
}
