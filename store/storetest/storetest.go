// Package storetest opens real databases for tests: a fresh SQLite file
// always, and a fresh PostgreSQL database cloned from a migrated template
// when SUARA_TEST_DATABASE_URL is set. With SUARA_TEST_REQUIRE_POSTGRES=1
// (CI) a missing PostgreSQL fails the tests instead of skipping them.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"suara/store"
)

// Dialects returns the dialects a test runs on: SQLite always, PostgreSQL
// when configured.
func Dialects(t testing.TB) []string {
	t.Helper()
	if os.Getenv("SUARA_TEST_DATABASE_URL") != "" {
		return []string{store.SQLite, store.Postgres}
	}
	if os.Getenv("SUARA_TEST_REQUIRE_POSTGRES") == "1" {
		t.Fatal("SUARA_TEST_REQUIRE_POSTGRES=1 but SUARA_TEST_DATABASE_URL is not set")
	}
	return []string{store.SQLite}
}

// Each runs fn as a subtest on every dialect with a fresh migrated store.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	for _, d := range Dialects(t) {
		t.Run(d, func(t *testing.T) { fn(t, Open(t, d, store.Options{})) })
	}
}

// Open returns a fresh, migrated store of the given dialect, closed and
// removed when the test ends.
func Open(t testing.TB, dialect string, opts store.Options) *store.Store {
	t.Helper()
	dsn := DSN(t, dialect)
	s, err := store.Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatalf("store.Open(%s): %v", dialect, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

// DSN returns the address of a fresh, empty-but-migratable database: a
// new SQLite file, or a new PostgreSQL database cloned from a template
// that was migrated once per test binary. Without SUARA_TEST_DATABASE_URL
// a PostgreSQL test is skipped, or fails under
// SUARA_TEST_REQUIRE_POSTGRES=1 (CI).
func DSN(t testing.TB, dialect string) string {
	t.Helper()
	if dialect == store.SQLite {
		// Not t.TempDir: a repeated subtest name puts '#' in that path,
		// which would end the file name inside a SQLite DSN.
		dir, err := os.MkdirTemp("", "suara-test-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		return dir + "/suara.db"
	}
	if !slices.Contains(Dialects(t), store.Postgres) {
		t.Skip("needs PostgreSQL (SUARA_TEST_DATABASE_URL)")
	}
	base := os.Getenv("SUARA_TEST_DATABASE_URL")
	name := "t_" + randomHex(8)
	admin := adminDB(t, base)
	tmplOnce.Do(func() { tmplErr = makeTemplate(admin, base) })
	if tmplErr != nil {
		t.Fatalf("template database: %v", tmplErr)
	}
	// PostgreSQL refuses to clone a template that another session is
	// using, so clones are made one at a time.
	cloneMu.Lock()
	err := admin.Exec(fmt.Sprintf(`CREATE DATABASE %q TEMPLATE %q`, name, templateName)).Error
	cloneMu.Unlock()
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() { admin.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name)) })
	return withDatabase(base, name)
}

var (
	tmplOnce     sync.Once
	tmplErr      error
	cloneMu      sync.Mutex
	templateName = "suara_tmpl_" + randomHex(6)
	adminOnce    sync.Once
	adminConn    *gorm.DB
	adminErr     error
)

func adminDB(t testing.TB, base string) *gorm.DB {
	adminOnce.Do(func() {
		adminConn, adminErr = gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	})
	if adminErr != nil {
		t.Fatalf("connect to %s: %v", redact(base), adminErr)
	}
	return adminConn
}

func makeTemplate(admin *gorm.DB, base string) error {
	if err := admin.Exec(fmt.Sprintf(`CREATE DATABASE %q`, templateName)).Error; err != nil {
		return err
	}
	s, err := store.Open(context.Background(), withDatabase(base, templateName), store.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Migrate(context.Background())
}

// Cleanup drops the template database; call it from TestMain after m.Run.
func Cleanup() {
	if adminConn != nil && tmplErr == nil {
		adminConn.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, templateName))
	}
}

func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(invalid url)"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}
