//! The reference values the core's tests check against: what statsmodels,
//! scipy, pandas, numpy and pykalman return on the series of
//! [`test_series`](super::test_series).
//!
//! `scripts/golden/gen_core.py` (run by `make golden`) writes them into
//! `engine/tests/data/core/reference.json`, which is committed; the tests
//! read it at compile time and need no Python. Each case names its input
//! series, so both sides build the same doubles.

use std::sync::OnceLock;

use serde::Deserialize;

use super::mackinnon::Regression;
use super::test_series::{ar1, ar_diff, cointegrated, price_pair, with_outliers};

/// The whole file, parsed once.
pub(crate) fn reference() -> &'static Reference {
    static PARSED: OnceLock<Reference> = OnceLock::new();
    PARSED.get_or_init(|| {
        serde_json::from_str(include_str!("../../tests/data/core/reference.json"))
            .expect("engine/tests/data/core/reference.json matches its types")
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct Reference {
    pub mackinnonp: Vec<PValue>,
    pub mackinnoncrit: Vec<Crit>,
    pub norm_cdf: Vec<Cdf>,
    pub adfuller: Vec<Adf>,
    pub coint: Vec<Coint>,
    pub half_life: Vec<HalfLife>,
    pub ols: Vec<Ols>,
    pub huber: Vec<Huber>,
    pub theil_sen: Vec<TheilSen>,
    pub kalman: Kalman,
    pub rolling: Rolling,
    pub pairwise_sum: PairwiseSum,
}

/// An input series of [`test_series`](super::test_series).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Series {
    /// `ar1(seed, n, phi, start)`.
    Ar1(u64, usize, f64, f64),
    /// `ar_diff(seed, n, phi)`.
    ArDiff(u64, usize, f64),
    /// The y of `cointegrated()`.
    CointegratedY,
    /// The x of `cointegrated()`.
    CointegratedX,
}

impl Series {
    pub(crate) fn build(&self) -> Vec<f64> {
        match *self {
            Series::Ar1(seed, n, phi, start) => ar1(seed, n, phi, start),
            Series::ArDiff(seed, n, phi) => ar_diff(seed, n, phi),
            Series::CointegratedY => cointegrated().0,
            Series::CointegratedX => cointegrated().1,
        }
    }
}

/// An input `price_pair(n, seed, tick)`, its y optionally `with_outliers`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) struct PricePair {
    pub n: usize,
    pub seed: u64,
    pub tick: bool,
    #[serde(default)]
    pub outliers: bool,
}

impl PricePair {
    /// (x, y).
    pub(crate) fn build(&self) -> (Vec<f64>, Vec<f64>) {
        let (x, y) = price_pair(self.n, self.seed, self.tick);
        (x, if self.outliers { with_outliers(y) } else { y })
    }
}

/// statsmodels' name of a regression.
fn regression(name: &str) -> Regression {
    [Regression::N, Regression::C, Regression::Ct]
        .into_iter()
        .find(|r| r.as_str() == name)
        .unwrap_or_else(|| panic!("unknown regression {name:?}"))
}

/// A double written as its bits in hex, for tests that compare bits.
pub(crate) fn bits(hex: &str) -> u64 {
    u64::from_str_radix(hex.trim_start_matches("0x"), 16)
        .unwrap_or_else(|e| panic!("bits {hex:?}: {e}"))
}

/// `mackinnonp(stat, regression, N=n)`.
#[derive(Debug, Deserialize)]
pub(crate) struct PValue {
    regression: String,
    pub n: usize,
    pub stat: f64,
    pub p: f64,
}

/// `mackinnoncrit(N=n, regression, nobs)`; no `nobs` is the asymptote.
#[derive(Debug, Deserialize)]
pub(crate) struct Crit {
    regression: String,
    pub n: usize,
    pub nobs: Option<f64>,
    pub crit: [f64; 3],
}

/// `scipy.stats.norm.cdf(x)`.
#[derive(Debug, Deserialize)]
pub(crate) struct Cdf {
    pub x: f64,
    pub p: f64,
}

/// `adfuller(series, maxlag, regression, autolag="AIC" or None)`.
#[derive(Debug, Deserialize)]
pub(crate) struct Adf {
    pub series: Series,
    pub maxlag: Option<usize>,
    regression: String,
    pub autolag: bool,
    pub stat: f64,
    pub pvalue: f64,
    pub used_lag: usize,
    pub nobs: usize,
    pub crit: [f64; 3],
    pub icbest: Option<f64>,
}

macro_rules! regression_of {
    ($($t:ty),*) => {$(
        impl $t {
            pub(crate) fn regression(&self) -> Regression {
                regression(&self.regression)
            }
        }
    )*};
}
regression_of!(PValue, Crit, Adf);

/// `coint(y, x, trend="c", maxlag, autolag="aic")`.
#[derive(Debug, Deserialize)]
pub(crate) struct Coint {
    pub y: Series,
    pub x: Series,
    pub maxlag: Option<usize>,
    pub stat: f64,
    pub pvalue: f64,
    pub crit: [f64; 3],
}

/// `-ln 2 / b`, b the slope of `OLS(diff(s), add_constant(s[:-1]))`.
#[derive(Debug, Deserialize)]
pub(crate) struct HalfLife {
    pub series: Series,
    pub half_life: f64,
}

/// `OLS(y, add_constant(x)).fit()`.
#[derive(Debug, Deserialize)]
pub(crate) struct Ols {
    pub pair: PricePair,
    pub beta: f64,
    pub alpha: f64,
    pub r2: f64,
}

/// `RLM(y, add_constant(x), M=HuberT()).fit()`.
#[derive(Debug, Deserialize)]
pub(crate) struct Huber {
    pub pair: PricePair,
    pub beta: f64,
    pub alpha: f64,
    pub scale: f64,
    pub iterations: usize,
}

/// `scipy.stats.theilslopes(y, x)`, as bits.
#[derive(Debug, Deserialize)]
pub(crate) struct TheilSen {
    pub pair: PricePair,
    pub slope_bits: String,
    pub intercept_bits: String,
}

/// pykalman's `filter(y)` of the random-walk (beta, alpha) model.
#[derive(Debug, Deserialize)]
pub(crate) struct Kalman {
    pub pair: PricePair,
    pub delta: f64,
    pub r: f64,
    pub beta: Vec<f64>,
    pub alpha: Vec<f64>,
}

/// pandas' rolling z-score of x and rolling correlation of x and y; `None`
/// where pandas gives NaN. `z_exact_last` is the last z from exact
/// rationals and a 60-digit root.
#[derive(Debug, Deserialize)]
pub(crate) struct Rolling {
    pub pair: PricePair,
    pub z_window: usize,
    pub z: Vec<Option<f64>>,
    pub z_exact_last: f64,
    pub corr_window: usize,
    pub corr: Vec<Option<f64>>,
}

/// `np.sum` of `(uniform - 0.5) * 10^(i % 17)` for `n` uniforms of
/// `Lcg(seed)`.
#[derive(Debug, Deserialize)]
pub(crate) struct PairwiseSum {
    pub seed: u64,
    pub n: usize,
    pub sum_bits: String,
}
