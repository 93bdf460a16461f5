//! The pair scanner's ranking: every pair of a market screened by
//! correlation and ranked by Engle-Granger cointegration (`spreadwatch
//! scan`, `/api/scan`, the `scan` WebSocket frame).

use serde::{Deserialize, Serialize};

use crate::Symbol;

/// The settings of one scan (the `scan` flags and `--scan-*` options).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScanParams {
    /// Bar times in the window (the newest ones).
    pub lookback: usize,
    /// Pairs with a smaller |correlation| of log returns are not tested.
    pub min_corr: f64,
    /// At most this many pairs (by |correlation|) are tested.
    pub max_candidates: usize,
    /// Pairs kept in the ranking.
    pub top: usize,
    /// Points of the spread the z of its last point is taken over.
    pub window: usize,
}

impl Default for ScanParams {
    fn default() -> Self {
        ScanParams {
            lookback: 1_440,
            min_corr: 0.7,
            max_candidates: 5_000,
            top: 200,
            window: 60,
        }
    }
}

impl ScanParams {
    /// Checks every setting, naming the first one out of range.
    ///
    /// # Errors
    /// A message naming the setting, its value and what it must be.
    pub fn validate(&self) -> Result<(), String> {
        if self.lookback < 4 {
            return Err(format!("lookback {} must be at least 4", self.lookback));
        }
        if !(self.min_corr.is_finite() && (0.0..=1.0).contains(&self.min_corr)) {
            return Err(format!("min-corr {} must be in [0, 1]", self.min_corr));
        }
        if self.max_candidates == 0 {
            return Err("max-candidates must be at least 1".into());
        }
        if self.top == 0 {
            return Err("top must be at least 1".into());
        }
        if self.window < 2 {
            return Err(format!("window {} must be at least 2", self.window));
        }
        Ok(())
    }
}

/// The Engle-Granger test of one ordered pair.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScanCoint {
    /// The ADF statistic of the residual; null when the fit is perfect
    /// (statsmodels' `-inf`).
    pub stat: Option<f64>,
    /// MacKinnon's p-value.
    pub pvalue: f64,
}

/// One ranked pair, in the order (Y on X) with the lower p-value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanResult {
    /// The dependent leg.
    pub y: Symbol,
    /// The independent leg.
    pub x: Symbol,
    /// Pearson correlation of the joined closes' log returns.
    pub corr: f64,
    /// `coint(y, x)`: constant, AIC lag search.
    pub coint: ScanCoint,
    /// OLS slope of Y on X.
    pub beta: f64,
    /// OLS intercept.
    pub alpha: f64,
    /// Half-life of `y - (alpha + beta x)` in bars; null when it does not
    /// revert.
    pub half_life: Option<f64>,
    /// z of the spread's last point over its last `window` points (mean,
    /// standard deviation with ddof 1); null when too short or flat.
    pub z: Option<f64>,
    /// Bars both legs have in the window.
    pub n: usize,
}

/// A whole scan: what `spreadwatch scan` prints and `/api/scan` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    /// Symbols with bars in the window.
    pub symbols: usize,
    /// Pairs with enough common bars to be screened.
    pub pairs_screened: usize,
    /// Pairs tested for cointegration.
    pub candidates: usize,
    /// How long the scan took.
    pub elapsed_ms: u64,
    /// The ranking: p ascending, then half-life ascending (none last).
    pub results: Vec<ScanResult>,
}

/// The live scanner's latest ranking (`GET /api/scan`, the `scan` frame).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveScan {
    /// The end of the window: the 1 m bar close (data time, ms) it ran on.
    pub time_ms: i64,
    /// The settings it ran with.
    pub params: ScanParams,
    /// What it found.
    #[serde(flatten)]
    pub report: ScanReport,
}

/// The live scanner's counters (`/api/status`, `/metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct ScanStatus {
    /// Scans run.
    pub scans: u64,
    /// Scans due while one still ran, so not started.
    pub skipped: u64,
    /// Scans that failed (logged).
    #[serde(default)]
    pub failed: u64,
    /// How long the last one took, ms.
    pub last_ms: u64,
    /// Pairs the last one tested.
    pub candidates: u64,
    /// Pairs the last one screened.
    pub pairs_screened: u64,
    /// The end of the last one's window (data time, ms).
    pub time_ms: Option<i64>,
}
