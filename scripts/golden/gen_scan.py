#!/usr/bin/env python3
"""Generate golden fixtures for `spreadwatch scan` (the pair scanner).

Writes into engine/tests/data/scan/ (or --out):

  market.csv       1 m closes of 32 symbols over 1,600 minutes, long format
                   (open_time,symbol,close); every log return loads on one market
                   factor, and (see the constants below):
                     PLANTED   three cointegrated pairs (y = alpha + beta x + OU)
                     GAP       one of them misses one bar in nine
                     CLUSTER   four symbols sharing a second factor: correlated
                               returns, not cointegrated
                     LATE_*    one listed too late to be screened (600 bars of
                               the window), one late but joined (900 bars)
  <case>.json      {"csv": ..., "args": [...], "expected": {...}} per case

The reference scan below is the issue's definition written with pandas and
statsmodels (the versions pinned in requirements.txt): the window is the
newest `lookback` times of the union of bar times; a pair uses the bars both
symbols have in it (inner join) and is skipped below half the lookback; the
screen is pandas' Pearson correlation of the joined closes' log returns;
candidates are |corr| >= min_corr, strongest first, at most max_candidates;
each is tested both ways with `coint(y, x, trend="c", autolag="aic")`, OLS
alpha and beta, the half-life of the spread as `analyze` defines it, and the
z of the last point over the last `window` points (ddof 1); the order with
the lower p is kept (tie: alphabetically first y); the ranking is p
ascending, then half-life ascending (none last).

Deterministic: the data come from `random.Random(SEED)`; a rerun writes
byte-identical files. Run through scripts/golden/run.sh (the pinned venv).
"""

from __future__ import annotations

import argparse
import json
import math
import random
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tsa.stattools import coint

SEED = 11
T0_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
MINUTES = 1_600
# Planted cointegrated pairs (y, x, beta, alpha, OU phi, OU sigma).
PLANTED = [
    ("ALPHAUSDT", "BRAVOUSDT", 2.0, 3.0, 0.80, 0.05),
    ("CHARLUSDT", "DELTAUSDT", 0.7, 1.0, 0.90, 0.03),
    ("KILOUSDT", "LIMAUSDT", 1.3, -2.0, 0.85, 0.04),
]
GAP = "DELTAUSDT"  # misses one bar in nine
LATE_SKIPPED = "ECHOUSDT"  # 600 bars of the 1,440-bar window: below half
LATE_JOINED = "FOXTRUSDT"  # 900 bars of the window: joined on its own
CLUSTER = ["MIKEUSDT", "NOVAUSDT", "OSCARUSDT", "PAPAUSDT"]  # correlated, not cointegrated
PLAIN = [
    "GOLFUSDT", "HOTELUSDT", "INDIAUSDT", "JULIEUSDT", "QUEBUSDT", "ROMEOUSDT",
    "SIERRUSDT", "TANGOUSDT", "UNIFUSDT", "VICTUSDT", "WHISKUSDT", "XRAYUSDT",
    "YANKUSDT", "ZULUUSDT", "AXISUSDT", "BOLTUSDT", "CORDUSDT", "DUNEUSDT",
    "EMBRUSDT", "FLUXUSDT",
]

CASES = {
    "defaults": [],
    "loose": ["--min-corr", "0.2", "--window", "30"],
    "capped": ["--min-corr", "0.2", "--max-candidates", "4", "--top", "3"],
}


def log_walk(rng, n, start, sigma, factors):
    """A price whose log returns load on the given (factor, loading) pairs."""
    lp, out = math.log(start), []
    for i in range(n):
        lp += rng.gauss(0.0, sigma) + sum(load * f[i] for f, load in factors)
        out.append(math.exp(lp))
    return out


def ou(rng: random.Random, n: int, phi: float, sigma: float):
    s, out = 0.0, []
    for _ in range(n):
        s = phi * s + rng.gauss(0.0, sigma)
        out.append(s)
    return out


def market() -> pd.DataFrame:
    rng = random.Random(SEED)
    n = MINUTES
    mkt = [rng.gauss(0.0, 1.0) for _ in range(n)]
    clu = [rng.gauss(0.0, 1.0) for _ in range(n)]
    closes: dict[str, list[float | None]] = {}
    for k, (y, x, beta, alpha, phi, sigma) in enumerate(PLANTED):
        xs = log_walk(rng, n, 40.0 + 10 * k, 0.0015, [(mkt, 0.0008)])
        closes[x] = xs
        closes[y] = [beta * v + alpha + e for v, e in zip(xs, ou(rng, n, phi, sigma))]
    for name in CLUSTER:
        closes[name] = log_walk(rng, n, 10.0 + rng.random() * 20, 0.0008, [(mkt, 0.0008), (clu, 0.002)])
    for name in PLAIN + [LATE_SKIPPED, LATE_JOINED]:
        closes[name] = log_walk(rng, n, 1.0 + rng.random() * 100, 0.002, [(mkt, 0.0008)])
    closes[GAP] = [None if i % 9 == 4 else c for i, c in enumerate(closes[GAP])]
    closes[LATE_SKIPPED] = [None if i < n - 600 else c for i, c in enumerate(closes[LATE_SKIPPED])]
    closes[LATE_JOINED] = [None if i < n - 900 else c for i, c in enumerate(closes[LATE_JOINED])]
    rows = []
    for i in range(n):
        t = T0_MS + i * 60_000
        for name in sorted(closes):
            c = closes[name][i]
            if c is not None:
                rows.append((t, name, float(f"{c:.6f}")))
    return pd.DataFrame(rows, columns=["open_time", "symbol", "close"])


def parse_args(argv: list[str]) -> argparse.Namespace:
    """A mirror of the Rust CLI's scan flags."""
    p = argparse.ArgumentParser()
    p.add_argument("--lookback", type=int, default=1440)
    p.add_argument("--min-corr", type=float, default=0.7)
    p.add_argument("--max-candidates", type=int, default=5000)
    p.add_argument("--top", type=int, default=200)
    p.add_argument("--window", type=int, default=60)
    return p.parse_args(argv)


def jnum(v):
    v = float(v)
    return v if math.isfinite(v) else None


def test_order(y: np.ndarray, x: np.ndarray, window: int):
    stat, p, _ = coint(y, x, trend="c", autolag="aic")
    ols = sm.OLS(y, sm.add_constant(x)).fit()
    alpha, beta = float(ols.params[0]), float(ols.params[1])
    s = y - (alpha + beta * x)
    hl_fit = sm.OLS(np.diff(s), sm.add_constant(s[:-1])).fit()
    b = float(hl_fit.params[1])
    half_life = -math.log(2) / b if b < 0 else None
    z = None
    if len(s) >= window:
        tail = pd.Series(s[-window:])
        zz = (tail.iloc[-1] - tail.mean()) / tail.std(ddof=1)
        z = jnum(zz)
    return {
        "coint": {"stat": jnum(stat), "pvalue": float(p)},
        "beta": beta,
        "alpha": alpha,
        "half_life": half_life,
        "z": z,
    }


def reference_scan(df: pd.DataFrame, a: argparse.Namespace) -> dict:
    wide = df.pivot(index="open_time", columns="symbol", values="close").sort_index()
    win = wide.iloc[-a.lookback:]
    win = win.loc[:, win.notna().any()]
    syms = sorted(win.columns)
    need = max(math.ceil(a.lookback / 2), 4)
    screened = []
    for i, sa in enumerate(syms):
        for sb in syms[i + 1:]:
            j = win[[sa, sb]].dropna()
            if len(j) < need:
                continue
            r = np.log(j).diff().dropna()
            c = r[sa].corr(r[sb])
            screened.append((sa, sb, float(c), j))
    cands = [s for s in screened if abs(s[2]) >= a.min_corr]
    cands.sort(key=lambda s: (-abs(s[2]), s[0], s[1]))
    cands = cands[: a.max_candidates]
    results = []
    for sa, sb, c, j in cands:
        ya, xb = j[sa].to_numpy(np.float64), j[sb].to_numpy(np.float64)
        ab, ba = test_order(ya, xb, a.window), test_order(xb, ya, a.window)
        pick_ba = ba["coint"]["pvalue"] < ab["coint"]["pvalue"] or (
            ba["coint"]["pvalue"] == ab["coint"]["pvalue"] and sb < sa
        )
        y, x, t = (sb, sa, ba) if pick_ba else (sa, sb, ab)
        results.append({"y": y, "x": x, "corr": c, **t, "n": int(len(j))})
    results.sort(key=lambda r: (
        r["coint"]["pvalue"],
        r["half_life"] is None,
        r["half_life"] if r["half_life"] is not None else 0.0,
        r["y"], r["x"],
    ))
    return {
        "symbols": len(syms),
        "pairs_screened": len(screened),
        "candidates": len(cands),
        "results": results[: a.top],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    out = ap.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    df = market()
    df.to_csv(out / "market.csv", index=False, lineterminator="\n")
    for name, argv in CASES.items():
        expected = reference_scan(df, parse_args(argv))
        case = {"csv": "market.csv", "args": argv, "expected": expected}
        text = json.dumps(case, indent=1, ensure_ascii=True, allow_nan=False)
        (out / f"{name}.json").write_text(text + "\n")
        print(f"{name}: {expected['pairs_screened']} screened, {expected['candidates']} tested, "
              f"first {[(r['y'], r['x']) for r in expected['results'][:3]]}")


if __name__ == "__main__":
    main()
