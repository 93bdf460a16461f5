//! The report of `spreadwatch analyze` and `POST /api/analyze`: static
//! fits, the Kalman series, spread, z, correlation, ADF, cointegration and
//! alerts over one uploaded sample.

use serde::{Deserialize, Serialize};

use crate::signal::{AdfStats, CointStats, Hedge, Side};

/// `{"beta","alpha","r2"}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OlsReport {
    /// Slope.
    pub beta: f64,
    /// Intercept.
    pub alpha: f64,
    /// R².
    pub r2: f64,
}

/// Static fits of the whole sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RegressionReport {
    /// statsmodels OLS.
    pub ols: OlsReport,
    /// statsmodels RLM with HuberT.
    pub huber: Hedge,
    /// scipy theilslopes; null when it could not be found in bounded time
    /// and another model was asked for (see `core::theil_sen`).
    #[serde(default)]
    pub theil_sen: Option<Hedge>,
}

/// Kalman series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct KalmanSeries {
    /// beta_t.
    pub beta: Vec<f64>,
    /// alpha_t.
    pub alpha: Vec<f64>,
}

/// One alert in an analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRow {
    /// Position in the aligned series.
    pub index: usize,
    /// Time, ms.
    pub ts: i64,
    /// z at that point.
    pub z: f64,
    /// Which way.
    pub side: Side,
}

/// The result of `spreadwatch analyze` and `POST /api/analyze`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzeReport {
    /// Aligned rows.
    pub n: usize,
    /// Static fits.
    pub regression: RegressionReport,
    /// Dynamic hedge ratio.
    pub kalman: KalmanSeries,
    /// Spread with the selected model.
    pub spread: Vec<Option<f64>>,
    /// Rolling z-score (null for the first window − 1 points).
    pub zscore: Vec<Option<f64>>,
    /// Rolling correlation.
    pub corr: Vec<Option<f64>>,
    /// ADF on the spread.
    pub adf: Option<AdfStats>,
    /// Engle-Granger.
    pub coint: Option<CointStats>,
    /// Half-life in points; null when the spread does not revert.
    pub half_life: Option<f64>,
    /// Threshold crossings.
    pub alerts: Vec<AlertRow>,
    /// Times of the aligned rows, ms (for charts; not in the golden files).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ts: Vec<i64>,
    /// x closes (for charts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub x: Vec<f64>,
    /// y closes (for charts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub y: Vec<f64>,
}
