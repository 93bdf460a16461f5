#!/usr/bin/env bash
# `make bench`: criterion benches, replay throughput, the Python side by side,
# and the standard load-test matrix. The load matrix table in BENCHMARKS.md
# (between the load-matrix markers) is rewritten from the JSON results.
# `scripts/bench.sh load` (`make bench-load`) runs only the load matrix.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${BENCH_DIR:-target/bench}"
mkdir -p "$work"
only="${1:-all}"
case "$only" in all|load) ;; *) echo "usage: scripts/bench.sh [load]" >&2; exit 2 ;; esac

if [ "$only" = all ]; then
    cargo bench -p spreadwatch-benches --bench ingest -- --warm-up-time 1 --measurement-time 3
    cargo bench -p spreadwatch-benches --bench pair -- --warm-up-time 1 --measurement-time 3
    cargo bench -p spreadwatch-benches --bench scan -- --warm-up-time 1 --measurement-time 15
    cargo build --release -p spreadwatch-engine -p spreadwatch-benches --bins

    feed="$work/feed2m.jsonl"
    [ -s "$feed" ] || target/release/genfeed --ticks 2000000 --out "$feed"
    for i in 1 2 3; do
        target/release/spreadwatch replay "$feed" --speed max --export-dir "$work/out"
    done
    benches/python/side_by_side.sh || echo "bench: the Python side by side needs PyPI for its venv; skipped"
    # The whole-market scan, both sides (the Python loop timed on 1,000 candidates, scaled).
    SCAN_CANDIDATES=1000 benches/python/scan_side_by_side.sh || echo "bench: the scan side by side needs PyPI for its venv; skipped"
    # The whole replay, both sides, each from its own mock Binance at full speed.
    if scripts/golden/run.sh --venv-only >/dev/null; then
        target/release/sidebyside --ticks 100000 --json "$work/sidebyside.json"
    else
        echo "bench: the whole-replay side by side needs PyPI for its venv; skipped"
    fi

    # The dashboard in headless chromium against the release engine: bundle
    # size, first draw, frame rate at 2,400 trades/s.
    scripts/ui.sh
    for f in dist/*.wasm dist/*.js dist/*.css; do
        echo "bundle: $f $(stat -c %s "$f") bytes, $(gzip -9c "$f" | wc -c) gzipped"
    done
    SW_TEST_BIN="$PWD/target/release/spreadwatch" SW_BROWSER_TESTS=1 \
        cargo test -p spreadwatch-engine --test integration browser::perf -- --ignored --nocapture

else
    cargo build --release -p spreadwatch-engine -p spreadwatch-benches --bins
fi

lt() { # name, args...
    local name="$1"; shift
    target/release/loadtest "$@" --json "$work/load_$name.json"
}
lt 20k_100 --rate 20000 --clients 100 --duration 10 --warmup 2
# The same load against the bare fan-out (no engine): what this machine allows.
lt 20k_100_floor --engine target/release/floorserver --rate 20000 --clients 100 --duration 10 --warmup 2
# 10 timed clients, 90 draining in bulk: clients that cost the machine less.
lt 20k_100_measured10 --measured 10 --rate 20000 --clients 100 --duration 10 --warmup 2
lt 20k_100_slow10 --rate 20000 --clients 100 --slow-clients 10 --duration 10 --warmup 2
lt 20k_1000 --rate 20000 --clients 1000 --duration 10 --warmup 4
lt max_1 --rate max --clients 1 --duration 10 --warmup 2
# The 10-minute soak (RSS growth after warm-up), with SOAK=1; the whole
# market (550 symbols, skewed) for 10 minutes and a 50,000 ticks/s burst.
if [ "${SOAK:-0}" = 1 ]; then
    lt soak --rate 20000 --clients 100 --duration 600 --warmup 120
    lt whole_550 --symbols 550 --skew 1 --rate 5000 --clients 10 --duration 600 --warmup 60
    lt burst_550 --symbols 550 --skew 1 --rate 50000 --clients 10 --duration 60 --warmup 10
fi

python3 - "$work" <<'PY'
import json, os, platform, re, sys
work = sys.argv[1]
runs = [
    ("20k_100", "--rate 20000 --clients 100 --duration 10 --warmup 2"),
    ("20k_100_floor", "--engine target/release/floorserver --rate 20000 --clients 100 --duration 10 --warmup 2"),
    ("20k_100_measured10", "--measured 10 --rate 20000 --clients 100 --duration 10 --warmup 2"),
    ("20k_100_slow10", "--rate 20000 --clients 100 --slow-clients 10 --duration 10 --warmup 2"),
    ("20k_1000", "--rate 20000 --clients 1000 --duration 10 --warmup 4"),
    ("max_1", "--rate max --clients 1 --duration 10 --warmup 2"),
]
if os.environ.get("SOAK") == "1":  # only a soak run in this bench, never an old file
    runs.append(("soak", "--rate 20000 --clients 100 --duration 600 --warmup 120"))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
rows = [f"Machine: {os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}. "
        "Harness and engine share the machine. Latency is the mock's send of a trade to the client reading "
        "its delta; 'in the socket' is to the frame reaching the client's socket (kernel receive stamp).", "",
        "| run | ticks/s | p50 | p90 | p99 | p99.9 | max (µs) | in the socket p50 / p99 (µs) | frames/s | resyncs | CPU % | RSS MB start/max/end | command |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
for name, args in runs:
    p = os.path.join(work, f"load_{name}.json")
    if not os.path.exists(p):
        continue
    r = json.load(open(p)); l = r["latency_us"]; m = r["rss_mb"]; d = r.get("delivered_us", {})
    rows.append(f"| {name} | {r['ticks_per_s']:.0f} | {l['p50']} | {l['p90']} | {l['p99']} | {l['p999']} | {l['max']} | "
                f"{d.get('p50', '–')} / {d.get('p99', '–')} | "
                f"{r['frames_per_s']:.0f} | {r['resyncs']} | {r['cpu_pct']:.0f} | {m['start']:.1f}/{m['max']:.1f}/{m['end']:.1f} | "
                f"`target/release/loadtest {args}` |")
text = open("BENCHMARKS.md").read()
block = "<!-- load-matrix:begin -->\n" + "\n".join(rows) + "\n<!-- load-matrix:end -->"
if "<!-- load-matrix:begin -->" in text:
    text = re.sub(r"<!-- load-matrix:begin -->.*?<!-- load-matrix:end -->", lambda _: block, text, flags=re.S)
else:
    text += "\n## Load matrix (written by `make bench`)\n\n" + block + "\n"
open("BENCHMARKS.md", "w").write(text)
print("BENCHMARKS.md: load matrix refreshed")
PY
