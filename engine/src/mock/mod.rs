//! A mock Binance USD-M market-stream server on 127.0.0.1, speaking the
//! real combined-stream protocol: text frames of `{"stream":…,"data":…}`,
//! server pings, and close frames. Used by tests and the load harness,
//! since the real exchange is not reachable from CI.
//!
//! Like Binance, it accepts a connection on a wrong route and then sends
//! nothing at all.

pub mod market;
mod rest;
mod synth;
pub use rest::MockRest;
pub use synth::{SendTable, Synth};

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use parking_lot::Mutex;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

/// What the mock sends.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Text frames, sent in order, continuing across connections.
    pub frames: Vec<String>,
    /// Pause between frames.
    pub frame_interval: Duration,
    /// The path that serves data; any other path is accepted and left silent.
    pub route: String,
    /// For the n-th connection (0-based), close it after this many frames.
    pub close_after: Vec<Option<usize>>,
    /// Send a ping this often.
    pub ping_interval: Option<Duration>,
    /// On a reconnect, resend this many frames the previous connection
    /// already sent (an overlap the client must de-duplicate).
    pub rewind_on_reconnect: usize,
    /// On a reconnect, skip this many frames: trades made while the client
    /// was away, which it must fetch from REST.
    pub skip_on_reconnect: usize,
    /// Instead of `frames`, synthesise aggTrades at a rate (load tests).
    pub synth: Option<Synth>,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            frames: Vec::new(),
            frame_interval: Duration::from_millis(1),
            route: "/market/stream".into(),
            close_after: Vec::new(),
            ping_interval: None,
            rewind_on_reconnect: 0,
            skip_on_reconnect: 0,
            synth: None,
        }
    }
}

/// Counters the tests read.
#[derive(Debug, Default)]
pub struct MockStats {
    /// WebSocket connections accepted.
    pub connections: AtomicU64,
    /// Pings sent.
    pub pings: AtomicU64,
    /// Pongs received.
    pub pongs: AtomicU64,
    /// Data frames sent.
    pub frames: AtomicU64,
    /// Request paths with query, in connection order.
    pub requests: Mutex<Vec<String>>,
    /// When each connection was accepted and when the mock closed it.
    pub timeline: Mutex<Vec<(std::time::Instant, MockEvent)>>,
}

/// A point in a connection's life, for timing reconnects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MockEvent {
    /// Connection n was accepted (after the handshake).
    Accepted(usize),
    /// The mock closed connection n mid-stream.
    Closed(usize),
}

/// A running mock server; stops when dropped.
pub struct MockBinance {
    addr: SocketAddr,
    stats: Arc<MockStats>,
    stop: CancellationToken,
}

impl MockBinance {
    /// Binds 127.0.0.1:0 and starts serving.
    pub async fn start(cfg: MockConfig) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(MockStats::default());
        let stop = CancellationToken::new();
        let cfg = Arc::new(cfg);
        let pos = Arc::new(Mutex::new(0usize));
        let (st, sp) = (stats.clone(), stop.clone());
        tokio::spawn(async move {
            loop {
                let (tcp, _) = tokio::select! {
                    _ = sp.cancelled() => break,
                    r = listener.accept() => match r { Ok(x) => x, Err(_) => continue },
                };
                let _ = tcp.set_nodelay(true);
                let n = st.connections.fetch_add(1, Ordering::SeqCst) as usize;
                let session = Session {
                    n,
                    cfg: cfg.clone(),
                    stats: st.clone(),
                    pos: pos.clone(),
                    stop: sp.child_token(),
                };
                tokio::spawn(session.serve(tcp));
            }
        });
        Ok(MockBinance { addr, stats, stop })
    }

    /// The base URL to give the client (`ws://127.0.0.1:PORT/market`).
    pub fn base_url(&self) -> String {
        format!("ws://{}/market", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Counters.
    pub fn stats(&self) -> &MockStats {
        &self.stats
    }
}

impl Drop for MockBinance {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// One client connection: its number, the mock's settings and counters,
/// and how far the recorded frames were served.
struct Session {
    n: usize,
    cfg: Arc<MockConfig>,
    stats: Arc<MockStats>,
    pos: Arc<Mutex<usize>>,
    stop: CancellationToken,
}

impl Session {
    async fn serve(self, tcp: tokio::net::TcpStream) {
        let Some((ws, uri)) = self.handshake(tcp).await else {
            return;
        };
        let (mut tx, mut rx) = ws.split();
        let st = self.stats.clone();
        let reader = tokio::spawn(async move {
            while let Some(Ok(m)) = rx.next().await {
                if let Message::Pong(_) = m {
                    st.pongs.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        let serving = uri.split('?').next() == Some(self.cfg.route.as_str());
        match (serving, self.cfg.synth.clone()) {
            (true, Some(s)) => synth::synthesise(&mut tx, s, &uri, &self.stop).await,
            _ => self.play(&mut tx, serving, &reader).await,
        }
        reader.abort();
    }

    /// Accepts the WebSocket and records the path it asked for.
    async fn handshake(
        &self,
        tcp: tokio::net::TcpStream,
    ) -> Option<(
        tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
        String,
    )> {
        let path = Arc::new(Mutex::new(String::new()));
        let p2 = path.clone();
        // The callback's signature is tungstenite's; its large error type is not ours.
        #[allow(clippy::result_large_err)]
        let cb = move |req: &Request, resp: Response| {
            *p2.lock() = req.uri().to_string();
            Ok(resp)
        };
        let ws = tokio_tungstenite::accept_hdr_async(tcp, cb).await.ok()?;
        let uri = path.lock().clone();
        self.stats.requests.lock().push(uri.clone());
        let accepted = (std::time::Instant::now(), MockEvent::Accepted(self.n));
        self.stats.timeline.lock().push(accepted);
        Some((ws, uri))
    }

    /// Sends the recorded frames (on the right route) and pings, until the
    /// client goes, the mock stops or the configured close.
    async fn play<S>(&self, tx: &mut S, serving: bool, reader: &tokio::task::JoinHandle<()>)
    where
        S: futures_util::Sink<Message> + Unpin,
    {
        let cfg = &self.cfg;
        let mut i = match self.n {
            0 => 0,
            _ => (*self.pos.lock() + cfg.skip_on_reconnect).saturating_sub(cfg.rewind_on_reconnect),
        };
        let close_after = cfg.close_after.get(self.n).copied().flatten();
        let mut ping =
            tokio::time::interval(cfg.ping_interval.unwrap_or(Duration::from_secs(3600)));
        ping.tick().await;
        let mut next = tokio::time::interval(cfg.frame_interval.max(Duration::from_micros(1)));
        let start = i;
        loop {
            tokio::select! {
                _ = self.stop.cancelled() => break,
                _ = ping.tick(), if cfg.ping_interval.is_some() => {
                    if tx.send(Message::Ping(b"mock".to_vec().into())).await.is_err() { break }
                    self.stats.pings.fetch_add(1, Ordering::SeqCst);
                }
                _ = next.tick(), if serving && i < cfg.frames.len() => {
                    if close_after.is_some_and(|k| i - start >= k) {
                        self.close(tx).await;
                        break;
                    }
                    if tx.send(Message::Text(cfg.frames[i].clone().into())).await.is_err() { break }
                    self.stats.frames.fetch_add(1, Ordering::SeqCst);
                    i += 1;
                    let mut p = self.pos.lock();
                    *p = (*p).max(i);
                }
                _ = tokio::time::sleep(Duration::from_millis(50)), if !serving || i >= cfg.frames.len() => {
                    if reader.is_finished() { break }
                }
            }
        }
    }

    /// Closes mid-stream, as Binance does before its 24 h limit.
    async fn close<S>(&self, tx: &mut S)
    where
        S: futures_util::Sink<Message> + Unpin,
    {
        let frame = CloseFrame {
            code: CloseCode::Away,
            reason: "mock closes mid-stream".into(),
        };
        let _ = tx.send(Message::Close(Some(frame))).await;
        let closed = (std::time::Instant::now(), MockEvent::Closed(self.n));
        self.stats.timeline.lock().push(closed);
    }
}
