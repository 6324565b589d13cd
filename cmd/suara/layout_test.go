package main

import (
	"go/build"
	"strings"
	"testing"
)

// TestLayout keeps the dependency direction of DESIGN.md:
// cmd/suara → api → store → survey → domain, and nothing imports api.
func TestLayout(t *testing.T) {
	rules := []struct {
		pkg     string
		allowed []string // packages of this module it may import
		banned  []string // import path prefixes it must not import
	}{
		{"domain", nil, []string{"gorm.io/", "github.com/labstack/"}},
		{"survey", []string{"suara/domain"}, []string{"gorm.io/", "github.com/labstack/", "net/http", "database/sql", "os"}},
		{"store", []string{"suara/domain", "suara/survey", "suara/store/migrations"}, []string{"github.com/labstack/"}},
		{"store/migrations", []string{"suara/survey"}, []string{"github.com/labstack/"}},
		{"api", []string{"suara/domain", "suara/survey", "suara/store"}, []string{"gorm.io/"}},
		// The load tool talks HTTP to the server and reads the database
		// through the store only, never through api.
		{"load", []string{"suara/domain", "suara/store"}, []string{"gorm.io/", "github.com/labstack/"}},
	}
	for _, r := range rules {
		p, err := build.ImportDir("../../"+r.pkg, 0)
		if err != nil {
			t.Fatalf("ImportDir(%s): %v", r.pkg, err)
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "suara/") || imp == "suara" {
				if !contains(r.allowed, imp) {
					t.Errorf("%s imports %s; allowed: %v", r.pkg, imp, r.allowed)
				}
			}
			for _, b := range r.banned {
				if imp == b || strings.HasPrefix(imp, b) {
					t.Errorf("%s imports %s, which it must not", r.pkg, imp)
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
