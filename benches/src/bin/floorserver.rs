//! `floorserver`: the least a push server can do, to measure what the
//! machine allows.
//!
//! It takes the arguments the load harness gives `spreadwatch serve`, reads
//! the mock Binance the same way (tokio-tungstenite, combined aggTrade
//! stream), and pushes `bar` deltas (a real proto `Bar` with the trade's id
//! as `close_id`, so the harness matches it like the engine's) to every
//! WebSocket client. The frames read in one go are one batch, and each
//! batch sends the newest delta per symbol, as the engine publishes one
//! forming bar per symbol per batch. Fan-out is a bounded broadcast with
//! one task per client on a two-worker tokio runtime; a client that wakes
//! with a backlog gets the newest delta per symbol, all written with one
//! flush. No actors, bars, pair analytics, actix, snapshot or REST. What
//! `loadtest --engine target/release/floorserver` measures against it is a
//! floor for the same path through spreadwatch on the same machine.
//!
//! It has no status API, so what would skew a comparison goes to stderr: a
//! client that fell behind the broadcast (its skipped deltas, which the
//! harness cannot see as seq gaps, since the floor numbers what it sends)
//! and a feed that failed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use futures_util::{FutureExt, SinkExt, StreamExt};
use spreadwatch_proto::{Bar, BarKind, Fixed, Interval, ServerBody, Symbol, Volume};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;

/// A serialised delta (without `seq`) and the symbol it conflates by.
type Delta = Arc<(usize, String)>;

/// The trade fields the floor reads.
#[derive(serde::Deserialize)]
struct Frame<'a> {
    #[serde(borrow)]
    data: Trade<'a>,
}

#[derive(serde::Deserialize)]
struct Trade<'a> {
    s: &'a str,
    a: u64,
    p: &'a str,
    q: &'a str,
    #[serde(rename = "T")]
    t: i64,
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn delta(symbols: &[String], t: &Trade<'_>) -> Option<Delta> {
    let i = symbols.iter().position(|s| s == t.s)?;
    let price = Fixed::parse(t.p).ok()?;
    let mut volume = Volume::ZERO;
    volume.add(Fixed::parse(t.q).ok()?);
    let bar = Bar {
        symbol: t.s.parse::<Symbol>().ok()?,
        interval: Interval::S1,
        start_ms: t.t - t.t.rem_euclid(1000),
        open: price,
        high: price,
        low: price,
        close: price,
        volume,
        trades: 1,
        close_id: t.a,
    };
    let json = serde_json::to_string(&ServerBody::Bar {
        kind: BarKind::Forming,
        bar,
    })
    .ok()?;
    Some(Arc::new((i, json)))
}

async fn ingest(url: String, symbols: Vec<String>, tx: broadcast::Sender<Delta>) -> Result<()> {
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url.as_str(), None, true)
        .await
        .with_context(|| format!("connect {url}"))?;
    let mut latest: Vec<Option<Delta>> = vec![None; symbols.len()];
    // Like the engine, everything already received is one batch: a client
    // is woken once per batch with the newest delta of each symbol.
    while let Some(m) = ws.next().await {
        let mut next = Some(m);
        while let Some(m) = next.take() {
            if let Message::Text(text) = m? {
                if let Some(d) = serde_json::from_str::<Frame<'_>>(&text)
                    .ok()
                    .and_then(|f| delta(&symbols, &f.data))
                {
                    let i = d.0;
                    latest[i] = Some(d);
                }
            }
            next = ws.next().now_or_never().flatten();
        }
        for d in latest.iter_mut().filter_map(Option::take) {
            let _ = tx.send(d);
        }
    }
    Ok(())
}

/// Deltas skipped by clients that fell behind the broadcast, over the run.
static LAGGED: AtomicU64 = AtomicU64::new(0);

async fn session(tcp: TcpStream, mut rx: broadcast::Receiver<Delta>, symbols: usize) -> Result<()> {
    let _ = tcp.set_nodelay(true);
    let ws = tokio_tungstenite::accept_async(tcp).await?;
    let (mut tx, mut incoming) = ws.split();
    // Client frames are read and ignored, so pings and closes are handled.
    tokio::spawn(async move { while let Some(Ok(_)) = incoming.next().await {} });
    let mut seq = 0u64;
    let mut latest: Vec<Option<Delta>> = vec![None; symbols];
    loop {
        let first = match rx.recv().await {
            Ok(d) => d,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                let total = LAGGED.fetch_add(n, Ordering::Relaxed) + n;
                eprintln!(
                    "floorserver: a client fell behind and skipped {n} deltas ({total} in all)"
                );
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return Ok(()),
        };
        let i = first.0;
        latest[i] = Some(first);
        while let Ok(d) = rx.try_recv() {
            let i = d.0;
            latest[i] = Some(d);
        }
        for d in latest.iter_mut().filter_map(Option::take) {
            seq += 1;
            let body = &d.1[1..];
            tx.feed(Message::Text(format!("{{\"seq\":{seq},{body}").into()))
                .await?;
        }
        tx.flush().await?;
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let base = arg(&args, "--binance-url").context("--binance-url is required")?;
    let symbols: Vec<String> = arg(&args, "--symbols")
        .context("--symbols is required")?
        .split(',')
        .map(|s| s.trim().to_ascii_uppercase())
        .collect();
    let bind = arg(&args, "--bind").unwrap_or_else(|| "127.0.0.1:0".into());
    let streams: Vec<String> = symbols
        .iter()
        .map(|s| format!("{}@aggTrade", s.to_ascii_lowercase()))
        .collect();
    let url = format!(
        "{}/stream?streams={}",
        base.trim_end_matches('/'),
        streams.join("/")
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(&bind).await?;
        println!(
            "{}",
            spreadwatch_engine::server::announcement(listener.local_addr()?)
        );
        let (tx, _) = broadcast::channel::<Delta>(4096);
        let feed = ingest(url, symbols.clone(), tx.clone());
        tokio::spawn(async move {
            match feed.await {
                Ok(()) => eprintln!("floorserver: the feed ended"),
                Err(e) => eprintln!("floorserver: the feed failed: {e:#}"),
            }
        });
        loop {
            let (tcp, _) = listener.accept().await?;
            tokio::spawn(session(tcp, tx.subscribe(), symbols.len()));
        }
    })
}
