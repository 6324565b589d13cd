// Package store keeps Suara's data in PostgreSQL or in an embedded SQLite
// file through GORM: versioned migrations, queries, the rollup tables and
// the group-commit writer of the submission path. It is the only package
// that knows SQL.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"suara/domain"
)

// Dialects.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Options tune Open. The zero value is fine.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time // the clock; tests fix it
	// MaxOpenConns bounds the PostgreSQL pool (default 20).
	MaxOpenConns int
	// StatementTimeout bounds every PostgreSQL statement (default 10 s) so
	// that a stuck query cannot hold a request forever.
	StatementTimeout time.Duration
	// ConnectTimeout bounds opening a PostgreSQL connection (default 3 s):
	// an unreachable server fails a request fast instead of holding it
	// until the kernel gives up on the TCP handshake.
	ConnectTimeout time.Duration
	// Writer tunes the group-commit writer.
	Writer WriterOptions
}

// Store is the handle to the database. Its methods are safe for concurrent use.
type Store struct {
	db      *gorm.DB
	dialect string
	now     func() time.Time
	log     *slog.Logger
	writer  *Writer // nil inside a transaction
	// exportBatch is how many responses EachResponse reads at a time.
	exportBatch int
	// recent is the writer's memory of client ids (nil on SQLite), which
	// a transaction's Store keeps too, to drop what it deletes.
	recent *recentClients
	// afterCommit, inside a transaction, holds what runs once the
	// outermost transaction has committed (onCommit).
	afterCommit *[]func()
}

// IsPostgresURL reports whether dsn selects PostgreSQL.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// slowQuery is the duration past which a statement is logged as slow.
const slowQuery = 500 * time.Millisecond

// Open connects to the database that dsn names: a postgres:// or
// postgresql:// URL selects PostgreSQL, anything else is a SQLite file path
// (its directory is created). It does not migrate.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	now := func() time.Time { return opts.Now().UTC() }
	cfg := &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		NowFunc:                now,
		Logger: quietTrace{Interface: logger.NewSlogLogger(opts.Logger, logger.Config{
			SlowThreshold:             slowQuery,
			IgnoreRecordNotFoundError: true,
			LogLevel:                  logger.Warn,
		}), slow: slowQuery},
	}
	s := &Store{now: now, log: opts.Logger, exportBatch: defaultExportBatch}
	var err error
	if IsPostgresURL(dsn) {
		s.dialect = Postgres
		timeout := opts.StatementTimeout
		if timeout == 0 {
			timeout = 10 * time.Second
		}
		connect := opts.ConnectTimeout
		if connect == 0 {
			connect = 3 * time.Second
		}
		s.db, err = gorm.Open(postgres.New(postgres.Config{DSN: withPGOptions(dsn, timeout, connect)}), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, _ := s.db.DB()
		maxConns := opts.MaxOpenConns
		if maxConns == 0 {
			maxConns = 20
		}
		sqlDB.SetMaxOpenConns(maxConns)
		sqlDB.SetMaxIdleConns(maxConns)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		s.dialect = SQLite
		path := strings.TrimPrefix(dsn, "file:")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
		// WAL lets readers run beside the writer; busy_timeout makes a
		// second writer wait instead of failing with "database is locked";
		// SQLite does not check foreign keys unless asked to.
		sqliteDSN := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
			"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		s.db, err = gorm.Open(sqlite.Open(sqliteDSN), cfg)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		sqlDB, _ := s.db.DB()
		// WAL lets readers run beside the one writer. Transactions begin
		// IMMEDIATE, so a second writer waits for the lock (busy_timeout)
		// at BEGIN instead of failing on a lock upgrade; submissions all
		// go through the single group-commit writer anyway.
		sqlDB.SetMaxOpenConns(4)
		sqlDB.SetMaxIdleConns(4)
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.writer = newWriter(s, opts.Writer)
	s.recent = s.writer.recent
	return s, nil
}

// withPGOptions adds a statement timeout, a connect timeout and an
// application name to a PostgreSQL URL unless the URL sets them.
func withPGOptions(dsn string, timeout, connect time.Duration) string {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	if !strings.Contains(dsn, "statement_timeout") {
		dsn += fmt.Sprintf("%sstatement_timeout=%d", sep, timeout.Milliseconds())
		sep = "&"
	}
	if !strings.Contains(dsn, "connect_timeout") {
		// connect_timeout is whole seconds.
		dsn += fmt.Sprintf("%sconnect_timeout=%d", sep, max(2, int(connect.Round(time.Second).Seconds())))
		sep = "&"
	}
	if !strings.Contains(dsn, "jit=") {
		// Suara's queries are short: compiling one with JIT costs more
		// than it saves (0.4 s of a 1.1 s read, measured in docs/performance.md).
		dsn += sep + "jit=off"
		sep = "&"
	}
	if !strings.Contains(dsn, "application_name") {
		dsn += sep + "application_name=suara"
	}
	return dsn
}

// Dialect returns Postgres or SQLite.
func (s *Store) Dialect() string { return s.dialect }

// Now returns the store's clock reading in UTC.
func (s *Store) Now() time.Time { return s.now() }

// Close stops the writer and closes the database.
func (s *Store) Close() error {
	if s.writer != nil {
		s.writer.Close()
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		return &domain.Error{Kind: domain.KindUnavailable, Code: "database_unavailable", Msg: "database unreachable", Err: err}
	}
	return nil
}

// InTx runs fn in one transaction; fn's *Store issues every query inside it.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	hooks, outermost := s.afterCommit, s.afterCommit == nil
	if outermost {
		hooks = new([]func())
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&Store{db: tx, dialect: s.dialect, now: s.now, log: s.log, exportBatch: s.exportBatch, recent: s.recent, afterCommit: hooks})
	})
	if err == nil && outermost {
		for _, f := range *hooks {
			f()
		}
	}
	return err
}

// onCommit runs f once the transaction s belongs to has committed, or at
// once outside a transaction. A nested transaction's f runs after the
// outermost commits, even when the nested one was rolled back.
func (s *Store) onCommit(f func()) {
	if s.afterCommit == nil {
		f()
		return
	}
	*s.afterCommit = append(*s.afterCommit, f)
}

// DB exposes the GORM handle for tests and tools of this module.
func (s *Store) DB() *gorm.DB { return s.db }

// translate turns GORM's errors into domain errors; what names the thing.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return domain.NotFound(what)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return &domain.Error{Kind: domain.KindConflict, Code: "conflict", Msg: what + " already exists", Err: err}
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return &domain.Error{Kind: domain.KindInvalid, Code: "invalid_reference", Msg: what + " refers to something that does not exist", Err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &domain.Error{Kind: domain.KindUnavailable, Code: "timeout", Msg: what, Err: err}
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if isConnError(err) {
		return &domain.Error{Kind: domain.KindUnavailable, Code: "database_unavailable", Msg: what, Err: err}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// isUniqueViolation recognises a broken unique index, from GORM or from
// pgx directly (the writer's COPY).
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.Is(err, gorm.ErrDuplicatedKey) || (errors.As(err, &pe) && pe.Code == "23505")
}

// isConnError recognises a lost or refused database connection, which is
// an outage (503), not a bug (500).
func isConnError(err error) bool {
	msg := err.Error()
	for _, s := range []string{"connection refused", "broken pipe", "connection reset", "bad connection",
		"terminating connection", "the database system is", "no such host", "i/o timeout", "failed to connect", "conn closed", "unexpected EOF"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
