package api

import (
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"suara/domain"
	"suara/store"
	"suara/survey"
)

// minGroup is the smallest group a breakdown shows (DESIGN: groups under
// five respondents could identify someone).
const minGroup = 5

// maxSeriesBuckets bounds a trend series.
const maxSeriesBuckets = 400

type ikmJSON struct {
	UnitID      string        `json:"unit_id"`
	From        string        `json:"from"`
	To          string        `json:"to"`
	Respondents int64         `json:"respondents"`
	IKM         *float64      `json:"ikm"`
	Index       *float64      `json:"index"`
	Grade       *string       `json:"grade"`
	Performance *string       `json:"performance"`
	Elements    []elementJSON `json:"elements"`
	Sample      sampleJSON    `json:"sample"`
	CI95        []float64     `json:"ci95"`
	Method      string        `json:"method"`
	NonStandard bool          `json:"non_standard"`
	Weakest     []string      `json:"weakest"`
	Warnings    []string      `json:"warnings"`
}

type elementJSON struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	NRR         *float64 `json:"nrr"`
	NRRWeighted *float64 `json:"nrr_weighted"`
	Index       *float64 `json:"index"`
	Respondents int64    `json:"respondents"`
	Grade       *string  `json:"grade"`
	Priority    bool     `json:"priority"`
}

type sampleJSON struct {
	Population int64   `json:"population"`
	Required   int64   `json:"required"`
	Collected  int64   `json:"collected"`
	Adequate   bool    `json:"adequate"`
	Warning    *string `json:"warning"`
}

// summaryJSON is one line of a series, a comparison or a breakdown.
type summaryJSON struct {
	Respondents int64    `json:"respondents"`
	IKM         *float64 `json:"ikm"`
	Grade       *string  `json:"grade"`
	Performance *string  `json:"performance"`
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func summaryOf(r survey.Result, lang string) summaryJSON {
	out := summaryJSON{Respondents: r.Respondents}
	if r.Defined {
		ikm := r.IKM
		out.IKM, out.Grade, out.Performance = &ikm, nonEmpty(r.Grade), nonEmpty(textIn(r.Performance, lang))
	}
	return out
}

func textIn(t domain.Text, lang string) string {
	if lang == langEN && t.EN != "" {
		return t.EN
	}
	return t.ID
}

func toIKMJSON(unitID string, p survey.Period, r survey.Result, c *survey.Counts, population int64, lang string) ikmJSON {
	out := ikmJSON{UnitID: unitID, From: p.From, To: p.To, Respondents: r.Respondents, Method: r.Method,
		NonStandard: r.NonStandard, Weakest: r.Weakest, Warnings: r.Warnings, Elements: make([]elementJSON, 0, len(r.Elements))}
	if r.Defined {
		ikm, idx := r.IKM, r.Index
		out.IKM, out.Index = &ikm, &idx
		out.Grade, out.Performance = nonEmpty(r.Grade), nonEmpty(textIn(r.Performance, lang))
	}
	for _, e := range r.Elements {
		ej := elementJSON{Code: e.Code, Name: textIn(e.Name, lang), Respondents: e.Respondents, Priority: e.Priority}
		if e.Respondents > 0 {
			nrr, w, idx := e.NRR, e.NRRWeighted, e.Index
			ej.NRR, ej.NRRWeighted, ej.Index, ej.Grade = &nrr, &w, &idx, nonEmpty(e.Grade)
		}
		out.Elements = append(out.Elements, ej)
	}
	if out.Weakest == nil {
		out.Weakest = []string{}
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	sm := survey.CheckSample(population, r.Respondents)
	out.Sample = sampleJSON{Population: sm.Population, Required: sm.Required, Collected: sm.Collected, Adequate: sm.Adequate}
	if sm.Warning != nil {
		out.Sample.Warning = nonEmpty(textIn(*sm.Warning, lang))
	}
	if lo, hi, ok := survey.CI95(c); ok {
		out.CI95 = []float64{lo, hi}
	}
	return out
}

// periodOf reads ?from=&to=; both default to the current year in the
// unit's own time zone.
func (s *Server) periodOf(c echo.Context, u domain.Unit) (survey.Period, []domain.FieldError) {
	year := survey.DayOf(s.now(), u.TimeZone)[:4]
	p := survey.Period{From: year + "-01-01", To: year + "-12-31"}
	var fields []domain.FieldError
	if v := c.QueryParam("from"); v != "" {
		if !validDate(v) {
			fields = append(fields, domain.Field("from", "date"))
		}
		p.From = v
	}
	if v := c.QueryParam("to"); v != "" {
		if !validDate(v) {
			fields = append(fields, domain.Field("to", "date"))
		}
		p.To = v
	}
	if len(fields) == 0 && p.To < p.From {
		fields = append(fields, domain.Field("to", "date_order"))
	}
	return p, fields
}

// countQuery reads the period and the optional survey_id and service_id
// filters of an index route.
func (s *Server) countQuery(c echo.Context, u domain.Unit) (store.CountQuery, *domain.Survey, error) {
	p, fields := s.periodOf(c, u)
	q := store.CountQuery{From: p.From, To: p.To}
	var sv *domain.Survey
	if id := c.QueryParam("survey_id"); id != "" {
		found, err := s.store.FindSurvey(c.Request().Context(), id)
		if err == nil {
			var su domain.Unit
			su, err = s.store.FindUnit(c.Request().Context(), found.UnitID)
			if err == nil && !principal(c).CanSee(su.Path) {
				err = domain.NotFound("survey")
			}
		}
		switch {
		case domain.KindOf(err) == domain.KindNotFound:
			fields = append(fields, domain.Field("survey_id", "not_found"))
		case err != nil:
			return q, nil, err
		default:
			q.SurveyID, sv = found.ID, &found
		}
	}
	if id := c.QueryParam("service_id"); id != "" {
		if !domain.IsUUID(id) {
			fields = append(fields, domain.Field("service_id", "uuid"))
		} else {
			q.ServiceID = id
		}
	}
	if len(fields) > 0 {
		return q, nil, domain.Invalid(fields...)
	}
	return q, sv, nil
}

// population is the number of service users the sample is checked
// against: the survey's, or the sum over the surveys of the unit's subtree
// that overlap the period.
func (s *Server) population(c echo.Context, u domain.Unit, q store.CountQuery, sv *domain.Survey) (int64, error) {
	if sv != nil {
		return sv.Population, nil
	}
	return s.store.SurveyPopulation(c.Request().Context(), u.Path, q.From, q.To)
}

func (s *Server) unitIndex(c echo.Context, u domain.Unit, q store.CountQuery, sv *domain.Survey) (ikmJSON, error) {
	counts, err := s.store.SubtreeCounts(c.Request().Context(), u, q)
	if err != nil {
		return ikmJSON{}, err
	}
	pop, err := s.population(c, u, q, sv)
	if err != nil {
		return ikmJSON{}, err
	}
	res := survey.Compute(survey.SKM(), counts)
	return toIKMJSON(u.ID, survey.Period{From: q.From, To: q.To}, res, counts, pop, language(c.Request())), nil
}

// unitIKM serves GET /api/v1/units/{id}/ikm: the index of a unit and its
// whole subtree over a period, from the rollups.
func (s *Server) unitIKM(c echo.Context) error {
	u, err := s.seeUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	q, sv, err := s.countQuery(c, u)
	if err != nil {
		return err
	}
	out, err := s.unitIndex(c, u, q, sv)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

type seriesPointJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
	summaryJSON
	CI95 []float64 `json:"ci95"`
}

type seriesJSON struct {
	UnitID   string            `json:"unit_id"`
	Interval string            `json:"interval"`
	From     string            `json:"from"`
	To       string            `json:"to"`
	Items    []seriesPointJSON `json:"items"`
}

// unitIKMSeries serves GET /api/v1/units/{id}/ikm/series: the index per
// month, quarter, semester or year of a period.
func (s *Server) unitIKMSeries(c echo.Context) error {
	u, err := s.seeUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	p, fields := s.periodOf(c, u)
	interval := c.QueryParam("interval")
	if interval == "" {
		interval = "month"
	}
	switch interval {
	case "day", "week", "month", "quarter", "semester", "year":
	default:
		fields = append(fields, domain.Field("interval", "invalid_choice"))
	}
	var buckets []survey.Period
	if len(fields) == 0 {
		buckets, err = survey.Series(p, interval)
		if err != nil || len(buckets) > maxSeriesBuckets {
			fields = append(fields, domain.FieldError{Field: "interval", Code: "max_items", Args: map[string]any{"max": maxSeriesBuckets}})
		}
	}
	if len(fields) > 0 {
		return domain.Invalid(fields...)
	}
	daily, err := s.store.DailyCounts(c.Request().Context(), u, p.From, p.To)
	if err != nil {
		return err
	}
	days := make([]string, 0, len(daily))
	for d := range daily {
		days = append(days, d)
	}
	sort.Strings(days)
	lang := language(c.Request())
	out := seriesJSON{UnitID: u.ID, Interval: interval, From: p.From, To: p.To, Items: make([]seriesPointJSON, 0, len(buckets))}
	i := 0
	for _, b := range buckets {
		sum := survey.NewCounts()
		for ; i < len(days) && days[i] <= b.To; i++ {
			if days[i] >= b.From {
				sum.Merge(daily[days[i]])
			}
		}
		pt := seriesPointJSON{From: b.From, To: b.To, summaryJSON: summaryOf(survey.Compute(survey.SKM(), sum), lang)}
		if lo, hi, ok := survey.CI95(sum); ok {
			pt.CI95 = []float64{lo, hi}
		}
		out.Items = append(out.Items, pt)
	}
	return writeJSON(c, http.StatusOK, out)
}

type childJSON struct {
	UnitID          string  `json:"unit_id"`
	Name            string  `json:"name"`
	Code            string  `json:"code"`
	LastResponseDay *string `json:"last_response_day"`
	summaryJSON
}

type childrenJSON struct {
	UnitID string      `json:"unit_id"`
	From   string      `json:"from"`
	To     string      `json:"to"`
	Items  []childJSON `json:"items"`
	// Mean is the simple mean of the children's indices, beside the
	// pooled index of /ikm (skm-method.md §7).
	Mean summaryJSON `json:"mean"`
}

// unitIKMChildren serves GET /api/v1/units/{id}/ikm/children: one row per
// child unit (each with its own subtree), to compare them.
func (s *Server) unitIKMChildren(c echo.Context) error {
	u, err := s.seeUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	p, fields := s.periodOf(c, u)
	if len(fields) > 0 {
		return domain.Invalid(fields...)
	}
	ctx := c.Request().Context()
	children, err := s.store.ChildUnits(ctx, u.ID)
	if err != nil {
		return err
	}
	counts, err := s.store.SubtreeCountsMany(ctx, children, store.CountQuery{From: p.From, To: p.To})
	if err != nil {
		return err
	}
	subtree, err := s.store.FindSubtree(ctx, u.Path)
	if err != nil {
		return err
	}
	last, err := s.store.LastResponseDays(ctx, u)
	if err != nil {
		return err
	}
	lang := language(c.Request())
	out := childrenJSON{UnitID: u.ID, From: p.From, To: p.To, Items: make([]childJSON, 0, len(children))}
	var results []survey.Result
	for _, ch := range children {
		r := survey.Compute(survey.SKM(), counts[ch.ID])
		results = append(results, r)
		row := childJSON{UnitID: ch.ID, Name: ch.Name, Code: ch.Code, summaryJSON: summaryOf(r, lang)}
		day := ""
		for _, d := range subtree {
			if strings.HasPrefix(d.Path, ch.Path) && last[d.ID] > day {
				day = last[d.ID]
			}
		}
		row.LastResponseDay = nonEmpty(day)
		out.Items = append(out.Items, row)
	}
	out.Mean = summaryOf(survey.MeanOfUnits(survey.SKM(), results), lang)
	return writeJSON(c, http.StatusOK, out)
}

type breakdownItemJSON struct {
	Group string `json:"group"`
	Label string `json:"label"`
	summaryJSON
}

type breakdownJSON struct {
	UnitID       string              `json:"unit_id"`
	Dimension    string              `json:"dimension"`
	From         string              `json:"from"`
	To           string              `json:"to"`
	Items        []breakdownItemJSON `json:"items"`
	HiddenGroups int                 `json:"hidden_groups"`
}

// unitBreakdown serves GET /api/v1/units/{id}/breakdown: the index per
// age band, gender, education, occupation or service. Groups under five
// respondents are left out and only counted.
func (s *Server) unitBreakdown(c echo.Context) error {
	u, err := s.seeUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	p, fields := s.periodOf(c, u)
	dim := c.QueryParam("dimension")
	switch dim {
	case "age", "gender", "education", "occupation", "service":
	case "":
		fields = append(fields, domain.Field("dimension", "required"))
	default:
		fields = append(fields, domain.Field("dimension", "invalid_choice"))
	}
	if len(fields) > 0 {
		return domain.Invalid(fields...)
	}
	ctx := c.Request().Context()
	q := store.CountQuery{From: p.From, To: p.To}
	if id := c.QueryParam("survey_id"); id != "" && domain.IsUUID(id) {
		q.SurveyID = id
	}
	groups, err := s.store.BreakdownCounts(ctx, u, dim, q)
	if err != nil {
		return err
	}
	lang := language(c.Request())
	labels, order, err := s.groupLabels(c, u, dim, lang)
	if err != nil {
		return err
	}
	out := breakdownJSON{UnitID: u.ID, Dimension: dim, From: p.From, To: p.To, Items: []breakdownItemJSON{}}
	for g, cs := range groups {
		r := survey.Compute(survey.SKM(), cs)
		if r.Respondents < minGroup {
			if r.Respondents > 0 {
				out.HiddenGroups++
			}
			continue
		}
		label, ok := labels[g]
		if !ok {
			label = g
		}
		out.Items = append(out.Items, breakdownItemJSON{Group: g, Label: label, summaryJSON: summaryOf(r, lang)})
	}
	sort.Slice(out.Items, func(i, j int) bool {
		a, b := out.Items[i].Group, out.Items[j].Group
		oa, aok := order[a]
		ob, bok := order[b]
		if aok != bok {
			return aok
		}
		if oa != ob {
			return oa < ob
		}
		return out.Items[i].Label < out.Items[j].Label
	})
	return writeJSON(c, http.StatusOK, out)
}

// groupLabels names the groups of a dimension: options of the built-in
// profile questions, or service names.
func (s *Server) groupLabels(c echo.Context, u domain.Unit, dim, lang string) (map[string]string, map[string]int, error) {
	labels, order := map[string]string{}, map[string]int{}
	if dim == "service" {
		subtree, err := s.store.FindSubtree(c.Request().Context(), u.Path)
		if err != nil {
			return nil, nil, err
		}
		ids := make([]string, len(subtree))
		for i, x := range subtree {
			ids[i] = x.ID
		}
		svcs, err := s.store.FindServices(c.Request().Context(), ids...)
		if err != nil {
			return nil, nil, err
		}
		for _, svc := range svcs {
			labels[svc.ID] = svc.Name
		}
		labels[""] = textIn(domain.Text{ID: "Tidak disebutkan", EN: "Not stated"}, lang)
		return labels, order, nil
	}
	if dim == "age" {
		for i, band := range []string{"<20", "20-29", "30-39", "40-49", "50-59", "60+"} {
			labels[band], order[band] = band, i
		}
		return labels, order, nil
	}
	for _, q := range survey.BuiltinQuestions() {
		if q.Element != dim {
			continue
		}
		for i, o := range q.Options {
			labels[o.Value] = textIn(o.Label, lang)
			order[o.Value] = i
		}
	}
	return labels, order, nil
}
