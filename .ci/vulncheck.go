//go:build ignore

// vulncheck reads govulncheck's JSON report and fails when the code calls
// a vulnerable symbol whose OSV id is not accepted in the given file (one
// "GO-YYYY-NNNN reason" per line; docs/security.md explains each). It
// prints every finding, called or not, so that the log shows them all.
//
//	go run .ci/vulncheck.go report.json .ci/vulncheck-accepted
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type frame struct {
	Module, Version, Package, Function, Receiver string
}

type message struct {
	Config *struct {
		ScannerVersion string `json:"scanner_version"`
		DB             string `json:"db"`
		GoVersion      string `json:"go_version"`
	} `json:"config"`
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV          string   `json:"osv"`
		FixedVersion string   `json:"fixed_version"`
		Trace        []*frame `json:"trace"`
	} `json:"finding"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: vulncheck report.json accepted-file")
		os.Exit(2)
	}
	accepted, err := readAccepted(os.Args[2])
	check(err)
	f, err := os.Open(os.Args[1])
	check(err)
	defer f.Close()
	dec := json.NewDecoder(f)
	summaries := map[string]string{}
	level := map[string]int{} // 1 module, 2 package, 3 symbol (called)
	where := map[string]string{}
	configured := false
	for {
		var m message
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else {
			check(err)
		}
		switch {
		case m.Config != nil:
			configured = true
			fmt.Printf("govulncheck %s, %s, database %s\n", m.Config.ScannerVersion, m.Config.GoVersion, m.Config.DB)
		case m.OSV != nil:
			summaries[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil && len(m.Finding.Trace) > 0:
			fr := m.Finding.Trace[0]
			l := 1
			switch {
			case fr.Function != "":
				l = 3
			case fr.Package != "":
				l = 2
			}
			id := m.Finding.OSV
			if l > level[id] {
				level[id] = l
				fixed := m.Finding.FixedVersion
				if fixed == "" {
					fixed = "no fix"
				}
				where[id] = fmt.Sprintf("%s@%s (fixed in: %s)", fr.Module, fr.Version, fixed)
			}
		}
	}
	if !configured {
		fmt.Fprintln(os.Stderr, "vulncheck: the report has no config message; did govulncheck run?")
		os.Exit(2)
	}
	ids := make([]string, 0, len(level))
	for id := range level {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	names := map[int]string{1: "required module", 2: "imported package", 3: "CALLED"}
	failed := 0
	for _, id := range ids {
		note := ""
		if level[id] == 3 {
			if reason, ok := accepted[id]; ok {
				note = " — accepted: " + reason
			} else {
				note = " — NOT ACCEPTED"
				failed++
			}
		}
		fmt.Printf("%s [%s] %s: %s%s\n", id, names[level[id]], where[id], summaries[id], note)
	}
	fmt.Printf("%d vulnerabilities found, %d called, %d called and not accepted\n", len(ids), count(level, 3), failed)
	if failed > 0 {
		os.Exit(1)
	}
}

func count(level map[string]int, l int) int {
	n := 0
	for _, v := range level {
		if v == l {
			n++
		}
	}
	return n
}

func readAccepted(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, " ")
		out[id] = strings.TrimSpace(reason)
	}
	return out, sc.Err()
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulncheck:", err)
		os.Exit(2)
	}
}
