package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"suara/api"
	"suara/frontend"
)

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c, getenv)
	fs.StringVar(&c.Addr, "addr", or(getenv("SUARA_ADDR"), "127.0.0.1:8080"), "listen address (env SUARA_ADDR)")
	fs.StringVar(&c.BaseURL, "base-url", getenv("SUARA_BASE_URL"), "public URL of this server, for survey links and QR codes (env SUARA_BASE_URL)")
	limits, err := parseBool(getenv, "SUARA_RATE_LIMITS", true)
	if err != nil {
		return err
	}
	fs.BoolVar(&c.RateLimits, "rate-limits", limits, "enforce rate limits; off for load tests (env SUARA_RATE_LIMITS=off)")
	secure, err := parseBool(getenv, "SUARA_SECURE_COOKIES", false)
	if err != nil {
		return err
	}
	fs.BoolVar(&c.SecureCookies, "secure-cookies", secure, "mark session cookies Secure; on behind TLS (env SUARA_SECURE_COOKIES)")
	if c.MaxConns, err = envInt(getenv, "SUARA_DB_MAX_CONNS", 20); err != nil {
		return err
	}
	if c.QueueSize, err = envInt(getenv, "SUARA_QUEUE_SIZE", 4096); err != nil {
		return err
	}
	if c.FoldSeconds, err = envInt(getenv, "SUARA_ROLLUP_FOLD_SECONDS", 5); err != nil {
		return err
	}
	if c.FoldSeconds == 0 {
		c.FoldSeconds = 5 // 0 has always meant the default
	}
	if c.Committers, err = envInt(getenv, "SUARA_COMMITTERS", 1); err != nil {
		return err
	}
	if c.Committers > max(1, c.MaxConns/2) {
		// Each committer holds a connection for its whole transaction;
		// requests need the rest of the pool.
		return fmt.Errorf("SUARA_COMMITTERS=%d: want at most half of SUARA_DB_MAX_CONNS (%d)", c.Committers, c.MaxConns)
	}
	fs.StringVar(&c.PprofAddr, "pprof-addr", getenv("SUARA_PPROF_ADDR"),
		"serve Go's profiler (net/http/pprof) on this loopback address, e.g. 127.0.0.1:6060; off when empty (env SUARA_PPROF_ADDR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, set := os.LookupEnv("GOGC"); !set { // the runtime's own setting, not getenv's
		// The live heap is tens of megabytes: collecting when it has
		// tripled rather than doubled cut the collector's share of the
		// CPU under load from 15 % to 9 %, for 20–40 MB more peak memory
		// (docs/performance.md). GOGC overrides it.
		debug.SetGCPercent(200)
	}
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		if n, want := runtime.GOMAXPROCS(0), serverProcs(runtime.GOMAXPROCS(0), postgresOnThisMachine(c.DatabaseURL)); want != n {
			runtime.GOMAXPROCS(want)
			fmt.Fprintf(stderr, "PostgreSQL runs on this machine: Go uses %d of %d cores and leaves it one (set GOMAXPROCS to choose)\n", want, n)
		}
	}
	if c.PprofAddr != "" {
		addr, stop, err := servePprof(c.PprofAddr)
		if err != nil {
			return err
		}
		defer stop()
		fmt.Fprintf(stderr, "Go profiler at http://%s/debug/pprof/\n", addr)
	}
	st, log, err := openMigrated(ctx, c, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: api.New(st, api.Options{
			Static:        staticFiles(),
			BaseURL:       c.BaseURL,
			Logger:        log,
			RateLimits:    c.RateLimits,
			SecureCookies: c.SecureCookies,
			Version:       version,
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      60 * time.Second, // exports and reports stream for a while
		IdleTimeout:       120 * time.Second,
	}
	fmt.Fprintf(stdout, "Suara %s is running at http://%s (database: %s)\n", version, ln.Addr(), describeDB(c.DatabaseURL))
	if n, err := st.CountUsers(ctx); err == nil && n == 0 {
		fmt.Fprintf(stdout, "No users yet. Create the first administrator with:\n  suara admin create --db %s --email you@example.go.id --password '<a long password>'\n", c.DatabaseURL)
		fmt.Fprintf(stdout, "Or fill the database with a demo institution: suara demo --db %s\n", c.DatabaseURL)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Finish the requests in flight, then stop the writer (st.Close)
	// after its queued responses have committed.
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	log.Info("shutting down")
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// servePprof serves the profiler on its own listener, never on the public
// one, and only on a loopback address: profiles show internals and cost
// CPU, so only someone on the machine may take them.
func servePprof(addr string) (net.Addr, func(), error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("--pprof-addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, nil, fmt.Errorf("--pprof-addr %q: the profiler listens on a loopback address only", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() { // "localhost" may resolve elsewhere
		ln.Close()
		return nil, nil, fmt.Errorf("--pprof-addr %q: listens on %s, not a loopback address", addr, ln.Addr())
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return ln.Addr(), func() { _ = srv.Close() }, nil
}

// staticFiles returns the built frontend, or nil when it was not built.
func staticFiles() fs.FS {
	if _, err := fs.Stat(frontend.Dist, "survey.html"); err != nil {
		return nil
	}
	return frontend.Dist
}
