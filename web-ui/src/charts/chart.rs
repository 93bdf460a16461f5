//! A chart component: a titled box with one lightweight-charts chart whose
//! series are read from store rows. It draws incrementally after each render
//! (and renders happen at most once per animation frame).

use std::rc::Rc;

use js_sys::Reflect;
use yew::prelude::*;

use super::host::{Host, Spec};
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
    /// Decimals shown on line series.
    #[prop_or(2)]
    pub precision: u32,
}

impl<T: Row> PartialEq for ChartProps<T> {
    fn eq(&self, o: &Self) -> bool {
        self.id == o.id
            && self.title == o.title
            && self.series.same(&o.series)
            && Rc::ptr_eq(&self.specs, &o.specs)
            && self.k.to_bits() == o.k.to_bits()
            && self.lines == o.lines
    }
}

/// Drop order matters: leave the sync group before the chart is removed.
struct Live {
    _legend: Legend,
    _member: Member,
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
        use_effect_with((), move |_| {
            if let (Some(el), Some(lg), true) = (
                node.cast::<web_sys::HtmlElement>(),
                legend.cast::<web_sys::HtmlElement>(),
                lw::available(),
            ) {
                let host = Host::new(&el, &specs, precision);
                expose(&id, &host);
                let member = group.join(&host.chart);
                let legend = Legend::new(&host.chart, host.labelled(), lg, precision as usize);
                *live.borrow_mut() = Some(Live {
                    _legend: legend,
                    _member: member,
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
        let deps = (props.series.rev, props.series.epoch, k.to_bits());
        let epoch = props.series.epoch;
        use_effect_with(deps, move |_| {
            if let Some(l) = live.borrow_mut().as_mut() {
                let was_empty = l.host.is_empty();
                let rows = rows.rows();
                let redrawn = l.host.sync(&rows, &specs, epoch, k);
                if let (true, Some(first), Some(last)) = (redrawn, rows.first(), rows.last()) {
                    mark_first_draw();
                    // Keep the user's window when it shows some of the data
                    // (a reload, a resync); otherwise show all of it (an
                    // upload, another pair).
                    let (a, b) = (first.time() as f64, last.time() as f64);
                    match group.saved() {
                        Some((from, to)) if from <= b && to >= a => {
                            if was_empty {
                                group.restore_on(&l.host.chart);
                            }
                        }
                        _ => l.host.fit(),
                    }
                }
            }
        });
    }
    html! {
        <section class="sw-chart" id={props.id.clone()}>
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

/// `window.swCharts[id] = chart`, so tests and the console can inspect it.
fn expose(id: &str, host: &Host) {
    let global = js_sys::global();
    let key = "swCharts".into();
    let mut reg = Reflect::get(&global, &key).unwrap_or_default();
    if reg.is_undefined() {
        reg = js_sys::Object::new().into();
        let _ = Reflect::set(&global, &key, &reg);
    }
    let _ = Reflect::set(&reg, &id.into(), &host.chart);
}
