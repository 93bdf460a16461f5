//! Which topics any WebSocket session wants, so the hub serialises and rings
//! only those.
//!
//! Every update put on the hub's ring wakes every session, so an update no
//! session subscribed to (the 1 m and 5 m forming bars while everyone watches
//! 1 s bars, a pair nobody has open) would cost a JSON encoding on the actor
//! thread and a wake-up of each session for nothing. Sessions register what
//! they subscribe to; the registration is a guard, so a session that stops,
//! however it stops, takes its interest with it.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;
use spreadwatch_proto::Subscription;

use super::hub::Topic;

/// Counts of sessions per topic. Status concerns everyone and is always wanted.
#[derive(Debug, Default)]
pub struct Interest {
    counts: RwLock<HashMap<Topic, usize>>,
}

impl Interest {
    /// True when some session wants `topic`.
    pub fn wants(&self, topic: &Topic) -> bool {
        matches!(topic, Topic::Status) || self.counts.read().contains_key(topic)
    }

    /// Registers the topics of `sub` until the returned guard is dropped.
    pub fn register(self: &Arc<Self>, sub: &Subscription) -> Registration {
        let topics = topics(sub);
        {
            let mut c = self.counts.write();
            for t in &topics {
                *c.entry(t.clone()).or_default() += 1;
            }
        }
        Registration {
            interest: self.clone(),
            topics,
        }
    }
}

/// A session's interest; dropping it withdraws it.
#[derive(Debug)]
pub struct Registration {
    interest: Arc<Interest>,
    topics: Vec<Topic>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut c = self.interest.counts.write();
        for t in &self.topics {
            if let Some(n) = c.get_mut(t) {
                *n -= 1;
                if *n == 0 {
                    c.remove(t);
                }
            }
        }
    }
}

/// The topics a subscription receives (status aside).
fn topics(sub: &Subscription) -> Vec<Topic> {
    let bars = sub
        .interval
        .into_iter()
        .flat_map(|iv| sub.symbols.iter().map(move |s| Topic::Bar(s.clone(), iv)));
    let pair = sub
        .pair
        .iter()
        .flat_map(|p| [Topic::Pair(p.clone()), Topic::Reset(p.clone())]);
    // A watched pair's stats and alerts, not its resets: a watchlist row
    // needs no fresh snapshot when the pair rebuilds.
    let watch = sub.watch.iter().map(|p| Topic::Pair(p.clone()));
    let mut seen = std::collections::HashSet::new();
    let mut t: Vec<Topic> = Vec::new();
    let scan = sub.scan.then_some(Topic::Scan);
    for x in bars.chain(pair).chain(watch).chain(scan) {
        if seen.insert(x.clone()) {
            t.push(x);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use spreadwatch_proto::Interval;

    fn sub(pair: &str, symbols: &[&str], iv: Interval) -> Subscription {
        Subscription {
            pair: Some(pair.parse().unwrap()),
            symbols: symbols.iter().map(|s| s.parse().unwrap()).collect(),
            interval: Some(iv),
            scan: false,
            watch: Vec::new(),
        }
    }

    fn bar(s: &str, iv: Interval) -> Topic {
        Topic::Bar(s.parse().unwrap(), iv)
    }

    #[test]
    fn a_topic_is_wanted_while_any_registration_holds_it() {
        let i = Arc::new(Interest::default());
        assert!(i.wants(&Topic::Status), "status is for everyone");
        assert!(!i.wants(&bar("BTCUSDT", Interval::S1)));
        let a = i.register(&sub(
            "ETHUSDT/BTCUSDT",
            &["ETHUSDT", "BTCUSDT"],
            Interval::S1,
        ));
        let b = i.register(&sub("ETHUSDT/BTCUSDT", &["BTCUSDT"], Interval::M1));
        assert!(i.wants(&bar("BTCUSDT", Interval::S1)));
        assert!(i.wants(&bar("BTCUSDT", Interval::M1)));
        assert!(!i.wants(&bar("BTCUSDT", Interval::M5)));
        assert!(!i.wants(&bar("SOLUSDT", Interval::S1)));
        let p: spreadwatch_proto::PairId = "ETHUSDT/BTCUSDT".parse().unwrap();
        assert!(i.wants(&Topic::Pair(p.clone())) && i.wants(&Topic::Reset(p.clone())));
        drop(a);
        assert!(!i.wants(&bar("ETHUSDT", Interval::S1)));
        assert!(i.wants(&bar("BTCUSDT", Interval::M1)));
        assert!(i.wants(&Topic::Pair(p.clone())), "b still holds the pair");
        drop(b);
        assert!(!i.wants(&Topic::Pair(p)));
        assert!(i.counts.read().is_empty(), "nothing is left behind");
    }

    #[test]
    fn a_symbol_listed_twice_is_counted_once() {
        let i = Arc::new(Interest::default());
        let a = i.register(&sub(
            "ETHUSDT/BTCUSDT",
            &["BTCUSDT", "BTCUSDT"],
            Interval::S1,
        ));
        assert_eq!(i.counts.read().get(&bar("BTCUSDT", Interval::S1)), Some(&1));
        let b = i.register(&sub("ETHUSDT/BTCUSDT", &["BTCUSDT"], Interval::S1));
        assert_eq!(i.counts.read().get(&bar("BTCUSDT", Interval::S1)), Some(&2));
        drop(a);
        assert!(i.wants(&bar("BTCUSDT", Interval::S1)), "b still wants it");
        drop(b);
        assert!(i.counts.read().is_empty());
    }
}
