package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"suara/domain"
	"suara/survey"
)

func init() {
	// The validator must read the binary documents the API serves.
	for _, ct := range []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/pdf", "text/html"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
}

// s1Vector reads the S1 vector of testdata/ikm-vectors.json: ten complete
// respondents, IKM 82.78 (B).
func s1Vector(t *testing.T) [][]int {
	t.Helper()
	b, err := os.ReadFile("../testdata/ikm-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vf vectorFile
	if err := json.Unmarshal(b, &vf); err != nil {
		t.Fatal(err)
	}
	if vf.Vectors[0].Name != "S1" {
		t.Fatalf("first vector is %s, want S1", vf.Vectors[0].Name)
	}
	var out [][]int
	for _, row := range vf.Vectors[0].Respondents {
		var r []int
		for _, v := range row {
			r = append(r, *v)
		}
		out = append(out, r)
	}
	return out
}

// exportRow is what a test knows about one submitted response.
type exportRow struct {
	unitCode, serviceCode string
	gender, education     string
	age                   int
	answers               []int
	comment               string
}

// seedS1 submits the S1 vector through the public route, spread over unit
// A and its child A1, with a profile, a service and a comment, and
// returns what was sent in submission order.
func (e *env) seedS1(t *testing.T) []exportRow {
	t.Helper()
	var sent []exportRow
	for i, row := range s1Vector(t) {
		answers := map[string]any{}
		for j, v := range row {
			answers[fmt.Sprintf("U%d", j+1)] = v
		}
		unit, unitCode, svc, svcCode := e.instA.ID, e.instA.Code, e.svcA.ID, e.svcA.Code
		if i%2 == 1 {
			unit, unitCode, svc, svcCode = e.unitA1.ID, e.unitA1.Code, e.svcA1.ID, e.svcA1.Code
		}
		gender := []string{"female", "male"}[i%2]
		comment := ""
		switch i {
		case 2:
			comment = "=HYPERLINK(\"http://x\") antrean, \"lama\"\nbaris dua — ümlaut"
		case 5:
			comment = "Petugas ramah."
		}
		extra := map[string]any{"unit_id": unit, "service_id": svc, "comment": comment,
			"profile": map[string]any{"gender": gender, "age": 20 + i, "education": "sma"}}
		rec := e.do(http.MethodPost, e.submitPath(e.surveyA), submission(uuidN(100+i), answers, extra))
		wantStatus(t, rec, http.StatusCreated)
		sent = append(sent, exportRow{unitCode: unitCode, serviceCode: svcCode, gender: gender, education: "sma",
			age: 20 + i, answers: row, comment: comment})
	}
	return sent
}

func TestExportCSV(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		sent := e.seedS1(t)
		// An answer to another institution's survey must not leak in.
		rec := e.do(http.MethodPost, e.submitPath(e.surveyB), submission(uuidN(999), allAnswers(1), nil))
		wantStatus(t, rec, http.StatusCreated)

		rec = e.as(e.viewerA, http.MethodGet, "/api/v1/surveys/"+e.surveyA.ID+"/responses.csv", "")
		wantStatus(t, rec, http.StatusOK)
		if ct := rec.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		if cd := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="suara-jawaban-KOTA-A-`) || !strings.HasSuffix(cd, `.csv"`) {
			t.Errorf("Content-Disposition = %q", cd)
		}
		body := rec.Body.Bytes()
		if !bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
			t.Fatalf("no UTF-8 byte-order mark: %q", body[:min(20, len(body))])
		}
		records, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
		if err != nil {
			t.Fatalf("parse CSV: %v", err)
		}
		header := records[0]
		wantHeader := []string{"response_id", "received_at", "captured_at", "day", "unit_code", "unit_name", "service_code", "service_name",
			"period_from", "period_to", "gender", "age", "age_band", "education", "occupation",
			"U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9", "comment", "suspicious", "excluded"}
		if diff := cmp.Diff(wantHeader, header); diff != "" {
			t.Fatalf("header (-want +got):\n%s", diff)
		}
		col := map[string]int{}
		for i, h := range header {
			col[h] = i
		}
		rows := records[1:]
		if len(rows) != len(sent) {
			t.Fatalf("%d rows, want %d", len(rows), len(sent))
		}
		for i, r := range rows {
			w := sent[i]
			var got []int
			for j := 1; j <= 9; j++ {
				n, err := strconv.Atoi(r[col[fmt.Sprintf("U%d", j)]])
				if err != nil {
					t.Fatalf("row %d U%d = %q", i, j, r[col[fmt.Sprintf("U%d", j)]])
				}
				got = append(got, n)
			}
			if diff := cmp.Diff(w.answers, got); diff != "" {
				t.Errorf("row %d answers (-want +got):\n%s", i, diff)
			}
			if r[col["unit_code"]] != w.unitCode || r[col["service_code"]] != w.serviceCode || r[col["gender"]] != w.gender ||
				r[col["age"]] != strconv.Itoa(w.age) || r[col["education"]] != w.education || r[col["day"]] != "2026-06-15" ||
				r[col["period_from"]] != "2026-01-01" || r[col["suspicious"]] != "false" || r[col["excluded"]] != "false" {
				t.Errorf("row %d = %v, want %+v", i, r, w)
			}
			wantComment := w.comment
			if strings.HasPrefix(wantComment, "=") {
				wantComment = "'" + wantComment // never a formula in a spreadsheet
			}
			if r[col["comment"]] != wantComment {
				t.Errorf("row %d comment = %q, want %q", i, r[col["comment"]], wantComment)
			}
		}
		if rows[0][col["age_band"]] != "20-29" || rows[0][col["unit_name"]] != e.instA.Name || rows[1][col["service_name"]] != e.svcA1.Name {
			t.Errorf("first rows: %v / %v", rows[0], rows[1])
		}

		// An excluded response stays in the export, flagged.
		if _, err := e.st.SetExcluded(t.Context(), rows[3][col["response_id"]], true); err != nil {
			t.Fatal(err)
		}
		rec = e.as(e.viewerA, http.MethodGet, "/api/v1/surveys/"+e.surveyA.ID+"/responses.csv", "")
		again, err := csv.NewReader(bytes.NewReader(rec.Body.Bytes()[3:])).ReadAll()
		if err != nil || len(again) != len(records) || again[4][col["excluded"]] != "true" || again[5][col["excluded"]] != "false" {
			t.Errorf("after excluding row 4: %d records, %v, flags %q %q", len(again), err, again[4][col["excluded"]], again[5][col["excluded"]])
		}

		// A day filter that holds nothing: the header alone.
		rec = e.as(e.viewerA, http.MethodGet, "/api/v1/surveys/"+e.surveyA.ID+"/responses.csv?from=2026-06-16&to=2026-12-31", "")
		wantStatus(t, rec, http.StatusOK)
		if records, err := csv.NewReader(bytes.NewReader(rec.Body.Bytes()[3:])).ReadAll(); err != nil || len(records) != 1 {
			t.Errorf("filtered export: %d records, %v; want the header only", len(records), err)
		}
		rec = e.as(e.viewerA, http.MethodGet, "/api/v1/surveys/"+e.surveyA.ID+"/responses.csv?from=2026-06-15&to=2026-06-15", "")
		wantStatus(t, rec, http.StatusOK)
		if records, err := csv.NewReader(bytes.NewReader(rec.Body.Bytes()[3:])).ReadAll(); err != nil || len(records) != 11 {
			t.Errorf("one-day export: %d records, %v; want 11", len(records), err)
		}
	})
}

func TestExportXLSX(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		sent := e.seedS1(t)
		rec := e.as(e.managerA, http.MethodGet, "/api/v1/surveys/"+e.surveyA.ID+"/responses.xlsx?from=2026-01-01&to=2026-12-31", "",
			header("Accept-Encoding", "gzip"))
		wantStatus(t, rec, http.StatusOK)
		if ce := rec.Header().Get("Content-Encoding"); ce != "" {
			t.Errorf("Content-Encoding = %q: an XLSX is a zip already", ce)
		}
		if cd := rec.Header().Get("Content-Disposition"); !strings.HasSuffix(cd, `-2026-01-01_2026-12-31.xlsx"`) {
			t.Errorf("Content-Disposition = %q", cd)
		}
		f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatalf("open XLSX: %v", err)
		}
		defer f.Close()
		if diff := cmp.Diff([]string{"Jawaban", "Keterangan"}, f.GetSheetList()); diff != "" {
			t.Errorf("sheets (-want +got):\n%s", diff)
		}
		rows, err := f.GetRows("Jawaban")
		if err != nil {
			t.Fatal(err)
		}
		header := rows[0]
		col := map[string]int{}
		for i, h := range header {
			col[h] = i
		}
		if len(rows)-1 != len(sent) {
			t.Fatalf("%d rows, want %d", len(rows)-1, len(sent))
		}
		for i, r := range rows[1:] {
			w := sent[i]
			var got []int
			for j := 1; j <= 9; j++ {
				n, _ := strconv.Atoi(r[col[fmt.Sprintf("U%d", j)]])
				got = append(got, n)
			}
			if diff := cmp.Diff(w.answers, got); diff != "" {
				t.Errorf("row %d answers (-want +got):\n%s", i, diff)
			}
			comment := ""
			if c := col["comment"]; c < len(r) {
				comment = r[c]
			}
			if comment != w.comment || r[col["unit_code"]] != w.unitCode || r[col["gender"]] != w.gender {
				t.Errorf("row %d = %v, want %+v", i, r, w)
			}
		}
		// Answers are numbers (no t attribute, or t="n"), not text, so a
		// spreadsheet can sum them.
		cell, _ := excelize.CoordinatesToCellName(col["U1"]+1, 2)
		if typ, err := f.GetCellType("Jawaban", cell); err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
			t.Errorf("U1 cell type = %v, %v; want a number", typ, err)
		}
		legend, _ := f.GetRows("Keterangan")
		if len(legend) < len(header)+1 || legend[1][0] != "response_id" {
			t.Errorf("legend = %v", legend)
		}
	})
}

func TestExportScopeAndFilters(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		for _, ext := range []string{"csv", "xlsx"} {
			path := "/api/v1/surveys/" + e.surveyA.ID + "/responses." + ext
			// Another subtree's manager: the survey does not exist for them.
			rec := e.as(e.managerB, http.MethodGet, path, "")
			wantStatus(t, rec, http.StatusNotFound)
			rec = e.do(http.MethodGet, path, "")
			wantStatus(t, rec, http.StatusUnauthorized)
			rec = e.as(e.admin, http.MethodGet, "/api/v1/surveys/"+uuidN(1)+"/responses."+ext, "")
			wantStatus(t, rec, http.StatusNotFound)
			for q, want := range map[string][]string{
				"?from=2026-13-01":                {"from"},
				"?to=yesterday":                   {"to"},
				"?from=2026-06-02&to=2026-06-01":  {"to"},
				"?from=x&to=2026-06-01T00:00:00Z": {"from", "to"},
				"?from=2026-01-01&to=2026-02-30":  {"to"},
			} {
				rec := e.as(e.admin, http.MethodGet, path+q, "")
				wantStatus(t, rec, http.StatusUnprocessableEntity)
				if diff := cmp.Diff(want, problemFields(t, rec)); diff != "" {
					t.Errorf("%s%s fields (-want +got):\n%s", path, q, diff)
				}
			}
		}
	})
}

// TestExportSeveralQuestionsPerElement: an element asked twice gets one
// column per question, named element code.question code.
func TestExportColumnsSeveralQuestions(t *testing.T) {
	qs := survey.BuiltinQuestions()
	extra := qs[2]
	extra.Code = "U3b"
	qs = append(qs[:3], append([]domain.Question{extra}, qs[3:]...)...)
	cols := exportColumns(domain.TemplateVersion{Questions: qs}, &exportContext{})
	var headers []string
	for _, c := range cols {
		headers = append(headers, c.Header)
	}
	joined := strings.Join(headers, ",")
	if !strings.Contains(joined, ",U2,U3.U3,U3.U3b,U4,") {
		t.Errorf("headers = %s", joined)
	}
}
