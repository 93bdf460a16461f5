//! The live Binance USD-M source: combined streams over WebSocket (rustls).
//!
//! - URL: `{base}/stream?streams=btcusdt@aggTrade/ethusdt@aggTrade`, where the
//!   base defaults to `wss://fstream.binance.com/market` (USD-M market
//!   streams are routed under `/market`). A wrong route is accepted by
//!   Binance and then stays silent; the watchdog reports and reconnects it.
//! - Pings are answered by tungstenite on the next read, which this loop
//!   always has pending; each one is counted.
//! - On close or error it reconnects with backoff 500 ms, doubling to 5 s,
//!   plus up to 250 ms of jitter; the delay resets once data flows again.
//! - Before Binance's 24 h limit, a second connection is opened; once it
//!   delivers, the first is kept for an overlap and then closed. Trades are
//!   de-duplicated by id, so a rollover loses and doubles nothing.
//! - At most 200 streams go on one connection; more symbols are sharded
//!   (`fleet.rs`). With `--symbols all` or `top:N` the list comes from
//!   `exchangeInfo` and is refreshed every hour (`listings.rs`): a new
//!   listing gets a connection of its own, a delisted symbol's shard is
//!   restarted without it.

use std::time::{Duration, Instant};

use spreadwatch_proto::Symbol;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

mod connection;
mod driver;
pub(crate) mod fleet;
pub(crate) mod listings;
pub mod shard;
mod sink;

pub use connection::Backoff;
use connection::ConnEvent;
use driver::Driver;
pub use sink::FrameSink;

use super::frame::StreamKind;
use crate::status::SourceBoard;

/// The public USD-M futures market-stream base URL.
pub const DEFAULT_BASE_URL: &str = "wss://fstream.binance.com/market";
/// Binance's limit of streams per connection.
pub const MAX_STREAMS_PER_CONNECTION: usize = 200;

/// Settings of the live source.
#[derive(Debug, Clone)]
pub struct BinanceConfig {
    /// Base URL; `/stream?streams=…` is appended.
    pub base_url: String,
    /// Symbols to subscribe.
    pub symbols: Vec<Symbol>,
    /// Trade stream kind.
    pub kind: StreamKind,
    /// A stream, or a whole connection, silent this long is flagged; a
    /// silent connection is reconnected.
    pub silent_after: Duration,
    /// Age at which a connection is rolled over (Binance cuts at 24 h).
    pub max_age: Duration,
    /// How long the old connection stays open after the new one delivers.
    pub overlap: Duration,
    /// First reconnect delay.
    pub backoff_min: Duration,
    /// Longest reconnect delay (before jitter).
    pub backoff_max: Duration,
    /// Largest random addition to a reconnect delay.
    pub jitter: Duration,
    /// Time allowed for TCP, TLS and the WebSocket handshake.
    pub connect_timeout: Duration,
    /// Streams per connection (at most 200).
    pub streams_per_connection: usize,
    /// REST base for filling gaps (`/fapi/v1/aggTrades`); `None` turns
    /// backfill off.
    pub rest_url: Option<String>,
    /// Binance API key, sent only to REST: gaps in the `@trade` stream are
    /// filled from `historicalTrades`, which needs one.
    pub api_key: Option<String>,
}

impl Default for BinanceConfig {
    fn default() -> Self {
        BinanceConfig {
            base_url: DEFAULT_BASE_URL.to_string(),
            symbols: Vec::new(),
            kind: StreamKind::AggTrade,
            silent_after: Duration::from_secs(30),
            max_age: Duration::from_secs(23 * 3600 + 30 * 60),
            overlap: Duration::from_secs(10),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(5),
            jitter: Duration::from_millis(250),
            connect_timeout: Duration::from_secs(10),
            streams_per_connection: MAX_STREAMS_PER_CONNECTION,
            rest_url: Some(DEFAULT_REST_URL.to_string()),
            api_key: None,
        }
    }
}

/// Binance USD-M REST, where gaps are filled from.
pub const DEFAULT_REST_URL: &str = "https://fapi.binance.com";

/// Builds the combined-stream URL for some symbols.
///
/// ```
/// use spreadwatch_engine::sources::{binance::stream_url, frame::StreamKind};
/// let s = ["BTCUSDT".parse().unwrap(), "ETHUSDT".parse().unwrap()];
/// assert_eq!(
///     stream_url("wss://fstream.binance.com/market", &s, StreamKind::AggTrade),
///     "wss://fstream.binance.com/market/stream?streams=btcusdt@aggTrade/ethusdt@aggTrade"
/// );
/// ```
pub fn stream_url(base: &str, symbols: &[Symbol], kind: StreamKind) -> String {
    let streams: Vec<String> = symbols
        .iter()
        .map(|s| s.stream_name(kind.suffix()))
        .collect();
    format!(
        "{}/stream?streams={}",
        base.trim_end_matches('/'),
        streams.join("/")
    )
}

/// Runs one shard (at most 200 streams) until `stop`, feeding `sink`.
pub async fn run_shard<S: FrameSink>(
    cfg: BinanceConfig,
    sink: &mut S,
    board: SourceBoard,
    stop: CancellationToken,
) {
    let (tx, mut rx) = mpsc::channel::<ConnEvent>(4096);
    let (gaps, mut filled) = driver::spawn_backfill(&cfg, &stop);
    let mut d = Driver::new(cfg, sink, board, stop.clone(), tx, gaps);
    let mut tick = tokio::time::interval(driver::TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let wake = d.reconnect_at();
        let far = Instant::now() + Duration::from_secs(3600);
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep_until(wake.unwrap_or(far).into()), if wake.is_some() => d.tick(),
            ev = rx.recv() => match ev {
                Some(ev) => d.events(ev, &mut rx).await,
                None => break,
            },
            Some(f) = async { match filled.as_mut() { Some(r) => r.recv().await, None => None } } => {
                d.filled(f).await;
            }
            _ = tick.tick() => d.tick(),
        }
    }
    d.finish().await;
}

/// Splits symbols into shards of at most `per` streams.
pub fn shards(symbols: &[Symbol], per: usize) -> Vec<Vec<Symbol>> {
    symbols
        .chunks(per.clamp(1, MAX_STREAMS_PER_CONNECTION))
        .map(<[Symbol]>::to_vec)
        .collect()
}

/// Installs rustls's ring provider as the process default (idempotent).
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_hold_at_most_200_streams() {
        let syms: Vec<Symbol> = (0..450)
            .map(|i| Symbol::new(&format!("S{i}USDT")).unwrap())
            .collect();
        let s = shards(&syms, 1000);
        assert_eq!(
            s.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![200, 200, 50]
        );
    }
}
