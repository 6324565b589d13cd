package load_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"suara/api"
	"suara/domain"
	"suara/load"
	"suara/store"
	"suara/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.Cleanup()
	os.Exit(code)
}

// world is a small institution with one survey, served over real HTTP on
// loopback.
type world struct {
	st   *store.Store
	url  string
	slug string
}

func newWorld(t *testing.T, dialect string) *world {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, dialect, store.Options{})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	root := domain.Unit{Name: "Pemerintah Kota Uji", Code: "KOTA-UJI", TimeZone: "Asia/Jakarta"}
	must(st.CreateUnit(ctx, &root))
	child := domain.Unit{Name: "Puskesmas Uji", Code: "PKM-UJI", TimeZone: "Asia/Jakarta", ParentID: &root.ID}
	must(st.CreateUnit(ctx, &child))
	for _, s := range []domain.Service{{UnitID: root.ID, Name: "Informasi", Code: "INFO"}, {UnitID: child.ID, Name: "Poli Umum", Code: "POLI"}} {
		must(st.CreateService(ctx, &s))
	}
	ts, err := st.FindTemplates(ctx)
	must(err)
	var version string
	for _, tm := range ts {
		if tm.BuiltIn {
			version = tm.LatestVersionID
		}
	}
	now := time.Now()
	sv := domain.Survey{UnitID: root.ID, TemplateVersionID: version, Title: "SKM Uji", Population: 1000,
		StartsOn: now.AddDate(0, 0, -30).Format(domain.DateLayout), EndsOn: now.AddDate(0, 0, 30).Format(domain.DateLayout)}
	must(st.CreateSurvey(ctx, &sv))
	srv := httptest.NewServer(api.New(st, api.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	return &world{st: st, url: srv.URL, slug: sv.Slug}
}

// TestRunAndVerify runs a small load with replays through the real HTTP
// server, verifies the database, and then breaks the database on purpose
// twice: the verification must name the tampered rollup row and the
// deleted response's client id.
func TestRunAndVerify(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t, d)
			var progress strings.Builder
			res, err := load.Run(ctx, load.Config{BaseURL: w.url, Slugs: []string{w.slug}, Concurrency: 4, Requests: 40,
				ReplayFraction: 0.25, Seed: 7, Progress: &progress, ProgressEvery: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			acked := res.Acknowledged()
			if len(res.Acks) != 40 || len(acked) != 40 || res.Created != 40 {
				t.Fatalf("sent %d, acknowledged %d, created %d; want 40 each; statuses %v", len(res.Acks), len(acked), res.Created, res.ByStatus)
			}
			if res.Replays == 0 || res.ReplayBad != 0 {
				t.Errorf("replays %d, answered wrongly %d; want some, none wrong", res.Replays, res.ReplayBad)
			}
			if res.ByStatus[200] != res.Replays || res.ByStatus[201] != 40 {
				t.Errorf("statuses %v; want 201×40 and 200×%d", res.ByStatus, res.Replays)
			}
			if len(res.Latencies) != res.Requests || load.Percentile(res.Latencies, 99) <= 0 {
				t.Errorf("%d latencies for %d requests", len(res.Latencies), res.Requests)
			}
			if len(res.ReplayLatencies) != res.Replays || load.Percentile(res.ReplayLatencies, 50) <= 0 {
				t.Errorf("%d replay latencies for %d replays", len(res.ReplayLatencies), res.Replays)
			}
			var summary strings.Builder
			res.Print(&summary)
			if !strings.Contains(summary.String(), "\nlatency/replay   p50 ") {
				t.Errorf("the summary has no line of the replays' latency:\n%s", summary.String())
			}
			if !strings.HasPrefix(progress.String(), "progress ") || !strings.Contains(progress.String(), " new/s ") {
				t.Errorf("progress lines %q; want one per millisecond of the run", progress.String())
			}

			// The verification reads the acknowledgements back from the file.
			ackFile := filepath.Join(t.TempDir(), "acks.tsv")
			if err := load.WriteAcks(ackFile, res.Acks); err != nil {
				t.Fatal(err)
			}
			acks, err := load.ReadAcks(ackFile)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := load.Verify(ctx, w.st, acks)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() || rep.Acknowledged != 40 || rep.RollupRows == 0 {
				t.Fatalf("clean run: %s", rep)
			}

			// A rollup row off by one, once the deltas are folded into it.
			if err := w.st.CompactRollups(ctx); err != nil {
				t.Fatal(err)
			}
			db := w.st.DB()
			if err := db.Exec(`UPDATE rollup_subtrees SET n = n + 1 WHERE element = '' AND subtree_id IN (SELECT subtree_id FROM rollup_subtrees WHERE element = '' ORDER BY subtree_id, day LIMIT 1)`).Error; err != nil {
				t.Fatal(err)
			}
			rep, err = load.Verify(ctx, w.st, acks)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() || !strings.Contains(rep.String(), "rollup subtree=") {
				t.Fatalf("tampered rollup not reported:\n%s", rep)
			}
			if err := db.Exec(`UPDATE rollup_subtrees SET n = n - 1 WHERE element = '' AND subtree_id IN (SELECT subtree_id FROM rollup_subtrees WHERE element = '' ORDER BY subtree_id, day LIMIT 1)`).Error; err != nil {
				t.Fatal(err)
			}
			if rep, err = load.Verify(ctx, w.st, acks); err != nil || !rep.OK() {
				t.Fatalf("after undoing the tampering: %v\n%s", err, rep)
			}

			// An answer list that lost an answer; then one left NULL, as a
			// server older than the column writes it: read from the rows.
			short := acked[5]
			if err := db.Exec(`UPDATE responses SET answer_list = 'U1:4' WHERE id = ?`, short.ResponseID).Error; err != nil {
				t.Fatal(err)
			}
			rep, err = load.Verify(ctx, w.st, acks)
			if err != nil {
				t.Fatal(err)
			}
			if want := "has 1 answers in its answer list"; rep.OK() || !strings.Contains(rep.String(), want) {
				t.Fatalf("a shortened answer list not reported (%q):\n%s", want, rep)
			}
			if err := db.Exec(`UPDATE responses SET answer_list = NULL WHERE id = ?`, short.ResponseID).Error; err != nil {
				t.Fatal(err)
			}
			if rep, err = load.Verify(ctx, w.st, acks); err != nil || !rep.OK() {
				t.Fatalf("with an answer list left NULL: %v\n%s", err, rep)
			}

			// An acknowledged response deleted behind the rollups' back.
			victim := acked[17]
			if err := db.Exec(`DELETE FROM answers WHERE response_id = ?`, victim.ResponseID).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.Exec(`DELETE FROM responses WHERE id = ?`, victim.ResponseID).Error; err != nil {
				t.Fatal(err)
			}
			rep, err = load.Verify(ctx, w.st, acks)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() || len(rep.MissingClients) != 1 || rep.MissingClients[0] != victim.ClientID ||
				!strings.Contains(rep.String(), "client_id "+victim.ClientID+" was acknowledged") {
				t.Fatalf("deleted response of %s not reported:\n%s", victim.ClientID, rep)
			}
			if !strings.Contains(rep.String(), "rollup ") {
				t.Errorf("the deleted response's rollups were not reported as off:\n%s", rep)
			}
		})
	}
}

// TestRunStaysOnLoopback refuses a target that is not this machine.
func TestRunStaysOnLoopback(t *testing.T) {
	_, err := load.Run(context.Background(), load.Config{BaseURL: "http://192.0.2.1:8080", Slugs: []string{"x"}, Requests: 1})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("err = %v, want a refusal of a non-loopback address", err)
	}
}
