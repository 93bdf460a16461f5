//! MacKinnon's response-surface p-values and critical values for unit-root
//! and Engle-Granger cointegration tests.
//!
//! This is a port of `statsmodels/tsa/adfvalues.py` (statsmodels 0.15.0).
//! The coefficient tables are copied digit for digit; the small-p and
//! large-p tables are stored unscaled, exactly as printed there, and scaled
//! at use by the same factors statsmodels multiplies them by, so every
//! coefficient is the same double statsmodels evaluates.

mod tables;

use tables::{
    LARGE_SCALING, SMALL_SCALING, TAU_2010_C, TAU_2010_CT, TAU_2010_N, TAU_LARGEP_C, TAU_LARGEP_CT,
    TAU_LARGEP_N, TAU_MAX_C, TAU_MAX_CT, TAU_MAX_N, TAU_MIN_C, TAU_MIN_CT, TAU_MIN_N, TAU_SMALLP_C,
    TAU_SMALLP_CT, TAU_SMALLP_N, TAU_STAR_C, TAU_STAR_CT, TAU_STAR_N,
};

/// Deterministic terms included in a Dickey-Fuller style regression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Regression {
    /// No constant and no trend (statsmodels' `"n"`).
    N,
    /// A constant only (statsmodels' `"c"`).
    C,
    /// A constant and a linear time trend (statsmodels' `"ct"`).
    Ct,
}

impl Regression {
    /// Returns how many deterministic regressors the specification adds.
    pub fn ntrend(self) -> usize {
        match self {
            Regression::N => 0,
            Regression::C => 1,
            Regression::Ct => 2,
        }
    }

    /// Returns statsmodels' name for the specification.
    pub fn as_str(self) -> &'static str {
        match self {
            Regression::N => "n",
            Regression::C => "c",
            Regression::Ct => "ct",
        }
    }
}

/// Returns MacKinnon's (1994) approximate asymptotic p-value of a
/// Dickey-Fuller t-statistic, like statsmodels' `mackinnonp`.
///
/// `n` is the number of I(1) series in the system: 1 for the ADF test, 2
/// for an Engle-Granger test on a pair. A statistic above the table's upper
/// bound gives 1.0 and one below its lower bound gives 0.0, as in
/// statsmodels; so `-inf` gives 0.0. `n` outside `1..=6` (where statsmodels
/// would raise) and a NaN statistic give NaN.
pub fn mackinnonp(teststat: f64, regression: Regression, n: usize) -> f64 {
    if !(1..=6).contains(&n) || teststat.is_nan() {
        return f64::NAN;
    }
    let i = n - 1;
    let (star, min, max, small, large) = match regression {
        Regression::N => (TAU_STAR_N, TAU_MIN_N, TAU_MAX_N, TAU_SMALLP_N, TAU_LARGEP_N),
        Regression::C => (TAU_STAR_C, TAU_MIN_C, TAU_MAX_C, TAU_SMALLP_C, TAU_LARGEP_C),
        Regression::Ct => (
            TAU_STAR_CT,
            TAU_MIN_CT,
            TAU_MAX_CT,
            TAU_SMALLP_CT,
            TAU_LARGEP_CT,
        ),
    };
    if teststat > max[i] {
        return 1.0;
    }
    if teststat < min[i] {
        return 0.0;
    }
    // numpy's polyval is Horner's rule from the highest power, one rounded
    // multiply and one rounded add per step; the same order keeps the
    // argument of the normal CDF bit-identical.
    let z = if teststat <= star[i] {
        let c = small[i];
        let mut y = c[2] * SMALL_SCALING[2];
        y = y * teststat + c[1] * SMALL_SCALING[1];
        y * teststat + c[0] * SMALL_SCALING[0]
    } else {
        let c = large[i];
        let mut y = c[3] * LARGE_SCALING[3];
        y = y * teststat + c[2] * LARGE_SCALING[2];
        y = y * teststat + c[1] * LARGE_SCALING[1];
        y * teststat + c[0] * LARGE_SCALING[0]
    };
    norm_cdf(z)
}

/// Returns MacKinnon's (2010) critical values at the 1 %, 5 % and 10 %
/// levels, like statsmodels' `mackinnoncrit`.
///
/// `n` is the number of I(1) series (1 for ADF). With `nobs` of `None` the
/// asymptotic values are returned; otherwise the finite-sample response
/// surface is evaluated at `1 / nobs`. As in statsmodels, the no-constant
/// table only exists for `n == 1` and the others for `n` in `1..=12`; any
/// other `n` gives NaNs where statsmodels would raise.
pub fn mackinnoncrit(n: usize, regression: Regression, nobs: Option<f64>) -> [f64; 3] {
    let table: &[[[f64; 4]; 3]] = match regression {
        Regression::N => &TAU_2010_N,
        Regression::C => &TAU_2010_C,
        Regression::Ct => &TAU_2010_CT,
    };
    let Some(rows) = n.checked_sub(1).and_then(|i| table.get(i)) else {
        return [f64::NAN; 3];
    };
    let mut out = [0.0; 3];
    for (o, c) in out.iter_mut().zip(rows) {
        *o = match nobs {
            None => c[0],
            Some(nobs) => {
                let x = 1.0 / nobs;
                let mut y = c[3];
                y = y * x + c[2];
                y = y * x + c[1];
                y * x + c[0]
            }
        };
    }
    out
}

/// Returns the standard normal CDF, computed as scipy's `ndtr` (Cephes)
/// does: `erf` near the centre, where it has no cancellation, and `erfc` in
/// the tails, so small tail probabilities keep full relative accuracy.
pub fn norm_cdf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let t = x * std::f64::consts::FRAC_1_SQRT_2;
    let z = t.abs();
    if z < std::f64::consts::FRAC_1_SQRT_2 {
        0.5 + 0.5 * libm::erf(t)
    } else {
        let y = 0.5 * libm::erfc(z);
        if t > 0.0 {
            1.0 - y
        } else {
            y
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::reference::reference;

    #[test]
    fn pvalues_match_statsmodels() {
        let cases = &reference().mackinnonp;
        assert_eq!(cases.len(), 60);
        for c in cases {
            let got = mackinnonp(c.stat, c.regression(), c.n);
            assert!(
                (got - c.p).abs() <= 1e-14 + 1e-12 * c.p,
                "{:?} N={} tau={}: {got:?} vs {:?}",
                c.regression(),
                c.n,
                c.stat,
                c.p
            );
        }
    }

    #[test]
    fn pvalue_bounds_and_bad_arguments() {
        // Beyond tau_min / tau_max statsmodels returns exactly 0 and 1.
        assert_eq!(mackinnonp(-18.84, Regression::C, 1), 0.0);
        assert_eq!(mackinnonp(2.75, Regression::C, 1), 1.0);
        assert_eq!(mackinnonp(f64::NEG_INFINITY, Regression::C, 2), 0.0);
        assert_eq!(mackinnonp(f64::INFINITY, Regression::Ct, 1), 1.0);
        // The no-constant N = 1 surface has no upper bound, but the CDF
        // saturates.
        assert_eq!(mackinnonp(50.0, Regression::N, 1), 1.0);
        assert!(mackinnonp(f64::NAN, Regression::C, 1).is_nan());
        assert!(mackinnonp(-2.0, Regression::C, 0).is_nan());
        assert!(mackinnonp(-2.0, Regression::C, 7).is_nan());
    }

    #[test]
    fn critical_values_match_statsmodels() {
        let cases = &reference().mackinnoncrit;
        assert_eq!(cases.len(), 11);
        for c in cases {
            // Same Horner order as numpy's polyval, so the doubles agree.
            assert_eq!(
                mackinnoncrit(c.n, c.regression(), c.nobs),
                c.crit,
                "{:?} N={} nobs={:?}",
                c.regression(),
                c.n,
                c.nobs
            );
        }
        assert_eq!(
            mackinnoncrit(1, Regression::C, Some(f64::INFINITY)),
            mackinnoncrit(1, Regression::C, None)
        );
        assert!(mackinnoncrit(2, Regression::N, None)
            .iter()
            .all(|v| v.is_nan()));
        assert!(mackinnoncrit(0, Regression::C, None)
            .iter()
            .all(|v| v.is_nan()));
        assert!(mackinnoncrit(13, Regression::Ct, None)
            .iter()
            .all(|v| v.is_nan()));
    }

    #[test]
    fn normal_cdf_is_accurate_in_both_tails() {
        // Far in the tail the rounding of x / sqrt(2) alone moves erfc by
        // about x^2 eps relative, so scipy and this may differ there in the
        // 14th digit.
        let cases = &reference().norm_cdf;
        assert_eq!(cases.len(), 9);
        for c in cases {
            let got = norm_cdf(c.x);
            assert!(
                (got - c.p).abs() <= 1e-13 * c.p,
                "Phi({}) = {got:?}, want {:?}",
                c.x,
                c.p
            );
        }
        assert_eq!(norm_cdf(f64::NEG_INFINITY), 0.0);
        assert_eq!(norm_cdf(f64::INFINITY), 1.0);
        assert!(norm_cdf(f64::NAN).is_nan());
    }
}
