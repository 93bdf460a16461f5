//! The cluster's names on the broker, in one place: the tick stream, its
//! subjects, each trade's de-duplication id and each shard's consumer.

use std::time::Duration;

/// The JetStream stream every ingest instance writes trades to.
pub const STREAM: &str = "SPREADWATCH_TICKS";

/// The stream's subjects.
pub const TICKS: &str = "spreadwatch.ticks.>";

/// How long the stream keeps trades by default.
pub const MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// The subject of `symbol`'s trades.
///
/// ```
/// assert_eq!(spreadwatch_engine::cluster::tick_subject("BTCUSDT"), "spreadwatch.ticks.BTCUSDT");
/// ```
pub fn tick_subject(symbol: &str) -> String {
    format!("spreadwatch.ticks.{symbol}")
}

/// The `Nats-Msg-Id` of a trade: the broker stores one message per id, so
/// redundant ingest instances publishing the same trade store it once.
///
/// ```
/// assert_eq!(spreadwatch_engine::cluster::msg_id("ETHUSDT", 42), "ETHUSDT:42");
/// ```
pub fn msg_id(symbol: &str, id: u64) -> String {
    format!("{symbol}:{id}")
}

/// The durable consumer of shard `index` (1-based).
///
/// ```
/// assert_eq!(spreadwatch_engine::cluster::consumer_name(2), "spreadwatch-shard-2");
/// ```
pub fn consumer_name(index: u32) -> String {
    format!("{CONSUMER_PREFIX}{index}")
}

/// What every shard's consumer name starts with.
pub const CONSUMER_PREFIX: &str = "spreadwatch-shard-";
