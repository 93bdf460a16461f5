//! The fan-out hub: engine updates that some session subscribed to (see
//! [`interest`](super::interest)) are serialised to JSON once, on the actor
//! thread that made them, then put on one bounded broadcast ring that every
//! WebSocket session reads.
//!
//! Memory is bounded by the ring, whatever clients do: a session that does
//! not keep up falls behind on the ring and, when it reads again, finds it
//! lagged and gets a fresh snapshot (`resync: true`). A session that wakes
//! up with a backlog conflates it by key (the latest forming bar per symbol
//! and interval, the latest provisional stats per pair) before writing; with
//! no backlog each delta goes out at once, with no timer batching.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use parking_lot::Mutex;
use spreadwatch_proto::{BarKind, Interval, PairId, ServerBody, Subscription, Symbol};
use tokio::sync::broadcast;

use super::interest::{Interest, Registration};
use super::leases::Leases;
use super::rejects::Rejects;
use crate::actors::{EngineEvent, Update};
use crate::EngineHandle;

/// Who a wire event is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// A bar of a symbol at an interval.
    Bar(Symbol, Interval),
    /// A pair's stats, alerts, parameters.
    Pair(PairId),
    /// A pair rebuilt its history: subscribers need a fresh snapshot.
    Reset(PairId),
    /// Feed status: everyone.
    Status,
    /// The pair scanner's rankings.
    Scan,
}

/// A serialised update, shared by every session.
#[derive(Debug)]
pub struct WireEvent {
    /// Who it is for.
    pub topic: Topic,
    /// Deltas with the same key may be conflated (only the last one sent).
    pub conflate: bool,
    /// The JSON object of a [`ServerBody`], without `seq`.
    pub json: Bytes,
    /// When the tick behind it was received.
    pub origin: Instant,
}

/// Fan-out counters and the tick-to-send latency histogram.
#[derive(Debug)]
pub struct HubMetrics {
    /// Connected sessions.
    pub clients: AtomicU64,
    /// Resync snapshots sent.
    pub resyncs: AtomicU64,
    /// Frames sent.
    pub frames: AtomicU64,
    /// Deltas dropped in favour of a newer one with the same key.
    pub conflated: AtomicU64,
    /// Largest backlog a session found on waking, since the last scrape.
    pub max_backlog: AtomicU64,
    /// Tick receive to socket write, µs.
    pub latency_us: Mutex<Histogram<u64>>,
    /// Client input refused, by reason.
    pub rejected: Rejects,
    /// Clients dropped for silence (no frame, not even a pong, within the
    /// heartbeat timeout), whether or not their socket took more.
    pub dropped_silent: AtomicU64,
    /// Pairs clients started and no session wanted any more, stopped.
    pub pairs_released: AtomicU64,
}

impl Default for HubMetrics {
    fn default() -> Self {
        HubMetrics {
            clients: AtomicU64::new(0),
            resyncs: AtomicU64::new(0),
            frames: AtomicU64::new(0),
            conflated: AtomicU64::new(0),
            max_backlog: AtomicU64::new(0),
            rejected: Rejects::default(),
            dropped_silent: AtomicU64::new(0),
            pairs_released: AtomicU64::new(0),
            latency_us: Mutex::new(Histogram::new_with_bounds(1, 60_000_000, 3).unwrap_or_else(
                |_| {
                    Histogram::new(3)
                        .unwrap_or_else(|_| unreachable!("3 significant figures is valid"))
                },
            )),
        }
    }
}

/// The hub: a cloneable handle to the ring and the metrics.
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<WireEvent>>,
    metrics: Arc<HubMetrics>,
    interest: Arc<Interest>,
    leases: Arc<Leases>,
}

fn wire(
    topic: Topic,
    conflate: bool,
    body: &ServerBody,
    origin: Instant,
) -> Option<Arc<WireEvent>> {
    let json = serde_json::to_vec(body).ok()?;
    Some(Arc::new(WireEvent {
        topic,
        conflate,
        json: Bytes::from(json),
        origin,
    }))
}

/// The topic of an engine update, and whether its deltas may be conflated.
fn topic_of(e: &EngineEvent) -> (Topic, bool) {
    match e {
        EngineEvent::Bar { bar, kind } => (
            Topic::Bar(bar.symbol.clone(), bar.interval),
            *kind == BarKind::Forming,
        ),
        EngineEvent::Pair(stats, point) => (Topic::Pair(stats.pair.clone()), point.is_none()),
        EngineEvent::Alert(a) => (Topic::Pair(a.pair.clone()), false),
        EngineEvent::Params(p, _) => (Topic::Pair(p.clone()), false),
        EngineEvent::PairReset(p) => (Topic::Reset(p.clone()), false),
        EngineEvent::Scan(_) => (Topic::Scan, true),
    }
}

/// Turns an engine update into a wire event, if `wanted` says someone
/// wants its topic (a reset is wanted with its pair).
pub fn to_wire(u: &Update, wanted: impl Fn(&Topic) -> bool) -> Option<Arc<WireEvent>> {
    let (topic, conflate) = topic_of(&u.event);
    if !wanted(&topic) {
        return None;
    }
    if let Topic::Reset(_) = topic {
        return Some(Arc::new(WireEvent {
            topic,
            conflate,
            json: Bytes::new(),
            origin: u.origin,
        }));
    }
    wire(topic, conflate, &u.event.body()?, u.origin)
}

impl Hub {
    /// Starts the hub: every engine update whose topic a session has
    /// [registered](Hub::register) is serialised once, where the
    /// engine makes it (an [`EngineHandle::tap`], so no thread sits between
    /// the actors and the sessions), and put on the ring when anyone reads
    /// it. Status goes out once a second from a task on the current arbiter.
    /// A pair a client started is stopped once no session has shown or
    /// watched it for `pair_idle` (zero: never; see [`Leases`]).
    pub fn start(engine: &EngineHandle, capacity: usize, pair_idle: Duration) -> Hub {
        let (tx, _) = broadcast::channel(capacity.max(16));
        let hub = Hub {
            tx,
            metrics: Arc::new(HubMetrics::default()),
            interest: Arc::default(),
            leases: Arc::new(Leases::new(pair_idle)),
        };
        hub.spawn_sweep(engine);
        let (ring, interest) = (hub.tx.clone(), hub.interest.clone());
        engine.tap(move |u| {
            if ring.receiver_count() > 0 {
                if let Some(w) = to_wire(u, |t| interest.wants(t)) {
                    let _ = ring.send(w);
                }
            }
        });
        let (h, e) = (hub.clone(), engine.clone());
        actix_rt::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                if h.tx.receiver_count() > 0 {
                    let status = h.status_report(&e);
                    if let Some(w) = wire(
                        Topic::Status,
                        true,
                        &ServerBody::Status { status },
                        Instant::now(),
                    ) {
                        let _ = h.tx.send(w);
                    }
                }
            }
        });
        hub
    }

    /// A new reader of the ring. It sees status, and the topics someone has
    /// [registered](Hub::register): a reader registers its own.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<WireEvent>> {
        self.tx.subscribe()
    }

    /// Registers what a session subscribes to: only topics someone has
    /// registered are serialised and put on the ring.
    pub fn register(&self, sub: &Subscription) -> Registration {
        self.interest.register(sub)
    }

    /// The pairs clients started.
    pub fn leases(&self) -> &Arc<Leases> {
        &self.leases
    }

    /// Stops, every so often, the started pairs no session has wanted for
    /// the idle time (shown or watched: the sessions' interest in them).
    fn spawn_sweep(&self, engine: &EngineHandle) {
        let Some(every) = self.leases.sweep_every() else {
            return;
        };
        let (h, e) = (self.clone(), engine.clone());
        actix_rt::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let wanted = |p: &PairId| h.interest.wants(&Topic::Pair(p.clone()));
                for p in h.leases.due(Instant::now(), wanted) {
                    if e.remove_pair(&p) {
                        h.metrics.pairs_released.fetch_add(1, Ordering::Relaxed);
                        tracing::info!(
                            "pair {p} stopped: no session has shown or watched it for a while"
                        );
                    }
                }
            }
        });
    }

    /// The counters.
    pub fn metrics(&self) -> &Arc<HubMetrics> {
        &self.metrics
    }

    /// The engine's status with the fan-out counters filled in.
    pub fn status_report(&self, engine: &EngineHandle) -> spreadwatch_proto::StatusReport {
        let mut s = engine.status();
        let m = &self.metrics;
        s.ws.clients = m.clients.load(Ordering::Relaxed);
        s.ws.resyncs = m.resyncs.load(Ordering::Relaxed);
        s.ws.frames = m.frames.load(Ordering::Relaxed);
        s.ws.conflated = m.conflated.load(Ordering::Relaxed);
        s.ws.rejected = m.rejected.by_label();
        s.ws.dropped_silent = m.dropped_silent.load(Ordering::Relaxed);
        s
    }
}

/// Keeps only the last event of each conflatable topic, preserving order.
/// Returns the kept events and how many were dropped.
///
/// This runs for every session on every wake-up, so it allocates nothing
/// beyond the kept list: a session sees a handful of distinct topics (its
/// bars, its pair, status), and a linear scan of those beats hashing.
pub fn conflate(batch: Vec<Arc<WireEvent>>) -> (Vec<Arc<WireEvent>>, u64) {
    if batch.len() < 2 {
        return (batch, 0);
    }
    let mut keep = vec![true; batch.len()];
    let mut dropped = 0;
    {
        let mut seen: smallvec::SmallVec<[&Topic; 8]> = smallvec::SmallVec::new();
        for (i, e) in batch.iter().enumerate().rev() {
            if !e.conflate {
                continue;
            }
            if seen.contains(&&e.topic) {
                keep[i] = false;
                dropped += 1;
            } else {
                seen.push(&e.topic);
            }
        }
    }
    if dropped == 0 {
        return (batch, 0);
    }
    let kept = batch
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(e, _)| e.clone())
        .collect();
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(topic: Topic, conflate: bool, tag: &str) -> Arc<WireEvent> {
        Arc::new(WireEvent {
            topic,
            conflate,
            json: Bytes::from(tag.to_string()),
            origin: Instant::now(),
        })
    }

    #[test]
    fn conflation_keeps_the_latest_per_key_and_everything_else() {
        let b = |s: &str| Topic::Bar(s.parse().unwrap(), Interval::S1);
        let batch = vec![
            ev(b("AAA"), true, "f1"),
            ev(b("AAA"), false, "closed"),
            ev(b("BBB"), true, "g1"),
            ev(b("AAA"), true, "f2"),
            ev(Topic::Status, true, "s1"),
            ev(Topic::Status, true, "s2"),
        ];
        let (kept, dropped) = conflate(batch);
        let tags: Vec<_> = kept
            .iter()
            .map(|e| String::from_utf8_lossy(&e.json).into_owned())
            .collect();
        assert_eq!(tags, vec!["closed", "g1", "f2", "s2"]);
        assert_eq!(dropped, 2);
    }
}
