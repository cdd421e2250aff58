# thresher — run `make help` for the targets.
GO      ?= go
BIN     ?= bin/thresher
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

# The Hansen (1999) example of the README's quick start.
HANSEN_ARGS := --data testdata/hansen1999/invest.csv --id id --time year \
	--depvar i --indep 'L.q,L.q^2,L.q^3,L.d,L.q*L.d' --rx L.c --qx L.d \
	--thnum 3 --grid 400 --trim 0.01,0.01,0.05 --bs 300 --convention hansen

# Pinned protobuf generators (generated code is committed; `make proto`
# regenerates it).
PROTOC_GEN_GO      := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
PROTOC_GEN_GO_GRPC := google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
TOOLS              := $(CURDIR)/bin/tools

# Fuzz targets, as package:function; `make fuzz` runs each for FUZZTIME.
FUZZ_TARGETS := ./estimators/panel:FuzzReadCSV ./estimators/panel:FuzzParseNumber \
	./estimators/panel:FuzzParsePeriod ./estimators/panel:FuzzParseTerm \
	./estimators/panel:FuzzParseList ./estimators/threshold:FuzzEstimate ./cmd/thresher:FuzzSweepFile \
	./paper:FuzzParseSpec ./estimators/dgp:FuzzDesign \
	./coordinator:FuzzJobsAPI ./worker:FuzzTask
FUZZTIME ?= 60s

# Packages that start goroutines; `make test` runs their tests a second time
# under the race detector. cmd/thresher runs there with -short: its in-process
# tests (embedded etcd, coordinator and workers in the test process) are
# checked, its process-level e2e tests, whose child processes the detector
# does not instrument, are skipped.
RACE_PKGS := ./coordinator/... ./worker/... ./inprocess/... ./cluster/... ./estimators/model ./estimators/threshold ./cmd/thresher

.PHONY: help build test test-short example check proto proto-python fuzz bench bench-memory bench-mc bench-cluster chaos load

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build the binary bin/thresher
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/thresher

example: build ## estimate Hansen's (1999) three-threshold model with B = 300 bootstraps
	$(BIN) xthreg $(HANSEN_ARGS)

check: ## go vet, gofmt and staticcheck (pinned by the tool directive in go.mod)
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) tool staticcheck ./...

test: check promtool-check test-python test-r ## run every test (unit, property, integration, e2e, R and Python packages), then RACE_PKGS under -race
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race -short $(RACE_PKGS)

test-short: ## the fast tier: every test but the process-level e2e ones (go test -short ./...)
	$(GO) test -count=1 -short ./...

# A target that fails without writing a failing input (the fuzzing engine's
# own "context deadline exceeded" at the end of FUZZTIME) runs once more.
fuzz: ## run every fuzz target for FUZZTIME (default 60s) each
	@log=$$(mktemp); trap 'rm -f $$log' EXIT; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; echo "fuzz $$fn ($$pkg) for $(FUZZTIME)"; \
		if ! $(GO) test $$pkg -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) >$$log 2>&1; then \
			cat $$log; grep -q 'Failing input written' $$log && exit 1; \
			echo "fuzz $$fn: failed without a failing input; once more"; \
			$(GO) test $$pkg -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) || exit 1; \
		else tail -n 3 $$log; fi; \
	done

bench: build ## kernel benchmarks: go test -bench, then 'thresher bench' on hansen-grid400 with one core
	$(GO) test ./estimators/threshold -run '^$$' -bench . -benchtime 5x
	GOMAXPROCS=1 $(BIN) bench --scenario hansen-grid400

bench-memory: build ## peak RSS of in-process xthreg on a generated 220 MB CSV and a 10^6-column one (scripts/bench-memory.sh)
	BIN=$(BIN) scripts/bench-memory.sh

bench-mc: build ## a Monte Carlo study of 2,000 estimations as one job vs separate xthreg jobs (thresher bench --scenario montecarlo)
	$(BIN) bench --scenario montecarlo

bench-cluster: ## cluster scaling (1 vs 2 workers), dispatch rate, busy share with simulated tasks (scripts/bench-cluster.sh)
	scripts/bench-cluster.sh

chaos: ## chaos test, ROUNDS rounds (default 10; scripts/chaos.sh)
	scripts/chaos.sh $(or $(ROUNDS),10)

load: ## load test: 50 concurrent jobs on one cluster (scripts/load.sh)
	scripts/load.sh 50

proto: ## regenerate the gRPC code in proto/ (installs protoc and the pinned plugins when missing)
	@command -v protoc >/dev/null || { apt-get update && apt-get install -y protobuf-compiler libprotobuf-dev; }
	GOBIN=$(TOOLS) $(GO) install $(PROTOC_GEN_GO)
	GOBIN=$(TOOLS) $(GO) install $(PROTOC_GEN_GO_GRPC)
	PATH="$(TOOLS):$$PATH" protoc --go_out=. --go_opt=paths=source_relative \
		--go-grpc_out=. --go-grpc_opt=paths=source_relative proto/thresherv1/thresher.proto

# The Python stubs: messages by Debian's protoc (code for protobuf >= 3.20,
# which python3-grpc-tools' older bundled protoc does not write), services
# by python3-grpc-tools' plugin. The include mapping names the modules
# thresher.thresherv1.*, so the service stubs import the messages from the
# package.
PYTHON_PROTO := protoc -Ithresher/thresherv1=proto/thresherv1 --python_out=clients/python proto/thresherv1/thresher.proto && \
	/usr/bin/python3 -m grpc_tools.protoc -Ithresher/thresherv1=proto/thresherv1 \
		--grpc_python_out=clients/python proto/thresherv1/thresher.proto

proto-python: ## regenerate the Python gRPC stubs in clients/python/thresher/thresherv1 (installs protoc and python3-grpc-tools when missing)
	@command -v protoc >/dev/null && /usr/bin/python3 -c 'import grpc_tools' 2>/dev/null || \
		{ apt-get update && apt-get install -y --no-install-recommends protobuf-compiler python3-grpc-tools; }
	$(PYTHON_PROTO)

# --- deploy/ and k8s/ ------------------------------------------------------

# Tagged with the version (make image VERSION=0.1.0 for the release k8s/ pins).
IMAGE ?= ghcr.io/thresher/thresher:$(VERSION)

# The head of k8s/base/prometheusrule.yaml; its spec is deploy/prometheus/rules.yml.
PROMETHEUS_RULE_HEAD := \
	'\# Generated by make sync-k8s from deploy/prometheus/rules.yml (a test keeps' \
	'\# them equal): edit that file, then run make sync-k8s. Your Prometheus may' \
	'\# select rules by a label (e.g. release: <name>): add it here.' \
	'apiVersion: monitoring.coreos.com/v1' 'kind: PrometheusRule' 'metadata:' \
	'  name: thresher' '  labels:' '    app.kubernetes.io/name: thresher' \
	'    app.kubernetes.io/component: monitoring' '    app.kubernetes.io/part-of: thresher' \
	'    app.kubernetes.io/instance: thresher' '    app.kubernetes.io/version: "0.1.0"' \
	'    app.kubernetes.io/managed-by: kustomize' 'spec:'

.PHONY: promtool-check image demo sync-k8s

promtool-check: ## check deploy/prometheus with promtool and run the rule unit tests (installs Debian's prometheus when missing)
	@deploy/ensure-prometheus.sh; rc=$$?; \
	if [ $$rc -eq 3 ] && [ -n "$$THRESHER_REQUIRE_PROMETHEUS" ]; then echo "promtool-check: promtool is missing and THRESHER_REQUIRE_PROMETHEUS is set"; exit 1; fi; \
	if [ $$rc -eq 3 ]; then echo "promtool-check: SKIPPED: promtool is missing and cannot be installed without root"; exit 0; fi; \
	[ $$rc -eq 0 ] || exit $$rc; \
	cd deploy/prometheus && promtool check config prometheus.yml && promtool check rules rules.yml && promtool test rules rules_test.yml

image: ## build the container image with Docker (deploy/Dockerfile), tagged and labelled with VERSION
	@if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then \
		echo "make image: no Docker engine available here (docker missing or 'docker info' fails)."; \
		echo "  On a machine with Docker run: DOCKER_BUILDKIT=1 docker build -f deploy/Dockerfile -t $(IMAGE) ."; \
		exit 1; \
	fi
	DOCKER_BUILDKIT=1 docker build -f deploy/Dockerfile --build-arg VERSION=$(VERSION) \
		--build-arg REVISION=$$(git rev-parse HEAD) --build-arg CREATED=$$(git log -1 --format=%cI) -t $(IMAGE) .

demo: build ## local cluster (etcd, coordinator, 2 workers) + Prometheus, a long bootstrap job; Ctrl-C stops
	deploy/demo.sh

sync-k8s: ## copy the dashboard, the alert rules (as a PrometheusRule) and the example's dataset (gzipped) into k8s/
	cp deploy/grafana/dashboard.json k8s/base/grafana/thresher-dashboard.json
	{ printf '%s\n' $(PROMETHEUS_RULE_HEAD); sed -e '/^#/d' -e 's/^./  &/' deploy/prometheus/rules.yml; } > k8s/base/prometheusrule.yaml
	gzip -9 -n -c testdata/hansen1999/invest.csv > k8s/examples/bootstrap/invest.csv.gz

# --- clients/: the R and Python packages -------------------------------------

.PHONY: test-python test-r

# clients_deps runs clients/ensure-deps.sh for $(1) (python or r); the
# target skips with a message when the packages are missing and cannot be
# installed here, unless THRESHER_REQUIRE_CLIENTS is set.
clients_deps = clients/ensure-deps.sh $(1); rc=$$?; \
	if [ $$rc -eq 3 ] && [ -n "$$THRESHER_REQUIRE_CLIENTS" ]; then \
		echo "$@: Debian's packages are missing and THRESHER_REQUIRE_CLIENTS is set"; exit 1; fi; \
	if [ $$rc -eq 3 ]; then echo "$@: SKIPPED: Debian's packages are missing and cannot be installed without root"; exit 0; fi; \
	[ $$rc -eq 0 ] || exit $$rc

test-python: build ## Python package's pytest tests, a local cluster's among them (clients/python; installs Debian's python3-pandas, -matplotlib, -pytest, -grpcio, -protobuf when missing)
	@$(call clients_deps,python); \
	THRESHER_BINARY=$(CURDIR)/$(BIN) PYTHONPATH=$(CURDIR)/clients/python PYTHONDONTWRITEBYTECODE=1 \
		/usr/bin/python3 -m pytest -q -p no:cacheprovider clients/python/tests

test-r: build ## R package's testthat tests by R CMD check (clients/r/thresher; installs Debian's r-base-core, r-cran-* when missing)
	@$(call clients_deps,r); \
	tmp=$$(mktemp -d) && cd $$tmp && R CMD build --no-build-vignettes $(CURDIR)/clients/r/thresher >/dev/null && \
	THRESHER_BINARY=$(CURDIR)/$(BIN) THRESHER_REPO=$(CURDIR) R CMD check --no-manual thresher_*.tar.gz; rc=$$?; \
	if [ $$rc -eq 0 ] && grep -q '^Status:.*WARNING' thresher.Rcheck/00check.log; then echo "$@: R CMD check warns"; rc=1; fi; \
	[ $$rc -eq 0 ] || cat thresher.Rcheck/tests/testthat.Rout.fail 2>/dev/null; rm -rf $$tmp; exit $$rc
