//! NATS in and out (feature `nats`), for running many instances over one
//! broker (docs/scaling.md).
//!
//! In: Binance frames (combined-stream or bare, byte for byte as Binance
//! sends them) published on `spreadwatch.ticks.<SYMBOL>`, e.g. by an ingest
//! instance or a recorder. Out: every engine update as the JSON of the
//! WebSocket frame (without `seq`) on `spreadwatch.updates.bar.<SYMBOL>.<interval>`,
//! `spreadwatch.updates.pair.<Y>.<X>`, `spreadwatch.updates.alert.<Y>.<X>`,
//! `spreadwatch.updates.params.<Y>.<X>` and `spreadwatch.updates.reset.<Y>.<X>`.

use futures_util::StreamExt;
use spreadwatch_proto::ServerBody;
use tokio_util::sync::CancellationToken;

/// The client, re-exported for tests and embedders.
pub use async_nats;

use super::feed::FeedWriter;
use crate::actors::events::EngineEvent;
use crate::error::{Error, Result};
use crate::status::SourceBoard;
use crate::EngineHandle;

/// Subjects the source reads.
pub const TICKS: &str = "spreadwatch.ticks.>";

fn net(e: impl std::fmt::Display) -> Error {
    Error::Network(format!("nats: {e}"))
}

/// Reads frames from `url` until `stop`.
pub async fn run(
    url: &str,
    feed: &mut FeedWriter,
    board: &SourceBoard,
    stop: &CancellationToken,
) -> Result<()> {
    let client = async_nats::connect(url).await.map_err(net)?;
    let mut sub = client.subscribe(TICKS).await.map_err(net)?;
    board.update(|s| s.connects += 1);
    board.set_state(spreadwatch_proto::FeedState::Live);
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            m = sub.next() => {
                let Some(m) = m else { break };
                feed.handle(&m.payload, None);
                // Everything already delivered goes in one batch.
                while let Some(Some(m)) = futures_util::FutureExt::now_or_never(sub.next()) {
                    feed.handle(&m.payload, None);
                    if feed.should_flush() {
                        break;
                    }
                }
                feed.flush().await;
            }
        }
    }
    feed.flush().await;
    Ok(())
}

/// The subject and body an update is published with (`None` for internal
/// events such as a pair reset).
pub fn update_subject(e: &EngineEvent) -> Option<(String, ServerBody)> {
    let pair = |p: &spreadwatch_proto::PairId| format!("{}.{}", p.y, p.x);
    let subject = match e {
        EngineEvent::Bar { bar, .. } => {
            format!("spreadwatch.updates.bar.{}.{}", bar.symbol, bar.interval)
        }
        EngineEvent::Pair(stats, _) => format!("spreadwatch.updates.pair.{}", pair(&stats.pair)),
        EngineEvent::Alert(a) => format!("spreadwatch.updates.alert.{}", pair(&a.pair)),
        EngineEvent::Params(p, _) => format!("spreadwatch.updates.params.{}", pair(p)),
        EngineEvent::Scan(_) => "spreadwatch.updates.scan".to_string(),
        EngineEvent::PairReset(_) => return None,
    };
    Some((subject, e.body()?))
}

/// The subject and JSON of an update on the bus; a pair reset (which
/// clients see as a fresh snapshot) goes on
/// `spreadwatch.updates.reset.<Y>.<X>` with the pair.
fn update_message(e: &EngineEvent) -> Option<(String, Vec<u8>)> {
    if let EngineEvent::PairReset(p) = e {
        let body = serde_json::json!({ "pair": p });
        let subject = format!("spreadwatch.updates.reset.{}.{}", p.y, p.x);
        return Some((subject, body.to_string().into_bytes()));
    }
    let (subject, body) = update_subject(e)?;
    Some((subject, serde_json::to_vec(&body).ok()?))
}

/// Publishes every update of `engine` to `url` until the engine stops. A
/// publisher that falls behind the engine's event channel skips what it
/// missed (counted in the log), never blocking the engine.
pub async fn publish(url: &str, engine: EngineHandle) -> Result<()> {
    publish_where(url, engine, |_| true).await
}

/// Updates a publisher that fell behind skipped, told at most every 10 s:
/// a shard with many pairs can fall behind thousands of times a second.
#[derive(Default)]
struct Skipped {
    since_warn: u64,
    last_warn: Option<std::time::Instant>,
}

impl Skipped {
    fn add(&mut self, n: u64) {
        self.since_warn += n;
        let due = self
            .last_warn
            .is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(10));
        if due {
            let n = std::mem::take(&mut self.since_warn);
            tracing::warn!("nats publisher fell behind the engine: {n} updates skipped");
            self.last_warn = Some(std::time::Instant::now());
        }
    }
}

/// [`publish`], of the updates `keep` keeps (an ingest instance publishes
/// only its market-wide scans).
pub async fn publish_where(
    url: &str,
    engine: EngineHandle,
    keep: fn(&EngineEvent) -> bool,
) -> Result<()> {
    // Connects in the background, so a broker that is not up yet (or goes
    // away later) delays updates instead of ending them.
    let client = crate::cluster::broker::side_connection(url).await?;
    let mut rx = engine.subscribe();
    let mut skipped = Skipped::default();
    loop {
        match rx.recv().await {
            Ok(u) => {
                if !keep(&u.event) {
                    continue;
                }
                let Some((subject, json)) = update_message(&u.event) else {
                    continue;
                };
                client.publish(subject, json.into()).await.map_err(net)?;
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => skipped.add(n),
            Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
        }
    }
    client.flush().await.map_err(net)?;
    Ok(())
}
