"""The original Python design, end to end, for a whole-replay side by side
against spreadwatch (`sidebyside` in benches/).

The stack it replaces was: a WebSocket ingestor writing trades to
TimescaleDB, a FastAPI endpoint that re-queried the lookback and re-ran
pandas + statsmodels, and a Streamlit page refreshing once a second. This
script keeps that design in one process, with no database (which only makes
it faster than the original): it ingests Binance combined-stream frames
over a WebSocket, keeps the trades, and on every refresh (each second of
data time, as the page refreshed each second) resamples both legs to 1 s
closes with pandas over the lookback, fits the OLS hedge with statsmodels,
and computes the spread, its rolling z-score and the rolling correlation.

Usage: python reference_pipeline.py WS_URL Y X TICKS [LOOKBACK WINDOW]
Prints one JSON line when TICKS trades are in and the last refresh is done:
{"ticks", "refreshes", "seconds", "ticks_per_s", "last": {"beta", "z", "corr"}}.
`seconds` runs from the first frame received to the end of the last refresh.
"""

import asyncio
import json
import sys
import time
from collections import deque

import numpy as np
import pandas as pd
import statsmodels.api as sm
import websockets


def refresh(trades, y, x, lookback, window):
    df = pd.DataFrame(trades, columns=["s", "T", "p"])
    df["T"] = pd.to_datetime(df["T"], unit="ms")
    closes = (
        df.set_index("T")
        .groupby("s")["p"]
        .resample("1s")
        .last()
        .unstack(0)
        .dropna()
    )
    if y not in closes or x not in closes:
        return None
    closes = closes.iloc[-lookback:]
    if len(closes) < 3:
        return None
    fit = sm.OLS(closes[y].to_numpy(), sm.add_constant(closes[x].to_numpy())).fit()
    alpha, beta = fit.params
    spread = closes[y] - beta * closes[x] - alpha
    z = (spread - spread.rolling(window).mean()) / spread.rolling(window).std()
    corr = closes[x].rolling(window).corr(closes[y])
    return {"beta": float(beta), "z": float(z.iloc[-1]), "corr": float(corr.iloc[-1])}


async def run(url, y, x, n, lookback, window):
    streams = f"{y.lower()}@aggTrade/{x.lower()}@aggTrade"
    keep_ms = (lookback + window + 2) * 1000
    trades = deque()
    seen = refreshes = 0
    last = None
    next_refresh = None
    t0 = None
    async with websockets.connect(f"{url}/stream?streams={streams}", max_size=None) as ws:
        async for msg in ws:
            if t0 is None:
                t0 = time.perf_counter()
            d = json.loads(msg).get("data", {})
            if d.get("e") != "aggTrade":
                continue
            seen += 1
            t = int(d["T"])
            trades.append((d["s"], t, float(d["p"])))
            # The database query: the lookback, not the whole history.
            while trades and trades[0][1] < t - keep_ms:
                trades.popleft()
            if next_refresh is None:
                next_refresh = t - t % 1000 + 1000
            if t >= next_refresh or seen >= n:
                last = refresh(list(trades), y, x, lookback, window) or last
                refreshes += 1
                next_refresh = t - t % 1000 + 1000
            if seen >= n:
                break
    secs = time.perf_counter() - t0
    return {
        "ticks": seen,
        "refreshes": refreshes,
        "seconds": secs,
        "ticks_per_s": seen / secs,
        "last": last,
    }


def main():
    url, y, x, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    lookback = int(sys.argv[5]) if len(sys.argv) > 5 else 300
    window = int(sys.argv[6]) if len(sys.argv) > 6 else 60
    np.seterr(all="ignore")
    print(json.dumps(asyncio.run(run(url, y, x, n, lookback, window))), flush=True)


if __name__ == "__main__":
    main()
