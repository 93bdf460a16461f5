//! Keeps the time axes of every chart in step: panning or zooming one moves
//! the others, and the range is saved so a reload shows the same window.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo::storage::{LocalStorage, Storage};
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::lw::ChartApi;

/// Where the visible range is kept (seconds, `[from, to]`).
const KEY: &str = "spreadwatch.range.v1";

#[derive(Default)]
struct Inner {
    charts: RefCell<Vec<(u32, ChartApi)>>,
    applying: Cell<bool>,
    next_id: Cell<u32>,
    saved: Cell<Option<(f64, f64)>>,
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
    id: u32,
    chart: ChartApi,
    handler: Closure<dyn FnMut(JsValue)>,
}

impl SyncGroup {
    /// A group that restores the range saved by an earlier page.
    pub fn restored() -> Self {
        let g = SyncGroup::default();
        g.0.saved.set(LocalStorage::get::<(f64, f64)>(KEY).ok());
        g
    }

    /// The range to show first, if one was saved.
    pub fn saved(&self) -> Option<(f64, f64)> {
        self.0.saved.get()
    }

    /// Adds a chart; its range changes now move the others.
    pub fn join(&self, chart: &ChartApi) -> Member {
        let id = self.0.next_id.get();
        self.0.next_id.set(id + 1);
        self.0.charts.borrow_mut().push((id, chart.clone()));
        let group = self.clone();
        let handler = Closure::<dyn FnMut(JsValue)>::new(move |range: JsValue| {
            group.moved(id, &range);
        });
        chart
            .time_scale()
            .subscribe_visible_time_range_change(handler.as_ref().unchecked_ref());
        Member {
            group: self.clone(),
            id,
            chart: chart.clone(),
            handler,
        }
    }

    fn moved(&self, from_id: u32, range: &JsValue) {
        if range.is_null() || range.is_undefined() || self.0.applying.get() {
            return;
        }
        let num = |k: &str| Reflect::get(range, &k.into()).ok().and_then(|v| v.as_f64());
        let (Some(from), Some(to)) = (num("from"), num("to")) else {
            return;
        };
        self.0.applying.set(true);
        for (id, c) in self.0.charts.borrow().iter() {
            if *id != from_id {
                // A chart with no data yet refuses a range; that is fine.
                let _ = c.time_scale().set_visible_range(range);
            }
        }
        self.0.applying.set(false);
        self.0.saved.set(Some((from, to)));
        let _ = LocalStorage::set(KEY, (from, to));
    }

    /// Shows the saved range on a chart that just got its data.
    pub fn restore_on(&self, chart: &ChartApi) {
        if let Some((from, to)) = self.saved() {
            let r = js_sys::Object::new();
            let _ = Reflect::set(&r, &"from".into(), &from.into());
            let _ = Reflect::set(&r, &"to".into(), &to.into());
            self.0.applying.set(true);
            let _ = chart.time_scale().set_visible_range(&r);
            self.0.applying.set(false);
        }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.chart
            .time_scale()
            .unsubscribe_visible_time_range_change(self.handler.as_ref().unchecked_ref());
        self.group
            .0
            .charts
            .borrow_mut()
            .retain(|(id, _)| *id != self.id);
    }
}
