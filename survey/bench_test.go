package survey

import (
	"math/rand/v2"
	"testing"
)

// unitCounts returns n units' counts in the standard shape: 9 elements,
// each with 20–200 respondents spread over the four values.
func unitCounts(n int) []*Counts {
	r := rand.New(rand.NewPCG(1, 2))
	units := make([]*Counts, n)
	for i := range units {
		c := NewCounts()
		resp := int64(20 + r.IntN(180))
		for _, id := range skmIDs {
			left := resp
			for v := 4; v > 1; v-- {
				k := r.Int64N(left + 1)
				c.Add(id, Score{v, 1}, k)
				left -= k
			}
			c.Add(id, Score{1, 1}, left)
		}
		c.AddRespondents(resp, resp*8000, resp*8000*8000)
		units[i] = c
	}
	return units
}

var sink Result

func BenchmarkComputeUnit(b *testing.B) {
	def, c := SKM(), unitCounts(1)[0]
	b.ReportAllocs()
	for b.Loop() {
		sink = Compute(def, c)
	}
}

// BenchmarkPool10000Units merges 10,000 units × 9 elements and computes
// the index once: the "country" query.
func BenchmarkPool10000Units(b *testing.B) {
	def, units := SKM(), unitCounts(10000)
	b.ReportAllocs()
	for b.Loop() {
		sink = Pool(def, units...)
	}
}

// BenchmarkComputePooled is Compute alone on counts already pooled from
// 10,000 units: the big.Rat work does not grow with the number of units.
func BenchmarkComputePooled(b *testing.B) {
	def := SKM()
	all := NewCounts()
	for _, u := range unitCounts(10000) {
		all.Merge(u)
	}
	b.ReportAllocs()
	for b.Loop() {
		sink = Compute(def, all)
	}
}

func BenchmarkAddRespondent(b *testing.B) {
	c := NewCounts()
	by := standardAnswers()
	AddRespondent(c, by)
	b.ReportAllocs()
	for b.Loop() {
		AddRespondent(c, by)
	}
}

func BenchmarkMerge(b *testing.B) {
	units := unitCounts(2)
	b.ReportAllocs()
	for b.Loop() {
		units[0].Merge(units[1])
	}
}

func standardAnswers() map[string][]int {
	by := map[string][]int{}
	for i, id := range skmIDs {
		by[id] = []int{1 + i%4}
	}
	return by
}

// TestAllocs guards the hot paths without timing anything (STYLE.md §4.4):
// adding a standard respondent, and merging standard-shape counts, do not
// allocate once the elements exist.
func TestAllocs(t *testing.T) {
	c := NewCounts()
	by := standardAnswers()
	AddRespondent(c, by)
	if n := testing.AllocsPerRun(100, func() { AddRespondent(c, by) }); n != 0 {
		t.Errorf("AddRespondent allocates %v times per run, want 0", n)
	}
	units := unitCounts(2)
	if n := testing.AllocsPerRun(100, func() { units[0].Merge(units[1]) }); n != 0 {
		t.Errorf("Merge allocates %v times per run, want 0", n)
	}
	e := &ElementCounts{}
	if n := testing.AllocsPerRun(100, func() { e.Add(Score{3, 1}, 1); e.Add(Score{8, 2}, 1) }); n != 0 {
		t.Errorf("ElementCounts.Add(standard) allocates %v times per run, want 0", n)
	}
}
