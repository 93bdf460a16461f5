//! One lightweight-charts chart and its series, fed incrementally: a full
//! `setData` only on a new epoch, otherwise `update` for the rows at or after
//! the newest one already drawn.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

use super::lw::{self, ChartApi, PriceLine, SeriesApi};
use crate::format::{decimals, PRICE_DIGITS};
use crate::series::Row;

/// A value a series draws at one time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Datum {
    /// A line or histogram value.
    Value(f64),
    /// A candle: open, high, low, close.
    Ohlc(f64, f64, f64, f64),
}

/// How a series looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Look {
    /// Candlesticks.
    Candles,
    /// A line: colour, width, dashed.
    Line(&'static str, u32, bool),
    /// Volume bars on their own scale at the bottom.
    Volume(&'static str),
}

/// One series: its look and how to read it from a row (`k` is the chart's
/// parameter, e.g. the z threshold for the bands).
pub struct Spec<T> {
    /// Shown in the legend.
    pub label: &'static str,
    /// Look.
    pub look: Look,
    /// The value at a row, if any.
    pub value: fn(&T, f64) -> Option<Datum>,
}

/// Decimals on a chart's values: fixed, or from the data's size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Precision {
    /// Always this many.
    Fixed(u32),
    /// Enough for [`PRICE_DIGITS`] significant digits of the largest value.
    Auto,
}

/// A live chart.
pub struct Host {
    /// The chart.
    pub chart: ChartApi,
    series: Vec<SeriesApi>,
    looks: Vec<Look>,
    precision: Precision,
    decimals: Rc<Cell<u32>>,
    labels: Vec<&'static str>,
    lines: Vec<(SeriesApi, PriceLine)>,
    drawn: Option<(u64, u64)>,
    last_t: Option<i64>,
}

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &(*k).into(), v);
    }
    o.into()
}

fn chart_options() -> JsValue {
    let layout = obj(&[
        ("background", obj(&[("color", "#0f1420".into())])),
        ("textColor", "#c9d1e0".into()),
        ("fontSize", 11.into()),
    ]);
    let grid_line = || obj(&[("color", "#1e2636".into())]);
    let grid = obj(&[("vertLines", grid_line()), ("horzLines", grid_line())]);
    // A whole uploaded file must fit: the default minimum of half a pixel
    // a bar shows only twice the chart's width in bars.
    let time_scale = obj(&[
        ("timeVisible", true.into()),
        ("secondsVisible", true.into()),
        ("minBarSpacing", 0.02.into()),
    ]);
    // Mode 0 is the normal crosshair: it follows the mouse, not only bars.
    let crosshair = obj(&[("mode", 0.into())]);
    // The wheel zoom and the double-click are the sync group's (input.rs).
    let scale = obj(&[
        ("mouseWheel", false.into()),
        (
            "axisDoubleClickReset",
            obj(&[("time", false.into()), ("price", true.into())]),
        ),
    ]);
    obj(&[
        ("autoSize", true.into()),
        ("layout", layout),
        ("grid", grid),
        ("timeScale", time_scale),
        ("crosshair", crosshair),
        ("handleScale", scale),
    ])
}

fn price_format(decimals: u32) -> JsValue {
    obj(&[
        ("type", "price".into()),
        ("precision", decimals.into()),
        ("minMove", 10f64.powi(-(decimals as i32)).into()),
    ])
}

/// A series' kind and options for a look, at `decimals`.
fn series_options(look: Look, label: &str, decimals: u32) -> (&'static str, JsValue) {
    match look {
        Look::Candles => (
            "CandlestickSeries",
            obj(&[
                ("upColor", "#26a69a".into()),
                ("downColor", "#ef5350".into()),
                ("wickUpColor", "#26a69a".into()),
                ("wickDownColor", "#ef5350".into()),
                ("borderVisible", false.into()),
                ("priceFormat", price_format(decimals)),
            ]),
        ),
        Look::Line(color, width, dashed) => (
            "LineSeries",
            obj(&[
                ("color", color.into()),
                ("lineWidth", width.into()),
                ("lineStyle", if dashed { 2 } else { 0 }.into()),
                ("title", label.into()),
                ("priceLineVisible", false.into()),
                ("priceFormat", price_format(decimals)),
            ]),
        ),
        Look::Volume(color) => (
            "HistogramSeries",
            obj(&[
                ("color", color.into()),
                ("priceScaleId", "".into()),
                ("priceFormat", obj(&[("type", "volume".into())])),
                ("lastValueVisible", false.into()),
                ("priceLineVisible", false.into()),
            ]),
        ),
    }
}

/// Puts a volume series in the bottom fifth, under the candles.
fn to_bottom(api: &SeriesApi) {
    let margins = obj(&[("top", 0.8.into()), ("bottom", 0.0.into())]);
    let scale: JsValue = Reflect::get(api, &"priceScale".into())
        .ok()
        .and_then(|f| js_sys::Function::from(f).call0(api).ok())
        .unwrap_or(JsValue::UNDEFINED);
    if let Ok(apply) = Reflect::get(&scale, &"applyOptions".into()) {
        let _ = js_sys::Function::from(apply).call1(&scale, &obj(&[("scaleMargins", margins)]));
    }
}

impl Host {
    /// Creates the chart in `el` with one series per spec.
    pub fn new<T>(el: &web_sys::HtmlElement, specs: &[Spec<T>], precision: Precision) -> Self {
        let first = match precision {
            Precision::Fixed(d) => d,
            Precision::Auto => 2,
        };
        let chart = lw::create_chart(el, &chart_options());
        let series = specs
            .iter()
            .map(|s| {
                let (kind, opts) = series_options(s.look, s.label, first);
                let api = chart.add_series(&lw::series_kind(kind), &opts, 0);
                if matches!(s.look, Look::Volume(_)) {
                    to_bottom(&api);
                }
                api
            })
            .collect();
        Host {
            chart,
            series,
            looks: specs.iter().map(|s| s.look).collect(),
            precision,
            decimals: Rc::new(Cell::new(first)),
            labels: specs.iter().map(|s| s.label).collect(),
            lines: Vec::new(),
            drawn: None,
            last_t: None,
        }
    }

    /// Each series with its label, for the legend.
    pub fn labelled(&self) -> Vec<(&'static str, SeriesApi)> {
        self.labels
            .iter()
            .copied()
            .zip(self.series.iter().cloned())
            .collect()
    }

    /// The decimals shown now (the legend reads them too).
    pub fn decimals(&self) -> Rc<Cell<u32>> {
        self.decimals.clone()
    }

    /// The series, in spec order.
    pub fn series(&self) -> &[SeriesApi] {
        &self.series
    }

    /// With [`Precision::Auto`], sizes the decimals to the largest value of
    /// the first series.
    fn fit_precision<T: Row>(&mut self, rows: &[T], specs: &[Spec<T>], k: f64) {
        let (Precision::Auto, Some(spec)) = (self.precision, specs.first()) else {
            return;
        };
        let max = rows
            .iter()
            .filter_map(|r| match (spec.value)(r, k)? {
                Datum::Value(v) => Some(v.abs()),
                Datum::Ohlc(_, h, l, _) => Some(h.abs().max(l.abs())),
            })
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let d = decimals(max, PRICE_DIGITS);
        if d == self.decimals.get() {
            return;
        }
        self.decimals.set(d);
        let opts = obj(&[("priceFormat", price_format(d))]);
        for (s, look) in self.series.iter().zip(&self.looks) {
            if !matches!(look, Look::Volume(_)) {
                s.apply_options(&opts);
            }
        }
    }

    /// Horizontal lines on the first series (e.g. ±k on the z chart).
    pub fn set_price_lines(&mut self, levels: &[(f64, &'static str)]) {
        for (s, l) in self.lines.drain(..) {
            s.remove_price_line(&l);
        }
        let Some(first) = self.series.first() else {
            return;
        };
        for &(price, color) in levels {
            let l = first.create_price_line(&obj(&[
                ("price", price.into()),
                ("color", color.into()),
                ("lineWidth", 1.into()),
                ("lineStyle", 2.into()),
                ("axisLabelVisible", true.into()),
            ]));
            self.lines.push((first.clone(), l));
        }
    }

    /// Draws what changed since the last call. Returns true when it redrew
    /// everything (a new `epoch` or `k`).
    pub fn sync<T: Row>(&mut self, rows: &[T], specs: &[Spec<T>], epoch: u64, k: f64) -> bool {
        let key = (epoch, k.to_bits());
        if self.drawn != Some(key) || self.last_t.is_none() {
            self.fit_precision(rows, specs, k);
            for (i, spec) in specs.iter().enumerate() {
                let data = Array::new();
                let mut prev: Option<i64> = None;
                for r in rows {
                    let v = point(r.time(), (spec.value)(r, k));
                    // One row per second: the last wins.
                    if prev == Some(r.time()) {
                        data.pop();
                    }
                    data.push(&v);
                    prev = Some(r.time());
                }
                self.series[i].set_data(&data);
            }
            self.drawn = Some(key);
            self.last_t = rows.last().map(Row::time);
            return true;
        }
        let last = self.last_t.expect("checked above");
        let start = rows
            .iter()
            .rposition(|r| r.time() < last)
            .map_or(0, |i| i + 1);
        for r in &rows[start..] {
            for (i, spec) in specs.iter().enumerate() {
                // An update older than the newest drawn row cannot happen
                // here (the store bumps the epoch), so an error is ignored
                // rather than breaking the page.
                let _ = self.series[i].update(&point(r.time(), (spec.value)(r, k)), false);
            }
        }
        if let Some(r) = rows.last() {
            self.last_t = Some(r.time());
        }
        false
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.chart.remove();
    }
}

/// `{time, value}`, `{time, open, high, low, close}`, or whitespace `{time}`.
fn point(t: i64, d: Option<Datum>) -> JsValue {
    let time: JsValue = (t as f64).into();
    match d {
        Some(Datum::Value(v)) if v.is_finite() => obj(&[("time", time), ("value", v.into())]),
        Some(Datum::Ohlc(o, h, l, c)) => obj(&[
            ("time", time),
            ("open", o.into()),
            ("high", h.into()),
            ("low", l.into()),
            ("close", c.into()),
        ]),
        _ => obj(&[("time", time)]),
    }
}
