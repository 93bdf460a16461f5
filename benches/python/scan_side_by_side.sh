#!/usr/bin/env bash
# One run, both sides: the whole-market pair scan (550 symbols x 1,440 1 m
# bars, 5,000 candidates both ways) by spreadwatch's scanner and by the
# pandas + statsmodels loop a Python user would write. Prints the ratio.
# SCAN_CANDIDATES lowers the Python side's candidates (its test time is
# then scaled up to 5,000, linearly, and the ratio says so).
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${BENCH_DIR:-target/bench}"
mkdir -p "$work"
scripts/golden/run.sh --venv-only >/dev/null
cargo build --release -q -p spreadwatch-benches --bin scanbench
rs=$(target/release/scanbench --runs 3 --csv "$work/market550.csv")
n="${SCAN_CANDIDATES:-5000}"
py=$(scripts/golden/.venv/bin/python benches/python/scan_reference.py "$work/market550.csv" "$n")
echo "spreadwatch: $rs"
echo "python:      $py"
python3 - "$rs" "$py" <<'PY'
import json, sys
r, p = (json.loads(a) for a in sys.argv[1:3])
rs = sorted(r["ms"])[len(r["ms"]) // 2] / 1e3
scale = r["candidates"] / max(p["candidates"], 1)
py = p["screen_seconds"] + p["test_seconds"] * scale
note = "" if scale == 1 else f" (python timed on {p['candidates']} candidates, scaled x{scale:.1f})"
print(f"scan 550 x 1440: spreadwatch {rs:.2f} s, python {py:.1f} s, ratio {py / rs:,.0f}x{note}")
PY
