//! Messages between sources, actors and readers.

use actix::prelude::*;
use std::time::Instant;

use spreadwatch_proto::{
    Alert, Bar, BarKind, Interval, PairId, PairParams, PairPoint, PairStats, Symbol,
};

use crate::core::Tick;

/// Ticks for one symbol, in arrival order.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct TickBatch {
    /// The ticks.
    pub ticks: Vec<Tick>,
    /// When the oldest of them was received (for tick-to-send latency).
    pub received: Option<Instant>,
}

/// Closes every forming bar: the end of a finite replay.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Flush;

/// Asks for bars of one interval.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Vec<Bar>")]
pub struct GetBars {
    /// The interval.
    pub interval: Interval,
    /// Earliest bar start, inclusive.
    pub from_ms: i64,
    /// Latest bar start, exclusive.
    pub to_ms: i64,
    /// Include forming bars after the closed ones.
    pub include_forming: bool,
    /// At most this many closed bars, the newest (`usize::MAX`: all).
    pub last: usize,
}

/// Asks for a symbol's forming bars at every interval.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Vec<Bar>")]
pub struct GetForming;

/// Asks a symbol actor for its state in brief.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "SymbolSnapshot")]
pub struct GetSnapshot;

/// A symbol actor's state in brief.
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolSnapshot {
    /// Ticks held in the ring.
    pub ring_len: usize,
    /// Ticks accepted.
    pub ticks: u64,
    /// Newest trade time.
    pub newest_ms: Option<i64>,
    /// Kalman-filtered price level.
    pub kalman_level: Option<f64>,
    /// Highest trade id held (the ring is in id order).
    pub newest_id: Option<u64>,
    /// The price of that trade.
    pub newest_price: Option<f64>,
}

/// An event with the time its oldest cause (a tick) was received.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// When the tick behind this update was received.
    pub origin: Instant,
    /// What happened.
    pub event: EngineEvent,
}

/// What the engine publishes to its subscribers.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    /// A bar changed.
    Bar {
        /// The bar after the change.
        bar: Bar,
        /// Forming, closed or revised.
        kind: BarKind,
    },
    /// A pair was updated; the chart point is set for committed points.
    Pair(Box<PairStats>, Option<PairPoint>),
    /// A pair's z crossed its threshold.
    Alert(Alert),
    /// A pair rebuilt its state (new parameters or a revised bar); its
    /// history changed, so subscribers should take a fresh snapshot.
    PairReset(PairId),
    /// A pair's parameters changed.
    Params(PairId, PairParams),
}

impl EngineEvent {
    /// The wire message a client sees for this event (the WebSocket frame
    /// without `seq`, and what `--publish nats:` sends); `None` for a pair
    /// reset, which clients see as a fresh snapshot instead.
    pub fn body(&self) -> Option<spreadwatch_proto::ServerBody> {
        use spreadwatch_proto::ServerBody;
        Some(match self {
            EngineEvent::Bar { bar, kind } => ServerBody::Bar {
                kind: *kind,
                bar: bar.clone(),
            },
            EngineEvent::Pair(stats, point) => ServerBody::Pair {
                stats: (**stats).clone(),
                point: *point,
            },
            EngineEvent::Alert(a) => ServerBody::Alert { alert: a.clone() },
            EngineEvent::Params(p, params) => ServerBody::Params {
                pair: p.clone(),
                params: *params,
            },
            EngineEvent::PairReset(_) => return None,
        })
    }
}

/// What a symbol actor tells the pairs that use it, once per batch.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct LegUpdate {
    /// The symbol.
    pub symbol: Symbol,
    /// Every accepted trade of the batch: (trade time, price, trade id).
    pub ticks: Vec<(i64, f64, u64)>,
    /// Bars that closed: (interval, start, close).
    pub closed: Vec<(Interval, i64, f64)>,
    /// Bars revised after closing: (interval, start, close).
    pub revised: Vec<(Interval, i64, f64)>,
    /// Per interval, buckets starting before this are closed.
    pub cuts: [i64; 3],
    /// When the oldest tick behind this update was received.
    pub origin: Instant,
}

/// Subscribes a pair actor to a symbol's [`LegUpdate`]s.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct SubscribeLeg(pub Recipient<LegUpdate>);

/// Asks a symbol actor for the ticks in its ring with an id above
/// `after` (all of them for `None`), oldest first: what a snapshot appends.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Vec<Tick>")]
pub struct GetTicksAfter {
    /// The newest id already saved.
    pub after: Option<u64>,
}

/// Restores closed bars from a snapshot, older than any tick held.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct SeedBars {
    /// Their interval.
    pub interval: Interval,
    /// The bars.
    pub bars: Vec<Bar>,
}

/// Asks a symbol actor for what a pair needs to rebuild.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "LegSnapshot")]
pub struct GetLeg {
    /// Bars at this interval, or (None) recent ticks.
    pub interval: Option<Interval>,
    /// At most this many bars or ticks, newest kept.
    pub limit: usize,
}

/// A symbol's bars or ticks for a pair rebuild.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LegSnapshot {
    /// Closed bars (start, close), or ticks (time, price), oldest first.
    pub points: Vec<(i64, f64)>,
    /// Closed-before cut at the interval asked for.
    pub cut: i64,
    /// The last trade (time, price).
    pub last: Option<(i64, f64)>,
    /// The id of the newest trade held: updates still on their way with
    /// trades up to it are already in `points`.
    pub newest_id: Option<u64>,
}
