#!/usr/bin/env bash
# Criterion benches and a full-pipeline replay throughput run.
# Numbers go to stdout; BENCHMARKS.md records them with these commands.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo bench -p spreadwatch-benches --bench ingest -- --warm-up-time 1 --measurement-time 3
cargo build --release -p spreadwatch-engine -p spreadwatch-benches --bins

work="${BENCH_DIR:-target/bench}"
mkdir -p "$work"
feed="$work/feed2m.jsonl"
[ -s "$feed" ] || target/release/genfeed --ticks 2000000 --out "$feed"
for i in 1 2 3; do
    target/release/spreadwatch replay "$feed" --speed max --export-dir "$work/out"
done
