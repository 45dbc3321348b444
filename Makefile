# orderhist — common tasks. `make help` lists them.

GO        ?= go
BIN       ?= bin/orderhist
OUT       ?= ./orderhist-data
PKG       := github.com/orderhist/orderhist
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS   := -X $(PKG)/internal/version.Version=$(VERSION) -X $(PKG)/internal/version.Commit=$(COMMIT)
FUZZTIME  ?= 20s
# Packages whose tests keep golden files (refresh with `make golden`).
GOLDEN_PKGS := ./cmd ./dataset ./connectors/amazon ./connectors/csv ./connectors/mercadolivre \
	./connectors/shopee ./connectors/shopify ./connectors/tiktok

# The six platforms a release ships for.
PLATFORMS := linux/amd64 linux/arm64 windows/amd64 windows/arm64 darwin/amd64 darwin/arm64
DIST      ?= dist

.PHONY: help deps build demo test fmtcheck vet cross release bench bench-go fuzz golden exports clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

deps: ## download the Go modules (the only step that needs the network)
	$(GO) mod download

build: ## build bin/orderhist
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) .

demo: build ## import the bundled sample exports into ./orderhist-data, print the summary and write the report
	rm -rf $(OUT)
	./$(BIN) import --out $(OUT) --as-of 2026-11-01 testdata/exports; \
	  code=$$?; if [ $$code -ne 0 ] && [ $$code -ne 3 ]; then exit $$code; fi
	@echo
	./$(BIN) report --out $(OUT) --as-of 2026-11-01 -o $(OUT)-report.html
	@echo "Open the report in a browser: $(OUT)-report.html"
	@echo "Query it: duckdb -c \"SELECT source, count(*) FROM read_parquet('$(OUT)/orders/**/*.parquet', hive_partitioning = true) GROUP BY source\""

fmtcheck: ## fail when gofmt would change a file
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.*')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet: ## go vet
	$(GO) vet ./...

test: fmtcheck vet ## gofmt check, go vet, and every test under the race detector
	$(GO) test -race -count=1 -timeout 45m ./...

cross: ## go vet and build for every release platform (CGO off, as released)
	@set -e; for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; echo "== $$os/$$arch"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) vet ./...; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -o /dev/null .; \
	done

release: ## archives for every platform in dist/ (tar.gz, zip for windows) with SHA256SUMS, VERSION stamped in
	rm -rf $(DIST) && mkdir -p $(DIST)
	@set -e; for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; name=orderhist_$(VERSION)_$${os}_$${arch}; \
	  exe=orderhist; [ $$os = windows ] && exe=orderhist.exe; \
	  mkdir -p $(DIST)/$$name; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "-s -w $(LDFLAGS)" -o $(DIST)/$$name/$$exe .; \
	  cp README.md $(DIST)/$$name/; \
	  if [ $$os = windows ]; then (cd $(DIST) && zip -qr $$name.zip $$name); \
	  else tar -C $(DIST) -czf $(DIST)/$$name.tar.gz $$name; fi; \
	  rm -rf $(DIST)/$$name; \
	done
	cd $(DIST) && sha256sum orderhist_* > SHA256SUMS
	@cat $(DIST)/SHA256SUMS

bench: bench-go ## go test -bench of every stage (alone: make bench-go), then bench/run.sh: import of 1M Amazon, 1M mixed, 200k ML XLSX vs DuckDB and excelize, 2k new lines into the 1M dataset, a shared-string bomb beside the bundled Shopee export (BENCH_RUNS, BENCH_10M=1, BENCH_ONLY, BENCH_CACHE)
	bash bench/run.sh

bench-go: ## Go benchmarks of every stage (go test -bench)
	$(GO) test -run '^$$' -bench . -benchmem ./...

fuzz: ## run every fuzz target for FUZZTIME each
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; done

golden: ## rewrite golden files from the current output
	$(GO) test $(GOLDEN_PKGS) -update

exports: ## regenerate the bundled demo exports in testdata/exports (synthetic, deterministic)
	rm -rf testdata/exports
	$(GO) run ./tools/gen -seed 7 -people 120 -lines 1200 -out testdata/exports
	rm testdata/exports/truth.csv

clean: ## remove build output, release archives, the demo dataset and its report
	rm -rf bin $(DIST) $(OUT) $(OUT)-report.html
