//! The watchlist: up to 32 live pairs, one compact row each (z now
//! coloured against the pair's threshold, an hour's z line, spread, hedge
//! ratio, coint p, and an alert badge that flashes on a new alert). A click
//! focuses the pair view on the row's pair; × takes it off.

use std::rc::Rc;

use spreadwatch_proto::{PairId, Side};
use yew::prelude::*;

use super::sparkline::Sparkline;
use crate::format::{fixed, pvalue, z_alarm};
use crate::prefs::MAX_WATCH;
use crate::watch::WatchRow;

/// Props.
#[derive(Properties, PartialEq)]
pub struct WatchlistProps {
    /// The rows, in the order added.
    pub rows: Rc<Vec<WatchRow>>,
    /// The pair the pair view shows (its row is marked).
    pub focused: Option<PairId>,
    /// A row was clicked.
    pub on_focus: Callback<PairId>,
    /// A row's × was clicked.
    pub on_remove: Callback<PairId>,
}

/// The colour class of z against threshold `k`: the alarm's, else calm
/// (or muted without a z).
pub fn z_class(z: Option<f64>, k: f64) -> &'static str {
    z_alarm(z, k).unwrap_or(if z.is_some() { "sw-ok" } else { "sw-muted" })
}

fn side_class(s: Side) -> &'static str {
    match s {
        Side::Above => "sw-above",
        Side::Below => "sw-below",
    }
}

fn row(props: &WatchlistProps, r: &WatchRow) -> Html {
    let name = r.pair.to_string();
    let s = r.latest.as_ref();
    let z = r.z();
    let hedge = s.and_then(|s| s.hedge.as_ref()).map(|h| h.beta);
    let p = s.and_then(|s| s.coint.as_ref()).map(|c| c.pvalue);
    // A pair the engine cannot run has nothing to show.
    let focus = {
        let (on_focus, p, refused) = (props.on_focus.clone(), r.pair.clone(), r.refused);
        Callback::from(move |_: MouseEvent| {
            if !refused {
                on_focus.emit(p.clone());
            }
        })
    };
    let remove = {
        let (on_remove, p) = (props.on_remove.clone(), r.pair.clone());
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            on_remove.emit(p.clone());
        })
    };
    let focused = props.focused.as_ref() == Some(&r.pair);
    let badge = match (&r.last_alert, r.alerts) {
        // Keyed by the count: a new alert is a new element, whose
        // animation starts again.
        (Some(a), n) => html! {
            <span key={n.to_string()} class={classes!("sw-alert-badge", (n > 0).then_some("sw-flash"), side_class(a.side))}
                title={format!("{n} alerts since the page opened")}>{ format!("{} z {:.2}", crate::format::clock(a.ts), a.z) }</span>
        },
        _ => html! { <span class="sw-alert-badge sw-muted">{ "no alert" }</span> },
    };
    html! {
        <div class={classes!("sw-watch-row", focused.then_some("sw-focused"))} data-pair={name.clone()} onclick={focus}>
            <span class="sw-watch-name">{ name }</span>
            if r.running {
                <span class={classes!("sw-watch-z", z_class(z, r.k()))}>{ fixed(z, 2) }</span>
                <Sparkline points={r.spark.clone()} k={r.k()} />
                <span class="sw-watch-num" title="spread">{ fixed(s.and_then(|s| s.spread), 4) }</span>
                <span class="sw-watch-num" title="hedge ratio β">{ format!("β {}", fixed(hedge, 3)) }</span>
                <span class="sw-watch-num" title="Engle-Granger p">{ format!("p {}", pvalue(p)) }</span>
                { badge }
            } else if r.refused {
                <span class="sw-warn sw-watch-off">{ "not running: a leg is not tracked, or the engine runs its 64 pairs" }</span>
            } else {
                <span class="sw-muted sw-watch-off">{ "starting…" }</span>
            }
            <button class="sw-watch-remove" title="Stop watching" onclick={remove}>{ "×" }</button>
        </div>
    }
}

/// The list.
#[function_component]
pub fn Watchlist(props: &WatchlistProps) -> Html {
    html! {
        <section class="sw-panel" id="watchlist">
            <h3>{ format!("Watchlist · {} of {MAX_WATCH}", props.rows.len()) }</h3>
            if props.rows.is_empty() {
                <p class="sw-empty" id="watch-empty">{ "Watch a pair with ☆ in the scanner or the pair view." }</p>
            } else {
                <div class="sw-watch-grid">{ for props.rows.iter().map(|r| row(props, r)) }</div>
            }
        </section>
    }
}
