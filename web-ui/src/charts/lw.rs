//! Bindings to TradingView lightweight-charts 5, loaded from the bundle as
//! the global `LightweightCharts` (a plain `<script>` before the wasm).

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `IChartApi`.
    #[derive(Clone)]
    pub type ChartApi;
    /// `ISeriesApi`.
    #[derive(Clone)]
    pub type SeriesApi;
    /// `ITimeScaleApi`.
    pub type TimeScaleApi;
    /// `IPriceLine`.
    pub type PriceLine;

    #[wasm_bindgen(js_namespace = LightweightCharts, js_name = createChart)]
    pub fn create_chart(container: &web_sys::HtmlElement, options: &JsValue) -> ChartApi;

    #[wasm_bindgen(method, js_name = addSeries)]
    pub fn add_series(this: &ChartApi, kind: &JsValue, options: &JsValue, pane: u32) -> SeriesApi;
    #[wasm_bindgen(method, js_name = timeScale)]
    pub fn time_scale(this: &ChartApi) -> TimeScaleApi;
    #[wasm_bindgen(method)]
    pub fn remove(this: &ChartApi);
    #[wasm_bindgen(method, js_name = applyOptions)]
    pub fn apply_chart_options(this: &ChartApi, options: &JsValue);
    #[wasm_bindgen(method, js_name = subscribeCrosshairMove)]
    pub fn subscribe_crosshair_move(this: &ChartApi, f: &js_sys::Function);
    #[wasm_bindgen(method, js_name = unsubscribeCrosshairMove)]
    pub fn unsubscribe_crosshair_move(this: &ChartApi, f: &js_sys::Function);

    #[wasm_bindgen(method, js_name = setData)]
    pub fn set_data(this: &SeriesApi, data: &JsValue);
    #[wasm_bindgen(method, catch)]
    pub fn update(this: &SeriesApi, point: &JsValue, historical: bool) -> Result<(), JsValue>;
    #[wasm_bindgen(method, js_name = createPriceLine)]
    pub fn create_price_line(this: &SeriesApi, options: &JsValue) -> PriceLine;
    #[wasm_bindgen(method, js_name = removePriceLine)]
    pub fn remove_price_line(this: &SeriesApi, line: &PriceLine);
    #[wasm_bindgen(method, js_name = applyOptions)]
    pub fn apply_options(this: &SeriesApi, options: &JsValue);

    #[wasm_bindgen(method, js_name = getVisibleRange)]
    pub fn get_visible_range(this: &TimeScaleApi) -> JsValue;
    #[wasm_bindgen(method, catch, js_name = setVisibleRange)]
    pub fn set_visible_range(this: &TimeScaleApi, range: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, js_name = subscribeVisibleTimeRangeChange)]
    pub fn subscribe_visible_time_range_change(this: &TimeScaleApi, f: &js_sys::Function);
    #[wasm_bindgen(method, js_name = unsubscribeVisibleTimeRangeChange)]
    pub fn unsubscribe_visible_time_range_change(this: &TimeScaleApi, f: &js_sys::Function);
    #[wasm_bindgen(method, js_name = fitContent)]
    pub fn fit_content(this: &TimeScaleApi);
    #[wasm_bindgen(method, js_name = getVisibleLogicalRange)]
    pub fn get_visible_logical_range(this: &TimeScaleApi) -> JsValue;
    #[wasm_bindgen(method, catch, js_name = setVisibleLogicalRange)]
    pub fn set_visible_logical_range(this: &TimeScaleApi, range: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, js_name = subscribeVisibleLogicalRangeChange)]
    pub fn subscribe_visible_logical_range_change(this: &TimeScaleApi, f: &js_sys::Function);
    #[wasm_bindgen(method, js_name = unsubscribeVisibleLogicalRangeChange)]
    pub fn unsubscribe_visible_logical_range_change(this: &TimeScaleApi, f: &js_sys::Function);
    #[wasm_bindgen(method, js_name = coordinateToLogical)]
    pub fn coordinate_to_logical(this: &TimeScaleApi, x: f64) -> JsValue;
}

/// The library's global object; undefined when its script did not load.
fn library() -> JsValue {
    js_sys::Reflect::get(&js_sys::global(), &"LightweightCharts".into())
        .unwrap_or(JsValue::UNDEFINED)
}

/// True when the lightweight-charts script has loaded.
pub fn available() -> bool {
    !library().is_undefined()
}

/// A series definition (`CandlestickSeries`, `LineSeries`, `HistogramSeries`).
pub fn series_kind(name: &str) -> JsValue {
    js_sys::Reflect::get(&library(), &name.into()).unwrap_or(JsValue::UNDEFINED)
}
