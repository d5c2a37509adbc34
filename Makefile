# ClipCabinet Webhooks. `make help` lists the targets.
SHELL := bash
.DEFAULT_GOAL := help
GO ?= go
export GOFLAGS := -buildvcs=false

.PHONY: help run test bench generate check build db browser testdeps fuzz

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

build: ## build bin/clipcabinet and bin/loadgen
	$(GO) build -o bin/ ./cmd/...

db: ## make sure PostgreSQL answers (start or create one if not)
	@scripts/db.sh >/dev/null

run: build ## database ready and migrated, demo admin printed, server on http://localhost:8080, mail catcher on :8025
	$(GO) build -o bin/mailpit github.com/axllent/mailpit
	@scripts/dev.sh

browser:
	@scripts/chromium.sh

testdeps:
	@scripts/testdeps.sh

test: browser testdeps ## every test, with -race, on real PostgreSQL and headless Chromium
	@export TEST_DATABASE_URL="$$(scripts/db.sh)" && \
	$(GO) test -race -count=1 -timeout 12m ./...

fuzz: ## run each fuzz target briefly (FUZZTIME=10s)
	@scripts/fuzz.sh $(or $(FUZZTIME),10s)

bench: build db ## Go benchmarks and the end-to-end load runs, as one table
	@export TEST_DATABASE_URL="$$(scripts/db.sh)" && scripts/bench.sh

generate: ## regenerate templ and sqlc code
	$(GO) tool templ generate
	$(GO) tool sqlc generate

check: ## generated code fresh, templ fmt, gofmt, go vet, staticcheck
	@sum() { find db views -type f \( -name '*.go' -o -name '*.templ' \) -print0 | sort -z | xargs -0 sha256sum; }; \
	before="$$(sum)"; \
	$(GO) tool templ fmt views >/dev/null && $(GO) tool templ generate >/dev/null 2>&1 && $(GO) tool sqlc generate && \
	if [ "$$before" != "$$(sum)" ]; then \
	  echo "check: generated code or templ formatting was stale (now regenerated): commit the result" >&2; \
	  diff <(echo "$$before") <(sum) >&2; exit 1; fi
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "check: run gofmt -w" >&2; exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
