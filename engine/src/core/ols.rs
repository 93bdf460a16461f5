//! Ordinary least squares of y on x with a constant, in batch and over a
//! sliding window, equal to `sm.OLS(y, sm.add_constant(x)).fit()`.
//!
//! The batch fit uses a centred two-pass formula; the window keeps centred
//! co-moments (see `moments`) so `peek` costs a few flops per tick.

use crate::error::{Error, Result};
use moments::CoMoments;
use pair_window::{PairWindow, WindowMoments};

pub(crate) mod moments;
pub(crate) mod pair_window;

/// Slope, intercept and coefficient of determination of a fit of y on x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearFit {
    /// Slope (the hedge ratio).
    pub beta: f64,
    /// Intercept.
    pub alpha: f64,
    /// R², in [0, 1]; 0 when y is constant (nothing to explain).
    pub r2: f64,
}

impl LinearFit {
    /// Turns moments into a fit; `None` when x is constant or fewer than two
    /// points are present, where the slope is undefined.
    pub(crate) fn from_window(w: &WindowMoments) -> Option<LinearFit> {
        let m = &w.m;
        let (sxx, sxy, syy) = (m.sxx(), m.sxy(), m.syy());
        if m.n() < 2 || w.const_x || sxx.is_nan() || sxx <= 0.0 {
            return None;
        }
        // A constant y has slope exactly 0, whatever rounding left in sxy.
        let beta = if w.const_y { 0.0 } else { sxy / sxx };
        let alpha = m.mean_y() - beta * m.mean_x();
        let r2 = if w.const_y || syy.is_nan() || syy <= 0.0 {
            0.0
        } else {
            // sxy²/(sxx·syy) can exceed 1 by an ulp; R² is a fraction.
            ((sxy / sxx) * (sxy / syy)).clamp(0.0, 1.0)
        };
        let fit = LinearFit { beta, alpha, r2 };
        (beta.is_finite() && alpha.is_finite() && r2.is_finite()).then_some(fit)
    }
}

/// Fits y = alpha + beta·x by least squares, explaining why it cannot.
///
/// # Errors
/// `Error::Analysis` when the lengths differ, fewer than two points are
/// given, any value is not finite, x is constant, or the moments over- or
/// underflow.
pub fn try_fit_ols(x: &[f64], y: &[f64]) -> Result<LinearFit> {
    if x.len() != y.len() {
        return Err(Error::Analysis("x and y differ in length".into()));
    }
    if x.len() < 2 {
        return Err(Error::Analysis("ols needs at least two points".into()));
    }
    if x.iter().chain(y).any(|v| !v.is_finite()) {
        return Err(Error::Analysis("ols input is not finite".into()));
    }
    let w = WindowMoments {
        m: CoMoments::from_points(x.iter().copied().zip(y.iter().copied())),
        const_x: x.iter().all(|&v| v == x[0]),
        const_y: y.iter().all(|&v| v == y[0]),
    };
    if w.const_x {
        return Err(Error::Analysis("x is constant".into()));
    }
    LinearFit::from_window(&w).ok_or_else(|| Error::Analysis("ols fit is degenerate".into()))
}

/// Fits y = alpha + beta·x by least squares; `None` where `try_fit_ols`
/// would fail.
pub fn fit_ols(x: &[f64], y: &[f64]) -> Option<LinearFit> {
    try_fit_ols(x, y).ok()
}

/// Least squares over the last `window` committed points, with a cheap
/// provisional fit for the point still forming.
///
/// ```
/// use spreadwatch_engine::core::ols::RollingOls;
/// let mut r = RollingOls::new(3);
/// r.update(1.0, 3.0);
/// r.update(2.0, 5.0);
/// let fit = r.peek(3.0, 7.0).unwrap();
/// assert!((fit.beta - 2.0).abs() < 1e-12 && !r.initialized());
/// ```
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RollingOls {
    win: PairWindow,
}

impl RollingOls {
    /// Creates an empty window of `window` points (at least one; a window
    /// of one never fits).
    pub fn new(window: usize) -> Self {
        RollingOls {
            win: PairWindow::new(window),
        }
    }

    /// Commits one point, evicting the oldest beyond the window, and
    /// returns the new fit, bit-for-bit what `peek(x, y)` returned.
    /// Non-finite points are ignored, so one bad tick cannot poison
    /// `window` future fits.
    pub fn update(&mut self, x: f64, y: f64) -> Option<LinearFit> {
        if x.is_finite() && y.is_finite() {
            LinearFit::from_window(&self.win.push(x, y))
        } else {
            self.fit()
        }
    }

    /// The fit as if (x, y) were the newest committed point, without
    /// committing it; a non-finite point gives the committed fit.
    pub fn peek(&self, x: f64, y: f64) -> Option<LinearFit> {
        if x.is_finite() && y.is_finite() {
            LinearFit::from_window(&self.win.with_point(x, y))
        } else {
            self.fit()
        }
    }

    /// The fit over the committed points.
    pub fn fit(&self) -> Option<LinearFit> {
        LinearFit::from_window(&self.win.current())
    }

    /// Committed points held (at most the window).
    pub fn len(&self) -> usize {
        self.win.len()
    }

    /// True before any point is committed.
    pub fn is_empty(&self) -> bool {
        self.win.is_empty()
    }

    /// The window length.
    pub fn window(&self) -> usize {
        self.win.cap()
    }

    /// Forgets every point, keeping the window length.
    pub fn reset(&mut self) {
        self.win.clear();
    }

    /// True once the window is full.
    pub fn initialized(&self) -> bool {
        self.win.len() == self.win.cap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::reference::reference;
    use proptest::prelude::*;

    /// Agreement on the scale of each quantity: beta against the spread of
    /// y over x, alpha against the level of y (both are differences).
    fn assert_fit_close(a: &LinearFit, b: &LinearFit, x: &[f64], y: &[f64], tol: f64) {
        let ymax = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let span = |v: &[f64]| {
            let (lo, hi) = v
                .iter()
                .fold((f64::MAX, f64::MIN), |(l, h), &t| (l.min(t), h.max(t)));
            hi - lo
        };
        let bscale = a.beta.abs().max(span(y) / span(x).max(f64::MIN_POSITIVE));
        let ok = (a.beta - b.beta).abs() <= tol * bscale
            && (a.alpha - b.alpha).abs() <= tol * ymax.max(1.0)
            && (a.r2 - b.r2).abs() <= tol;
        assert!(ok, "{a:?} vs {b:?}");
    }

    #[test]
    fn matches_statsmodels_on_lcg_pair() {
        let c = &reference().ols[0];
        let (x, y) = c.pair.build();
        let f = fit_ols(&x, &y).unwrap();
        let want = LinearFit {
            beta: c.beta,
            alpha: c.alpha,
            r2: c.r2,
        };
        assert_fit_close(&f, &want, &x, &y, 1e-11);
        let mut r = RollingOls::new(x.len());
        for (&a, &b) in x.iter().zip(&y) {
            r.update(a, b);
        }
        assert_fit_close(&r.fit().unwrap(), &want, &x, &y, 1e-11);
    }

    #[test]
    fn degenerate_inputs_are_rejected_without_panicking() {
        assert!(fit_ols(&[], &[]).is_none());
        assert!(fit_ols(&[1.0], &[1.0]).is_none());
        assert!(fit_ols(&[1.0, 2.0], &[1.0]).is_none());
        assert!(fit_ols(&[0.1, 0.1, 0.1], &[1.0, 2.0, 3.0]).is_none());
        assert!(fit_ols(&[1.0, f64::NAN], &[1.0, 2.0]).is_none());
        let e = try_fit_ols(&[2.0, 2.0], &[1.0, 2.0]).unwrap_err();
        assert!(matches!(e, Error::Analysis(ref m) if m == "x is constant"));
        let flat = fit_ols(&[1.0, 2.0, 3.0], &[4.0, 4.0, 4.0]).unwrap();
        assert_eq!((flat.beta, flat.alpha, flat.r2), (0.0, 4.0, 0.0));
    }

    #[test]
    fn rolling_handles_degenerate_streams() {
        let mut r = RollingOls::new(0);
        assert!(r.update(1.0, 1.0).is_none() && r.initialized());
        let mut r = RollingOls::new(3);
        assert!(r.peek(1.0, 1.0).is_none());
        r.update(5.0, 1.0);
        r.update(f64::NAN, 2.0);
        assert_eq!(r.len(), 1);
        assert!(r.peek(5.0, 3.0).is_none());
        assert!(r.peek(f64::INFINITY, 3.0).is_none());
        r.update(6.0, 2.0);
        r.update(7.0, 3.0);
        r.update(7.0, 4.0);
        r.update(7.0, 9.0);
        assert!(r.fit().is_none(), "window of identical x");
        r.reset();
        assert!(r.is_empty() && !r.initialized());
    }

    fn series() -> impl Strategy<Value = (usize, Vec<(f64, f64)>)> {
        (
            1usize..40,
            prop::collection::vec((-3.0f64..3.0, -3.0f64..3.0, 0u8..8), 1..200),
        )
            .prop_map(|(w, steps)| {
                // Price-like paths with occasional repeats and jumps.
                let (mut x, mut y) = (100.0, 50.0);
                let pts = steps
                    .into_iter()
                    .map(|(dx, dy, k)| {
                        match k {
                            0 => {}
                            1 => x += 40.0 * dx,
                            _ => {
                                x += dx;
                                y += 0.5 * dx + dy;
                            }
                        }
                        ((x * 100.0f64).round() / 100.0, y)
                    })
                    .collect();
                (w, pts)
            })
    }

    proptest! {
        #[test]
        fn never_panics_on_any_input(
            pts in prop::collection::vec((any::<f64>(), any::<f64>()), 0..40),
            w in 0usize..8,
        ) {
            let (x, y): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
            let finite = |f: &LinearFit| f.beta.is_finite() && f.alpha.is_finite() && f.r2.is_finite();
            prop_assert!(fit_ols(&x, &y).iter().all(finite));
            let mut r = RollingOls::new(w);
            for &(a, b) in &pts {
                prop_assert!(r.peek(a, b).iter().chain(&r.update(a, b)).all(finite));
            }
        }

        #[test]
        fn incremental_equals_batch((w, pts) in series()) {
            let mut r = RollingOls::new(w);
            for (i, &(x, y)) in pts.iter().enumerate() {
                let lo = (i + 1).saturating_sub(w);
                let (xs, ys): (Vec<f64>, Vec<f64>) = pts[lo..=i].iter().copied().unzip();
                let want = fit_ols(&xs, &ys);
                let peeked = r.peek(x, y);
                let got = r.update(x, y);
                prop_assert_eq!(got, peeked);
                prop_assert_eq!(got.is_some(), want.is_some());
                prop_assert_eq!(peeked.is_some(), want.is_some());
                if let (Some(g), Some(p), Some(wf)) = (got, peeked, want) {
                    assert_fit_close(&g, &wf, &xs, &ys, 1e-9);
                    assert_fit_close(&p, &wf, &xs, &ys, 1e-9);
                }
            }
        }
    }
}
