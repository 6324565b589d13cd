package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"suara/store"
)

// config is every setting, read once: flags override SUARA_* variables,
// which override the defaults. The defaults run Suara with no setup.
type config struct {
	Addr          string
	DatabaseURL   string
	BaseURL       string
	LogLevel      string
	RateLimits    bool
	SecureCookies bool
	MaxConns      int
	QueueSize     int
	FoldSeconds   int
	Committers    int
	PprofAddr     string
}

// commonFlags registers --db and --log-level on fs.
func commonFlags(fs *flag.FlagSet, c *config, getenv func(string) string) {
	fs.StringVar(&c.DatabaseURL, "db", or(getenv("SUARA_DATABASE_URL"), "./data/suara.db"),
		"database: a postgres:// URL, or a SQLite file path (env SUARA_DATABASE_URL)")
	fs.StringVar(&c.LogLevel, "log-level", or(getenv("SUARA_LOG_LEVEL"), "info"), "debug, info, warn or error (env SUARA_LOG_LEVEL)")
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func envInt(getenv func(string) string, name string, def int) (int, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q: want a whole number", name, v)
	}
	return n, nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("SUARA_LOG_LEVEL=%q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// openStore opens the configured database.
func openStore(ctx context.Context, c config, log *slog.Logger) (*store.Store, error) {
	// Only serve sets FoldSeconds: other commands fold once, when they close.
	return store.Open(ctx, c.DatabaseURL, store.Options{
		Logger:       log,
		MaxOpenConns: c.MaxConns,
		Writer:       store.WriterOptions{QueueSize: c.QueueSize, Committers: c.Committers, CompactEvery: time.Duration(c.FoldSeconds) * time.Second},
	})
}

// describeDB names a database for humans without its password.
func describeDB(dsn string) string {
	if store.IsPostgresURL(dsn) {
		if i := strings.Index(dsn, "@"); i >= 0 {
			if j := strings.Index(dsn, "://"); j >= 0 && j < i {
				return dsn[:j+3] + "…@" + dsn[i+1:]
			}
		}
		return dsn
	}
	return "SQLite " + dsn
}

// postgresOnThisMachine reports whether dsn names a PostgreSQL server on
// this machine: a loopback address or a Unix socket.
func postgresOnThisMachine(dsn string) bool {
	if !store.IsPostgresURL(dsn) {
		return false
	}
	pc, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return false
	}
	if strings.HasPrefix(pc.Host, "/") || pc.Host == "localhost" {
		return true
	}
	ip := net.ParseIP(pc.Host)
	return ip != nil && ip.IsLoopback()
}

// serverProcs is how many cores the Go runtime should use: one fewer than
// it would when PostgreSQL shares the machine, so that the database
// backend committing every batch (the group-commit writer has one) does
// not wait for a core behind the server's own goroutines. On 2 cores this
// raised submissions at concurrency 16 from 0.81-0.84x to 0.96-0.97x of
// pgbench's rate (docs/performance.md).
func serverProcs(procs int, dbOnThisMachine bool) int {
	if dbOnThisMachine && procs > 1 {
		return procs - 1
	}
	return procs
}

func parseBool(getenv func(string) string, name string, def bool) (bool, error) {
	v := strings.ToLower(getenv(name))
	switch v {
	case "":
		return def, nil
	case "1", "true", "on", "yes":
		return true, nil
	case "0", "false", "off", "no":
		return false, nil
	}
	return false, fmt.Errorf("%s=%q: want on or off", name, v)
}

// openMigrated opens the configured database with a logger on stderr and
// applies pending migrations; every command that touches data starts so.
func openMigrated(ctx context.Context, c config, stderr io.Writer) (*store.Store, *slog.Logger, error) {
	log, err := newLogger(stderr, c.LogLevel)
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(ctx, c, log)
	if err != nil {
		return nil, nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, log, nil
}
