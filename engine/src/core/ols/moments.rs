//! Means and centred co-moments of (x, y) pairs with Welford add/remove,
//! the arithmetic behind `super::pair_window::PairWindow`.
//!
//! Sums of products (`Σxy - n·x̄·ȳ`) cancel catastrophically on prices, so
//! the moments are centred and updated Welford-style, on data shifted by a
//! reference point (the first point since the last exact pass): prices
//! within a factor of two of the shift subtract exactly, so the running mean
//! carries round-off relative to the spread, not to the price level.
//! Removal is where Welford loses accuracy: once a large deviation leaves,
//! a co-moment is a small difference of large numbers. Each update
//! therefore also accumulates a bound on its round-off (`slack`, in ulps);
//! `trustworthy` reports when that bound is no longer small against the
//! moments, and the caller then recomputes them exactly.

/// Slack-to-moment ratio beyond which a moment is recomputed exactly:
/// 1024 ulps of accumulated round-off keeps the relative error near 2e-13.
const SLACK_RATIO: f64 = 1024.0;

/// Count, means and centred second moments of a set of (x, y) pairs.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CoMoments {
    n: usize,
    // The shift: every point enters as (x - kx, y - ky).
    kx: f64,
    ky: f64,
    // Means of the shifted points.
    mx: f64,
    my: f64,
    sxx: f64,
    sxy: f64,
    syy: f64,
    // Round-off bounds in ulps: of the shifted means, and of sxx and syy.
    slack_mx: f64,
    slack_my: f64,
    slack_xx: f64,
    slack_yy: f64,
}

impl CoMoments {
    /// Computes the moments exactly with two passes about the first point.
    pub fn from_points<I>(points: I) -> Self
    where
        I: Iterator<Item = (f64, f64)> + Clone,
    {
        let Some((kx, ky)) = points.clone().next() else {
            return CoMoments::default();
        };
        let (mut n, mut sx, mut sy, mut ax, mut ay) = (0usize, 0.0, 0.0, 0.0, 0.0);
        for (x, y) in points.clone() {
            n += 1;
            sx += x - kx;
            sy += y - ky;
            ax += (x - kx).abs();
            ay += (y - ky).abs();
        }
        let nf = n as f64;
        let (mx, my) = (sx / nf, sy / nf);
        let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
        for (x, y) in points {
            let (dx, dy) = ((x - kx) - mx, (y - ky) - my);
            sxx += dx * dx;
            sxy += dx * dy;
            syy += dy * dy;
        }
        let (slack_mx, slack_my) = (ax / nf, ay / nf);
        CoMoments {
            n,
            kx,
            ky,
            mx,
            my,
            sxx,
            sxy,
            syy,
            slack_mx,
            slack_my,
            slack_xx: sxx,
            slack_yy: syy,
        }
    }

    /// Number of pairs.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Mean of x.
    pub fn mean_x(&self) -> f64 {
        self.kx + self.mx
    }

    /// Mean of y.
    pub fn mean_y(&self) -> f64 {
        self.ky + self.my
    }

    /// `x - mean(x)`, without the cancellation of subtracting the mean
    /// (what the tests compare re-anchored moments by).
    #[cfg(test)]
    pub fn dev_x(&self, x: f64) -> f64 {
        (x - self.kx) - self.mx
    }

    /// Σ (x - x̄)².
    pub fn sxx(&self) -> f64 {
        self.sxx
    }

    /// Σ (x - x̄)(y - ȳ).
    pub fn sxy(&self) -> f64 {
        self.sxy
    }

    /// Σ (y - ȳ)².
    pub fn syy(&self) -> f64 {
        self.syy
    }

    /// Folds in one pair (Welford).
    pub fn add(&mut self, x: f64, y: f64) {
        if self.n == 0 {
            *self = CoMoments {
                n: 1,
                kx: x,
                ky: y,
                ..CoMoments::default()
            };
            return;
        }
        self.n += 1;
        self.step(x, y, 1.0);
    }

    /// Takes one previously added pair back out (Welford in reverse).
    pub fn remove(&mut self, x: f64, y: f64) {
        if self.n <= 1 {
            *self = CoMoments::default();
            return;
        }
        self.n -= 1;
        self.step(x, y, -1.0);
    }

    /// The shared add/remove update; `self.n` already counts the result.
    fn step(&mut self, x: f64, y: f64, sign: f64) {
        let nf = self.n as f64;
        let (x, y) = (x - self.kx, y - self.ky);
        let (dx, dy) = (x - self.mx, y - self.my);
        self.mx += sign * (dx / nf);
        self.my += sign * (dy / nf);
        let (tx, ty) = (dx * (x - self.mx), dy * (y - self.my));
        self.sxx += sign * tx;
        self.syy += sign * ty;
        self.sxy += sign * (dx * (y - self.my));
        // A mean off by e moves each later term by about 2·|d|·e.
        self.slack_mx += self.mx.abs() + (dx / nf).abs();
        self.slack_my += self.my.abs() + (dy / nf).abs();
        self.slack_xx += tx.abs() + 2.0 * dx.abs() * self.slack_mx;
        self.slack_yy += ty.abs() + 2.0 * dy.abs() * self.slack_my;
    }

    /// True while the accumulated round-off is negligible against the
    /// moments themselves (always true right after an exact recompute).
    pub fn trustworthy(&self) -> bool {
        self.slack_xx <= SLACK_RATIO * self.sxx && self.slack_yy <= SLACK_RATIO * self.syy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts() -> Vec<(f64, f64)> {
        (0..300)
            .map(|i| {
                let t = f64::from(i);
                (40_000.0 + (t * 0.37).sin(), 50.0 + (t * 0.11).cos() * 3.0)
            })
            .collect()
    }

    #[test]
    fn welford_add_remove_matches_two_pass() {
        let p = pts();
        let mut m = CoMoments::default();
        for (i, &(x, y)) in p.iter().enumerate() {
            m.add(x, y);
            if i >= 40 {
                m.remove(p[i - 40].0, p[i - 40].1);
            }
        }
        let exact = CoMoments::from_points(p[260..].iter().copied());
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-11 * b.abs();
        assert_eq!(m.n(), 40);
        assert!(close(m.sxx(), exact.sxx()) && close(m.syy(), exact.syy()));
        assert!(close(m.sxy(), exact.sxy()) && close(m.mean_x(), exact.mean_x()));
        assert!((m.dev_x(40_000.5) - exact.dev_x(40_000.5)).abs() < 1e-12);
    }

    #[test]
    fn a_departing_outlier_makes_the_moments_untrustworthy() {
        let mut m = CoMoments::from_points([(1.0, 2.0), (1e12, -1e12), (2.0, 1.0)].into_iter());
        assert!(m.trustworthy());
        m.add(3.0, 5.0);
        m.remove(1e12, -1e12);
        assert!(!m.trustworthy());
    }

    #[test]
    fn empty_and_single_point_are_harmless() {
        let mut m = CoMoments::default();
        m.remove(1.0, 1.0);
        assert_eq!(m, CoMoments::default());
        m.add(5.0, 6.0);
        assert_eq!((m.n(), m.mean_x(), m.mean_y(), m.sxx()), (1, 5.0, 6.0, 0.0));
        assert!(m.trustworthy());
        assert_eq!(
            CoMoments::from_points(std::iter::empty()),
            CoMoments::default()
        );
    }
}
