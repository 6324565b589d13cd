package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"suara/domain"
)

// minPasswordLen follows NIST SP 800-63B: length over composition rules.
const minPasswordLen = 10

func admin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: suara admin create --email E --password P [--db DSN]")
		return errUsage
	}
	var c config
	var email, password string
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c, getenv)
	fs.StringVar(&email, "email", "", "the administrator's e-mail")
	fs.StringVar(&password, "password", getenv("SUARA_ADMIN_PASSWORD"), "the password, at least 10 characters (env SUARA_ADMIN_PASSWORD)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if !strings.Contains(email, "@") {
		return fmt.Errorf("--email: want an e-mail address")
	}
	if utf8.RuneCountInString(password) < minPasswordLen {
		return fmt.Errorf("--password: want at least %d characters", minPasswordLen)
	}
	st, _, err := openMigrated(ctx, c, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	u := domain.User{Email: email, Role: domain.RoleAdmin}
	if err := st.CreateUser(ctx, &u, password); err != nil {
		if domain.KindOf(err) == domain.KindConflict {
			return fmt.Errorf("a user with e-mail %s already exists", u.Email)
		}
		return err
	}
	fmt.Fprintf(stdout, "Administrator %s created.\n", u.Email)
	return nil
}
