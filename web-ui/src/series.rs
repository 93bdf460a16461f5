//! Chart data kept by the store: bounded, time-ordered rows with counters
//! that let a chart push only what changed.
//!
//! The rows live behind a shared `Rc<RefCell<…>>` and are changed in place:
//! the reducer clones the state on every animation frame, and copying tens of
//! thousands of rows each time would cost more than drawing them. Consumers
//! compare `rev` and `epoch`, never the rows.

use std::cell::{Ref, RefCell};
use std::rc::Rc;

use spreadwatch_proto::{Bar, PairPoint};

/// A row a chart can draw: it has a time in seconds (lightweight-charts' unit).
pub trait Row: Clone + 'static {
    /// Seconds since the epoch.
    fn time(&self) -> i64;
}

/// One OHLCV candle, in floats for drawing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candle {
    /// Bar start, seconds.
    pub t: i64,
    /// Open.
    pub open: f64,
    /// High.
    pub high: f64,
    /// Low.
    pub low: f64,
    /// Close.
    pub close: f64,
    /// Base-asset volume.
    pub volume: f64,
}

impl From<&Bar> for Candle {
    fn from(b: &Bar) -> Self {
        Candle {
            t: b.start_ms.div_euclid(1000),
            open: b.open.to_f64(),
            high: b.high.to_f64(),
            low: b.low.to_f64(),
            close: b.close.to_f64(),
            volume: b.volume.to_f64(),
        }
    }
}

impl Row for Candle {
    fn time(&self) -> i64 {
        self.t
    }
}

impl Row for PairPoint {
    fn time(&self) -> i64 {
        self.ts.div_euclid(1000)
    }
}

/// Rows ordered by time with at most one per second (the last wins, as
/// lightweight-charts' `update` does), holding at most `cap`.
#[derive(Debug, Clone)]
pub struct Series<T> {
    rows: Rc<RefCell<Vec<T>>>,
    /// Bumped on every change.
    pub rev: u64,
    /// Bumped when a chart must redraw from scratch (a reset, or a change
    /// before the newest row).
    pub epoch: u64,
    cap: usize,
}

impl<T: Row> Series<T> {
    /// An empty series.
    pub fn new(cap: usize) -> Self {
        Series {
            rows: Rc::new(RefCell::new(Vec::new())),
            rev: 0,
            epoch: 0,
            cap,
        }
    }

    /// Replaces every row.
    pub fn reset(&mut self, rows: impl IntoIterator<Item = T>) {
        let mut v: Vec<T> = Vec::new();
        for r in rows {
            upsert(&mut v, r);
        }
        let extra = v.len().saturating_sub(self.cap);
        v.drain(..extra);
        // A fresh buffer: a state that still shows the old rows keeps them.
        self.rows = Rc::new(RefCell::new(v));
        self.rev += 1;
        self.epoch += 1;
    }

    /// Adds a row or replaces the one with the same second.
    pub fn upsert(&mut self, row: T) {
        let mut v = self.rows.borrow_mut();
        if !upsert(&mut v, row) {
            self.epoch += 1;
        }
        if v.len() > self.cap {
            let extra = v.len() - self.cap;
            v.drain(..extra);
        }
        self.rev += 1;
    }

    /// The newest row.
    pub fn last(&self) -> Option<T> {
        self.rows.borrow().last().cloned()
    }

    /// The rows, oldest first.
    pub fn rows(&self) -> Ref<'_, Vec<T>> {
        self.rows.borrow()
    }
}

/// Equal when both share one buffer at the same revision: the rows are
/// never walked (see the module's note on the shared buffer).
impl<T: Row> PartialEq for Series<T> {
    fn eq(&self, o: &Self) -> bool {
        self.rev == o.rev && self.epoch == o.epoch && Rc::ptr_eq(&self.rows, &o.rows)
    }
}

/// Puts `row` in place; false when it landed before the newest row.
fn upsert<T: Row>(v: &mut Vec<T>, row: T) -> bool {
    let t = row.time();
    match v.last() {
        None => v.push(row),
        Some(l) if l.time() < t => v.push(row),
        Some(l) if l.time() == t => *v.last_mut().expect("non-empty") = row,
        Some(_) => {
            match v.binary_search_by_key(&t, Row::time) {
                Ok(i) => v[i] = row,
                Err(i) => v.insert(i, row),
            }
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(t: i64, close: f64) -> Candle {
        Candle {
            t,
            open: close,
            high: close,
            low: close,
            close,
            volume: 1.0,
        }
    }

    #[test]
    fn same_second_replaces_and_order_is_kept() {
        let mut s = Series::new(10);
        s.upsert(c(1, 1.0));
        s.upsert(c(2, 2.0));
        s.upsert(c(2, 3.0));
        assert_eq!(s.rows().len(), 2);
        assert_eq!(s.last().unwrap().close, 3.0);
        assert_eq!(s.epoch, 0, "appends and last-row updates are incremental");
    }

    #[test]
    fn a_revision_before_the_newest_row_forces_a_redraw() {
        let mut s = Series::new(10);
        for t in 0..5 {
            s.upsert(c(t, t as f64));
        }
        s.upsert(c(2, 9.0));
        assert_eq!(s.epoch, 1);
        assert_eq!(s.rows()[2].close, 9.0);
        s.upsert(c(-1, 0.5));
        assert_eq!(s.rows()[0].t, -1);
        assert_eq!(s.epoch, 2);
    }

    #[test]
    fn the_cap_drops_the_oldest() {
        let mut s = Series::new(3);
        s.reset((0..10).map(|t| c(t, 0.0)));
        assert_eq!(s.rows().iter().map(|r| r.t).collect::<Vec<_>>(), [7, 8, 9]);
        s.upsert(c(10, 0.0));
        assert_eq!(s.rows().first().unwrap().t, 8);
    }
}
