# Suara — one binary, two databases, a static frontend.
# Every target uses the Go toolchain that go.mod names.
export GOTOOLCHAIN=go1.27.3

GO       ?= go
DB       ?= ./data/suara.db
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)

.PHONY: run build frontend frontend-deps test test-go test-e2e lint bench perf fuzz vulncheck clean

## run: build the frontend if needed, then serve on the embedded SQLite default
run: frontend/dist/survey.html
	$(GO) run ./cmd/suara serve --db $(DB)

## build: a static binary in bin/suara (no cgo)
build: frontend/dist/survey.html
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/suara ./cmd/suara

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

frontend-deps: frontend/node_modules/.package-lock.json

frontend/dist/survey.html: frontend/node_modules/.package-lock.json $(shell find frontend/src frontend/app frontend/public frontend/*.html frontend/vite.config.ts frontend/tsconfig.json frontend/package.json -type f 2>/dev/null)
	cd frontend && npm run build

frontend: frontend/dist/survey.html

## test: every test — lint, Go tests with the race detector on SQLite
## (and PostgreSQL when SUARA_TEST_DATABASE_URL is set), then the
## end-to-end tests in headless Chromium against the real binary.
test: lint test-go test-e2e

test-go:
	$(GO) test -race -shuffle=on -count=1 -timeout 15m ./...

# The browser tests run on SQLite, and again on PostgreSQL when configured.
test-e2e: build
	cd frontend && SUARA_TEST_DATABASE_URL= SUARA_BIN=$(CURDIR)/bin/suara npm test
	@if [ -n "$$SUARA_TEST_DATABASE_URL" ]; then cd frontend && SUARA_BIN=$(CURDIR)/bin/suara npm test; fi

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

## fuzz: every fuzz target of the module for FUZZTIME each (CI: 20s);
## a crasher lands in the package's testdata/fuzz and must become a regression test.
FUZZTIME ?= 20s
fuzz:
	@set -e; for dir in $$(grep -rl --include='*_test.go' --exclude-dir=node_modules '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for target in $$(grep -h '^func Fuzz' $$dir/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
	    echo "fuzz $$dir $$target ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$dir; \
	  done; \
	done

## vulncheck: govulncheck against a local vulnerability database built from
## the golang.org/x/vulndb module (the module proxy serves it; vuln.go.dev is
## not reachable here), cached under .cache/; called vulnerabilities fail
## unless .ci/vulncheck-accepted explains them.
VULN_VERSION   ?= v1.9.0
VULNDB_VERSION ?= v0.0.0-20261105234957-e22db6528018
VULNDB_DIR     := .cache/vulndb/$(VULNDB_VERSION)

$(VULNDB_DIR)/index/db.json:
	@mkdir -p .cache/vulndb
	src=$$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	test -d "$$src/data/osv" && rm -rf $(VULNDB_DIR).tmp && \
	$(GO) run golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION) -vulns "$$src/data/osv" -out $(VULNDB_DIR).tmp && \
	rm -rf $(VULNDB_DIR) && mv $(VULNDB_DIR).tmp $(VULNDB_DIR)

vulncheck: $(VULNDB_DIR)/index/db.json
	$(GO) run golang.org/x/vuln/cmd/govulncheck@$(VULN_VERSION) -format json -db file://$(CURDIR)/$(VULNDB_DIR) ./... > .cache/vulncheck.json
	$(GO) run .ci/vulncheck.go .cache/vulncheck.json .ci/vulncheck-accepted

## bench: the index engine's and the submission path's benchmarks (the
## writer alone, and the whole handler); PostgreSQL too when
## SUARA_TEST_DATABASE_URL is set. allocs/op of the Submit benches is per
## submission.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./survey ./store ./api

## perf: the PostgreSQL performance run of docs/performance.md (minutes)
perf:
	bash scripts/perf/run.sh

clean:
	rm -rf bin frontend/dist/assets frontend/dist/*.html frontend/dist/app
