package survey

import (
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"

	"suara/domain"
)

// Element is one element (unsur) of an index definition.
type Element struct {
	ID   string      // stable id the counts are keyed by, e.g. "persyaratan"
	Code string      // presentation code, e.g. "U1"
	Name domain.Text // e.g. {"Persyaratan", "Requirements"}
}

// Band is one row of the interval table (skm-method.md §3.4).
type Band struct {
	Lower       string      // lower bound on the 25–100 scale, a decimal such as "88.31"
	Grade       string      // mutu pelayanan, e.g. "A"
	Performance domain.Text // kinerja, e.g. {"Sangat Baik", "Very good"}
}

// WeightRule says how NRRs are weighted into the index (skm-method.md §3.3).
//
// The legacy rules use their fixed weight for every element with answers,
// whatever k is, as the spreadsheets they reproduce do; they only make
// sense with all nine elements (a result with k ≠ 9 is flagged non_standard).
type WeightRule string

// Weight rules. Only WeightExact follows the regulation's 1/9; the others
// reproduce published numbers from other software and are labelled as such.
const (
	WeightExact              WeightRule = "exact"                // 1/k over elements with answers (R3); the default
	WeightLegacy0111         WeightRule = "legacy-0.111"         // 0.111 per element; max 99.90 (§3.3)
	WeightLegacy011          WeightRule = "legacy-0.11"          // 0.11 per element; max 99.00 (§3.3)
	WeightRoundTertimbang2dp WeightRule = "round-tertimbang-2dp" // 0.111, each NRR tertimbang rounded to 2 dp before summing (vector R2)
)

// Valid reports whether w is a known rule; the empty rule means WeightExact.
func (w WeightRule) Valid() bool {
	switch w {
	case "", WeightExact, WeightLegacy0111, WeightLegacy011, WeightRoundTertimbang2dp:
		return true
	}
	return false
}

// Definition is an index definition: its elements, scale, weight rule and
// band table (skm-method.md §9.1 generalises the SKM to other indices).
type Definition struct {
	Code, Name         string
	Elements           []Element  // presentation order
	ScaleMin, ScaleMax int        // 1, 4: element scores outside are excluded with a warning
	Conversion         int        // 25: index (1–4) × Conversion = the converted IKM
	Weight             WeightRule // empty means WeightExact
	Bands              []Band     // any order; classification uses lower bounds (R6)
}

// SKMCode is the code of the built-in PermenPANRB 14/2017 definition.
const SKMCode = "permenpanrb-14-2017"

// SKM returns the built-in PermenPANRB 14/2017 definition: nine elements in
// questionnaire order U1…U9 (U8 = sarana dan prasarana, U9 = penanganan
// pengaduan: skm-method.md §2.2), scale 1–4, conversion 25, weight 1/k, and
// the interval table of §3.4. Each call returns a fresh copy.
func SKM() *Definition {
	return &Definition{
		Code: SKMCode,
		Name: "Survei Kepuasan Masyarakat (PermenPANRB 14/2017)",
		Elements: []Element{
			{"persyaratan", "U1", domain.Text{ID: "Persyaratan", EN: "Requirements"}},
			{"prosedur", "U2", domain.Text{ID: "Sistem, Mekanisme, dan Prosedur", EN: "Systems, mechanisms and procedures"}},
			{"waktu", "U3", domain.Text{ID: "Waktu Penyelesaian", EN: "Completion time"}},
			{"biaya", "U4", domain.Text{ID: "Biaya/Tarif", EN: "Cost/fee"}},
			{"produk", "U5", domain.Text{ID: "Produk Spesifikasi Jenis Pelayanan", EN: "Service products as specified"}},
			{"kompetensi", "U6", domain.Text{ID: "Kompetensi Pelaksana", EN: "Staff competence"}},
			{"perilaku", "U7", domain.Text{ID: "Perilaku Pelaksana", EN: "Staff conduct"}},
			{"sarpras", "U8", domain.Text{ID: "Sarana dan Prasarana", EN: "Facilities and infrastructure"}},
			{"pengaduan", "U9", domain.Text{ID: "Penanganan Pengaduan, Saran dan Masukan", EN: "Handling of complaints, suggestions and feedback"}},
		},
		ScaleMin:   1,
		ScaleMax:   4,
		Conversion: 25,
		Weight:     WeightExact,
		Bands: []Band{
			{"88.31", "A", domain.Text{ID: "Sangat Baik", EN: "Very good"}},
			{"76.61", "B", domain.Text{ID: "Baik", EN: "Good"}},
			{"65.00", "C", domain.Text{ID: "Kurang Baik", EN: "Poor"}},
			{"25.00", "D", domain.Text{ID: "Tidak Baik", EN: "Very poor"}},
		},
	}
}

// GradeOf classifies an IKM on the converted scale that is already rounded
// to 2 dp (as [Result.IKM] is): the band with the highest lower bound ≤ ikm,
// or the lowest band below every bound (skm-method.md R6, §3.4: values
// below 25.00 occur only under legacy weights and are D).
func GradeOf(def *Definition, ikm float64) (grade string, perf domain.Text) {
	// ikm is a 2-dp value; this recovers its hundredths, it rounds nothing.
	return def.classify(int64(math.Round(ikm * 100)))
}

// classify grades a value given in hundredths.
func (def *Definition) classify(cents int64) (string, domain.Text) {
	return def.bandTable().classify(cents)
}

// bandTable is def.Bands with the lower bounds parsed once; bands whose
// bound does not parse are left out.
type bandTable []struct {
	lower int64
	band  *Band
}

func (def *Definition) bandTable() bandTable {
	t := make(bandTable, 0, len(def.Bands))
	for i := range def.Bands {
		if lower, ok := decimalCents(def.Bands[i].Lower); ok {
			t = append(t, struct {
				lower int64
				band  *Band
			}{lower, &def.Bands[i]})
		}
	}
	return t
}

// classify picks the band with the highest lower bound ≤ cents, or the
// lowest band when cents is below them all.
func (t bandTable) classify(cents int64) (string, domain.Text) {
	best, lowest := -1, -1
	for i, b := range t {
		if b.lower <= cents && (best < 0 || b.lower > t[best].lower) {
			best = i
		}
		if lowest < 0 || b.lower < t[lowest].lower {
			lowest = i
		}
	}
	if best < 0 {
		best = lowest
	}
	if best < 0 {
		return "", domain.Text{}
	}
	return t[best].band.Grade, t[best].band.Performance
}

// decimalCents parses a non-negative decimal with at most 2 dp ("88.31",
// "65", "65.0") into hundredths.
func decimalCents(s string) (int64, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 {
		return 0, false
	}
	frac += "00"[len(frac):]
	w, err1 := strconv.ParseUint(whole, 10, 40)
	f, err2 := strconv.ParseUint(frac, 10, 8)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return int64(w*100 + f), true
}

func (def *Definition) weight() WeightRule {
	if def.Weight == "" {
		return WeightExact
	}
	return def.Weight
}

func (def *Definition) conversion() int64 {
	if def.Conversion == 0 {
		return 25
	}
	return int64(def.Conversion)
}

// RoundHalfUp formats r rounded half-up to dp decimals (ties away from
// zero, so -0.125 → "-0.13"), with exactly dp digits after the point.
// skm-method.md §3.6.4: this is the only rounding the package uses.
func RoundHalfUp(r *big.Rat, dp int) string {
	return formatScaled(roundScaled(r, dp), dp)
}

// roundScaled returns round-half-up(r × 10^dp) as an integer.
func roundScaled(r *big.Rat, dp int) *big.Int {
	if v, ok := roundScaled64(r, dp); ok {
		return big.NewInt(v)
	}
	return roundScaledBig(r, dp)
}

func roundScaledBig(r *big.Rat, dp int) *big.Int {
	num := new(big.Int).Abs(r.Num())
	num.Mul(num, pow10(dp))
	// ⌊(2·num + den) / (2·den)⌋
	num.Lsh(num, 1)
	den := new(big.Int).Lsh(r.Denom(), 1)
	num.Add(num, r.Denom())
	num.Quo(num, den)
	if r.Sign() < 0 {
		num.Neg(num)
	}
	return num
}

// roundScaled64 is roundScaled in machine words, when everything fits.
func roundScaled64(r *big.Rat, dp int) (int64, bool) {
	num, den := r.Num(), r.Denom()
	if dp > 18 || !num.IsInt64() || !den.IsInt64() {
		return 0, false
	}
	n, d := num.Int64(), uint64(den.Int64())
	neg := n < 0
	if neg {
		n = -n // n > MinInt64: a Rat's numerator from IsInt64 may be MinInt64, caught below
	}
	if n < 0 {
		return 0, false
	}
	// ⌊(2·n·10^dp + d) / (2·d)⌋ in 128 bits.
	hi, lo := bits.Mul64(uint64(n), 2*uint64(pow10s64[dp]))
	lo, carry := bits.Add64(lo, d, 0)
	hi += carry
	if hi >= 2*d { // quotient would not fit in 64 bits
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, 2*d)
	if q > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(q), true
	}
	return int64(q), true
}

var pow10s64 = [19]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

func formatScaled(i *big.Int, dp int) string {
	s := new(big.Int).Abs(i).String()
	if dp > 0 {
		for len(s) <= dp {
			s = "0" + s
		}
		s = s[:len(s)-dp] + "." + s[len(s)-dp:]
	}
	if i.Sign() < 0 {
		s = "-" + s
	}
	return s
}

var pow10s = func() []*big.Int {
	p := make([]*big.Int, 19)
	for i := range p {
		p[i] = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(i)), nil)
	}
	return p
}()

func pow10(dp int) *big.Int {
	if dp < len(pow10s) {
		return pow10s[dp]
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(dp)), nil)
}
