//! The decisions of one Binance shard, as a pure state machine.
//!
//! [`Shard`] holds the shard's connections (which one is active, which one
//! is rolling over to replace it and when the old one retires), the
//! reconnect time and backoff, and which streams are flagged silent. It is
//! fed what happened ([`Event`]) and the time, and answers with what to do
//! ([`Cmd`]); the async task in `driver.rs` only carries the commands out.
//! So rollover, silence and backoff are tested here without sockets or
//! sleeps.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use spreadwatch_proto::FeedState;

use super::connection::Backoff;

/// A connection's number within its shard.
pub type ConnId = u64;

/// The shard's clocks: when to call a connection or a stream silent, when
/// to roll over, how long two connections overlap.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// A connected socket, or a stream on a healthy one, silent this long
    /// is flagged.
    pub silent_after: Duration,
    /// Age at which a connection is replaced (Binance cuts at 24 h).
    pub max_age: Duration,
    /// How long the old connection stays after its successor delivers.
    pub overlap: Duration,
}

/// What a connection reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The handshake finished.
    Connected(ConnId),
    /// A frame arrived (the sink has already taken it).
    Data(ConnId),
    /// The connection ended, and why.
    Closed(ConnId, String),
}

/// What the task must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    /// Open a connection with this number.
    Open(ConnId),
    /// Close this connection.
    Close(ConnId),
    /// The feed's state changed.
    State(FeedState),
    /// A connection finished its handshake (counted).
    Connected(ConnId),
    /// The active connection closed; the next one opens after `delay`.
    Reconnect {
        /// Why it closed.
        reason: String,
        /// How long until the next one.
        delay: Duration,
    },
    /// The active connection is open but silent; it is closed and the next
    /// one opens after `delay`.
    Silent {
        /// How long until the next one.
        delay: Duration,
    },
    /// The active connection is old: a successor is opening.
    RollOver(ConnId),
    /// The successor closed before it took over.
    SuccessorFailed {
        /// The successor.
        id: ConnId,
        /// Why it closed.
        reason: String,
    },
    /// The set of silent streams changed: all of them now, and the new ones.
    Streams {
        /// Every silent stream.
        silent: Vec<String>,
        /// Those not silent before.
        newly: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy)]
struct Conn {
    opened: Instant,
    last_frame: Instant,
    connected: bool,
    got_data: bool,
}

/// One shard's connections and clocks.
#[derive(Debug)]
pub struct Shard {
    timing: Timing,
    backoff: Backoff,
    conns: HashMap<ConnId, Conn>,
    next_id: ConnId,
    active: Option<ConnId>,
    successor: Option<ConnId>,
    retire_at: Option<(Instant, ConnId)>,
    reconnect_at: Option<Instant>,
    silent: Vec<String>,
}

impl Shard {
    /// Creates a shard whose first connection opens at `now`.
    pub fn new(timing: Timing, backoff: Backoff, now: Instant) -> Self {
        Shard {
            timing,
            backoff,
            conns: HashMap::new(),
            next_id: 0,
            active: None,
            successor: None,
            retire_at: None,
            reconnect_at: Some(now),
            silent: Vec::new(),
        }
    }

    /// When the next connection is due to open, if one is.
    pub fn reconnect_at(&self) -> Option<Instant> {
        self.reconnect_at
    }

    /// The connection trades come from now.
    pub fn active(&self) -> Option<ConnId> {
        self.active
    }

    /// Takes in what a connection reported.
    pub fn on_event(&mut self, event: Event, now: Instant) -> Vec<Cmd> {
        match event {
            Event::Connected(id) => {
                if let Some(c) = self.conns.get_mut(&id) {
                    c.connected = true;
                    c.last_frame = now;
                }
                vec![Cmd::Connected(id)]
            }
            Event::Data(id) => self.on_data(id, now),
            Event::Closed(id, reason) => self.on_closed(id, reason, now),
        }
    }

    /// Checks the clocks: opens a due connection, drops a silent one, rolls
    /// an old one over, retires one after its overlap, and flags silent
    /// streams (`silent_streams` is asked only when the active connection
    /// has delivered).
    pub fn on_tick(
        &mut self,
        now: Instant,
        silent_streams: impl FnOnce() -> Vec<String>,
    ) -> Vec<Cmd> {
        let mut out = Vec::new();
        if self.reconnect_at.is_some_and(|at| now >= at) {
            self.reconnect_at = None;
            let id = self.open(now);
            self.active = Some(id);
            out.push(Cmd::Open(id));
        }
        self.check_active(now, &mut out);
        self.retire(now, &mut out);
        if self.active_conn().is_some_and(|c| c.got_data) {
            self.flag_streams(silent_streams(), &mut out);
        }
        out
    }

    /// Closes every connection; a close reported later opens nothing (no
    /// connection is active any more, and none is due).
    pub fn stop(&mut self) -> Vec<Cmd> {
        self.reconnect_at = None;
        (self.active, self.successor, self.retire_at) = (None, None, None);
        let mut ids: Vec<ConnId> = self.conns.drain().map(|(id, _)| id).collect();
        ids.sort_unstable();
        ids.into_iter().map(Cmd::Close).collect()
    }

    fn open(&mut self, now: Instant) -> ConnId {
        self.next_id += 1;
        let conn = Conn {
            opened: now,
            last_frame: now,
            connected: false,
            got_data: false,
        };
        self.conns.insert(self.next_id, conn);
        self.next_id
    }

    fn active_conn(&self) -> Option<&Conn> {
        self.active.and_then(|id| self.conns.get(&id))
    }

    fn on_data(&mut self, id: ConnId, now: Instant) -> Vec<Cmd> {
        let Some(c) = self.conns.get_mut(&id) else {
            return Vec::new();
        };
        c.last_frame = now;
        if c.got_data {
            return Vec::new();
        }
        c.got_data = true;
        let mut out = Vec::new();
        if Some(id) == self.active {
            self.backoff.reset();
            out.push(Cmd::State(FeedState::Live));
        }
        if Some(id) == self.successor {
            if let Some(old) = self.active {
                self.retire_at = Some((now + self.timing.overlap, old));
            }
        }
        out
    }

    fn on_closed(&mut self, id: ConnId, reason: String, now: Instant) -> Vec<Cmd> {
        self.conns.remove(&id);
        if Some(id) == self.successor {
            self.successor = None;
            return vec![Cmd::SuccessorFailed { id, reason }];
        }
        if Some(id) != self.active {
            return Vec::new();
        }
        if let Some(next) = self.successor.take() {
            self.active = Some(next);
            self.retire_at = None;
            return Vec::new();
        }
        self.active = None;
        let delay = self.backoff.next_delay();
        self.reconnect_at = Some(now + delay);
        vec![
            Cmd::Reconnect { reason, delay },
            Cmd::State(FeedState::Reconnecting),
        ]
    }

    /// A connection that is open but delivers nothing at all is dropped;
    /// an old one gets a successor.
    fn check_active(&mut self, now: Instant, out: &mut Vec<Cmd>) {
        let Some(c) = self.active_conn().copied() else {
            return;
        };
        if c.connected && now.duration_since(c.last_frame) >= self.timing.silent_after {
            let delay = self.backoff.next_delay();
            out.push(Cmd::Silent { delay });
            out.push(Cmd::State(FeedState::Silent));
            // Its close is reported after the close handshake; the next
            // connection does not wait for it.
            if let Some(id) = self.active.take() {
                self.conns.remove(&id);
                out.push(Cmd::Close(id));
            }
            self.reconnect_at = Some(now + delay);
        } else if self.successor.is_none() && now.duration_since(c.opened) >= self.timing.max_age {
            let id = self.open(now);
            self.successor = Some(id);
            out.push(Cmd::RollOver(id));
            out.push(Cmd::Open(id));
        }
    }

    fn retire(&mut self, now: Instant, out: &mut Vec<Cmd>) {
        let Some((at, old)) = self.retire_at else {
            return;
        };
        if now < at {
            return;
        }
        self.retire_at = None;
        if self.conns.remove(&old).is_some() {
            out.push(Cmd::Close(old));
        }
        self.active = self.successor.take();
    }

    fn flag_streams(&mut self, silent: Vec<String>, out: &mut Vec<Cmd>) {
        if silent == self.silent {
            return;
        }
        let newly = silent
            .iter()
            .filter(|n| !self.silent.contains(n))
            .cloned()
            .collect();
        self.silent = silent.clone();
        out.push(Cmd::Streams { silent, newly });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn timing() -> Timing {
        Timing {
            silent_after: 30_000 * MS,
            max_age: 3_600_000 * MS,
            overlap: 10_000 * MS,
        }
    }

    /// A shard with no jitter, so delays are exact.
    fn shard(t0: Instant) -> Shard {
        let backoff = Backoff::new(500 * MS, 5_000 * MS, Duration::ZERO);
        Shard::new(timing(), backoff, t0)
    }

    fn no_streams() -> Vec<String> {
        Vec::new()
    }

    /// Opens connection 1 at `t0` and lets it deliver.
    fn live(t0: Instant) -> Shard {
        let mut s = shard(t0);
        assert_eq!(s.on_tick(t0, no_streams), vec![Cmd::Open(1)]);
        assert_eq!(s.on_event(Event::Connected(1), t0), vec![Cmd::Connected(1)]);
        assert_eq!(
            s.on_event(Event::Data(1), t0),
            vec![Cmd::State(FeedState::Live)]
        );
        s
    }

    /// Lets connection 1 deliver until it is old, and checks that a
    /// successor (2) opens.
    fn aged(s: &mut Shard, t0: Instant) -> Instant {
        let old = t0 + timing().max_age;
        s.on_event(Event::Data(1), old);
        assert_eq!(
            s.on_tick(old, no_streams),
            vec![Cmd::RollOver(2), Cmd::Open(2)]
        );
        old
    }

    fn closed(s: &mut Shard, id: ConnId, at: Instant) -> Duration {
        match s.on_event(Event::Closed(id, "gone".into()), at).as_slice() {
            [Cmd::Reconnect { delay, .. }, Cmd::State(FeedState::Reconnecting)] => *delay,
            other => panic!("expected a reconnect, got {other:?}"),
        }
    }

    #[test]
    fn the_first_connection_opens_at_once_and_data_makes_it_live() {
        let t0 = Instant::now();
        let mut s = live(t0);
        assert_eq!(s.active(), Some(1));
        assert!(s.on_event(Event::Data(1), t0 + MS).is_empty());
        assert!(s.on_tick(t0 + 200 * MS, no_streams).is_empty());
    }

    #[test]
    fn an_old_connection_rolls_over_and_retires_after_the_overlap() {
        let t0 = Instant::now();
        let mut s = live(t0);
        let old = aged(&mut s, t0);
        // One successor at a time.
        assert!(s.on_tick(old + 200 * MS, no_streams).is_empty());
        s.on_event(Event::Connected(2), old + 300 * MS);
        // The successor's first data is not a state change: the feed is live.
        assert!(s.on_event(Event::Data(2), old + 400 * MS).is_empty());
        // Both deliver during the overlap; the old one stays active.
        let before = old + 400 * MS + timing().overlap - MS;
        assert!(s.on_event(Event::Data(1), before).is_empty());
        assert!(s.on_tick(before, no_streams).is_empty());
        assert_eq!(s.active(), Some(1));
        let after = before + MS;
        assert_eq!(s.on_tick(after, no_streams), vec![Cmd::Close(1)]);
        assert_eq!(s.active(), Some(2));
        // The old one's close, when it comes, changes nothing.
        assert!(s
            .on_event(Event::Closed(1, "closed".into()), after)
            .is_empty());
        assert_eq!(s.reconnect_at(), None);
    }

    #[test]
    fn a_failed_successor_is_tried_again_and_the_old_one_keeps_going() {
        let t0 = Instant::now();
        let mut s = live(t0);
        let old = aged(&mut s, t0);
        let got = s.on_event(Event::Closed(2, "refused".into()), old + MS);
        assert_eq!(
            got,
            vec![Cmd::SuccessorFailed {
                id: 2,
                reason: "refused".into()
            }]
        );
        assert_eq!(s.active(), Some(1));
        s.on_event(Event::Data(1), old + 2 * MS);
        assert_eq!(
            s.on_tick(old + 200 * MS, no_streams),
            vec![Cmd::RollOver(3), Cmd::Open(3)]
        );
    }

    #[test]
    fn when_the_active_one_closes_during_a_rollover_the_successor_takes_over() {
        let t0 = Instant::now();
        let mut s = live(t0);
        let old = aged(&mut s, t0);
        assert!(s
            .on_event(Event::Closed(1, "cut".into()), old + MS)
            .is_empty());
        assert_eq!(s.active(), Some(2));
        assert_eq!(s.reconnect_at(), None);
    }

    #[test]
    fn a_connected_but_silent_route_is_dropped_and_called_again() {
        let t0 = Instant::now();
        let mut s = shard(t0);
        s.on_tick(t0, no_streams);
        s.on_event(Event::Connected(1), t0);
        let quiet = t0 + timing().silent_after - MS;
        assert!(s.on_tick(quiet, no_streams).is_empty());
        let silent = quiet + MS;
        assert_eq!(
            s.on_tick(silent, no_streams),
            vec![
                Cmd::Silent { delay: 500 * MS },
                Cmd::State(FeedState::Silent),
                Cmd::Close(1)
            ]
        );
        assert_eq!(s.active(), None);
        assert!(s.on_tick(silent + 499 * MS, no_streams).is_empty());
        assert_eq!(s.on_tick(silent + 500 * MS, no_streams), vec![Cmd::Open(2)]);
        // The dropped one's late close starts nothing more.
        assert!(s
            .on_event(Event::Closed(1, "bye".into()), silent + 600 * MS)
            .is_empty());
    }

    #[test]
    fn a_connection_still_handshaking_is_not_silent() {
        let t0 = Instant::now();
        let mut s = shard(t0);
        s.on_tick(t0, no_streams);
        assert!(s
            .on_tick(t0 + 10 * timing().silent_after, no_streams)
            .is_empty());
    }

    #[test]
    fn silent_streams_are_flagged_once_and_cleared_when_they_trade() {
        let t0 = Instant::now();
        let mut s = live(t0);
        let eth = || vec!["ETHUSDT".to_string()];
        assert_eq!(
            s.on_tick(t0 + MS, eth),
            vec![Cmd::Streams {
                silent: eth(),
                newly: eth()
            }]
        );
        assert!(s.on_tick(t0 + 2 * MS, eth).is_empty());
        let both = || vec!["ETHUSDT".to_string(), "SOLUSDT".to_string()];
        assert_eq!(
            s.on_tick(t0 + 3 * MS, both),
            vec![Cmd::Streams {
                silent: both(),
                newly: vec!["SOLUSDT".to_string()]
            }]
        );
        assert_eq!(
            s.on_tick(t0 + 4 * MS, no_streams),
            vec![Cmd::Streams {
                silent: vec![],
                newly: vec![]
            }]
        );
    }

    #[test]
    fn streams_are_not_judged_before_the_connection_delivers() {
        let t0 = Instant::now();
        let mut s = shard(t0);
        s.on_tick(t0, no_streams);
        s.on_event(Event::Connected(1), t0);
        let asked = std::cell::Cell::new(false);
        s.on_tick(t0 + MS, || {
            asked.set(true);
            vec!["ETHUSDT".to_string()]
        });
        assert!(!asked.get());
    }

    #[test]
    fn the_backoff_doubles_while_failing_and_resets_once_data_flows() {
        let t0 = Instant::now();
        let mut s = live(t0);
        let mut at = t0;
        let mut delays = Vec::new();
        for id in 1..=4 {
            delays.push(closed(&mut s, id, at));
            at = s.reconnect_at().expect("a reconnect is due");
            assert_eq!(s.on_tick(at, no_streams), vec![Cmd::Open(id + 1)]);
        }
        assert_eq!(delays, vec![500 * MS, 1_000 * MS, 2_000 * MS, 4_000 * MS]);
        s.on_event(Event::Connected(5), at);
        assert_eq!(
            s.on_event(Event::Data(5), at),
            vec![Cmd::State(FeedState::Live)]
        );
        assert_eq!(closed(&mut s, 5, at), 500 * MS);
    }

    #[test]
    fn after_stop_every_connection_closes_and_none_opens() {
        let t0 = Instant::now();
        let mut s = live(t0);
        aged(&mut s, t0);
        assert_eq!(s.stop(), vec![Cmd::Close(1), Cmd::Close(2)]);
        assert!(s
            .on_event(Event::Closed(1, "stopped".into()), t0)
            .is_empty());
        assert_eq!(s.reconnect_at(), None);
        assert!(s.stop().is_empty());
    }
}
