//! The whole-sample computation behind an [`AnalyzeReport`].

use spreadwatch_proto::analyze::{AlertRow, KalmanSeries, OlsReport, RegressionReport};
use spreadwatch_proto::signal::CointStats;
use spreadwatch_proto::{AnalyzeReport, Hedge, Model};

use super::input::Aligned;
use crate::core::adf::{adfuller, Autolag};
use crate::core::alert::detect_alerts;
use crate::core::coint::{coint, half_life};
use crate::core::heavy::adf_stats;
use crate::core::huber::fit_huber;
use crate::core::kalman_hedge::kalman_series;
use crate::core::mackinnon::Regression;
use crate::core::ols::fit_ols;
use crate::core::rolling::{rolling_corr, rolling_zscore};
use crate::core::theil_sen::try_theil_sen;
use crate::error::{Error, Result};

/// Settings of one analysis (the `analyze` flags).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalyzeOptions {
    /// z-score and correlation window.
    pub window: usize,
    /// Keep only the last N aligned rows.
    pub last: Option<usize>,
    /// The model the spread uses.
    pub model: Model,
    /// Kalman delta.
    pub kalman_delta: f64,
    /// Kalman observation variance.
    pub kalman_r: f64,
    /// Alert threshold k.
    pub z: f64,
    /// Alert hysteresis h.
    pub hysteresis: f64,
    /// ADF/coint maximum lag (default: statsmodels' rule).
    pub maxlag: Option<usize>,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            window: 60,
            last: None,
            model: Model::Ols,
            kalman_delta: 1e-4,
            kalman_r: 1.0,
            z: 2.0,
            hysteresis: 0.0,
            maxlag: None,
        }
    }
}

impl AnalyzeOptions {
    fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Config(m));
        if self.window < 2 {
            return bad(format!("window {} must be at least 2", self.window));
        }
        if self.last == Some(0) {
            return bad("last must be at least 1".into());
        }
        if !(self.z.is_finite() && self.z > 0.0) {
            return bad(format!(
                "z threshold {} must be a finite number above 0",
                self.z
            ));
        }
        if !(self.hysteresis.is_finite() && self.hysteresis >= 0.0 && self.hysteresis < self.z) {
            return bad(format!(
                "hysteresis {} must be at least 0 and below the z threshold",
                self.hysteresis
            ));
        }
        if !(self.kalman_delta > 0.0 && self.kalman_delta < 1.0) {
            return bad(format!(
                "kalman delta {} must be in (0, 1)",
                self.kalman_delta
            ));
        }
        if !(self.kalman_r.is_finite() && self.kalman_r > 0.0) {
            return bad(format!(
                "kalman R {} must be a finite number above 0",
                self.kalman_r
            ));
        }
        Ok(())
    }
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Runs every estimator on the aligned sample. `file` names the input in errors.
pub fn analyze(mut data: Aligned, o: &AnalyzeOptions, file: &str) -> Result<AnalyzeReport> {
    o.validate()?;
    if let Some(n) = o.last {
        data.keep_last(n);
    }
    check_sample(&data, o, file)?;
    let (x, y) = (&data.x, &data.y);
    let regression = fit_regressions(x, y, o.model)?;
    let (kb, ka) = kalman_series(x, y, o.kalman_delta, o.kalman_r);
    let spread = spread_of(o.model, &regression, (&kb, &ka), x, y);
    let z = rolling_zscore(&spread, o.window);
    let corr = rolling_corr(x, y, o.window);
    let adf = adfuller(&spread, o.maxlag, Regression::C, Autolag::Aic)
        .ok()
        .map(|r| adf_stats(&r));
    let coint = coint(y, x, o.maxlag).ok().map(|r| CointStats {
        stat: r.stat,
        pvalue: r.pvalue,
    });
    let alerts = alerts_of(&z, &data.ts, o);
    Ok(AnalyzeReport {
        n: data.len(),
        regression,
        kalman: KalmanSeries {
            beta: kb,
            alpha: ka,
        },
        spread: spread.iter().map(|v| finite(*v)).collect(),
        zscore: z,
        corr,
        adf,
        coint,
        half_life: half_life(&spread),
        alerts,
        ts: Vec::new(),
        x: Vec::new(),
        y: Vec::new(),
    })
}

/// Refuses a sample the estimators cannot run on, saying why.
fn check_sample(data: &Aligned, o: &AnalyzeOptions, file: &str) -> Result<()> {
    let n = data.len();
    if n < o.window.max(3) {
        return Err(Error::input(
            file,
            None,
            None,
            format!("fewer aligned rows ({n}) than the window ({})", o.window),
        ));
    }
    if data.x.iter().all(|v| *v == data.x[0]) {
        return Err(Error::input(
            file,
            None,
            Some("close"),
            "x is constant, so no hedge ratio can be fitted",
        ));
    }
    // adfuller's own bound for a regression with a constant: a maxlag the
    // user gave above it is an error, not a silent null.
    let lag_limit = (n / 2).saturating_sub(2);
    if let Some(m) = o.maxlag.filter(|m| *m > lag_limit) {
        return Err(Error::Config(format!(
            "maxlag {m} is too large: at most {lag_limit} for {n} rows"
        )));
    }
    Ok(())
}

/// The static fits: OLS, Huber and Theil-Sen. A Theil-Sen median that
/// cannot be found in bounded time fails the analysis only when it is the
/// model asked for.
fn fit_regressions(x: &[f64], y: &[f64], model: Model) -> Result<RegressionReport> {
    let ols = fit_ols(x, y).ok_or_else(|| Error::Analysis("ols fit failed".into()))?;
    let huber = fit_huber(x, y).ok_or_else(|| Error::Analysis("huber fit failed".into()))?;
    let theil_sen = match try_theil_sen(x, y) {
        Ok((beta, alpha)) => Some(Hedge { beta, alpha }),
        Err(e) if model == Model::TheilSen => return Err(e),
        Err(e) => {
            tracing::warn!("analysis without Theil-Sen: {e}");
            None
        }
    };
    Ok(RegressionReport {
        ols: OlsReport {
            beta: ols.beta,
            alpha: ols.alpha,
            r2: ols.r2,
        },
        huber: Hedge {
            beta: huber.beta,
            alpha: huber.alpha,
        },
        theil_sen,
    })
}

/// The spread under `model`: a static fit's line, or the Kalman hedge's
/// at each point.
fn spread_of(
    model: Model,
    r: &RegressionReport,
    (kb, ka): (&[f64], &[f64]),
    x: &[f64],
    y: &[f64],
) -> Vec<f64> {
    let ols = Hedge {
        beta: r.ols.beta,
        alpha: r.ols.alpha,
    };
    let (beta, alpha) = model
        .static_hedge(Some(ols), Some(r.huber), r.theil_sen)
        .map_or((f64::NAN, f64::NAN), |h| (h.beta, h.alpha));
    (0..x.len())
        .map(|i| match model {
            Model::Kalman => y[i] - kb[i] * x[i] - ka[i],
            _ => y[i] - beta * x[i] - alpha,
        })
        .collect()
}

/// Where |z| crossed the threshold, with hysteresis.
fn alerts_of(z: &[Option<f64>], ts: &[i64], o: &AnalyzeOptions) -> Vec<AlertRow> {
    detect_alerts(z, o.z, o.hysteresis)
        .into_iter()
        .filter_map(|(i, side)| {
            Some(AlertRow {
                index: i,
                ts: ts[i],
                z: z[i]?,
                side,
            })
        })
        .collect()
}
