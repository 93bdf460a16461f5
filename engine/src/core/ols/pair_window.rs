//! A fixed-capacity window of (x, y) pairs with incrementally maintained
//! co-moments (`super::moments::CoMoments`), re-anchored by an exact pass
//! every `cap` pushes and whenever the round-off bound grows too large.
//! Used by `RollingOls`.

use super::moments::CoMoments;
use std::collections::VecDeque;

/// A view of a window's moments plus whether x or y is constant in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowMoments {
    /// The moments of the window.
    pub m: CoMoments,
    /// Every x in the window is the same value.
    pub const_x: bool,
    /// Every y in the window is the same value.
    pub const_y: bool,
}

/// A fixed-capacity window of (x, y) pairs with incrementally maintained,
/// periodically re-anchored co-moments.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PairWindow {
    cap: usize,
    buf: VecDeque<(f64, f64)>,
    m: CoMoments,
    since_exact: usize,
    // Trailing runs of identical values: constant windows must be detected
    // exactly, since their moments are rounding noise rather than zero.
    run_x: usize,
    run_y: usize,
}

impl PairWindow {
    /// Creates an empty window holding at most `cap` pairs (at least one).
    pub fn new(cap: usize) -> Self {
        let cap = cap.max(1);
        PairWindow {
            cap,
            buf: VecDeque::with_capacity(cap),
            m: CoMoments::default(),
            since_exact: 0,
            run_x: 0,
            run_y: 0,
        }
    }

    /// The capacity.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Pairs currently held.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when no pair is held.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The held pairs, oldest first.
    pub fn points(&self) -> impl Iterator<Item = (f64, f64)> + Clone + '_ {
        self.buf.iter().copied()
    }

    /// Forgets every pair.
    pub fn clear(&mut self) {
        *self = PairWindow::new(self.cap);
    }

    fn runs_after(&self, x: f64, y: f64, len: usize) -> (usize, usize) {
        let (rx, ry) = match self.buf.back() {
            Some(&(lx, ly)) => (
                if lx == x { self.run_x + 1 } else { 1 },
                if ly == y { self.run_y + 1 } else { 1 },
            ),
            None => (1, 1),
        };
        (rx.min(len), ry.min(len))
    }

    /// Commits a pair, evicting the oldest one beyond the capacity, and
    /// returns the window's moments exactly as `with_point` predicted them.
    pub fn push(&mut self, x: f64, y: f64) -> WindowMoments {
        let view = self.with_point(x, y);
        let len = (self.buf.len() + 1).min(self.cap);
        let (rx, ry) = self.runs_after(x, y, len);
        if self.buf.len() == self.cap {
            self.buf.pop_front();
        }
        self.buf.push_back((x, y));
        self.m = view.m;
        self.run_x = rx;
        self.run_y = ry;
        self.since_exact += 1;
        // Re-anchor after reporting, so a committed value always equals the
        // value `peek` showed for it.
        if self.since_exact >= self.cap {
            self.m = CoMoments::from_points(self.points());
            self.since_exact = 0;
        }
        view
    }

    /// The moments of the committed window.
    pub fn current(&self) -> WindowMoments {
        let len = self.buf.len();
        WindowMoments {
            m: self.m,
            const_x: self.run_x >= len,
            const_y: self.run_y >= len,
        }
    }

    /// The moments the window would have after `push(x, y)`, without
    /// committing; falls back to an exact pass when Welford is unreliable.
    pub fn with_point(&self, x: f64, y: f64) -> WindowMoments {
        let full = self.buf.len() == self.cap;
        let len = (self.buf.len() + 1).min(self.cap);
        let (rx, ry) = self.runs_after(x, y, len);
        let mut m = self.m;
        if full {
            if let Some(&(ox, oy)) = self.buf.front() {
                m.remove(ox, oy);
            }
        }
        m.add(x, y);
        if !m.trustworthy() {
            let skip = usize::from(full);
            m = CoMoments::from_points(self.points().skip(skip).chain(std::iter::once((x, y))));
        }
        WindowMoments {
            m,
            const_x: rx >= len,
            const_y: ry >= len,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, scale: f64) -> bool {
        (a - b).abs() <= 1e-12 * scale.max(a.abs()).max(b.abs())
    }

    #[test]
    fn sliding_matches_two_pass() {
        let pts: Vec<(f64, f64)> = (0..500)
            .map(|i| {
                let t = i as f64;
                (100.0 + (t * 0.37).sin(), 50.0 + (t * 0.11).cos() * 3.0)
            })
            .collect();
        let mut w = PairWindow::new(40);
        for &(x, y) in &pts {
            w.push(x, y);
        }
        let exact = CoMoments::from_points(pts[460..].iter().copied());
        let got = w.current().m;
        assert_eq!(got.n(), 40);
        assert!(close(got.sxx(), exact.sxx(), 1.0));
        assert!(close(got.sxy(), exact.sxy(), 1.0));
        assert!(close(got.mean_x(), exact.mean_x(), 1.0));
    }

    #[test]
    fn outlier_leaving_the_window_triggers_exact_recompute() {
        let mut w = PairWindow::new(3);
        for &(x, y) in &[
            (1.0, 2.0),
            (1e12, -1e12),
            (2.0, 1.0),
            (3.0, 5.0),
            (4.0, 4.0),
        ] {
            w.push(x, y);
        }
        let exact = CoMoments::from_points([(2.0, 1.0), (3.0, 5.0), (4.0, 4.0)].into_iter());
        assert_eq!(w.current().m.sxx(), exact.sxx());
        assert_eq!(w.current().m.sxy(), exact.sxy());
    }

    #[test]
    fn constant_runs_are_detected_exactly() {
        let mut w = PairWindow::new(3);
        w.push(0.1, 1.0);
        w.push(0.1, 2.0);
        assert!(w.current().const_x && !w.current().const_y);
        assert!(!w.with_point(0.2, 2.0).const_x);
        w.push(0.3, 2.0);
        assert!(!w.current().const_x);
        assert!(w.with_point(0.3, 2.0).const_y);
        w.push(0.3, 2.0);
        w.push(0.3, 2.0);
        assert!(w.current().const_x && w.current().const_y);
    }

    #[test]
    fn empty_window_is_harmless() {
        let w = PairWindow::new(0);
        assert_eq!(w.cap(), 1);
        let v = w.with_point(1.0, 2.0);
        assert_eq!(v.m.n(), 1);
        assert!(v.const_x && v.const_y);
        assert!(w.is_empty() && w.current().m.n() == 0);
    }
}
