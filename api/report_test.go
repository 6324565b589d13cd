package api

import (
	"bytes"
	"compress/zlib"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/go-cmp/cmp"

	"suara/domain"
)

func init() {
	openapi3filter.RegisterBodyDecoder("text/css", openapi3filter.FileBodyDecoder)
}

// pdfText inflates every content stream of a PDF and returns the text
// operands of its Tj operators, joined by newlines.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	var sb strings.Builder
	streams := regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`).FindAllSubmatch(b, -1)
	tj := regexp.MustCompile(`\(((?:[^()\\]|\\.)*)\) ?Tj`)
	for _, m := range streams {
		data := m[1]
		if zr, err := zlib.NewReader(bytes.NewReader(data)); err == nil {
			if inflated, err := io.ReadAll(zr); err == nil {
				data = inflated
			}
		}
		for _, s := range tj.FindAllSubmatch(data, -1) {
			sb.WriteString(strings.NewReplacer(`\(`, "(", `\)`, ")", `\\`, `\`).Replace(string(s[1])))
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

func TestReport(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.seedS1(t)
		// A plan for this period and a result from the one before.
		for _, f := range []domain.FollowUp{
			{UnitID: e.instA.ID, Element: "U3", Activity: "Menambah petugas loket pada jam sibuk", Owner: "Kepala TU", Due: "2026-09-30"},
			{UnitID: e.instA.ID, Element: "U9", Activity: "Kotak saran dibuka setiap Senin", Owner: "Humas", Due: "2025-11-30",
				Status: domain.FollowUpDone, Result: "Kotak saran dibuka 12 kali"},
		} {
			if err := e.st.CreateFollowUp(t.Context(), &f); err != nil {
				t.Fatal(err)
			}
		}
		rec := e.as(e.viewerA, http.MethodGet, "/api/v1/units/"+e.instA.ID+"/ikm?from=2026-01-01&to=2026-12-31", "")
		wantStatus(t, rec, http.StatusOK)
		api := decodeJSON[ikmJSON](t, rec)
		ikm := domain.FixedID(*api.IKM, 2) // 82,78
		if ikm != "82,78" || *api.Grade != "B" {
			t.Fatalf("/ikm = %s %s, want the S1 vector's 82,78 B", ikm, *api.Grade)
		}

		rec = e.as(e.viewerA, http.MethodGet, "/api/v1/units/"+e.instA.ID+"/report?from=2026-01-01&to=2026-12-31", "")
		wantStatus(t, rec, http.StatusOK)
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type = %q", ct)
		}
		html := rec.Body.String()
		for _, want := range []string{
			`<span class="value" id="ikm">82,78</span>`,
			`<span class="value" id="grade">B</span>`,
			"BAB I PENDAHULUAN", "BAB II PENGUMPULAN DATA SKM", "BAB III HASIL PENGOLAHAN DATA SKM",
			"BAB IV ANALISIS HASIL SKM", "BAB V KESIMPULAN",
			`<li id="weakest-U3"><strong>U3 Waktu Penyelesaian</strong> – NRR 2,8000`,
			"1 Januari 2026 – 31 Desember 2026",
			"adalah 82,78 dengan mutu pelayanan B (Baik)",
			"Menambah petugas loket pada jam sibuk",                                          // the plan
			"Kotak saran dibuka 12 kali",                                                     // last period's result
			"Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?", // the questionnaire
			`<link rel="stylesheet" href="/api/v1/report.css">`,
			"<td>Perempuan</td><td class=\"num\">5</td><td class=\"num\">50,0%</td>", // demographics
			"1 Januari 2023 – 31 Desember 2023",                                      // the trend goes back three periods
		} {
			if !strings.Contains(html, want) {
				t.Errorf("HTML lacks %q", want)
			}
		}
		if strings.Contains(html, "style=") || strings.Contains(html, "<style") {
			t.Error("inline style: the CSP forbids it")
		}
		// Each element row shows /ikm's NRR (4 dp) and grade.
		for _, el := range api.Elements {
			row := "<td>" + el.Code + "</td>"
			i := strings.Index(html, row)
			if i < 0 {
				t.Errorf("no row for %s", el.Code)
				continue
			}
			if !strings.Contains(html[i:i+400], domain.FixedID(*el.NRR, 2)) || !strings.Contains(html[i:i+400], ">"+*el.Grade+" (") {
				t.Errorf("%s row %q lacks NRR %v / grade %s", el.Code, html[i:i+400], *el.NRR, *el.Grade)
			}
		}

		rec = e.as(e.viewerA, http.MethodGet, "/api/v1/units/"+e.instA.ID+"/report?from=2026-01-01&to=2026-12-31&format=pdf", "")
		wantStatus(t, rec, http.StatusOK)
		if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename="laporan-skm-KOTA-A-2026-01-01_2026-12-31.pdf"` {
			t.Errorf("Content-Disposition = %q", cd)
		}
		body := rec.Body.Bytes()
		if !bytes.HasPrefix(body, []byte("%PDF-")) {
			t.Fatalf("not a PDF: %q", body[:min(16, len(body))])
		}
		text := pdfText(t, body)
		for _, want := range []string{"82,78", "BAB I PENDAHULUAN", "BAB V KESIMPULAN", "Waktu Penyelesaian", "Menambah petugas", "Kotak saran dibuka 12 kali",
			"Periode: 1 Januari 2026 \x96 31 Desember 2026"} { // the en dash in cp1252
			if !strings.Contains(text, want) {
				t.Errorf("PDF text lacks %q", want)
			}
		}
		if n := strings.Count(string(body), "/Type /Page\n"); n < 4 {
			t.Errorf("%d pages, want at least 4", n)
		}

		rec = e.do(http.MethodGet, "/api/v1/report.css", "")
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), "@page") {
			t.Error("report.css has no @page rule")
		}
	})
}

func TestReportScopeAndInput(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		path := "/api/v1/units/" + e.instA.ID + "/report"
		for _, q := range []string{"", "?format=pdf"} {
			wantStatus(t, e.as(e.managerB, http.MethodGet, path+q, ""), http.StatusNotFound)
			wantStatus(t, e.as(e.managerA1, http.MethodGet, path+q, ""), http.StatusNotFound)
			wantStatus(t, e.do(http.MethodGet, path+q, ""), http.StatusUnauthorized)
		}
		for q, want := range map[string][]string{
			"?from=2026-13-01":               {"from"},
			"?to=31-12-2026":                 {"to"},
			"?from=2026-06-02&to=2026-06-01": {"to"},
			"?format=docx":                   {"format"},
			"?from=x&format=pdf":             {"from"},
		} {
			rec := e.as(e.admin, http.MethodGet, path+q, "")
			wantStatus(t, rec, http.StatusUnprocessableEntity)
			if diff := cmp.Diff(want, problemFields(t, rec)); diff != "" {
				t.Errorf("%s fields (-want +got):\n%s", q, diff)
			}
		}
		// A unit without answers still gets its report, saying so.
		rec := e.as(e.managerA1, http.MethodGet, "/api/v1/units/"+e.unitA1.ID+"/report", "")
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), "belum ada responden") {
			t.Error("empty report does not say there are no respondents")
		}
		rec = e.as(e.managerA1, http.MethodGet, "/api/v1/units/"+e.unitA1.ID+"/report?format=pdf", "")
		wantStatus(t, rec, http.StatusOK)
		if !strings.HasPrefix(rec.Body.String(), "%PDF-") {
			t.Error("empty report is not a PDF")
		}
	})
}
