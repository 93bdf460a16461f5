#!/usr/bin/env bash
# Regenerate the golden fixtures:
#   engine/tests/data/golden/     bar builder       (gen_bars.py)
#   engine/tests/data/analytics/  analyze command   (gen_analytics.py)
#   engine/tests/data/core/       core unit tests   (gen_core.py)
#   engine/tests/data/scan/       scan command      (gen_scan.py)
#
# Idempotent: creates scripts/golden/.venv on first use, (re)installs the
# pinned requirements only when requirements.txt changed, then runs
# gen_bars.py, gen_analytics.py, gen_core.py and gen_scan.py. Extra arguments are passed
# through to gen_bars.py only.
# Override the interpreter used to create the venv with PYTHON=/path/to/python3.11
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
req="$here/requirements.txt"

if [ -z "${PYTHON:-}" ]; then
    if command -v python3.11 >/dev/null 2>&1; then PYTHON=python3.11; else PYTHON=python3; fi
fi

if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "run.sh: $PYTHON is $("$PYTHON" -V 2>&1); CPython >= 3.11 is required (set PYTHON=...)" >&2
    exit 1
fi

# (Re)create the venv if it is missing or broken (e.g. an interrupted earlier run).
if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
fi

stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$req"
    echo "$want" >"$stamp"
fi

# With --venv-only, stop here: other scripts (benches/python) reuse the venv.
if [ "${1:-}" = "--venv-only" ]; then
    echo "$venv/bin/python"
    exit 0
fi

"$venv/bin/python" "$here/gen_bars.py" --out "$repo/engine/tests/data/golden" "$@"
"$venv/bin/python" "$here/gen_analytics.py" --out "$repo/engine/tests/data/analytics"
"$venv/bin/python" "$here/gen_core.py" --out "$repo/engine/tests/data/core"
exec "$venv/bin/python" "$here/gen_scan.py" --out "$repo/engine/tests/data/scan"
