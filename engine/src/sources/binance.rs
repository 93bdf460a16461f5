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
//! - At most 200 streams go on one connection; more symbols are sharded.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use spreadwatch_proto::{FeedState, Symbol};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

mod connection;
mod sink;

pub use connection::Backoff;
use connection::{connection, ConnEvent};
pub use sink::FrameSink;

use super::backfill::{self, Gap, Rest};
use super::frame::StreamKind;
use crate::status::{sym_entry, SourceBoard};

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

struct Conn {
    stop: CancellationToken,
    opened: Instant,
    last_frame: Instant,
    connected: bool,
    got_data: bool,
}

/// Runs one shard (at most 200 streams) until `stop`, feeding `sink`.
pub async fn run_shard<S: FrameSink>(
    cfg: BinanceConfig,
    sink: &mut S,
    board: SourceBoard,
    stop: CancellationToken,
) {
    let url = stream_url(&cfg.base_url, &cfg.symbols, cfg.kind);
    let (tx, mut rx) = mpsc::channel::<ConnEvent>(4096);
    let mut backoff = Backoff::new(cfg.backoff_min, cfg.backoff_max, cfg.jitter);
    let mut conns: HashMap<u64, Conn> = HashMap::new();
    let mut next_id = 0u64;
    let mut active: Option<u64> = None;
    let mut successor: Option<u64> = None;
    let mut retire_at: Option<(Instant, u64)> = None;
    let mut reconnect_at: Option<Instant> = Some(Instant::now());
    let mut silent_flagged: Vec<String> = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    board.update(|s| {
        for sym in &cfg.symbols {
            sym_entry(s, sym.as_str());
        }
    });
    let (gap_tx, mut filled_rx) = match &cfg.rest_url {
        Some(url) => {
            let rest = Rest {
                url: url.clone(),
                api_key: cfg.api_key.clone(),
            };
            let (g, f) = backfill::spawn(rest, stop.clone());
            (Some(g), Some(f))
        }
        _ => (None, None),
    };

    let open = |next_id: &mut u64, conns: &mut HashMap<u64, Conn>| {
        *next_id += 1;
        let id = *next_id;
        let child = stop.child_token();
        conns.insert(
            id,
            Conn {
                stop: child.clone(),
                opened: Instant::now(),
                last_frame: Instant::now(),
                connected: false,
                got_data: false,
            },
        );
        tokio::spawn(connection(
            id,
            url.clone(),
            cfg.connect_timeout,
            tx.clone(),
            child,
        ));
        id
    };

    loop {
        let wake = reconnect_at.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep_until(wake.into()), if reconnect_at.is_some() => {
                reconnect_at = None;
                active = Some(open(&mut next_id, &mut conns));
            }
            ev = rx.recv() => {
                let Some(ev) = ev else { break };
                let mut ev = Some(ev);
                // Handle everything already queued, then flush once.
                let mut handled = 0;
                while let Some(e) = ev.take() {
                    match e {
                        ConnEvent::Connected(id) => {
                            if let Some(c) = conns.get_mut(&id) {
                                c.connected = true;
                                c.last_frame = Instant::now();
                            }
                            board.update(|s| s.connects += 1);
                            tracing::info!(url = %url, conn = id, "connected");
                        }
                        ConnEvent::Frame(id, text, recv_us) => {
                            sink.frame(&text, recv_us);
                            if let Some(c) = conns.get_mut(&id) {
                                c.last_frame = Instant::now();
                                if !c.got_data {
                                    c.got_data = true;
                                    if Some(id) == active {
                                        backoff.reset();
                                        board.set_state(FeedState::Live);
                                    }
                                    if Some(id) == successor {
                                        if let Some(old) = active {
                                            retire_at = Some((Instant::now() + cfg.overlap, old));
                                        }
                                    }
                                }
                            }
                        }
                        ConnEvent::Ping => board.update(|s| s.pongs += 1),
                        ConnEvent::Closed(id, reason) => {
                            conns.remove(&id);
                            if Some(id) == successor {
                                successor = None;
                                tracing::warn!(conn = id, "rollover connection failed: {reason}");
                            } else if Some(id) == active {
                                if let Some(next) = successor.take() {
                                    active = Some(next);
                                    retire_at = None;
                                } else if !stop.is_cancelled() {
                                    active = None;
                                    let delay = backoff.next_delay();
                                    tracing::warn!(url = %url, "{reason}; reconnecting in {delay:?}");
                                    board.update(|s| {
                                        s.reconnects += 1;
                                        s.last_error = Some(reason.clone());
                                    });
                                    board.set_state(FeedState::Reconnecting);
                                    reconnect_at = Some(Instant::now() + delay);
                                }
                            }
                        }
                    }
                    handled += 1;
                    if handled < 1024 {
                        ev = rx.try_recv().ok();
                    }
                }
                sink.flush().await;
                for (symbol, from, to) in sink.take_gaps() {
                    let sent = gap_tx
                        .as_ref()
                        .is_some_and(|tx| tx.try_send(Gap { symbol: symbol.clone(), kind: cfg.kind, from, to }).is_ok());
                    if !sent {
                        sink.backfilled(&symbol, &[], false);
                    }
                }
            }
            Some(f) = async { match filled_rx.as_mut() { Some(r) => r.recv().await, None => None } } => {
                if let Some(e) = &f.error {
                    tracing::warn!(symbol = %f.gap.symbol, "gap {}..={} not filled: {e}", f.gap.from, f.gap.to);
                    board.update(|s| s.last_error = Some(format!("backfill {}: {e}", f.gap.symbol)));
                } else {
                    tracing::info!(symbol = %f.gap.symbol, "gap {}..={} filled from REST", f.gap.from, f.gap.to);
                }
                sink.backfilled(&f.gap.symbol, &f.ticks, f.error.is_none());
                sink.flush().await;
            }
            _ = tick.tick() => {
                let now = Instant::now();
                // A connection that is open but delivers nothing at all.
                let (mut silent, mut roll) = (false, false);
                if let Some(c) = active.and_then(|id| conns.get(&id)) {
                    silent = c.connected && now.duration_since(c.last_frame) >= cfg.silent_after;
                    roll = successor.is_none() && now.duration_since(c.opened) >= cfg.max_age;
                }
                if silent {
                    let msg = format!(
                        "connected to {url} but no data for {:?}: wrong route or stalled feed (USD-M streams live under {DEFAULT_BASE_URL})",
                        cfg.silent_after
                    );
                    tracing::error!("{msg}");
                    board.update(|s| {
                        s.last_error = Some(msg.clone());
                        s.reconnects += 1;
                    });
                    board.set_state(FeedState::Silent);
                    // Its Closed event arrives after the close handshake; the
                    // next connection does not wait for it.
                    if let Some(c) = active.take().and_then(|id| conns.remove(&id)) {
                        c.stop.cancel();
                    }
                    reconnect_at = Some(now + backoff.next_delay());
                } else if roll {
                    tracing::info!(url = %url, "rolling over before the 24 h limit");
                    successor = Some(open(&mut next_id, &mut conns));
                }
                if let Some((at, old)) = retire_at {
                    if now >= at {
                        retire_at = None;
                        if let Some(c) = conns.remove(&old) {
                            c.stop.cancel();
                        }
                        active = successor.take();
                    }
                }
                // Streams that stay silent while the connection is healthy.
                if active.and_then(|id| conns.get(&id)).is_some_and(|c| c.got_data) {
                    let silent = sink.silent_symbols(cfg.silent_after);
                    if silent != silent_flagged {
                        board.update(|s| {
                            for sym in s.symbols.values_mut() {
                                if sym.state == FeedState::Silent {
                                    sym.state = FeedState::Live;
                                }
                            }
                            for name in &silent {
                                sym_entry(s, name).state = FeedState::Silent;
                            }
                        });
                        for name in silent.iter().filter(|n| !silent_flagged.contains(n)) {
                            tracing::warn!(symbol = %name, "stream silent for {:?}", cfg.silent_after);
                        }
                        silent_flagged = silent;
                    }
                }
            }
        }
    }
    for c in conns.values() {
        c.stop.cancel();
    }
    sink.flush().await;
    board.set_state(FeedState::Stopped);
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
