//! Alert toasts (one per |z| crossing, gone after a few seconds) and the
//! alert history list.

use std::rc::Rc;

use gloo::timers::callback::Timeout;
use spreadwatch_proto::{Alert, Side};
use yew::prelude::*;

use crate::store::Toast;

/// How long a toast stays.
const TOAST_MS: u32 = 6_000;

/// Shows `ms` as UTC `HH:MM:SS`.
pub fn clock(ms: i64) -> String {
    let s = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

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

/// The toasts, top right.
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
                        <span class="sw-when">{ clock(a.ts) }</span>{ describe(a) }
                    </li>
                }) }
            </ul>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_utc_time_of_day() {
        assert_eq!(clock(1_700_000_100_000), "22:15:00");
        assert_eq!(clock(-1000), "23:59:59");
    }
}
