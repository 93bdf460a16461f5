#!/usr/bin/env bash
# `make fuzz`: each cargo-fuzz target for a bounded time (FUZZ_SECONDS, default
# 120), starting from the seed corpora in engine/fuzz/corpus/. Prints the
# number of inputs each target ran; no input may panic.
set -euo pipefail
cd "$(dirname "$0")/../engine"
export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz
secs="${FUZZ_SECONDS:-120}"
for t in frame_parser csv_upload client_message snapshot_decoder; do
    log="$(mktemp)"
    cargo +nightly fuzz run "$t" -- -max_total_time="$secs" -print_final_stats=1 2>"$log" || { tail -40 "$log"; exit 1; }
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    echo "fuzz: $t ran $runs inputs in ${secs}s without a panic"
    rm -f "$log"
done
