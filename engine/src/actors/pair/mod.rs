//! One actor per pair: aligns its legs, drives [`PairState`], raises
//! alerts, and runs the slow estimators on the blocking pool.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use actix::prelude::*;
use futures_util::future::{BoxFuture, Shared};
use spreadwatch_proto::{Alert, Interval, PairId, PairParams, Sampling, Symbol};

use super::events::{EngineEvent, Events, Update};
use super::symbol::messages::SubscribeLeg;
use super::symbol::SymbolActor;
use crate::core::align::{AlignEvent, BarAligner, Leg};
use crate::core::heavy::compute_heavy;
use crate::core::pair::PairState;
use crate::status::StatusBoard;

pub mod checkpoint;
mod control;
pub mod messages;
mod rebuild;

use messages::{GetPair, GetParams, HeavyDone, LegUpdate, PairSnapshot};

/// The slow estimators run at most this often (and on bar close).
const HEAVY_EVERY: Duration = Duration::from_millis(250);
/// Alerts kept per pair.
const ALERT_HISTORY: usize = 1_000;
/// Points kept for charts.
const CHART_POINTS: usize = 3_600;
/// Ticks per leg used to rebuild a pair sampled on trades.
const TICK_REBUILD: usize = 100_000;
/// Bars per leg used to rebuild a pair.
const BAR_REBUILD: usize = 86_400;

/// Owns one pair's state.
pub struct PairActor {
    state: PairState,
    name: String,
    aligner: BarAligner,
    y: Addr<SymbolActor>,
    x: Addr<SymbolActor>,
    last: [Option<(i64, f64)>; 2],
    /// Per leg, the newest trade id the last rebuild took.
    rebuilt_through: [Option<u64>; 2],
    events: Events,
    status: StatusBoard,
    alerts: VecDeque<Alert>,
    origin: Instant,
    generation: u64,
    heavy_running: bool,
    heavy_due: bool,
    heavy_timer: bool,
    last_heavy: Option<Instant>,
    /// The recompute in progress, which later requests wait for.
    recompute: Option<(u64, Shared<BoxFuture<'static, ()>>)>,
    dirty: bool,
}

impl PairActor {
    /// Creates the actor for `pair`, fed by the two legs' actors.
    pub fn new(
        pair: PairId,
        params: PairParams,
        y: Addr<SymbolActor>,
        x: Addr<SymbolActor>,
        events: Events,
        status: StatusBoard,
    ) -> Self {
        PairActor {
            name: pair.to_string(),
            state: PairState::new(pair, params, CHART_POINTS),
            aligner: BarAligner::new(),
            y,
            x,
            last: [None, None],
            rebuilt_through: [None, None],
            events,
            status,
            alerts: VecDeque::new(),
            origin: Instant::now(),
            generation: 0,
            heavy_running: false,
            heavy_due: false,
            heavy_timer: false,
            last_heavy: None,
            recompute: None,
            dirty: false,
        }
    }

    fn pair(&self) -> &PairId {
        self.state.pair()
    }

    fn leg_of(&self, s: &Symbol) -> Option<Leg> {
        if *s == self.pair().y {
            Some(Leg::Y)
        } else if *s == self.pair().x {
            Some(Leg::X)
        } else {
            None
        }
    }

    fn publish(&self, event: EngineEvent) {
        if self.events.listening() {
            self.events.send(Update {
                origin: self.origin,
                event,
            });
        }
    }

    fn commit(&mut self, ts: i64, x: f64, y: f64) {
        let (stats, point, side) = self.state.commit(ts, x, y);
        if let (Some(side), Some(z)) = (side, stats.z) {
            let a = Alert {
                pair: self.pair().clone(),
                ts,
                z,
                side,
                threshold: self.state.params().z_threshold,
            };
            tracing::info!(pair = %a.pair, z, ?side, "alert: |z| crossed {}", a.threshold);
            self.alerts.push_back(a.clone());
            while self.alerts.len() > ALERT_HISTORY {
                self.alerts.pop_front();
            }
            self.publish(EngineEvent::Alert(a));
        }
        self.publish(EngineEvent::Pair(Box::new(stats), Some(point)));
    }

    /// Data-time staleness: one leg's last trade lags the other's too far.
    fn check_stale(&mut self) {
        let limit = self.state.params().stale_after_ms;
        let reason = match self.last {
            [Some((ty, _)), Some((tx, _))] if ty.saturating_add(limit) < tx => Some(format!(
                "{} has not traded for {:.1} s",
                self.pair().y,
                (tx - ty) as f64 / 1000.0
            )),
            [Some((ty, _)), Some((tx, _))] if tx.saturating_add(limit) < ty => Some(format!(
                "{} has not traded for {:.1} s",
                self.pair().x,
                (ty - tx) as f64 / 1000.0
            )),
            [None, _] => Some(format!("{} has not traded yet", self.pair().y)),
            [_, None] => Some(format!("{} has not traded yet", self.pair().x)),
            _ => None,
        };
        self.state.set_stale(reason.clone());
        let (n, p) = (self.state.count(), *self.state.params());
        // Runs on every update: the name is formatted once, in `new`.
        self.status.with_pair(&self.name, |s| {
            s.points = n;
            s.stale_reason = reason;
            s.model = p.model;
            s.interval = p.interval;
        });
    }

    fn request_heavy(&mut self, ctx: &mut Context<Self>) {
        if self.heavy_running {
            self.heavy_due = true;
            return;
        }
        let wait = self
            .last_heavy
            .map(|t| HEAVY_EVERY.saturating_sub(t.elapsed()))
            .unwrap_or_default();
        if !wait.is_zero() {
            if !self.heavy_timer {
                self.heavy_timer = true;
                ctx.run_later(wait, |a, ctx| {
                    a.heavy_timer = false;
                    a.request_heavy(ctx);
                });
            }
            return;
        }
        self.heavy_running = true;
        self.heavy_due = false;
        self.last_heavy = Some(Instant::now());
        let input = self.state.heavy_input();
        let (gen, me) = (self.generation, ctx.address());
        // Off the actor's thread: no tick waits for Theil-Sen or ADF.
        actix_rt::spawn(async move {
            if let Ok(r) = tokio::task::spawn_blocking(move || compute_heavy(&input)).await {
                me.do_send(HeavyDone(r, gen));
            }
        });
    }
}

impl Actor for PairActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(1024);
        let me = ctx.address().recipient::<LegUpdate>();
        self.y.do_send(SubscribeLeg(me.clone()));
        self.x.do_send(SubscribeLeg(me));
        self.rebuild(ctx);
    }
}

impl Handler<LegUpdate> for PairActor {
    type Result = ();

    fn handle(&mut self, u: LegUpdate, ctx: &mut Self::Context) {
        let Some(leg) = self.leg_of(&u.symbol) else {
            return;
        };
        self.origin = u.origin;
        let heavy_due = match self.state.params().interval {
            Sampling::Tick => self.tick_samples(leg, &u),
            Sampling::Bar(iv) => self.bar_samples(leg, iv, &u),
        };
        if heavy_due {
            self.request_heavy(ctx);
        }
        self.check_stale();
        if self.dirty {
            self.rebuild(ctx);
        }
    }
}

impl PairActor {
    /// Every trade of either leg is a sample, paired with the other leg's
    /// last price. Returns whether the batch brought trades (the slow
    /// estimators are then due, as before the split).
    fn tick_samples(&mut self, leg: Leg, u: &LegUpdate) -> bool {
        let li = usize::from(leg == Leg::X);
        for &(t, p, id) in &u.ticks {
            // A trade the last rebuild already took (its update was on the
            // way), or one filled in behind the leg's newest (a gap from
            // REST), is no new sample.
            if self.rebuilt_through[li].is_some_and(|r| id <= r)
                || self.last[li].is_some_and(|(lt, _)| t < lt)
            {
                continue;
            }
            self.last[li] = Some((t, p));
            if let [Some((_, y)), Some((_, x))] = self.last {
                self.commit(t, x, y);
            }
        }
        !u.ticks.is_empty()
    }

    /// Closed bars are aligned across legs and committed once both are
    /// final; every trade also gives a provisional point from the forming
    /// values. Returns whether any point was committed (the slow
    /// estimators are then due).
    fn bar_samples(&mut self, leg: Leg, iv: Interval, u: &LegUpdate) -> bool {
        let li = usize::from(leg == Leg::X);
        // The newest by time: a batch may end with a filled-in trade.
        if let Some(&(t, p, _)) = u.ticks.iter().max_by_key(|(t, ..)| *t) {
            if self.last[li].is_none_or(|(lt, _)| t >= lt) {
                self.last[li] = Some((t, p));
            }
        }
        for &(_, start, close) in u.closed.iter().filter(|c| c.0 == iv) {
            self.aligner.bar(leg, start, close, false);
        }
        for &(_, start, close) in u.revised.iter().filter(|c| c.0 == iv) {
            if self.aligner.bar(leg, start, close, true) == AlignEvent::Stale {
                self.dirty = true;
            }
        }
        let mut ready = Vec::new();
        self.aligner.advance(leg, u.cuts[iv.index()], &mut ready);
        for &(ts, x, y) in &ready {
            self.commit(ts, x, y);
        }
        if let ([Some((ty, y)), Some((tx, x))], false) = (self.last, u.ticks.is_empty()) {
            let ts = Interval::bucket_start(iv, ty.max(tx));
            let stats = self.state.provisional(ts, x, y);
            self.publish(EngineEvent::Pair(Box::new(stats), None));
        }
        !ready.is_empty()
    }
}

impl Handler<HeavyDone> for PairActor {
    type Result = ();

    fn handle(&mut self, HeavyDone(r, gen): HeavyDone, ctx: &mut Self::Context) {
        self.heavy_running = false;
        if gen == self.generation {
            self.state.set_heavy(r);
            if let Some(s) = self.state.latest() {
                self.publish(EngineEvent::Pair(Box::new(s), None));
            }
        }
        if self.heavy_due || gen != self.generation {
            self.request_heavy(ctx);
        }
    }
}

impl Handler<GetParams> for PairActor {
    type Result = MessageResult<GetParams>;

    fn handle(&mut self, _: GetParams, _: &mut Self::Context) -> Self::Result {
        MessageResult(*self.state.params())
    }
}

impl Handler<GetPair> for PairActor {
    type Result = MessageResult<GetPair>;

    fn handle(&mut self, _: GetPair, _: &mut Self::Context) -> Self::Result {
        MessageResult(PairSnapshot {
            pair: self.pair().clone(),
            params: *self.state.params(),
            latest: self.state.latest(),
            points: self.state.chart().copied().collect(),
            alerts: self.alerts.iter().cloned().collect(),
        })
    }
}
