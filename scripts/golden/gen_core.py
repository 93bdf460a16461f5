#!/usr/bin/env python3
"""Generate the reference values the unit tests of engine/src/core/ check.

Writes engine/tests/data/core/reference.json (or --out): what statsmodels,
scipy, pandas, numpy and pykalman (the versions pinned in requirements.txt)
return on the deterministic test series of engine/src/core/test_series.rs.

The series are rebuilt here line for line: an integer LCG (Knuth's MMIX
constants, top 53 bits) and Irwin-Hall normals (additions only), so both
languages get identical doubles. Each case names its series, so the Rust
tests rebuild the same input and need no Python.

Floats are written as Python's shortest round-trip repr, which serde_json
(with `float_roundtrip`) reads back to the same bits; where a test compares
bits, the bits are written as hex too. A rerun gives a byte-identical file.

Run it through scripts/golden/run.sh, which provides the pinned venv.
"""

from __future__ import annotations

import argparse
import json
import math
import struct
import sys
from decimal import Decimal, getcontext
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pykalman
import scipy
import scipy.stats
import statsmodels
import statsmodels.api as sm
from pykalman import KalmanFilter
from statsmodels.tsa.adfvalues import mackinnoncrit, mackinnonp
from statsmodels.tsa.stattools import adfuller, coint

MASK = (1 << 64) - 1


class Lcg:
    """engine/src/core/test_series.rs `Lcg`."""

    def __init__(self, seed: int):
        self.s = seed

    def uniform(self) -> float:
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) & MASK
        return (self.s >> 11) / 9007199254740992.0

    def normal(self) -> float:
        acc = 0.0
        for _ in range(12):
            acc += self.uniform()
        return acc - 6.0


def ar1(seed: int, n: int, phi: float, start: float) -> list[float]:
    g = Lcg(seed)
    x = [start]
    for _ in range(1, n):
        x.append(phi * x[-1] + g.normal())
    return x


def ar_diff(seed: int, n: int, phi: float) -> list[float]:
    g = Lcg(seed)
    d, x = 0.0, [0.0]
    for _ in range(1, n):
        d = phi * d + g.normal()
        x.append(x[-1] + d)
    return x


def cointegrated() -> tuple[list[float], list[float]]:
    """`cointegrated()`: (y, x) with y = 2 + 1.5 x + AR(1) noise."""
    x = ar1(2, 500, 1.0, 100.0)
    u = ar1(5, 500, 0.5, 0.0)
    return [2.0 + 1.5 * a + b for a, b in zip(x, u)], x


def price_pair(n: int, seed: int, tick: bool, outliers: bool = False):
    """`price_pair()`: x a random walk near 100, y = 1.5 x + 5 + noise."""
    g = Lcg(seed)
    x, y = [], []
    level = 100.0
    for _ in range(n):
        level += 0.1 * g.normal()
        yy = 1.5 * level + 5.0 + 0.2 * g.normal()
        if tick:
            x.append(math.floor(level * 100.0 + 0.5) / 100.0)
            y.append(math.floor(yy * 100.0 + 0.5) / 100.0)
        else:
            x.append(level)
            y.append(yy)
    if outliers:  # `with_outliers()`: every 13th y 6 up or down, alternating
        for i in range(0, n, 13):
            y[i] += 6.0 if (i // 13) % 2 == 0 else -6.0
    return x, y


def series(spec) -> np.ndarray:
    """Builds a series from its JSON spec (the Rust side's `Series`)."""
    if spec == "cointegrated_y":
        return np.array(cointegrated()[0])
    if spec == "cointegrated_x":
        return np.array(cointegrated()[1])
    (kind, args), = spec.items()
    return np.array({"ar1": ar1, "ar_diff": ar_diff}[kind](*args))


def pair_of(spec) -> tuple[np.ndarray, np.ndarray]:
    x, y = price_pair(spec["n"], spec["seed"], spec["tick"], spec.get("outliers", False))
    return np.array(x), np.array(y)


def bits(v: float) -> str:
    return "0x%016x" % struct.unpack("<Q", struct.pack("<d", float(v)))[0]


def num(v):
    v = float(v)
    return v if math.isfinite(v) else None


def nums(a) -> list:
    return [num(v) for v in np.asarray(a, dtype=np.float64)]


# --------------------------------------------------------------------------
# the cases: each list mirrors a test in engine/src/core/
# --------------------------------------------------------------------------

STATS = [-25.0, -18.9, -5.0, -3.0, -1.61, -1.0, 0.0, 0.5, 1.0, 3.0]


def gen_mackinnon() -> dict:
    pvalues = [
        {"regression": reg, "n": n, "stat": t, "p": num(mackinnonp(t, regression=reg, N=n))}
        for reg in ("n", "c", "ct") for n in (1, 2) for t in STATS
    ]
    crit_cases = [("n", 1, None), ("n", 1, 100.0), ("n", 1, 499.0),
                  ("c", 1, None), ("c", 1, 100.0), ("c", 1, 499.0),
                  ("ct", 1, None), ("ct", 1, 100.0), ("ct", 1, 499.0),
                  ("c", 2, 499.0), ("ct", 12, 37.0)]
    crit = []
    for reg, n, nobs in crit_cases:
        c = mackinnoncrit(N=n, regression=reg, nobs=math.inf if nobs is None else nobs)
        crit.append({"regression": reg, "n": n, "nobs": nobs, "crit": nums(c)})
    xs = [0.0, 0.5, -1.0, 1.959963984540054, -5.0, -10.0, -20.0, -30.0, 8.0]
    cdf = [{"x": x, "p": num(scipy.stats.norm.cdf(x))} for x in xs]
    return {"mackinnonp": pvalues, "mackinnoncrit": crit, "norm_cdf": cdf}


def adf_case(spec, maxlag, regression, autolag) -> dict:
    r = adfuller(series(spec), maxlag=maxlag, regression=regression,
                 autolag="AIC" if autolag else None, result_object=False)
    stat, p, used, nobs, crit = r[:5]
    return {"series": spec, "maxlag": maxlag, "regression": regression, "autolag": autolag,
            "stat": num(stat), "pvalue": num(p), "used_lag": int(used), "nobs": int(nobs),
            "crit": [num(crit[k]) for k in ("1%", "5%", "10%")],
            "icbest": num(r[5]) if autolag else None}


def gen_adf() -> list:
    rw2 = {"ar1": [2, 500, 1.0, 100.0]}
    ard = {"ar_diff": [4, 400, 0.6]}
    short = {"ar1": [3, 20, 1.0, 10.0]}
    return [
        adf_case({"ar1": [1, 300, 0.5, 0.0]}, None, "c", True),
        adf_case(rw2, None, "c", True),
        adf_case(ard, None, "c", True),
        adf_case(ard, None, "ct", True),
        adf_case(ard, None, "n", True),
        adf_case(rw2, 5, "c", False),
        adf_case(ard, 3, "ct", False),
        adf_case(short, None, "c", True),
        adf_case(short, None, "ct", True),
    ]


def gen_coint() -> dict:
    cases = []
    for y, maxlag in (("cointegrated_y", None), ("cointegrated_y", 2), ({"ar1": [6, 500, 1.0, 50.0]}, None)):
        stat, p, crit = coint(series(y), series("cointegrated_x"), trend="c", maxlag=maxlag, autolag="aic")
        cases.append({"y": y, "x": "cointegrated_x", "maxlag": maxlag,
                      "stat": num(stat), "pvalue": num(p), "crit": nums(crit)})
    half = []
    for spec in ({"ar1": [1, 300, 0.5, 0.0]}, {"ar1": [2, 500, 1.0, 100.0]}, {"ar_diff": [4, 400, 0.6]}):
        s = series(spec)
        b = sm.OLS(np.diff(s), sm.add_constant(s[:-1])).fit().params[1]
        half.append({"series": spec, "half_life": num(-math.log(2) / b)})
    return {"coint": cases, "half_life": half}


def gen_fits() -> dict:
    spec = {"n": 200, "seed": 42, "tick": False}
    x, y = pair_of(spec)
    f = sm.OLS(y, sm.add_constant(x)).fit()
    ols = [{"pair": spec, "beta": num(f.params[1]), "alpha": num(f.params[0]), "r2": num(f.rsquared)}]
    huber = []
    for n, seed in ((300, 11), (60, 5)):
        spec = {"n": n, "seed": seed, "tick": False, "outliers": True}
        x, y = pair_of(spec)
        r = sm.RLM(y, sm.add_constant(x), M=sm.robust.norms.HuberT()).fit()
        huber.append({"pair": spec, "beta": num(r.params[1]), "alpha": num(r.params[0]),
                      "scale": num(r.scale), "iterations": int(r.fit_history["iteration"])})
    theil = []
    for n, seed, tick in ((200, 1, True), (201, 2, False), (1000, 3, True), (1001, 4, False),
                          (2000, 5, True), (3000, 6, False), (10000, 8, True), (10000, 9, False)):
        spec = {"n": n, "seed": seed, "tick": tick}
        x, y = pair_of(spec)
        r = scipy.stats.theilslopes(y, x)
        theil.append({"pair": spec, "slope_bits": bits(r.slope), "intercept_bits": bits(r.intercept)})
    return {"ols": ols, "huber": huber, "theil_sen": theil}


def gen_kalman() -> dict:
    spec, delta, r = {"n": 300, "seed": 9, "tick": False}, 1e-4, 1e-3
    x, y = pair_of(spec)
    kf = KalmanFilter(
        transition_matrices=np.eye(2),
        observation_matrices=np.column_stack([x, np.ones(len(x))])[:, None, :],
        transition_covariance=delta / (1 - delta) * np.eye(2),
        observation_covariance=r,
        initial_state_mean=[0, 0],
        initial_state_covariance=np.ones((2, 2)),
    )
    means, _ = kf.filter(y)
    return {"pair": spec, "delta": delta, "r": r, "beta": nums(means[:, 0]), "alpha": nums(means[:, 1])}


def exact_z(window: list[float]) -> float:
    """The z of the last point, from exact rationals and a 60-digit root."""
    q = [Fraction(v) for v in window]
    mean = sum(q) / len(q)
    var = sum((v - mean) ** 2 for v in q) / (len(q) - 1)
    getcontext().prec = 60
    sd = (Decimal(var.numerator) / Decimal(var.denominator)).sqrt()
    diff = q[-1] - mean
    return float(Decimal(diff.numerator) / Decimal(diff.denominator) / sd)


def gen_rolling() -> dict:
    spec, zw, cw = {"n": 120, "seed": 13, "tick": False}, 20, 30
    x, y = pair_of(spec)
    s = pd.Series(x)
    z = ((s - s.rolling(zw).mean()) / s.rolling(zw).std()).to_numpy(np.float64)
    corr = s.rolling(cw).corr(pd.Series(y)).to_numpy(np.float64)
    return {"pair": spec, "z_window": zw, "z": nums(z), "z_exact_last": exact_z(list(x[-zw:])),
            "corr_window": cw, "corr": nums(corr)}


def gen_pairwise_sum() -> dict:
    g = Lcg(77)
    a = np.array([(g.uniform() - 0.5) * 10.0 ** (i % 17) for i in range(1000)])
    return {"seed": 77, "n": 1000, "sum_bits": bits(np.sum(a))}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parent
    p.add_argument("--out", type=Path, default=here.parents[1] / "engine/tests/data/core")
    a = p.parse_args()
    doc = {
        "generated_by": "scripts/golden/gen_core.py",
        "versions": {"numpy": np.__version__, "pandas": pd.__version__, "scipy": scipy.__version__,
                     "statsmodels": statsmodels.__version__, "pykalman": pykalman.__version__},
        **gen_mackinnon(),
        "adfuller": gen_adf(),
        **gen_coint(),
        **gen_fits(),
        "kalman": gen_kalman(),
        "rolling": gen_rolling(),
        "pairwise_sum": gen_pairwise_sum(),
    }
    a.out.mkdir(parents=True, exist_ok=True)
    path = a.out / "reference.json"
    path.write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
