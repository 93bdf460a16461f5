//! Rolling z-score and rolling correlation equal to pandas'
//! `(s - s.rolling(w).mean()) / s.rolling(w).std()` and
//! `x.rolling(w).corr(y)`, as whole series (for `analyze`) and as
//! streaming estimators.
//!
//! One implementation: every window is summed in two passes by
//! `window_stats`, the functions the live pair uses on its spread window,
//! so an upload and the live page give the same numbers for the same
//! values. Windows include the current point and need all `w` values
//! (pandas' default `min_periods`); the std uses ddof = 1. A constant window
//! has no z-score or correlation (pandas gives NaN), and every non-finite
//! result is `None`.

use std::collections::VecDeque;

use super::window_stats::{corr, zstats};

/// Streaming z-score of the last `w` committed values.
///
/// ```
/// use spreadwatch_engine::core::rolling::RollingStats;
/// let mut s = RollingStats::new(3);
/// s.push(1.0);
/// s.push(2.0);
/// assert_eq!(s.push(3.0), Some(1.0)); // mean 2, std 1
/// assert_eq!(s.len(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct RollingStats {
    w: usize,
    win: VecDeque<f64>,
}

impl RollingStats {
    /// Creates an empty window of `w` values; `w` < 2 never yields a z.
    pub fn new(w: usize) -> Self {
        RollingStats {
            w,
            win: VecDeque::with_capacity(w),
        }
    }

    /// Commits a value and returns its z-score in the updated window.
    /// Non-finite values are ignored (and give `None`).
    pub fn push(&mut self, v: f64) -> Option<f64> {
        if !v.is_finite() || self.w == 0 {
            return None;
        }
        if self.win.len() == self.w {
            self.win.pop_front();
        }
        self.win.push_back(v);
        self.stats().2
    }

    /// Mean, std and z of the newest value, once the window is full.
    fn stats(&self) -> (Option<f64>, Option<f64>, Option<f64>) {
        match (self.initialized(), self.win.back()) {
            (true, Some(&last)) if self.w >= 2 => zstats(self.win.iter().copied(), last),
            _ => (None, None, None),
        }
    }

    /// Mean of the committed window, once full.
    pub fn mean(&self) -> Option<f64> {
        self.stats().0
    }

    /// Sample std (ddof = 1) of the committed window, once full.
    pub fn std(&self) -> Option<f64> {
        self.stats().1
    }

    /// Committed values held.
    pub fn len(&self) -> usize {
        self.win.len()
    }

    /// True before any value is committed.
    pub fn is_empty(&self) -> bool {
        self.win.is_empty()
    }

    /// Forgets every value.
    pub fn reset(&mut self) {
        self.win.clear();
    }

    /// True once `w` values are committed.
    pub fn initialized(&self) -> bool {
        self.w > 0 && self.win.len() == self.w
    }
}

/// Streaming correlation of the last `w` committed (x, y) pairs.
#[derive(Debug, Clone)]
pub struct RollingCorr {
    w: usize,
    win: VecDeque<(f64, f64)>,
}

impl RollingCorr {
    /// Creates an empty window of `w` pairs; `w` < 2 never yields a value.
    pub fn new(w: usize) -> Self {
        RollingCorr {
            w,
            win: VecDeque::with_capacity(w),
        }
    }

    /// Commits a pair and returns the correlation of the updated window.
    /// Pairs with a non-finite member are ignored (and give `None`).
    pub fn push(&mut self, x: f64, y: f64) -> Option<f64> {
        if !(x.is_finite() && y.is_finite()) || self.w == 0 {
            return None;
        }
        if self.win.len() == self.w {
            self.win.pop_front();
        }
        self.win.push_back((x, y));
        self.corr()
    }

    /// The correlation of the committed window, once full.
    pub fn corr(&self) -> Option<f64> {
        (self.initialized() && self.w >= 2)
            .then(|| corr(self.win.iter().copied()))
            .flatten()
    }

    /// Committed pairs held.
    pub fn len(&self) -> usize {
        self.win.len()
    }

    /// True before any pair is committed.
    pub fn is_empty(&self) -> bool {
        self.win.is_empty()
    }

    /// Forgets every pair.
    pub fn reset(&mut self) {
        self.win.clear();
    }

    /// True once `w` pairs are committed.
    pub fn initialized(&self) -> bool {
        self.w > 0 && self.win.len() == self.w
    }
}

/// pandas' rolling z-score of `s` over `w` points: `None` for the first
/// `w - 1` points, for any window holding a non-finite value (pandas'
/// `min_periods = w` then yields NaN) and for constant windows.
pub fn rolling_zscore(s: &[f64], w: usize) -> Vec<Option<f64>> {
    let mut st = RollingStats::new(w);
    s.iter()
        .map(|&v| {
            if !v.is_finite() {
                st.reset();
            }
            st.push(v)
        })
        .collect()
}

/// pandas' `x.rolling(w).corr(y)`; the output has `x.len()` entries and
/// points missing from `y` count as NaN.
pub fn rolling_corr(x: &[f64], y: &[f64], w: usize) -> Vec<Option<f64>> {
    let mut rc = RollingCorr::new(w);
    x.iter()
        .enumerate()
        .map(|(i, &a)| {
            let b = y.get(i).copied().unwrap_or(f64::NAN);
            if !(a.is_finite() && b.is_finite()) {
                rc.reset();
            }
            rc.push(a, b)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::reference::reference;
    use proptest::prelude::*;

    fn close(a: Option<f64>, b: f64, tol: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() <= tol * b.abs().max(1.0))
    }

    #[test]
    fn matches_pandas() {
        let want = &reference().rolling;
        let (x, y) = want.pair.build();
        let z = rolling_zscore(&x, want.z_window);
        assert_eq!(z.len(), want.z.len());
        assert!(z[..want.z_window - 1].iter().all(Option::is_none));
        for (t, (got, w)) in z.iter().zip(&want.z).enumerate() {
            // pandas' running sums drift by up to ~1e-12.
            assert!(
                w.map_or(got.is_none(), |w| close(*got, w, 1e-11)),
                "z[{t}] = {got:?} vs {w:?}"
            );
        }
        // Here the value is exact, where pandas is 1.3e-12 off.
        assert!(close(z[x.len() - 1], want.z_exact_last, 1e-15));
        let c = rolling_corr(&x, &y, want.corr_window);
        assert_eq!(c.len(), want.corr.len());
        for (t, (got, w)) in c.iter().zip(&want.corr).enumerate() {
            assert!(
                w.map_or(got.is_none(), |w| close(*got, w, 1e-12)),
                "corr[{t}] = {got:?} vs {w:?}"
            );
        }
    }

    #[test]
    fn gaps_constant_windows_and_short_windows() {
        let s = [1.0, 2.0, f64::NAN, 3.0, 4.0, 5.0, 5.0, 5.0, 6.0];
        let z = rolling_zscore(&s, 3);
        assert_eq!(z[..5], [None; 5], "windows holding the NaN");
        assert!(close(z[5], 1.0, 1e-15));
        assert_eq!(z[7], None, "constant window");
        assert!(z[8].is_some());
        let short = [rolling_zscore(&s, 1), rolling_zscore(&s, 0)].concat();
        assert!(short.iter().all(Option::is_none));
        let c = rolling_corr(&[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 4.0], 2);
        assert_eq!(c.len(), 4);
        assert!(close(c[1], 1.0, 1e-15));
        assert_eq!(c[2], None, "constant y");
        assert_eq!(c[3], None, "y missing");
    }

    #[test]
    fn streaming_lifecycle() {
        let (mut st, mut rc) = (RollingStats::new(4), RollingCorr::new(4));
        assert!(st.mean().is_none() && st.std().is_none());
        for v in [1.0, 3.0, 2.0, 7.0] {
            st.push(v);
            rc.push(v, v * v);
        }
        assert!(st.initialized() && rc.initialized() && rc.corr().is_some());
        assert_eq!((st.mean(), st.len()), (Some(3.25), 4));
        assert_eq!((st.push(f64::NAN), rc.push(f64::NAN, 1.0)), (None, None));
        assert_eq!(
            (st.len(), rc.len()),
            (4, 4),
            "a non-finite value is not committed"
        );
        st.reset();
        rc.reset();
        assert!(st.is_empty() && rc.is_empty() && rc.corr().is_none());
    }

    /// Plain two-pass statistics, shifted by the first point so that the
    /// price level does not cost digits.
    fn naive(win: &[(f64, f64)]) -> (f64, f64) {
        let (kx, ky) = win[0];
        let win: Vec<(f64, f64)> = win.iter().map(|p| (p.0 - kx, p.1 - ky)).collect();
        let n = win.len() as f64;
        let (sx, sy) = win.iter().fold((0.0, 0.0), |(a, b), p| (a + p.0, b + p.1));
        let (mx, my) = (sx / n, sy / n);
        let sxx: f64 = win.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
        let syy: f64 = win.iter().map(|p| (p.1 - my) * (p.1 - my)).sum();
        let sxy: f64 = win.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let z = (win[win.len() - 1].0 - mx) / (sxx / (n - 1.0)).sqrt();
        (z, sxy / (sxx * syy).sqrt())
    }

    proptest! {
        #[test]
        fn streaming_equals_two_pass(
            w in 2usize..30,
            steps in prop::collection::vec((-1.0f64..1.0, -1.0f64..1.0, 0u8..10), 1..150),
        ) {
            let (mut x, mut y) = (40_000.0, 100.0);
            let pts: Vec<(f64, f64)> = steps.iter().map(|&(dx, dy, k)| {
                match k { 0 => {}, 1 => x += 500.0 * dx, _ => { x += dx; y += 0.3 * dx + dy; } }
                (x, y)
            }).collect();
            let (mut st, mut rc) = (RollingStats::new(w), RollingCorr::new(w));
            for (i, &(a, b)) in pts.iter().enumerate() {
                let (z, c) = (st.push(a), rc.push(a, b));
                if i + 1 >= w {
                    let win = &pts[i + 1 - w..=i];
                    let (nz, nc) = naive(win);
                    let flat_x = win.iter().all(|p| p.0 == a);
                    let flat_y = win.iter().all(|p| p.1 == b);
                    prop_assert_eq!(z.is_some(), !flat_x);
                    prop_assert_eq!(c.is_some(), !flat_x && !flat_y);
                    if let Some(z) = z { prop_assert!((z - nz).abs() <= 1e-9 * nz.abs().max(1.0), "{} vs {}", z, nz); }
                    if let Some(c) = c { prop_assert!((c - nc).abs() <= 1e-9, "{} vs {}", c, nc); }
                }
            }
        }
    }
}
