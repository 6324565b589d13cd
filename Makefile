# Suara — one binary, two databases, a static frontend.
# Every target uses the Go toolchain that go.mod names.
export GOTOOLCHAIN=go1.27.3

GO       ?= go
DB       ?= ./data/suara.db
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)

.PHONY: run build frontend frontend-deps test test-go test-e2e lint bench fuzz clean

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

## bench: the index engine's and the submission path's benchmarks
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./survey ./store

clean:
	rm -rf bin frontend/dist/assets frontend/dist/*.html frontend/dist/app
