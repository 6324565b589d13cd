package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"suara/survey"
)

type vectorFile struct {
	Vectors []struct {
		Name        string   `json:"name"`
		Respondents [][]*int `json:"respondents"`
		Expect      struct {
			IKM         string   `json:"ikm"`
			Grade       string   `json:"grade"`
			Performance string   `json:"performance"`
			NRR         []string `json:"nrr"`
		} `json:"expect"`
	} `json:"vectors"`
}

// TestIKMFromPublicSubmissions: the S1 vector posted through the public
// route gives, through /ikm, exactly what survey.Compute gives on the same
// raw answers: 82.78, B.
func TestIKMFromPublicSubmissions(t *testing.T) {
	b, err := os.ReadFile("../testdata/ikm-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vf vectorFile
	if err := json.Unmarshal(b, &vf); err != nil {
		t.Fatal(err)
	}
	v := vf.Vectors[0]
	if v.Name != "S1" {
		t.Fatalf("first vector is %s, want S1", v.Name)
	}
	eachDB(t, func(t *testing.T, e *env) {
		raw := survey.NewCounts()
		for i, row := range v.Respondents {
			answers := map[string]any{}
			byElement := map[string][]int{}
			qs := survey.BuiltinQuestions()
			for j, val := range row {
				if val == nil {
					continue
				}
				code := fmt.Sprintf("U%d", j+1)
				answers[code] = *val
				for _, q := range qs {
					if q.Code == code {
						byElement[q.Element] = []int{*val}
					}
				}
			}
			survey.AddRespondent(raw, byElement)
			unit := e.instA.ID
			if i%2 == 1 {
				unit = e.unitA1.ID // spread over the subtree
			}
			rec := e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(i), answers,
				map[string]any{"unit_id": unit, "profile": map[string]any{"gender": "female"}}))
			wantStatus(t, rec, http.StatusCreated)
		}
		want := survey.Compute(survey.SKM(), raw)
		rec := e.as(e.viewerA, http.MethodGet, "/api/v1/units/"+e.instA.ID+"/ikm", "")
		wantStatus(t, rec, http.StatusOK)
		got := decodeJSON[ikmJSON](t, rec)
		if got.IKM == nil || *got.IKM != want.IKM || strconv.FormatFloat(*got.IKM, 'f', 2, 64) != v.Expect.IKM {
			t.Errorf("ikm = %v, want %v (%s)", got.IKM, want.IKM, v.Expect.IKM)
		}
		if got.Grade == nil || *got.Grade != v.Expect.Grade || got.Performance == nil || *got.Performance != v.Expect.Performance {
			t.Errorf("grade = %v %v, want %s %s", got.Grade, got.Performance, v.Expect.Grade, v.Expect.Performance)
		}
		var nrr []string
		for _, el := range got.Elements {
			nrr = append(nrr, strconv.FormatFloat(*el.NRR, 'f', -1, 64))
		}
		wantNRR := []string{"3.3", "3.2", "2.8", "3.9", "3.3", "3.5", "3.7", "3.1", "3"}
		if diff := cmp.Diff(wantNRR, nrr); diff != "" {
			t.Errorf("nrr (-want +got):\n%s", diff)
		}
		if got.Respondents != 10 || got.Sample.Population != 1000 || got.Sample.Required != survey.KrejcieMorgan(1000) || got.Sample.Collected != 10 || got.Sample.Adequate {
			t.Errorf("respondents %d, sample %+v", got.Respondents, got.Sample)
		}
		if got.From != "2026-01-01" || got.To != "2026-12-31" || got.UnitID != e.instA.ID || len(got.CI95) != 2 {
			t.Errorf("period %s..%s unit %s ci95 %v", got.From, got.To, got.UnitID, got.CI95)
		}
		if diff := cmp.Diff(want.Weakest, got.Weakest); diff != "" {
			t.Errorf("weakest (-want +got):\n%s", diff)
		}
		// The public route shows the same numbers.
		pub := decodeJSON[ikmJSON](t, e.do(http.MethodGet, "/api/v1/public/units/"+e.instA.ID+"/ikm", ""))
		if pub.IKM == nil || *pub.IKM != want.IKM {
			t.Errorf("public ikm = %v, want %v", pub.IKM, want.IKM)
		}
		// The child's own subtree has only its half.
		child := decodeJSON[ikmJSON](t, e.as(e.managerA1, http.MethodGet, "/api/v1/units/"+e.unitA1.ID+"/ikm", ""))
		if child.Respondents != 5 {
			t.Errorf("A1 respondents = %d, want 5", child.Respondents)
		}
		// English names.
		en := decodeJSON[ikmJSON](t, e.as(e.viewerA, http.MethodGet, "/api/v1/units/"+e.instA.ID+"/ikm", "", header("Accept-Language", "en")))
		if *en.Performance == *got.Performance {
			t.Errorf("performance in English = %q, same as Indonesian", *en.Performance)
		}

		// Series, children, breakdown.
		series := decodeJSON[seriesJSON](t, e.as(e.viewerA, http.MethodGet, "/api/v1/units/"+e.instA.ID+"/ikm/series?interval=quarter", ""))
		if len(series.Items) != 4 || series.Items[1].Respondents != 10 || series.Items[0].IKM != nil {
			t.Errorf("series = %+v", series.Items)
		}
		children := decodeJSON[childrenJSON](t, e.as(e.viewerA, http.MethodGet, "/api/v1/units/"+e.instA.ID+"/ikm/children", ""))
		if len(children.Items) != 1 || children.Items[0].UnitID != e.unitA1.ID || children.Items[0].Respondents != 5 ||
			children.Items[0].LastResponseDay == nil || *children.Items[0].LastResponseDay != "2026-06-15" {
			t.Errorf("children = %+v", children.Items)
		}
		bd := decodeJSON[breakdownJSON](t, e.as(e.viewerA, http.MethodGet, "/api/v1/units/"+e.instA.ID+"/breakdown?dimension=gender", ""))
		if len(bd.Items) != 1 || bd.Items[0].Group != "female" || bd.Items[0].Respondents != 10 {
			t.Errorf("breakdown = %+v", bd)
		}
		// Groups under five are hidden: A1 has five, A alone has five; one more male makes a group of 1.
		rec = e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(99), allAnswers(4), map[string]any{"profile": map[string]any{"gender": "male"}}))
		wantStatus(t, rec, http.StatusCreated)
		bd = decodeJSON[breakdownJSON](t, e.as(e.viewerA, http.MethodGet, "/api/v1/units/"+e.instA.ID+"/breakdown?dimension=gender", ""))
		if len(bd.Items) != 1 || bd.HiddenGroups != 1 {
			t.Errorf("breakdown with a small group = %+v", bd)
		}
		svc := decodeJSON[breakdownJSON](t, e.as(e.viewerA, http.MethodGet, "/api/v1/units/"+e.instA.ID+"/breakdown?dimension=service", ""))
		if len(svc.Items) != 1 || svc.Items[0].Group != "" {
			t.Errorf("service breakdown = %+v", svc)
		}
	})
}

func TestIKMRoutes(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a, b := e.instA.ID, e.instB.ID
		tests := []struct {
			name       string
			token      string
			path       string
			wantStatus int
			wantFields []string
		}{
			{"empty index", e.viewerA, "/api/v1/units/" + a + "/ikm", 200, nil},
			{"with filters", e.viewerA, "/api/v1/units/" + a + "/ikm?from=2026-01-01&to=2026-03-31&survey_id=" + e.surveyA.ID + "&service_id=" + e.svcA.ID, 200, nil},
			{"bad dates", e.viewerA, "/api/v1/units/" + a + "/ikm?from=2026-13-01&to=kemarin", 422, []string{"from", "to"}},
			{"dates reversed", e.viewerA, "/api/v1/units/" + a + "/ikm?from=2026-06-01&to=2026-01-01", 422, []string{"to"}},
			{"survey of another institution", e.viewerA, "/api/v1/units/" + a + "/ikm?survey_id=" + e.surveyB.ID, 422, []string{"survey_id"}},
			{"bad service id", e.viewerA, "/api/v1/units/" + a + "/ikm?service_id=x", 422, []string{"service_id"}},
			{"out of scope", e.viewerA, "/api/v1/units/" + b + "/ikm", 404, nil},
			{"no token", "", "/api/v1/units/" + a + "/ikm", 401, nil},
			{"series", e.viewerA, "/api/v1/units/" + a + "/ikm/series?interval=month", 200, nil},
			{"series bad interval", e.viewerA, "/api/v1/units/" + a + "/ikm/series?interval=decade", 422, []string{"interval"}},
			{"series out of scope", e.managerB, "/api/v1/units/" + a + "/ikm/series", 404, nil},
			{"children", e.viewerA, "/api/v1/units/" + a + "/ikm/children", 200, nil},
			{"children out of scope", e.managerA1, "/api/v1/units/" + a + "/ikm/children", 404, nil},
			{"breakdown", e.viewerA, "/api/v1/units/" + a + "/breakdown?dimension=age", 200, nil},
			{"breakdown without dimension", e.viewerA, "/api/v1/units/" + a + "/breakdown", 422, []string{"dimension"}},
			{"breakdown bad dimension", e.viewerA, "/api/v1/units/" + a + "/breakdown?dimension=religion", 422, []string{"dimension"}},
			{"public index", "", "/api/v1/public/units/" + b + "/ikm", 200, nil},
			{"public index unknown unit", "", "/api/v1/public/units/00000000-0000-4000-8000-000000000000/ikm", 404, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rec := e.as(tt.token, http.MethodGet, tt.path, "")
				wantStatus(t, rec, tt.wantStatus)
				if diff := cmp.Diff(tt.wantFields, problemFields(t, rec)); diff != "" {
					t.Errorf("problem fields (-want +got):\n%s", diff)
				}
			})
		}
		empty := decodeJSON[ikmJSON](t, e.as(e.viewerA, http.MethodGet, "/api/v1/units/"+a+"/ikm", ""))
		if empty.IKM != nil || empty.Grade != nil || empty.CI95 != nil || empty.Respondents != 0 || len(empty.Elements) != 9 {
			t.Errorf("empty index = %+v", empty)
		}
	})
}
