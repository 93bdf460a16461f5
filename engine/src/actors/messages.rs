//! Messages between sources, actors and readers.

use actix::prelude::*;
use spreadwatch_proto::{Bar, BarKind, Interval};

use crate::core::Tick;

/// Ticks for one symbol, in arrival order.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct TickBatch {
    /// The ticks.
    pub ticks: Vec<Tick>,
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
}

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
}
