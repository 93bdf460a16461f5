//! The user's hands on a chart: the wheel zooms in [`ZOOM_STEP`] notches
//! (lightweight-charts' own wheel zoom is turned off), a double-click goes
//! back to the newest bars, and every press tells the group that the next
//! range change is the user's.
//!
//! [`ZOOM_STEP`]: super::follow::ZOOM_STEP

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AddEventListenerOptions, EventTarget, MouseEvent, WheelEvent};

use super::sync::SyncGroup;

type Listener = Closure<dyn FnMut(JsValue)>;

/// The listeners on one chart's element; dropping them removes them.
pub struct Inputs {
    el: EventTarget,
    listeners: Vec<(&'static str, Listener)>,
}

/// Notches in a wheel event: Chromium sends 100 pixels a notch, Firefox
/// three lines.
fn notches(e: &WheelEvent) -> f64 {
    match e.delta_mode() {
        WheelEvent::DOM_DELTA_LINE => e.delta_y() / 3.0,
        WheelEvent::DOM_DELTA_PAGE => e.delta_y(),
        _ => e.delta_y() / 100.0,
    }
}

impl Inputs {
    /// Listens on `el` for chart `id` of `group`.
    pub fn attach(el: &web_sys::HtmlElement, group: SyncGroup, id: u32) -> Inputs {
        let mut me = Inputs {
            el: el.clone().into(),
            listeners: Vec::new(),
        };
        let g = group.clone();
        me.listen("wheel", move |e| {
            let e: WheelEvent = e.unchecked_into();
            g.touched(id, false);
            // A sideways wheel pans, which lightweight-charts does itself.
            if e.delta_y().abs() > e.delta_x().abs() {
                e.prevent_default();
                g.zoom(id, notches(&e), f64::from(e.offset_x()));
            }
        });
        for (kind, down) in [
            ("pointerdown", true),
            ("mousedown", true),
            ("pointerup", false),
            ("mouseup", false),
            ("touchstart", true),
            ("touchend", false),
        ] {
            let g = group.clone();
            me.listen(kind, move |_| g.touched(id, down));
        }
        let g = group.clone();
        me.listen("pointerleave", move |_| g.left(id));
        me.listen("dblclick", move |e| {
            let _ = e.unchecked_into::<MouseEvent>();
            group.go_live();
        });
        me
    }

    fn listen(&mut self, kind: &'static str, f: impl FnMut(JsValue) + 'static) {
        let l = Listener::new(f);
        let opts = AddEventListenerOptions::new();
        // Not passive: the wheel's page scroll is cancelled while zooming.
        // Capture: the chart's own handlers must not hide an input from us.
        opts.set_passive(false);
        opts.set_capture(true);
        let _ = self
            .el
            .add_event_listener_with_callback_and_add_event_listener_options(
                kind,
                l.as_ref().unchecked_ref(),
                &opts,
            );
        self.listeners.push((kind, l));
    }
}

impl Drop for Inputs {
    fn drop(&mut self) {
        for (kind, l) in &self.listeners {
            let _ = self.el.remove_event_listener_with_callback_and_bool(
                kind,
                l.as_ref().unchecked_ref(),
                true,
            );
        }
    }
}
