//! A dynamic hedge ratio: the Kalman filter of the state (beta, alpha) in
//! `y_t = beta_t·x_t + alpha_t + v`, with a random-walk state.
//!
//! It reproduces pykalman 0.11.2's `KalmanFilter(transition_matrices=I,
//! observation_matrices=[[x_t, 1]], transition_covariance=delta/(1-delta)·I,
//! observation_covariance=r, initial_state_mean=[0, 0],
//! initial_state_covariance=ones((2, 2))).filter(y)` operation for
//! operation: the prior is used as is at t = 0, `Q` is added before every
//! later step, the gain is `P·(H'·pinv(S))`, and the covariance update is
//! the plain `P - K·(H·P)`. The full 2×2 `P` is kept (not assumed
//! symmetric) because that plain update is not exactly symmetric in floats.

use crate::error::{Error, Result};

/// `delta` used when `new` is given an unusable one.
pub const DEFAULT_DELTA: f64 = 1e-4;
/// Observation variance used when `new` is given an unusable one.
pub const DEFAULT_R: f64 = 1e-3;

/// The filtered hedge ratio and intercept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HedgeState {
    /// Hedge ratio: units of x per unit of y.
    pub beta: f64,
    /// Intercept of y over beta·x.
    pub alpha: f64,
}

/// pykalman's prior: mean zero, covariance `ones((2, 2))`.
const PRIOR: KalmanHedge = KalmanHedge {
    q: 0.0,
    r: 0.0,
    m: [0.0; 2],
    p: [[1.0; 2]; 2],
    steps: 0,
};

/// Kalman filter of (beta, alpha); see the module docs.
///
/// ```
/// use spreadwatch_engine::core::kalman_hedge::KalmanHedge;
/// let mut k = KalmanHedge::new(1e-4, 1e-3);
/// for i in 0..200 {
///     let x = 100.0 + (i as f64 * 0.3).sin();
///     k.update(x, 2.0 * x + 1.0);
/// }
/// let s = k.peek(100.5, 202.0);
/// assert!((s.beta * 100.5 + s.alpha - 202.0).abs() < 0.01);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KalmanHedge {
    q: f64,
    r: f64,
    /// State mean, [beta, alpha].
    m: [f64; 2],
    /// State covariance, row-major.
    p: [[f64; 2]; 2],
    steps: u64,
}

impl KalmanHedge {
    /// Creates a filter; `delta` in (0, 1) sets how fast beta may drift and
    /// `r` > 0 is the observation variance. Unusable values fall back to
    /// `DEFAULT_DELTA` and `DEFAULT_R` so a bad config cannot stop the feed.
    pub fn new(delta: f64, r: f64) -> Self {
        let d = Some(delta)
            .filter(|d| *d > 0.0 && *d < 1.0)
            .unwrap_or(DEFAULT_DELTA);
        let r = Some(r)
            .filter(|r| *r > 0.0 && r.is_finite())
            .unwrap_or(DEFAULT_R);
        KalmanHedge {
            q: d / (1.0 - d),
            r,
            ..PRIOR
        }
    }

    /// Creates a filter, rejecting unusable parameters.
    ///
    /// # Errors
    /// `Error::Analysis` unless `0 < delta < 1` and `r` is positive and finite.
    pub fn try_new(delta: f64, r: f64) -> Result<Self> {
        if !(delta > 0.0 && delta < 1.0) {
            return Err(Error::Analysis("kalman delta must lie in (0, 1)".into()));
        }
        if !(r > 0.0 && r.is_finite()) {
            return Err(Error::Analysis(
                "kalman observation variance must be positive".into(),
            ));
        }
        Ok(KalmanHedge::new(delta, r))
    }

    /// One predict-and-correct step from the committed state, with
    /// `H = [x, 1]` (products with the 1 are exact, so they are elided).
    fn step(&self, x: f64, y: f64) -> ([f64; 2], [[f64; 2]; 2]) {
        let [[mut p00, mut p01], [mut p10, mut p11]] = self.p;
        if self.steps > 0 {
            // `P + Q` with Q's zero off-diagonal added too, as numpy does.
            (p00, p01, p10, p11) = (p00 + self.q, p01 + 0.0, p10 + 0.0, p11 + self.q);
        }
        let [m0, m1] = self.m;
        let (pht0, pht1) = (p00 * x + p01, p10 * x + p11);
        let s = (x * pht0 + pht1) + self.r;
        // pinv of a 1×1 matrix: the reciprocal, or 0 for a zero variance.
        let sinv = if s != 0.0 { 1.0 / s } else { 0.0 };
        let hs0 = x * sinv;
        let (k0, k1) = (p00 * hs0 + p01 * sinv, p10 * hs0 + p11 * sinv);
        let innov = y - ((x * m0 + m1) + 0.0);
        let (hp0, hp1) = (x * p00 + p10, x * p01 + p11);
        let m = [m0 + k0 * innov, m1 + k1 * innov];
        let p = [
            [p00 - k0 * hp0, p01 - k0 * hp1],
            [p10 - k1 * hp0, p11 - k1 * hp1],
        ];
        (m, p)
    }

    /// Folds in one observation and returns the filtered state. Non-finite
    /// observations are skipped (no predict, no correct), so a bad tick
    /// leaves the state as it was.
    pub fn update(&mut self, x: f64, y: f64) -> HedgeState {
        if x.is_finite() && y.is_finite() {
            let (m, p) = self.step(x, y);
            if m.iter().chain(p.iter().flatten()).all(|v| v.is_finite()) {
                self.m = m;
                self.p = p;
                self.steps += 1;
            }
        }
        self.state()
    }

    /// The state `update(x, y)` would produce, without committing it.
    pub fn peek(&self, x: f64, y: f64) -> HedgeState {
        let mut k = *self;
        k.update(x, y)
    }

    /// The committed filtered state.
    pub fn state(&self) -> HedgeState {
        HedgeState {
            beta: self.m[0],
            alpha: self.m[1],
        }
    }

    /// The state mean, [beta, alpha], for snapshots.
    pub fn mean(&self) -> [f64; 2] {
        self.m
    }

    /// The state covariance (row-major, [beta, alpha]), for snapshots.
    pub fn covariance(&self) -> [[f64; 2]; 2] {
        self.p
    }

    /// Observations folded in.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Restores a snapshot taken with `mean`, `covariance` and `steps`;
    /// non-finite values are refused and leave the filter unchanged.
    pub fn restore(&mut self, mean: [f64; 2], covariance: [[f64; 2]; 2], steps: u64) -> bool {
        let ok = mean
            .iter()
            .chain(covariance.iter().flatten())
            .all(|v| v.is_finite());
        if ok {
            self.m = mean;
            self.p = covariance;
            self.steps = steps;
        }
        ok
    }

    /// Returns to the prior, keeping `delta` and `r`.
    pub fn reset(&mut self) {
        *self = KalmanHedge {
            q: self.q,
            r: self.r,
            ..PRIOR
        };
    }

    /// True once an observation has been folded in.
    pub fn initialized(&self) -> bool {
        self.steps > 0
    }
}

/// Filtered (beta_t, alpha_t) for every t, as pykalman's `filter(y)`
/// returns them; non-finite points repeat the previous state.
pub fn kalman_series(x: &[f64], y: &[f64], delta: f64, r: f64) -> (Vec<f64>, Vec<f64>) {
    let mut k = KalmanHedge::new(delta, r);
    let states = x.iter().zip(y).map(|(&a, &b)| k.update(a, b));
    states.map(|s| (s.beta, s.alpha)).unzip()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::reference::reference;
    use crate::core::test_series::price_pair;
    use proptest::prelude::*;

    #[test]
    fn matches_pykalman_filter() {
        let want = &reference().kalman;
        let (x, y) = want.pair.build();
        let (b, a) = kalman_series(&x, &y, want.delta, want.r);
        assert_eq!((b.len(), a.len()), (want.beta.len(), want.alpha.len()));
        let close = |got: f64, want: f64| (got - want).abs() <= 1e-12 * want.abs();
        for t in 0..b.len() {
            assert!(
                close(b[t], want.beta[t]) && close(a[t], want.alpha[t]),
                "t={t}: {} {} vs {} {}",
                b[t],
                a[t],
                want.beta[t],
                want.alpha[t]
            );
        }
    }

    #[test]
    fn peek_does_not_commit_and_bad_ticks_are_skipped() {
        let mut k = KalmanHedge::new(1e-3, 1e-2);
        assert!(!k.initialized());
        let p = k.peek(100.0, 150.0);
        assert_eq!(k.steps(), 0);
        assert_eq!(k.update(100.0, 150.0), p);
        let before = k;
        assert_eq!(k.update(f64::NAN, 1.0), before.state());
        assert_eq!(k.update(1.0, f64::INFINITY), before.state());
        assert_eq!(k, before);
        k.reset();
        assert_eq!((k.mean(), k.covariance()), ([0.0; 2], [[1.0; 2]; 2]));
        assert_eq!(
            k.state(),
            HedgeState {
                beta: 0.0,
                alpha: 0.0
            }
        );
    }

    #[test]
    fn snapshots_restore_exactly() {
        let (x, y) = price_pair(50, 3, true);
        let mut a = KalmanHedge::new(1e-4, 1e-3);
        for i in 0..25 {
            a.update(x[i], y[i]);
        }
        let mut b = KalmanHedge::new(1e-4, 1e-3);
        assert!(b.restore(a.mean(), a.covariance(), a.steps()));
        assert!(!b.restore([f64::NAN, 0.0], a.covariance(), 1));
        for i in 25..50 {
            assert_eq!(a.update(x[i], y[i]), b.update(x[i], y[i]));
        }
    }

    #[test]
    fn parameters_are_validated() {
        for (d, r) in [(0.0, 1.0), (1.0, 1.0), (0.5, 0.0), (0.5, f64::INFINITY)] {
            assert!(KalmanHedge::try_new(d, r).is_err());
        }
        let e = KalmanHedge::try_new(f64::NAN, 1.0).unwrap_err();
        assert!(matches!(e, Error::Analysis(ref m) if m == "kalman delta must lie in (0, 1)"));
        assert_eq!(
            KalmanHedge::new(-1.0, f64::NAN),
            KalmanHedge::new(DEFAULT_DELTA, DEFAULT_R)
        );
    }

    proptest! {
        #[test]
        fn stays_finite_and_peek_matches_update(
            pts in prop::collection::vec((-1e6f64..1e6, -1e6f64..1e6), 1..100),
            delta in 1e-8f64..0.99,
            r in 1e-6f64..1e3,
        ) {
            let mut k = KalmanHedge::new(delta, r);
            for (x, y) in pts {
                let p = k.peek(x, y);
                prop_assert_eq!(k.update(x, y), p);
                let c = k.covariance();
                prop_assert!(k.mean().iter().chain(c.iter().flatten()).all(|v| v.is_finite()));
            }
        }
    }
}
