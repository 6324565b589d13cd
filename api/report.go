package api

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"math"
	"math/big"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"suara/domain"
	"suara/store"
	"suara/survey"
)

// The official report, "Laporan Hasil SKM" (skm-method.md §6.3): BAB I–V
// and the annexes, filled with a unit's data for a period. One reportView
// is computed per request and rendered either as printable HTML or as
// PDF, so both say the same thing in the same words and numbers.

//go:embed report/report.html.tmpl report/report.css
var reportFS embed.FS

var reportTemplate = template.Must(template.New("report.html.tmpl").
	Funcs(template.FuncMap{"inc": func(i int) int { return i + 1 }}).
	ParseFS(reportFS, "report/report.html.tmpl"))

// maxReportUnits bounds the list of units in BAB II.C; a kabupaten's whole
// tree would fill pages.
const maxReportUnits = 40

// trendPeriods is how many periods before the reported one the trend shows.
const trendPeriods = 3

type reportElement struct {
	Code, Name, NameEN   string
	Respondents          string
	Sum                  string // Σ nilai
	NRR, NRRWeighted     string
	Index, Grade, Perf   string
	Priority, HasAnswers bool
	nrrExact             float64
}

type reportGroup struct {
	Label, Respondents, Percent, IKM, Grade string
}

type reportBreakdown struct {
	Title, TitleEN string
	Groups         []reportGroup
	Hidden         int
}

type reportTrendRow struct {
	Period, Respondents, IKM, Grade, Change string
	Current                                 bool
}

type reportFollowUp struct {
	Element, Activity, Owner, Due, Status, Result string
}

type reportQuestion struct {
	No            int
	Code, Element string
	Text, TextEN  string
	Options       []string
}

type reportSurvey struct {
	Title, Period, Population string
}

// reportView is everything the report prints, already formatted the
// Indonesian way (82,35; 26 November 2026).
type reportView struct {
	UnitID, UnitName, UnitCode string
	From, To                   string
	Period                     string
	PrevPeriod                 string
	Generated                  string
	Units                      []string // the unit and those below it
	Surveys                    []reportSurvey
	Services                   []string

	Defined                    bool
	Respondents                string
	Population, Required       string
	Adequate                   bool
	SampleWarning              string
	IKM, Index, Grade, Perf    string
	PerfEN                     string
	CI                         string
	Weight                     string
	NonStandard                bool
	Elements                   []reportElement
	Weakest, Strongest         []reportElement
	Breakdowns                 []reportBreakdown
	Trend                      []reportTrendRow
	Plan, PrevResults          []reportFollowUp
	Questions                  []reportQuestion
	Conclusion                 []string
	CSSPath, SheetPath, PDFURL string
}

var followUpStatusID = map[string]string{
	domain.FollowUpPlanned:    "Direncanakan",
	domain.FollowUpInProgress: "Sedang berjalan",
	domain.FollowUpDone:       "Selesai",
	domain.FollowUpDropped:    "Dibatalkan",
}

var dimensionTitles = []struct{ dim, id, en string }{
	{"gender", "Jenis kelamin", "Gender"},
	{"age", "Kelompok usia", "Age band"},
	{"education", "Pendidikan terakhir", "Highest education"},
	{"occupation", "Pekerjaan", "Occupation"},
	{"service", "Jenis layanan", "Service"},
}

func dash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// buildReport computes the report of a unit's subtree over a period. The
// index comes from the same counts and the same code as /ikm.
func (s *Server) buildReport(c echo.Context, u domain.Unit, p survey.Period) (*reportView, error) {
	ctx := c.Request().Context()
	def := survey.SKM()
	q := store.CountQuery{From: p.From, To: p.To}
	counts, err := s.store.SubtreeCounts(ctx, u, q)
	if err != nil {
		return nil, err
	}
	pop, err := s.population(c, u, q, nil)
	if err != nil {
		return nil, err
	}
	res := survey.Compute(def, counts)
	api := toIKMJSON(u.ID, p, res, counts, pop, langID)
	v := &reportView{UnitID: u.ID, UnitName: u.Name, UnitCode: u.Code, From: p.From, To: p.To,
		Period: domain.PeriodID(p.From, p.To), Generated: domain.DateID(survey.DayOf(s.now(), u.TimeZone)),
		Defined: res.Defined, Respondents: domain.IntID(res.Respondents), NonStandard: res.NonStandard,
		Population: domain.IntID(api.Sample.Population), Required: domain.IntID(api.Sample.Required), Adequate: api.Sample.Adequate,
		IKM: "–", Index: "–", Grade: "–", Perf: "–", CI: "–", Weight: "–",
		CSSPath: "/api/v1/report.css"}
	range_ := "?from=" + p.From + "&to=" + p.To
	v.SheetPath = "/api/v1/units/" + u.ID + "/processing.xlsx" + range_
	v.PDFURL = "/api/v1/units/" + u.ID + "/report" + range_ + "&format=pdf"
	if api.Sample.Warning != nil {
		v.SampleWarning = *api.Sample.Warning
	}
	if res.Defined {
		v.IKM, v.Index, v.Grade = domain.FixedID(res.IKM, 2), domain.FixedID(res.Index, 4), res.Grade
		v.Perf, v.PerfEN = res.Performance.ID, res.Performance.EN
		v.Weight = "1/" + strconv.Itoa(res.K)
	}
	if len(api.CI95) == 2 {
		v.CI = domain.FixedID(api.CI95[0], 2) + " – " + domain.FixedID(api.CI95[1], 2)
	}
	totals := survey.ElementTotals(def, counts)
	for i, e := range res.Elements {
		re := reportElement{Code: e.Code, Name: e.Name.ID, NameEN: e.Name.EN, Respondents: domain.IntID(e.Respondents),
			Sum: "–", NRR: "–", NRRWeighted: "–", Index: "–", Grade: "–", Perf: "–", Priority: e.Priority,
			HasAnswers: e.Respondents > 0}
		if e.Respondents > 0 {
			re.Sum = domain.DecimalID(trimZeros(survey.RoundHalfUp(totals[i].Sum, 4)))
			re.NRR = domain.DecimalID(e.NRRExact)
			re.NRRWeighted = domain.FixedID(e.NRRWeighted, 3)
			re.Index = domain.FixedID(e.Index, 2)
			re.Grade, re.Perf = e.Grade, e.Performance.ID
			re.nrrExact, _ = strconv.ParseFloat(e.NRRExact, 64)
		}
		v.Elements = append(v.Elements, re)
	}
	byCode := map[string]reportElement{}
	for _, e := range v.Elements {
		byCode[e.Code] = e
	}
	for _, code := range res.Weakest {
		v.Weakest = append(v.Weakest, byCode[code])
	}
	var answered []reportElement
	for _, e := range v.Elements {
		if e.HasAnswers && !e.Priority {
			answered = append(answered, e)
		}
	}
	sort.SliceStable(answered, func(i, j int) bool { return answered[i].nrrExact > answered[j].nrrExact })
	v.Strongest = answered[:min(survey.MaxWeakest, len(answered))]

	if err := s.reportContext(ctx, v, u, p); err != nil {
		return nil, err
	}
	if err := s.reportBreakdowns(c, v, u, q, res.Respondents); err != nil {
		return nil, err
	}
	if err := s.reportTrend(ctx, v, u, p); err != nil {
		return nil, err
	}
	if err := s.reportFollowUps(ctx, v, u, p, def); err != nil {
		return nil, err
	}
	v.Conclusion = reportConclusion(v)
	return v, nil
}

// reportContext fills BAB II: the units, the surveys of the period, the
// services, and the questionnaire of the newest survey.
func (s *Server) reportContext(ctx context.Context, v *reportView, u domain.Unit, p survey.Period) error {
	subtree, err := s.store.FindSubtree(ctx, u.Path)
	if err != nil {
		return err
	}
	ids := make([]string, len(subtree))
	for i, x := range subtree {
		ids[i] = x.ID
		if i < maxReportUnits {
			v.Units = append(v.Units, x.Name+" ("+x.Code+")")
		}
	}
	if len(subtree) > maxReportUnits {
		v.Units = append(v.Units, "dan "+domain.IntID(int64(len(subtree)-maxReportUnits))+" unit lainnya / and more units")
	}
	svcs, err := s.store.FindServices(ctx, ids...)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, x := range svcs {
		if !seen[x.Name] {
			seen[x.Name] = true
			v.Services = append(v.Services, x.Name)
		}
	}
	sort.Strings(v.Services)
	svs, _, err := s.store.FindSurveys(ctx, domain.Scope{All: true}, u.Path, domain.Page{Limit: maxLimit})
	if err != nil {
		return err
	}
	versionID := ""
	for _, x := range svs { // newest first
		if x.StartsOn > p.To || x.EndsOn < p.From {
			continue
		}
		if versionID == "" {
			versionID = x.TemplateVersionID
		}
		v.Surveys = append(v.Surveys, reportSurvey{Title: x.Title, Period: domain.PeriodID(x.StartsOn, x.EndsOn), Population: domain.IntID(x.Population)})
	}
	questions := survey.BuiltinQuestions()
	if versionID != "" {
		tv, err := s.store.FindTemplateVersion(ctx, versionID)
		if err != nil {
			return err
		}
		questions = tv.Questions
	}
	codeOf := map[string]string{}
	for _, el := range survey.SKM().Elements {
		codeOf[el.ID] = el.Code
	}
	for _, q := range questions {
		rq := reportQuestion{No: len(v.Questions) + 1, Code: q.Code, Text: q.Label.ID, TextEN: q.Label.EN}
		switch q.Kind {
		case domain.KindElement:
			rq.Element = codeOf[q.Element]
			for i, o := range q.Options {
				rq.Options = append(rq.Options, string(rune('a'+i))+". "+o.Label.ID+" ("+o.Value+")")
			}
		case domain.KindChoice:
			for _, o := range q.Options {
				rq.Options = append(rq.Options, o.Label.ID)
			}
		case domain.KindNumber:
			rq.Options = []string{"… (" + strconv.Itoa(q.Min) + "–" + strconv.Itoa(q.Max) + ")"}
		case domain.KindText:
			rq.Options = []string{"(isian bebas / free text)"}
		}
		v.Questions = append(v.Questions, rq)
	}
	return nil
}

// reportBreakdowns fills the demographic tables of BAB III; groups under
// minGroup respondents are hidden and counted, as /breakdown does.
func (s *Server) reportBreakdowns(c echo.Context, v *reportView, u domain.Unit, q store.CountQuery, total int64) error {
	ctx := c.Request().Context()
	for _, d := range dimensionTitles {
		groups, err := s.store.BreakdownCounts(ctx, u, d.dim, q)
		if err != nil {
			return err
		}
		labels, order, err := s.groupLabels(c, u, d.dim, langID)
		if err != nil {
			return err
		}
		b := reportBreakdown{Title: d.id, TitleEN: d.en}
		type row struct {
			key string
			r   survey.Result
		}
		var rows []row
		for g, cs := range groups {
			r := survey.Compute(survey.SKM(), cs)
			if r.Respondents < minGroup {
				if r.Respondents > 0 {
					b.Hidden++
				}
				continue
			}
			rows = append(rows, row{g, r})
		}
		sort.Slice(rows, func(i, j int) bool {
			oi, iok := order[rows[i].key]
			oj, jok := order[rows[j].key]
			if iok != jok {
				return iok
			}
			if oi != oj {
				return oi < oj
			}
			return labels[rows[i].key] < labels[rows[j].key]
		})
		for _, x := range rows {
			label, ok := labels[x.key]
			if !ok {
				label = x.key
			}
			g := reportGroup{Label: label, Respondents: domain.IntID(x.r.Respondents), IKM: "–", Grade: "–", Percent: "–"}
			if total > 0 {
				// Shares to one decimal, half-up on the exact ratio.
				g.Percent = domain.DecimalID(survey.RoundHalfUp(big.NewRat(x.r.Respondents*100, total), 1)) + "%"
			}
			if x.r.Defined {
				g.IKM, g.Grade = domain.FixedID(x.r.IKM, 2), x.r.Grade
			}
			b.Groups = append(b.Groups, g)
		}
		v.Breakdowns = append(v.Breakdowns, b)
	}
	return nil
}

// reportTrend fills "Tren Nilai SKM": the reported period and the
// trendPeriods before it, oldest first, with the change against each
// period's predecessor.
func (s *Server) reportTrend(ctx context.Context, v *reportView, u domain.Unit, p survey.Period) error {
	periods := []survey.Period{p}
	for i := 0; i < trendPeriods; i++ {
		periods = append([]survey.Period{periods[0].Previous()}, periods...)
	}
	v.PrevPeriod = domain.PeriodID(periods[len(periods)-2].From, periods[len(periods)-2].To)
	var prev *survey.Result
	for i, x := range periods {
		cs, err := s.store.SubtreeCounts(ctx, u, store.CountQuery{From: x.From, To: x.To})
		if err != nil {
			return err
		}
		r := survey.Compute(survey.SKM(), cs)
		row := reportTrendRow{Period: domain.PeriodID(x.From, x.To), Respondents: domain.IntID(r.Respondents),
			IKM: "–", Grade: "–", Change: "–", Current: i == len(periods)-1}
		if r.Defined {
			row.IKM, row.Grade = domain.FixedID(r.IKM, 2), r.Grade
			if prev != nil && prev.Defined {
				// Both are exact 2-dp values: their difference in cents is exact.
				cents := int64(math.Round(r.IKM*100)) - int64(math.Round(prev.IKM*100))
				sign := "+"
				if cents < 0 {
					sign, cents = "−", -cents
				}
				row.Change = sign + domain.DecimalID(survey.RoundHalfUp(big.NewRat(cents, 100), 2))
			}
		}
		v.Trend = append(v.Trend, row)
		prev = &r
	}
	return nil
}

// reportFollowUps fills the rencana tindak lanjut (follow-ups due in or
// after the period) and last period's results (due in the period before).
func (s *Server) reportFollowUps(ctx context.Context, v *reportView, u domain.Unit, p survey.Period, def *survey.Definition) error {
	fs, err := s.store.FindFollowUps(ctx, u.ID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, el := range def.Elements {
		names[el.Code] = el.Code + " " + el.Name.ID
	}
	prev := p.Previous()
	for _, f := range fs {
		rf := reportFollowUp{Element: dash(names[f.Element]), Activity: f.Activity, Owner: dash(f.Owner), Due: domain.DateID(f.Due),
			Status: dash(followUpStatusID[f.Status]), Result: dash(f.Result)}
		if rf.Element == "–" {
			rf.Element = f.Element
		}
		switch {
		case f.Due >= p.From:
			v.Plan = append(v.Plan, rf)
		case prev.Contains(f.Due):
			v.PrevResults = append(v.PrevResults, rf)
		}
	}
	return nil
}

// reportConclusion is BAB V in a few sentences.
func reportConclusion(v *reportView) []string {
	if !v.Defined {
		return []string{"Pada periode " + v.Period + " belum ada responden, sehingga Indeks Kepuasan Masyarakat " + v.UnitName + " belum dapat dihitung."}
	}
	out := []string{"Indeks Kepuasan Masyarakat (IKM) " + v.UnitName + " pada periode " + v.Period + " adalah " + v.IKM +
		" dengan mutu pelayanan " + v.Grade + " (" + v.Perf + "), dari " + v.Respondents + " responden."}
	if len(v.Weakest) > 0 {
		var parts []string
		for _, e := range v.Weakest {
			parts = append(parts, e.Code+" "+e.Name+" (NRR "+e.NRR+")")
		}
		out = append(out, "Unsur dengan nilai terendah, yang menjadi prioritas perbaikan: "+strings.Join(parts, "; ")+".")
	}
	if len(v.Strongest) > 0 {
		var parts []string
		for _, e := range v.Strongest {
			parts = append(parts, e.Code+" "+e.Name+" (NRR "+e.NRR+")")
		}
		out = append(out, "Unsur dengan nilai tertinggi: "+strings.Join(parts, "; ")+".")
	}
	if !v.Adequate {
		out = append(out, "Jumlah responden ("+v.Respondents+") belum mencapai sampel minimum Krejcie–Morgan ("+v.Required+"); hasil perlu dibaca dengan hati-hati.")
	}
	if len(v.Trend) >= 2 && v.Trend[len(v.Trend)-1].Change != "–" {
		out = append(out, "Dibandingkan periode sebelumnya ("+v.PrevPeriod+"), IKM berubah "+v.Trend[len(v.Trend)-1].Change+" poin.")
	}
	return out
}

// unitReport serves GET /api/v1/units/{id}/report?from&to[&format=html|pdf].
func (s *Server) unitReport(c echo.Context) error {
	u, err := s.seeUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	p, fields := s.periodOf(c, u)
	format := c.QueryParam("format")
	switch format {
	case "", "html", "pdf":
	default:
		fields = append(fields, domain.Field("format", "invalid_choice"))
	}
	if len(fields) > 0 {
		return domain.Invalid(fields...)
	}
	v, err := s.buildReport(c, u, p)
	if err != nil {
		return err
	}
	name := "laporan-skm-" + safeName(u.Code) + "-" + p.From + "_" + p.To
	if format == "pdf" {
		var buf bytes.Buffer
		if err := renderReportPDF(&buf, v, true); err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set(echo.HeaderContentType, "application/pdf")
		h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.pdf"`)
		return c.Blob(http.StatusOK, "application/pdf", buf.Bytes())
	}
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, v); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `inline; filename="`+name+`.html"`)
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// reportCSS serves GET /api/v1/report.css, the report's A4 print style: a
// file, because the CSP forbids inline style.
func (s *Server) reportCSS(c echo.Context) error {
	b, err := reportFS.ReadFile("report/report.css")
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", b)
}
