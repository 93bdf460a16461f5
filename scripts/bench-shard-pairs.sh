#!/usr/bin/env bash
# How many live pairs one analytics shard carries (BENCHMARKS.md, "The
# cluster over NATS JetStream"): a paced replay of SYMBOLS symbols at RATE
# trades/s in all goes through `spreadwatch ingest` into the stream; one
# `serve --shard 1/1` runs P pairs of them for each P in PAIRS. For each P it
# prints the shard's CPU over the measured window, its consumer's lag at the
# end (messages not yet delivered, and delivered but not yet acknowledged)
# and its resident memory. Needs nats-server and the release build with the
# feature:
#   cargo build --release -p spreadwatch-engine --features nats --bin spreadwatch
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/spreadwatch}
SYMBOLS=${SYMBOLS:-40}
RATE=${RATE:-2000}
SECONDS_OF_DATA=${SECONDS_OF_DATA:-60}
PAIRS=${PAIRS:-"10 100 300 600"}
# shellcheck source=scripts/bench-nats.sh
. scripts/bench-nats.sh

python3 - "$work/feed.jsonl" "$SYMBOLS" "$RATE" "$SECONDS_OF_DATA" <<'PY'
import random, sys
path, n, rate, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
random.seed(7)
syms = [f"S{i:03d}USDT" for i in range(n)]
px = [100.0 * (1 + i / n) for i in range(n)]
ids = [0] * n
t0 = 1_700_000_100_000
with open(path, "w") as out:
    for k in range(rate * secs):
        i = k % n
        px[i] *= 1 + (random.random() - 0.5) * 2e-4
        ids[i] += 1
        t = t0 + k * 1000 // rate
        s = syms[i]
        out.write('{"stream":"%s@aggTrade","data":{"e":"aggTrade","E":%d,"s":"%s","a":%d,'
                  '"p":"%.6f","q":"1.000","f":%d,"l":%d,"T":%d,"m":false}}\n'
                  % (s.lower(), t + 2, s, ids[i], px[i], ids[i], ids[i], t))
with open(path + ".pairs", "w") as f:
    pairs = [f"{syms[a]}/{syms[b]}" for a in range(n) for b in range(n) if a != b]
    f.write("\n".join(pairs))
PY

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for p in $PAIRS; do
    rm -rf "$work/js" "$work/shard"
    start_broker "$work/js"
    list=$(head -n "$p" "$work/feed.jsonl.pairs" | paste -sd, -)
    RUST_LOG=warn "$BIN" serve --source "nats:$url" --shard 1/1 --pair "$list" \
        --data-dir "$work/shard" --bind 127.0.0.1:0 --ui-dir /nonexistent > "$work/shard.out" &
    shard=$!
    base=$(announced "$work/shard.out")
    RUST_LOG=warn "$BIN" ingest --source "replay:$work/feed.jsonl" --speed 1 --publish "nats:$url" \
        --bind 127.0.0.1:0 >/dev/null &
    ingest=$!
    sleep 10
    c0=$(cpu_ticks "$shard"); t0=$(date +%s.%N)
    sleep 30
    c1=$(cpu_ticks "$shard"); t1=$(date +%s.%N)
    python3 - "$base" "$p" "$c0" "$c1" "$t0" "$t1" "$shard" "$RATE" <<'PY'
import json, sys, urllib.request
base, p, c0, c1, t0, t1, pid, rate = sys.argv[1:9]
st = json.load(urllib.request.urlopen(base + "/api/status"))
c = st["cluster"]["consumer"]
cpu = (int(c1) - int(c0)) / 100 / (float(t1) - float(t0)) * 100
rss = next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS")) / 1024
print(f"{p:>5} pairs at {rate} trades/s: shard cpu {cpu:5.0f} %, lag {c['pending']} pending + "
      f"{c['ack_pending']} unacknowledged, rss {rss:.0f} MB, {len(st['pairs'])} pairs running")
PY
    kill "$ingest" "$shard" "$broker" 2>/dev/null || true
    wait "$ingest" "$shard" "$broker" 2>/dev/null || true
done
