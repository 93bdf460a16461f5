//! What each chart draws: its series, their looks and how each reads a row.
//! A table, kept apart from the components that lay the charts out.

use spreadwatch_proto::PairPoint;

use super::host::{Datum, Look, Spec};
use crate::series::Candle;

fn v(x: Option<f64>) -> Option<Datum> {
    x.map(Datum::Value)
}

fn band(p: &PairPoint, k: f64) -> Option<(f64, f64)> {
    Some((p.spread_mean?, k * p.spread_std?))
}

/// A line series: solid (`width` 2) or a thin dashed one.
fn line<T>(
    label: &'static str,
    colour: &'static str,
    main: bool,
    value: fn(&T, f64) -> Option<Datum>,
) -> Spec<T> {
    let look = if main {
        Look::Line(colour, 2, false)
    } else {
        Look::Line(colour, 1, true)
    };
    Spec { label, look, value }
}

/// A leg as candles with volume under them.
pub fn candles() -> Vec<Spec<Candle>> {
    vec![
        Spec {
            label: "price",
            look: Look::Candles,
            value: |c, _| Some(Datum::Ohlc(c.open, c.high, c.low, c.close)),
        },
        Spec {
            label: "volume",
            look: Look::Volume("#3b4a6b"),
            value: |c, _| Some(Datum::Value(c.volume)),
        },
    ]
}

/// A leg of closes only (an upload): a line, since a candle of one price is
/// a flat dash.
pub fn closes() -> Vec<Spec<Candle>> {
    vec![line("close", "#4fc3f7", true, |c: &Candle, _| {
        Some(Datum::Value(c.close))
    })]
}

/// The spread with its rolling mean and ±k·std bands.
pub fn spread() -> Vec<Spec<PairPoint>> {
    vec![
        line("spread", "#4fc3f7", true, |p: &PairPoint, _| v(p.spread)),
        line(
            "mean",
            "#8a94a8",
            false,
            |p: &PairPoint, _| v(p.spread_mean),
        ),
        line("+k·std", "#ef9a9a", false, |p: &PairPoint, k| {
            band(p, k).map(|(m, w)| Datum::Value(m + w))
        }),
        line("−k·std", "#a5d6a7", false, |p: &PairPoint, k| {
            band(p, k).map(|(m, w)| Datum::Value(m - w))
        }),
    ]
}

/// The z-score.
pub fn z() -> Vec<Spec<PairPoint>> {
    vec![line("z", "#ffb74d", true, |p: &PairPoint, _| v(p.z))]
}

/// Kalman β_t with the static fits.
pub fn beta() -> Vec<Spec<PairPoint>> {
    vec![
        line("Kalman β", "#ce93d8", true, |p: &PairPoint, _| {
            Some(Datum::Value(p.kalman_beta))
        }),
        line("OLS", "#4fc3f7", false, |p: &PairPoint, _| v(p.ols_beta)),
        line(
            "Huber",
            "#fff176",
            false,
            |p: &PairPoint, _| v(p.huber_beta),
        ),
        line("Theil-Sen", "#80cbc4", false, |p: &PairPoint, _| {
            v(p.theil_sen_beta)
        }),
    ]
}

/// The rolling correlation.
pub fn corr() -> Vec<Spec<PairPoint>> {
    vec![line("corr", "#90caf9", true, |p: &PairPoint, _| v(p.corr))]
}
