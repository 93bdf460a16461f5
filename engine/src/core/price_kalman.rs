//! A local-level Kalman filter on one symbol's trade price.
//!
//! The model is `level_t = level_{t-1} + w`, `price_t = level_t + v`, with
//! `Var(v) = 1` and `Var(w) = delta / (1 - delta)`. Only the ratio of the two
//! variances sets the gain, so the same `delta` smooths BTC at 40,000 and a
//! coin at 0.5 alike; `variance()` is in units of the observation noise.

/// Smoothed price level of one symbol, updated per trade.
///
/// ```
/// use spreadwatch_engine::core::PriceKalman;
/// let mut k = PriceKalman::new(1e-3);
/// assert!(!k.initialized());
/// k.update(100.0);
/// k.update(101.0);
/// assert!(k.level() > 100.0 && k.level() < 101.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceKalman {
    q: f64,
    level: f64,
    p: f64,
    n: u64,
}

impl PriceKalman {
    /// Creates a filter; `delta` in (0, 1) sets how fast the level follows.
    pub fn new(delta: f64) -> Self {
        let d = if delta.is_finite() && delta > 0.0 && delta < 1.0 {
            delta
        } else {
            1e-3
        };
        PriceKalman {
            q: d / (1.0 - d),
            level: 0.0,
            p: 0.0,
            n: 0,
        }
    }

    /// Folds in one observed price; the first one sets the level.
    pub fn update(&mut self, price: f64) -> f64 {
        if !price.is_finite() {
            return self.level;
        }
        if self.n == 0 {
            self.level = price;
            self.p = 1.0;
        } else {
            let prior = self.p + self.q;
            let gain = prior / (prior + 1.0);
            self.level += gain * (price - self.level);
            self.p = (1.0 - gain) * prior;
        }
        self.n += 1;
        self.level
    }

    /// The filtered level.
    pub fn level(&self) -> f64 {
        self.level
    }

    /// Posterior variance, in units of the observation noise.
    pub fn variance(&self) -> f64 {
        self.p
    }

    /// Observations folded in.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// True once a price has been seen.
    pub fn initialized(&self) -> bool {
        self.n > 0
    }

    /// Forgets the state, keeping `delta`.
    pub fn reset(&mut self) {
        *self = PriceKalman {
            q: self.q,
            level: 0.0,
            p: 0.0,
            n: 0,
        };
    }

    /// Restores a saved state.
    pub fn restore(&mut self, level: f64, p: f64, n: u64) {
        self.level = level;
        self.p = p;
        self.n = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converges_to_a_constant_price() {
        let mut k = PriceKalman::new(1e-2);
        k.update(50.0);
        for _ in 0..500 {
            k.update(60.0);
        }
        assert!((k.level() - 60.0).abs() < 1e-6);
    }

    #[test]
    fn gain_is_scale_free() {
        let (mut a, mut b) = (PriceKalman::new(1e-3), PriceKalman::new(1e-3));
        for (i, p) in [1.0, 1.2, 0.9, 1.1, 1.05].iter().enumerate() {
            a.update(*p);
            b.update(*p * 40_000.0);
            assert!((a.level() * 40_000.0 - b.level()).abs() < 1e-6, "step {i}");
        }
    }

    #[test]
    fn non_finite_prices_are_ignored() {
        let mut k = PriceKalman::new(1e-3);
        k.update(10.0);
        k.update(f64::NAN);
        assert_eq!(k.level(), 10.0);
        assert_eq!(k.count(), 1);
    }
}
