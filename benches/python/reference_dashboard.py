"""The original Python dashboard's per-refresh computation, for a
side-by-side timing against spreadwatch's incremental pair update.

On every refresh the original stack re-ran pandas and statsmodels over the
lookback: OLS hedge ratio, spread, rolling z-score and correlation, and a
pykalman filter over the lookback. This script times exactly that, per
update, on the same synthetic pair the Rust bench uses.

Run with the golden venv: scripts/golden/.venv/bin/python benches/python/reference_dashboard.py
Prints one JSON line: {"updates", "lookback", "window", "per_update_us"}.
"""

import json
import sys
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm
from pykalman import KalmanFilter


def series(n, seed=7):
    rng = np.random.default_rng(seed)
    x = 43000 + np.cumsum(rng.normal(0, 5, n))
    u = np.zeros(n)
    for i in range(1, n):
        u[i] = 0.95 * u[i - 1] + rng.normal(0, 0.5)
    y = 0.055 * x - 60 + u
    return x, y


def refresh(x, y, window, delta=1e-4, r=1.0):
    X = sm.add_constant(x)
    fit = sm.OLS(y, X).fit()
    alpha, beta = fit.params
    spread = pd.Series(y - beta * x - alpha)
    z = (spread - spread.rolling(window).mean()) / spread.rolling(window).std()
    corr = pd.Series(x).rolling(window).corr(pd.Series(y))
    kf = KalmanFilter(
        transition_matrices=np.eye(2),
        observation_matrices=np.column_stack([x, np.ones(len(x))])[:, None, :],
        transition_covariance=delta / (1 - delta) * np.eye(2),
        observation_covariance=r,
        initial_state_mean=np.zeros(2),
        initial_state_covariance=np.ones((2, 2)),
    )
    means, _ = kf.filter(y)
    return beta, z.iloc[-1], corr.iloc[-1], means[-1]


def main():
    lookback, window = 300, 60
    updates = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    x, y = series(lookback + updates)
    refresh(x[:lookback], y[:lookback], window)  # warm caches and imports
    t0 = time.perf_counter()
    for i in range(updates):
        refresh(x[i : i + lookback], y[i : i + lookback], window)
    dt = time.perf_counter() - t0
    print(json.dumps({"updates": updates, "lookback": lookback, "window": window, "per_update_us": dt / updates * 1e6}))


if __name__ == "__main__":
    main()
