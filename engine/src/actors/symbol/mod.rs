//! One actor per symbol: the tick ring, the bars and the price filter.

pub mod messages;

use std::time::Instant;

use actix::prelude::*;
use spreadwatch_proto::{BarKind, Interval, Symbol};

use super::events::Events;
use super::events::{EngineEvent, Update};
use super::pair::messages::LegUpdate;
use super::registry::SymbolConfig;
use crate::core::bar::Ohlcv;
use crate::core::ring::RingInsert;
use crate::core::{BarBook, BarUpdate, PriceKalman, Tick, TickRing};
use crate::status::StatusBoard;
use messages::{
    Barrier, CloseForming, GetBars, GetForming, GetLeg, GetTicksAfter, LegHistory, SeedBars,
    SubscribeLeg, TickBatch,
};

/// Holds and updates everything the engine knows about one symbol.
pub struct SymbolActor {
    symbol: Symbol,
    ring: TickRing,
    bars: BarBook,
    kalman: PriceKalman,
    events: Events,
    status: StatusBoard,
    ticks: u64,
    duplicates: u64,
    too_late: u64,
    revisions: u64,
    pairs: Vec<Recipient<LegUpdate>>,
    /// Trades inserted behind the newest since the last snapshot (a gap
    /// filled from REST): their ids are below what the snapshot saved, so
    /// it takes them from here. Kept only once snapshots are taken.
    late: Option<Vec<Tick>>,
}

/// Late trades kept for the next snapshot at most (snapshots come every
/// second and REST fills far slower).
const MAX_LATE: usize = 200_000;

impl SymbolActor {
    /// Creates the actor's state.
    pub fn new(symbol: Symbol, cfg: &SymbolConfig, events: Events, status: StatusBoard) -> Self {
        SymbolActor {
            symbol,
            ring: TickRing::new(cfg.ring_capacity),
            bars: BarBook::new(cfg.limits, cfg.grace_ms),
            kalman: PriceKalman::new(cfg.kalman_delta),
            events,
            status,
            ticks: 0,
            duplicates: 0,
            too_late: 0,
            revisions: 0,
            pairs: Vec::new(),
            late: None,
        }
    }

    fn cuts(&self) -> [i64; 3] {
        Interval::ALL.map(|iv| self.bars.series(iv).closed_before())
    }

    /// Tells the pairs using this symbol what changed. Pair actors run on
    /// the same thread and get one message per batch, so their mailboxes
    /// stay short without dropping closes they must see.
    fn notify_pairs(&mut self, update: LegUpdate) {
        self.pairs.retain(|r| r.connected());
        for r in &self.pairs {
            r.do_send(update.clone());
        }
    }

    fn publish(&self, origin: Instant, iv: Interval, b: &Ohlcv, kind: BarKind) {
        self.events.send(Update {
            origin,
            event: EngineEvent::Bar {
                bar: b.to_bar(&self.symbol, iv),
                kind,
            },
        });
    }

    fn report(&self) {
        let (ticks, dup, late, rev) = (self.ticks, self.duplicates, self.too_late, self.revisions);
        let ring_len = self.ring.len() as u64;
        let wm = self.bars.newest_ms().map(|_| self.bars.watermark_ms());
        let level = self.kalman.initialized().then(|| self.kalman.level());
        let last = self.ring.last().map(|t| t.price.to_f64());
        self.status.with_symbol(self.symbol.as_str(), |s| {
            s.ticks = ticks;
            s.ring_len = ring_len;
            s.duplicates = dup;
            s.too_late = late;
            s.revisions = rev;
            s.watermark_ms = wm;
            s.kalman_level = level;
            s.last_price = last;
        });
    }
}

impl Actor for SymbolActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // A generous mailbox lets sources run ahead by a few batches.
        ctx.set_mailbox_capacity(64);
    }
}

impl Handler<TickBatch> for SymbolActor {
    type Result = ();

    fn handle(&mut self, msg: TickBatch, _: &mut Self::Context) {
        let origin = msg.received.unwrap_or_else(Instant::now);
        // Only build wire bars when someone listens; replay at full speed
        // with no subscribers then costs nothing here.
        let listening = self.events.listening();
        let mut out = BatchOut::new(&self.symbol, origin, !self.pairs.is_empty(), listening);
        for tick in &msg.ticks {
            self.ingest(tick, &mut out);
        }
        if out.feeding {
            out.leg.cuts = self.cuts();
            self.notify_pairs(out.leg);
        }
        if out.listening {
            self.publish_batch(origin, &out.ordered, out.forming);
        }
        self.report();
    }
}

/// What one batch changed, gathered for the pairs (when any feed on the
/// symbol) and the listeners (when any listen).
struct BatchOut {
    feeding: bool,
    listening: bool,
    leg: LegUpdate,
    /// Closes and revisions, in the order they happened.
    ordered: Vec<(Interval, Ohlcv, BarKind)>,
    /// The forming bar each interval touched last: conflated to one per
    /// interval per batch.
    forming: [Option<i64>; 3],
}

impl BatchOut {
    fn new(symbol: &Symbol, origin: Instant, feeding: bool, listening: bool) -> Self {
        let leg = LegUpdate {
            symbol: symbol.clone(),
            ticks: Vec::new(),
            closed: Vec::new(),
            revised: Vec::new(),
            cuts: [i64::MIN; 3],
            origin,
        };
        BatchOut {
            feeding,
            listening,
            leg,
            ordered: Vec::new(),
            forming: [None; 3],
        }
    }

    fn closed(&mut self, iv: Interval, b: &Ohlcv) {
        if self.listening {
            self.ordered.push((iv, *b, BarKind::Closed));
        }
        if self.feeding {
            self.leg.closed.push((iv, b.start_ms, b.close.to_f64()));
        }
    }

    fn revised(&mut self, iv: Interval, b: Ohlcv) {
        if self.feeding {
            self.leg.revised.push((iv, b.start_ms, b.close.to_f64()));
        }
        if self.listening {
            self.ordered.push((iv, b, BarKind::Revised));
        }
    }
}

impl SymbolActor {
    /// Takes one trade into the ring, the filter and the bars.
    fn ingest(&mut self, tick: &Tick, out: &mut BatchOut) {
        match self.ring.insert(*tick) {
            RingInsert::Duplicate => {
                self.duplicates += 1;
                return;
            }
            RingInsert::Appended => {
                self.kalman.update(tick.price.to_f64());
            }
            RingInsert::Inserted => {
                if let Some(late) = self.late.as_mut().filter(|l| l.len() < MAX_LATE) {
                    late.push(*tick);
                }
            }
        }
        self.ticks += 1;
        if out.feeding {
            out.leg
                .ticks
                .push((tick.time_ms, tick.price.to_f64(), tick.id));
        }
        let mut upd: [Option<BarUpdate>; 3] = [None; 3];
        self.bars.update(
            tick,
            |iv, u| upd[iv.index()] = Some(u),
            |iv, b| out.closed(iv, b),
        );
        let mut late = false;
        for iv in Interval::ALL {
            match upd[iv.index()] {
                Some(BarUpdate::Forming(b)) => out.forming[iv.index()] = Some(b.start_ms),
                Some(BarUpdate::Revised(b)) => {
                    self.revisions += 1;
                    out.revised(iv, b);
                }
                Some(BarUpdate::TooLate) => late = true,
                None => {}
            }
        }
        if late {
            self.too_late += 1;
        }
    }

    /// Sends a batch's closes and revisions in order, then the newest state
    /// of each forming bar it touched.
    fn publish_batch(
        &self,
        origin: Instant,
        ordered: &[(Interval, Ohlcv, BarKind)],
        forming: [Option<i64>; 3],
    ) {
        for (iv, b, kind) in ordered {
            self.publish(origin, *iv, b, *kind);
        }
        for iv in Interval::ALL {
            let Some(start) = forming[iv.index()] else {
                continue;
            };
            let series = self.bars.series(iv);
            if let Some(b) = series.forming().find(|b| b.start_ms == start) {
                self.publish(origin, iv, b, BarKind::Forming);
            }
        }
    }
}

impl Handler<Barrier> for SymbolActor {
    type Result = ();

    fn handle(&mut self, _: Barrier, _: &mut Self::Context) {}
}

impl Handler<CloseForming> for SymbolActor {
    type Result = ();

    fn handle(&mut self, _: CloseForming, _: &mut Self::Context) {
        let mut out = vec![];
        self.bars.flush(|iv, b| out.push((iv, *b)));
        let origin = Instant::now();
        for (iv, b) in &out {
            self.publish(origin, *iv, b, BarKind::Closed);
        }
        if !self.pairs.is_empty() {
            let leg = LegUpdate {
                symbol: self.symbol.clone(),
                ticks: Vec::new(),
                closed: out
                    .iter()
                    .map(|(iv, b)| (*iv, b.start_ms, b.close.to_f64()))
                    .collect(),
                revised: Vec::new(),
                cuts: self.cuts(),
                origin,
            };
            self.notify_pairs(leg);
        }
        self.report();
    }
}

impl Handler<GetBars> for SymbolActor {
    type Result = MessageResult<GetBars>;

    fn handle(&mut self, q: GetBars, _: &mut Self::Context) -> Self::Result {
        let s = self.bars.series(q.interval);
        let closed = s.closed_range(q.from_ms, q.to_ms);
        let older = closed.len().saturating_sub(q.last);
        let mut out: Vec<_> = closed
            .skip(older)
            .map(|b| b.to_bar(&self.symbol, q.interval))
            .collect();
        if q.include_forming {
            out.extend(
                s.forming()
                    .filter(|b| b.start_ms >= q.from_ms && b.start_ms < q.to_ms)
                    .map(|b| b.to_bar(&self.symbol, q.interval)),
            );
        }
        MessageResult(out)
    }
}

impl Handler<GetForming> for SymbolActor {
    type Result = MessageResult<GetForming>;

    fn handle(&mut self, _: GetForming, _: &mut Self::Context) -> Self::Result {
        let mut out = Vec::new();
        for iv in Interval::ALL {
            out.extend(
                self.bars
                    .series(iv)
                    .forming()
                    .map(|b| b.to_bar(&self.symbol, iv)),
            );
        }
        MessageResult(out)
    }
}

impl Handler<SeedBars> for SymbolActor {
    type Result = ();

    fn handle(&mut self, m: SeedBars, _: &mut Self::Context) {
        self.bars.seed_closed(
            m.interval,
            m.bars.iter().map(crate::core::bar::Ohlcv::from_bar),
        );
    }
}

impl Handler<GetTicksAfter> for SymbolActor {
    type Result = MessageResult<GetTicksAfter>;

    fn handle(&mut self, q: GetTicksAfter, _: &mut Self::Context) -> Self::Result {
        // The ring is in id order: walk back from the newest.
        let new = match q.after {
            None => self.ring.len(),
            Some(a) => self.ring.iter().rev().take_while(|t| t.id > a).count(),
        };
        let skip = self.ring.len() - new;
        let mut out: Vec<Tick> = self.ring.iter().skip(skip).copied().collect();
        let late = self.late.replace(Vec::new()).unwrap_or_default();
        if let Some(a) = q.after {
            out.extend(late.into_iter().filter(|t| t.id <= a));
            out.sort_by_key(|t| t.id);
        }
        MessageResult(out)
    }
}

impl Handler<SubscribeLeg> for SymbolActor {
    type Result = ();

    fn handle(&mut self, msg: SubscribeLeg, _: &mut Self::Context) {
        self.pairs.push(msg.0);
    }
}

impl Handler<GetLeg> for SymbolActor {
    type Result = MessageResult<GetLeg>;

    fn handle(&mut self, q: GetLeg, _: &mut Self::Context) -> Self::Result {
        let last = self.ring.last().map(|t| (t.time_ms, t.price.to_f64()));
        let newest_id = self.ring.last().map(|t| t.id);
        let snap = match q.interval {
            Some(iv) => {
                let s = self.bars.series(iv);
                let skip = s.closed().len().saturating_sub(q.limit);
                LegHistory {
                    points: s
                        .closed()
                        .skip(skip)
                        .map(|b| (b.start_ms, b.close.to_f64()))
                        .collect(),
                    cut: s.closed_before(),
                    last,
                    newest_id,
                }
            }
            None => {
                let skip = self.ring.len().saturating_sub(q.limit);
                LegHistory {
                    points: self
                        .ring
                        .iter()
                        .skip(skip)
                        .map(|t| (t.time_ms, t.price.to_f64()))
                        .collect(),
                    cut: i64::MIN,
                    last,
                    newest_id,
                }
            }
        };
        MessageResult(snap)
    }
}
