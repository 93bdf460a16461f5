//! One actor per symbol: the tick ring, the bars and the price filter.

pub mod batch;
pub mod messages;
pub mod state;

use std::time::Instant;

use actix::prelude::*;
use spreadwatch_proto::{BarKind, Interval, Symbol};

use super::events::Events;
use super::events::{EngineEvent, Update};
use super::pair::messages::LegUpdate;
use super::registry::SymbolConfig;
use crate::core::bar::Ohlcv;
use crate::status::StatusBoard;
use batch::BatchOut;
use messages::{
    Barrier, CloseForming, GetBars, GetForming, GetLeg, GetTicksAfter, SeedBars, SubscribeLeg,
    TickBatch,
};
use state::SymbolState;

/// The actor around one symbol's [`SymbolState`]: it takes trades from a
/// source, and sends what changed to the pairs and the listeners.
pub struct SymbolActor {
    symbol: Symbol,
    state: SymbolState,
    events: Events,
    status: StatusBoard,
    pairs: Vec<Recipient<LegUpdate>>,
}

impl SymbolActor {
    /// Creates the actor's state; its ticks count against `budget`.
    pub fn new(
        symbol: Symbol,
        cfg: &SymbolConfig,
        budget: std::sync::Arc<crate::core::tick_budget::TickBudget>,
        events: Events,
        status: StatusBoard,
    ) -> Self {
        SymbolActor {
            symbol,
            state: SymbolState::with_budget(cfg, budget),
            events,
            status,
            pairs: Vec::new(),
        }
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
        self.status
            .with_symbol(self.symbol.as_str(), |s| self.state.report(s));
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
            self.state.ingest(tick, &mut out);
        }
        if out.feeding {
            out.leg.cuts = self.state.cuts();
            self.notify_pairs(out.leg);
        }
        if out.listening {
            self.publish_batch(origin, &out.ordered, out.forming);
        }
        self.report();
    }
}

impl SymbolActor {
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
            let series = self.state.bars().series(iv);
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
        let out = self.state.close_forming();
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
                cuts: self.state.cuts(),
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
        MessageResult(self.state.query_bars(&self.symbol, &q))
    }
}

impl Handler<GetForming> for SymbolActor {
    type Result = MessageResult<GetForming>;

    fn handle(&mut self, _: GetForming, _: &mut Self::Context) -> Self::Result {
        let (bars, symbol) = (self.state.bars(), &self.symbol);
        let forming = Interval::ALL
            .into_iter()
            .flat_map(|iv| bars.series(iv).forming().map(move |b| b.to_bar(symbol, iv)));
        MessageResult(forming.collect())
    }
}

impl Handler<SeedBars> for SymbolActor {
    type Result = ();

    fn handle(&mut self, m: SeedBars, _: &mut Self::Context) {
        self.state.seed_bars(m.interval, &m.bars);
    }
}

impl Handler<GetTicksAfter> for SymbolActor {
    type Result = MessageResult<GetTicksAfter>;

    fn handle(&mut self, q: GetTicksAfter, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.state.ticks_after(q.after))
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
        MessageResult(self.state.leg_history(q.interval, q.limit))
    }
}
