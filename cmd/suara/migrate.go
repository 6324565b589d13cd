package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c, getenv)
	isAction := func(a string) bool { return a == "up" || a == "status" || a == "fill" }
	action := ""
	if len(args) > 0 && isAction(args[0]) {
		action, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	// The action may also follow the flags; anything else is a mistake
	// that must not pass as "up" (a Job would then skip its fill).
	if action == "" && fs.NArg() == 1 && isAction(fs.Arg(0)) {
		action = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "suara migrate: unexpected %q\nusage: suara migrate [up|status|fill] [--db DSN]\n", strings.Join(fs.Args(), " "))
		return errUsage
	}
	if action == "" {
		action = "up"
	}
	log, err := newLogger(stderr, c.LogLevel)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, c, log)
	if err != nil {
		return err
	}
	defer st.Close()
	switch action {
	case "up":
		if err := st.Migrate(ctx); err != nil {
			return err
		}
	case "fill":
		start := time.Now()
		n, err := st.MigrateAndFill(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Answer lists filled for %d responses in %s.\n", n, time.Since(start).Round(time.Millisecond))
	}
	states, err := st.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	for _, m := range states {
		mark := "pending"
		if m.Applied {
			mark = "applied"
		}
		fmt.Fprintf(stdout, "%-40s %s\n", m.ID, mark)
	}
	return nil
}

func rollups(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rebuild" {
		fmt.Fprintln(stderr, "usage: suara rollups rebuild [--db DSN]")
		return errUsage
	}
	var c config
	fs := flag.NewFlagSet("rollups rebuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c, getenv)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	st, _, err := openMigrated(ctx, c, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	last := time.Now()
	n, err := st.RebuildRollups(ctx, func(done int64) {
		if time.Since(last) > 2*time.Second {
			fmt.Fprintf(stdout, "  %d responses counted…\n", done)
			last = time.Now()
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Rollups rebuilt from %d responses in %s.\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
