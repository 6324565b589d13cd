package survey

import (
	"math/big"
	"testing"
)

// countsFrom turns fuzz bytes into counts: 4 bytes per SKM element (how
// many respondents scored 1, 2, 3, 4), then triples (element, Den, Num
// offset) adding one respondent with a multi-question score.
func countsFrom(data []byte) *Counts {
	c := NewCounts()
	var maxN int64
	for i, id := range skmIDs {
		for v := 1; v <= 4; v++ {
			if j := 4*i + v - 1; j < len(data) {
				c.Add(id, Score{v, 1}, int64(data[j]))
			}
		}
	}
	for rest := data[min(len(data), 36):]; len(rest) >= 3; rest = rest[3:] {
		den := 2 + int(rest[1]%4)           // 2..5 questions
		num := den + int(rest[2])%(3*den+1) // mean within 1..4
		c.Add(skmIDs[int(rest[0])%9], Score{num, den}, 1)
	}
	for _, e := range c.Elements {
		maxN = max(maxN, e.Respondents())
	}
	c.AddRespondents(maxN, 0, 0)
	return c
}

// referenceIKM recomputes the exact IKM the naive way, straight from
// skm-method.md §3.2, as an oracle for Compute's faster path.
func referenceIKM(c *Counts) (*big.Rat, bool) {
	total, k := new(big.Rat), 0
	for _, id := range skmIDs {
		e := c.Elements[id]
		if e == nil || e.Respondents() == 0 {
			continue
		}
		sum, n := new(big.Rat), int64(0)
		e.Each(func(s Score, cnt int64) {
			sum.Add(sum, new(big.Rat).Mul(big.NewRat(int64(s.Num), int64(s.Den)), big.NewRat(cnt, 1)))
			n += cnt
		})
		total.Add(total, sum.Quo(sum, big.NewRat(n, 1)))
		k++
	}
	if k == 0 {
		return nil, false
	}
	return total.Mul(total, big.NewRat(25, int64(k))), true
}

var fuzzSeeds = [][2][]byte{
	{nil, nil},
	{{0, 0, 0, 1}, {1, 0, 0, 0}},
	{{1, 2, 3, 4, 4, 3, 2, 1, 0, 0, 0, 9}, {0, 0, 0, 0, 5}},
	{{255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 7, 3, 200}, {0, 0, 0, 1, 9, 9, 9, 9}},
	{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 2, 8, 2, 9}, {}},
	{{43, 0, 0, 0}, {0, 19, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 12}},
}

// FuzzCompute checks the invariants of the index for arbitrary counts
// (STYLE.md §4.4): 25 ≤ IKM ≤ 100 under the exact weight, the grade agrees
// with the value, the value agrees with a naive oracle, an all-4
// respondent never lowers it, Pool(a, b) = Compute(a+b), and Merge is
// commutative and associative.
func FuzzCompute(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s[0], s[1])
	}
	def := SKM()
	f.Fuzz(func(t *testing.T, da, db []byte) {
		a, b := countsFrom(da), countsFrom(db)
		res := Compute(def, a)
		want, defined := referenceIKM(a)
		if res.Defined != defined {
			t.Fatalf("Defined = %v, oracle %v", res.Defined, defined)
		}
		if defined {
			if res.IKMExact != RoundHalfUp(want, 6) || res.IKM != roundFloat(want, 2) {
				t.Fatalf("IKM = %v (%s), oracle %s", res.IKM, res.IKMExact, RoundHalfUp(want, 6))
			}
			if res.IKM < 25 || res.IKM > 100 {
				t.Fatalf("IKM = %v outside [25, 100]", res.IKM)
			}
			if g, p := GradeOf(def, res.IKM); g != res.Grade || p != res.Performance || g == "" {
				t.Fatalf("grade %s, GradeOf(%v) = %s", res.Grade, res.IKM, g)
			}
			if len(res.Weakest) != min(MaxWeakest, res.K) {
				t.Fatalf("Weakest = %v with K = %d", res.Weakest, res.K)
			}
		}
		for _, w := range []WeightRule{WeightLegacy0111, WeightLegacy011, WeightRoundTertimbang2dp} {
			d := SKM()
			d.Weight = w
			// Fixed legacy weights only make sense with all nine elements.
			if r := Compute(d, a); r.Defined && r.K == 9 && (r.IKM > 99.9 || r.IKM < 24.75) {
				t.Fatalf("%s: IKM = %v outside [24.75, 99.90]", w, r.IKM)
			}
		}

		// An all-4 respondent never lowers the index.
		more := a.Clone()
		AddRespondent(more, map[string][]int{
			"persyaratan": {4}, "prosedur": {4}, "waktu": {4}, "biaya": {4}, "produk": {4},
			"kompetensi": {4}, "perilaku": {4}, "sarpras": {4}, "pengaduan": {4, 4},
		})
		after, _ := referenceIKM(more)
		if r := Compute(def, more); !r.Defined || (defined && after.Cmp(want) < 0) {
			t.Fatalf("adding an all-4 respondent: %s → %s", res.IKMExact, r.IKMExact)
		}

		// Merge is commutative and associative; Pool is Compute of the merge.
		ab := a.Clone()
		ab.Merge(b)
		ba := b.Clone()
		ba.Merge(a)
		if !ab.Equal(ba) {
			t.Fatal("a+b != b+a")
		}
		c := countsFrom(append(append([]byte(nil), db...), da...))
		abc := ab.Clone()
		abc.Merge(c)
		bc := b.Clone()
		bc.Merge(c)
		a_bc := a.Clone()
		a_bc.Merge(bc)
		if !abc.Equal(a_bc) {
			t.Fatal("(a+b)+c != a+(b+c)")
		}
		pooled := Pool(def, a, b)
		single := Compute(def, ab)
		if pooled.Method != MethodPooled || pooled.IKMExact != single.IKMExact || pooled.Grade != single.Grade ||
			pooled.Respondents != single.Respondents || len(pooled.Warnings) != len(single.Warnings) {
			t.Fatalf("Pool = %s %s, Compute(merged) = %s %s", pooled.IKMExact, pooled.Grade, single.IKMExact, single.Grade)
		}
	})
}

// FuzzRespondentIndexCents compares the integer fast path with big.Rat.
func FuzzRespondentIndexCents(f *testing.F) {
	f.Add([]byte{0, 4})
	f.Add([]byte{0, 1, 1, 2, 2, 3, 3, 4, 4, 1, 5, 2, 6, 3, 7, 4, 8, 1})
	f.Add([]byte{0, 1, 0, 2, 0, 2, 1, 1, 2, 1})
	f.Add([]byte{3, 3, 3, 4, 3, 4, 3, 4, 3, 4, 5, 1, 5, 2, 5, 2, 5, 4, 5, 3, 8, 4, 8, 4, 8, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		by := map[string][]int{}
		for ; len(data) >= 2; data = data[2:] {
			id := skmIDs[int(data[0])%9]
			by[id] = append(by[id], 1+int(data[1])%4)
		}
		got, ok := RespondentIndexCents(by)
		sum, k := new(big.Rat), 0
		for _, vs := range by {
			s := 0
			for _, v := range vs {
				s += v
			}
			sum.Add(sum, big.NewRat(int64(s), int64(len(vs))))
			k++
		}
		if ok != (k > 0) {
			t.Fatalf("ok = %v with %d elements", ok, k)
		}
		if !ok {
			return
		}
		want := roundScaled(sum.Mul(sum, big.NewRat(2500, int64(k))), 0).Int64()
		if got != want || got < 2500 || got > 10000 {
			t.Fatalf("RespondentIndexCents(%v) = %d, want %d", by, got, want)
		}
	})
}

// FuzzParsePeriod: whatever parses is a valid period that prints and
// parses back, has a previous period of the same shape right before it,
// and splits into contiguous monthly buckets.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026", "2026-Q1", "2026-s2", "2026-03", "2026-02-29", "2024-02-29", "2026-01-01..2026-03-31", "x..y", "2026-Q", "9999-12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil || p.Days() < 1 {
			t.Fatalf("ParsePeriod(%q) = %v, invalid: %v", s, p, err)
		}
		if q, err := ParsePeriod(p.String()); err != nil || q != p {
			t.Fatalf("round trip %v → %v, %v", p, q, err)
		}
		prev := p.Previous()
		if prev.Validate() == nil && (prev.To >= p.From || dayAfter(prev) != p.From) {
			t.Fatalf("%v.Previous() = %v", p, prev)
		}
		buckets, err := Series(p, "month")
		if err != nil && p.Days() < 28*MaxSeries {
			t.Fatalf("Series(%v): %v", p, err)
		}
		if err != nil {
			return // more than MaxSeries months: refused, as documented
		}
		days := 0
		for i, b := range buckets {
			days += b.Days()
			if i > 0 && dayAfter(buckets[i-1]) != b.From {
				t.Fatalf("Series(%v): gap before %v", p, b)
			}
		}
		if buckets[0].From != p.From || buckets[len(buckets)-1].To != p.To || days != p.Days() {
			t.Fatalf("Series(%v) = %v", p, buckets)
		}
	})
}

// dayAfter returns the day after p.To.
func dayAfter(p Period) string {
	_, to, _ := p.parse()
	return day(to.AddDate(0, 0, 1))
}
