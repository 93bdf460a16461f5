# spreadwatch: `make run` (live Binance), `make demo` (simulator, offline),
# `make test` (everything CI runs), `make bench` (criterion + throughput).

SHELL := /bin/bash
CARGO ?= cargo
BIND ?= 127.0.0.1:8080
SYMBOLS ?= BTCUSDT,ETHUSDT
PAIR ?= ETHUSDT/BTCUSDT
BIN := target/release/spreadwatch

.PHONY: all deps build run demo ui fuzz test test-rust test-web lint wasm-check examples docs bench bench-load golden clean

all: build

# Idempotent: each step is skipped when its tool is already present.
deps:
	@scripts/deps.sh

build: deps
	$(CARGO) build --release -p spreadwatch-engine --bin spreadwatch

run: build ui
	$(BIN) serve --data-dir data --source binance --symbols $(SYMBOLS) --pair $(PAIR) --bind $(BIND)

demo: build ui
	$(BIN) serve --source sim --symbols $(SYMBOLS) --pair $(PAIR) --bind $(BIND)

# The dashboard is built first: the browser tests drive it in Chromium.
test: deps lint ui test-rust test-web examples docs wasm-check
	@echo "make test: all passed"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --exclude spreadwatch-web --all-targets -- -D warnings
	$(CARGO) clippy -p spreadwatch-engine --features nats --all-targets -- -D warnings
	$(CARGO) clippy -p spreadwatch-web --all-targets -- -D warnings
	$(CARGO) clippy -p spreadwatch-web --target wasm32-unknown-unknown -- -D warnings

# SW_BROWSER_TESTS=1: a missing chromium or dist/ fails the browser tests
# instead of skipping them.
# The upload-memory test runs the release build (a debug build takes
# minutes a 49 MB file), by itself: four analyses take both cores for half
# a minute, which the timing of the other tests should not have to share.
test-rust:
	SW_BROWSER_TESTS=1 $(CARGO) test --workspace --exclude spreadwatch-web
	$(CARGO) build --release -p spreadwatch-engine --bin spreadwatch
	SW_RELEASE_BIN=$(CURDIR)/$(BIN) $(CARGO) test --workspace --exclude spreadwatch-web --test integration hardening::upload_memory
	# The whole-market dashboard measures frame rates: alone, on the release engine.
	SW_RELEASE_BIN=$(CURDIR)/$(BIN) SW_BROWSER_TESTS=1 $(CARGO) test -p spreadwatch-engine --test integration browser::scanner -- --ignored
	# The cluster: nats-server -js on 127.0.0.1, every role a real process.
	SW_NATS_TESTS=1 SW_BROWSER_TESTS=1 $(CARGO) test -p spreadwatch-engine --features nats --test integration -- nats:: cluster:: cluster_gateway:: cluster_scan:: browser::cluster cli::the_cluster_commands
	$(CARGO) test -p spreadwatch-engine --features nats --lib cluster::
	$(CARGO) test -p spreadwatch-engine --features nats --doc cluster
	$(CARGO) test -p spreadwatch-engine --no-default-features --lib

# The dashboard's pure parts (store rows, backtest, formatting), natively.
test-web:
	$(CARGO) test -p spreadwatch-web

# Every example runs and exits 0 by itself.
examples:
	$(CARGO) run -q -p spreadwatch-engine --example embed
	$(CARGO) run -q -p spreadwatch-engine --example custom_source
	$(CARGO) run -q -p spreadwatch-engine --example mount_in_actix
	scripts/check-embed.sh

docs:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p spreadwatch-engine -p spreadwatch-proto

wasm-check:
	@if rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then \
		$(CARGO) check -p spreadwatch-web -p spreadwatch-proto --target wasm32-unknown-unknown; \
	else echo "wasm-check: skipped, the wasm32-unknown-unknown target is not installed"; fi

# cargo-fuzz targets (nightly) for a bounded time each: FUZZ_SECONDS=120.
fuzz:
	scripts/fuzz.sh

# The dashboard bundle (dist/), built offline with Trunk.
ui:
	scripts/ui.sh

# Criterion benches, replay throughput, the Python side by side (per update
# and the whole replay) and the load matrix; rewrites the load-matrix table in
# BENCHMARKS.md. SOAK=1 adds the 10-minute soak.
bench: deps
	scripts/bench.sh

# Only the load matrix of `make bench` (the table at the end of BENCHMARKS.md).
bench-load: deps
	scripts/bench.sh load

# Regenerate the golden files from Python (needs PyPI; the tests never do).
golden:
	scripts/golden/run.sh

clean:
	$(CARGO) clean
