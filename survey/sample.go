package survey

import (
	"fmt"
	"math"
	"math/big"
	"strconv"

	"suara/domain"
)

// KrejcieMorgan returns the minimum sample for a population of n service
// users (skm-method.md §4.2, R8):
//
//	s = χ²·N·P(1−P) / (d²(N−1) + χ²·P(1−P)),  χ² = 3.841, P = 0.5, d = 0.05
//
// in exact arithmetic, rounded to the nearest integer (halves up). That
// reproduces every row of the published table (§4.3); ceiling does not.
// A population ≤ 0 gives 0.
func KrejcieMorgan(population int64) int64 {
	if population <= 0 {
		return 0
	}
	// ×100000: s = 96025·N / (250·(N−1) + 96025) = 96025·N / (250·N + 95775).
	n := big.NewInt(population)
	num := new(big.Int).Mul(n, big.NewInt(96025))
	den := new(big.Int).Mul(n, big.NewInt(250))
	den.Add(den, big.NewInt(95775))
	// ⌊(2·num + den) / (2·den)⌋
	num.Lsh(num, 1).Add(num, den)
	return num.Quo(num, den.Lsh(den, 1)).Int64()
}

// Slovin returns n = N / (1 + N·e²), rounded up, for a population N and a
// margin of error e such as 0.05 (skm-method.md §4.1 mentions it as an
// alternative some reports use). The margin is read as the decimal it
// prints as (0.05 is exactly 5/100), so no float error can add one.
// A population ≤ 0 or a margin ≤ 0 gives 0 and the population itself,
// respectively.
func Slovin(population int64, margin float64) int64 {
	if population <= 0 {
		return 0
	}
	if !(margin > 0) || math.IsInf(margin, 0) {
		return population
	}
	e, ok := new(big.Rat).SetString(strconv.FormatFloat(margin, 'g', -1, 64))
	if !ok {
		return population
	}
	n := new(big.Rat).SetInt64(population)
	den := new(big.Rat).Mul(e, e)
	den.Mul(den, n)
	den.Add(den, big.NewRat(1, 1))
	s := n.Quo(n, den)
	q, r := new(big.Int).QuoRem(s.Num(), s.Denom(), new(big.Int))
	if r.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return q.Int64()
}

// SampleMethodKrejcieMorgan is the Method of a [CheckSample] result.
const SampleMethodKrejcieMorgan = "krejcie-morgan"

// Sample compares the respondents collected with the minimum sample.
type Sample struct {
	Population, Required, Collected int64
	Adequate                        bool
	Method                          string
	// Warning is a plain-language warning in Indonesian and English when
	// the sample is short, or when the population is unknown; nil otherwise.
	Warning *domain.Text
}

// CheckSample checks collected respondents against the Krejcie–Morgan
// minimum for the population (§4). A population ≤ 0 means "not entered":
// Required is 0, Adequate false, and the warning asks for the population.
func CheckSample(population, collected int64) Sample {
	s := Sample{
		Population: population,
		Required:   KrejcieMorgan(population),
		Collected:  collected,
		Method:     SampleMethodKrejcieMorgan,
	}
	switch {
	case population <= 0:
		s.Warning = &domain.Text{
			ID: "Jumlah populasi (pengguna layanan dalam periode ini) belum diisi, sehingga jumlah sampel minimum belum dapat dihitung.",
			EN: "The population (service users in this period) has not been entered, so the minimum sample cannot be worked out.",
		}
	case collected < s.Required:
		s.Warning = &domain.Text{
			ID: fmt.Sprintf("Baru %d responden dari minimal %d (tabel Krejcie dan Morgan untuk populasi %d). Hasil survei belum dapat dianggap mewakili seluruh pengguna layanan.", collected, s.Required, population),
			EN: fmt.Sprintf("Only %d respondents of the %d needed (Krejcie and Morgan table for a population of %d). The results cannot yet be taken to represent all service users.", collected, s.Required, population),
		}
	default:
		s.Adequate = true
	}
	return s
}

// CI95 returns a 95 % confidence interval of the IKM (25–100 scale) from
// the per-respondent index moments in c: mean ± 1.96·s/√n, with the sample
// variance s² computed exactly from the integer moments. The normal
// approximation is used (no t quantile). Both ends are rounded half-up to
// 1 dp (as the API shows them, e.g. [81.1, 83.6]) and clamped to [25, 100].
// ok is false when fewer than 2 respondents were counted.
//
// The centre is the mean of per-respondent indices; with complete data it
// equals the IKM (skm-method.md §3.2), with missing answers it is close to it.
func CI95(c *Counts) (lo, hi float64, ok bool) {
	n := c.Respondents
	if n < 2 {
		return 0, 0, false
	}
	// s² = (n·Σx² − (Σx)²) / (n(n−1)), exactly; x in hundredths.
	nb := big.NewInt(n)
	v := new(big.Int).Mul(nb, big.NewInt(c.IndexSumSq))
	sum := big.NewInt(c.IndexSum)
	v.Sub(v, new(big.Int).Mul(sum, sum))
	if v.Sign() < 0 {
		v.SetInt64(0) // inconsistent moments; treat as no spread
	}
	variance, _ := new(big.Rat).SetFrac(v, new(big.Int).Mul(nb, big.NewInt(n-1))).Float64()
	mean := float64(c.IndexSum) / float64(n) / 100
	half := 1.96 * math.Sqrt(variance/float64(n)) / 100
	round1 := func(x float64) float64 {
		r, _ := new(big.Rat).SetString(strconv.FormatFloat(x, 'f', -1, 64))
		return roundFloat(r, 1)
	}
	lo = min(max(round1(mean-half), 25), 100)
	hi = min(max(round1(mean+half), 25), 100)
	return lo, hi, true
}
