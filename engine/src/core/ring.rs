//! A bounded buffer of recent ticks, kept in trade-id order.

use std::collections::VecDeque;
use std::sync::Arc;

use super::tick_budget::TickBudget;
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
    /// Ticks with a higher id are not saved yet: the budget never takes
    /// them (`None`: nothing is saved, so nothing is held back).
    saved_through: Option<u64>,
}

impl TickRing {
    /// Creates an empty ring; memory grows on demand up to `capacity` ticks.
    pub fn new(capacity: usize) -> Self {
        TickRing {
            buf: VecDeque::new(),
            capacity: capacity.max(1),
            budget: None,
            saved_through: None,
        }
    }

    /// An empty ring of at most `capacity` ticks that counts what it holds
    /// against `budget`.
    pub fn with_budget(capacity: usize, budget: Arc<TickBudget>) -> Self {
        budget.joined();
        TickRing {
            buf: VecDeque::new(),
            capacity: capacity.max(1),
            budget: Some(budget),
            saved_through: None,
        }
    }

    /// Records that the ticks up to `id` are saved: from now on the budget
    /// may take only those.
    pub fn saved_through(&mut self, id: u64) {
        self.saved_through = Some(self.saved_through.map_or(id, |s| s.max(id)));
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
    /// exceeded, past this ring's fair share (saved ticks only).
    fn evict(&mut self) {
        let mut dropped = 0;
        loop {
            let len = self.buf.len();
            if !(len > self.capacity || self.budget_takes_oldest()) {
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

impl TickRing {
    /// True when the budget is exceeded, this ring holds more than its
    /// share, and its oldest tick is saved (or nothing is saved at all).
    fn budget_takes_oldest(&self) -> bool {
        let Some(b) = &self.budget else {
            return false;
        };
        let share = b.fair_share().min(self.capacity);
        let saved = match (self.saved_through, self.buf.front()) {
            (Some(s), Some(t)) => t.id <= s,
            (None, _) => true,
            (_, None) => false,
        };
        b.over() && self.buf.len() > share && saved
    }
}

impl Clone for TickRing {
    /// A copy holds its ticks too: they count against the budget.
    fn clone(&self) -> Self {
        if let Some(b) = &self.budget {
            b.joined();
            b.took(self.buf.len());
        }
        TickRing {
            buf: self.buf.clone(),
            capacity: self.capacity,
            budget: self.budget.clone(),
            saved_through: self.saved_through,
        }
    }
}

impl Drop for TickRing {
    fn drop(&mut self) {
        if let Some(b) = &self.budget {
            b.left();
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

    fn fill(r: &mut TickRing, ids: std::ops::RangeInclusive<u64>) {
        for id in ids {
            r.insert(tick(id));
        }
    }

    #[test]
    fn a_shared_budget_gives_room_to_the_symbols_that_trade() {
        // Three rings share 9,000 ticks: a fair share is 3,000 each.
        let budget = Arc::new(TickBudget::new(9_000));
        let mut idle = TickRing::with_budget(1_000_000, budget.clone());
        let mut busy = TickRing::with_budget(1_000_000, budget.clone());
        let mut late = TickRing::with_budget(1_000_000, budget.clone());
        fill(&mut idle, 1..=6_000);
        fill(&mut busy, 1..=10_000);
        // Over budget, the busy ring keeps its share and gives back its oldest.
        assert_eq!(busy.len(), 3_000);
        assert_eq!(busy.iter().next().unwrap().id, 7_001);
        // One under its share goes on growing to it, past the budget.
        fill(&mut late, 1..=2_000);
        assert_eq!((late.len(), budget.held()), (2_000, 11_000));
        // The idle ring, once it trades, gives back what is over.
        fill(&mut idle, 6_001..=6_100);
        assert_eq!((idle.len(), budget.held()), (4_000, 9_000));
        drop(busy);
        assert_eq!(budget.held(), 6_000, "a dropped ring returns its ticks");
        idle.reset();
        late.reset();
        assert_eq!(budget.held(), 0);
    }

    #[test]
    fn ticks_not_saved_yet_are_never_given_back() {
        let budget = Arc::new(TickBudget::new(1_000));
        let mut r = TickRing::with_budget(1_000_000, budget.clone());
        fill(&mut r, 1..=500);
        r.saved_through(500);
        fill(&mut r, 501..=3_000);
        // Over budget and over its share, but only the saved 500 could go.
        assert_eq!(r.len(), 2_500);
        assert_eq!(r.iter().next().unwrap().id, 501);
        r.saved_through(3_000);
        fill(&mut r, 3_001..=3_001);
        assert_eq!(r.len(), 1_000, "once saved, the excess goes");
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
