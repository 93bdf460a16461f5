//! The one shape of a streaming estimator (after nautilus_trader's
//! `Indicator`): fed one input at a time, it answers with its current
//! output, can be reset, and says when it has seen enough to be trusted.
//!
//! The rolling OLS, the Kalman hedge, the price Kalman and the rolling z
//! and correlation implement it, so code that drives an estimator (a
//! replay, a property test, a rebuild) needs to know only this.

use super::kalman_hedge::{HedgeState, KalmanHedge};
use super::ols::{LinearFit, RollingOls};
use super::price_kalman::PriceKalman;
use super::rolling::{RollingCorr, RollingStats};

/// A streaming estimator.
///
/// ```
/// use spreadwatch_engine::core::estimator::Estimator;
/// use spreadwatch_engine::core::rolling::RollingStats;
///
/// /// Feeds every value and keeps the last output.
/// fn last<E: Estimator<Input = f64>>(e: &mut E, xs: &[f64]) -> Option<E::Output> {
///     xs.iter().map(|&x| e.update(x)).last()
/// }
/// let mut z = RollingStats::new(3);
/// assert_eq!(last(&mut z, &[1.0, 2.0, 3.0]), Some(Some(1.0)));
/// assert!(z.initialized());
/// z.reset();
/// assert!(!z.initialized());
/// ```
pub trait Estimator {
    /// One observation.
    type Input;
    /// What the estimator says after it.
    type Output;
    /// Takes one observation in.
    fn update(&mut self, input: Self::Input) -> Self::Output;
    /// Forgets every observation.
    fn reset(&mut self);
    /// True once it has seen enough for its output to be defined.
    fn initialized(&self) -> bool;
}

impl Estimator for RollingOls {
    type Input = (f64, f64);
    type Output = Option<LinearFit>;
    fn update(&mut self, (x, y): (f64, f64)) -> Option<LinearFit> {
        RollingOls::update(self, x, y)
    }
    fn reset(&mut self) {
        RollingOls::reset(self);
    }
    fn initialized(&self) -> bool {
        RollingOls::initialized(self)
    }
}

impl Estimator for KalmanHedge {
    type Input = (f64, f64);
    type Output = HedgeState;
    fn update(&mut self, (x, y): (f64, f64)) -> HedgeState {
        KalmanHedge::update(self, x, y)
    }
    fn reset(&mut self) {
        KalmanHedge::reset(self);
    }
    fn initialized(&self) -> bool {
        KalmanHedge::initialized(self)
    }
}

impl Estimator for PriceKalman {
    type Input = f64;
    type Output = f64;
    fn update(&mut self, price: f64) -> f64 {
        PriceKalman::update(self, price)
    }
    fn reset(&mut self) {
        PriceKalman::reset(self);
    }
    fn initialized(&self) -> bool {
        PriceKalman::initialized(self)
    }
}

impl Estimator for RollingStats {
    type Input = f64;
    type Output = Option<f64>;
    fn update(&mut self, v: f64) -> Option<f64> {
        self.push(v)
    }
    fn reset(&mut self) {
        RollingStats::reset(self);
    }
    fn initialized(&self) -> bool {
        RollingStats::initialized(self)
    }
}

impl Estimator for RollingCorr {
    type Input = (f64, f64);
    type Output = Option<f64>;
    fn update(&mut self, (x, y): (f64, f64)) -> Option<f64> {
        self.push(x, y)
    }
    fn reset(&mut self) {
        RollingCorr::reset(self);
    }
    fn initialized(&self) -> bool {
        RollingCorr::initialized(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Runs `xs` through `e`, resets it, and runs them again: an estimator
    /// that forgets everything answers the same both times.
    fn twice<E: Estimator>(e: &mut E, xs: &[E::Input]) -> bool
    where
        E::Input: Clone,
        E::Output: PartialEq + std::fmt::Debug,
    {
        let first: Vec<E::Output> = xs.iter().cloned().map(|x| e.update(x)).collect();
        e.reset();
        assert!(!e.initialized() || xs.is_empty());
        let second: Vec<E::Output> = xs.iter().cloned().map(|x| e.update(x)).collect();
        first == second
    }

    proptest! {
        #[test]
        fn every_estimator_forgets_on_reset(
            xs in prop::collection::vec((1.0f64..100.0, 1.0f64..100.0), 1..80)
        ) {
            let singles: Vec<f64> = xs.iter().map(|p| p.0).collect();
            prop_assert!(twice(&mut RollingOls::new(10), &xs));
            prop_assert!(twice(&mut RollingCorr::new(10), &xs));
            prop_assert!(twice(&mut RollingStats::new(10), &singles));
            prop_assert!(twice(&mut PriceKalman::new(1e-4), &singles));
            prop_assert!(twice(&mut KalmanHedge::new(1e-4, 1.0), &xs));
        }
    }
}
