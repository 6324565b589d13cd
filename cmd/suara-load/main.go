// Command suara-load drives a running "suara serve" with citizen
// submissions over loopback and verifies the database afterwards.
//
//	suara-load --url http://127.0.0.1:8080 --db postgres://… --concurrency 64 --duration 30s --verify
//	suara-load verify --db postgres://… --ack-file acks.tsv
//
// Run the server with SUARA_RATE_LIMITS=off, or the per-IP limits answer
// most of the load with 429 (which the phones then retry).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"suara/domain"
	"suara/load"
	"suara/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "suara-load:", err)
		}
		os.Exit(1)
	}
}

// errVerify is returned when the verification found a problem.
var errVerify = errors.New("verification failed")

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "verify" {
		return verifyCmd(ctx, args[1:], getenv, stdout, stderr)
	}
	var (
		cfg      load.Config
		slugs    string
		dsn      string
		discover int
		ackFile  string
		verify   bool
		quiet    bool
		profile  string
	)
	fs := flag.NewFlagSet("suara-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.BaseURL, "url", "http://127.0.0.1:8080", "address of the running server (loopback only)")
	fs.StringVar(&slugs, "slug", "", "survey slugs to answer, comma-separated (default: discover open surveys with --db)")
	fs.StringVar(&dsn, "db", getenv("SUARA_DATABASE_URL"), "the server's database, for discovering surveys and --verify (env SUARA_DATABASE_URL)")
	fs.IntVar(&discover, "surveys", 50, "with --db and no --slug: answer up to this many open surveys")
	fs.IntVar(&cfg.Concurrency, "concurrency", 16, "simulated phones sending at once")
	fs.DurationVar(&cfg.Duration, "duration", 0, "how long to send, e.g. 30s")
	fs.IntVar(&cfg.Requests, "requests", 0, "how many new submissions to send (0: until --duration)")
	fs.Float64Var(&cfg.ReplayFraction, "replay-fraction", 0.05, "share of sends that replay an acknowledged client_id")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed for the answers")
	fs.IntVar(&cfg.MaxAttempts, "max-attempts", 8, "attempts per submission on 503, 429 and network errors")
	fs.StringVar(&ackFile, "ack-file", "", "write every submission's outcome here (for suara-load verify)")
	fs.BoolVar(&verify, "verify", false, "after the run, verify the database (needs --db)")
	fs.BoolVar(&quiet, "quiet", false, "no progress line each second (on stderr)")
	fs.StringVar(&profile, "cpuprofile", "", "write the load tool's own CPU profile of the run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Duration <= 0 && cfg.Requests <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if slugs != "" {
		for _, s := range strings.Split(slugs, ",") {
			if s = strings.TrimSpace(s); s != "" {
				cfg.Slugs = append(cfg.Slugs, s)
			}
		}
	}
	if len(cfg.Slugs) == 0 || verify {
		if dsn == "" {
			return errors.New("give --slug, or --db to discover the open surveys; --verify needs --db")
		}
	}
	var st *store.Store
	if dsn != "" && (len(cfg.Slugs) == 0 || verify) {
		var err error
		if st, err = openStore(ctx, dsn); err != nil {
			return err
		}
		defer st.Close()
	}
	if len(cfg.Slugs) == 0 {
		var err error
		if cfg.Slugs, err = openSurveys(ctx, st, discover); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "answering %d open surveys\n", len(cfg.Slugs))
	}
	if !quiet {
		cfg.Progress = stderr
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	res, err := load.Run(ctx, cfg)
	if profile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	res.Print(stdout)
	if ackFile != "" {
		if err := load.WriteAcks(ackFile, res.Acks); err != nil {
			return err
		}
	}
	if res.ReplayBad > 0 {
		fmt.Fprintf(stdout, "%d replays were not answered 200 with the first response id\n", res.ReplayBad)
	}
	if !verify {
		return nil
	}
	rep, err := load.Verify(ctx, st, res.Acks)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep)
	if !rep.OK() || res.ReplayBad > 0 {
		return errVerify
	}
	return nil
}

func verifyCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var dsn, ackFile string
	fs := flag.NewFlagSet("suara-load verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&dsn, "db", getenv("SUARA_DATABASE_URL"), "the server's database (env SUARA_DATABASE_URL)")
	fs.StringVar(&ackFile, "ack-file", "", "the file a run wrote with --ack-file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if dsn == "" || ackFile == "" {
		return errors.New("verify needs --db and --ack-file")
	}
	acks, err := load.ReadAcks(ackFile)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := load.Verify(ctx, st, acks)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep)
	if !rep.OK() {
		return errVerify
	}
	return nil
}

func openStore(ctx context.Context, dsn string) (*store.Store, error) {
	// Errors only: the recount's statements are slow by nature, and the
	// slow-statement warnings would print them whole.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	// The recount of a large database takes longer than a request may.
	return store.Open(ctx, dsn, store.Options{Logger: log, MaxOpenConns: 4, StatementTimeout: 30 * time.Minute})
}

// openSurveys returns the slugs of up to n surveys open today.
func openSurveys(ctx context.Context, st *store.Store, n int) ([]string, error) {
	today := time.Now().UTC().Format(domain.DateLayout)
	var out []string
	page := domain.Page{Limit: 200}
	for len(out) < n {
		svs, next, err := st.FindSurveys(ctx, domain.Scope{All: true}, "", page)
		if err != nil {
			return nil, err
		}
		for _, sv := range svs {
			if sv.OpenOn(today) && len(out) < n {
				out = append(out, sv.Slug)
			}
		}
		if next == "" {
			break
		}
		page.Cursor = next
	}
	if len(out) == 0 {
		return nil, errors.New("no open survey in the database; run suara demo first")
	}
	return out, nil
}
