# Chronik — make help lists the targets.
SHELL := /bin/bash
GO ?= go
BIN := bin
VERSION ?= 0.1.0-dev
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X github.com/chronik-stream/chronik/bootstrap.Version=$(VERSION) -X github.com/chronik-stream/chronik/bootstrap.Commit=$(COMMIT)
FUZZTIME ?= 10s
# DuckDB's Arrow interface (hot rows in SQL answers) is behind a build tag.
export GOFLAGS += -tags=duckdb_arrow

.PHONY: help build run test test-deps unit e2e compat chaos fuzz fuzz-short bench generate check-generate lint clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## build chronik-server and chronik-bench into bin/
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/chronik-server ./cmd/chronik-server
	$(GO) build -o $(BIN)/chronik-bench ./cmd/chronik-bench

run: build ## build and start one node: Kafka on :9092, data in ./data
	./$(BIN)/chronik-server start

test: test-deps check-generate lint unit fuzz-short compat ## install test needs, then run every test
	@echo "make test: all passed"

test-deps: ## install the real Kafka clients the tests use (Debian packages, npm)
	@./test/compat/install.sh
	@./test/emulators/install.sh

unit: build ## unit, conformance, end-to-end and crash tests (go test)
	CHRONIK_BIN=$(CURDIR)/$(BIN)/chronik-server CHRONIK_REQUIRE_EMULATORS=1 $(GO) test -count=1 -timeout 20m ./...

compat: build ## kcat, kafka-python, confluent-kafka and kafkajs against a real node
	./test/compat/run.sh $(CURDIR)/$(BIN)/chronik-server

chaos: build ## the crash test alone, longer (CHAOS_KILLS kills)
	CHRONIK_BIN=$(CURDIR)/$(BIN)/chronik-server CHAOS_KILLS=$${CHAOS_KILLS:-25} $(GO) test -count=1 -run Crash -v -timeout 30m ./test/chaos/

fuzz-short: ## run each fuzz target for a fixed number of inputs
	@./test/fuzz.sh 20000x

fuzz: ## run each fuzz target for FUZZTIME
	@./test/fuzz.sh $(FUZZTIME)

bench: build ## benchmark against franz-go's kfake; results go to docs/BENCHMARKS.md
	./test/bench/run.sh

generate: ## regenerate wire_gen.go
	cd bootstrap && $(GO) tool wire

check-generate: ## fail if wire_gen.go is stale
	@cp bootstrap/wire_gen.go /tmp/chronik_wire_gen.go.bak
	@cd bootstrap && $(GO) tool wire >/dev/null
	@if ! diff -q bootstrap/wire_gen.go /tmp/chronik_wire_gen.go.bak >/dev/null; then \
		echo "bootstrap/wire_gen.go is stale: run 'make generate' and commit it"; \
		cp /tmp/chronik_wire_gen.go.bak bootstrap/wire_gen.go; exit 1; fi

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...

clean: ## remove build output
	rm -rf $(BIN)
