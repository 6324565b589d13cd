package survey

import (
	"math/big"
	"slices"

	"suara/domain"
)

// Score is one respondent's score on one element: Num/Den. Den is the
// number of the element's questions the respondent answered (1 in the
// standard questionnaire), Num the sum of their values. Keeping the
// fraction exact keeps several-questions-per-element exact (skm-method.md
// §3.6.1: average per respondent, never round).
//
// Scores are stored reduced (6/2 is stored as 3/1), so equal means share
// one bucket; Den must be positive.
type Score struct{ Num, Den int }

// reduce returns s in lowest terms. It panics on a non-positive Den:
// that is a bug in the caller, not bad input from a citizen.
func (s Score) reduce() Score {
	if s.Den <= 0 {
		panic("survey: Score with non-positive Den")
	}
	if s.Den == 1 {
		return s
	}
	if g := gcd(abs(s.Num), s.Den); g > 1 {
		s.Num /= g
		s.Den /= g
	}
	return s
}

// ElementCounts says how many respondents had each score on one element.
// The zero value is empty and ready to use.
//
// The standard case (one question, values 1..4) lives in a fixed array, so
// adding it never allocates; other fractions go to a small map.
type ElementCounts struct {
	std   [5]int64 // std[v]: respondents with score v/1, v = 1..4
	other map[Score]int64
}

// Add adds n respondents with score s. n may be negative, to take back
// what was added before (an excluded response); a bucket that reaches 0
// disappears. It panics if s.Den <= 0.
func (e *ElementCounts) Add(s Score, n int64) {
	if n == 0 {
		return
	}
	if s.Den != 1 {
		s = s.reduce()
	}
	if s.Den == 1 && s.Num >= 1 && s.Num <= 4 {
		e.std[s.Num] += n
		return
	}
	if e.other == nil {
		e.other = make(map[Score]int64)
	}
	if v := e.other[s] + n; v != 0 {
		e.other[s] = v
	} else {
		delete(e.other, s)
	}
}

// Respondents returns how many respondents answered the element.
func (e *ElementCounts) Respondents() int64 {
	n := e.std[1] + e.std[2] + e.std[3] + e.std[4]
	for _, v := range e.other {
		n += v
	}
	return n
}

// Each calls fn for every score with a non-zero count, ordered by Den,
// then Num.
func (e *ElementCounts) Each(fn func(s Score, n int64)) {
	if len(e.other) == 0 {
		for v := 1; v <= 4; v++ {
			if e.std[v] != 0 {
				fn(Score{v, 1}, e.std[v])
			}
		}
		return
	}
	keys := make([]Score, 0, 4+len(e.other))
	for v := 1; v <= 4; v++ {
		if e.std[v] != 0 {
			keys = append(keys, Score{v, 1})
		}
	}
	for s := range e.other {
		keys = append(keys, s)
	}
	slices.SortFunc(keys, func(a, b Score) int {
		if a.Den != b.Den {
			return a.Den - b.Den
		}
		return a.Num - b.Num
	})
	for _, s := range keys {
		fn(s, e.count(s))
	}
}

func (e *ElementCounts) count(s Score) int64 {
	if s.Den == 1 && s.Num >= 1 && s.Num <= 4 {
		return e.std[s.Num]
	}
	return e.other[s]
}

func (e *ElementCounts) merge(o *ElementCounts) {
	for v := 1; v <= 4; v++ {
		e.std[v] += o.std[v]
	}
	for s, n := range o.other {
		e.Add(s, n)
	}
}

func (e *ElementCounts) clone() *ElementCounts {
	c := &ElementCounts{std: e.std}
	if len(e.other) > 0 {
		c.other = make(map[Score]int64, len(e.other))
		for s, n := range e.other {
			c.other[s] = n
		}
	}
	return c
}

func (e *ElementCounts) equal(o *ElementCounts) bool {
	if e == nil || o == nil {
		return e.empty() && o.empty()
	}
	if e.std != o.std || len(e.other) != len(o.other) {
		return false
	}
	for s, n := range e.other {
		if o.other[s] != n {
			return false
		}
	}
	return true
}

func (e *ElementCounts) empty() bool {
	return e == nil || (e.std == [5]int64{} && len(e.other) == 0)
}

// Counts is the rollup shape: per element id (e.g. "persyaratan"), the
// score counts; plus the respondent count and the moments of the
// per-respondent index (25–100 scale, in hundredths, i.e.
// round-half-up(index×100)) so that [CI95] works from counts alone.
//
// Counts from several units, days or surveys combine with [Counts.Merge];
// the index of the combination is the pooled index (skm-method.md §7).
type Counts struct {
	Elements    map[string]*ElementCounts
	Respondents int64
	IndexSum    int64 // Σ per-respondent index, in hundredths
	IndexSumSq  int64 // Σ of the squares of the same
}

// NewCounts returns empty counts.
func NewCounts() *Counts {
	return &Counts{Elements: make(map[string]*ElementCounts, 9)}
}

func (c *Counts) element(id string) *ElementCounts {
	e := c.Elements[id]
	if e == nil {
		if c.Elements == nil {
			c.Elements = make(map[string]*ElementCounts, 9)
		}
		e = &ElementCounts{}
		c.Elements[id] = e
	}
	return e
}

// Add adds n respondents with score s on element.
func (c *Counts) Add(element string, s Score, n int64) {
	c.element(element).Add(s, n)
}

// AddRespondents adds n respondents whose per-respondent indices (in
// hundredths) sum to indexSum and whose squares sum to indexSumSq.
func (c *Counts) AddRespondents(n, indexSum, indexSumSq int64) {
	c.Respondents += n
	c.IndexSum += indexSum
	c.IndexSumSq += indexSumSq
}

// Merge adds o to c, in place. It is plain integer addition, so it is
// commutative and associative, and merging per-day counts equals counting
// everything at once. A nil o is a no-op.
func (c *Counts) Merge(o *Counts) {
	if o == nil {
		return
	}
	for id, oe := range o.Elements {
		if oe != nil {
			c.element(id).merge(oe)
		}
	}
	c.AddRespondents(o.Respondents, o.IndexSum, o.IndexSumSq)
}

// Clone returns a deep copy of c.
func (c *Counts) Clone() *Counts {
	d := &Counts{
		Elements:    make(map[string]*ElementCounts, len(c.Elements)),
		Respondents: c.Respondents,
		IndexSum:    c.IndexSum,
		IndexSumSq:  c.IndexSumSq,
	}
	for id, e := range c.Elements {
		if e != nil {
			d.Elements[id] = e.clone()
		}
	}
	return d
}

// Equal reports whether c and o hold the same counts. An element that is
// absent equals an element with no respondents, so a rollup rebuilt from
// responses can be compared with one kept up to date incrementally.
func (c *Counts) Equal(o *Counts) bool {
	if c.Respondents != o.Respondents || c.IndexSum != o.IndexSum || c.IndexSumSq != o.IndexSumSq {
		return false
	}
	for id, e := range c.Elements {
		if !e.equal(o.Elements[id]) {
			return false
		}
	}
	for id, e := range o.Elements {
		if _, ok := c.Elements[id]; !ok && !e.empty() {
			return false
		}
	}
	return true
}

// AddRespondent adds ONE respondent. byElement maps element id → the
// values (1..4) of that element's questions the respondent answered. It
// adds one [Score] per element with answers (the exact mean, no rounding:
// skm-method.md §3.6.1) and the respondent's own index to the moments.
// A respondent with no element answers is not counted at all.
//
// Values are trusted: check them first ([domain.TemplateVersion.CheckAnswers]).
// With the standard shape (one value per element) it does not allocate
// once the elements exist in c.
func AddRespondent(c *Counts, byElement map[string][]int) {
	cents, ok := RespondentIndexCents(byElement)
	if !ok {
		return
	}
	for id, vs := range byElement {
		if len(vs) == 0 {
			continue
		}
		sum := 0
		for _, v := range vs {
			sum += v
		}
		c.element(id).Add(Score{sum, len(vs)}, 1)
	}
	c.AddRespondents(1, cents, cents*cents)
}

// RespondentIndexCents returns one respondent's index on the 25–100 scale
// in hundredths: the mean of their element scores (each the exact mean of
// that element's answers) × 25, rounded half-up once. ok is false when the
// respondent answered no element.
func RespondentIndexCents(byElement map[string][]int) (int64, bool) {
	// Standard shape: one value per element, so the mean is T/k.
	var total, k int64
	for _, vs := range byElement {
		switch len(vs) {
		case 0:
			continue
		case 1:
			total += int64(vs[0])
			k++
		default:
			return respondentIndexCentsRat(byElement)
		}
	}
	if k == 0 {
		return 0, false
	}
	// index×100 = 2500·T/k; half-up: ⌊(5000·T + k) / 2k⌋.
	return floorDiv(5000*total+k, 2*k), true
}

// respondentIndexCentsRat is RespondentIndexCents for elements with
// several questions, whose common denominator can grow past int64.
func respondentIndexCentsRat(byElement map[string][]int) (int64, bool) {
	sum, k := new(big.Rat), int64(0)
	for _, vs := range byElement {
		if len(vs) == 0 {
			continue
		}
		var s int64
		for _, v := range vs {
			s += int64(v)
		}
		sum.Add(sum, big.NewRat(s, int64(len(vs))))
		k++
	}
	if k == 0 {
		return 0, false
	}
	return roundScaled(sum.Mul(sum, big.NewRat(2500, k)), 0).Int64(), true
}

// ByElement turns element answers keyed by question code (as
// [domain.TemplateVersion.CheckAnswers] returns them) into the shape
// [AddRespondent] takes: element id → values, in questionnaire order.
// Codes that are not element questions are ignored.
func ByElement(questions []domain.Question, answers map[string]int) map[string][]int {
	out := make(map[string][]int, 9)
	for _, q := range questions {
		if q.Kind != domain.KindElement {
			continue
		}
		if v, ok := answers[q.Code]; ok {
			out[q.Element] = append(out[q.Element], v)
		}
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func abs(a int) int {
	if a < 0 {
		return -a
	}
	return a
}

// floorDiv is ⌊a/b⌋ for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
