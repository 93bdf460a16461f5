//! A chart component: a titled box with one lightweight-charts chart whose
//! series are read from store rows. It draws incrementally after each render
//! (and renders happen at most once per animation frame).

use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::JsValue;
use yew::prelude::*;

use super::host::{Host, Precision, Spec};
use super::legend::Legend;
use super::lw;
use super::sync::{Member, SyncGroup};
use crate::series::{Row, Series};

/// What a chart draws.
#[derive(Properties)]
pub struct ChartProps<T: Row> {
    /// DOM id (tests and `window.swCharts` use it).
    pub id: AttrValue,
    /// Heading.
    pub title: AttrValue,
    /// The rows.
    pub series: Series<T>,
    /// The series drawn from them (a static list per chart).
    pub specs: Rc<Vec<Spec<T>>>,
    /// Parameter passed to every spec (the z threshold k).
    #[prop_or(2.0)]
    pub k: f64,
    /// Horizontal lines: price and colour.
    #[prop_or_default]
    pub lines: Vec<(f64, &'static str)>,
    /// Decimals on the values.
    #[prop_or(Precision::Auto)]
    pub precision: Precision,
    /// Names the data set drawn (pair and interval, or the uploaded file):
    /// a new one opens on its own data instead of the old window. Empty: a
    /// chart that follows the others' data set (the backtest's equity).
    #[prop_or_default]
    pub data: AttrValue,
    /// Open on the whole data set (an upload), not the newest bars.
    #[prop_or(false)]
    pub whole: bool,
}

impl<T: Row> PartialEq for ChartProps<T> {
    fn eq(&self, o: &Self) -> bool {
        self.id == o.id
            && self.title == o.title
            && self.series.same(&o.series)
            && Rc::ptr_eq(&self.specs, &o.specs)
            && self.k.to_bits() == o.k.to_bits()
            && self.lines == o.lines
            && self.data == o.data
            && self.whole == o.whole
    }
}

/// Drop order matters: leave the sync group before the chart is removed.
struct Live {
    _legend: Legend,
    member: Member,
    host: Host,
}

/// A chart of store rows.
#[function_component]
pub fn Chart<T: Row>(props: &ChartProps<T>) -> Html {
    let node = use_node_ref();
    let legend = use_node_ref();
    let live = use_mut_ref(|| None::<Live>);
    let group = use_context::<SyncGroup>().unwrap_or_default();

    {
        let legend = legend.clone();
        let (node, live, specs, id, precision) = (
            node.clone(),
            live.clone(),
            props.specs.clone(),
            props.id.clone(),
            props.precision,
        );
        let group = group.clone();
        // A new list of series (an upload's closes for the live candles)
        // makes a new chart.
        let kind = Rc::as_ptr(&props.specs) as usize;
        use_effect_with(kind, move |_| {
            if let (Some(el), Some(lg), true) = (
                node.cast::<web_sys::HtmlElement>(),
                legend.cast::<web_sys::HtmlElement>(),
                lw::available(),
            ) {
                let host = Host::new(&el, &specs, precision);
                expose(&id, &host);
                let member = group.join(&host.chart, &el);
                let legend = Legend::new(&host.chart, host.labelled(), lg, host.decimals());
                *live.borrow_mut() = Some(Live {
                    _legend: legend,
                    member,
                    host,
                });
            }
            move || {
                live.borrow_mut().take();
            }
        });
    }
    {
        let live = live.clone();
        let lines = props.lines.clone();
        use_effect_with(lines, move |lines| {
            if let Some(l) = live.borrow_mut().as_mut() {
                l.host.set_price_lines(lines);
            }
        });
    }
    {
        let (live, rows, specs, k) = (
            live.clone(),
            props.series.clone(),
            props.specs.clone(),
            props.k,
        );
        let (data, whole) = (props.data.clone(), props.whole);
        let deps = (
            props.series.rev,
            props.series.epoch,
            k.to_bits(),
            data.clone(),
        );
        let epoch = props.series.epoch;
        use_effect_with(deps, move |_| {
            if let Some(l) = live.borrow_mut().as_mut() {
                let rows = rows.rows();
                let redrawn = l.host.sync(&rows, &specs, epoch, k);
                if redrawn && !rows.is_empty() {
                    mark_first_draw();
                }
                group.drawn(l.member.id(), &data, whole, rows.len(), redrawn);
            }
        });
    }
    // What is drawn, for tests and the console: rows (whitespace included,
    // as the time axis counts them) and the newest row's time.
    let (n, newest) = {
        let rows = props.series.rows();
        (rows.len(), rows.last().map_or(0, Row::time))
    };
    html! {
        <section class="sw-chart" id={props.id.clone()} data-rows={n.to_string()} data-newest={newest.to_string()}>
            <h3>{ props.title.clone() }<span class="sw-legend" ref={legend}></span></h3>
            <div class="sw-chart-canvas" ref={node}></div>
        </section>
    }
}

/// `window.swFirstDraw`: ms from navigation start to the first chart drawn
/// with data (the first-draw benchmark reads it).
fn mark_first_draw() {
    let global = js_sys::global();
    let key = "swFirstDraw".into();
    if Reflect::get(&global, &key).is_ok_and(|v| v.is_undefined()) {
        if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
            let _ = Reflect::set(&global, &key, &p.now().into());
        }
    }
}

/// `window.swCharts[id] = chart` and `window.swSeries[id] = [series…]`, so
/// tests and the console can inspect them.
fn expose(id: &str, host: &Host) {
    let series: js_sys::Array = host.series().iter().collect();
    for (name, value) in [
        ("swCharts", JsValue::from(&host.chart)),
        ("swSeries", series.into()),
    ] {
        let global = js_sys::global();
        let key = name.into();
        let mut reg = Reflect::get(&global, &key).unwrap_or_default();
        if reg.is_undefined() {
            reg = js_sys::Object::new().into();
            let _ = Reflect::set(&global, &key, &reg);
        }
        let _ = Reflect::set(&reg, &id.into(), &value);
    }
}
