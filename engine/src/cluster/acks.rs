//! Which of a shard's broker messages may be acknowledged. After each batch
//! handed to the actors the shard notes the save count then and the batch's
//! last message; once a save begun after it is on disk, that message is
//! acknowledged, and with the consumer's ack-all policy so is everything
//! delivered before it. Pure: `A` is the broker's acknowledger.

use std::collections::VecDeque;

/// Batches waiting for a save.
#[derive(Debug)]
pub struct AckBook<A> {
    waiting: VecDeque<(u64, A, u64)>,
}

impl<A> Default for AckBook<A> {
    fn default() -> Self {
        AckBook {
            waiting: VecDeque::new(),
        }
    }
}

impl<A> AckBook<A> {
    /// Notes a batch handed to the actors while `begun` saves had begun,
    /// ending with the message acknowledged by `acker` at stream sequence
    /// `seq`. Batches between two saves need only their last message.
    pub fn handed(&mut self, begun: u64, acker: A, seq: u64) {
        if self.waiting.back().is_some_and(|w| w.0 == begun) {
            self.waiting.pop_back();
        }
        self.waiting.push_back((begun, acker, seq));
    }

    /// Save `finished` is on disk: the newest message it holds, to
    /// acknowledge, with its stream sequence.
    pub fn durable(&mut self, finished: u64) -> Option<(A, u64)> {
        let mut last = None;
        while self.waiting.front().is_some_and(|w| w.0 < finished) {
            last = self.waiting.pop_front();
        }
        last.map(|(_, a, seq)| (a, seq))
    }

    /// Batches waiting.
    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_acknowledged_only_by_a_save_begun_after_it() {
        let mut b = AckBook::default();
        b.handed(0, "m10", 10);
        b.handed(0, "m20", 20);
        b.handed(1, "m30", 30);
        assert_eq!(b.len(), 2, "one entry per save count");
        // Save 1 began after m20 and before m30.
        assert_eq!(b.durable(1), Some(("m20", 20)));
        assert_eq!(b.durable(1), None);
        assert_eq!(b.durable(2), Some(("m30", 30)));
        assert!(b.is_empty());
    }

    #[test]
    fn a_save_that_began_before_a_batch_does_not_hold_it() {
        let mut b = AckBook::default();
        b.handed(3, "m1", 1);
        assert_eq!(b.durable(3), None);
        assert_eq!(b.durable(4), Some(("m1", 1)));
    }
}
