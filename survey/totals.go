package survey

import "math/big"

// ElementTotal is one element's column foot on the processing sheet
// ("Σ Nilai/Unsur" and the number of questionnaires that answered it).
type ElementTotal struct {
	Sum *big.Rat // Σ of the respondents' element scores, exact
	N   int64    // n_e
}

// ElementTotals returns the totals of each element of def, in definition
// order, from counts: the numbers the processing sheet prints under its
// per-respondent rows. NRR_e = Sum / N, as [Compute] takes it.
func ElementTotals(def *Definition, c *Counts) []ElementTotal {
	out := make([]ElementTotal, len(def.Elements))
	for i, el := range def.Elements {
		t := ElementTotal{Sum: new(big.Rat)}
		if c != nil {
			if e := c.Elements[el.ID]; e != nil {
				e.Each(func(s Score, n int64) {
					if n <= 0 || s.Num < def.ScaleMin*s.Den || s.Num > def.ScaleMax*s.Den {
						return // Compute leaves these out too (with a warning)
					}
					t.Sum.Add(t.Sum, new(big.Rat).SetFrac64(int64(s.Num)*n, int64(s.Den)))
					t.N += n
				})
			}
		}
		out[i] = t
	}
	return out
}
