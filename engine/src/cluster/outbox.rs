//! The ingest role's bounded buffer of trades not yet acknowledged by the
//! broker. Trades wait here while the broker is away; when the buffer is
//! full the oldest waiting trade is dropped (a live desk wants the newest
//! prices first) and counted. Pure: the publisher does the I/O.

use std::collections::VecDeque;

/// One trade to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// `spreadwatch.ticks.<SYMBOL>`.
    pub subject: String,
    /// `Nats-Msg-Id`: `<SYMBOL>:<trade id>`.
    pub id: String,
    /// The trade as a Binance frame.
    pub payload: bytes::Bytes,
}

/// Trades waiting for the broker, at most `capacity`.
#[derive(Debug)]
pub struct Outbox {
    queue: VecDeque<Outgoing>,
    capacity: usize,
    dropped: u64,
}

impl Outbox {
    /// An empty buffer holding at most `capacity` trades (at least one).
    pub fn new(capacity: usize) -> Self {
        Outbox {
            queue: VecDeque::new(),
            capacity: capacity.max(1),
            dropped: 0,
        }
    }

    /// Queues a trade, dropping the oldest when full.
    pub fn push(&mut self, m: Outgoing) {
        if self.queue.len() == self.capacity {
            self.queue.pop_front();
            self.dropped += 1;
        }
        self.queue.push_back(m);
    }

    /// Takes up to `n` of the oldest trades to publish.
    pub fn take(&mut self, n: usize) -> Vec<Outgoing> {
        let n = n.min(self.queue.len());
        self.queue.drain(..n).collect()
    }

    /// Puts trades that failed back in front, in their order, ahead of what
    /// came since; if that overflows, the oldest are dropped.
    pub fn retry(&mut self, failed: Vec<Outgoing>) {
        for m in failed.into_iter().rev() {
            self.queue.push_front(m);
        }
        while self.queue.len() > self.capacity {
            self.queue.pop_front();
            self.dropped += 1;
        }
    }

    /// Trades waiting.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// The bound.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Trades dropped so far because the buffer was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(i: u64) -> Outgoing {
        Outgoing {
            subject: "spreadwatch.ticks.BTCUSDT".into(),
            id: format!("BTCUSDT:{i}"),
            payload: bytes::Bytes::new(),
        }
    }

    fn ids(o: &mut Outbox) -> Vec<String> {
        o.take(usize::MAX).into_iter().map(|m| m.id).collect()
    }

    #[test]
    fn a_full_buffer_drops_the_oldest_and_counts_it() {
        let mut o = Outbox::new(3);
        for i in 1..=5 {
            o.push(m(i));
        }
        assert_eq!(o.dropped(), 2);
        assert_eq!(ids(&mut o), ["BTCUSDT:3", "BTCUSDT:4", "BTCUSDT:5"]);
    }

    #[test]
    fn failed_trades_go_back_in_front_in_order() {
        let mut o = Outbox::new(4);
        for i in 1..=3 {
            o.push(m(i));
        }
        let sent = o.take(2);
        o.push(m(4));
        o.retry(sent);
        assert_eq!(o.dropped(), 0);
        assert_eq!(
            ids(&mut o),
            ["BTCUSDT:1", "BTCUSDT:2", "BTCUSDT:3", "BTCUSDT:4"]
        );
    }

    #[test]
    fn a_retry_that_overflows_drops_the_oldest() {
        let mut o = Outbox::new(2);
        o.push(m(1));
        o.push(m(2));
        let sent = o.take(2);
        o.push(m(3));
        o.push(m(4));
        o.retry(sent);
        assert_eq!(o.dropped(), 2);
        assert_eq!(ids(&mut o), ["BTCUSDT:3", "BTCUSDT:4"]);
        assert!(o.is_empty());
    }
}
