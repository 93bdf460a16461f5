//! The live pair scanner: on the first 1 m bar close of every `--scan-every`
//! (data time), the newest `lookback` 1 m closes of every symbol go through
//! [`crate::core::scan`] on the blocking pool, so no trade waits for it.
//! The ranking is kept for `/api/scan`, saved with the state, counted on the
//! status board and published as a `scan` frame.
//!
//! A scan still running when the next is due is not started twice: that one
//! is skipped and counted.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use spreadwatch_proto::scan::{LiveScan, ScanParams, ScanReport, ScanStatus};
use spreadwatch_proto::{Interval, Symbol};

use super::events::{EngineEvent, Update};
use super::registry::Registry;
use super::symbol::messages::GetBars;
use crate::core::scan::{scan, ScanOutcome};
use crate::core::scan_schedule::ScanSchedule;
use crate::status::StatusBoard;

/// How often the scanner looks at the bar watermark.
const POLL: Duration = Duration::from_millis(250);

/// The live scanner's settings (`--scan-*`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScanConfig {
    /// What each scan does.
    pub params: ScanParams,
    /// Data time between scans (at least a minute).
    pub every: Duration,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            params: ScanParams::default(),
            every: Duration::from_secs(60),
        }
    }
}

/// The scanner: a schedule, a running flag and its counters.
pub struct ScannerActor {
    cfg: ScanConfig,
    registry: Arc<Registry>,
    status: StatusBoard,
    /// True once what was saved is back: a scan of half-restored bars
    /// would replace the saved ranking with one over some symbols.
    restored: tokio::sync::watch::Receiver<bool>,
    schedule: ScanSchedule,
    running: bool,
    counters: ScanStatus,
}

impl ScannerActor {
    /// A scanner over `registry`'s symbols, from when `restored` is true.
    pub fn new(
        cfg: ScanConfig,
        registry: Arc<Registry>,
        status: StatusBoard,
        restored: tokio::sync::watch::Receiver<bool>,
    ) -> Self {
        let every = i64::try_from(cfg.every.as_millis()).unwrap_or(i64::MAX);
        ScannerActor {
            cfg,
            registry,
            status,
            restored,
            schedule: ScanSchedule::new(every),
            running: false,
            counters: ScanStatus::default(),
        }
    }

    /// Looks at the newest watermark and starts a scan when one is due.
    fn tick(&mut self, ctx: &mut Context<Self>) {
        if !*self.restored.borrow() {
            return;
        }
        if self.schedule.is_fresh() {
            // A ranking restored from disk is not computed again.
            if let Some(s) = self.registry.latest_scan() {
                self.schedule.done(s.time_ms);
            }
        }
        let watermark = self
            .status
            .read(|r| r.symbols.values().filter_map(|s| s.watermark_ms).max());
        let Some(end) = watermark.and_then(|wm| self.schedule.due(wm)) else {
            return;
        };
        if self.running {
            self.counters.skipped += 1;
            self.report();
            return;
        }
        self.running = true;
        let fut = run_scan(self.registry.clone(), self.cfg.params, end);
        ctx.spawn(
            fut.into_actor(self)
                .map(move |res, act, _| act.finish(end, res)),
        );
    }

    /// Keeps, counts and publishes a finished scan.
    fn finish(&mut self, end: i64, res: Option<(ScanOutcome, Duration)>) {
        self.running = false;
        let Some((out, took)) = res else {
            self.counters.failed += 1;
            tracing::error!(
                end_ms = end,
                "a pair scan failed (its thread panicked); the next one runs on time"
            );
            self.report();
            return;
        };
        let live = Arc::new(LiveScan {
            time_ms: end,
            params: self.cfg.params,
            report: ScanReport {
                symbols: out.symbols,
                pairs_screened: out.pairs_screened,
                candidates: out.candidates,
                elapsed_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
                results: out.results,
            },
        });
        self.counters.scans += 1;
        self.counters.last_ms = live.report.elapsed_ms;
        self.counters.candidates = live.report.candidates as u64;
        self.counters.pairs_screened = live.report.pairs_screened as u64;
        self.counters.time_ms = Some(end);
        self.report();
        self.registry.set_latest_scan(live.clone());
        self.registry.events().send(Update {
            origin: Instant::now(),
            event: EngineEvent::Scan(live),
        });
    }

    fn report(&self) {
        let c = self.counters;
        self.status.set_scan(c);
    }
}

impl Actor for ScannerActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.report();
        ctx.run_interval(POLL, |act, ctx| act.tick(ctx));
    }
}

/// Reads every symbol's 1 m closes in `[end - lookback minutes, end)` and
/// scans them on the blocking pool; `None` if the pool is gone.
async fn run_scan(
    registry: Arc<Registry>,
    params: ScanParams,
    end: i64,
) -> Option<(ScanOutcome, Duration)> {
    let series = gather_closes(&registry, params.lookback, end).await;
    let t0 = Instant::now();
    let out = tokio::task::spawn_blocking(move || scan(&series, &params))
        .await
        .ok()?;
    Some((out, t0.elapsed()))
}

/// Every symbol's closed 1 m bars in the window, as `(start, close)`.
async fn gather_closes(
    registry: &Registry,
    lookback: usize,
    end: i64,
) -> Vec<(Symbol, Vec<(i64, f64)>)> {
    let minutes = i64::try_from(lookback).unwrap_or(i64::MAX);
    let from = end.saturating_sub(minutes.saturating_mul(Interval::M1.millis()));
    let mut series = Vec::new();
    for sym in registry.symbols() {
        let Some(actor) = registry.get(&sym) else {
            continue;
        };
        let q = GetBars {
            interval: Interval::M1,
            from_ms: from,
            to_ms: end,
            include_forming: false,
            last: lookback,
        };
        if let Ok(bars) = actor.send(q).await {
            let closes = bars
                .iter()
                .map(|b| (b.start_ms, b.close.to_f64()))
                .collect();
            series.push((sym, closes));
        }
    }
    series
}
