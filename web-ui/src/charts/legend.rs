//! Hover values: under the crosshair, the chart's header shows the value of
//! every series at that time.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::lw::{ChartApi, SeriesApi};

/// A crosshair subscription; dropping it unsubscribes.
pub struct Legend {
    chart: ChartApi,
    handler: Closure<dyn FnMut(JsValue)>,
}

fn num(v: &JsValue, k: &str) -> Option<f64> {
    Reflect::get(v, &k.into()).ok()?.as_f64()
}

/// The text for one series' point: its value, or O/H/L/C of a candle.
fn describe(label: &str, d: &JsValue, precision: usize) -> Option<String> {
    if let Some(v) = num(d, "value") {
        return Some(format!("{label} {v:.precision$}"));
    }
    let (o, h, l, c) = (
        num(d, "open")?,
        num(d, "high")?,
        num(d, "low")?,
        num(d, "close")?,
    );
    let p = precision;
    Some(format!("O {o:.p$} H {h:.p$} L {l:.p$} C {c:.p$}"))
}

impl Legend {
    /// Writes the hovered values into `el`.
    pub fn new(
        chart: &ChartApi,
        series: Vec<(&'static str, SeriesApi)>,
        el: web_sys::HtmlElement,
        precision: Rc<Cell<u32>>,
    ) -> Legend {
        let handler = Closure::<dyn FnMut(JsValue)>::new(move |param: JsValue| {
            let time = Reflect::get(&param, &"time".into()).unwrap_or(JsValue::UNDEFINED);
            let data = Reflect::get(&param, &"seriesData".into()).unwrap_or(JsValue::UNDEFINED);
            if time.is_undefined() || data.is_undefined() {
                el.set_text_content(None);
                return;
            }
            let map: js_sys::Map = data.unchecked_into();
            let parts: Vec<String> = series
                .iter()
                .filter_map(|(label, s)| describe(label, &map.get(s), precision.get() as usize))
                .collect();
            el.set_text_content(Some(&parts.join("   ")));
        });
        chart.subscribe_crosshair_move(handler.as_ref().unchecked_ref());
        Legend {
            chart: chart.clone(),
            handler,
        }
    }
}

impl Drop for Legend {
    fn drop(&mut self) {
        self.chart
            .unsubscribe_crosshair_move(self.handler.as_ref().unchecked_ref());
    }
}
