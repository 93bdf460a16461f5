#!/usr/bin/env python3
"""The pair scan done the way a Python user would: pandas' correlation of log
returns for the screen, then statsmodels' `coint` (and an OLS line, the
half-life and the last z) in a loop over the candidates, both orders.

Usage: scan_reference.py MARKET.csv [MAX_CANDIDATES]
Prints one JSON line: symbols, pairs screened, candidates, the seconds of the
screen and of the tests, the top 5.
The market is the long CSV `scanbench --csv` writes (every symbol has every
bar, so pandas' matrix `corr` is each pair's inner-join correlation).
"""

from __future__ import annotations

import json
import math
import sys
import time
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tsa.stattools import coint


def test(y: np.ndarray, x: np.ndarray, window: int = 60):
    stat, p, _ = coint(y, x, trend="c", autolag="aic")
    ols = sm.OLS(y, sm.add_constant(x)).fit()
    alpha, beta = ols.params
    s = y - (alpha + beta * x)
    b = sm.OLS(np.diff(s), sm.add_constant(s[:-1])).fit().params[1]
    hl = -math.log(2) / b if b < 0 else None
    tail = s[-window:]
    z = (tail[-1] - tail.mean()) / tail.std(ddof=1)
    return p, stat, beta, alpha, hl, z


def main() -> None:
    warnings.simplefilter("ignore")
    path = sys.argv[1]
    max_candidates = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    df = pd.read_csv(path)
    t0 = time.perf_counter()
    wide = df.pivot(index="open_time", columns="symbol", values="close").sort_index().iloc[-1440:]
    corr = np.log(wide).diff().corr().to_numpy()
    syms = list(wide.columns)
    iu = np.triu_indices(len(syms), 1)
    vals = corr[iu]
    order = np.argsort(-np.abs(vals), kind="stable")
    picked = [i for i in order if abs(vals[i]) >= 0.7][:max_candidates]
    t1 = time.perf_counter()
    results = []
    for i in picked:
        a, b = syms[iu[0][i]], syms[iu[1][i]]
        ya, xb = wide[a].to_numpy(), wide[b].to_numpy()
        ab, ba = test(ya, xb), test(xb, ya)
        results.append((a, b, ab) if ab[0] <= ba[0] else (b, a, ba))
    results.sort(key=lambda r: (r[2][0], r[2][4] is None, r[2][4] or 0.0))
    t2 = time.perf_counter()
    print(json.dumps({
        "symbols": len(syms),
        "pairs_screened": len(vals),
        "candidates": len(picked),
        "screen_seconds": t1 - t0,
        "test_seconds": t2 - t1,
        "top": [f"{y}/{x} p={r[0]:.3e}" for y, x, r in results[:5]],
    }))


if __name__ == "__main__":
    main()
