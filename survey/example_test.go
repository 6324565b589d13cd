package survey_test

import (
	"fmt"

	"suara/survey"
)

// ExampleCompute counts three respondents of the standard questionnaire,
// one of whom skipped the fee question, and prints the index and its
// element table.
func ExampleCompute() {
	c := survey.NewCounts()
	for _, answers := range [][]int{
		{4, 4, 3, 4, 4, 4, 4, 3, 4},
		{3, 3, 2, 0, 3, 3, 4, 3, 3}, // 0: did not answer U4
		{4, 3, 3, 4, 3, 4, 4, 3, 3},
	} {
		byElement := map[string][]int{}
		for i, q := range survey.BuiltinQuestions()[:9] {
			if answers[i] != 0 {
				byElement[q.Element] = []int{answers[i]}
			}
		}
		survey.AddRespondent(c, byElement)
	}

	res := survey.Compute(survey.SKM(), c)
	fmt.Printf("IKM %.2f (%s), mutu %s, kinerja %s, %d respondents\n", res.IKM, res.IKMExact, res.Grade, res.Performance.ID, res.Respondents)
	for _, e := range res.Elements {
		fmt.Printf("%s n=%d NRR %.2f (%s) tertimbang %.3f → %.2f %s\n", e.Code, e.Respondents, e.NRR, e.NRRExact, e.NRRWeighted, e.Index, e.Grade)
	}
	fmt.Println("priorities:", res.Weakest)
	lo, hi, _ := survey.CI95(c)
	fmt.Printf("95%% CI %.1f–%.1f\n", lo, hi)
	// Output:
	// IKM 86.11 (86.111111), mutu B, kinerja Baik, 3 respondents
	// U1 n=3 NRR 3.67 (3.6667) tertimbang 0.407 → 91.67 A
	// U2 n=3 NRR 3.33 (3.3333) tertimbang 0.370 → 83.33 B
	// U3 n=3 NRR 2.67 (2.6667) tertimbang 0.296 → 66.67 C
	// U4 n=2 NRR 4.00 (4.0000) tertimbang 0.444 → 100.00 A
	// U5 n=3 NRR 3.33 (3.3333) tertimbang 0.370 → 83.33 B
	// U6 n=3 NRR 3.67 (3.6667) tertimbang 0.407 → 91.67 A
	// U7 n=3 NRR 4.00 (4.0000) tertimbang 0.444 → 100.00 A
	// U8 n=3 NRR 3.00 (3.0000) tertimbang 0.333 → 75.00 C
	// U9 n=3 NRR 3.33 (3.3333) tertimbang 0.370 → 83.33 B
	// priorities: [U3 U8 U2]
	// 95% CI 74.1–96.2
}

// ExamplePool combines two units the default way (respondent-weighted)
// and the optional way (simple mean of unit IKMs), skm-method.md §7.
func ExamplePool() {
	def := survey.SKM()
	a, b := survey.NewCounts(), survey.NewCounts()
	for _, e := range def.Elements {
		a.Add(e.ID, survey.Score{Num: 4, Den: 1}, 30) // 30 delighted respondents
		a.Add(e.ID, survey.Score{Num: 3, Den: 1}, 10)
		b.Add(e.ID, survey.Score{Num: 2, Den: 1}, 10) // 10 unhappy ones elsewhere
	}
	pooled := survey.Pool(def, a, b)
	mean := survey.MeanOfUnits(def, []survey.Result{survey.Compute(def, a), survey.Compute(def, b)})
	fmt.Printf("%s %.2f %s\n", pooled.Method, pooled.IKM, pooled.Grade)
	fmt.Printf("%s %.2f %s\n", mean.Method, mean.IKM, mean.Grade)
	// Output:
	// pooled 85.00 B
	// mean 71.88 C
}
