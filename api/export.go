package api

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"suara/domain"
	"suara/store"
	"suara/survey"
)

// The response export (GET /api/v1/surveys/{id}/responses.csv and .xlsx).
//
// One row per response, oldest first, with these columns:
//
//	response_id, received_at, captured_at (RFC 3339, UTC), day (the unit's
//	civil day), unit_code, unit_name, service_code, service_name,
//	period_from, period_to (the survey's period),
//	one column per profile question of the questionnaire, by its code
//	(gender, age, education, occupation in the built-in one; stored codes
//	such as "female" or "sma"), plus age_band after a number question
//	"age",
//	U1 … U9: the element's answer value 1–4, in the definition's order; an
//	element with several questions gets one column per question, named
//	"<element code>.<question code>" (U3.waktu_antre, U3.waktu_loket);
//	elements outside the definition follow, by question code,
//	comment, suspicious, excluded (true/false).
//
// CSV is UTF-8 with a byte-order mark and CRLF line ends, so that Excel
// opens it with the right encoding; text cells that start with = + - @
// get a leading apostrophe so that a spreadsheet never runs a citizen's
// comment as a formula. XLSX keeps every value typed (numbers, booleans)
// and needs no such guard; its second sheet describes the columns.

// exportColumn is one column of the export.
type exportColumn struct {
	Header string
	Label  domain.Text
	value  func(r *domain.Response) any // string, int, bool or nil
}

// exportContext is what the columns look things up in.
type exportContext struct {
	survey   domain.Survey
	units    map[string]domain.Unit
	services map[string]domain.Service
}

func (x *exportContext) unit(r *domain.Response) domain.Unit { return x.units[r.UnitID] }

func (x *exportContext) service(r *domain.Response) domain.Service {
	if r.ServiceID == nil {
		return domain.Service{}
	}
	return x.services[*r.ServiceID]
}

// exportColumns lays out the columns for a questionnaire.
func exportColumns(v domain.TemplateVersion, x *exportContext) []exportColumn {
	str := func(f func(r *domain.Response) string) func(r *domain.Response) any {
		return func(r *domain.Response) any { return f(r) }
	}
	cols := []exportColumn{
		{"response_id", domain.Text{ID: "ID jawaban", EN: "Response id"}, str(func(r *domain.Response) string { return r.ID })},
		{"received_at", domain.Text{ID: "Waktu diterima server (UTC)", EN: "Received by the server (UTC)"},
			str(func(r *domain.Response) string { return r.ReceivedAt.UTC().Format(time.RFC3339) })},
		{"captured_at", domain.Text{ID: "Waktu diisi warga (UTC)", EN: "Answered by the citizen (UTC)"},
			str(func(r *domain.Response) string { return r.CapturedAt.UTC().Format(time.RFC3339) })},
		{"day", domain.Text{ID: "Tanggal (zona waktu unit)", EN: "Day (the unit's time zone)"}, str(func(r *domain.Response) string { return r.Day })},
		{"unit_code", domain.Text{ID: "Kode unit", EN: "Unit code"}, str(func(r *domain.Response) string { return x.unit(r).Code })},
		{"unit_name", domain.Text{ID: "Nama unit", EN: "Unit name"}, str(func(r *domain.Response) string { return x.unit(r).Name })},
		{"service_code", domain.Text{ID: "Kode layanan", EN: "Service code"}, str(func(r *domain.Response) string { return x.service(r).Code })},
		{"service_name", domain.Text{ID: "Nama layanan", EN: "Service name"}, str(func(r *domain.Response) string { return x.service(r).Name })},
		{"period_from", domain.Text{ID: "Periode survei, mulai", EN: "Survey period, from"}, str(func(*domain.Response) string { return x.survey.StartsOn })},
		{"period_to", domain.Text{ID: "Periode survei, akhir", EN: "Survey period, to"}, str(func(*domain.Response) string { return x.survey.EndsOn })},
	}
	for _, q := range v.Questions {
		if q.Kind != domain.KindChoice && q.Kind != domain.KindNumber {
			continue
		}
		code := q.Code
		if q.Kind == domain.KindNumber {
			cols = append(cols, exportColumn{code, q.Label, func(r *domain.Response) any {
				if n, err := strconv.Atoi(r.Profile[code]); err == nil {
					return n
				}
				return nil
			}})
		} else {
			cols = append(cols, exportColumn{code, q.Label, str(func(r *domain.Response) string { return r.Profile[code] })})
		}
		if code == "age" {
			cols = append(cols, exportColumn{"age_band", domain.Text{ID: "Kelompok usia", EN: "Age band"},
				str(func(r *domain.Response) string { return domain.AgeBand(r.Profile["age"]) })})
		}
	}
	answer := func(code string) func(r *domain.Response) any {
		return func(r *domain.Response) any {
			if v, ok := r.Answers[code]; ok {
				return v
			}
			return nil
		}
	}
	byElement := map[string][]domain.Question{}
	for _, q := range v.ElementQuestions() {
		byElement[q.Element] = append(byElement[q.Element], q)
	}
	known := map[string]bool{}
	for _, el := range survey.SKM().Elements {
		known[el.ID] = true
		qs := byElement[el.ID]
		switch len(qs) {
		case 0:
			cols = append(cols, exportColumn{el.Code, el.Name, func(*domain.Response) any { return nil }})
		case 1:
			cols = append(cols, exportColumn{el.Code, el.Name, answer(qs[0].Code)})
		default:
			for _, q := range qs {
				cols = append(cols, exportColumn{el.Code + "." + q.Code, q.Label, answer(q.Code)})
			}
		}
	}
	for _, q := range v.ElementQuestions() {
		if !known[q.Element] {
			cols = append(cols, exportColumn{q.Code, q.Label, answer(q.Code)})
		}
	}
	cols = append(cols,
		exportColumn{"comment", domain.Text{ID: "Saran dan masukan", EN: "Suggestions and feedback"},
			str(func(r *domain.Response) string { return exportComment(r.Comment) })},
		exportColumn{"suspicious", domain.Text{ID: "Mencurigakan (bagian dari rentetan jawaban sama)", EN: "Suspicious (part of a burst of identical answers)"},
			func(r *domain.Response) any { return r.Suspicious }},
		exportColumn{"excluded", domain.Text{ID: "Dikeluarkan dari indeks", EN: "Excluded from the index"},
			func(r *domain.Response) any { return r.Excluded }},
	)
	return cols
}

// exportComment is the comment as an export shows it: NIK-like numbers,
// phone numbers and e-mail addresses masked, the same text /responses and
// /comments return (the original stays sealed for administrators).
func exportComment(c string) string { return domain.MaskPII(c) }

// exportRequest reads and checks an export's parameters and scope.
func (s *Server) exportRequest(c echo.Context) (store.ExportQuery, *exportContext, domain.TemplateVersion, error) {
	from, to := c.QueryParam("from"), c.QueryParam("to")
	var fields []domain.FieldError
	if from != "" && !validDate(from) {
		fields = append(fields, domain.Field("from", "date"))
	}
	if to != "" && !validDate(to) {
		fields = append(fields, domain.Field("to", "date"))
	}
	if len(fields) == 0 && from != "" && to != "" && to < from {
		fields = append(fields, domain.Field("to", "date_order"))
	}
	if len(fields) > 0 {
		return store.ExportQuery{}, nil, domain.TemplateVersion{}, domain.Invalid(fields...)
	}
	sv, u, err := s.seeSurvey(c, c.Param("id"))
	if err != nil {
		return store.ExportQuery{}, nil, domain.TemplateVersion{}, err
	}
	ctx := c.Request().Context()
	v, err := s.store.FindTemplateVersion(ctx, sv.TemplateVersionID)
	if err != nil {
		return store.ExportQuery{}, nil, domain.TemplateVersion{}, err
	}
	x, err := s.lookups(ctx, u)
	if err != nil {
		return store.ExportQuery{}, nil, domain.TemplateVersion{}, err
	}
	x.survey = sv
	return store.ExportQuery{InstitutionID: sv.InstitutionID, SurveyID: sv.ID, UnitPath: u.Path, From: from, To: to}, x, v, nil
}

// lookups loads the units and services of a subtree, by id.
func (s *Server) lookups(ctx context.Context, u domain.Unit) (*exportContext, error) {
	subtree, err := s.store.FindSubtree(ctx, u.Path)
	if err != nil {
		return nil, err
	}
	x := &exportContext{units: make(map[string]domain.Unit, len(subtree)), services: map[string]domain.Service{}}
	ids := make([]string, len(subtree))
	for i, su := range subtree {
		x.units[su.ID] = su
		ids[i] = su.ID
	}
	svcs, err := s.store.FindServices(ctx, ids...)
	if err != nil {
		return nil, err
	}
	for _, svc := range svcs {
		x.services[svc.ID] = svc
	}
	return x, nil
}

// exportFilename is "suara-<unit code>-<survey slug>[-from_to].<ext>".
func exportFilename(prefix string, x *exportContext, unitID, from, to, ext string) string {
	name := prefix + "-" + safeName(x.units[unitID].Code)
	if x.survey.Slug != "" {
		name += "-" + safeName(x.survey.Slug)
	}
	if from != "" || to != "" {
		name += "-" + from + "_" + to
	}
	return name + "." + ext
}

// safeName keeps what a file name can hold everywhere.
func safeName(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			sb.WriteRune(r)
		default:
			sb.WriteByte('_')
		}
	}
	return sb.String()
}

func attachment(c echo.Context, contentType, filename string) {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", filename))
}

// streamFailed ends a response whose headers are already sent: the client
// must see a broken download, not a file that looks complete.
func (s *Server) streamFailed(c echo.Context, err error) error {
	if !c.Response().Committed {
		return err
	}
	s.log.LogAttrs(c.Request().Context(), slog.LevelError, "export failed mid-stream",
		slog.String("path", c.Request().URL.Path), slog.String("error", err.Error()))
	panic(http.ErrAbortHandler)
}

// exportCSV serves GET /api/v1/surveys/{id}/responses.csv.
func (s *Server) exportCSV(c echo.Context) error {
	q, x, v, err := s.exportRequest(c)
	if err != nil {
		return err
	}
	cols := exportColumns(v, x)
	attachment(c, "text/csv; charset=utf-8", exportFilename("suara-jawaban", x, x.survey.UnitID, q.From, q.To, "csv"))
	res := c.Response()
	res.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(res, 64<<10)
	if _, err := bw.WriteString("\ufeff"); err != nil {
		return s.streamFailed(c, err)
	}
	w := csv.NewWriter(bw)
	w.UseCRLF = true
	record := make([]string, len(cols))
	for i, col := range cols {
		record[i] = col.Header
	}
	if err := w.Write(record); err != nil {
		return s.streamFailed(c, err)
	}
	err = s.store.EachResponse(c.Request().Context(), q, func(rs []domain.Response) error {
		for i := range rs {
			for j, col := range cols {
				record[j] = csvCell(col.value(&rs[i]))
			}
			if err := w.Write(record); err != nil {
				return err
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		res.Flush()
		return nil
	})
	if err == nil {
		w.Flush()
		err = w.Error()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return s.streamFailed(c, err)
	}
	return nil
}

// csvCell formats one value; text that a spreadsheet would read as a
// formula gets a leading apostrophe.
func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	case string:
		if x != "" && strings.ContainsRune("=+-@\t\r", rune(x[0])) {
			return "'" + x
		}
		return x
	}
	return fmt.Sprint(v)
}

// exportXLSX serves GET /api/v1/surveys/{id}/responses.xlsx. Rows go
// through excelize's StreamWriter, which spills to a temporary file past
// 16 MB, so memory stays flat; the finished workbook is then copied to the
// client.
func (s *Server) exportXLSX(c echo.Context) error {
	q, x, v, err := s.exportRequest(c)
	if err != nil {
		return err
	}
	cols := exportColumns(v, x)
	f := excelize.NewFile()
	defer f.Close()
	f.SetZipWriter(fastZip)
	const sheet = "Jawaban"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	header := make([]any, len(cols))
	for i, col := range cols {
		header[i] = excelize.Cell{StyleID: bold, Value: col.Header}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	row := 1
	values := make([]any, len(cols))
	err = s.store.EachResponse(c.Request().Context(), q, func(rs []domain.Response) error {
		for i := range rs {
			for j, col := range cols {
				values[j] = col.value(&rs[i])
			}
			row++
			cell, err := excelize.CoordinatesToCellName(1, row)
			if err != nil {
				return err
			}
			if err := sw.SetRow(cell, values); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if err := exportLegend(f, cols); err != nil {
		return err
	}
	attachment(c, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		exportFilename("suara-jawaban", x, x.survey.UnitID, q.From, q.To, "xlsx"))
	c.Response().WriteHeader(http.StatusOK)
	if _, err := f.WriteTo(c.Response()); err != nil {
		return s.streamFailed(c, err)
	}
	return nil
}

// fastZip writes the workbook's parts with flate's fastest level. At the
// default level compressing the sheet's XML was more than a quarter of an
// XLSX export's CPU (docs/performance.md); the file is somewhat larger,
// and still a fraction of its XML. The compressors are pooled, as
// archive/zip's own are: a workbook has a few dozen parts.
func fastZip(w io.Writer) excelize.ZipWriter {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		if fw, ok := fastFlates.Get().(*flate.Writer); ok {
			fw.Reset(out)
			return &pooledFlate{fw}, nil
		}
		fw, err := flate.NewWriter(out, flate.BestSpeed)
		if err != nil {
			return nil, err
		}
		return &pooledFlate{fw}, nil
	})
	return zw
}

var fastFlates sync.Pool // of *flate.Writer at flate.BestSpeed

// pooledFlate returns its compressor to fastFlates once closed.
type pooledFlate struct{ *flate.Writer }

func (p *pooledFlate) Close() error {
	err := p.Writer.Close()
	fastFlates.Put(p.Writer)
	p.Writer = nil
	return err
}

// exportLegend adds the sheet that describes the columns.
func exportLegend(f *excelize.File, cols []exportColumn) error {
	const sheet = "Keterangan"
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	rows := [][]any{{"Kolom / Column", "Keterangan", "Description"}}
	for _, col := range cols {
		rows = append(rows, []any{col.Header, col.Label.ID, col.Label.EN})
	}
	rows = append(rows, []any{}, []any{"", "Nilai unsur 1–4 (a=1 … d=4), PermenPANRB 14/2017.", "Element values 1–4 (a=1 … d=4), PermenPANRB 14/2017."})
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			return err
		}
	}
	return f.SetColWidth(sheet, "A", "C", 40)
}
