#!/usr/bin/env bash
# The cluster's numbers for BENCHMARKS.md ("The cluster over NATS
# JetStream"): a replay ingested into JetStream with every trade
# acknowledged, and one shard reading the stream back (handing the trades to
# its actors, saving, acknowledging). Needs nats-server (scripts/deps.sh
# installs it) and the release build with the feature:
#   cargo build --release -p spreadwatch-engine --features nats --bin spreadwatch
#   cargo build --release -p spreadwatch-benches --bin genfeed
# TICKS (default 1000000) sets the feed's size.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/spreadwatch}
GENFEED=${GENFEED:-target/release/genfeed}
TICKS=${TICKS:-1000000}
# shellcheck source=scripts/bench-nats.sh
. scripts/bench-nats.sh
start_broker "$work/js"

"$GENFEED" --ticks "$TICKS" --symbols 8 --rate 2500 --out "$work/feed.jsonl"

now() { date +%s.%N; }
t0=$(now)
RUST_LOG=warn "$BIN" ingest --source "replay:$work/feed.jsonl" --publish "nats:$url" \
    --bind 127.0.0.1:0 >/dev/null
t1=$(now)
python3 -c "import sys; t=float(sys.argv[2])-float(sys.argv[1]); n=int(sys.argv[3]); print(f'ingest: {n} trades published and acknowledged in {t:.2f} s: {n/t:,.0f} trades/s')" "$t0" "$t1" "$TICKS"

pairs=ETHUSDT/BTCUSDT,SOLUSDT/BTCUSDT,XRPUSDT/SOLUSDT,BNBUSDT/ETHUSDT,DOGEUSDT/XRPUSDT,ADAUSDT/LINKUSDT
RUST_LOG=warn "$BIN" serve --source "nats:$url" --shard 1/1 --pair "$pairs" \
    --data-dir "$work/shard" --bind 127.0.0.1:0 --ui-dir /nonexistent > "$work/shard.out" &
pids+=($!)
t0=$(now)
base=$(announced "$work/shard.out")
python3 - "$base" "$TICKS" "$t0" <<'PY'
import json, sys, time, urllib.request
base, n, t0 = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
while True:
    st = json.load(urllib.request.urlopen(base + "/api/status"))
    c = (st.get("cluster") or {}).get("consumer") or {}
    if c.get("delivered", 0) >= n and c.get("pending", 1) == 0 and c.get("ack_pending", 1) == 0:
        break
    time.sleep(0.05)
t = time.time() - t0
held = sum(s.get("ticks", 0) for s in st["symbols"].values())
print(f"shard 1/1, 6 pairs of 8 symbols: {n} trades read, saved and acknowledged in {t:.2f} s: "
      f"{n/t:,.0f} trades/s ({held} held, {c['redelivered']} redelivered)")
PY
