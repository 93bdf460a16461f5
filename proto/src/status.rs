//! Feed health, as served by `GET /api/status` and pushed to clients.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The state of a source or of one of its streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FeedState {
    /// Not yet connected.
    #[default]
    Connecting,
    /// Connected and receiving data.
    Live,
    /// Connected, but nothing arrived for longer than the watchdog allows.
    Silent,
    /// The connection dropped; a new one is being made.
    Reconnecting,
    /// A replay reached the end of its file.
    Finished,
    /// Synthetic data from the simulator, not a market.
    Simulated,
    /// Stopped (shutdown).
    Stopped,
}

impl fmt::Display for FeedState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        f.write_str(&s)
    }
}

/// Why an incoming frame or trade was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Not valid JSON, or not valid UTF-8.
    Malformed,
    /// A required field is missing or has the wrong type.
    MissingField,
    /// A price or quantity string is not an exact decimal, or is not positive.
    BadNumber,
    /// An event type other than `trade` and `aggTrade`.
    UnknownEvent,
    /// A `@trade` record whose `X` is not `MARKET` (e.g. `NA`, `INSURANCE_FUND`).
    NonMarket,
    /// A trade id already seen (reconnect overlap, backfill overlap).
    Duplicate,
    /// A trade older than the retained bar history; it cannot be placed.
    TooLate,
    /// A symbol that is not tracked (`--symbols` filter).
    Filtered,
}

impl DropReason {
    /// The snake_case name used in JSON and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Malformed => "malformed",
            DropReason::MissingField => "missing_field",
            DropReason::BadNumber => "bad_number",
            DropReason::UnknownEvent => "unknown_event",
            DropReason::NonMarket => "non_market",
            DropReason::Duplicate => "duplicate",
            DropReason::TooLate => "too_late",
            DropReason::Filtered => "filtered",
        }
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Health of one symbol's stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SymbolStatus {
    /// Stream state.
    pub state: FeedState,
    /// Trades accepted.
    pub messages: u64,
    /// Drops by reason.
    pub drops: BTreeMap<DropReason, u64>,
    /// Last event time `E` seen, ms.
    pub last_event_ms: Option<i64>,
    /// Last trade time `T` seen, ms.
    pub last_trade_ms: Option<i64>,
    /// `E - T` of the last trade, ms.
    pub event_minus_trade_ms: Option<i64>,
    /// Receive time minus `E` of the last trade, ms (clock skew plus network).
    pub receive_minus_event_ms: Option<i64>,
    /// Last trade id seen.
    pub last_id: Option<u64>,
    /// Jumps in the aggregate trade ids (a dropped connection, a restart):
    /// the ids between were never received.
    #[serde(default)]
    pub gaps: u64,
    /// Ids missing across all gaps.
    #[serde(default)]
    pub missing_ids: u64,
    /// The newest gap: first and last missing id.
    #[serde(default)]
    pub last_gap: Option<(u64, u64)>,
    /// Gaps filled completely from REST.
    #[serde(default)]
    pub gaps_filled: u64,
    /// Gaps REST could not fill (the reason is in the source's `last_error`).
    #[serde(default)]
    pub gaps_unfilled: u64,
    /// Trades recovered from REST.
    #[serde(default)]
    pub backfilled: u64,
}

/// Health of one source (a Binance connection group, a replay, the simulator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SourceStatus {
    /// `binance`, `replay` or `sim`.
    pub kind: String,
    /// URL or path.
    pub target: String,
    /// Overall state.
    pub state: FeedState,
    /// True when the data is synthetic.
    pub simulated: bool,
    /// Frames received.
    pub frames: u64,
    /// Trades accepted.
    pub messages: u64,
    /// Drops by reason, over all symbols.
    pub drops: BTreeMap<DropReason, u64>,
    /// Connections made.
    pub connects: u64,
    /// Reconnects after a drop, error or silence.
    pub reconnects: u64,
    /// Pongs sent in answer to server pings.
    pub pongs: u64,
    /// The last error, in words.
    pub last_error: Option<String>,
    /// Per-symbol detail.
    pub symbols: BTreeMap<String, SymbolStatus>,
    /// How this source's trade ids meet those a restored store holds.
    #[serde(default)]
    pub restart_ids: RestartIds,
    /// The whole market's symbol list, when the source follows it
    /// (`--symbols all` or `top:N`).
    #[serde(default)]
    pub listing: Option<ListingStatus>,
}

/// A source following the whole market's listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ListingStatus {
    /// `all` or `top:N`.
    pub set: String,
    /// Symbols streamed now.
    pub listed: u64,
    /// Symbols listed since the start.
    pub added: u64,
    /// Symbols delisted since the start (streams stopped, history kept).
    pub removed: u64,
    /// Symbol lists fetched.
    pub refreshes: u64,
    /// When the list was last fetched (ms since the epoch).
    pub refreshed_ms: Option<i64>,
}

/// How a source's trade ids meet the ones restored from `--data-dir`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RestartIds {
    /// Nothing was restored: ids are taken as they come.
    #[default]
    Fresh,
    /// The ids are the exchange's (Binance, a recorded file, NATS): a trade
    /// the store already holds is a repeat and is dropped as a duplicate.
    Deduplicated,
    /// The simulator went on after the newest stored id of each symbol.
    Continued,
}

/// What the engine holds for one symbol, whichever source feeds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct EngineSymbolStatus {
    /// Ticks accepted into the ring and bars.
    pub ticks: u64,
    /// Ticks currently held in the ring buffer.
    pub ring_len: u64,
    /// Trades refused as duplicates (same id already held).
    pub duplicates: u64,
    /// Trades older than the retained history, which could not be placed.
    pub too_late: u64,
    /// Closed bars changed by a late trade.
    pub revisions: u64,
    /// Newest trade time minus the grace, ms: bars before it are closed.
    pub watermark_ms: Option<i64>,
    /// The Kalman-filtered price level.
    pub kalman_level: Option<f64>,
    /// The last trade price.
    pub last_price: Option<f64>,
}

/// A pair's health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct EnginePairStatus {
    /// Committed points.
    pub points: u64,
    /// Why the pair is stale (alerts held back), if it is.
    pub stale_reason: Option<String>,
    /// The model in use.
    pub model: crate::Model,
    /// The sampling in use.
    pub interval: crate::Sampling,
}

/// The whole `/api/status` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StatusReport {
    /// Milliseconds since the engine started.
    pub uptime_ms: u64,
    /// Per source, keyed by a stable name.
    pub sources: BTreeMap<String, SourceStatus>,
    /// Per symbol, as held by the engine.
    pub symbols: BTreeMap<String, EngineSymbolStatus>,
    /// Per pair.
    pub pairs: BTreeMap<String, EnginePairStatus>,
    /// WebSocket fan-out.
    #[serde(default)]
    pub ws: WsStatus,
    /// The pair scanner, when it runs.
    #[serde(default)]
    pub scan: Option<crate::scan::ScanStatus>,
    /// Ticks held in memory by all symbols, and the budget for them.
    #[serde(default)]
    pub ticks: TicksHeld,
    /// This instance's part in a NATS cluster, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<crate::cluster::ClusterStatus>,
}

/// Ticks in memory against `--tick-budget`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TicksHeld {
    /// Held now, all symbols.
    pub held: u64,
    /// Allowed.
    pub budget: u64,
}

/// WebSocket fan-out counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct WsStatus {
    /// Connected clients.
    pub clients: u64,
    /// Fresh snapshots sent because a client fell behind.
    pub resyncs: u64,
    /// Frames sent.
    pub frames: u64,
    /// Deltas replaced by a newer one for the same key before sending.
    pub conflated: u64,
    /// Client input refused, by reason (`ws_message`, `ws_too_large`,
    /// `ws_rate_limited`, `upload_too_large`, `upload_bad_csv`,
    /// `upload_bad_request`).
    #[serde(default)]
    pub rejected: BTreeMap<String, u64>,
    /// Clients dropped for silence within the heartbeat timeout (stalled
    /// readers, half-closed connections).
    #[serde(default)]
    pub dropped_silent: u64,
}
