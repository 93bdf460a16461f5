//! The slow estimators of a pair over its lookback: Huber, Theil-Sen, ADF
//! on the spread, Engle-Granger and half-life. Pure, so the pair actor runs
//! them on the blocking pool from a copied [`HeavyInput`].

use spreadwatch_proto::signal::{AdfStats, CointStats, CritValues};
use spreadwatch_proto::{Hedge, Model};

use super::adf::{adfuller, Autolag};
use super::coint::{coint, half_life};
use super::huber::fit_huber;
use super::mackinnon::Regression;
use super::theil_sen::theil_sen;

/// Results of the slow estimators over the lookback.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HeavyResult {
    /// Huber fit.
    pub huber: Option<Hedge>,
    /// Theil-Sen fit.
    pub theil_sen: Option<Hedge>,
    /// ADF on the spread.
    pub adf: Option<AdfStats>,
    /// Engle-Granger on the legs.
    pub coint: Option<CointStats>,
    /// Half-life of the spread.
    pub half_life: Option<f64>,
}

/// Everything [`compute_heavy`] needs, copied out of the state.
#[derive(Debug, Clone, PartialEq)]
pub struct HeavyInput {
    pub(crate) x: Vec<f64>,
    pub(crate) y: Vec<f64>,
    pub(crate) kalman_spread: Vec<f64>,
    pub(crate) model: Model,
    pub(crate) ols: Option<Hedge>,
}

/// The wire form of an ADF result.
pub fn adf_stats(r: &super::adf::AdfResult) -> AdfStats {
    AdfStats {
        stat: r.stat,
        pvalue: r.pvalue,
        used_lag: r.used_lag,
        nobs: r.nobs,
        crit: CritValues {
            p1: r.crit[0],
            p5: r.crit[1],
            p10: r.crit[2],
        },
    }
}

/// Runs the slow estimators; pure, so it can run on any thread.
pub fn compute_heavy(i: &HeavyInput) -> HeavyResult {
    let huber = fit_huber(&i.x, &i.y).map(|f| Hedge {
        beta: f.beta,
        alpha: f.alpha,
    });
    let theil_sen = theil_sen(&i.x, &i.y).map(|(beta, alpha)| Hedge { beta, alpha });
    let hedge = i.model.static_hedge(i.ols, huber, theil_sen);
    let spread: Vec<f64> = match (i.model, hedge) {
        (Model::Kalman, _) => i.kalman_spread.clone(),
        (_, Some(h)) => {
            i.x.iter()
                .zip(&i.y)
                .map(|(x, y)| y - h.beta * x - h.alpha)
                .collect()
        }
        _ => Vec::new(),
    };
    // A handful of points can give a test statistic of NaN, which JSON
    // writes as null and no client reads as a number: no result instead.
    let adf = adfuller(&spread, None, Regression::C, Autolag::Aic)
        .ok()
        .filter(|r| r.stat.is_finite() && r.pvalue.is_finite())
        .map(|r| adf_stats(&r));
    let coint = coint(&i.y, &i.x, None)
        .ok()
        .filter(|r| r.stat.is_finite() && r.pvalue.is_finite())
        .map(|r| CointStats {
            stat: r.stat,
            pvalue: r.pvalue,
        });
    HeavyResult {
        huber,
        theil_sen,
        adf,
        coint,
        half_life: half_life(&spread),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_points_give_no_test_rather_than_nan() {
        for n in 2..6 {
            let x: Vec<f64> = (0..n).map(|i| 2300.0 + f64::from(i % 3) * 0.1).collect();
            let y: Vec<f64> = x.iter().map(|v| 18.6 * v + 1.0).collect();
            let h = compute_heavy(&HeavyInput {
                kalman_spread: vec![0.0; x.len()],
                x,
                y,
                model: Model::Ols,
                ols: None,
            });
            // Every number a client gets must be one (serde_json writes NaN as null).
            let json = serde_json::to_string(&(h.adf, h.coint)).unwrap();
            assert!(!json.contains("\":null"), "n {n}: {json}");
        }
    }
}
