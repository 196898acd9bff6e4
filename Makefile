# The test command the README gives and CI runs.
.PHONY: test build install bench fuzz fuzz-smoke release-check docs oracle-deps screenshots

test:
	go test -race -count=1 ./...

# The providers' official Node SDKs, pinned in scripts/oracle/package-lock.json,
# for the oracle tests in pkg/signing (node_oracle_test.go) and pkg/sandbox
# (node_sdk_test.go): they skip without them locally, and fail without them in CI.
oracle-deps:
	npm ci --prefix scripts/oracle --no-audit --no-fund

build:
	go build -o smshook ./cmd/smshook

install:
	go install ./cmd/smshook

# Every benchmark against its baseline, on loopback, within 10 minutes:
# writes scripts/bench/BENCHMARKS.md (go run ./scripts/bench -h for more).
bench:
	go run ./scripts/bench

# Every fuzz target for FUZZTIME each (30s); fuzz-smoke runs each briefly.
FUZZTIME ?= 30s
fuzz:
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

fuzz-smoke:
	FUZZTIME=3s bash scripts/fuzz.sh

# goreleaser at a pinned version, through the module proxy: v2.16.0 is the
# newest that builds with Go 1.26 (v2.17.0 needs a module the proxy refuses,
# v2.18 needs Go 1.27). Not in CI: the first run downloads and builds for
# minutes; later runs take seconds.
GORELEASER = go run github.com/goreleaser/goreleaser/v2@v2.16.0

release-check:
	$(GORELEASER) check

# Regenerate completions/ (committed) and man pages into manpages/.
docs:
	go run ./scripts/gendocs -man manpages

# The README's screenshots of the inspector, taken by headless chromium.
screenshots:
	SMSHOOK_SCREENSHOTS=$(CURDIR)/scripts/screenshots go test -count=1 -run TestScreenshots ./pkg/inspect
	SMSHOOK_SCREENSHOTS=$(CURDIR)/scripts/screenshots go test -count=1 -run TestBrowserMessagesAndPhoneView ./pkg/cmd/sandbox
