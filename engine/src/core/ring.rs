//! A bounded buffer of recent ticks, kept in trade-id order.

use std::collections::VecDeque;
use std::sync::Arc;

use super::tick_budget::{TickBudget, RING_FLOOR};
use super::Tick;

/// What [`TickRing::insert`] did with a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingInsert {
    /// Appended at the newest end (the common case).
    Appended,
    /// A late tick placed in id order among older ones.
    Inserted,
    /// A tick with this id is already held; nothing changed.
    Duplicate,
}

/// Recent ticks of one symbol, at most `capacity`, newest kept; with a
/// shared [`TickBudget`], also giving back its oldest while all rings
/// together hold more than the budget (keeping a floor of its own).
///
/// Ticks stay sorted by id, so a late or backfilled trade lands in its place
/// and a repeated id (a reconnect overlap) is recognised as a duplicate.
///
/// ```
/// use spreadwatch_engine::core::{Tick, TickRing};
/// use spreadwatch_proto::Fixed;
/// let t = |id| Tick { time_ms: 0, id, first_id: id, price: Fixed::ZERO, qty: Fixed::ZERO, count: 1, buyer_maker: false };
/// let mut ring = TickRing::new(2);
/// ring.insert(t(1));
/// ring.insert(t(3));
/// ring.insert(t(2));
/// assert_eq!(ring.iter().map(|t| t.id).collect::<Vec<_>>(), vec![2, 3]);
/// ```
#[derive(Debug)]
pub struct TickRing {
    buf: VecDeque<Tick>,
    capacity: usize,
    budget: Option<Arc<TickBudget>>,
}

impl TickRing {
    /// Creates an empty ring; memory grows on demand up to `capacity` ticks.
    pub fn new(capacity: usize) -> Self {
        TickRing {
            buf: VecDeque::new(),
            capacity: capacity.max(1),
            budget: None,
        }
    }

    /// An empty ring of at most `capacity` ticks that counts what it holds
    /// against `budget`.
    pub fn with_budget(capacity: usize, budget: Arc<TickBudget>) -> Self {
        TickRing {
            buf: VecDeque::new(),
            capacity: capacity.max(1),
            budget: Some(budget),
        }
    }

    /// Adds a tick in id order, evicting the oldest when full.
    pub fn insert(&mut self, tick: Tick) -> RingInsert {
        let outcome = match self.buf.back() {
            None => {
                self.buf.push_back(tick);
                RingInsert::Appended
            }
            Some(last) if tick.id > last.id => {
                self.buf.push_back(tick);
                RingInsert::Appended
            }
            Some(_) => match self.buf.binary_search_by_key(&tick.id, |t| t.id) {
                Ok(_) => return RingInsert::Duplicate,
                Err(pos) => {
                    // Older than everything held in a full ring: it would be
                    // evicted at once, so keeping the ring unchanged is the same.
                    if pos == 0 && self.buf.len() >= self.capacity {
                        return RingInsert::Inserted;
                    }
                    self.buf.insert(pos, tick);
                    RingInsert::Inserted
                }
            },
        };
        if let Some(b) = &self.budget {
            b.took(1);
        }
        self.evict();
        outcome
    }

    /// Drops the oldest ticks past the capacity, and while the budget is
    /// exceeded, past the floor.
    fn evict(&mut self) {
        let floor = RING_FLOOR.min(self.capacity);
        let mut dropped = 0;
        loop {
            let over_budget = self.budget.as_ref().is_some_and(|b| b.over());
            let len = self.buf.len();
            if !(len > self.capacity || (over_budget && len > floor)) {
                break;
            }
            self.buf.pop_front();
            dropped += 1;
            if let Some(b) = &self.budget {
                b.gave_back(1);
            }
        }
        if dropped > 0 && self.buf.capacity() > 4 * self.buf.len().max(1024) {
            // A ring that gave most of its room back returns the memory.
            self.buf.shrink_to(2 * self.buf.len());
        }
    }

    /// Returns true if a tick with this id is held.
    pub fn contains(&self, id: u64) -> bool {
        self.buf.binary_search_by_key(&id, |t| t.id).is_ok()
    }

    /// Number of ticks held.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Maximum number of ticks held.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Oldest to newest.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Tick> + ExactSizeIterator {
        self.buf.iter()
    }

    /// The newest tick.
    pub fn last(&self) -> Option<&Tick> {
        self.buf.back()
    }

    /// Removes every tick.
    pub fn reset(&mut self) {
        if let Some(b) = &self.budget {
            b.gave_back(self.buf.len());
        }
        self.buf.clear();
    }
}

impl Clone for TickRing {
    /// A copy holds its ticks too: they count against the budget.
    fn clone(&self) -> Self {
        if let Some(b) = &self.budget {
            b.took(self.buf.len());
        }
        TickRing {
            buf: self.buf.clone(),
            capacity: self.capacity,
            budget: self.budget.clone(),
        }
    }
}

impl Drop for TickRing {
    fn drop(&mut self) {
        if let Some(b) = &self.budget {
            b.gave_back(self.buf.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use spreadwatch_proto::Fixed;

    fn tick(id: u64) -> Tick {
        Tick {
            time_ms: id as i64,
            id,
            first_id: id,
            price: Fixed::from_units(1),
            qty: Fixed::from_units(1),
            count: 1,
            buyer_maker: false,
        }
    }

    #[test]
    fn a_shared_budget_gives_room_to_the_symbols_that_trade() {
        let budget = Arc::new(TickBudget::new(3_000));
        let mut quiet = TickRing::with_budget(1_000_000, budget.clone());
        let mut busy = TickRing::with_budget(1_000_000, budget.clone());
        for id in 1..=1_500 {
            quiet.insert(tick(id));
        }
        for id in 1..=10_000 {
            busy.insert(tick(id));
        }
        // The busy ring took what the quiet one left and gave back its own
        // oldest past that; the quiet one kept everything.
        assert_eq!((quiet.len(), busy.len()), (1_500, 1_500));
        assert_eq!(busy.iter().next().unwrap().id, 8_501);
        assert_eq!(budget.held(), 3_000);
        // Once over, a quiet ring that trades gives back down to its floor.
        for id in 1_501..=1_600 {
            quiet.insert(tick(id));
        }
        assert_eq!(quiet.len(), 1_500, "it gave back as much as it took");
        drop(busy);
        assert_eq!(budget.held(), 1_500, "a dropped ring returns its ticks");
        quiet.reset();
        assert_eq!(budget.held(), 0);
    }

    #[test]
    fn duplicates_are_recognised() {
        let mut r = TickRing::new(10);
        assert_eq!(r.insert(tick(5)), RingInsert::Appended);
        assert_eq!(r.insert(tick(3)), RingInsert::Inserted);
        assert_eq!(r.insert(tick(5)), RingInsert::Duplicate);
        assert_eq!(r.insert(tick(3)), RingInsert::Duplicate);
        assert_eq!(r.len(), 2);
    }

    proptest! {
        #[test]
        fn never_exceeds_capacity_and_keeps_the_newest(
            cap in 1usize..50,
            ids in proptest::collection::vec(0u64..200, 0..300),
        ) {
            let mut r = TickRing::new(cap);
            for &id in &ids {
                r.insert(tick(id));
                prop_assert!(r.len() <= cap);
            }
            let mut want: Vec<u64> = ids.clone();
            want.sort_unstable();
            want.dedup();
            let start = want.len().saturating_sub(cap);
            let got: Vec<u64> = r.iter().map(|t| t.id).collect();
            // With out-of-order input an old id can be evicted and later
            // re-inserted only if it is newer than the oldest kept; so the
            // ring always holds the largest ids seen, sorted.
            prop_assert_eq!(got, want[start..].to_vec());
        }
    }
}
