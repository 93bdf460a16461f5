#!/usr/bin/env python3
"""Generate golden fixtures for the spreadwatch bar builder.

Writes into engine/tests/data/golden/ (or --out):

  feed_trade.jsonl        Binance USD-M futures `@trade` frames (bare and combined-stream mixed)
  feed_aggtrade.jsonl     `@aggTrade` frames (combined-stream) of the same MARKET trades
  trade/bars_{1s,1m,5m}.csv     bars computed with pandas from feed_trade.jsonl
  aggtrade/bars_{1s,1m,5m}.csv  bars computed with pandas from feed_aggtrade.jsonl

The output is fully deterministic: the tape is drawn from Python's stdlib
`random.Random(SEED)` (stable across Python versions), and bars are computed
with exact integer arithmetic (prices/quantities scaled by 1e8).

Run it through scripts/golden/run.sh, which provides the pinned venv.
See engine/tests/data/golden/README.md for the format and definitions.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pandas as pd

SEED = 20231114

# First trade time; deliberately not aligned to a second / minute / 5 minutes.
T0_MS = 1_700_000_123_457
DURATION_MS = 12 * 60 * 1000

SCALE = 10**8  # fixed-point scale used for exact bar arithmetic

INTERVALS = (("1s", 1_000), ("1m", 60_000), ("5m", 300_000))

CSV_HEADER = "start_ms,symbol,open,high,low,close,volume,trades"

# Per-symbol generation parameters.  Prices are integers in units of the
# price tick; quantities are integers in units of the qty step (0.001).
SYMBOLS = {
    "BTCUSDT": dict(
        tick_dec=1,  # tick 0.1
        price_dec=2,  # written as "43000.10"
        qty_dec=3,  # qty step 0.001, written as "0.012"
        base_ticks=430_000,  # 43000.0
        qty_median=20,  # 0.020 BTC
        qty_sigma=1.3,
        first_trade_id=5_000_000_000,
        first_agg_id=7_000_000_000,
        start_offset_ms=0,
        long_gap=None,
    ),
    "ETHUSDT": dict(
        tick_dec=2,  # tick 0.01
        price_dec=2,  # written as "2300.05"
        qty_dec=3,
        base_ticks=230_000,  # 2300.00
        qty_median=300,  # 0.300 ETH
        qty_sigma=1.4,
        first_trade_id=5_200_000_000,
        first_agg_id=7_200_000_000,
        start_offset_ms=61,
        # ETH goes silent for > 2 minutes so that at least one whole 1m bucket
        # is empty for ETH while BTC still has bars in it.
        long_gap=(330_000, 128_000),  # (at offset from T0, length)
    ),
}

# Quantities that must appear somewhere (in qty steps): 12.5, 0.001, 3.
SPECIAL_QTYS = (12_500, 1, 3_000, 10, 100)

N_NA_PER_SYMBOL = 10
N_INSURANCE_PER_SYMBOL = 5
N_LATE_PER_SYMBOL = 8


# --------------------------------------------------------------------------
# number formatting
# --------------------------------------------------------------------------


def fixed(units: int, dec: int) -> str:
    """Integer `units` of 10**-dec -> fixed-decimal string ("43000.10")."""
    assert units >= 0
    s = str(units).rjust(dec + 1, "0")
    return f"{s[:-dec]}.{s[-dec:]}" if dec else s


def to_scaled(s: str) -> int:
    """Decimal string -> integer scaled by 1e8, exactly."""
    d = Decimal(s) * SCALE
    i = int(d)
    assert d == i, f"{s!r} has more than 8 decimals"
    return i


def canonical(scaled: int) -> str:
    """Integer scaled by 1e8 -> canonical decimal string.

    No exponent, no trailing zeros after the point, no trailing point,
    no leading '+', no leading zeros (except a single '0' before the point).
    """
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), SCALE)
    frac_s = str(frac).rjust(8, "0").rstrip("0")
    return f"{sign}{whole}.{frac_s}" if frac_s else f"{sign}{whole}"


def dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True)


# --------------------------------------------------------------------------
# synthetic tape
# --------------------------------------------------------------------------


def draw_qty(rng: random.Random, cfg) -> int:
    r = rng.random()
    if r < 0.03:
        return rng.choice(SPECIAL_QTYS)
    if r < 0.05:  # round lots
        return rng.choice((1_000, 2_000, 5_000, 10_000)) // (1 if cfg["qty_median"] > 100 else 10)
    q = int(rng.lognormvariate(0.0, cfg["qty_sigma"]) * cfg["qty_median"])
    return min(max(q, 1), 150_000)


def gen_market_trades(rng: random.Random, sym: str, cfg) -> list[dict]:
    """MARKET trades of one symbol, in trade-id order (T non-decreasing)."""
    price_step = 10 ** (cfg["price_dec"] - cfg["tick_dec"])  # ticks -> price units
    base = cfg["base_ticks"]
    px = base
    m = rng.random() < 0.5
    t = T0_MS + cfg["start_offset_ms"]
    end = T0_MS + DURATION_MS
    out: list[dict] = []
    gap_done = cfg["long_gap"] is None

    def emit(T, ticks, maker, qty):
        out.append(dict(sym=sym, T=T, p=fixed(ticks * price_step, cfg["price_dec"]),
                        q=fixed(qty, cfg["qty_dec"]), m=maker, X="MARKET"))

    first = True
    while t < end:
        # advance time
        if not first:
            if not gap_done and t - T0_MS >= cfg["long_gap"][0]:
                t += cfg["long_gap"][1]
                gap_done = True
            elif rng.random() < 0.008:
                t += rng.randint(1_100, 6_500)  # gap > 1 s: empty 1s buckets
            else:
                t += int(rng.expovariate(1 / 330.0))  # may be 0: same-ms trades
        first = False
        if t >= end:
            break

        # aggressor side is sticky
        if rng.random() < 0.35:
            m = not m
        # price: mean-reverting random walk in ticks
        r = rng.random()
        if r < 0.45:
            pass
        else:
            step = rng.choice((1, 1, 1, 2, 3))
            drift = -1 if px > base + 40 else (1 if px < base - 40 else 0)
            direction = rng.choice((-1, 1)) if drift == 0 or rng.random() < 0.6 else drift
            px += direction * step

        r = rng.random()
        if r < 0.13:
            # burst: several trades in the same millisecond
            kind = rng.choice(("same", "same", "sweep", "mixed"))
            k = rng.randint(2, 9)
            p = px
            for i in range(k):
                if kind == "sweep" and i > 0 and rng.random() < 0.5:
                    # aggressive buyer (m=false) lifts asks upward, seller hits bids downward
                    p += 1 if not m else -1
                mm = m if kind != "mixed" else (rng.random() < 0.5)
                emit(t, p, mm, draw_qty(rng, cfg))
            px = p
        else:
            emit(t, px, m, draw_qty(rng, cfg))
    return out


def insert_non_market(rng: random.Random, sym: str, cfg, trades: list[dict]) -> list[dict]:
    """Insert X="NA" and X="INSURANCE_FUND" records into the id sequence.

    Some are placed between two MARKET trades that would otherwise aggregate
    (splitting the aggTrade), some in the middle of >1 s gaps (so a 1s bucket
    holds only non-MARKET records and must produce no bar).
    """
    n = len(trades)
    # candidate positions: insert *before* trades[i]
    splits = [i for i in range(1, n) if (trades[i]["T"], trades[i]["p"], trades[i]["m"])
              == (trades[i - 1]["T"], trades[i - 1]["p"], trades[i - 1]["m"])]
    gaps = [i for i in range(1, n) if trades[i]["T"] - trades[i - 1]["T"] > 2_500]
    inserts: dict[int, list[dict]] = defaultdict(list)
    used: set[int] = set()

    def pick(pool):
        pool = [i for i in pool if i not in used and 3 < i < n - 3]
        i = rng.choice(pool)
        used.add(i)
        return i

    price_dec, qty_dec = cfg["price_dec"], cfg["qty_dec"]
    for j in range(N_NA_PER_SYMBOL):
        i = pick(splits if j < 3 else range(n))
        prev = trades[i - 1]
        inserts[i].append(dict(sym=sym, T=prev["T"], p=fixed(0, price_dec), q=fixed(0, qty_dec),
                               m=rng.random() < 0.5, X="NA"))
    for j in range(N_INSURANCE_PER_SYMBOL):
        i = pick(gaps if j < 2 else (splits if j < 3 else range(n)))
        prev, nxt = trades[i - 1], trades[i]
        T = (prev["T"] + nxt["T"]) // 2 if j < 2 else prev["T"]
        # far-away price and big qty: would visibly corrupt high/low/volume if counted
        scaled = to_scaled(prev["p"])
        factor = rng.choice((97, 103))
        p_units = scaled * factor // 100 // 10 ** (8 - price_dec)
        inserts[i].append(dict(sym=sym, T=T, p=fixed(p_units, price_dec),
                               q=fixed(rng.randint(500, 20_000), qty_dec),
                               m=rng.random() < 0.5, X="INSURANCE_FUND"))

    out: list[dict] = []
    for i, tr in enumerate(trades):
        out.extend(inserts.get(i, ()))
        out.append(tr)
    tid = cfg["first_trade_id"]
    for rec in out:
        rec["t"] = tid
        tid += 1
    return out


def aggregate(sym: str, cfg, records: list[dict]) -> list[dict]:
    """Group consecutive MARKET trades with equal (T, price, m) into aggTrades.

    "Consecutive" means consecutive trade ids: a non-MARKET record in between
    ends the group, so f..l always covers MARKET trades only and
    l - f + 1 equals the number of exchange trades in the aggTrade.
    """
    aggs: list[dict] = []
    cur: dict | None = None
    aid = cfg["first_agg_id"]
    for rec in records:
        if rec["X"] != "MARKET":
            cur = None
            continue
        key = (rec["T"], rec["p"], rec["m"])
        if cur is not None and cur["key"] == key and cur["l"] + 1 == rec["t"]:
            cur["l"] = rec["t"]
            cur["qu"] += to_scaled(rec["q"])
            cur["trades"].append(rec)
        else:
            cur = dict(sym=sym, key=key, a=aid, T=rec["T"], p=rec["p"], m=rec["m"],
                       f=rec["t"], l=rec["t"], qu=to_scaled(rec["q"]), trades=[rec])
            aid += 1
            aggs.append(cur)
    qty_dec = cfg["qty_dec"]
    for g in aggs:
        g["q"] = fixed(g["qu"] // 10 ** (8 - qty_dec), qty_dec)
        assert to_scaled(g["q"]) == g["qu"]
    return aggs


def choose_late(rng: random.Random, aggs: list[dict]) -> list[dict]:
    """Pick ~8 aggTrades per symbol whose frames arrive 2-5 s late.

    Deliberate picks: one just before a minute boundary, one just before a
    5-minute boundary (so the late frame revises an already-closed 1m / 5m
    bar), one aggTrade of 2-3 trades; the rest random single-trade aggTrades.
    """
    n = len(aggs)
    idx = range(10, n - 10)
    chosen: list[int] = []

    def take(pool):
        # the next aggTrade must follow within 1.5 s, so that it (E <= T + 1540)
        # is certain to arrive before the late frame (E >= T + 2000)
        pool = [i for i in pool if all(abs(i - c) > 3 for c in chosen)
                and aggs[i + 1]["T"] - aggs[i]["T"] < 1_500]
        if pool:
            chosen.append(rng.choice(pool))

    take([i for i in idx if aggs[i]["T"] % 60_000 >= 58_500 and len(aggs[i]["trades"]) == 1])
    take([i for i in idx if aggs[i]["T"] % 300_000 >= 298_000])
    take([i for i in idx if len(aggs[i]["trades"]) in (2, 3)])
    while len(chosen) < N_LATE_PER_SYMBOL:
        take([i for i in idx if len(aggs[i]["trades"]) == 1])
    return [aggs[i] for i in sorted(chosen)]


def assign_event_times(rng: random.Random, records: list[dict], aggs: list[dict], late: list[dict]):
    """E = T + 0..40 ms, non-decreasing per symbol; late ones E = T + 2000..5000 ms."""
    late_trade_ids: dict[int, int] = {}
    for g in late:
        E = g["T"] + rng.randint(2_000, 5_000)
        g["E"] = E
        g["late"] = True
        for tr in g["trades"]:
            late_trade_ids[tr["t"]] = E
    prev_E = 0
    for rec in records:
        if rec["t"] in late_trade_ids:
            rec["E"] = late_trade_ids[rec["t"]]
            rec["late"] = True
            continue
        rec["E"] = max(rec["T"] + rng.randint(0, 40), prev_E)
        rec["late"] = False
        prev_E = rec["E"]
    for g in aggs:
        if not g.get("late"):
            g["E"] = g["trades"][-1]["E"]  # emitted when its last trade is known
            g["late"] = False


def frame_order_key(sym_idx: int, E: int, seq: int):
    # Order by E across symbols; for equal E let the E's low bits decide which
    # symbol goes first (deterministic mix); within a symbol by id.
    return (E, (sym_idx + (E * 2_654_435_761 >> 7)) & 1, seq)


def trade_frame(rng: random.Random, rec: dict) -> str:
    data = {
        "e": "trade",
        "E": rec["E"],
        "T": rec["T"],
        "s": rec["sym"],
        "t": rec["t"],
        "p": rec["p"],
        "q": rec["q"],
        "X": rec["X"],
        "m": rec["m"],
    }
    if rng.random() < 0.5:
        return dumps(data)
    return dumps({"stream": rec["sym"].lower() + "@trade", "data": data})


def agg_frame(g: dict) -> str:
    data = {
        "e": "aggTrade",
        "E": g["E"],
        "s": g["sym"],
        "a": g["a"],
        "p": g["p"],
        "q": g["q"],
        "f": g["f"],
        "l": g["l"],
        "T": g["T"],
        "m": g["m"],
    }
    return dumps({"stream": g["sym"].lower() + "@aggTrade", "data": data})


# --------------------------------------------------------------------------
# bars (pandas)
# --------------------------------------------------------------------------


def load_frames(path: Path, kind: str) -> pd.DataFrame:
    rows = []
    with path.open("r", encoding="utf-8", newline="\n") as fh:
        for line in fh:
            obj = json.loads(line)
            d = obj["data"] if "stream" in obj else obj
            if kind == "trade":
                assert d["e"] == "trade"
                if d["X"] != "MARKET":
                    continue
                rows.append((d["s"], d["t"], d["T"], to_scaled(d["p"]), to_scaled(d["q"]), 1))
            else:
                assert d["e"] == "aggTrade"
                rows.append((d["s"], d["a"], d["T"], to_scaled(d["p"]), to_scaled(d["q"]),
                             d["l"] - d["f"] + 1))
    df = pd.DataFrame(rows, columns=["symbol", "id", "T", "p", "q", "n"])
    for c in ("id", "T", "p", "q", "n"):
        df[c] = df[c].astype("int64")
    return df


def pandas_bars(df: pd.DataFrame, interval_ms: int) -> pd.DataFrame:
    df = df.sort_values(["symbol", "id"], kind="stable").copy()
    df["start_ms"] = (df["T"] // interval_ms) * interval_ms  # epoch-aligned, left-closed
    g = df.groupby(["start_ms", "symbol"], sort=True)  # only non-empty buckets
    bars = g.agg(
        open=("p", "first"),  # rows sorted by id: first == lowest id
        high=("p", "max"),
        low=("p", "min"),
        close=("p", "last"),  # last == highest id
        volume=("q", "sum"),
        trades=("n", "sum"),
    ).reset_index()
    for c in ("open", "high", "low", "close", "volume", "trades"):
        assert bars[c].dtype == "int64", (c, bars[c].dtype)
    return bars


def pandas_bars_resample(df: pd.DataFrame, interval_ms: int) -> pd.DataFrame:
    """Independent cross-check using DataFrame.resample(origin='epoch')."""
    parts = []
    for sym, sdf in df.sort_values(["symbol", "id"], kind="stable").groupby("symbol", sort=True):
        s = sdf.set_index(pd.to_datetime(sdf["T"], unit="ms", utc=True))
        r = s.resample(f"{interval_ms}ms", origin="epoch", closed="left", label="left")
        b = pd.DataFrame({
            "open": r["p"].first(), "high": r["p"].max(), "low": r["p"].min(),
            "close": r["p"].last(), "volume": r["q"].sum(), "trades": r["n"].sum(),
            "cnt": r["n"].count(),
        })
        b = b[b["cnt"] > 0].drop(columns="cnt")
        b.insert(0, "symbol", sym)
        b.insert(0, "start_ms", (b.index - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1))
        parts.append(b.reset_index(drop=True))
    out = pd.concat(parts).sort_values(["start_ms", "symbol"], kind="stable").reset_index(drop=True)
    for c in ("open", "high", "low", "close", "volume", "trades", "start_ms"):
        out[c] = out[c].astype("int64")
    return out


def bars_csv(bars: pd.DataFrame) -> str:
    out = pd.DataFrame({
        "start_ms": bars["start_ms"].astype("int64"),
        "symbol": bars["symbol"].astype(str),
        "open": bars["open"].map(canonical),
        "high": bars["high"].map(canonical),
        "low": bars["low"].map(canonical),
        "close": bars["close"].map(canonical),
        "volume": bars["volume"].map(canonical),
        "trades": bars["trades"].astype("int64"),
    }).sort_values(["start_ms", "symbol"], kind="stable")
    text = out.to_csv(index=False, lineterminator="\n")
    assert text.startswith(CSV_HEADER + "\n")
    assert '"' not in text
    return text


def reference_csv(tape: list[dict], interval_ms: int) -> str:
    """Plain-Python/Decimal reference built directly from the generated tape."""
    buckets: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for rec in tape:
        if rec["X"] == "MARKET":
            buckets[(rec["T"] // interval_ms * interval_ms, rec["sym"])].append(rec)
    lines = [CSV_HEADER]
    for (start, sym) in sorted(buckets):
        trs = sorted(buckets[(start, sym)], key=lambda r: r["t"])
        ps = [Decimal(r["p"]) for r in trs]
        vol = sum((Decimal(r["q"]) for r in trs), Decimal(0))

        def c(d: Decimal) -> str:
            return canonical(int(d * SCALE))

        lines.append(",".join([str(start), sym, c(ps[0]), c(max(ps)), c(min(ps)), c(ps[-1]),
                               c(vol), str(len(trs))]))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parents[2] / "engine/tests/data/golden")
    args = ap.parse_args()
    out: Path = args.out

    rng = random.Random(SEED)
    tape: list[dict] = []  # all @trade records (incl. non-MARKET), both symbols
    all_aggs: list[dict] = []
    for sym_idx, (sym, cfg) in enumerate(SYMBOLS.items()):
        market = gen_market_trades(rng, sym, cfg)
        records = insert_non_market(rng, sym, cfg, market)
        aggs = aggregate(sym, cfg, records)
        late = choose_late(rng, aggs)
        assign_event_times(rng, records, aggs, late)
        for r in records:
            r["sym_idx"] = sym_idx
        for g in aggs:
            g["sym_idx"] = sym_idx
        tape.extend(records)
        all_aggs.extend(aggs)

    # ---- sanity checks on the generated tape --------------------------------
    for sym, cfg in SYMBOLS.items():
        recs = [r for r in tape if r["sym"] == sym]
        ids = [r["t"] for r in recs]
        assert ids == list(range(cfg["first_trade_id"], cfg["first_trade_id"] + len(ids)))
        assert all(a["T"] <= b["T"] for a, b in zip(recs, recs[1:]))
        qs = {r["q"] for r in recs if r["X"] == "MARKET"}
        for special in ("12.500", "0.001", "3.000"):
            assert special in qs, (sym, special)
        aggs = [g for g in all_aggs if g["sym"] == sym]
        assert [g["a"] for g in aggs] == list(range(cfg["first_agg_id"], cfg["first_agg_id"] + len(aggs)))
        assert sum(g["l"] - g["f"] + 1 for g in aggs) == sum(r["X"] == "MARKET" for r in recs)
    assert tape[0]["T"] % 1000 != 0 and min(r["T"] for r in tape) == T0_MS

    # ---- write the feeds ------------------------------------------------------
    out.mkdir(parents=True, exist_ok=True)
    frng = random.Random(SEED + 1)  # bare/combined coin flips
    trade_sorted = sorted(tape, key=lambda r: frame_order_key(r["sym_idx"], r["E"], r["t"]))
    agg_sorted = sorted(all_aggs, key=lambda g: frame_order_key(g["sym_idx"], g["E"], g["a"]))
    trade_lines = [trade_frame(frng, r) for r in trade_sorted]
    agg_lines = [agg_frame(g) for g in agg_sorted]
    (out / "feed_trade.jsonl").write_text("\n".join(trade_lines) + "\n", encoding="utf-8", newline="\n")
    (out / "feed_aggtrade.jsonl").write_text("\n".join(agg_lines) + "\n", encoding="utf-8", newline="\n")

    # ---- checks on the file order --------------------------------------------
    def order_stats(items, id_key):
        t_inversions = sum(1 for a, b in zip(items, items[1:]) if b["T"] < a["T"])
        late_ok = 0
        max_id_seen: dict[str, int] = {}
        for it in items:
            if it["late"]:
                assert max_id_seen.get(it["sym"], -1) > it[id_key], "late frame is not late"
                late_ok += 1
            else:
                assert it[id_key] > max_id_seen.get(it["sym"], -1), "non-late frame out of id order"
                max_id_seen[it["sym"]] = it[id_key]
        return t_inversions, late_ok

    tr_inv, tr_late = order_stats(trade_sorted, "t")
    ag_inv, ag_late = order_stats(agg_sorted, "a")
    assert tr_inv > 0 and ag_inv > 0

    # ---- bars ---------------------------------------------------------------
    kinds = (("trade", "feed_trade.jsonl"), ("aggtrade", "feed_aggtrade.jsonl"))
    frames = {kind: load_frames(out / fname, kind) for kind, fname in kinds}
    csvs: dict[tuple[str, str], str] = {}
    counts: dict[str, int] = {}
    for kind, _ in kinds:
        (out / kind).mkdir(exist_ok=True)
        for name, ms in INTERVALS:
            bars = pandas_bars(frames[kind], ms)
            alt = pandas_bars_resample(frames[kind], ms)
            pd.testing.assert_frame_equal(bars[alt.columns.tolist()], alt, check_dtype=False)
            text = bars_csv(bars)
            csvs[(kind, name)] = text
            counts[name] = len(bars)
            (out / kind / f"bars_{name}.csv").write_text(text, encoding="utf-8", newline="\n")

    for name, ms in INTERVALS:
        a, b = csvs[("trade", name)], csvs[("aggtrade", name)]
        assert a.encode() == b.encode(), f"trade vs aggtrade bars differ for {name}"
        assert a == reference_csv(tape, ms), f"pandas vs reference bars differ for {name}"

    # empty buckets really occur
    starts_1s = sorted({int(l.split(",")[0]) for l in csvs[("trade", "1s")].splitlines()[1:]})
    empty_1s = sum((b - a) // 1000 - 1 for a, b in zip(starts_1s, starts_1s[1:]))
    assert empty_1s > 0

    # ---- summary ------------------------------------------------------------
    n_market = sum(r["X"] == "MARKET" for r in tape)
    by_x = defaultdict(int)
    for r in tape:
        by_x[r["X"]] += 1
    n_combined = sum(line.startswith('{"stream"') for line in trade_lines)
    print(f"out: {out}")
    print(f"feed_trade.jsonl:    {len(trade_lines)} frames "
          f"({', '.join(f'{k}={v}' for k, v in sorted(by_x.items()))}; "
          f"{n_combined} combined, "
          f"{tr_late} late, {tr_inv} cross-frame T inversions)")
    print(f"feed_aggtrade.jsonl: {len(agg_lines)} frames "
          f"(covering {n_market} MARKET trades; {ag_late} late, {ag_inv} T inversions)")
    for name, _ in INTERVALS:
        print(f"bars_{name}.csv: {counts[name]} bars (trade == aggtrade, byte-identical)")
    print(f"empty 1s buckets between first and last bar (any symbol): {empty_1s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
