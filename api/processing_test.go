package api

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"suara/domain"
	"suara/store"
)

// sheetRows reads the processing sheet with raw (unformatted) values.
func sheetRows(t *testing.T, body []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("open XLSX: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(processingSheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// footRow returns the row whose first cell starts with prefix.
func footRow(t *testing.T, rows [][]string, prefix string) []string {
	t.Helper()
	for _, r := range rows {
		if len(r) > 0 && strings.HasPrefix(r[0], prefix) {
			return r
		}
	}
	t.Fatalf("no row starting with %q", prefix)
	return nil
}

// TestProcessingSheetMatchesIKM: the S1 vector through the public route;
// the sheet holds the ten respondents' scores, the regulation's column
// feet, and an IKM equal to /ikm's (82.78, B) — also after a response is
// excluded, which both leave out.
func TestProcessingSheetMatchesIKM(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		sent := e.seedS1(t)
		path := "/api/v1/units/" + e.instA.ID + "/processing.xlsx?from=2026-01-01&to=2026-12-31"
		ikmPath := "/api/v1/units/" + e.instA.ID + "/ikm?from=2026-01-01&to=2026-12-31"

		check := func(wantIKM string, wantRows int) {
			t.Helper()
			rec := e.as(e.viewerA, http.MethodGet, ikmPath, "")
			wantStatus(t, rec, http.StatusOK)
			api := decodeJSON[ikmJSON](t, rec)
			if api.IKM == nil || strconv.FormatFloat(*api.IKM, 'f', 2, 64) != wantIKM {
				t.Fatalf("/ikm = %v, want %s", api.IKM, wantIKM)
			}
			rec = e.as(e.viewerA, http.MethodGet, path, "")
			wantStatus(t, rec, http.StatusOK)
			if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename="suara-pengolahan-KOTA-A-2026-01-01_2026-12-31.xlsx"` {
				t.Errorf("Content-Disposition = %q", cd)
			}
			rows := sheetRows(t, rec.Body.Bytes())
			ikmRow := footRow(t, rows, "**) IKM")
			got, err := strconv.ParseFloat(ikmRow[3], 64)
			if err != nil || got != *api.IKM {
				t.Errorf("sheet IKM = %q, /ikm = %v", ikmRow[3], *api.IKM)
			}
			if g := footRow(t, rows, "Mutu pelayanan")[3]; !strings.HasPrefix(g, *api.Grade+" (") {
				t.Errorf("sheet grade = %q, /ikm %s", g, *api.Grade)
			}
			if n := footRow(t, rows, "Jumlah responden")[3]; n != strconv.FormatInt(api.Respondents, 10) || api.Respondents != int64(wantRows) {
				t.Errorf("sheet respondents = %s, /ikm %d, want %d", n, api.Respondents, wantRows)
			}
			// Each element's NRR on the sheet is /ikm's.
			nrr := footRow(t, rows, "NRR/Unsur")
			for i, el := range api.Elements {
				v, _ := strconv.ParseFloat(nrr[3+i], 64)
				if el.NRR == nil || strconv.FormatFloat(v, 'f', 2, 64) != strconv.FormatFloat(*el.NRR, 'f', 2, 64) {
					t.Errorf("%s: sheet NRR %s, /ikm %v", el.Code, nrr[3+i], el.NRR)
				}
			}
		}
		check("82.78", 10)

		rec := e.as(e.viewerA, http.MethodGet, path, "")
		rows := sheetRows(t, rec.Body.Bytes())
		var data [][]string
		for _, r := range rows {
			if len(r) >= 12 {
				if _, err := strconv.Atoi(r[0]); err == nil {
					data = append(data, r[3:12])
				}
			}
		}
		if len(data) != len(sent) {
			t.Fatalf("%d respondent rows, want %d", len(data), len(sent))
		}
		for i, r := range data {
			var want []string
			for _, v := range sent[i].answers {
				want = append(want, strconv.Itoa(v))
			}
			if diff := cmp.Diff(want, r); diff != "" {
				t.Errorf("respondent %d (-want +got):\n%s", i+1, diff)
			}
		}
		if diff := cmp.Diff([]string{"33", "32", "28", "39", "33", "35", "37", "31", "30"}, footRow(t, rows, "Σ Nilai")[3:12]); diff != "" {
			t.Errorf("Σ per element (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"1/9", "1/9", "1/9"}, footRow(t, rows, "Bobot")[3:6]); diff != "" {
			t.Errorf("weights (-want +got):\n%s", diff)
		}
		if idx := footRow(t, rows, "*) Σ NRR")[3]; idx != "3.3111" {
			t.Errorf("Σ NRR tertimbang = %s, want 3.3111 (745/225)", idx)
		}

		// Exclude the first respondent (4 4 3 4 4 4 4 3 4, Σ 34): both drop it.
		first, _, err := e.st.FindResponses(context.Background(), domain.ResponseFilter{SurveyID: e.surveyA.ID, Page: pageAll})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.SetExcluded(context.Background(), first[len(first)-1].ID, true); err != nil {
			t.Fatal(err)
		}
		check("81.48", 9) // complete data: 25 × (298 − 34) / (9 × 9) = 81.481…
	})
}

func TestProcessingScopeAndFilters(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		path := "/api/v1/units/" + e.instA.ID + "/processing.xlsx"
		wantStatus(t, e.as(e.managerB, http.MethodGet, path, ""), http.StatusNotFound)
		wantStatus(t, e.as(e.managerA1, http.MethodGet, path, ""), http.StatusNotFound) // the parent is outside A1's scope
		wantStatus(t, e.do(http.MethodGet, path, ""), http.StatusUnauthorized)
		for q, want := range map[string][]string{
			"?from=2026-02-30":               {"from"},
			"?to=2026":                       {"to"},
			"?from=2026-06-02&to=2026-06-01": {"to"},
		} {
			rec := e.as(e.admin, http.MethodGet, path+q, "")
			wantStatus(t, rec, http.StatusUnprocessableEntity)
			if diff := cmp.Diff(want, problemFields(t, rec)); diff != "" {
				t.Errorf("%s fields (-want +got):\n%s", q, diff)
			}
		}
		// No respondents: a sheet that says so, with no index.
		rec := e.as(e.managerA1, http.MethodGet, "/api/v1/units/"+e.unitA1.ID+"/processing.xlsx", "")
		wantStatus(t, rec, http.StatusOK)
		rows := sheetRows(t, rec.Body.Bytes())
		if v := footRow(t, rows, "**) IKM")[3]; v != "–" {
			t.Errorf("IKM without respondents = %q, want –", v)
		}
	})
}

// TestProcessingSheetWithOneConnection builds the sheet on a store whose
// pool holds one connection: the export holds it for the whole read, so
// the sheet must look up nothing while it reads (a lookup would wait for a
// second connection forever; with a few sheets at once, on any pool).
func TestProcessingSheetWithOneConnection(t *testing.T) {
	eachStoreWith(t, store.Options{MaxOpenConns: 1}, Options{}, func(t *testing.T, e *env) {
		e.seedS1(t)
		done := make(chan *httptest.ResponseRecorder, 1)
		go func() {
			done <- e.as(e.viewerA, http.MethodGet, "/api/v1/units/"+e.instA.ID+"/processing.xlsx?from=2026-01-01&to=2026-12-31", "")
		}()
		select {
		case rec := <-done:
			wantStatus(t, rec, http.StatusOK)
			if n := footRow(t, sheetRows(t, rec.Body.Bytes()), "Jumlah responden")[3]; n == "" || n == "0" {
				t.Errorf("sheet respondents = %q, want the seeded ones", n)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the processing sheet did not finish in 30 s with one connection: it waits for a second one")
		}
	})
}
