//! The compact tick kept in each symbol's ring buffer.

use spreadwatch_proto::{Fixed, Symbol, Trade};

/// One trade as the engine stores it: 48 bytes, no heap.
///
/// The symbol is implied by the ring that holds it; `E` is kept only in the
/// feed status, since bars and estimators use the trade time `T`.
///
/// ```
/// assert_eq!(std::mem::size_of::<spreadwatch_engine::core::Tick>(), 48);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// Trade time `T`, ms since the epoch.
    pub time_ms: i64,
    /// Trade id (`t`) or aggregate id (`a`): the ordering key.
    pub id: u64,
    /// First exchange trade id covered (`f`, or `t`).
    pub first_id: u64,
    /// Price in 1e-8 units.
    pub price: Fixed,
    /// Quantity in 1e-8 units.
    pub qty: Fixed,
    /// Exchange trades covered (`l - f + 1`, or 1).
    pub count: u32,
    /// True when the buyer was the maker.
    pub buyer_maker: bool,
}

impl Tick {
    /// Last exchange trade id covered.
    pub fn last_id(&self) -> u64 {
        self.first_id
            .saturating_add(u64::from(self.count.max(1)) - 1)
    }

    /// Builds the wire form for `symbol`, with event time `event_ms`.
    pub fn to_trade(&self, symbol: &Symbol, event_ms: i64) -> Trade {
        Trade {
            symbol: symbol.clone(),
            id: self.id,
            first_id: self.first_id,
            last_id: self.last_id(),
            price: self.price,
            qty: self.qty,
            time_ms: self.time_ms,
            event_ms,
            buyer_maker: self.buyer_maker,
        }
    }

    /// Builds a tick from the wire form.
    pub fn from_trade(t: &Trade) -> Self {
        let count = t.last_id.saturating_sub(t.first_id).saturating_add(1);
        Tick {
            time_ms: t.time_ms,
            id: t.id,
            first_id: t.first_id,
            price: t.price,
            qty: t.qty,
            count: u32::try_from(count).unwrap_or(u32::MAX),
            buyer_maker: t.buyer_maker,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_is_at_most_48_bytes() {
        assert!(std::mem::size_of::<Tick>() <= 48);
    }

    #[test]
    fn trade_round_trip_keeps_id_range() {
        let t = Trade {
            symbol: "BTCUSDT".parse().unwrap(),
            id: 7_000_000_001,
            first_id: 5_000_000_010,
            last_id: 5_000_000_012,
            price: "43000.1".parse().unwrap(),
            qty: "0.5".parse().unwrap(),
            time_ms: 1,
            event_ms: 2,
            buyer_maker: true,
        };
        let tick = Tick::from_trade(&t);
        assert_eq!(tick.count, 3);
        assert_eq!(tick.to_trade(&t.symbol, 2), t);
    }
}
