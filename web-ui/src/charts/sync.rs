//! Keeps the time axes of every chart in step and decides where they look
//! ([`View`]): pinned to the newest bar while the user has not scrolled
//! back, held where they left it otherwise. The view is saved with the data
//! set it belongs to, so a reload shows the same window and a new pair,
//! interval or upload opens on its own data.
//!
//! Only moves the user makes count: the charts also move when data arrives
//! or when this group sets them, and those must not be read back as a
//! choice. A move counts when it happens on the chart the user's last
//! wheel, pointer or double-click was on, within [`INPUT_MS`] of it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo::storage::{LocalStorage, Storage};
use js_sys::Reflect;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use yew::Callback;

use super::follow::{classify, live_span, zoom, Span, View};
use super::input::Inputs;
use super::lw::ChartApi;

/// Where the view is kept.
const KEY: &str = "spreadwatch.view.v2";
/// How long after an input a range change still counts as the user's.
pub const INPUT_MS: f64 = 400.0;

/// The view and the data set it was chosen on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Saved {
    data: String,
    view: View,
}

struct Chart {
    id: u32,
    api: ChartApi,
    len: Cell<usize>,
}

#[derive(Default)]
struct Inner {
    charts: RefCell<Vec<Rc<Chart>>>,
    next_id: Cell<u32>,
    saved: RefCell<Option<Saved>>,
    /// The chart the user last touched, when (ms), and whether a button is
    /// still down on it.
    input: Cell<Option<(u32, f64, bool)>>,
    on_view: RefCell<Option<Callback<bool>>>,
}

/// The charts whose time axes move together (a context value).
#[derive(Clone, Default)]
pub struct SyncGroup(Rc<Inner>);

impl PartialEq for SyncGroup {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// A registration; dropping it leaves the group.
pub struct Member {
    group: SyncGroup,
    chart: Rc<Chart>,
    handler: Closure<dyn FnMut(JsValue)>,
    _inputs: Inputs,
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

fn num(v: &JsValue, k: &str) -> Option<f64> {
    Reflect::get(v, &k.into()).ok()?.as_f64()
}

fn range(from: f64, to: f64) -> JsValue {
    let r = js_sys::Object::new();
    let _ = Reflect::set(&r, &"from".into(), &from.into());
    let _ = Reflect::set(&r, &"to".into(), &to.into());
    r.into()
}

fn span_of(c: &ChartApi) -> Option<Span> {
    let r = c.time_scale().get_visible_logical_range();
    Some(Span {
        from: num(&r, "from")?,
        to: num(&r, "to")?,
    })
}

impl SyncGroup {
    /// A group that restores the view saved by an earlier page.
    pub fn restored() -> Self {
        let g = SyncGroup::default();
        *g.0.saved.borrow_mut() = LocalStorage::get::<Saved>(KEY).ok();
        g
    }

    /// True while the charts follow the newest bar.
    pub fn is_live(&self) -> bool {
        self.0
            .saved
            .borrow()
            .as_ref()
            .is_none_or(|s| s.view.is_live())
    }

    /// The held time range (seconds), or `None` while following the newest.
    pub fn held(&self) -> Option<(f64, f64)> {
        match self.view() {
            Some(View::Held { from, to }) => Some((from, to)),
            _ => None,
        }
    }

    /// Called with `is_live` whenever it may have changed.
    pub fn on_view(&self, cb: Callback<bool>) {
        *self.0.on_view.borrow_mut() = Some(cb);
    }

    /// Adds a chart drawn in `el`; the user's moves on it now move the others.
    pub fn join(&self, api: &ChartApi, el: &web_sys::HtmlElement) -> Member {
        let id = self.0.next_id.get();
        self.0.next_id.set(id + 1);
        let chart = Rc::new(Chart {
            id,
            api: api.clone(),
            len: Cell::new(0),
        });
        self.0.charts.borrow_mut().push(chart.clone());
        let group = self.clone();
        let handler = Closure::<dyn FnMut(JsValue)>::new(move |_r: JsValue| group.moved(id));
        api.time_scale()
            .subscribe_visible_logical_range_change(handler.as_ref().unchecked_ref());
        Member {
            group: self.clone(),
            chart,
            handler,
            _inputs: Inputs::attach(el, self.clone(), id),
        }
    }

    /// Notes an input on chart `id`; `down` while a button is held.
    pub fn touched(&self, id: u32, down: bool) {
        self.0.input.set(Some((id, now(), down)));
    }

    /// The pointer left chart `id`: a drag that leaves it ends there. A
    /// pointer that leaves only because the page moved under it (a panel
    /// opened, an upload's status appeared) is no input: taken as one, it
    /// kept a newly drawn chart from opening on its data.
    pub fn left(&self, id: u32) {
        if let Some((c, _, true)) = self.0.input.get() {
            if c == id {
                self.touched(id, false);
            }
        }
    }

    fn user_is_on(&self, id: u32) -> bool {
        // A button released off the chart is never seen: held counts for
        // half a minute at most.
        let age = |t: f64| now() - t;
        matches!(self.0.input.get(),
            Some((c, t, down)) if c == id && (age(t) < INPUT_MS || (down && age(t) < 30_000.0)))
    }

    fn chart(&self, id: u32) -> Option<Rc<Chart>> {
        self.0.charts.borrow().iter().find(|c| c.id == id).cloned()
    }

    fn view(&self) -> Option<View> {
        self.0.saved.borrow().as_ref().map(|s| s.view)
    }

    /// Saves `view` for data set `data`, and tells the listener when that
    /// turned live into held or back.
    fn set_view(&self, data: Option<&str>, view: View) {
        let was_live = self.is_live();
        {
            let mut saved = self.0.saved.borrow_mut();
            let data = data
                .map(str::to_string)
                .or_else(|| saved.as_ref().map(|s| s.data.clone()))
                .unwrap_or_default();
            let s = saved.insert(Saved { data, view });
            let _ = LocalStorage::set(KEY, &*s);
        }
        if was_live != view.is_live() {
            if let Some(cb) = self.0.on_view.borrow().clone() {
                cb.emit(view.is_live());
            }
        }
    }

    /// After chart `id` drew `n` rows of data set `data` (`whole`: an
    /// upload, shown whole), points it where the view says. `redrawn` is
    /// true after a full redraw, when a held range must be set again.
    pub fn drawn(&self, id: u32, data: &str, whole: bool, n: usize, redrawn: bool) {
        let Some(chart) = self.chart(id) else { return };
        chart.len.set(n);
        // No rows say nothing about a data set: a page that has not had its
        // snapshot yet must not replace the view saved for the one it will.
        if n == 0 {
            return;
        }
        let same = data.is_empty()
            || self
                .0
                .saved
                .borrow()
                .as_ref()
                .is_some_and(|s| s.data == data);
        if !same {
            self.set_view(Some(data), View::opening(whole));
        }
        if self.user_is_on(id) {
            return;
        }
        match self.view() {
            // A chart whose data does not reach the range refuses it (the
            // backtest's equity, a held range older than the data); it
            // keeps its own view, and "back to live" is offered.
            Some(View::Held { from, to }) if redrawn => {
                let _ = chart.api.time_scale().set_visible_range(&range(from, to));
            }
            Some(View::Live { bars }) => show_live(&chart, bars),
            _ => {}
        }
    }

    /// Chart `id`'s range changed: if the user moved it, that is the new
    /// view, and the other charts follow.
    fn moved(&self, id: u32) {
        if !self.user_is_on(id) {
            return;
        }
        let Some(chart) = self.chart(id) else { return };
        let ts = chart.api.time_scale();
        let (Some(span), times) = (span_of(&chart.api), ts.get_visible_range()) else {
            return;
        };
        let (Some(from), Some(to)) = (num(&times, "from"), num(&times, "to")) else {
            return;
        };
        let view = classify(span, chart.len.get(), (from, to));
        self.set_view(None, view);
        for c in self.0.charts.borrow().iter().filter(|c| c.id != id) {
            match view {
                View::Live { bars } => show_live(c, bars),
                // A chart with no data yet refuses a range; that is fine.
                View::Held { from, to } => {
                    let _ = c.api.time_scale().set_visible_range(&range(from, to));
                }
            }
        }
    }

    /// Zooms chart `id` by `notches` wheel notches at x (pixels), then lets
    /// the others follow. A live chart zooms around its newest bar.
    pub fn zoom(&self, id: u32, notches: f64, x: f64) {
        let Some(chart) = self.chart(id) else { return };
        let Some(span) = span_of(&chart.api) else {
            return;
        };
        let anchor = match self.view() {
            Some(View::Held { .. }) => chart.api.time_scale().coordinate_to_logical(x).as_f64(),
            _ => None,
        };
        let n = chart.len.get();
        let s = zoom(span, notches, anchor.unwrap_or(span.to), n);
        self.touched(id, false);
        let _ = chart
            .api
            .time_scale()
            .set_visible_logical_range(&range(s.from, s.to));
        self.moved(id);
    }

    /// Back to the newest bars ("back to live", a double-click).
    pub fn go_live(&self) {
        let view = View::opening(false);
        self.set_view(None, view);
        for c in self.0.charts.borrow().iter() {
            show_live(c, super::follow::DEFAULT_BARS);
        }
    }
}

fn show_live(c: &Chart, bars: f64) {
    let n = c.len.get();
    if n == 0 {
        return;
    }
    let s = live_span(n, bars);
    let _ = c
        .api
        .time_scale()
        .set_visible_logical_range(&range(s.from, s.to));
}

impl Member {
    /// The chart's id in its group.
    pub fn id(&self) -> u32 {
        self.chart.id
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.chart
            .api
            .time_scale()
            .unsubscribe_visible_logical_range_change(self.handler.as_ref().unchecked_ref());
        let id = self.chart.id;
        self.group.0.charts.borrow_mut().retain(|c| c.id != id);
    }
}
