//! Request-reply between gateways and shards. Every shard listens on the
//! wildcard subjects and answers only for what it holds, so a request
//! reaches the owner whatever the number of shards:
//!
//! | subject | asks | answer |
//! | --- | --- | --- |
//! | `spreadwatch.rpc.pairs` | (empty) | every shard: its place and pairs ([`PairsReply`]) |
//! | `spreadwatch.rpc.snapshot.<Y>.<X>` | (empty) | the owner: the pair's [`PairView`] |
//! | `spreadwatch.rpc.params.<Y>.<X>` | the new [`PairParams`] | the owner: done, or why not |
//! | `spreadwatch.rpc.bars.<SYMBOL>` | a [`BarsQuery`] | a shard holding the symbol: its bars |

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use spreadwatch_proto::msg::PairView;
use spreadwatch_proto::{PairId, PairParams, Symbol};
use tokio_util::sync::CancellationToken;

use super::broker::net;
use super::shard::ShardSource;
use crate::error::Result;
use crate::remote::BarsQuery;
use crate::EngineHandle;

/// Where gateways ask every shard for its pairs.
pub const PAIRS: &str = "spreadwatch.rpc.pairs";

/// The subject of `kind` (`snapshot`, `params`) for `pair`.
///
/// ```
/// let p = "ETHUSDT/BTCUSDT".parse().unwrap();
/// assert_eq!(spreadwatch_engine::cluster::rpc::pair_subject("snapshot", &p), "spreadwatch.rpc.snapshot.ETHUSDT.BTCUSDT");
/// ```
pub fn pair_subject(kind: &str, pair: &PairId) -> String {
    format!("spreadwatch.rpc.{kind}.{}.{}", pair.y, pair.x)
}

/// The subject of a symbol's bars.
pub fn bars_subject(symbol: &Symbol) -> String {
    format!("spreadwatch.rpc.bars.{symbol}")
}

/// A shard's answer to [`PAIRS`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairsReply {
    /// `I/N`.
    pub shard: String,
    /// The pairs it owns.
    pub pairs: Vec<PairId>,
    /// Their legs.
    pub legs: Vec<Symbol>,
    /// Its sources, symbols and pairs (the rest of its report left out).
    #[serde(default)]
    pub status: Option<spreadwatch_proto::StatusReport>,
}

/// An answer, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply<T> {
    /// The answer.
    Ok(T),
    /// What went wrong, for the asker's error.
    Error(String),
}

/// Answers the cluster's requests for `shard`'s pairs and legs until `stop`.
pub async fn serve(
    client: async_nats::Client,
    engine: EngineHandle,
    shard: ShardSource,
    stop: CancellationToken,
) -> Result<()> {
    let mut subs = Vec::new();
    for s in [
        PAIRS,
        "spreadwatch.rpc.snapshot.*.*",
        "spreadwatch.rpc.params.*.*",
        "spreadwatch.rpc.bars.*",
    ] {
        subs.push(client.subscribe(s).await.map_err(net)?);
    }
    let mut all = futures_util::stream::select_all(subs);
    loop {
        let m = tokio::select! {
            _ = stop.cancelled() => break,
            m = all.next() => m,
        };
        let Some(m) = m else { break };
        let Some(reply) = m.reply.clone() else {
            continue;
        };
        // Each answer on its own task: a pair busy rebuilding must not hold
        // up the answers about the others.
        let (client, engine, shard) = (client.clone(), engine.clone(), shard.clone());
        tokio::spawn(async move {
            if let Some(body) = answer(&engine, &shard, &m.subject, &m.payload).await {
                if let Err(e) = client.publish(reply, body.into()).await {
                    tracing::warn!("answering {}: {e}", m.subject);
                }
            }
        });
    }
    Ok(())
}

/// The answer to one request, or `None` when another shard's to give.
async fn answer(
    engine: &EngineHandle,
    shard: &ShardSource,
    subject: &str,
    payload: &[u8],
) -> Option<Vec<u8>> {
    let parts: Vec<&str> = subject.split('.').collect();
    // What it runs now: its share of --pair, or of the ranking it follows.
    let pair = || -> Option<PairId> {
        let p: PairId = format!("{}/{}", parts.get(3)?, parts.get(4)?)
            .parse()
            .ok()?;
        engine.pairs().contains(&p).then_some(p)
    };
    let body = match parts.get(2).copied()? {
        "pairs" => json(&PairsReply {
            shard: shard.spec.to_string(),
            pairs: engine.pairs(),
            legs: engine.symbols(),
            status: Some(feed_health(engine)),
        }),
        "snapshot" => json(&snapshot(engine, &pair()?).await),
        "params" => json(&params(engine, &pair()?, payload).await),
        "bars" => {
            let sym: Symbol = parts.get(3)?.parse().ok()?;
            if !engine.symbols().contains(&sym) {
                return None;
            }
            json(&bars(engine, &sym, payload).await)
        }
        _ => return None,
    };
    Some(body)
}

/// What a gateway shows of a shard's health: sources, symbols, pairs.
fn feed_health(engine: &EngineHandle) -> spreadwatch_proto::StatusReport {
    let st = engine.status();
    spreadwatch_proto::StatusReport {
        sources: st.sources,
        symbols: st.symbols,
        pairs: st.pairs,
        ..Default::default()
    }
}

fn json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

async fn snapshot(engine: &EngineHandle, pair: &PairId) -> Reply<PairView> {
    match engine.pair_snapshot(pair).await {
        Ok(s) => Reply::Ok(PairView {
            pair: s.pair,
            params: s.params,
            latest: s.latest,
            points: s.points,
            alerts: s.alerts,
        }),
        Err(e) => Reply::Error(e.to_string()),
    }
}

async fn params(engine: &EngineHandle, pair: &PairId, payload: &[u8]) -> Reply<()> {
    let params: PairParams = match serde_json::from_slice(payload) {
        Ok(p) => p,
        Err(e) => return Reply::Error(format!("parameters: {e}")),
    };
    match engine.set_params(pair, params).await {
        Ok(()) => Reply::Ok(()),
        Err(e) => Reply::Error(e.to_string()),
    }
}

async fn bars(
    engine: &EngineHandle,
    symbol: &Symbol,
    payload: &[u8],
) -> Reply<Vec<spreadwatch_proto::Bar>> {
    let q: BarsQuery = match serde_json::from_slice(payload) {
        Ok(q) => q,
        Err(e) => return Reply::Error(format!("bars query: {e}")),
    };
    match engine.local_bars(symbol, &q).await {
        Ok(b) => Reply::Ok(b),
        Err(e) => Reply::Error(e.to_string()),
    }
}
