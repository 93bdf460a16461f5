//! Pairs that clients started (by showing or watching one the engine did
//! not run) are released once no session has wanted them for a while: a
//! trader browsing the scanner opens dozens of pairs, and each would
//! otherwise hold its room under the pair limit, and its slow estimators'
//! CPU, until a restart. Configured pairs are never released.
//!
//! The decision is pure ([`Leases::due`]); the hub's sweep asks it with
//! the sessions' interest and removes what it returns.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use spreadwatch_proto::PairId;

/// The default time a started pair may go unwanted.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(600);

/// Pairs clients started, and since when each is unwanted.
#[derive(Debug)]
pub struct Leases {
    idle: Duration,
    started: Mutex<HashMap<PairId, Option<Instant>>>,
}

impl Leases {
    /// Releases a started pair after `idle` unwanted; zero never does.
    pub fn new(idle: Duration) -> Self {
        Leases {
            idle,
            started: Mutex::new(HashMap::new()),
        }
    }

    /// How often the sweep should look: a quarter of the idle time, from
    /// 250 ms to 15 s; `None` when nothing is ever released.
    pub fn sweep_every(&self) -> Option<Duration> {
        (!self.idle.is_zero())
            .then(|| (self.idle / 4).clamp(Duration::from_millis(250), Duration::from_secs(15)))
    }

    /// Notes that a client's request started `pair`.
    pub fn started(&self, pair: &PairId) {
        self.started.lock().insert(pair.clone(), None);
    }

    /// The started pairs unwanted for `idle` by `now`, forgotten here (the
    /// caller removes them); a pair wanted again starts its wait anew.
    pub fn due(&self, now: Instant, wanted: impl Fn(&PairId) -> bool) -> Vec<PairId> {
        if self.idle.is_zero() {
            return Vec::new();
        }
        let mut started = self.started.lock();
        let mut out = Vec::new();
        for (pair, since) in started.iter_mut() {
            match (wanted(pair), *since) {
                (true, _) => *since = None,
                (false, None) => *since = Some(now),
                (false, Some(t)) if now.duration_since(t) >= self.idle => out.push(pair.clone()),
                (false, Some(_)) => {}
            }
        }
        for p in &out {
            started.remove(p);
        }
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_started_pair_goes_once_unwanted_for_the_idle_time() {
        let leases = Leases::new(Duration::from_secs(10));
        let (a, b): (PairId, PairId) = (
            "AUSDT/BUSDT".parse().unwrap(),
            "CUSDT/DUSDT".parse().unwrap(),
        );
        leases.started(&a);
        leases.started(&b);
        let t0 = Instant::now();
        let s = |secs| t0 + Duration::from_secs(secs);
        let only_b = |p: &PairId| p == &b;
        assert!(leases.due(s(0), only_b).is_empty(), "the wait starts");
        assert!(leases.due(s(9), only_b).is_empty());
        assert!(
            leases.due(s(5), |_| true).is_empty(),
            "wanted again: the wait restarts"
        );
        assert!(leases.due(s(12), |_| false).is_empty());
        assert!(leases.due(s(21), |_| false).is_empty());
        assert_eq!(leases.due(s(22), |_| false), vec![a, b]);
        assert!(
            leases.due(s(99), |_| false).is_empty(),
            "forgotten once released"
        );
        let never = Leases::new(Duration::ZERO);
        never.started(&"AUSDT/BUSDT".parse().unwrap());
        assert!(never.due(s(0), |_| false).is_empty() && never.sweep_every().is_none());
    }
}
