//! The augmented Dickey-Fuller unit-root test. The Engle-Granger
//! cointegration test, built on it, and the half-life are in
//! [`coint`](super::coint).
//!
//! `adfuller` and `coint` are ports of statsmodels 0.15.0
//! (`tsa/stattools`): the same default maximum lag, the same lag matrix,
//! the same AIC search on a common sample followed by a refit on the full
//! sample, and the same OLS (minimum-norm pseudo-inverse solution, rank from
//! the singular values), so the statistics agree with statsmodels to
//! rounding.

use super::adf_gram;
use super::linalg;
use super::mackinnon::{mackinnoncrit, mackinnonp, Regression};
use crate::error::{Error, Result};

/// Flags a final regression whose residual is below `1e-9` of the
/// differences it explains: the fit is then exact (a linear or periodic
/// stretch of data) and the t-statistic is a ratio of rounding errors,
/// which statsmodels reports as a meaningless number.
const EXACT_FIT_RTOL: f64 = 1e-18;
/// The Gram search's best AIC must beat the next by this share of its size,
/// far above what squaring the design can move it; closer calls go to QR.
const GRAM_AIC_MARGIN: f64 = 1e-9;

/// Holds the outcome of an augmented Dickey-Fuller test.
#[derive(Debug, Clone, PartialEq)]
pub struct AdfResult {
    /// The t-statistic of the lagged level's coefficient.
    pub stat: f64,
    /// MacKinnon's approximate p-value of `stat`.
    pub pvalue: f64,
    /// The number of lagged differences in the final regression.
    pub used_lag: usize,
    /// The number of observations in the final regression.
    pub nobs: usize,
    /// The 1 %, 5 % and 10 % critical values for `nobs` observations.
    pub crit: [f64; 3],
    /// The lowest AIC found by the lag search, or `None` for a fixed lag.
    pub icbest: Option<f64>,
}

/// Chooses how `adfuller` sets the number of lagged differences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Autolag {
    /// Picks the lag in `0..=maxlag` with the lowest AIC (statsmodels'
    /// `autolag="AIC"`).
    Aic,
    /// Uses `maxlag` lags as given (statsmodels' `autolag=None`).
    Fixed,
}

/// Runs the augmented Dickey-Fuller test on `x`, like statsmodels'
/// `adfuller(x, maxlag, regression, autolag)`.
///
/// Without `maxlag`, it uses `ceil(12 (n / 100)^(1/4))` capped at
/// `n / 2 - ntrend - 1`. With `Autolag::Aic` every lag up to the maximum is
/// fitted on the sample the longest lag leaves, the first lag with the
/// lowest AIC wins, and the test regression is refitted with that lag on
/// all the observations it can use.
///
/// Returns an analysis error for input with non-finite values, too few
/// observations for the regression, a constant series, a `maxlag` above
/// `n / 2 - ntrend - 1`, or a final regression that has no residual degrees
/// of freedom or fits exactly (where statsmodels returns a meaningless 0,
/// NaN or rounding noise).
pub fn adfuller(
    x: &[f64],
    maxlag: Option<usize>,
    regression: Regression,
    autolag: Autolag,
) -> Result<AdfResult> {
    let maxlag = checked_maxlag(x, maxlag, regression)?;
    let xdiff: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    if xdiff.iter().any(|v| !v.is_finite()) {
        return Err(analysis("adf input differences overflow"));
    }
    let (used_lag, icbest) = match autolag {
        Autolag::Fixed => (maxlag, None),
        Autolag::Aic => {
            let (lag, ic) = aic_lag(&LagDesign::new(x, &xdiff, maxlag), regression)?;
            (lag, Some(ic))
        }
    };
    let lagged = LagDesign::new(x, &xdiff, used_lag);
    let stat = final_stat(&lagged, regression)?;
    Ok(AdfResult {
        stat,
        pvalue: mackinnonp(stat, regression, 1),
        used_lag,
        nobs: lagged.rows,
        crit: mackinnoncrit(1, regression, Some(lagged.rows as f64)),
        icbest,
    })
}

/// Checks the series and returns the lags to search: `maxlag` if given
/// and allowed, else statsmodels' default capped by the sample.
fn checked_maxlag(x: &[f64], maxlag: Option<usize>, regression: Regression) -> Result<usize> {
    let n = x.len();
    let ntrend = regression.ntrend();
    let min_obs = 2 * (ntrend + 1);
    if n < min_obs {
        return Err(analysis(format!(
            "adf needs at least {min_obs} observations, got {n}"
        )));
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(analysis("adf input contains non-finite values"));
    }
    if x.iter().all(|&v| v == x[0]) {
        return Err(analysis("constant series"));
    }
    let limit = n / 2 - ntrend - 1;
    match maxlag {
        None => Ok(default_maxlag(n).min(limit)),
        Some(m) if m > limit => {
            let reg = regression.as_str();
            Err(analysis(format!(
                "maxlag {m} is too large: at most {limit} for {n} points with regression '{reg}'"
            )))
        }
        Some(m) => Ok(m),
    }
}

/// statsmodels' AIC lag search: every lag up to the design's, fitted on
/// the same rows; returns the best lag and its AIC.
fn aic_lag(lagged: &LagDesign, regression: Regression) -> Result<(usize, f64)> {
    let trend = lagged.trend_columns(regression);
    if let Some(found) = gram_aic_lag(lagged, &trend) {
        return Ok(found);
    }
    qr_aic_lag(lagged, &trend)
}

/// The AIC search from one Gram matrix ([`adf_gram`]): `None` when the
/// design is too ill-conditioned for it, has a linear trend, or the best
/// lag is not clear of the next by more than rounding could move it.
fn gram_aic_lag(lagged: &LagDesign, trend: &[Trend]) -> Option<(usize, f64)> {
    let constant = match trend {
        [] => false,
        [Trend::Const] => true,
        _ => return None,
    };
    let ssrs = adf_gram::lag_ssrs(lagged.x, lagged.xdiff, lagged.lag, constant)?;
    let ics: Vec<f64> = ssrs
        .iter()
        .enumerate()
        .map(|(lag, ssr)| linalg::aic(*ssr, lagged.rows, trend.len() + 1 + lag))
        .collect();
    let mut best: Option<(f64, usize)> = None;
    for (lag, &ic) in ics.iter().enumerate() {
        if best.is_none_or(|(b, _)| ic < b) {
            best = Some((ic, lag));
        }
    }
    let (ic, lag) = best?;
    let runner_up = ics
        .iter()
        .enumerate()
        .filter(|(l, _)| *l != lag)
        .map(|(_, v)| *v)
        .fold(f64::INFINITY, f64::min);
    (runner_up - ic > GRAM_AIC_MARGIN * ic.abs().max(1.0)).then_some((lag, ic))
}

/// The QR search: one factorisation of the widest design serves every lag,
/// with statsmodels' rank rules.
fn qr_aic_lag(lagged: &LagDesign, trend: &[Trend]) -> Result<(usize, f64)> {
    let startlag = trend.len() + 1;
    // statsmodels prepends the deterministic terms here, so every
    // candidate is a leading block of the same design.
    let widths: Vec<usize> = (startlag..=startlag + lagged.lag).collect();
    let fits = linalg::prefix_ssr_rows(
        lagged.rows,
        startlag + lagged.lag,
        |r, row| lagged.fill_row(trend, true, r, row),
        lagged.y,
        &widths,
    )
    .ok_or_else(|| analysis("adf lag search failed to factor the design"))?;
    let mut best: Option<(f64, usize)> = None;
    for (lag, &(ssr, rank)) in fits.iter().enumerate() {
        let ic = linalg::aic(ssr, lagged.rows, rank);
        // Python's min over (aic, lag) tuples: a strictly lower AIC
        // wins, so ties go to the shorter lag.
        if best.is_none_or(|(b, _)| ic < b) {
            best = Some((ic, lag));
        }
    }
    let (ic, lag) = best.ok_or_else(|| analysis("adf lag search found no candidate"))?;
    Ok((lag, ic))
}

/// The regression at the chosen lag and its t-value on the level, refused
/// where statsmodels would return noise.
fn final_stat(lagged: &LagDesign, regression: Regression) -> Result<f64> {
    let trend = lagged.trend_columns(regression);
    // The final fit appends the deterministic terms, so the level stays in
    // column 0 whichever of them were kept.
    let fit = linalg::ols_rows(
        lagged.rows,
        lagged.lag + 1 + trend.len(),
        |r, row| lagged.fill_row(&trend, false, r, row),
        lagged.y,
    )
    .ok_or_else(|| analysis("adf regression failed to factor the design"))?;
    if fit.rank >= fit.nobs {
        return Err(analysis(format!(
            "adf regression has no residual degrees of freedom ({} observations, rank {})",
            fit.nobs, fit.rank
        )));
    }
    let yy: f64 = lagged.y.iter().map(|v| v * v).sum();
    if !(yy.is_finite() && fit.ssr.is_finite()) {
        return Err(analysis(
            "adf regression overflowed; the series is too large to square",
        ));
    }
    if fit.ssr <= EXACT_FIT_RTOL * yy {
        return Err(analysis(
            "adf regression fits the differences exactly; the series is deterministic",
        ));
    }
    let stat = fit.tvalue(0);
    if !stat.is_finite() {
        return Err(analysis("adf statistic is not finite"));
    }
    Ok(stat)
}

/// Holds the ADF regression data for one lag length: statsmodels'
/// `lagmat(diff(x), lag, trim="both", original="in")` with its first column
/// replaced by the lagged level.
struct LagDesign<'a> {
    x: &'a [f64],
    xdiff: &'a [f64],
    lag: usize,
    rows: usize,
    /// The differences being explained, `diff(x)[lag..]`.
    y: &'a [f64],
}

impl<'a> LagDesign<'a> {
    fn new(x: &'a [f64], xdiff: &'a [f64], lag: usize) -> Self {
        let rows = xdiff.len() - lag;
        LagDesign {
            x,
            xdiff,
            lag,
            rows,
            y: &xdiff[lag..],
        }
    }

    /// Returns column `j` at row `r`: the level for `j == 0`, else the
    /// difference `j` steps back.
    fn value(&self, r: usize, j: usize) -> f64 {
        let t = self.lag + r;
        if j == 0 {
            self.x[t]
        } else {
            self.xdiff[t - j]
        }
    }

    /// Returns the deterministic columns statsmodels' `add_trend` adds:
    /// it skips the constant when a lag column is already a nonzero
    /// constant, which a linear stretch of `x` can cause.
    fn trend_columns(&self, regression: Regression) -> Vec<Trend> {
        let has_const = (0..=self.lag).any(|j| {
            let first = self.value(0, j);
            first != 0.0 && (1..self.rows).all(|r| self.value(r, j) == first)
        });
        let mut cols = Vec::with_capacity(2);
        if regression != Regression::N && !has_const {
            cols.push(Trend::Const);
        }
        if regression == Regression::Ct {
            cols.push(Trend::Linear);
        }
        cols
    }

    /// Writes row `r` of the design, deterministic terms first when
    /// `prepend`; the design is never built whole (a million rows times a
    /// hundred lags would be most of a gigabyte).
    fn fill_row(&self, trend: &[Trend], prepend: bool, r: usize, row: &mut [f64]) {
        let k = self.lag + 1;
        let offset = if prepend { trend.len() } else { 0 };
        let trend_at = if prepend { 0 } else { k };
        for (c, v) in row.iter_mut().enumerate() {
            *v = if c >= trend_at && c < trend_at + trend.len() {
                match trend[c - trend_at] {
                    Trend::Const => 1.0,
                    Trend::Linear => (r + 1) as f64,
                }
            } else {
                self.value(r, c - offset)
            };
        }
    }
}

/// Names a deterministic regressor.
#[derive(Clone, Copy)]
enum Trend {
    Const,
    Linear,
}

/// Returns statsmodels' default maximum lag for `n` points, Schwert's
/// rule `ceil(12 (n / 100)^(1/4))`, before the cap by the sample size.
///
/// ```
/// assert_eq!(spreadwatch_engine::core::adf::default_maxlag(300), 16);
/// ```
pub fn default_maxlag(n: usize) -> usize {
    // statsmodels' float expression verbatim, so the ceiling lands on the
    // same integer.
    (12.0 * (n as f64 / 100.0).powf(0.25)).ceil() as usize
}

pub(super) fn analysis(msg: impl Into<String>) -> Error {
    Error::Analysis(msg.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::reference::reference;
    use crate::core::test_series::{arb_value, random_walk};
    use proptest::prelude::*;

    /// Stationary, random-walk, serially correlated and short series, each
    /// regression, the AIC search and fixed lags: statsmodels' every number.
    #[test]
    fn matches_statsmodels() {
        let cases = &reference().adfuller;
        assert_eq!(cases.len(), 9);
        for c in cases {
            let autolag = if c.autolag {
                Autolag::Aic
            } else {
                Autolag::Fixed
            };
            let r = adfuller(&c.series.build(), c.maxlag, c.regression(), autolag).unwrap();
            let case = format!("{:?} maxlag {:?} {:?}", c.series, c.maxlag, c.regression());
            assert!(
                (r.stat - c.stat).abs() <= 1e-9 * c.stat.abs(),
                "{case}: stat {} vs {}",
                r.stat,
                c.stat
            );
            assert!(
                (r.pvalue - c.pvalue).abs() <= 1e-9 * c.pvalue.clamp(1e-300, 1.0),
                "{case}: p {} vs {}",
                r.pvalue,
                c.pvalue
            );
            assert_eq!((r.used_lag, r.nobs), (c.used_lag, c.nobs), "{case}");
            for (g, w) in r.crit.iter().zip(c.crit) {
                assert!((g - w).abs() <= 1e-14 * w.abs(), "{case}: crit {g} vs {w}");
            }
            match (r.icbest, c.icbest) {
                (Some(g), Some(w)) => assert!((g - w).abs() <= 1e-10 * w.abs(), "{case}: ic"),
                (None, None) => {}
                other => panic!("{case}: icbest {other:?}"),
            }
        }
    }

    #[test]
    fn a_zero_residual_lag_is_refused() {
        // statsmodels picks 9 lags on 10 rows here and reports a t of -0.0
        // from a zero-residual fit; that is refused instead.
        let s = random_walk(3, 20, 10.0);
        let err = adfuller(&s, None, Regression::N, Autolag::Aic).unwrap_err();
        assert!(matches!(err, Error::Analysis(m) if m.contains("degrees of freedom")));
    }

    #[test]
    fn bad_input_is_an_error() {
        let msg = |r: Result<AdfResult>| match r {
            Err(Error::Analysis(m)) => m,
            other => panic!("expected an analysis error, got {other:?}"),
        };
        assert_eq!(
            msg(adfuller(&[], None, Regression::C, Autolag::Aic)),
            "adf needs at least 4 observations, got 0"
        );
        assert_eq!(
            msg(adfuller(&[1.0; 10], None, Regression::C, Autolag::Aic)),
            "constant series"
        );
        assert!(msg(adfuller(
            &[1.0, f64::NAN, 2.0, 3.0, 1.0],
            None,
            Regression::C,
            Autolag::Aic
        ))
        .contains("non-finite"));
        let x = random_walk(2, 30, 1.0);
        assert!(msg(adfuller(&x, Some(14), Regression::C, Autolag::Aic))
            .contains("maxlag 14 is too large"));
        assert!(adfuller(&x, Some(13), Regression::C, Autolag::Aic).is_ok());
        let huge = [1e200, -1e200, 1e200, 3e200, -2e200, 1e199];
        assert!(msg(adfuller(&huge, None, Regression::C, Autolag::Aic)).contains("overflowed"));
        let line: Vec<f64> = (0..30).map(|i| i as f64 * 0.5).collect();
        assert!(msg(adfuller(&line, None, Regression::C, Autolag::Aic)).contains("exactly"));
    }

    /// An AR(1) with coefficient `phi`, from a fixed LCG.
    fn ar(seed: u64, n: usize, phi: f64, level: f64) -> Vec<f64> {
        let mut state = seed | 1;
        let mut v = 0.0;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                v = phi * v + ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5);
                level + v
            })
            .collect()
    }

    proptest! {
        /// The Gram search picks the lag the QR search picks, with the same
        /// AIC, whenever it answers.
        #[test]
        fn the_gram_search_agrees_with_the_qr_search(
            seed in any::<u64>(),
            n in 40usize..1600,
            phi in -0.5f64..1.0,
            level in prop_oneof![Just(0.0), Just(100.0), Just(43_000.0)],
            reg in prop_oneof![Just(Regression::N), Just(Regression::C)],
        ) {
            let x = ar(seed, n, phi, level);
            let xdiff: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
            let maxlag = checked_maxlag(&x, None, reg).unwrap();
            let lagged = LagDesign::new(&x, &xdiff, maxlag);
            let trend = lagged.trend_columns(reg);
            let qr = qr_aic_lag(&lagged, &trend).unwrap();
            if let Some(gram) = gram_aic_lag(&lagged, &trend) {
                prop_assert_eq!(gram.0, qr.0);
                // Both are within rounding of statsmodels (which
                // matches_statsmodels holds to 1e-10); between them, a price
                // level's conditioning leaves a few more digits of noise.
                prop_assert!((gram.1 - qr.1).abs() <= 1e-9 * qr.1.abs(), "{} vs {}", gram.1, qr.1);
            }
        }

        #[test]
        fn adfuller_never_panics(
            x in prop::collection::vec(arb_value(), 0..200),
            maxlag in prop::option::of(0usize..40),
            reg in prop_oneof![Just(Regression::N), Just(Regression::C), Just(Regression::Ct)],
            aic in any::<bool>(),
        ) {
            let autolag = if aic { Autolag::Aic } else { Autolag::Fixed };
            if let Ok(r) = adfuller(&x, maxlag, reg, autolag) {
                prop_assert!(r.stat.is_finite());
                prop_assert!((0.0..=1.0).contains(&r.pvalue));
                prop_assert!(r.nobs + r.used_lag < x.len());
            }
        }

        #[test]
        fn random_walks_always_give_a_result(seed in any::<u64>(), n in 30usize..300) {
            let x = random_walk(seed, n, 0.0);
            let r = adfuller(&x, None, Regression::C, Autolag::Aic).unwrap();
            // Schwert's cap for 300 points is ceil(12 * 3^(1/4)) = 16.
            prop_assert!(r.stat.is_finite() && r.used_lag <= 16);
        }
    }
}
