//! Where the actors publish what changed: the engine's bounded broadcast
//! (what [`EngineHandle::subscribe`](crate::EngineHandle::subscribe) hands
//! out) and any taps, called synchronously on the actor thread.
//!
//! A tap exists for latency: the server's fan-out serialises each update
//! where it is made and puts it straight on its own ring, instead of waking
//! another thread to read the broadcast first. Taps must be quick and must
//! never block: they run inside the actors' handlers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::RwLock;
use tokio::sync::broadcast;

use spreadwatch_proto::scan::LiveScan;
use spreadwatch_proto::{Alert, Bar, BarKind, PairId, PairParams, PairPoint, PairStats};

/// An event with the time its oldest cause (a tick) was received.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// When the tick behind this update was received.
    pub origin: Instant,
    /// What happened.
    pub event: EngineEvent,
}

/// What the engine publishes to its subscribers.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    /// A bar changed.
    Bar {
        /// The bar after the change.
        bar: Bar,
        /// Forming, closed or revised.
        kind: BarKind,
    },
    /// A pair was updated; the chart point is set for committed points.
    Pair(Box<PairStats>, Option<PairPoint>),
    /// A pair's z crossed its threshold.
    Alert(Alert),
    /// A pair rebuilt its state (new parameters or a revised bar); its
    /// history changed, so subscribers should take a fresh snapshot.
    PairReset(PairId),
    /// A pair's parameters changed.
    Params(PairId, PairParams),
    /// The pair scanner ranked the market again.
    Scan(Arc<LiveScan>),
}

impl EngineEvent {
    /// The wire message a client sees for this event (the WebSocket frame
    /// without `seq`, and what `--publish nats:` sends); `None` for a pair
    /// reset, which clients see as a fresh snapshot instead.
    pub fn body(&self) -> Option<spreadwatch_proto::ServerBody> {
        use spreadwatch_proto::ServerBody;
        Some(match self {
            EngineEvent::Bar { bar, kind } => ServerBody::Bar {
                kind: *kind,
                bar: bar.clone(),
            },
            EngineEvent::Pair(stats, point) => ServerBody::Pair {
                stats: (**stats).clone(),
                point: *point,
            },
            EngineEvent::Alert(a) => ServerBody::Alert { alert: a.clone() },
            EngineEvent::Params(p, params) => ServerBody::Params {
                pair: p.clone(),
                params: *params,
            },
            EngineEvent::Scan(s) => ServerBody::Scan {
                scan: Box::new((**s).clone()),
            },
            EngineEvent::PairReset(_) => return None,
        })
    }
}

/// A synchronous listener of every update.
pub type Tap = Arc<dyn Fn(&Update) + Send + Sync>;

/// The actors' outlet: a broadcast plus taps.
#[derive(Clone)]
pub struct Events {
    tx: broadcast::Sender<Update>,
    taps: Arc<RwLock<Vec<Tap>>>,
    tapped: Arc<AtomicBool>,
}

impl Events {
    /// An outlet whose broadcast holds `capacity` updates per receiver.
    pub fn new(capacity: usize) -> Self {
        Events {
            tx: broadcast::channel(capacity.max(1)).0,
            taps: Arc::default(),
            tapped: Arc::default(),
        }
    }

    /// True when anyone would see an update: actors skip building them
    /// otherwise (a replay at full speed with nobody listening).
    pub fn listening(&self) -> bool {
        self.tapped.load(Ordering::Relaxed) || self.tx.receiver_count() > 0
    }

    /// Hands `u` to every tap, then to the broadcast's receivers.
    pub fn send(&self, u: Update) {
        if self.tapped.load(Ordering::Relaxed) {
            for t in self.taps.read().iter() {
                t(&u);
            }
        }
        if self.tx.receiver_count() > 0 {
            let _ = self.tx.send(u);
        }
    }

    /// A new receiver of the broadcast.
    pub fn subscribe(&self) -> broadcast::Receiver<Update> {
        self.tx.subscribe()
    }

    /// Adds a tap, called for every update from now on.
    pub fn tap(&self, f: Tap) {
        self.taps.write().push(f);
        self.tapped.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::EngineEvent;
    use super::*;
    use std::sync::atomic::AtomicU64;
    use std::time::Instant;

    fn update() -> Update {
        Update {
            origin: Instant::now(),
            event: EngineEvent::PairReset("ETHUSDT/BTCUSDT".parse().unwrap()),
        }
    }

    #[test]
    fn taps_and_receivers_both_see_every_update() {
        let e = Events::new(8);
        assert!(!e.listening());
        let mut rx = e.subscribe();
        assert!(e.listening());
        let seen = Arc::new(AtomicU64::new(0));
        let s = seen.clone();
        e.tap(Arc::new(move |_| {
            s.fetch_add(1, Ordering::Relaxed);
        }));
        e.send(update());
        e.send(update());
        assert_eq!(seen.load(Ordering::Relaxed), 2);
        assert!(rx.try_recv().is_ok() && rx.try_recv().is_ok());
        drop(rx);
        assert!(e.listening(), "a tap alone keeps updates coming");
    }
}
