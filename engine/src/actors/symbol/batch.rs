//! [`BatchOut`]: what one batch of trades changed, gathered for the pairs
//! and the listeners.

use std::time::Instant;

use spreadwatch_proto::{BarKind, Interval, Symbol};

use crate::actors::pair::messages::LegUpdate;
use crate::core::bar::Ohlcv;

/// What one batch changed, gathered for the pairs (when any feed on the
/// symbol) and the listeners (when any listen).
pub struct BatchOut {
    /// True when a pair uses the symbol: the leg update is filled.
    pub feeding: bool,
    /// True when someone listens: wire bars are gathered.
    pub listening: bool,
    /// What the pairs get, one per batch.
    pub leg: LegUpdate,
    /// Closes and revisions, in the order they happened.
    pub ordered: Vec<(Interval, Ohlcv, BarKind)>,
    /// The forming bar each interval touched last: conflated to one per
    /// interval per batch.
    pub forming: [Option<i64>; 3],
}

impl BatchOut {
    /// Nothing changed yet; `feeding` and `listening` say what to gather.
    pub fn new(symbol: &Symbol, origin: Instant, feeding: bool, listening: bool) -> Self {
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

    /// A bar closed.
    pub fn closed(&mut self, iv: Interval, b: &Ohlcv) {
        if self.listening {
            self.ordered.push((iv, *b, BarKind::Closed));
        }
        if self.feeding {
            self.leg.closed.push((iv, b.start_ms, b.close.to_f64()));
        }
    }

    /// A closed bar was changed by a late trade.
    pub fn revised(&mut self, iv: Interval, b: Ohlcv) {
        if self.feeding {
            self.leg.revised.push((iv, b.start_ms, b.close.to_f64()));
        }
        if self.listening {
            self.ordered.push((iv, b, BarKind::Revised));
        }
    }
}
