#!/usr/bin/env bash
# One run, both sides: the original Python dashboard's per-refresh
# recomputation (pandas + statsmodels + pykalman over the lookback) versus
# spreadwatch's incremental update, on the same workload. Prints the ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/golden/run.sh --venv-only >/dev/null   # makes the venv if missing
py=$(scripts/golden/.venv/bin/python benches/python/reference_dashboard.py "${PY_UPDATES:-200}")
cargo build --release -q -p spreadwatch-benches --bin pairbench
rs=$(target/release/pairbench "${RS_UPDATES:-1000000}")
echo "python:      $py"
echo "spreadwatch: $rs"
python3 - "$py" "$rs" <<'PY'
import json, sys
p, r = (json.loads(a)["per_update_us"] for a in sys.argv[1:3])
print(f"per update: python {p:.1f} us, spreadwatch {r:.3f} us, ratio {p / r:,.0f}x")
PY
