//! What a symbol actor is asked: trades in, bars and history out.

use std::time::Instant;

use actix::prelude::*;
use spreadwatch_proto::{Bar, Interval};

use crate::actors::pair::messages::LegUpdate;
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
pub struct CloseForming;

/// Answered once every message sent to the actor before it is handled: a
/// mailbox barrier for a drain or a shutdown.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Barrier;

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
#[rtype(result = "LegHistory")]
pub struct GetLeg {
    /// Bars at this interval, or (None) recent ticks.
    pub interval: Option<Interval>,
    /// At most this many bars or ticks, newest kept.
    pub limit: usize,
}

/// A symbol's bars or ticks for a pair rebuild.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LegHistory {
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
