//! Inner join of two legs' closed bars on bar start, as bars close.
//!
//! A bucket is ready once both legs have closed past it (their watermarks
//! moved beyond its end). Buckets with a bar on both legs become points; a
//! bucket that only one leg traded in is skipped, like an inner join. A
//! revision to a bucket already decided cannot be applied incrementally, so
//! it is reported and the owner rebuilds from the legs' bars.

use std::collections::BTreeMap;

/// Which leg of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leg {
    /// The dependent leg.
    Y,
    /// The regressor leg.
    X,
}

/// What a bar event did to the join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlignEvent {
    /// Nothing to do yet.
    Pending,
    /// A bucket that was already joined changed: rebuild from the bars.
    Stale,
}

/// Buckets waiting for their other leg at most (more than a day of 1 s
/// bars).
pub const MAX_PENDING: usize = 100_000;

/// Joins closed bars of two legs on their start time.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct BarAligner {
    pending: BTreeMap<i64, (Option<f64>, Option<f64>)>,
    cut_y: i64,
    cut_x: i64,
    decided_before: i64,
}

impl BarAligner {
    /// Creates an empty join.
    pub fn new() -> Self {
        BarAligner {
            pending: BTreeMap::new(),
            cut_y: i64::MIN,
            cut_x: i64::MIN,
            decided_before: i64::MIN,
        }
    }

    /// Records a closed bar (or, with `revision`, a revised one) of `leg`.
    /// A closed bar before the decided point was already joined (it reached
    /// the owner through a rebuild) and is ignored; a revision there is stale.
    pub fn bar(&mut self, leg: Leg, start: i64, close: f64, revision: bool) -> AlignEvent {
        if start < self.decided_before {
            return if revision {
                AlignEvent::Stale
            } else {
                AlignEvent::Pending
            };
        }
        let e = self.pending.entry(start).or_insert((None, None));
        match leg {
            Leg::Y => e.0 = Some(close),
            Leg::X => e.1 = Some(close),
        }
        // A leg that never trades holds the join back for good: its partner's
        // oldest bars could only join with bars it will never have.
        while self.pending.len() > MAX_PENDING {
            self.pending.pop_first();
        }
        AlignEvent::Pending
    }

    /// Moves `leg`'s cut (bars starting before it are closed) and returns the
    /// newly joined points `(start, x, y)` in time order.
    pub fn advance(&mut self, leg: Leg, cut: i64, out: &mut Vec<(i64, f64, f64)>) {
        match leg {
            Leg::Y => self.cut_y = self.cut_y.max(cut),
            Leg::X => self.cut_x = self.cut_x.max(cut),
        }
        let ready = self.cut_y.min(self.cut_x);
        if ready <= self.decided_before {
            return;
        }
        let later = self.pending.split_off(&ready);
        for (start, v) in std::mem::replace(&mut self.pending, later) {
            if let (Some(y), Some(x)) = v {
                out.push((start, x, y));
            }
        }
        self.decided_before = ready;
    }

    /// Buckets before this are decided.
    pub fn decided_before(&self) -> i64 {
        self.decided_before
    }

    /// Restarts from a known state: everything before `decided_before` is
    /// already joined; `pending` holds later closed bars.
    pub fn restore(
        &mut self,
        decided_before: i64,
        cut_y: i64,
        cut_x: i64,
        pending: BTreeMap<i64, (Option<f64>, Option<f64>)>,
    ) {
        self.decided_before = decided_before;
        self.cut_y = cut_y;
        self.cut_x = cut_x;
        self.pending = pending;
    }

    /// Forgets everything.
    pub fn reset(&mut self) {
        *self = BarAligner::new();
    }
}

/// Joins two legs' full bar histories at once: `(start, x, y)` for every
/// start both have, sorted; bars at or after `before` are left out.
pub fn join_bars(y: &[(i64, f64)], x: &[(i64, f64)], before: i64) -> Vec<(i64, f64, f64)> {
    let xs: BTreeMap<i64, f64> = x.iter().copied().collect();
    y.iter()
        .filter(|(t, _)| *t < before)
        .filter_map(|(t, yv)| xs.get(t).map(|xv| (*t, *xv, *yv)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leg_that_never_trades_holds_a_bounded_backlog() {
        let mut a = BarAligner::new();
        let mut out = Vec::new();
        for i in 0..(MAX_PENDING as i64 + 10) {
            a.bar(Leg::Y, i * 1000, 1.0, false);
            a.advance(Leg::Y, (i + 1) * 1000, &mut out);
        }
        assert_eq!(a.pending.len(), MAX_PENDING);
        assert_eq!(
            a.pending.keys().next(),
            Some(&10_000),
            "the oldest went first"
        );
        // The silent leg comes back: the newest buckets still join.
        let last = (MAX_PENDING as i64 + 9) * 1000;
        a.bar(Leg::X, last, 2.0, false);
        a.advance(Leg::X, last + 1000, &mut out);
        assert_eq!(out, vec![(last, 2.0, 1.0)]);
    }

    #[test]
    fn joins_when_both_legs_have_closed() {
        let mut a = BarAligner::new();
        let mut out = vec![];
        a.bar(Leg::X, 1_000, 10.0, false);
        a.bar(Leg::X, 2_000, 11.0, false);
        a.advance(Leg::X, 3_000, &mut out);
        assert!(out.is_empty(), "y has not closed yet");
        a.bar(Leg::Y, 1_000, 5.0, false);
        a.bar(Leg::Y, 3_000, 6.0, false); // x has no bar at 3000 (yet)
        a.advance(Leg::Y, 4_000, &mut out);
        assert_eq!(out, vec![(1_000, 10.0, 5.0)], "2000 has no y bar: skipped");
        out.clear();
        a.advance(Leg::X, 5_000, &mut out);
        assert!(out.is_empty(), "3000 has no x bar: skipped");
        assert_eq!(
            a.bar(Leg::X, 3_000, 1.0, true),
            AlignEvent::Stale,
            "a decided bucket changed"
        );
        assert_eq!(
            a.bar(Leg::X, 1_000, 1.0, false),
            AlignEvent::Pending,
            "already joined"
        );
    }

    #[test]
    fn batch_join_matches_inner_join() {
        let y = [(1, 1.0), (2, 2.0), (4, 4.0)];
        let x = [(2, 20.0), (3, 30.0), (4, 40.0)];
        assert_eq!(
            join_bars(&y, &x, i64::MAX),
            vec![(2, 20.0, 2.0), (4, 40.0, 4.0)]
        );
        assert_eq!(join_bars(&y, &x, 4), vec![(2, 20.0, 2.0)]);
    }
}
