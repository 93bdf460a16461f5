//! Turns an uploaded CSV's analysis (`POST /api/analyze`) into the same rows
//! the live charts draw, so both modes share every chart and stat box.

use std::rc::Rc;

use spreadwatch_proto::{Alert, AnalyzeReport, Model, PairId, PairPoint};

use crate::series::{Candle, Series};

/// The analysis, ready to chart.
#[derive(Debug, Clone)]
pub struct UploadView {
    /// The file name.
    pub name: String,
    /// The legs analysed.
    pub pair: PairId,
    /// The server's report.
    pub report: AnalyzeReport,
    /// Pair rows.
    pub points: Series<PairPoint>,
    /// y then x closes as candles of one price (a CSV of closes has no
    /// OHLC; the charts draw them as lines).
    pub legs: [Series<Candle>; 2],
    /// The model the spread used.
    pub model: Model,
    /// The threshold crossings, as alerts.
    pub alerts: Rc<Vec<Alert>>,
}

/// The report's rows as chart points, with the rolling mean and std of the
/// spread over `window` (what the report's z used).
fn points(report: &AnalyzeReport, n: usize, window: usize) -> Series<PairPoint> {
    let (mean, std) = rolling_mean_std(&report.spread[..n.min(report.spread.len())], window);
    let mut alerts = vec![None; n];
    for a in report.alerts.iter().filter(|a| a.index < n) {
        alerts[a.index] = Some(a.side);
    }
    let at = |v: &Vec<Option<f64>>, i: usize| v.get(i).copied().flatten();
    let reg = report.regression;
    let kalman = |v: &Vec<f64>, i: usize| v.get(i).copied().unwrap_or(f64::NAN);
    let rows = (0..n).map(|i| PairPoint {
        ts: report.ts[i],
        x: report.x[i],
        y: report.y[i],
        ols_beta: Some(reg.ols.beta),
        ols_alpha: Some(reg.ols.alpha),
        huber_beta: Some(reg.huber.beta),
        theil_sen_beta: reg.theil_sen.map(|h| h.beta),
        kalman_beta: kalman(&report.kalman.beta, i),
        kalman_alpha: kalman(&report.kalman.alpha, i),
        spread: at(&report.spread, i),
        spread_mean: mean.get(i).copied().flatten(),
        spread_std: std.get(i).copied().flatten(),
        z: at(&report.zscore, i),
        corr: at(&report.corr, i),
        alert: alerts[i],
    });
    let mut s = Series::new(usize::MAX);
    s.reset(rows);
    s
}

/// A leg's closes as candles of one price (the charts draw them as a line).
fn closes(ts: &[i64], v: &[f64], n: usize) -> Series<Candle> {
    let mut s = Series::new(usize::MAX);
    s.reset((0..n).map(|i| Candle {
        t: ts[i].div_euclid(1000),
        open: v[i],
        high: v[i],
        low: v[i],
        close: v[i],
        volume: 0.0,
    }));
    s
}

impl UploadView {
    /// Builds the rows; `window` and `k` are what the report used.
    pub fn new(
        name: String,
        pair: PairId,
        report: AnalyzeReport,
        model: Model,
        window: usize,
        k: f64,
    ) -> Self {
        let n = report.n.min(report.ts.len());
        let alerts = report
            .alerts
            .iter()
            .map(|a| Alert {
                pair: pair.clone(),
                ts: a.ts,
                z: a.z,
                side: a.side,
                threshold: k,
            })
            .collect();
        UploadView {
            points: points(&report, n, window),
            legs: [
                closes(&report.ts, &report.y, n),
                closes(&report.ts, &report.x, n),
            ],
            pair,
            alerts: Rc::new(alerts),
            name,
            report,
            model,
        }
    }
}

/// pandas' `rolling(window).mean()` and `.std()` (ddof 1): null until a full
/// window of values, and for any window holding a null.
pub fn rolling_mean_std(v: &[Option<f64>], window: usize) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
    let mut mean = vec![None; v.len()];
    let mut std = vec![None; v.len()];
    if window < 2 {
        return (mean, std);
    }
    for i in window - 1..v.len() {
        let w: Option<Vec<f64>> = v[i + 1 - window..=i].iter().copied().collect();
        let Some(w) = w else { continue };
        let m = w.iter().sum::<f64>() / window as f64;
        let var = w.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (window - 1) as f64;
        mean[i] = Some(m);
        std[i] = Some(var.sqrt());
    }
    (mean, std)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolling_matches_pandas_definition() {
        let v = [
            Some(1.0),
            Some(2.0),
            Some(4.0),
            None,
            Some(5.0),
            Some(6.0),
            Some(8.0),
        ];
        let (m, s) = rolling_mean_std(&v, 3);
        assert_eq!(m[..2], [None, None]);
        assert_eq!(m[2], Some(7.0 / 3.0));
        // sample std of 1, 2, 4
        let want = ((1.0f64 - 7.0 / 3.0).powi(2)
            + (2.0f64 - 7.0 / 3.0).powi(2)
            + (4.0f64 - 7.0 / 3.0).powi(2))
            / 2.0;
        assert!((s[2].unwrap() - want.sqrt()).abs() < 1e-15);
        assert_eq!(m[3..6], [None, None, None], "a null in the window");
        assert_eq!(m[6], Some(19.0 / 3.0));
    }
}
