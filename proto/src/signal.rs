//! Pair analytics: parameters, live statistics, alerts and chart points
//! (the report of `spreadwatch analyze` is in [`analyze`](crate::analyze)).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Interval, PairId};

/// Which hedge ratio the spread uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Model {
    /// Ordinary least squares over the lookback.
    #[default]
    #[serde(rename = "ols")]
    Ols,
    /// Huber robust regression (statsmodels RLM, HuberT).
    #[serde(rename = "huber")]
    Huber,
    /// Theil-Sen median of pairwise slopes (scipy theilslopes).
    #[serde(rename = "theil-sen", alias = "theil_sen")]
    TheilSen,
    /// Kalman-filtered dynamic hedge ratio (pykalman).
    #[serde(rename = "kalman")]
    Kalman,
}

impl Model {
    /// The name used on the wire and the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Model::Ols => "ols",
            Model::Huber => "huber",
            Model::TheilSen => "theil-sen",
            Model::Kalman => "kalman",
        }
    }

    /// The line this model hedges with, chosen from the static fits; none
    /// for Kalman, whose hedge moves with every point.
    ///
    /// ```
    /// use spreadwatch_proto::{Hedge, Model};
    /// let h = |beta| Some(Hedge { beta, alpha: 0.0 });
    /// assert_eq!(Model::Huber.static_hedge(h(1.0), h(2.0), h(3.0)), h(2.0));
    /// assert_eq!(Model::Kalman.static_hedge(h(1.0), h(2.0), h(3.0)), None);
    /// ```
    pub fn static_hedge(
        self,
        ols: Option<Hedge>,
        huber: Option<Hedge>,
        theil_sen: Option<Hedge>,
    ) -> Option<Hedge> {
        self.pick(ols, huber, theil_sen, None)
    }

    /// This model's one of four estimates (a hedge, a β, a series…): the
    /// one place a model is mapped to its estimate.
    ///
    /// ```
    /// use spreadwatch_proto::Model;
    /// assert_eq!(Model::TheilSen.pick(1, 2, 3, 4), 3);
    /// ```
    pub fn pick<T>(self, ols: T, huber: T, theil_sen: T, kalman: T) -> T {
        match self {
            Model::Ols => ols,
            Model::Huber => huber,
            Model::TheilSen => theil_sen,
            Model::Kalman => kalman,
        }
    }
}

impl FromStr for Model {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ols" => Ok(Model::Ols),
            "huber" => Ok(Model::Huber),
            "theil-sen" | "theil_sen" | "theilsen" => Ok(Model::TheilSen),
            "kalman" => Ok(Model::Kalman),
            other => Err(format!(
                "unknown model {other:?}: expected ols, huber, theil-sen or kalman"
            )),
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a pair samples its legs: on every trade, or on aligned bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sampling {
    /// The last trade of both legs, on every trade of either.
    Tick,
    /// Closes of bars at this interval, inner-joined on bar start.
    Bar(Interval),
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling::Bar(Interval::S1)
    }
}

impl FromStr for Sampling {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "tick" => Ok(Sampling::Tick),
            other => other
                .parse::<Interval>()
                .map(Sampling::Bar)
                .map_err(|_| format!("invalid interval {other:?}: expected tick, 1s, 1m or 5m")),
        }
    }
}

impl fmt::Display for Sampling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sampling::Tick => f.write_str("tick"),
            Sampling::Bar(iv) => f.write_str(iv.as_str()),
        }
    }
}

impl Serialize for Sampling {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Sampling {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A pair's run-time parameters; all can change without a restart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PairParams {
    /// Sampling: `tick`, `1s`, `1m` or `5m`.
    pub interval: Sampling,
    /// The hedge model the spread uses.
    pub model: Model,
    /// z-score and correlation window, in points.
    pub window: usize,
    /// Regression lookback, in points.
    pub lookback: usize,
    /// Alert threshold k on |z|.
    pub z_threshold: f64,
    /// Alert hysteresis h: re-arm once |z| < k − h.
    pub hysteresis: f64,
    /// Kalman delta: Q = delta / (1 − delta) · I.
    pub kalman_delta: f64,
    /// Kalman observation variance R.
    pub kalman_r: f64,
    /// A leg that has not traded for this long (data time) makes the pair stale.
    pub stale_after_ms: i64,
}

impl Default for PairParams {
    fn default() -> Self {
        PairParams {
            interval: Sampling::default(),
            model: Model::Ols,
            window: 60,
            lookback: 300,
            z_threshold: 2.0,
            hysteresis: 0.0,
            kalman_delta: 1e-4,
            kalman_r: 1.0,
            stale_after_ms: 10_000,
        }
    }
}

impl PairParams {
    /// Checks every field, naming the first that is out of range.
    pub fn validate(&self) -> Result<(), String> {
        if self.window < 2 || self.window > 100_000 {
            return Err(format!("window {} must be 2 to 100000", self.window));
        }
        if self.lookback < 3 || self.lookback > 1_000_000 {
            return Err(format!("lookback {} must be 3 to 1000000", self.lookback));
        }
        if !(self.z_threshold.is_finite() && self.z_threshold > 0.0) {
            return Err(format!(
                "z_threshold {} must be a finite number above 0",
                self.z_threshold
            ));
        }
        if !(self.hysteresis.is_finite()
            && self.hysteresis >= 0.0
            && self.hysteresis < self.z_threshold)
        {
            return Err(format!(
                "hysteresis {} must be at least 0 and below z_threshold",
                self.hysteresis
            ));
        }
        if !(self.kalman_delta.is_finite() && self.kalman_delta > 0.0 && self.kalman_delta < 1.0) {
            return Err(format!(
                "kalman_delta {} must be in (0, 1)",
                self.kalman_delta
            ));
        }
        if !(self.kalman_r.is_finite() && self.kalman_r > 0.0) {
            return Err(format!(
                "kalman_r {} must be a finite number above 0",
                self.kalman_r
            ));
        }
        if self.stale_after_ms <= 0 {
            return Err(format!(
                "stale_after_ms {} must be above 0",
                self.stale_after_ms
            ));
        }
        Ok(())
    }
}

/// A fitted line `y = alpha + beta · x`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Hedge {
    /// Slope (hedge ratio).
    pub beta: f64,
    /// Intercept.
    pub alpha: f64,
}

/// The side of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// z rose above +k.
    Above,
    /// z fell below −k.
    Below,
}

/// An alert: |z| crossed the threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The pair.
    pub pair: PairId,
    /// Time of the point that crossed, ms.
    pub ts: i64,
    /// The z-score.
    pub z: f64,
    /// Which way.
    pub side: Side,
    /// The threshold in force.
    pub threshold: f64,
}

/// ADF test result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdfStats {
    /// Test statistic.
    pub stat: f64,
    /// MacKinnon p-value.
    pub pvalue: f64,
    /// Lags used.
    pub used_lag: usize,
    /// Observations used.
    pub nobs: usize,
    /// Critical values.
    pub crit: CritValues,
}

/// Critical values at 1 %, 5 % and 10 %.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CritValues {
    /// 1 %.
    #[serde(rename = "1%")]
    pub p1: f64,
    /// 5 %.
    #[serde(rename = "5%")]
    pub p5: f64,
    /// 10 %.
    #[serde(rename = "10%")]
    pub p10: f64,
}

/// Engle-Granger cointegration test result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CointStats {
    /// Test statistic.
    pub stat: f64,
    /// MacKinnon p-value.
    pub pvalue: f64,
}

/// The live state of a pair after one update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairStats {
    /// The pair.
    pub pair: PairId,
    /// Time of the point, ms (bar start, or trade time in tick mode).
    pub ts: i64,
    /// True for an update from forming values; false for a committed point.
    pub provisional: bool,
    /// x price.
    pub x: f64,
    /// y price.
    pub y: f64,
    /// The model the spread uses.
    pub model: Model,
    /// Hedge used for the spread (for kalman, the dynamic one).
    pub hedge: Option<Hedge>,
    /// OLS over the lookback, with r².
    pub ols: Option<Hedge>,
    /// OLS r².
    pub r2: Option<f64>,
    /// Huber over the lookback (recomputed at most every 250 ms).
    pub huber: Option<Hedge>,
    /// Theil-Sen over the lookback (recomputed at most every 250 ms).
    pub theil_sen: Option<Hedge>,
    /// Kalman beta_t/alpha_t.
    pub kalman: Option<Hedge>,
    /// Spread y − beta·x − alpha.
    pub spread: Option<f64>,
    /// Rolling z-score of the spread.
    pub z: Option<f64>,
    /// Rolling mean of the spread (for the ±k·std bands).
    pub spread_mean: Option<f64>,
    /// Rolling standard deviation of the spread.
    pub spread_std: Option<f64>,
    /// Rolling Pearson correlation of x and y.
    pub corr: Option<f64>,
    /// ADF on the spread over the lookback.
    pub adf: Option<AdfStats>,
    /// Engle-Granger on the lookback.
    pub coint: Option<CointStats>,
    /// Half-life of mean reversion, in points.
    pub half_life: Option<f64>,
    /// Committed points so far.
    pub n: u64,
    /// True when a leg has not traded for too long; alerts are held back.
    pub stale: bool,
    /// Why the pair is stale.
    pub stale_reason: Option<String>,
}

/// One committed point of a pair, as charted and exported.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairPoint {
    /// Time, ms.
    pub ts: i64,
    /// x price.
    pub x: f64,
    /// y price.
    pub y: f64,
    /// OLS hedge over the lookback at this point.
    pub ols_beta: Option<f64>,
    /// OLS intercept.
    pub ols_alpha: Option<f64>,
    /// Huber beta in force at this point.
    pub huber_beta: Option<f64>,
    /// Theil-Sen beta in force at this point.
    pub theil_sen_beta: Option<f64>,
    /// Kalman beta_t.
    pub kalman_beta: f64,
    /// Kalman alpha_t.
    pub kalman_alpha: f64,
    /// Spread with the selected model.
    pub spread: Option<f64>,
    /// Rolling mean of the spread (the centre of the ±k·std bands).
    #[serde(default)]
    pub spread_mean: Option<f64>,
    /// Rolling standard deviation of the spread.
    #[serde(default)]
    pub spread_std: Option<f64>,
    /// z-score.
    pub z: Option<f64>,
    /// Rolling correlation.
    pub corr: Option<f64>,
    /// An alert fired at this point.
    pub alert: Option<Side>,
}
