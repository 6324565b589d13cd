package api

import (
	"context"
	"math/big"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"suara/domain"
	"suara/store"
	"suara/survey"
)

// The processing sheet ("pengolahan data", Lampiran 2 of the Laporan Hasil
// SKM, skm-method.md §6.3): one row per respondent with the element
// scores U1…U9, then the column feet the regulation's sheet prints — Σ
// nilai per unsur, the number of questionnaires that answered it, NRR,
// NRR tertimbang, the element's converted value and grade — and the unit's
// index: *) Σ NRR tertimbang, **) IKM = Σ NRR tertimbang × 25, and the
// grade.
//
// Every number is written as a value from the exact engine (survey),
// rounded once, never as a spreadsheet formula: a formula would sum the
// displayed roundings or round binary floats, and could then disagree
// with /ikm by 0,01 on a tie.

// processingSheet is the sheet's name in the workbook.
const processingSheet = "Pengolahan Data"

// sheetStyles are the cell styles of the processing sheet.
type sheetStyles struct {
	title, bold, header, wrap, int0, dp2, dp3, dp4, gen int
}

func newSheetStyles(f *excelize.File) (sheetStyles, error) {
	var st sheetStyles
	numFmt := func(code string) (int, error) {
		return f.NewStyle(&excelize.Style{CustomNumFmt: &code})
	}
	var err error
	steps := []struct {
		dst *int
		fn  func() (int, error)
	}{
		{&st.title, func() (int, error) { return f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}}) }},
		{&st.bold, func() (int, error) { return f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}) }},
		{&st.header, func() (int, error) {
			return f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
				Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE7F0"}},
				Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
		}},
		{&st.wrap, func() (int, error) {
			return f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}, Font: &excelize.Font{Size: 9}})
		}},
		{&st.int0, func() (int, error) { return numFmt("0") }},
		{&st.dp2, func() (int, error) { return numFmt("0.00") }},
		{&st.dp3, func() (int, error) { return numFmt("0.000") }},
		{&st.dp4, func() (int, error) { return numFmt("0.0000") }},
		{&st.gen, func() (int, error) { return numFmt("General") }},
	}
	for _, s := range steps {
		if *s.dst, err = s.fn(); err != nil {
			return st, err
		}
	}
	return st, nil
}

// ratFloat is a 2–4 dp decimal string from the engine as a number cell.
func ratFloat(s string) any {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return v
}

// writeProcessingSheet streams the processing sheet of a unit's subtree
// over a period into f, and returns the index it computed from the same
// responses (excluded ones left out, as the index leaves them out).
func (s *Server) writeProcessingSheet(ctx context.Context, f *excelize.File, sheet string, u domain.Unit, p survey.Period) (survey.Result, error) {
	def := survey.SKM()
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return survey.Result{}, err
	}
	st, err := newSheetStyles(f)
	if err != nil {
		return survey.Result{}, err
	}
	ncol := 3 + len(def.Elements)
	if err := sw.SetColWidth(1, 1, 7); err != nil {
		return survey.Result{}, err
	}
	if err := sw.SetColWidth(2, 2, 12); err != nil {
		return survey.Result{}, err
	}
	if err := sw.SetColWidth(3, 3, 38); err != nil {
		return survey.Result{}, err
	}
	if err := sw.SetColWidth(4, ncol, 12); err != nil {
		return survey.Result{}, err
	}
	// The panes must be set before the first row: the six heading lines
	// and the two header rows stay in view.
	const headerRows = 8
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headerRows, TopLeftCell: "A" + strconv.Itoa(headerRows+1), ActivePane: "bottomLeft"}); err != nil {
		return survey.Result{}, err
	}
	row := 0
	put := func(values ...any) error {
		row++
		cell, _ := excelize.CoordinatesToCellName(1, row)
		return sw.SetRow(cell, values)
	}
	cellOf := func(style int, v any) excelize.Cell { return excelize.Cell{StyleID: style, Value: v} }
	heading := []any{
		cellOf(st.title, "PENGOLAHAN DATA SURVEI KEPUASAN MASYARAKAT PER RESPONDEN DAN PER UNSUR PELAYANAN"),
	}
	for _, line := range [][]any{
		heading,
		{"Processing sheet of the community satisfaction survey, per respondent and per service element"},
		{"Unit pelayanan / Service unit:", u.Name + " (" + u.Code + "), termasuk unit di bawahnya / with the units below it"},
		{"Periode / Period:", domain.PeriodID(p.From, p.To)},
		{"Metode / Method:", "PermenPANRB 14/2017: NRR = Σ nilai ÷ jumlah kuesioner terisi per unsur; bobot 1/k eksak; IKM = Σ NRR tertimbang × 25, dibulatkan half-up sekali / exact 1/k weight, rounded half-up once"},
		{},
	} {
		if err := put(line...); err != nil {
			return survey.Result{}, err
		}
	}
	head := []any{cellOf(st.header, "No."), cellOf(st.header, "Tanggal / Day"), cellOf(st.header, "ID jawaban / Response id")}
	names := []any{cellOf(st.wrap, ""), cellOf(st.wrap, ""), cellOf(st.wrap, "")}
	for _, el := range def.Elements {
		head = append(head, cellOf(st.header, el.Code))
		names = append(names, cellOf(st.wrap, el.Name.ID))
	}
	if err := put(head...); err != nil {
		return survey.Result{}, err
	}
	row++
	cell, _ := excelize.CoordinatesToCellName(1, row)
	if err := sw.SetRow(cell, names, excelize.RowOpts{Height: 45}); err != nil {
		return survey.Result{}, err
	}

	counts := survey.NewCounts()
	// The questionnaires are loaded before the export: a callback that
	// queried while the export holds its connection could wait for the
	// pool forever once a few sheets hold all of it.
	versions, err := s.store.FindTemplateVersions(ctx)
	if err != nil {
		return survey.Result{}, err
	}
	questions := make(map[string][]domain.Question, len(versions)) // template version id → questions
	for _, v := range versions {
		questions[v.ID] = v.Questions
	}
	n := 0
	values := make([]any, ncol)
	err = s.store.EachResponse(ctx, store.ExportQuery{InstitutionID: u.InstitutionID, UnitPath: u.Path, From: p.From, To: p.To, CountedOnly: true}, func(rs []domain.Response) error {
		for i := range rs {
			r := &rs[i]
			qs, ok := questions[r.TemplateVersionID]
			if !ok {
				// A version newer than the list: published between the two
				// reads, so rare enough for a query here.
				v, err := s.store.FindTemplateVersion(ctx, r.TemplateVersionID)
				if err != nil {
					return err
				}
				qs = v.Questions
				questions[r.TemplateVersionID] = qs
			}
			byElement := survey.ByElement(qs, r.Answers)
			if _, ok := survey.RespondentIndexCents(byElement); !ok {
				continue // no element answered: the index does not count it either
			}
			survey.AddRespondent(counts, byElement)
			n++
			values[0], values[1], values[2] = n, r.Day, r.ID
			for j, el := range def.Elements {
				values[3+j] = elementScore(byElement[el.ID])
			}
			if err := put(values...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return survey.Result{}, err
	}

	res := survey.Compute(def, counts)
	totals := survey.ElementTotals(def, counts)
	foot := func(label string, style int, cell func(i int, e survey.ElementResult) any) error {
		vals := []any{cellOf(st.bold, label), "", ""}
		for i, e := range res.Elements {
			if e.Respondents == 0 {
				vals = append(vals, "–")
				continue
			}
			vals = append(vals, cellOf(style, cell(i, e)))
		}
		return put(vals...)
	}
	weight := "–"
	if res.K > 0 {
		weight = "1/" + strconv.Itoa(res.K)
	}
	if err := put(); err != nil {
		return survey.Result{}, err
	}
	for _, line := range []struct {
		label string
		style int
		cell  func(i int, e survey.ElementResult) any
	}{
		{"Σ Nilai/Unsur (jumlah nilai / sum of scores)", st.gen, func(i int, _ survey.ElementResult) any {
			return ratFloat(trimZeros(survey.RoundHalfUp(totals[i].Sum, 4)))
		}},
		{"Jumlah kuesioner terisi/Unsur (n)", st.int0, func(i int, _ survey.ElementResult) any { return totals[i].N }},
		{"NRR/Unsur = Σ Nilai ÷ n", st.dp4, func(_ int, e survey.ElementResult) any { return ratFloat(e.NRRExact) }},
		{"Bobot / weight", st.gen, func(int, survey.ElementResult) any { return weight }},
		{"NRR tertimbang/Unsur = NRR × bobot", st.dp3, func(_ int, e survey.ElementResult) any { return e.NRRWeighted }},
		{"Nilai unsur (NRR × 25)", st.dp2, func(_ int, e survey.ElementResult) any { return e.Index }},
		{"Mutu unsur / element grade", st.gen, func(_ int, e survey.ElementResult) any { return e.Grade }},
	} {
		if err := foot(line.label, line.style, line.cell); err != nil {
			return survey.Result{}, err
		}
	}
	if err := put(); err != nil {
		return survey.Result{}, err
	}
	ikm, idx, grade := any("–"), any("–"), "–"
	if res.Defined {
		ikm, idx, grade = res.IKM, res.Index, res.Grade+" ("+res.Performance.ID+" / "+res.Performance.EN+")"
	}
	for _, line := range [][]any{
		{cellOf(st.bold, "Jumlah responden / respondents"), "", "", cellOf(st.int0, res.Respondents)},
		{cellOf(st.bold, "*) Σ NRR tertimbang (IKM, skala 1–4 / index on the 1–4 scale)"), "", "", cellOf(st.dp4, idx)},
		{cellOf(st.bold, "**) IKM unit pelayanan = Σ NRR tertimbang × 25"), "", "", cellOf(st.dp2, ikm)},
		{cellOf(st.bold, "Mutu pelayanan / grade"), "", "", grade},
		{},
		{"Catatan: angka di atas dibulatkan untuk tampilan saja; IKM dihitung eksak (pecahan) lalu dibulatkan half-up sekali ke 2 desimal, sehingga menjumlahkan angka yang sudah dibulatkan bisa berbeda 0,01."},
		{"Note: the figures are rounded for display only; the IKM is computed exactly (fractions) and rounded half-up once to 2 decimals, so summing the rounded figures may differ by 0.01."},
	} {
		if err := put(line...); err != nil {
			return survey.Result{}, err
		}
	}
	if !res.Defined {
		if err := put("Belum ada responden pada periode ini. / No respondents in this period."); err != nil {
			return survey.Result{}, err
		}
	}
	return res, sw.Flush()
}

// elementScore is one respondent's score on an element: the value, the
// exact mean of several questions' values (shown to 4 dp by the cell), or
// nil when unanswered.
func elementScore(vs []int) any {
	switch len(vs) {
	case 0:
		return nil
	case 1:
		return vs[0]
	}
	sum := 0
	for _, v := range vs {
		sum += v
	}
	f, _ := new(big.Rat).SetFrac64(int64(sum), int64(len(vs))).Float64()
	return f
}

// trimZeros drops trailing decimal zeros: "330.0000" → "330".
func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// unitProcessingXLSX serves GET /api/v1/units/{id}/processing.xlsx: the
// processing sheet of the unit and its subtree over ?from&to.
func (s *Server) unitProcessingXLSX(c echo.Context) error {
	u, err := s.seeUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	p, fields := s.periodOf(c, u)
	if len(fields) > 0 {
		return domain.Invalid(fields...)
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", processingSheet); err != nil {
		return err
	}
	if _, err := s.writeProcessingSheet(c.Request().Context(), f, processingSheet, u, p); err != nil {
		return err
	}
	attachment(c, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"suara-pengolahan-"+safeName(u.Code)+"-"+p.From+"_"+p.To+".xlsx")
	c.Response().WriteHeader(http.StatusOK)
	if _, err := f.WriteTo(c.Response()); err != nil {
		return s.streamFailed(c, err)
	}
	return nil
}
