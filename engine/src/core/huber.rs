//! Huber M-estimation of y on x with a constant, following
//! `sm.RLM(y, sm.add_constant(x), M=sm.robust.norms.HuberT()).fit()` step
//! for step (statsmodels 0.15.0 defaults).
//!
//! The IRLS loop starts from OLS, re-estimates the scale every iteration as
//! `median(|r| / 0.6745)` (MAD about zero, not about the median), and stops
//! when the deviance moves by at most 1e-8 or after 50 fits. statsmodels'
//! deviance divides the residuals by the WLS variance `Σwr²/(n-2)`, not by
//! the MAD scale; that quirk decides the iteration count, so it is copied,
//! as is numpy's pairwise summation of the deviance.

use super::theil_sen::median;
use crate::error::{Error, Result};

/// Huber's tuning constant (95% efficiency at the normal).
const T: f64 = 1.345;
/// `scipy.stats.norm.ppf(0.75)`, the MAD normaliser.
const MAD_NORM: f64 = 0.6744897501960817;
const TOL: f64 = 1e-8;
const MAX_ITER: usize = 50;

/// A robust line fit and its IRLS diagnostics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HuberFit {
    /// Slope.
    pub beta: f64,
    /// Intercept.
    pub alpha: f64,
    /// Final MAD scale of the residuals.
    pub scale: f64,
    /// statsmodels' `fit_history["iteration"]`: the OLS start counts as one.
    pub iterations: usize,
}

/// Weighted least squares (alpha, beta) with centred weighted moments.
fn wls(x: &[f64], y: &[f64], w: &[f64]) -> Option<(f64, f64)> {
    let sw: f64 = w.iter().sum();
    let mut mx = x.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / sw;
    let mut my = y.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / sw;
    // One correction pass recovers the digits lost to the price level.
    mx += x.iter().zip(w).map(|(a, b)| (a - mx) * b).sum::<f64>() / sw;
    my += y.iter().zip(w).map(|(a, b)| (a - my) * b).sum::<f64>() / sw;
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for ((&a, &b), &c) in x.iter().zip(y).zip(w) {
        sxx += c * (a - mx) * (a - mx);
        sxy += c * (a - mx) * (b - my);
    }
    let beta = sxy / sxx;
    let alpha = my - beta * mx;
    (sxx > 0.0 && beta.is_finite() && alpha.is_finite()).then_some((alpha, beta))
}

/// numpy's pairwise summation (`np.sum` of a contiguous float64 array).
pub(crate) fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        a.iter().fold(0.0, |s, v| s + v)
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for (k, rk) in r.iter_mut().enumerate() {
                *rk += a[i + k];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// `HuberT().rho` written in numpy's operation order.
fn rho(z: f64) -> f64 {
    if z.abs() <= T {
        0.5 * (z * z) + 0.0 * (z.abs() * T - 0.5 * (T * T))
    } else {
        0.0 * (z * z) + (z.abs() * T - 0.5 * (T * T))
    }
}

/// `HuberT().weights`.
fn weight(z: f64) -> f64 {
    if z.abs() <= T {
        1.0
    } else {
        T / z.abs()
    }
}

/// Residuals, WLS variance `Σwr²/(n-2)` and MAD scale of a fit.
struct Step {
    resid: Vec<f64>,
    wls_scale: f64,
    scale: f64,
}

fn step(x: &[f64], y: &[f64], w: &[f64], alpha: f64, beta: f64, buf: &mut Vec<f64>) -> Step {
    let resid: Vec<f64> = x
        .iter()
        .zip(y)
        .map(|(&a, &b)| b - (alpha + a * beta))
        .collect();
    let ssr: f64 = resid.iter().zip(w).map(|(r, c)| c * r * r).sum();
    buf.clear();
    buf.extend(resid.iter().map(|r| r.abs() / MAD_NORM));
    Step {
        wls_scale: ssr / (x.len() - 2) as f64,
        scale: median(buf),
        resid,
    }
}

fn deviance(s: &Step, buf: &mut Vec<f64>) -> f64 {
    buf.clear();
    buf.extend(s.resid.iter().map(|r| rho(r / s.wls_scale)));
    pairwise_sum(buf)
}

/// Fits y = alpha + beta·x by Huber IRLS, explaining failures.
///
/// # Errors
/// `Error::Analysis` when the lengths differ, fewer than three points are
/// given (no residual degree of freedom), a value is not finite, x is
/// constant, or the iteration leaves the finite numbers.
pub fn try_fit_huber(x: &[f64], y: &[f64]) -> Result<HuberFit> {
    if x.len() != y.len() {
        return Err(Error::Analysis("x and y differ in length".into()));
    }
    if x.len() < 3 {
        return Err(Error::Analysis("huber needs at least three points".into()));
    }
    let start = super::ols::try_fit_ols(x, y)?;
    let mut w = vec![1.0; x.len()];
    let mut buf = Vec::with_capacity(x.len());
    let (mut alpha, mut beta) = (start.alpha, start.beta);
    let mut cur = step(x, y, &w, alpha, beta, &mut buf);
    let mut dev_prev = deviance(&cur, &mut buf);
    let mut iterations = 1;
    loop {
        // statsmodels stops (with a warning) on a perfect fit of the weights.
        if cur.scale == 0.0 {
            break;
        }
        for (wi, r) in w.iter_mut().zip(&cur.resid) {
            *wi = weight(r / cur.scale);
        }
        (alpha, beta) =
            wls(x, y, &w).ok_or_else(|| Error::Analysis("huber weights are degenerate".into()))?;
        cur = step(x, y, &w, alpha, beta, &mut buf);
        let dev = deviance(&cur, &mut buf);
        iterations += 1;
        // Written as statsmodels does, so a NaN deviance also stops.
        let converged = !((dev - dev_prev).abs() > TOL && iterations < MAX_ITER);
        dev_prev = dev;
        if converged {
            break;
        }
    }
    if !(alpha.is_finite() && beta.is_finite() && cur.scale.is_finite()) {
        return Err(Error::Analysis("huber fit is not finite".into()));
    }
    Ok(HuberFit {
        beta,
        alpha,
        scale: cur.scale,
        iterations,
    })
}

/// Fits y = alpha + beta·x by Huber IRLS; `None` where `try_fit_huber`
/// would fail.
pub fn fit_huber(x: &[f64], y: &[f64]) -> Option<HuberFit> {
    try_fit_huber(x, y).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::reference::{bits, reference};
    use crate::core::test_series::{price_pair, with_outliers, Lcg};
    use proptest::prelude::*;

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs()
    }

    #[test]
    fn matches_statsmodels_rlm_with_outliers() {
        let cases = &reference().huber;
        assert_eq!(cases.len(), 2);
        for c in cases {
            let (x, y) = c.pair.build();
            let f = fit_huber(&x, &y).unwrap();
            assert!(
                rel(f.beta, c.beta) < 1e-9 && rel(f.alpha, c.alpha) < 1e-9,
                "{f:?} vs {c:?}"
            );
            assert!(rel(f.scale, c.scale) < 1e-9, "{f:?} vs {c:?}");
            // The last deviance steps sit at the 1e-8 tolerance, within the
            // round-off of statsmodels' pinv, so the count may differ by one.
            assert!(f.iterations.abs_diff(c.iterations) <= 1, "{f:?} vs {c:?}");
            let ols = super::super::ols::fit_ols(&x, &y).unwrap();
            assert!((f.beta - 1.5).abs() < (ols.beta - 1.5).abs());
        }
    }

    #[test]
    fn pairwise_sum_is_numpys() {
        let want = &reference().pairwise_sum;
        let mut g = Lcg(want.seed);
        let a: Vec<f64> = (0..want.n)
            .map(|i| (g.uniform() - 0.5) * 10f64.powi((i % 17) as i32))
            .collect();
        // np.sum(a) differs from the left-to-right sum in the last bits.
        assert_eq!(pairwise_sum(&a).to_bits(), bits(&want.sum_bits));
        assert_ne!(a.iter().sum::<f64>().to_bits(), bits(&want.sum_bits));
        assert_eq!(pairwise_sum(&[]), 0.0);
        assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        assert!(fit_huber(&[1.0, 2.0], &[1.0, 2.0]).is_none());
        assert!(fit_huber(&[1.0, 2.0, 3.0], &[1.0, 2.0]).is_none());
        assert!(fit_huber(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_none());
        assert!(fit_huber(&[1.0, 2.0, f64::INFINITY], &[1.0, 2.0, 3.0]).is_none());
        let e = try_fit_huber(&[1.0, 2.0], &[1.0, 2.0]).unwrap_err();
        assert!(matches!(e, Error::Analysis(ref m) if m == "huber needs at least three points"));
        // A perfect line has a zero MAD scale: statsmodels stops at once.
        let f = fit_huber(&[1.0, 2.0, 3.0, 4.0], &[3.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!((f.beta, f.alpha, f.scale, f.iterations), (2.0, 1.0, 0.0, 1));
        // Constant y: a flat line, also with zero scale.
        let f = fit_huber(&[1.0, 2.0, 3.0], &[5.0, 5.0, 5.0]).unwrap();
        assert_eq!((f.beta, f.alpha), (0.0, 5.0));
    }

    #[test]
    fn huber_functions_follow_statsmodels() {
        assert_eq!(weight(1.0), 1.0);
        assert_eq!(weight(T), 1.0);
        assert_eq!(weight(-2.69), 0.5);
        assert_eq!(rho(1.0), 0.5);
        assert_eq!(rho(-3.0), 3.0 * T - 0.5 * T * T);
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), 2.5);
    }

    proptest! {
        #[test]
        fn never_panics_and_shifting_y_shifts_alpha(
            pts in prop::collection::vec((any::<f64>(), any::<f64>()), 0..30),
            seed in 0u64..1000,
            c in -50.0f64..50.0,
        ) {
            let (x, y): (Vec<f64>, Vec<f64>) = pts.into_iter().unzip();
            prop_assert!(fit_huber(&x, &y).iter().all(|f| f.beta.is_finite() && f.alpha.is_finite()));
            let (x, y) = price_pair(40, seed, seed % 2 == 0);
            let y = with_outliers(y);
            let a = fit_huber(&x, &y).unwrap();
            let b = fit_huber(&x, &y.iter().map(|v| v + c).collect::<Vec<_>>()).unwrap();
            prop_assert!((a.beta - b.beta).abs() < 1e-6 && (a.alpha + c - b.alpha).abs() < 1e-4);
        }
    }
}
