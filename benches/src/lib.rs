//! Benchmarks, feed generators and the load-test harness for spreadwatch.
//! The criterion benches live in `benches/`; binaries in `src/bin/`.
//!
//! # Layout
//!
//! - `src/bin/genfeed.rs`: writes a synthetic feed of N ticks in Binance's
//!   combined-stream format, for throughput runs of `spreadwatch replay`.
//! - `benches/ingest.rs`, `benches/pair.rs`: criterion benches of the frame
//!   parser, the bar builder, the tick ring and the pair update.
//! - `src/loadtest.rs` (`src/bin/loadtest.rs`): the load harness: mock
//!   Binance, WebSocket clients, latency histograms, the JSON report.
//! - `src/client.rs`: one WebSocket client of the harness, timing every
//!   frame or draining its socket in bulk.
//! - `src/stamped.rs`: a TCP stream that keeps the kernel's receive stamp,
//!   so the harness can tell when a frame reached a client from when it
//!   read it.
//! - `src/under_test.rs`: the engine under test, as a child or in process,
//!   read through `/api/status` and `/proc`.
//! - `src/bin/floorserver.rs`: a bare WebSocket fan-out with no engine, which
//!   the harness drives like `spreadwatch serve` to show what the machine
//!   itself allows.
//! - `src/bin/sidebyside.rs`, `src/bin/pairbench.rs`, `src/bin/restorebench.rs`:
//!   the whole-replay and per-update side by side with the Python design,
//!   and the restart timing.
//! - `src/market.rs` (`src/bin/scanbench.rs`, `benches/scan.rs`): a
//!   synthetic whole market of 1 m closes and the scanner's timing on it.

mod client;
pub mod cluster;
pub mod loadtest;
pub mod market;
pub mod stamped;
mod under_test;

use spreadwatch_engine::sources::frame::StreamKind;
use spreadwatch_engine::sources::record::frame_json;
use spreadwatch_engine::sources::sim::{SimConfig, SimMarket};

/// Generates `n` frames of a simulated market with `symbols` symbols, in
/// time order, calling `out` with each line (no newline).
pub fn synthetic_frames(
    n: u64,
    symbols: usize,
    rate: f64,
    kind: StreamKind,
    mut out: impl FnMut(&str),
) {
    let mut cfg = SimConfig {
        rate,
        ..SimConfig::default()
    };
    let extra = [
        "SOLUSDT", "BNBUSDT", "XRPUSDT", "DOGEUSDT", "ADAUSDT", "LINKUSDT",
    ];
    for s in extra.iter().take(symbols.saturating_sub(2)) {
        cfg.symbols.push(s.parse().expect("valid symbol"));
    }
    cfg.symbols.truncate(symbols.max(1));
    let mut m = SimMarket::new(&cfg, 1_700_000_000.123);
    for _ in 0..n {
        let (sym, t) = m.next_trade();
        let line = frame_json(sym, &t, t.time_ms + 5, kind);
        out(&line);
    }
}
