//! The gateway role: a local engine with no source and no pairs, whose
//! handle asks the shards for what it does not hold ([`RemotePairs`] by
//! request-reply, [`super::rpc`]) and whose event bus is fed from the update
//! subjects, so the same server (`/ws`, REST, dashboard) serves every pair
//! of the cluster. Gateways share no state: run as many as needed.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use parking_lot::RwLock;
use serde::de::DeserializeOwned;
use spreadwatch_proto::cluster::GatewayStatus;
use spreadwatch_proto::msg::PairView;
use spreadwatch_proto::{PairId, PairParams, ServerBody, StatusReport, Symbol};
use tokio_util::sync::CancellationToken;

use super::broker::net;
use super::rpc::{bars_subject, pair_subject, PairsReply, Reply, PAIRS};
use crate::actors::{EngineEvent, PairSnapshot, Update};
use crate::error::{Error, Result};
use crate::remote::{Ask, BarsQuery, RemotePairs};
use crate::status::StatusBoard;
use crate::EngineHandle;

/// How long a shard may take to answer.
const ASK_WITHIN: Duration = Duration::from_secs(5);

/// How often the shards are asked for their pairs, and how long their
/// answers are gathered.
const DISCOVER_EVERY: Duration = Duration::from_secs(2);
const GATHER: Duration = Duration::from_millis(300);

/// What the shards said they run.
#[derive(Debug, Default)]
struct View {
    pairs: Vec<PairId>,
    symbols: Vec<Symbol>,
    /// Each shard's feed health, by `shard I/N`.
    health: Vec<(String, StatusReport)>,
}

/// The cluster, as a gateway's engine sees it.
pub struct Gateway {
    client: async_nats::Client,
    view: RwLock<View>,
    status: StatusBoard,
}

impl Gateway {
    /// A gateway over `client`, reporting to `status`.
    pub fn new(client: async_nats::Client, status: StatusBoard) -> Arc<Self> {
        status.with_cluster(|c| c.gateway = Some(GatewayStatus::default()));
        Arc::new(Gateway {
            client,
            view: RwLock::new(View::default()),
            status,
        })
    }

    /// Learns the shards' pairs now and every 2 s, and feeds `engine`'s
    /// bus from the update subjects, until `stop`.
    pub async fn run(self: Arc<Self>, engine: EngineHandle, stop: CancellationToken) -> Result<()> {
        let mut updates = self
            .client
            .subscribe("spreadwatch.updates.>")
            .await
            .map_err(net)?;
        // Discovery waits for answers: on a task of its own, so updates
        // never wait behind it.
        tokio::spawn(self.clone().discover_every(stop.clone()));
        loop {
            tokio::select! {
                _ = stop.cancelled() => return Ok(()),
                m = updates.next() => match m {
                    Some(m) => self.update(&engine, &m.subject, &m.payload),
                    None => return Ok(()),
                },
            }
        }
    }

    /// Asks for the shards' pairs every [`DISCOVER_EVERY`] until `stop`.
    async fn discover_every(self: Arc<Self>, stop: CancellationToken) {
        let mut tick = tokio::time::interval(DISCOVER_EVERY);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tick.tick() => self.discover().await,
            }
        }
    }

    /// Asks every shard for its pairs and keeps the union.
    async fn discover(&self) {
        let Ok(replies) = self.gather().await else {
            self.count_failure();
            return;
        };
        let (mut pairs, mut symbols, mut shards) = (BTreeSet::new(), BTreeSet::new(), Vec::new());
        let mut health = Vec::new();
        for r in replies {
            pairs.extend(r.pairs);
            symbols.extend(r.legs);
            if let Some(st) = r.status {
                health.push((format!("shard {}", r.shard), st));
            }
            shards.push(r.shard);
        }
        health.sort_by(|a, b| a.0.cmp(&b.0));
        shards.sort();
        shards.dedup();
        let n = pairs.len() as u32;
        *self.view.write() = View {
            pairs: pairs.into_iter().collect(),
            symbols: symbols.into_iter().collect(),
            health,
        };
        self.status.with_cluster(|c| {
            if let Some(g) = c.gateway.as_mut() {
                g.shards = shards;
                g.pairs = n;
            }
        });
    }

    /// Every shard's answer to [`PAIRS`] within [`GATHER`].
    async fn gather(&self) -> Result<Vec<PairsReply>> {
        let inbox = self.client.new_inbox();
        let mut sub = self.client.subscribe(inbox.clone()).await.map_err(net)?;
        self.client
            .publish_with_reply(PAIRS, inbox, bytes::Bytes::new())
            .await
            .map_err(net)?;
        let mut out = Vec::new();
        let end = tokio::time::Instant::now() + GATHER;
        while let Ok(Some(m)) = tokio::time::timeout_at(end, sub.next()).await {
            if let Ok(r) = serde_json::from_slice::<PairsReply>(&m.payload) {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// One message of the update subjects onto the local bus.
    fn update(&self, engine: &EngineHandle, subject: &str, payload: &[u8]) {
        let Some(event) = event_of(subject, payload) else {
            return;
        };
        if let EngineEvent::Scan(s) = &event {
            // What a new session's snapshot and `/api/scan` show.
            engine.registry.set_latest_scan(s.clone());
        }
        self.status.with_cluster(|c| {
            if let Some(g) = c.gateway.as_mut() {
                g.updates += 1;
            }
        });
        engine.registry.events().send(Update {
            origin: Instant::now(),
            event,
        });
    }

    fn count_failure(&self) {
        self.status.with_cluster(|c| {
            if let Some(g) = c.gateway.as_mut() {
                g.failed_requests += 1;
            }
        });
    }

    /// Asks `subject` with `payload` and decodes the owner's answer.
    fn ask<T: DeserializeOwned + Send + 'static>(
        self: &Arc<Self>,
        subject: String,
        payload: Vec<u8>,
    ) -> Ask<T> {
        let me = self.clone();
        Box::pin(async move {
            let res = me.request(subject, payload).await;
            if res.is_err() {
                me.count_failure();
            }
            res
        })
    }

    async fn request<T: DeserializeOwned>(&self, subject: String, payload: Vec<u8>) -> Result<T> {
        let ask = self.client.request(subject.clone(), payload.into());
        let m = tokio::time::timeout(ASK_WITHIN, ask)
            .await
            .map_err(|_| Error::Network(format!("nats: no shard answered {subject} in 5 s")))?
            .map_err(|e| Error::Network(format!("nats: {subject}: {e}")))?;
        match serde_json::from_slice::<Reply<T>>(&m.payload) {
            Ok(Reply::Ok(v)) => Ok(v),
            Ok(Reply::Error(e)) => Err(Error::Config(e)),
            Err(e) => Err(Error::Network(format!("nats: {subject}: bad answer: {e}"))),
        }
    }
}

/// The engine event a message of the update subjects carries.
pub fn event_of(subject: &str, payload: &[u8]) -> Option<EngineEvent> {
    if let Some(pair) = subject.strip_prefix("spreadwatch.updates.reset.") {
        let pair: PairId = pair.replacen('.', "/", 1).parse().ok()?;
        return Some(EngineEvent::PairReset(pair));
    }
    Some(match serde_json::from_slice::<ServerBody>(payload).ok()? {
        ServerBody::Bar { bar, kind } => EngineEvent::Bar { bar, kind },
        ServerBody::Pair { stats, point } => EngineEvent::Pair(Box::new(stats), point),
        ServerBody::Alert { alert } => EngineEvent::Alert(alert),
        ServerBody::Params { pair, params } => EngineEvent::Params(pair, params),
        // The market ranking an ingest instance publishes (shards run no
        // scanner: each sees only its legs).
        ServerBody::Scan { scan } => EngineEvent::Scan(Arc::new(*scan)),
        _ => return None,
    })
}

/// A gateway's handle to the shards: `Arc<Gateway>` behind the seam.
pub struct Shards(pub Arc<Gateway>);

impl RemotePairs for Shards {
    fn pairs(&self) -> Vec<PairId> {
        self.0.view.read().pairs.clone()
    }

    fn symbols(&self) -> Vec<Symbol> {
        self.0.view.read().symbols.clone()
    }

    fn snapshot(&self, pair: &PairId) -> Ask<PairSnapshot> {
        let view: Ask<PairView> = self.0.ask(pair_subject("snapshot", pair), Vec::new());
        Box::pin(async move {
            let v = view.await?;
            Ok(PairSnapshot {
                pair: v.pair,
                params: v.params,
                latest: v.latest,
                points: v.points,
                alerts: v.alerts,
            })
        })
    }

    fn set_params(&self, pair: &PairId, params: PairParams) -> Ask<()> {
        let body = serde_json::to_vec(&params).unwrap_or_default();
        self.0.ask(pair_subject("params", pair), body)
    }

    fn bars(&self, symbol: &Symbol, query: BarsQuery) -> Ask<Vec<spreadwatch_proto::Bar>> {
        let body = serde_json::to_vec(&query).unwrap_or_default();
        self.0.ask(bars_subject(symbol), body)
    }

    fn status(&self) -> Vec<(String, StatusReport)> {
        self.0.view.read().health.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_subjects_become_the_events_they_were_made_from() {
        let p: PairId = "ETHUSDT/BTCUSDT".parse().unwrap();
        assert_eq!(
            event_of("spreadwatch.updates.reset.ETHUSDT.BTCUSDT", b"{}"),
            Some(EngineEvent::PairReset(p.clone()))
        );
        let params = EngineEvent::Params(p.clone(), PairParams::default());
        let body = serde_json::to_vec(&params.body().unwrap()).unwrap();
        assert_eq!(
            event_of("spreadwatch.updates.params.ETHUSDT.BTCUSDT", &body),
            Some(params)
        );
        assert_eq!(event_of("spreadwatch.updates.pair.X.Y", b"not json"), None);
    }
}
