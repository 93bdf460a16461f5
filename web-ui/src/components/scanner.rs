//! The scanner view: the latest ranking of every pair (live from `scan`
//! frames, or an uploaded file's), sortable by any column and filtered;
//! a click opens a pair, a star watches it.

use std::rc::Rc;

use spreadwatch_proto::scan::ScanResult;
use spreadwatch_proto::PairId;
use yew::prelude::*;

use super::scan_filters::ScanFilters;
use crate::format::{fixed, pvalue, z_alarm};
use crate::scan_view::{Column, ScanView};

/// A ranking to show and where it came from.
#[derive(Debug, Clone)]
pub struct Ranking {
    /// The rows, best first.
    pub results: Rc<Vec<ScanResult>>,
    /// When and how it ran, for the line above the table.
    pub caption: String,
}

/// Props.
#[derive(Properties, PartialEq)]
pub struct ScannerProps {
    /// The ranking, once there is one.
    pub ranking: Option<Ranking>,
    /// Why there is none: waiting for the first scan, an upload's error.
    pub note: AttrValue,
    /// Sort and filters.
    pub view: ScanView,
    /// The z threshold the "z now" colour is judged against.
    pub k: f64,
    /// Watched pairs (their star is lit).
    pub watch: Vec<PairId>,
    /// Rows open a pair (false for an upload's ranking: not live).
    pub live: bool,
    /// Sort or filters changed.
    pub on_view: Callback<ScanView>,
    /// A row was clicked.
    pub on_open: Callback<PairId>,
    /// A row's star was clicked.
    pub on_watch: Callback<PairId>,
}

/// The rows by identity: a ranking is replaced whole, never changed.
impl PartialEq for Ranking {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.results, &o.results) && self.caption == o.caption
    }
}

fn pair_of(r: &ScanResult) -> Option<PairId> {
    format!("{}/{}", r.y, r.x).parse().ok()
}

fn header(props: &ScannerProps) -> Html {
    let v = props.view;
    let cell = |c: Column| {
        let on_view = props.on_view.clone();
        let arrow = match (v.sort == c, v.descending) {
            (true, true) => " ▼",
            (true, false) => " ▲",
            _ => "",
        };
        html! {
            <th id={format!("scan-sort-{}", c.key())} class="sw-sortable"
                onclick={Callback::from(move |_: MouseEvent| on_view.emit(v.clicked(c)))}>
                { format!("{}{arrow}", c.label()) }
            </th>
        }
    };
    html! { <tr><th></th>{ for Column::ALL.into_iter().map(cell) }</tr> }
}

fn row(props: &ScannerProps, rank: usize, r: &ScanResult) -> Html {
    let Some(pair) = pair_of(r) else {
        return html! {};
    };
    let name = pair.to_string();
    let watched = props.watch.contains(&pair);
    let z_class = z_alarm(r.z, props.k);
    let open = {
        let (on_open, p, live) = (props.on_open.clone(), pair.clone(), props.live);
        Callback::from(move |_: MouseEvent| {
            if live {
                on_open.emit(p.clone());
            }
        })
    };
    let star = {
        let (on_watch, p) = (props.on_watch.clone(), pair);
        Callback::from(move |e: MouseEvent| {
            // The star is not a click on the row.
            e.stop_propagation();
            on_watch.emit(p.clone());
        })
    };
    html! {
        <tr class="sw-scan-row" data-pair={name.clone()} data-rank={rank.to_string()} onclick={open}>
            <td>
                if props.live {
                    <button class={classes!("sw-star", watched.then_some("sw-active"))} title="Watch this pair"
                        onclick={star}>{ if watched { "★" } else { "☆" } }</button>
                }
            </td>
            <td class="sw-scan-pair">{ name }</td>
            <td>{ fixed(Some(r.corr), 3) }</td>
            <td class="sw-scan-p">{ pvalue(Some(r.coint.pvalue)) }</td>
            <td>{ fixed(r.half_life, 1) }</td>
            <td class={classes!("sw-scan-z", z_class)}>{ fixed(r.z, 2) }</td>
            <td>{ fixed(Some(r.beta), 4) }</td>
            <td>{ r.n }</td>
        </tr>
    }
}

/// The view.
#[function_component]
pub fn Scanner(props: &ScannerProps) -> Html {
    let body = match &props.ranking {
        None => html! { <p class="sw-empty" id="scan-empty">{ props.note.clone() }</p> },
        Some(r) => {
            let shown = props.view.rows(&r.results);
            html! {
                <>
                    <p class="sw-muted" id="scan-caption">
                        { format!("{} · {} of {} pairs shown", r.caption, shown.len(), r.results.len()) }
                    </p>
                    <table class="sw-table sw-scan" id="scan-table">
                        <thead>{ header(props) }</thead>
                        <tbody>{ for shown.iter().map(|&i| row(props, i + 1, &r.results[i])) }</tbody>
                    </table>
                </>
            }
        }
    };
    html! {
        <section class="sw-panel" id="scanner">
            <h3>{ "Pair scanner: Engle-Granger on 1 m closes, lowest p first" }</h3>
            <ScanFilters view={props.view} on_view={props.on_view.clone()} />
            { body }
        </section>
    }
}
