package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"suara/domain"
	"suara/store"
	"suara/store/storetest"
	"suara/survey"
)

// needPostgres returns the test server's URL, skipping without one
// (failing in CI, where SUARA_TEST_REQUIRE_POSTGRES=1).
func needPostgres(t *testing.T) string {
	t.Helper()
	base := os.Getenv("SUARA_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("SUARA_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatal("SUARA_TEST_REQUIRE_POSTGRES=1 but SUARA_TEST_DATABASE_URL is not set")
		}
		t.Skip("SUARA_TEST_DATABASE_URL not set")
	}
	for _, tool := range []string{"psql", "pg_dump", "pg_restore", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			if inCI() {
				t.Fatalf("%s is not installed; .ci/run installs postgresql-client", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	return base
}

// withDB returns base with its database replaced.
func withDB(t *testing.T, base, name string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func psql(t *testing.T, dsn, sql string) string {
	t.Helper()
	out, err := exec.Command("psql", dsn, "-XAtqv", "ON_ERROR_STOP=1", "-c", sql).CombinedOutput()
	if err != nil {
		t.Fatalf("psql %q: %v\n%s", sql, err, out)
	}
	return strings.TrimSpace(string(out))
}

// script runs one of deploy/backup's scripts with bash.
func script(name string, env []string, args ...string) (string, error) {
	cmd := exec.Command("bash", append([]string{filepath.Join("backup", name)}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// seeded is what the backup test puts in the source database.
type seeded struct {
	units    []domain.Unit
	surveys  []domain.Survey
	services []domain.Service
	clientID string // one stored response's idempotency key
}

// seed makes two institutions (one with a child unit), services, two
// surveys and 600 responses spread over days, units, services and
// answers, with the real rollups.
func seed(t *testing.T, s *store.Store) seeded {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var d seeded
	root := domain.Unit{Name: "Pemerintah Kota Contoh", Code: "KOTA", TimeZone: "Asia/Jakarta"}
	must(s.CreateUnit(ctx, &root))
	child := domain.Unit{Name: "Puskesmas Melati", Code: "PKM-1", TimeZone: "Asia/Jakarta", ParentID: &root.ID}
	must(s.CreateUnit(ctx, &child))
	other := domain.Unit{Name: "Pemerintah Kabupaten Lain", Code: "KAB", TimeZone: "Asia/Makassar"}
	must(s.CreateUnit(ctx, &other))
	d.units = []domain.Unit{root, child, other}
	for _, u := range d.units {
		svc := domain.Service{UnitID: u.ID, Name: "Layanan " + u.Code, Code: "L-" + u.Code}
		must(s.CreateService(ctx, &svc))
		d.services = append(d.services, svc)
	}
	tmpls, err := s.FindTemplates(ctx)
	must(err)
	var version domain.TemplateVersion
	for _, tm := range tmpls {
		if tm.Code == "permenpanrb-14-2017" {
			version, err = s.FindTemplateVersion(ctx, tm.LatestVersionID)
			must(err)
		}
	}
	if version.ID == "" {
		t.Fatal("no built-in template")
	}
	for _, u := range []domain.Unit{root, other} {
		sv := domain.Survey{UnitID: u.ID, TemplateVersionID: version.ID, Title: "SKM 2026 " + u.Code,
			StartsOn: "2026-01-01", EndsOn: "2026-12-31", Population: 5000}
		must(s.CreateSurvey(ctx, &sv))
		d.surveys = append(d.surveys, sv)
	}
	elementOf := map[string]string{}
	for _, q := range version.ElementQuestions() {
		elementOf[q.Code] = q.Element
	}
	b := s.NewBulk()
	for i := range 600 {
		ui := i % 3 // root, child (under root's survey), other
		u, sv, svc := d.units[ui], d.surveys[0], d.services[ui]
		if ui == 2 {
			sv = d.surveys[1]
		}
		answers := map[string]int{}
		for e := 1; e <= 9; e++ {
			// Deterministic, uneven answers, so the units' indices differ;
			// every 7th response skips U9 (per-element denominators).
			if e == 9 && i%7 == 0 {
				continue
			}
			answers[fmt.Sprintf("U%d", e)] = 1 + (i*e+ui*3+e*e)%4
		}
		day := time.Date(2026, time.Month(1+i%6), 1+i%28, 10, 0, 0, 0, time.UTC)
		svcID := svc.ID
		clientID := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		if i == 0 {
			d.clientID = clientID
		}
		must(b.Add(ctx, &store.Submission{
			Response: domain.Response{ClientID: clientID, SurveyID: sv.ID, UnitID: u.ID, InstitutionID: u.InstitutionID,
				ServiceID: &svcID, TemplateVersionID: version.ID, Day: day.Format(time.DateOnly), CapturedAt: day,
				Answers: answers, Profile: map[string]string{"gender": []string{"male", "female"}[i%2]},
				Comment: fmt.Sprintf("Komentar %d", i)},
			UnitPath: u.Path, ElementOf: elementOf,
		}))
	}
	must(b.Close(ctx))
	return d
}

// indices is what a manager sees: the IKM of every unit's subtree, of
// each survey and of each service over the year, with its grade.
func indices(t *testing.T, s *store.Store, d seeded) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	year := store.CountQuery{From: "2026-01-01", To: "2026-12-31"}
	add := func(key string, u domain.Unit, q store.CountQuery) {
		t.Helper()
		c, err := s.SubtreeCounts(ctx, u, q)
		if err != nil {
			t.Fatal(err)
		}
		r := survey.Compute(survey.SKM(), c)
		out[key] = fmt.Sprintf("n=%d IKM=%s grade=%s", r.Respondents, r.IKMExact, r.Grade)
	}
	for i, u := range d.units {
		add("unit "+u.Code, u, year)
		q := year
		q.ServiceID = d.services[i].ID
		add("service "+d.services[i].Code, u, q)
	}
	for _, u := range d.units {
		for _, sv := range d.surveys {
			if sv.UnitID == u.InstitutionID {
				q := year
				q.SurveyID = sv.ID
				add("survey "+sv.Title+" in "+u.Code, u, q)
			}
		}
	}
	return out
}

// TestBackupRestore seeds a database, backs it up with backup.sh,
// restores the dump into a fresh database with restore.sh, opens the
// store there and gets the same indices, rollups and responses.
func TestBackupRestore(t *testing.T) {
	base := needPostgres(t)
	ctx := context.Background()

	srcDSN := storetest.DSN(t, store.Postgres)
	src, err := store.Open(ctx, srcDSN, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := src.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	d := seed(t, src)
	want := indices(t, src, d)
	wantRollups, err := src.RollupSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantN, err := src.CountResponses(ctx)
	if err != nil || wantN != 600 {
		t.Fatalf("seeded %d responses (%v), want 600", wantN, err)
	}
	for k, v := range want {
		if !strings.Contains(v, "n=") || strings.Contains(v, "n=0 ") {
			t.Fatalf("seed gave %s no responses: %s", k, v)
		}
	}

	// Back up.
	dump := filepath.Join(t.TempDir(), "suara.dump")
	if out, err := script("backup.sh", []string{"SUARA_DATABASE_URL=" + srcDSN}, dump); err != nil {
		t.Fatalf("backup.sh: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(dump); err != nil || !strings.HasPrefix(string(b), "PGDMP") {
		t.Fatalf("%s is not a custom-format dump (%v)", dump, err)
	}
	if _, err := os.Stat(dump + ".sha256"); err != nil {
		t.Errorf("no checksum beside the dump: %v", err)
	}
	if _, err := os.Stat(dump + ".partial"); !os.IsNotExist(err) {
		t.Errorf("backup.sh left %s.partial behind", dump)
	}

	// The scripts refuse what would hurt: a live target, a bad URL.
	if out, err := script("restore.sh", nil, dump, srcDSN); err == nil || !strings.Contains(out, "fresh one") {
		t.Errorf("restore.sh into a database with tables: err %v, output %q; want a refusal", err, out)
	}
	if out, err := script("backup.sh", []string{"SUARA_DATABASE_URL=./data/suara.db"}); err == nil || !strings.Contains(out, "postgres://") {
		t.Errorf("backup.sh of a SQLite path: err %v, output %q; want a refusal", err, out)
	}

	// Restore into a fresh, empty database.
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "suara_restore_" + hex.EncodeToString(b)
	psql(t, base, `CREATE DATABASE `+name)
	t.Cleanup(func() { psql(t, base, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
	dstDSN := withDB(t, base, name)
	if out, err := script("restore.sh", nil, dump, dstDSN); err != nil {
		t.Fatalf("restore.sh: %v\n%s", err, out)
	}

	dst, err := store.Open(ctx, dstDSN, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if n, err := dst.Pending(ctx); err != nil || n != 0 {
		t.Errorf("restored database has %d pending migrations (%v), want 0", n, err)
	}
	if n, err := dst.CountResponses(ctx); err != nil || n != wantN {
		t.Errorf("restored %d responses (%v), want %d", n, err, wantN)
	}
	if diff := cmp.Diff(want, indices(t, dst, d)); diff != "" {
		t.Errorf("indices after restore (-before +after):\n%s", diff)
	}
	gotRollups, err := dst.RollupSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantRollups, gotRollups); diff != "" {
		t.Errorf("rollups after restore (-before +after):\n%s", diff)
	}
	stored, recount, err := dst.RecountRollups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(recount, stored); diff != "" {
		t.Errorf("restored rollups differ from a recount of the restored responses:\n%s", diff)
	}

	// The restored database takes new answers, and its unique keys came
	// back: a replayed client id is not stored twice.
	u := d.units[0]
	svcID := d.services[0].ID
	now := time.Date(2026, 6, 30, 9, 0, 0, 0, time.UTC)
	sub := func(clientID string) *store.Submission {
		return &store.Submission{Response: domain.Response{ClientID: clientID, SurveyID: d.surveys[0].ID,
			UnitID: u.ID, InstitutionID: u.InstitutionID, ServiceID: &svcID,
			TemplateVersionID: d.surveys[0].TemplateVersionID, Day: "2026-06-30", CapturedAt: now, ReceivedAt: now,
			Answers: map[string]int{"U1": 4}}, UnitPath: u.Path}
	}
	if _, created, err := dst.Submit(ctx, sub("11111111-1111-4111-8111-111111111111")); err != nil || !created {
		t.Errorf("new response on the restored database: created %v, %v", created, err)
	}
	if _, created, err := dst.Submit(ctx, sub(d.clientID)); err != nil || created {
		t.Errorf("replayed client id on the restored database: created %v, %v; want the stored one", created, err)
	}
}
