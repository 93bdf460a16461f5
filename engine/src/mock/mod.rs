//! A mock Binance USD-M market-stream server on 127.0.0.1, speaking the
//! real combined-stream protocol: text frames of `{"stream":…,"data":…}`,
//! server pings, and close frames. Used by tests and the load harness,
//! since the real exchange is not reachable from CI.
//!
//! Like Binance, it accepts a connection on a wrong route and then sends
//! nothing at all.

pub mod market;
mod rest;
pub use rest::MockRest;

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

/// Synthetic trades for load tests: E is the real send time, and the send
/// instant of every trade is kept in a [`SendTable`].
#[derive(Debug, Clone)]
pub struct Synth {
    /// Symbols, traded in turn.
    pub symbols: Vec<String>,
    /// Trades per second over all symbols; `None` sends as fast as possible.
    pub rate: Option<f64>,
    /// How often the mock sends what is due (with a rate): every trade due
    /// since the last send goes out in one write, so at 20,000 trades/s a
    /// 1 ms pace sends bursts of ~20 and a 200 µs pace bursts of ~4.
    pub pace: Duration,
    /// Where send times go.
    pub table: Arc<SendTable>,
}

/// Send instants of recent synthetic trades, by symbol index and trade id.
#[derive(Debug)]
pub struct SendTable {
    start: std::time::Instant,
    slots: Vec<Vec<AtomicU64>>,
    /// Trades sent.
    pub sent: AtomicU64,
}

impl SendTable {
    /// Keeps the last `per_symbol` send times for each of `symbols` symbols.
    pub fn new(symbols: usize, per_symbol: usize) -> Self {
        SendTable {
            start: std::time::Instant::now(),
            slots: (0..symbols)
                .map(|_| (0..per_symbol.max(1)).map(|_| AtomicU64::new(0)).collect())
                .collect(),
            sent: AtomicU64::new(0),
        }
    }

    /// Nanoseconds since the table was made.
    pub fn now_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    fn record(&self, sym: usize, id: u64) {
        let s = &self.slots[sym];
        s[(id % s.len() as u64) as usize].store(self.now_ns(), Ordering::Relaxed);
        self.sent.fetch_add(1, Ordering::Relaxed);
    }

    /// When trade `id` of symbol `sym` was sent (ns since start), if still held.
    pub fn sent_at(&self, sym: usize, id: u64) -> Option<u64> {
        let s = self.slots.get(sym)?;
        let v = s[(id % s.len() as u64) as usize].load(Ordering::Relaxed);
        (v != 0).then_some(v)
    }
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
            (true, Some(s)) => synthesise(&mut tx, s, &self.stop).await,
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

/// Wakes the returned `Notify` every `pace` until `stop` or until the
/// caller drops it. A thread with `sleep` rather than a tokio timer, whose
/// millisecond wheel rounds up: a 1 ms tokio sleep wakes every 2-3 ms on a
/// VM, which would turn the pace into bursts of 50 or more.
fn pacer(pace: Duration, stop: CancellationToken) -> Arc<tokio::sync::Notify> {
    let tick = Arc::new(tokio::sync::Notify::new());
    let t = tick.clone();
    std::thread::spawn(move || {
        while !stop.is_cancelled() && Arc::strong_count(&t) > 1 {
            std::thread::sleep(pace.max(Duration::from_micros(50)));
            t.notify_one();
        }
    });
    tick
}

/// Sends synthetic aggTrades until the client goes or the mock stops.
async fn synthesise<S>(tx: &mut S, s: Synth, stop: &CancellationToken)
where
    S: futures_util::Sink<Message> + Unpin,
{
    let n = s.symbols.len().max(1);
    let mut ids = vec![1u64; n];
    let mut price: Vec<f64> = (0..n).map(|i| 100.0 * (i + 1) as f64).collect();
    let lower: Vec<String> = s.symbols.iter().map(|x| x.to_ascii_lowercase()).collect();
    let started = std::time::Instant::now();
    let mut sent: u64 = 0;
    let mut k = 0usize;
    // At full speed nothing waits, so no pacer.
    let tick = s.rate.map(|_| pacer(s.pace, stop.clone()));
    loop {
        if stop.is_cancelled() {
            return;
        }
        // Pace by the clock: send what is due, then wait for the pacer.
        let due = match s.rate {
            Some(r) => (started.elapsed().as_secs_f64() * r) as u64,
            None => sent + 256,
        };
        if sent >= due {
            if let Some(tick) = &tick {
                // The pacer stops with the mock, so wait on both.
                tokio::select! {
                    _ = tick.notified() => {}
                    _ = stop.cancelled() => return,
                }
            }
            continue;
        }
        while sent < due {
            let i = k % n;
            k += 1;
            let id = ids[i];
            ids[i] += 1;
            price[i] *=
                1.0 + if id.is_multiple_of(2) { 1e-5 } else { -1e-5 } * ((id % 7) as f64 - 3.0);
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            let text = format!(
                r#"{{"stream":"{}@aggTrade","data":{{"e":"aggTrade","E":{now_ms},"s":"{}","a":{id},"p":"{:.2}","q":"0.010","f":{id},"l":{id},"T":{now_ms},"m":false}}}}"#,
                lower[i], s.symbols[i], price[i]
            );
            s.table.record(i, id);
            if tx.feed(Message::Text(text.into())).await.is_err() {
                return;
            }
            sent += 1;
        }
        if tx.flush().await.is_err() {
            return;
        }
    }
}
