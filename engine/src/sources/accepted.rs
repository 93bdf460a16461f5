//! A hook on every trade a source accepted (parsed, not a repeat, of a
//! tracked symbol), in the order the source sends them to the actors: how
//! `spreadwatch ingest` forwards the market to a broker, and how an embedder
//! can copy trades elsewhere without a second connection.

use std::sync::Arc;

use super::frame::StreamKind;
use crate::core::Tick;

/// One accepted trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptedTrade<'a> {
    /// The symbol as the frame wrote it.
    pub symbol: &'a str,
    /// The trade.
    pub tick: Tick,
    /// Event time `E`, ms.
    pub event_ms: i64,
    /// The stream its id belongs to.
    pub kind: StreamKind,
}

/// Called on the source's thread with every accepted trade: it must not
/// block (queue the trade and return). Not to be confused with an update
/// tap ([`EngineHandle::tap`](crate::EngineHandle::tap)), which sees what
/// the actors made of the trades.
pub type TradeHook = Arc<dyn Fn(&AcceptedTrade<'_>) + Send + Sync>;
