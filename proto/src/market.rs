//! Trades and OHLCV bars as they travel between engine and clients.

use serde::{Deserialize, Serialize};

use crate::{Fixed, Interval, Symbol, Volume};

/// One trade, or one aggregate trade, as received from a feed.
///
/// For the `@trade` stream `first_id == last_id == id`; for `@aggTrade`,
/// `id` is the aggregate id and `first_id..=last_id` the trades it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    /// The symbol traded.
    pub symbol: Symbol,
    /// Trade id (`t`) or aggregate trade id (`a`).
    pub id: u64,
    /// First trade id covered (`f`), or `id`.
    pub first_id: u64,
    /// Last trade id covered (`l`), or `id`.
    pub last_id: u64,
    /// Price.
    pub price: Fixed,
    /// Quantity.
    pub qty: Fixed,
    /// Trade time `T`, ms since the epoch. Bars use this, never `E`.
    pub time_ms: i64,
    /// Event time `E`, ms since the epoch.
    pub event_ms: i64,
    /// True when the buyer was the maker (`m`).
    pub buyer_maker: bool,
}

/// An OHLCV bar over `[start_ms, start_ms + interval)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    /// The symbol.
    pub symbol: Symbol,
    /// The bar's interval.
    pub interval: Interval,
    /// Bucket start, ms since the epoch (UTC).
    pub start_ms: i64,
    /// Price of the trade with the lowest id.
    pub open: Fixed,
    /// Highest price.
    pub high: Fixed,
    /// Lowest price.
    pub low: Fixed,
    /// Price of the trade with the highest id.
    pub close: Fixed,
    /// Exact sum of quantities.
    pub volume: Volume,
    /// Number of exchange trades (an aggregate trade counts `l - f + 1`).
    pub trades: u64,
    /// Id of the trade that set `close` (the newest trade in the bar); lets a
    /// client match an update to the trade that caused it.
    #[serde(default)]
    pub close_id: u64,
}

/// What a published bar update means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BarKind {
    /// The bar is still open and may change.
    Forming,
    /// The watermark passed the bar's end; it is final unless revised.
    Closed,
    /// A late trade changed a bar that had already closed.
    Revised,
}
