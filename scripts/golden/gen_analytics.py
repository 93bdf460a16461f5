#!/usr/bin/env python3
"""Generate golden fixtures for `spreadwatch analyze` (pair-trading analytics).

Writes into engine/tests/data/analytics/ (or --out):

  synthetic.csv         synthetic cointegrated pair (ETHUSDT ~ BTCUSDT), 1s bars, long format
  crude.csv             arch.data.crude (monthly WTI and Brent), long format
  <case>.json           {"csv": ..., "args": [...], "expected": {...}} for each case in CASES

The expected numbers come straight from statsmodels / scipy / pykalman / pandas
(the versions pinned in scripts/golden/requirements.txt). Each case's args are
parsed with an argparse mirror of the Rust CLI, so the args stored in the
golden file are exactly the ones used for the computation.

The output is deterministic: the synthetic pair comes from Python's stdlib
`random.Random(SEED)` (stable across Python versions), and a rerun produces
byte-identical files.

Run it through scripts/golden/run.sh, which provides the pinned venv.
See engine/tests/data/analytics/README.md for the definitions.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import io
import json
import math
import random
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import scipy.stats
import statsmodels
import statsmodels.api as sm
from statsmodels.tsa.stattools import adfuller, coint

import arch
import pykalman
from arch.data import crude as arch_crude
from pykalman import KalmanFilter

SEED = 7

# ---- synthetic pair ----------------------------------------------------------
T0_MS = 1_700_000_123_000  # first bar; a whole second, not aligned to a minute
N_SECONDS = 800
Y_SYM, X_SYM = "ETHUSDT", "BTCUSDT"
X_BASE_TICKS = 430_000  # BTC in 0.1 ticks: 43000.0
X_STEP_SIGMA_TICKS = 120.0  # ~12 USD per second
X_FLAT_PROB = 0.35  # P(x unchanged from one second to the next) -> ties in x
BETA_TRUE, ALPHA_TRUE = 0.055, -60.0
OU_PHI, OU_SIGMA = 0.985, 0.6  # half-life ~46 s, stationary sd ~3.5 USD
N_OUTLIERS = 12
N_MISSING = 15  # timestamps where exactly one of the two symbols has no bar

SYN_HEADER = "start_ms,symbol,open,high,low,close,volume,trades"
CRUDE_HEADER = "date,symbol,close"

SYN_CSV = "synthetic.csv"
CRUDE_CSV = "crude.csv"

PAIR_Y = ["--y", Y_SYM, "--x", X_SYM]
CASES = [
    ("synthetic_ols", SYN_CSV, PAIR_Y + ["--window", "60"]),
    ("synthetic_kalman", SYN_CSV,
     PAIR_Y + ["--window", "60", "--model", "kalman", "--kalman-delta", "0.0001", "--kalman-r", "1.0"]),
    ("synthetic_huber_last", SYN_CSV,
     PAIR_Y + ["--window", "30", "--last", "400", "--model", "huber", "--z", "1.5", "--hysteresis", "0.5"]),
    ("synthetic_theil_maxlag", SYN_CSV,
     PAIR_Y + ["--window", "60", "--model", "theil-sen", "--maxlag", "4"]),
    ("crude_ols", CRUDE_CSV, ["--y", "WTI", "--x", "BRENT", "--window", "24"]),
    ("crude_kalman", CRUDE_CSV,
     ["--y", "WTI", "--x", "BRENT", "--window", "24", "--model", "kalman",
      "--kalman-delta", "0.001", "--kalman-r", "0.5"]),
]


# --------------------------------------------------------------------------
# formatting helpers
# --------------------------------------------------------------------------


def decimal_str(units: int, dec: int) -> str:
    """Integer `units` of 10**-dec -> plain decimal without trailing zeros ("2305.1", "43000")."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10**dec)
    frac_s = str(frac).rjust(dec, "0").rstrip("0") if dec else ""
    return f"{sign}{whole}.{frac_s}" if frac_s else f"{sign}{whole}"


def float_str(v: float) -> str:
    """Shortest round-trip repr of a float as a plain decimal without trailing zeros."""
    s = repr(float(v))
    assert "e" not in s and "n" not in s, s
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    assert float(s) == v
    return s


def jnum(v):
    """float -> JSON number (Python repr) or null for NaN/inf."""
    v = float(v)
    return v if math.isfinite(v) else None


def jlist(a) -> list:
    return [jnum(v) for v in np.asarray(a, dtype=np.float64)]


# --------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------


def gen_synthetic(rng: random.Random) -> str:
    n = N_SECONDS
    # x: random walk in 0.1 ticks, often flat
    x_ticks = [X_BASE_TICKS]
    for _ in range(n - 1):
        step = 0 if rng.random() < X_FLAT_PROB else round(rng.gauss(0.0, X_STEP_SIGMA_TICKS))
        x_ticks.append(x_ticks[-1] + step)
    # y = beta*x + alpha + OU noise, in cents
    e = 0.0
    y_cents = []
    for t in range(n):
        e = OU_PHI * e + rng.gauss(0.0, OU_SIGMA)
        y = BETA_TRUE * (x_ticks[t] / 10) + ALPHA_TRUE + e
        y_cents.append(round(y * 100))
    # outliers in y: +-1..3 %, spread over the sample, at least 25 s apart
    outliers: list[int] = []
    while len(outliers) < N_OUTLIERS:
        i = rng.randrange(40, n - 5)
        if all(abs(i - j) >= 25 for j in outliers):
            outliers.append(i)
    outliers.sort()
    for i in outliers:
        f = rng.choice((-1, 1)) * rng.uniform(0.01, 0.03)
        y_cents[i] = round(y_cents[i] * (1 + f))
    # timestamps where only one symbol has a bar
    missing: dict[int, str] = {}
    while len(missing) < N_MISSING:
        i = rng.randrange(5, n - 5)
        if i not in missing and i not in outliers:
            missing[i] = rng.choice((X_SYM, Y_SYM))

    rows = []
    prev_close = {X_SYM: x_ticks[0], Y_SYM: y_cents[0]}
    for t in range(n):
        ts = T0_MS + 1000 * t
        for sym in sorted((X_SYM, Y_SYM)):
            close = x_ticks[t] if sym == X_SYM else y_cents[t]
            if missing.get(t) == sym:
                continue
            dec = 1 if sym == X_SYM else 2
            op = prev_close[sym]
            hi = max(op, close) + rng.randint(0, 6)
            lo = min(op, close) - rng.randint(0, 6)
            vol = rng.randint(1, 60_000)  # qty step 0.001
            trades = rng.randint(1, 400)
            rows.append(",".join([str(ts), sym, decimal_str(op, dec), decimal_str(hi, dec),
                                  decimal_str(lo, dec), decimal_str(close, dec),
                                  decimal_str(vol, 3), str(trades)]))
            prev_close[sym] = close
    return SYN_HEADER + "\n" + "\n".join(rows) + "\n"


def gen_crude() -> str:
    df = arch_crude.load()
    rows = []
    for date, r in df.sort_index().iterrows():
        d = date.strftime("%Y-%m-%d")
        for sym, col in (("BRENT", "Brent"), ("WTI", "WTI")):  # sorted by symbol
            v = r[col]
            if pd.isna(v):
                continue
            rows.append(f"{d},{sym},{float_str(v)}")
    return CRUDE_HEADER + "\n" + "\n".join(rows) + "\n"


# --------------------------------------------------------------------------
# the analysis
# --------------------------------------------------------------------------


def date_to_ms(s: str) -> int:
    d = dt.date.fromisoformat(s)
    assert d.isoformat() == s
    return calendar.timegm(d.timetuple()) * 1000


def load_pair(csv_text: str, y_sym: str, x_sym: str):
    """Closes of y_sym and x_sym, inner-joined on time, ascending."""
    df = pd.read_csv(io.StringIO(csv_text), dtype=str, keep_default_na=False)
    tcol = df.columns[0]
    if tcol == "start_ms":
        df["ts"] = df[tcol].map(int)
    elif tcol == "date":
        df["ts"] = df[tcol].map(date_to_ms)
    else:
        raise ValueError(tcol)
    df["close_f"] = df["close"].map(float)  # correctly rounded, like Rust's str::parse::<f64>
    ys = df[df["symbol"] == y_sym][["ts", "close_f"]].rename(columns={"close_f": "y"})
    xs = df[df["symbol"] == x_sym][["ts", "close_f"]].rename(columns={"close_f": "x"})
    assert ys["ts"].is_unique and xs["ts"].is_unique
    m = ys.merge(xs, on="ts", how="inner").sort_values("ts", kind="stable").reset_index(drop=True)
    return (m["ts"].to_numpy(np.int64), m["y"].to_numpy(np.float64), m["x"].to_numpy(np.float64))


def cli_parser() -> argparse.ArgumentParser:
    """Mirror of `spreadwatch analyze` (without --csv)."""
    p = argparse.ArgumentParser(prog="spreadwatch analyze", exit_on_error=False)
    p.add_argument("--y", required=True)
    p.add_argument("--x", required=True)
    p.add_argument("--window", type=int, default=60)
    p.add_argument("--last", type=int, default=None)
    p.add_argument("--model", choices=("ols", "huber", "theil-sen", "kalman"), default="ols")
    p.add_argument("--kalman-delta", type=float, default=1e-4)
    p.add_argument("--kalman-r", type=float, default=1.0)
    p.add_argument("--z", type=float, default=2.0)
    p.add_argument("--hysteresis", type=float, default=0.0)
    p.add_argument("--maxlag", type=int, default=None)
    return p


def kalman_filter(y, x, delta: float, r: float):
    n = len(y)
    kf = KalmanFilter(
        transition_matrices=np.eye(2),
        observation_matrices=np.column_stack([x, np.ones(n)])[:, None, :],
        transition_covariance=delta / (1 - delta) * np.eye(2),
        observation_covariance=r,
        initial_state_mean=[0, 0],
        initial_state_covariance=np.ones((2, 2)),
    )
    means, _ = kf.filter(y)
    return means[:, 0].copy(), means[:, 1].copy()


def detect_alerts(z: np.ndarray, ts: np.ndarray, k: float, h: float) -> list[dict]:
    alerts = []
    armed = True
    for i in range(len(z)):
        zi = float(z[i])
        if not armed:
            if abs(zi) < k - h:  # False for NaN
                armed = True
            continue
        if i == 0:
            continue
        zp = float(z[i - 1])
        if math.isnan(zp) or math.isnan(zi):
            continue
        if abs(zp) <= k and abs(zi) > k:
            alerts.append({"index": i, "ts": int(ts[i]), "z": jnum(zi),
                           "side": "above" if zi > k else "below"})
            if h > 0:
                armed = False
    return alerts


def analyze(ts, y, x, a: argparse.Namespace) -> tuple[dict, dict]:
    """Returns (expected output, extras used for self-checks)."""
    if a.last is not None:
        ts, y, x = ts[-a.last:], y[-a.last:], x[-a.last:]
    n = len(y)
    W = a.window
    X = sm.add_constant(x)
    assert X.shape == (n, 2)

    ols = sm.OLS(y, X).fit()
    huber = sm.RLM(y, X, M=sm.robust.norms.HuberT()).fit()
    ts_res = scipy.stats.theilslopes(y, x)
    kb, ka = kalman_filter(y, x, a.kalman_delta, a.kalman_r)

    static = {
        "ols": (float(ols.params[1]), float(ols.params[0])),
        "huber": (float(huber.params[1]), float(huber.params[0])),
        "theil-sen": (float(ts_res.slope), float(ts_res.intercept)),
    }
    if a.model == "kalman":
        s = y - kb * x - ka
    else:
        beta, alpha = static[a.model]
        s = y - beta * x - alpha

    S = pd.Series(s)
    z = ((S - S.rolling(W).mean()) / S.rolling(W).std()).to_numpy(np.float64)
    corr = pd.Series(x).rolling(W).corr(pd.Series(y)).to_numpy(np.float64)

    adf = adfuller(s, maxlag=a.maxlag, regression="c", autolag="AIC", result_object=True)
    co = coint(y, x, trend="c", maxlag=a.maxlag, autolag="aic")

    hl_fit = sm.OLS(np.diff(s), sm.add_constant(s[:-1])).fit()
    b = float(hl_fit.params[1])
    half_life = -math.log(2) / b if b < 0 else None

    alerts = detect_alerts(z, ts, a.z, a.hysteresis)

    out = {
        "n": int(n),
        "regression": {
            "ols": {"beta": jnum(ols.params[1]), "alpha": jnum(ols.params[0]), "r2": jnum(ols.rsquared)},
            "huber": {"beta": jnum(huber.params[1]), "alpha": jnum(huber.params[0])},
            "theil_sen": {"beta": jnum(ts_res.slope), "alpha": jnum(ts_res.intercept)},
        },
        "kalman": {"beta": jlist(kb), "alpha": jlist(ka)},
        "spread": jlist(s),
        "zscore": jlist(z),
        "corr": jlist(corr),
        "adf": {
            "stat": jnum(adf.statistic),
            "pvalue": jnum(adf.pvalue),
            "used_lag": int(adf.lags),
            "nobs": int(adf.nobs),
            "crit": {k: jnum(adf.critical_values[k]) for k in ("1%", "5%", "10%")},
        },
        "coint": {"stat": jnum(co[0]), "pvalue": jnum(co[1])},
        "half_life": jnum(half_life) if half_life is not None else None,
        "alerts": alerts,
    }
    extras = dict(ts=ts, y=y, x=x, s=s, z=z, corr=corr, kb=kb, ka=ka, huber_iter=huber.fit_history["iteration"])
    return out, extras


# --------------------------------------------------------------------------
# independent cross-checks (plain numpy); report how close a naive
# re-implementation gets, which is what the Rust side is up against
# --------------------------------------------------------------------------


def rel_err(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    ok = ~np.isnan(a)
    if not ok.any():
        return 0.0
    return float(np.max(np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), 1e-300)))


def abs_err(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = ~np.isnan(a)
    return float(np.max(np.abs(a[ok] - b[ok]))) if ok.any() else 0.0


def aic_gap(series, maxlag, regression) -> float:
    """AIC distance between the lag adfuller picks and the runner-up."""
    r = adfuller(series, maxlag=maxlag, regression=regression, autolag="AIC",
                 regresults=True, result_object=True)
    aics = sorted(v.aic for v in r.resstore.autolag_results.values())
    return float(aics[1] - aics[0])


def naive_kalman(y, x, delta, r):
    """The same filter in plain scalar arithmetic (what a direct Rust port does)."""
    q = delta / (1 - delta)
    b = a = 0.0
    p00 = p01 = p10 = p11 = 1.0
    out_b, out_a = np.empty(len(y)), np.empty(len(y))
    for t in range(len(y)):
        if t > 0:
            p00 += q
            p11 += q
        h = float(x[t])
        ph0, ph1 = p00 * h + p01, p10 * h + p11  # P H'
        s = h * ph0 + ph1 + r  # H P H' + R
        k0, k1 = ph0 / s, ph1 / s
        v = float(y[t]) - (h * b + a)
        b, a = b + k0 * v, a + k1 * v
        hp0, hp1 = h * p00 + p10, h * p01 + p11  # H P
        p00, p01, p10, p11 = p00 - k0 * hp0, p01 - k0 * hp1, p10 - k1 * hp0, p11 - k1 * hp1
        out_b[t], out_a[t] = b, a
    return out_b, out_a


def naive_huber(y, x, t=1.345, maxiter=50, tol=1e-8):
    """IRLS as in statsmodels RLM.fit defaults, with lstsq instead of pinv."""
    n = len(y)
    X = np.column_stack([np.ones(n), x])
    c = scipy.stats.norm.ppf(0.75)

    def wls(w):
        sw = np.sqrt(w)
        b = np.linalg.lstsq(sw[:, None] * X, sw * y, rcond=None)[0]
        wres = sw * y - (sw[:, None] * X) @ b
        return b, y - X @ b, float(wres @ wres) / (n - 2)

    def rho(z):
        az = np.abs(z)
        return np.where(az <= t, 0.5 * z * z, az * t - 0.5 * t * t)

    b, resid, wscale = wls(np.ones(n))
    scale = float(np.median(np.abs(resid) / c))
    dev = [np.inf, float(rho(resid / wscale).sum())]
    it = 1
    while scale != 0.0:
        az = np.abs(resid / scale)
        w = np.where(az <= t, 1.0, t / np.maximum(az, 1e-300))
        b, resid, wscale = wls(w)
        scale = float(np.median(np.abs(resid) / c))
        dev.append(float(rho(resid / wscale).sum()))
        it += 1
        if not (abs(dev[it] - dev[it - 1]) > tol and it < maxiter):
            break
    return b[1], b[0], it


def naive_rolling(s, W, fn):
    out = np.full(len(s), np.nan)
    for i in range(W - 1, len(s)):
        out[i] = fn(i - W + 1, i + 1)
    return out


def cross_check(name: str, exp: dict, ex: dict, a) -> list[str]:
    notes = []
    y, x, s, W = ex["y"], ex["x"], ex["s"], a.window
    # OLS closed form
    xm, ym = x.mean(), y.mean()
    ob = np.sum((x - xm) * (y - ym)) / np.sum((x - xm) ** 2)
    oa = ym - ob * xm
    e = abs(ob / exp["regression"]["ols"]["beta"] - 1)
    notes.append(f"ols closed-form rel {e:.1e}")
    assert e < 1e-9
    # Huber IRLS
    hb, ha, hit = naive_huber(y, x)
    e = max(abs(hb / exp["regression"]["huber"]["beta"] - 1), abs(ha / exp["regression"]["huber"]["alpha"] - 1))
    notes.append(f"huber lstsq-IRLS rel {e:.1e} iters {hit} (statsmodels {ex['huber_iter']})")
    assert e < 1e-9 and hit == ex["huber_iter"], (e, hit)
    # Theil-Sen: exact with a straightforward implementation
    sl = np.sort(np.array([(y[j] - y[i]) / (x[j] - x[i])
                           for i in range(len(x)) for j in range(len(x)) if x[j] > x[i]]))
    m = len(sl)
    tb = sl[m // 2] if m % 2 else (sl[m // 2 - 1] + sl[m // 2]) / 2
    ta = float(np.median(y)) - tb * float(np.median(x))
    assert tb == exp["regression"]["theil_sen"]["beta"], (tb, exp["regression"]["theil_sen"])
    assert ta == exp["regression"]["theil_sen"]["alpha"]
    # Kalman
    kb, ka = naive_kalman(y, x, a.kalman_delta, a.kalman_r)
    e = max(rel_err(kb, ex["kb"]), rel_err(ka, ex["ka"]))
    notes.append(f"kalman scalar-port rel {e:.1e}")
    assert e < 1e-12, e
    # rolling z / corr on the golden spread, two-pass per window
    mean = naive_rolling(s, W, lambda i, j: np.mean(s[i:j]))
    sd = naive_rolling(s, W, lambda i, j: np.std(s[i:j], ddof=1))
    z2 = (s - mean) / sd
    ez, ezabs = rel_err(z2, ex["z"]), abs_err(z2, ex["z"])
    c2 = naive_rolling(s, W, lambda i, j: np.corrcoef(x[i:j], y[i:j])[0, 1])
    ec, ecabs = rel_err(c2, ex["corr"]), abs_err(c2, ex["corr"])
    notes.append(f"z two-pass rel {ez:.1e}; corr two-pass rel {ec:.1e} abs {ecabs:.1e}")
    assert ez < 1e-10 and ec < 1e-10, (ez, ec)
    # end to end: spread from the independent estimates above, then z and ADF
    s3 = {"ols": y - ob * x - oa, "huber": y - hb * x - ha, "theil-sen": y - tb * x - ta,
          "kalman": y - kb * x - ka}[a.model]
    mean = naive_rolling(s3, W, lambda i, j: np.mean(s3[i:j]))
    sd = naive_rolling(s3, W, lambda i, j: np.std(s3[i:j], ddof=1))
    z3 = (s3 - mean) / sd
    adf3 = adfuller(s3, maxlag=a.maxlag, regression="c", autolag="AIC", result_object=True)
    es, esabs, ez3, ez3abs = rel_err(s3, s), abs_err(s3, s), rel_err(z3, ex["z"]), abs_err(z3, ex["z"])
    ea = abs(adf3.statistic / exp["adf"]["stat"] - 1)
    notes.append(f"end-to-end: spread rel {es:.1e} abs {esabs:.1e} (max|y| {np.max(np.abs(y)):.4g}); "
                 f"z rel {ez3:.1e} abs {ez3abs:.1e}; adf stat rel {ea:.1e}")
    assert esabs <= 1e-11 * np.max(np.abs(y)) and ez3abs <= 1e-8 * max(1.0, float(np.nanmax(np.abs(z3))))
    assert adf3.lags == exp["adf"]["used_lag"] and ea < 1e-9
    # decisions a re-implementation could flip: alert thresholds, AIC lag choice
    zf = np.abs(ex["z"][np.isfinite(ex["z"])])
    margin = float(np.min(np.abs(zf - a.z)))
    if a.hysteresis > 0:
        margin = min(margin, float(np.min(np.abs(zf - (a.z - a.hysteresis)))))
    assert margin > 1e-6, (name, margin)
    gaps = [aic_gap(s, a.maxlag, "c")]
    resid = sm.OLS(y, np.column_stack([x, np.ones(len(x))])).fit().resid
    gaps.append(aic_gap(resid, a.maxlag, "n"))
    assert min(gaps) > 1e-6, (name, gaps)
    notes.append(f"min | |z|-threshold | {margin:.1e}; AIC gap best/2nd (adf, coint) {gaps[0]:.2g}, {gaps[1]:.2g}")
    # half-life closed form
    s0, ds = s[:-1], np.diff(s)
    bh = np.sum((s0 - s0.mean()) * (ds - ds.mean())) / np.sum((s0 - s0.mean()) ** 2)
    if exp["half_life"] is not None:
        assert abs(-math.log(2) / bh - exp["half_life"]) <= 1e-9 * exp["half_life"]
    return notes


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def dump_case(obj) -> str:
    text = json.dumps(obj, indent=1, ensure_ascii=True, allow_nan=False)
    return text + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parents[2] / "engine/tests/data/analytics")
    args = ap.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    csvs = {SYN_CSV: gen_synthetic(random.Random(SEED)), CRUDE_CSV: gen_crude()}
    for fname, text in csvs.items():
        assert "\r" not in text and '"' not in text
        (out / fname).write_text(text, encoding="ascii", newline="\n")

    print(f"out: {out}")
    print(f"versions: numpy {np.__version__}, pandas {pd.__version__}, scipy {scipy.__version__}, "
          f"statsmodels {statsmodels.__version__}, pykalman {pykalman.__version__}, arch {arch.__version__}")
    for fname, text in csvs.items():
        print(f"{fname}: {text.count(chr(10)) - 1} rows")

    parser = cli_parser()
    results = {}
    for name, csv_name, cli in CASES:
        a = parser.parse_args(cli)
        ts, y, x = load_pair(csvs[csv_name], a.y, a.x)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            expected, extras = analyze(ts, y, x, a)
        for w in caught:
            print(f"  [{name}] warning: {w.category.__name__}: {w.message}")
        doc = {"csv": csv_name, "args": list(cli), "expected": expected}
        assert all(isinstance(v, str) for v in doc["args"])
        text = dump_case(doc)
        (out / f"{name}.json").write_text(text, encoding="ascii", newline="\n")
        results[name] = (a, expected, extras)

        notes = cross_check(name, expected, extras, a)
        e = expected
        print(f"{name}.json: n={e['n']} alerts={len(e['alerts'])} "
              f"(idx {[al['index'] for al in e['alerts']]}) "
              f"adf={e['adf']['stat']:.4f} lag={e['adf']['used_lag']} nobs={e['adf']['nobs']} "
              f"coint={e['coint']['stat']:.4f} p={e['coint']['pvalue']:.3g} hl={e['half_life']} "
              f"huber_iter={extras['huber_iter']} {len(text)} bytes")
        print(f"  {'; '.join(notes)}")

    # ---- sanity checks on the fixtures --------------------------------------
    syn_ts, syn_y, syn_x = load_pair(csvs[SYN_CSV], Y_SYM, X_SYM)
    n_syn_stamps = len({l.split(",")[0] for l in csvs[SYN_CSV].splitlines()[1:]})
    assert n_syn_stamps == N_SECONDS and len(syn_ts) == N_SECONDS - N_MISSING
    assert syn_ts[0] % 60_000 != 0 and np.all(np.diff(syn_ts) >= 1000)
    n_x_ties = len(syn_x) - len(np.unique(syn_x))
    print(f"synthetic: {len(syn_ts)} aligned rows of {n_syn_stamps} timestamps; "
          f"{n_x_ties} repeated x values; {int(np.sum(np.diff(syn_x) == 0))} flat x steps")
    assert n_x_ties > 100

    for name, (a, e, ex) in results.items():
        if name.startswith("synthetic"):
            assert len(e["alerts"]) >= 3, (name, len(e["alerts"]))
            sides = {al["side"] for al in e["alerts"]}
            assert sides == {"above", "below"}, (name, sides)
        z = np.asarray(ex["z"])
        assert np.all(np.isnan(z[: a.window - 1])) and np.all(np.isfinite(z[a.window - 1:])), name
        c = np.asarray(ex["corr"])
        assert np.all(np.isfinite(c[a.window - 1:])), name

    # hysteresis suppresses at least one alert that h=0 would report
    a, e, ex = results["synthetic_huber_last"]
    assert a.hysteresis > 0
    plain = detect_alerts(ex["z"], ex["ts"], a.z, 0.0)
    with_h = {al["index"] for al in e["alerts"]}
    suppressed = sorted({al["index"] for al in plain} - with_h)
    assert with_h <= {al["index"] for al in plain}
    assert suppressed, "hysteresis suppressed nothing"
    print(f"synthetic_huber_last: h=0 would give {len(plain)} alerts; suppressed by hysteresis: {suppressed}")

    # the --last case really is the tail of the full join
    assert results["synthetic_huber_last"][1]["n"] == 400
    assert np.array_equal(results["synthetic_huber_last"][2]["ts"], syn_ts[-400:])

    total = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    print(f"total size of {out.name}/: {total} bytes")
    assert total < 3_000_000
    return 0


if __name__ == "__main__":
    sys.exit(main())
