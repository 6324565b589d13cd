package survey

import (
	"encoding/json"
	"math/big"
	"os"
	"testing"
)

// skmIDs are the SKM element ids in questionnaire order U1..U9.
var skmIDs = []string{"persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "sarpras", "pengaduan"}

// rowsCounts counts respondents given as rows of U1..U9 values; 0 means
// not answered.
func rowsCounts(rows [][]int) *Counts {
	c := NewCounts()
	for _, row := range rows {
		by := map[string][]int{}
		for i, v := range row {
			if v != 0 {
				by[skmIDs[i]] = []int{v}
			}
		}
		AddRespondent(c, by)
	}
	return c
}

// addSum adds n respondents with whole scores 1..4 summing to sum on one
// element: sum%n of them score ⌊sum/n⌋+1, the rest ⌊sum/n⌋.
func addSum(t testing.TB, c *Counts, element string, n, sum int64) {
	t.Helper()
	if sum < n || sum > 4*n {
		t.Fatalf("addSum(%s, n=%d, sum=%d): impossible", element, n, sum)
	}
	q, r := sum/n, sum%n
	c.Add(element, Score{int(q), 1}, n-r)
	if r > 0 {
		c.Add(element, Score{int(q) + 1, 1}, r)
	}
}

// sumsCounts builds counts with n respondents per element and the given
// element sums (vector R1 gives only these).
func sumsCounts(t testing.TB, n int64, sums []int64) *Counts {
	c := NewCounts()
	for i, s := range sums {
		addSum(t, c, skmIDs[i], n, s)
	}
	c.AddRespondents(n, 0, 0)
	return c
}

// completeRows returns n complete respondents whose values total T
// (9n ≤ T ≤ 36n), spread as evenly as possible, so that the exact IKM is
// 25·T/(9n) (skm-method.md §3.2).
func completeRows(n, total int) [][]int {
	rows := make([][]int, n)
	for i := range rows {
		rows[i] = []int{1, 1, 1, 1, 1, 1, 1, 1, 1}
	}
	extra := total - 9*n
	for cell := 0; extra > 0; cell = (cell + 1) % (9 * n) {
		if r := &rows[cell/9][cell%9]; *r < 4 {
			*r++
			extra--
		}
	}
	return rows
}

type vectorFile struct {
	Vectors []struct {
		Name        string   `json:"name"`
		Respondents [][]*int `json:"respondents"`
		N           int64    `json:"n"`
		ElementSums []int64  `json:"element_sums"`
		Expect      struct {
			IKM         string   `json:"ikm"`
			Grade       string   `json:"grade"`
			Performance string   `json:"performance"`
			NRR         []string `json:"nrr"`
		} `json:"expect"`
	} `json:"vectors"`
	KrejcieMorgan map[string]int64 `json:"krejcie_morgan"`
}

func loadVectors(t *testing.T) vectorFile {
	t.Helper()
	b, err := os.ReadFile("../testdata/ikm-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func rat(t testing.TB, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("bad decimal %q", s)
	}
	return r
}

func withWeight(w WeightRule) *Definition {
	d := SKM()
	d.Weight = w
	return d
}
