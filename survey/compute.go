package survey

import (
	"math"
	"math/big"
	"slices"
	"strconv"

	"suara/domain"
)

// Aggregation methods, recorded in [Result.Method] so that every published
// number says how it was made (skm-method.md §7).
const (
	MethodSingle = "single" // one set of counts
	MethodPooled = "pooled" // counts of several units merged ("IKM gabungan, bobot responden"); the default
	MethodMean   = "mean"   // simple mean of unit IKMs
)

// Reasons why a [Result] is not defined.
const (
	ReasonNoRespondents = "no_respondents"
	ReasonUnknownWeight = "unknown_weight"
)

// Warning codes in [Result.Warnings]. Those that name an element end in
// ":<code>", e.g. "element_without_answers:U4"; "units_without_respondents"
// ends in ":<n>".
const (
	WarnElementWithoutAnswers   = "element_without_answers"   // the element had no answers; k was reduced (§3.6.3)
	WarnNonStandard             = "non_standard"              // K differs from the definition's element count (§3.6.2)
	WarnOutOfScale              = "out_of_scale"              // scores outside ScaleMin..ScaleMax were excluded
	WarnNegativeCount           = "negative_count"            // an element's counts went negative; the element was excluded
	WarnUnknownElement          = "unknown_element"           // counts for an element the definition lacks; ignored
	WarnLegacyWeight            = "legacy_weight"             // a compatibility weight, not the regulation's 1/k (§3.3)
	WarnUnitsWithoutRespondents = "units_without_respondents" // MeanOfUnits skipped results that were not defined
)

// MaxWeakest is how many of the weakest elements a result names (§6.4).
const MaxWeakest = 3

// ElementResult is one element's line of the results table.
type ElementResult struct {
	ID, Code    string
	Name        domain.Text
	Respondents int64       // n_e, respondents who answered the element; 0: no values below are set
	NRR         float64     // the exact NRR rounded half-up to 2 dp, for display (§3.2)
	NRRExact    string      // the exact NRR rounded half-up to 4 dp, e.g. "3.6207"
	NRRWeighted float64     // NRR tertimbang, exact NRR × w rounded half-up to 3 dp (the 2-dp value in round-tertimbang-2dp)
	Index       float64     // NRR × Conversion (25), rounded half-up to 2 dp
	Grade       string      // the element's own grade from Index (§3.5)
	Performance domain.Text // the grade's words
	Priority    bool        // among the weakest: a follow-up priority (§6.4)
}

// Result is an index with everything a report shows.
//
// Elements lists EVERY element of the definition in definition order; an
// element without answers has Respondents 0, zero numbers, an empty Grade,
// and a warning. Callers showing a table print "–" for it.
type Result struct {
	Definition  string     // the definition's code
	Method      string     // MethodSingle, MethodPooled or MethodMean
	Weight      WeightRule // the rule used
	Respondents int64      // Counts.Respondents; if that is 0, the largest n_e
	Defined     bool       // false: no index (no respondents); see Reason
	Reason      string     // why not Defined, e.g. ReasonNoRespondents
	Index       float64    // IKM on the 1–4 scale (Σ NRR tertimbang), half-up 4 dp
	IKM         float64    // 25–100 scale, rounded half-up to 2 dp exactly once, at the end
	IKMExact    string     // the same, rounded half-up to 6 dp, e.g. "91.475096"
	Grade       string     // mutu pelayanan, from IKM (R6)
	Performance domain.Text
	K           int             // elements with answers
	NonStandard bool            // K differs from len(def.Elements) (9 for SKM)
	Elements    []ElementResult // every definition element, definition order
	Weakest     []string        // element codes, lowest NRR first, up to MaxWeakest (ties: definition order)
	Warnings    []string        // machine codes, see the Warn constants
}

// Compute returns the index of one set of counts (Method "single"),
// following skm-method.md §3.2 exactly: NRR_e = Σ scores / n_e per element,
// w = 1/k over the k elements with answers, IKM = Σ NRR_e·w × 25 in exact
// rational arithmetic, rounded half-up to 2 dp once, then graded by lower
// bounds (R6). The legacy weight rules of §3.3 apply only when def.Weight
// names them.
//
// The cost is a handful of big.Rat operations per element, independent of
// how many respondents or units the counts hold: pool first ([Pool],
// [Counts.Merge]), then compute once.
func Compute(def *Definition, c *Counts) Result {
	return compute(def, c, MethodSingle)
}

// Pool merges the counts of several units (or days, or surveys) and
// computes the index of the whole (Method "pooled"): the respondent-weighted
// aggregation that skm-method.md §7 recommends as the default. None of cs
// is modified; nil entries are skipped.
func Pool(def *Definition, cs ...*Counts) Result {
	all := NewCounts()
	for _, c := range cs {
		all.Merge(c)
	}
	return compute(def, all, MethodPooled)
}

func compute(def *Definition, c *Counts, method string) Result {
	res := Result{Definition: def.Code, Method: method, Weight: def.weight()}
	if c == nil {
		c = &Counts{}
	}
	nrrs := make([]*big.Rat, len(def.Elements))
	ns := make([]int64, len(def.Elements))
	var maxN int64
	for i, el := range def.Elements {
		n, sum, warn := elementSum(c.Elements[el.ID], def.ScaleMin, def.ScaleMax)
		if warn != "" {
			res.Warnings = append(res.Warnings, warn+":"+el.Code)
		}
		ns[i] = n
		if n > 0 {
			nrrs[i] = sum.Quo(sum, new(big.Rat).SetInt64(n))
			res.K++
		}
		maxN = max(maxN, n)
	}
	var unknown []string
	for id, e := range c.Elements {
		if !e.empty() && !slices.ContainsFunc(def.Elements, func(el Element) bool { return el.ID == id }) {
			unknown = append(unknown, WarnUnknownElement+":"+id)
		}
	}
	slices.Sort(unknown)
	res.Warnings = append(res.Warnings, unknown...)
	res.Respondents = c.Respondents
	if res.Respondents == 0 {
		res.Respondents = maxN
	}
	def.fillElements(&res, nrrs, ns)
	switch {
	case res.K == 0:
		res.Reason = ReasonNoRespondents
		return res
	case !res.Weight.Valid():
		res.Reason = ReasonUnknownWeight
		return res
	}
	def.setIndex(&res, weightedSum(res.Weight, res.K, nrrs))
	return res
}

// elementSum returns n_e and Σ scores of one element, excluding scores
// outside the scale.
func elementSum(e *ElementCounts, lo, hi int) (n int64, sum *big.Rat, warn string) {
	if e == nil {
		return 0, nil, ""
	}
	var s int64
	out, negative := false, false
	for v := 1; v <= 4; v++ {
		cnt := e.std[v]
		switch {
		case cnt == 0:
			continue
		case cnt < 0:
			negative = true
		case v < lo || v > hi:
			out = true
			continue
		}
		n += cnt
		s += int64(v) * cnt
	}
	sum = new(big.Rat).SetInt64(s)
	for sc, cnt := range e.other {
		if cnt < 0 {
			negative = true
		}
		if sc.Num < lo*sc.Den || sc.Num > hi*sc.Den {
			out = true
			continue
		}
		n += cnt
		sum.Add(sum, new(big.Rat).SetFrac64(int64(sc.Num)*cnt, int64(sc.Den)))
	}
	switch {
	case negative:
		return 0, nil, WarnNegativeCount
	case out:
		return n, sum, WarnOutOfScale
	}
	return n, sum, ""
}

var (
	rat0111 = big.NewRat(111, 1000)
	rat011  = big.NewRat(11, 100)
)

// weightOf is the weight of each element with answers (§3.3).
func weightOf(rule WeightRule, k int) *big.Rat {
	switch rule {
	case WeightLegacy0111, WeightRoundTertimbang2dp:
		return rat0111
	case WeightLegacy011:
		return rat011
	}
	return big.NewRat(1, int64(k))
}

// weighted is one element's NRR tertimbang under rule.
func weighted(rule WeightRule, k int, nrr *big.Rat) *big.Rat {
	t := new(big.Rat).Mul(nrr, weightOf(rule, k))
	if rule == WeightRoundTertimbang2dp {
		t.SetFrac(roundScaled(t, 2), pow10(2))
	}
	return t
}

// weightedSum is Σ NRR tertimbang: the index on the 1–4 scale.
func weightedSum(rule WeightRule, k int, nrrs []*big.Rat) *big.Rat {
	if rule == WeightExact || rule == "" {
		// Σ NRR / k: one division instead of k.
		s := new(big.Rat)
		for _, r := range nrrs {
			if r != nil {
				s.Add(s, r)
			}
		}
		return s.Quo(s, new(big.Rat).SetInt64(int64(k)))
	}
	s := new(big.Rat)
	for _, r := range nrrs {
		if r != nil {
			s.Add(s, weighted(rule, k, r))
		}
	}
	return s
}

// fillElements writes the element lines, the weakest elements and the
// element warnings. nrrs[i] is nil for elements without answers.
func (def *Definition) fillElements(res *Result, nrrs []*big.Rat, ns []int64) {
	res.Elements = make([]ElementResult, len(def.Elements))
	conv := new(big.Rat).SetInt64(def.conversion())
	bands := def.bandTable()
	var missing []string
	for i, el := range def.Elements {
		er := ElementResult{ID: el.ID, Code: el.Code, Name: el.Name}
		er.Respondents = ns[i]
		if r := nrrs[i]; r != nil {
			er.NRR = roundFloat(r, 2)
			er.NRRExact = RoundHalfUp(r, 4)
			er.NRRWeighted = roundFloat(weighted(res.Weight, res.K, r), 3)
			idx := roundScaled(new(big.Rat).Mul(r, conv), 2)
			er.Index = scaledFloat(idx, 2)
			er.Grade, er.Performance = bands.classify(idx.Int64())
		} else if res.K > 0 {
			missing = append(missing, WarnElementWithoutAnswers+":"+el.Code)
		}
		res.Elements[i] = er
	}
	res.Warnings = append(missing, res.Warnings...)
	if res.K == 0 {
		return
	}
	res.NonStandard = res.K != len(def.Elements)
	if res.NonStandard {
		res.Warnings = append(res.Warnings, WarnNonStandard)
	}
	if res.Weight != WeightExact {
		res.Warnings = append(res.Warnings, WarnLegacyWeight+":"+string(res.Weight))
	}
	order := make([]int, 0, len(nrrs))
	for i, r := range nrrs {
		if r != nil {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return nrrs[a].Cmp(nrrs[b]) })
	for _, i := range order[:min(MaxWeakest, len(order))] {
		res.Weakest = append(res.Weakest, def.Elements[i].Code)
		res.Elements[i].Priority = true
	}
}

// setIndex sets Index, IKM, IKMExact, Grade and Performance from the exact
// index on the 1–4 scale, rounding each exactly once.
func (def *Definition) setIndex(res *Result, index *big.Rat) {
	res.Defined = true
	res.Index = roundFloat(index, 4)
	ikm := new(big.Rat).Mul(index, new(big.Rat).SetInt64(def.conversion()))
	cents := roundScaled(ikm, 2)
	res.IKM = scaledFloat(cents, 2)
	res.IKMExact = RoundHalfUp(ikm, 6)
	res.Grade, res.Performance = def.classify(cents.Int64())
}

// MeanOfUnits is the simple mean of unit IKMs (Method "mean"), the option
// skm-method.md §7 offers beside pooling. Only defined results count. The
// mean is taken over the units' published 2-dp IKMs, so anyone can redo it
// from the published unit table, then rounded half-up to 2 dp once more.
// Each element's NRR is the simple mean of the units' NRRExact values over
// the units where the element had answers; Respondents are summed.
func MeanOfUnits(def *Definition, results []Result) Result {
	res := Result{Definition: def.Code, Method: MethodMean, Weight: def.weight()}
	pos := make(map[string]int, len(def.Elements))
	for i, el := range def.Elements {
		pos[el.ID] = i
	}
	sums := make([]*big.Rat, len(def.Elements))
	units := make([]int64, len(def.Elements))
	resp := make([]int64, len(def.Elements))
	var cents, defined, skipped int64
	for _, r := range results {
		if !r.Defined {
			skipped++
			continue
		}
		defined++
		cents += int64(math.Round(r.IKM * 100))
		res.Respondents += r.Respondents
		for _, er := range r.Elements {
			i, ok := pos[er.ID]
			if !ok || er.Respondents <= 0 {
				continue
			}
			v, ok := new(big.Rat).SetString(er.NRRExact)
			if !ok {
				continue
			}
			if sums[i] == nil {
				sums[i] = new(big.Rat)
			}
			sums[i].Add(sums[i], v)
			units[i]++
			resp[i] += er.Respondents
		}
	}
	nrrs := make([]*big.Rat, len(def.Elements))
	for i, s := range sums {
		if s != nil {
			nrrs[i] = s.Quo(s, new(big.Rat).SetInt64(units[i]))
			res.K++
		}
	}
	if skipped > 0 {
		res.Warnings = append(res.Warnings, WarnUnitsWithoutRespondents+":"+strconv.FormatInt(skipped, 10))
	}
	def.fillElements(&res, nrrs, resp)
	switch {
	case defined == 0 || res.K == 0:
		res.Reason = ReasonNoRespondents
		return res
	case !res.Weight.Valid():
		res.Reason = ReasonUnknownWeight
		return res
	}
	mean := big.NewRat(cents, 100*defined)
	def.setIndex(&res, mean.Quo(mean, new(big.Rat).SetInt64(def.conversion())))
	return res
}

// roundFloat is r rounded half-up to dp decimals, as the nearest float64.
func roundFloat(r *big.Rat, dp int) float64 {
	return scaledFloat(roundScaled(r, dp), dp)
}

// scaledFloat is i / 10^dp as the nearest float64 (exact integers below
// 2^53 divided by an exact power of ten round correctly).
func scaledFloat(i *big.Int, dp int) float64 {
	if i.IsInt64() && dp < 23 {
		if v := i.Int64(); v > -1<<53 && v < 1<<53 {
			return float64(v) / math.Pow10(dp)
		}
	}
	f, _ := new(big.Rat).SetFrac(i, pow10(dp)).Float64()
	return f
}
