//! Alert toasts (one per |z| crossing, gone after a few seconds) and the
//! alert history list.

use std::rc::Rc;

use gloo::timers::callback::Timeout;
use spreadwatch_proto::{Alert, Side};
use yew::prelude::*;

use crate::format::{clock, date_time};
use crate::store::Toast;

/// How long a toast stays after its pair's newest alert.
const TOAST_MS: u32 = 6_000;

fn describe(a: &Alert) -> String {
    let dir = match a.side {
        Side::Above => "above",
        Side::Below => "below",
    };
    format!("{} z = {:.2} crossed {dir} ±{}", a.pair, a.z, a.threshold)
}

/// Toast props.
#[derive(Properties, PartialEq)]
pub struct ToastsProps {
    /// Toasts on screen.
    pub toasts: Vec<Toast>,
    /// A toast timed out or was closed.
    pub on_dismiss: Callback<u64>,
}

/// The toasts, under the controls in the sidebar (so they never cover a
/// control or a chart), newest last.
#[function_component]
pub fn Toasts(props: &ToastsProps) -> Html {
    let timers = use_mut_ref(Vec::<(u64, Timeout)>::new);
    {
        let ids: Vec<u64> = props.toasts.iter().map(|t| t.id).collect();
        let on_dismiss = props.on_dismiss.clone();
        use_effect_with(ids, move |ids| {
            let mut t = timers.borrow_mut();
            t.retain(|(id, _)| ids.contains(id));
            for id in ids {
                if !t.iter().any(|(x, _)| x == id) {
                    let (id, cb) = (*id, on_dismiss.clone());
                    t.push((id, Timeout::new(TOAST_MS, move || cb.emit(id))));
                }
            }
        });
    }
    html! {
        <div class="sw-toasts" aria-live="polite">
            { for props.toasts.iter().map(|t| {
                let id = t.id;
                let close = props.on_dismiss.reform(move |_: MouseEvent| id);
                let side = match t.alert.side { Side::Above => "sw-above", Side::Below => "sw-below" };
                html! {
                    <div class={classes!("sw-toast", side)} key={id}>
                        <strong>{ "Alert " }</strong>{ describe(&t.alert) }
                        if t.count > 1 {
                            <span class="sw-count" title="alerts of this pair since this toast opened">{ format!(" ×{}", t.count) }</span>
                        }
                        <span class="sw-when">{ clock(t.alert.ts) }</span>
                        <button class="sw-close" onclick={close}>{ "×" }</button>
                    </div>
                }
            }) }
        </div>
    }
}

/// History props.
#[derive(Properties, PartialEq)]
pub struct AlertListProps {
    /// Alerts, oldest first.
    pub alerts: Rc<Vec<Alert>>,
    /// Show dates (an uploaded file spans days; live alerts are today's).
    #[prop_or(false)]
    pub dated: bool,
}

/// The newest alerts first.
#[function_component]
pub fn AlertList(props: &AlertListProps) -> Html {
    html! {
        <section class="sw-panel" id="alert-history">
            <h3>{ format!("Alerts ({})", props.alerts.len()) }</h3>
            <ul class="sw-alerts">
                { for props.alerts.iter().rev().take(100).map(|a| html! {
                    <li class={if a.side == Side::Above { "sw-above" } else { "sw-below" }}>
                        <span class="sw-when">{ if props.dated { date_time(a.ts) } else { clock(a.ts) } }</span>{ describe(a) }
                    </li>
                }) }
            </ul>
        </section>
    }
}
