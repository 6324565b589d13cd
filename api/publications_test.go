package api

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"suara/survey"
)

func TestPublications(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		a1 := e.unitA1.ID
		for i := 0; i < 6; i++ {
			a := withAnswer(4, "U3", 1+i%3)
			a["U8"] = 3
			e.submitTo(i, a1, a, nil)
		}
		wantStatus(t, e.as(e.managerA, http.MethodPost, "/api/v1/units/"+a1+"/followups",
			`{"element":"U3","activity":"Menambah loket pada jam sibuk","due":"2026-09-30"}`), http.StatusCreated)
		const q2 = `{"from":"2026-04-01","to":"2026-06-30"}`
		live := decodeJSON[ikmJSON](t, e.as(e.managerA, http.MethodGet, "/api/v1/units/"+a1+"/ikm?from=2026-04-01&to=2026-06-30", ""))

		// Publish the second quarter: the frozen numbers are the index's.
		base := "/api/v1/units/" + a1 + "/publications"
		rec := e.as(e.managerA, http.MethodPost, base, q2)
		wantStatus(t, rec, http.StatusCreated)
		pub := decodeJSON[publicationJSON](t, rec)
		if pub.IKM == nil || *pub.IKM != *live.IKM || *pub.Grade != *live.Grade || pub.Respondents != 6 || pub.From != "2026-04-01" || pub.To != "2026-06-30" {
			t.Fatalf("publication = %+v, live index %v", pub, *live.IKM)
		}
		if n := e.auditCount("publication.create", pub.ID); n != 1 {
			t.Errorf("publication.create audit entries = %d", n)
		}
		// Once per period.
		rec = e.as(e.managerA1, http.MethodPost, base, q2)
		wantStatus(t, rec, http.StatusConflict)
		if p := problem(t, rec); p.Code != "period_published" || !strings.Contains(p.Detail, "sudah dipublikasikan") {
			t.Errorf("409 problem = %+v", p)
		}
		// Scope and bad input.
		wantStatus(t, e.as(e.viewerA, http.MethodPost, base, `{"from":"2026-01-01","to":"2026-03-31"}`), http.StatusForbidden)
		wantStatus(t, e.as(e.managerB, http.MethodPost, base, `{"from":"2026-01-01","to":"2026-03-31"}`), http.StatusNotFound)
		wantStatus(t, e.as(e.managerB, http.MethodGet, base, ""), http.StatusNotFound)
		for body, fields := range map[string][]string{
			`{"from":"2026-04-31","to":"x"}`:                {"from", "to"},
			`{"to":"2026-03-31"}`:                           {"from"},
			`{"from":"2026-06-01","to":"2026-01-01"}`:       {"to"},
			`{"from":"2025-01-01","to":"2025-12-31"}`:       {"to"}, // no answers
			`{"from":"2026-01-01","to":"2026-03-31","x":1}`: {"x"},
		} {
			rec := e.as(e.managerA, http.MethodPost, base, body)
			wantStatus(t, rec, http.StatusUnprocessableEntity)
			if diff := cmp.Diff(sortedCopy(fields), sortedCopy(problemFields(t, rec))); diff != "" {
				t.Errorf("%s: fields (-want +got):\n%s", body, diff)
			}
		}
		wantStatus(t, e.as(e.managerA, http.MethodPost, base, `{"from":`), http.StatusBadRequest)
		list := decodeJSON[listJSON[publicationJSON]](t, e.as(e.viewerA, http.MethodGet, base, ""))
		if len(list.Items) != 1 || list.Items[0].ID != pub.ID {
			t.Errorf("list = %+v", list)
		}

		// The public index is the publication's, with the follow-up.
		publicPath := "/api/v1/public/units/" + a1 + "/ikm"
		got := decodeJSON[publicIKMJSON](t, e.do(http.MethodGet, publicPath, ""))
		if !got.Published || got.PublicationID == nil || *got.PublicationID != pub.ID || got.PublishedAt == nil ||
			*got.IKM != *live.IKM || got.From != "2026-04-01" || got.LateResponses != 0 || got.UnitName != e.unitA1.Name {
			t.Errorf("public index = %+v", got)
		}
		if len(got.FollowUps) != 1 || got.FollowUps[0].Activity != "Menambah loket pada jam sibuk" || got.FollowUps[0].Status != "planned" {
			t.Errorf("public follow-ups = %+v", got.FollowUps)
		}
		// A late answer for the period (the answers came two hours ago, the
		// publication one hour ago):
		// listed as a correction, the frozen number stays.
		for _, stmt := range []string{"UPDATE responses SET received_at = ?", "UPDATE publications SET published_at = ?"} {
			back := 2 * time.Hour
			if strings.HasPrefix(stmt, "UPDATE publications") {
				back = time.Hour
			}
			if err := e.st.DB().Exec(stmt, testNow.Add(-back)).Error; err != nil {
				t.Fatal(err)
			}
		}
		e.submitTo(50, a1, allAnswers(1), map[string]any{"captured_at": "2026-06-14T10:00:00+07:00"})
		after := decodeJSON[publicIKMJSON](t, e.do(http.MethodGet, publicPath, ""))
		if after.LateResponses != 1 || *after.IKM != *live.IKM || after.Respondents != 6 {
			t.Errorf("after a late answer: late %d ikm %v respondents %d", after.LateResponses, *after.IKM, after.Respondents)
		}
		now := decodeJSON[ikmJSON](t, e.as(e.managerA, http.MethodGet, "/api/v1/units/"+a1+"/ikm?from=2026-04-01&to=2026-06-30", ""))
		if *now.IKM == *live.IKM || now.Respondents != 7 {
			t.Errorf("the live index did not move: %v", *now.IKM)
		}
		en := decodeJSON[publicIKMJSON](t, e.do(http.MethodGet, publicPath, "", header("Accept-Language", "en")))
		if en.Elements[2].Name != "Completion time" || *en.IKM != *live.IKM {
			t.Errorf("English public index = %+v", en.Elements[2])
		}
		// A unit that never published keeps the live current-year index.
		unpub := decodeJSON[publicIKMJSON](t, e.do(http.MethodGet, "/api/v1/public/units/"+e.instB.ID+"/ikm", ""))
		if unpub.Published || unpub.PublicationID != nil || unpub.From != "2026-01-01" || unpub.To != "2026-12-31" {
			t.Errorf("unpublished public index = %+v", unpub)
		}
		publist := decodeJSON[listJSON[publicationJSON]](t, e.do(http.MethodGet, "/api/v1/public/units/"+a1+"/publications", ""))
		if len(publist.Items) != 1 || *publist.Items[0].IKM != *live.IKM {
			t.Errorf("public publications = %+v", publist)
		}
		wantStatus(t, e.do(http.MethodGet, "/api/v1/public/units/00000000-0000-4000-8000-000000000000/publications", ""), http.StatusNotFound)

		// Open data: the IKM recomputed from counts.json with the survey package is the published one.
		open := "/api/v1/public/units/" + a1 + "/publications/" + pub.ID
		od := decodeJSON[openDataJSON](t, e.do(http.MethodGet, open+"/counts.json", ""))
		counts := survey.NewCounts()
		for _, r := range od.Counts.Elements {
			counts.Add(r.ElementID, survey.Score{Num: r.ScoreNum, Den: r.ScoreDen}, r.Respondents)
		}
		counts.AddRespondents(od.Counts.Respondents, 0, 0)
		def := survey.SKM()
		if def.Code != od.Method.Definition || od.Method.Conversion != 25 || od.Method.Weight != "exact" || len(od.Method.Elements) != 9 || len(od.Method.Bands) != 4 {
			t.Errorf("manifest = %+v", od.Method)
		}
		re := survey.Compute(def, counts)
		if re.IKM != *pub.IKM || re.Grade != *pub.Grade || od.IKM == nil || *od.IKM != *pub.IKM || re.Respondents != 6 {
			t.Errorf("recomputed IKM %v %s, published %v %s", re.IKM, re.Grade, *pub.IKM, *pub.Grade)
		}
		rec = e.do(http.MethodGet, open+"/counts.csv", "")
		wantStatus(t, rec, http.StatusOK)
		rows, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"unit_id", "from", "to", "element", "element_id", "score_num", "score_den", "respondents"}, rows[0]); diff != "" {
			t.Errorf("CSV header (-want +got):\n%s", diff)
		}
		var u3 int64
		for _, r := range rows[1:] {
			if r[3] == "U3" {
				n, _ := strconv.ParseInt(r[7], 10, 64)
				u3 += n
			}
		}
		if len(rows)-1 != len(od.Counts.Elements) || u3 != 6 {
			t.Errorf("CSV has %d rows (JSON %d), U3 respondents %d", len(rows)-1, len(od.Counts.Elements), u3)
		}
		wantStatus(t, e.do(http.MethodGet, "/api/v1/public/units/"+e.instA.ID+"/publications/"+pub.ID+"/counts.json", ""), http.StatusNotFound)
		wantStatus(t, e.do(http.MethodGet, "/api/v1/public/units/"+a1+"/publications/nope/counts.csv", ""), http.StatusNotFound)
	})
}

func TestAuditLog(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		wantStatus(t, e.as(e.managerA, http.MethodPost, "/api/v1/units/"+e.instA.ID+"/followups",
			`{"element":"U3","activity":"Menambah loket","due":"2026-09-30"}`), http.StatusCreated)
		wantStatus(t, e.as(e.admin, http.MethodPost, "/api/v1/units", `{"name":"Dinas Baru","code":"DIN-BARU","timezone":"Asia/Jakarta"}`), http.StatusCreated)
		list := func(query string) listJSON[auditEntryJSON] {
			t.Helper()
			rec := e.as(e.admin, http.MethodGet, "/api/v1/audit"+query, "")
			wantStatus(t, rec, http.StatusOK)
			return decodeJSON[listJSON[auditEntryJSON]](t, rec)
		}
		all := list("")
		if len(all.Items) < 2 || all.Items[0].Entity != "unit" || all.Items[1].Entity != "followup" {
			t.Fatalf("entries = %+v", all.Items)
		}
		fu := list("?entity=followup").Items
		if len(fu) != 1 || fu[0].Action != "followup.create" || fu[0].ActorEmail == nil || *fu[0].ActorEmail != "manager@a.go.id" ||
			string(fu[0].Before) != "null" || !strings.Contains(string(fu[0].After), "Menambah loket") {
			t.Errorf("follow-up entry = %+v", fu)
		}
		if got := list("?actor=" + e.managerAID).Items; len(got) != 1 || got[0].EntityID != fu[0].EntityID {
			t.Errorf("by actor = %+v", got)
		}
		if got := list("?entity_id=" + fu[0].EntityID + "&from=2026-06-15&to=2026-06-15").Items; len(got) != 1 {
			t.Errorf("by entity and day = %+v", got)
		}
		if got := list("?from=2026-06-16").Items; len(got) != 0 {
			t.Errorf("from tomorrow = %+v", got)
		}
		p1 := list("?limit=1")
		if len(p1.Items) != 1 || p1.NextCursor == "" {
			t.Fatalf("page 1 = %+v", p1)
		}
		if p2 := list("?limit=1&cursor=" + p1.NextCursor); len(p2.Items) != 1 || p2.Items[0].ID == p1.Items[0].ID {
			t.Errorf("page 2 = %+v", p2)
		}
		wantStatus(t, e.as(e.managerA, http.MethodGet, "/api/v1/audit", ""), http.StatusForbidden)
		wantStatus(t, e.as(e.viewerA, http.MethodGet, "/api/v1/audit", ""), http.StatusForbidden)
		wantStatus(t, e.do(http.MethodGet, "/api/v1/audit", ""), http.StatusUnauthorized)
		rec := e.as(e.admin, http.MethodGet, "/api/v1/audit?entity=a%20b&actor=x&entity_id=y&from=2026-02-30&to=z&cursor=bm9wZQ", "")
		wantStatus(t, rec, http.StatusUnprocessableEntity)
		if diff := cmp.Diff([]string{"actor", "cursor", "entity", "entity_id", "from", "to"}, sortedCopy(problemFields(t, rec))); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		rec = e.as(e.admin, http.MethodGet, "/api/v1/audit?from=2026-06-15&to=2026-06-01", "")
		wantStatus(t, rec, http.StatusUnprocessableEntity)
	})
}
