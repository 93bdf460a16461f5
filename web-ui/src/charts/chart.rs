//! A chart component: a titled box with one lightweight-charts chart whose
//! series are read from store rows. It draws incrementally after each render
//! (and renders happen at most once per animation frame).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::JsValue;
use web_sys::HtmlElement;
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
            && self.series == o.series
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

type Slot = Rc<RefCell<Option<Live>>>;

/// What a chart is made from.
struct Recipe<T> {
    id: AttrValue,
    specs: Rc<Vec<Spec<T>>>,
    precision: Precision,
}

impl Live {
    /// A chart in `el` with its legend in `lg`, joined to `group`.
    fn open<T: Row>(el: &HtmlElement, lg: HtmlElement, r: &Recipe<T>, group: &SyncGroup) -> Live {
        let host = Host::new(el, &r.specs, r.precision);
        expose(&r.id, &host);
        Live {
            _legend: Legend::new(&host.chart, host.labelled(), lg, host.decimals()),
            member: group.join(&host.chart, el),
            host,
        }
    }
}

/// Makes the chart once its elements exist, and again for a new list of
/// series (an upload's closes instead of the live candles).
#[hook]
fn use_live<T: Row>(
    props: &ChartProps<T>,
    node: &NodeRef,
    legend: &NodeRef,
    group: &SyncGroup,
) -> Slot {
    let live: Slot = use_mut_ref(|| None);
    let kind = Rc::as_ptr(&props.specs) as usize;
    let recipe = Recipe {
        id: props.id.clone(),
        specs: props.specs.clone(),
        precision: props.precision,
    };
    let (node, legend, slot, group) = (node.clone(), legend.clone(), live.clone(), group.clone());
    use_effect_with(kind, move |_| {
        let (el, lg) = (node.cast::<HtmlElement>(), legend.cast::<HtmlElement>());
        if let (Some(el), Some(lg), true) = (el, lg, lw::available()) {
            *slot.borrow_mut() = Some(Live::open(&el, lg, &recipe, &group));
        }
        move || drop(slot.borrow_mut().take())
    });
    live
}

/// Draws what changed in the rows, then lets the group point the view.
#[hook]
fn use_draw<T: Row>(props: &ChartProps<T>, live: &Slot, group: &SyncGroup) {
    let (live, group, rows, specs, k) = (
        live.clone(),
        group.clone(),
        props.series.clone(),
        props.specs.clone(),
        props.k,
    );
    let (data, whole, epoch) = (props.data.clone(), props.whole, props.series.epoch);
    let deps = (props.series.rev, epoch, k.to_bits(), data.clone());
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

/// A chart of store rows.
#[function_component]
pub fn Chart<T: Row>(props: &ChartProps<T>) -> Html {
    let (node, legend) = (use_node_ref(), use_node_ref());
    let group = use_context::<SyncGroup>().unwrap_or_default();
    let live = use_live(props, &node, &legend, &group);
    {
        let live = live.clone();
        use_effect_with(props.lines.clone(), move |lines| {
            if let Some(l) = live.borrow_mut().as_mut() {
                l.host.set_price_lines(lines);
            }
        });
    }
    use_draw(props, &live, &group);
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
