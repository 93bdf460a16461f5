//! The root component: owns the store, the socket and the chart sync group,
//! turns control callbacks into store actions and client messages, and lays
//! the page out.

use std::rc::Rc;

use gloo::timers::callback::Interval as Every;
use spreadwatch_proto::{ClientMsg, Interval, Model, PairId, PairParams};
use yew::prelude::*;

use crate::api;
use crate::charts::SyncGroup;
use crate::components::alerts::{AlertList, Toasts};
use crate::components::backtest_panel::Backtest;
use crate::components::charts_panel::ChartsPanel;
use crate::components::controls::Controls;
use crate::components::export::Export;
use crate::components::health::{ConnBanner, Health};
use crate::components::heatmap::Heatmap;
use crate::components::stat_boxes::{StatBoxes, StatView};
use crate::components::upload::{UploadBar, UploadStatus};
use crate::prefs::{bar_interval, patch, Mode, Prefs};
use crate::socket::Socket;
use crate::store::{Action, State, Store, Upload};
use crate::upload_view::UploadView;

/// How often the heatmap refreshes.
const HEATMAP_MS: u32 = 5_000;

/// What to send on every (re)connect: the subscription, then this
/// browser's parameters if the user set any.
fn hello(p: &Prefs) -> Vec<ClientMsg> {
    let mut v = vec![ClientMsg::Subscribe {
        pair: p.pair.clone(),
        symbols: None,
        interval: Some(p.bar_interval()),
    }];
    if p.params_set {
        v.push(ClientMsg::SetParams {
            pair: p.pair.clone(),
            params: p.patch(),
        });
    }
    v
}

fn live_stats(s: &State) -> StatView {
    let leg = |i: usize| s.legs[i].candles.last().map(|c| (c.close, c.volume));
    let name = |i: usize| {
        s.legs[i]
            .symbol
            .as_ref()
            .map(|x| x.to_string())
            .unwrap_or_default()
    };
    let l = s.latest.as_ref();
    StatView {
        y_sym: name(0),
        x_sym: name(1),
        y_price: leg(0).map(|v| v.0),
        y_volume: leg(0).map(|v| v.1),
        x_price: leg(1).map(|v| v.0),
        x_volume: leg(1).map(|v| v.1),
        spread: l.and_then(|l| l.spread),
        z: l.and_then(|l| l.z),
        hedge: l.and_then(|l| l.hedge).map(|h| h.beta),
        corr: l.and_then(|l| l.corr),
        adf_p: l.and_then(|l| l.adf).map(|a| a.pvalue),
        adf_stat: l.and_then(|l| l.adf).map(|a| a.stat),
        half_life: l.and_then(|l| l.half_life),
        k: s.params.z_threshold,
        model: s.params.model,
        stale: l.filter(|l| l.stale).map(|l| {
            l.stale_reason
                .clone()
                .unwrap_or_else(|| "a leg is silent".into())
        }),
        n: l.map_or(0, |l| l.n),
    }
}

fn upload_stats(v: &UploadView, k: f64) -> StatView {
    let r = &v.report;
    let last = v.points.last();
    let hedge = match v.model {
        Model::Ols => Some(r.regression.ols.beta),
        Model::Huber => Some(r.regression.huber.beta),
        Model::TheilSen => r.regression.theil_sen.map(|h| h.beta),
        Model::Kalman => r.kalman.beta.last().copied(),
    };
    StatView {
        y_sym: v.pair.y.to_string(),
        x_sym: v.pair.x.to_string(),
        y_price: last.map(|p| p.y),
        y_volume: None,
        x_price: last.map(|p| p.x),
        x_volume: None,
        spread: last.and_then(|p| p.spread),
        z: last.and_then(|p| p.z),
        hedge,
        corr: last.and_then(|p| p.corr),
        adf_p: r.adf.map(|a| a.pvalue),
        adf_stat: r.adf.map(|a| a.stat),
        half_life: r.half_life,
        k,
        model: v.model,
        stale: None,
        n: r.n as u64,
    }
}

/// The dashboard.
#[function_component]
pub fn App() -> Html {
    let store: Store = use_reducer(|| State::new(Prefs::load()));
    let group = use_memo((), |_| SyncGroup::restored());
    let dispatch = {
        let d = store.dispatcher();
        Callback::from(move |a: Action| d.dispatch(a))
    };
    let socket = {
        let dispatch = dispatch.clone();
        use_memo((), move |_| Socket::connect(api::ws_url(), dispatch))
    };
    let prefs = store.prefs.clone();

    {
        let socket = socket.clone();
        use_effect_with(prefs.clone(), move |p| {
            p.save();
            socket.set_hello(hello(p));
        });
    }
    {
        let dispatch = dispatch.clone();
        use_effect_with(prefs.heatmap_interval, move |iv| {
            let iv = *iv;
            let fetch = move || {
                let dispatch = dispatch.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(m) = api::correlation(iv, 300).await {
                        dispatch.emit(Action::Heatmap(m));
                    }
                });
            };
            fetch();
            let timer = Every::new(HEATMAP_MS, fetch);
            move || drop(timer)
        });
    }

    let set_prefs = {
        let (dispatch, prefs) = (dispatch.clone(), prefs.clone());
        move |f: &dyn Fn(&mut Prefs)| {
            let mut p = prefs.clone();
            f(&mut p);
            dispatch.emit(Action::Prefs(p));
        }
    };
    let on_pair = {
        let (socket, set_prefs, prefs) = (socket.clone(), set_prefs.clone(), prefs.clone());
        Callback::from(move |pair: PairId| {
            set_prefs(&|p| p.pair = Some(pair.clone()));
            socket.send(&ClientMsg::Subscribe {
                pair: Some(pair),
                symbols: None,
                interval: Some(prefs.bar_interval()),
            });
        })
    };
    let on_params = {
        let (socket, set_prefs, pair) = (socket.clone(), set_prefs.clone(), store.pair.clone());
        let old = store.params;
        Callback::from(move |np: PairParams| {
            set_prefs(&|p| {
                p.params = np;
                p.params_set = true;
                p.pair = pair.clone().or(p.pair.clone());
            });
            socket.send(&ClientMsg::SetParams {
                pair: pair.clone(),
                params: patch(&np),
            });
            // A new interval needs candles at that interval: subscribe again.
            if np.interval != old.interval {
                socket.send(&ClientMsg::Subscribe {
                    pair: pair.clone(),
                    symbols: None,
                    interval: Some(bar_interval(np.interval)),
                });
            }
        })
    };
    let on_adf = {
        let socket = socket.clone();
        Callback::from(move |_| socket.send(&ClientMsg::Recompute { pair: None }))
    };
    let on_mode = {
        let set_prefs = set_prefs.clone();
        Callback::from(move |m: Mode| set_prefs(&|p| p.mode = m))
    };
    let on_cost = {
        let set_prefs = set_prefs.clone();
        Callback::from(move |c: f64| set_prefs(&|p| p.cost_bps = c))
    };
    let on_heatmap = {
        let set_prefs = set_prefs.clone();
        Callback::from(move |iv: Interval| set_prefs(&|p| p.heatmap_interval = iv))
    };
    let on_sidebar = {
        let set_prefs = set_prefs.clone();
        let hidden = prefs.sidebar_hidden;
        Callback::from(move |_: MouseEvent| set_prefs(&|p| p.sidebar_hidden = !hidden))
    };
    let on_dismiss = dispatch.reform(Action::Dismiss);
    let on_file = {
        let dispatch = dispatch.clone();
        let params = store.params;
        let pair = store.pair.clone();
        Callback::from(move |(file, y, x): (web_sys::File, String, String)| {
            let dispatch = dispatch.clone();
            let name = file.name();
            dispatch.emit(Action::Upload(Upload::Busy(name.clone())));
            let (y, x) = match (&pair, y.is_empty(), x.is_empty()) {
                (Some(p), true, _) | (Some(p), _, true) => (p.y.to_string(), p.x.to_string()),
                _ => (y, x),
            };
            let q = api::AnalyzeParams {
                y,
                x,
                window: params.window,
                model: params.model,
                z: params.z_threshold,
                kalman_delta: params.kalman_delta,
                kalman_r: params.kalman_r,
            };
            let Ok(pid) = format!("{}/{}", q.y, q.x).parse::<PairId>() else {
                dispatch.emit(Action::Upload(Upload::Failed(format!(
                    "y {:?} and x {:?} must be two different symbols",
                    q.y, q.x
                ))));
                return;
            };
            wasm_bindgen_futures::spawn_local(async move {
                let u = match api::analyze(file, &q).await {
                    Ok(r) => Upload::Done(Rc::new(UploadView::new(
                        name, pid, r, q.model, q.window, q.z,
                    ))),
                    Err(e) => Upload::Failed(e),
                };
                dispatch.emit(Action::Upload(u));
            });
        })
    };

    let upload = match (&store.upload, prefs.mode) {
        (Upload::Done(v), Mode::Upload) => Some(v.clone()),
        _ => None,
    };
    let k = store.params.z_threshold;
    let (stats, labels, legs, points) = match &upload {
        Some(v) => (
            upload_stats(v, k),
            [
                format!("{} (upload)", v.pair.y),
                format!("{} (upload)", v.pair.x),
            ],
            v.legs.clone(),
            v.points.clone(),
        ),
        None => {
            let name = |i: usize| {
                store.legs[i]
                    .symbol
                    .as_ref()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "—".into())
            };
            (
                live_stats(&store),
                [name(0), name(1)],
                [store.legs[0].candles.clone(), store.legs[1].candles.clone()],
                store.points.clone(),
            )
        }
    };
    let pair_label = store
        .pair
        .as_ref()
        .map(|p| p.to_string())
        .unwrap_or_else(|| "no pair".into());
    let health = html! { <Health conn={store.conn} status={store.status.clone()} rates={store.rates.clone()} /> };
    html! {
        <ContextProvider<SyncGroup> context={(*group).clone()}>
        <div class={classes!("sw-app", prefs.sidebar_hidden.then_some("sw-nosidebar"))}
             data-snapshots={store.snapshots.to_string()} data-frames={store.frames.to_string()}>
            <header class="sw-header">
                <button class="sw-menu" id="toggle-sidebar" onclick={on_sidebar} title="Show or hide the controls">{ "☰" }</button>
                <h1>{ "spreadwatch" }</h1>
                <span class="sw-pair" id="pair-label">{ pair_label }</span>
                <UploadBar mode={prefs.mode} status={UploadStatus::from(&store.upload)} {on_mode} {on_file}
                    default_y={store.pair.as_ref().map(|p| p.y.to_string()).unwrap_or_default()}
                    default_x={store.pair.as_ref().map(|p| p.x.to_string()).unwrap_or_default()} />
            </header>
            <ConnBanner conn={store.conn} status={None} rates={std::collections::BTreeMap::new()} />
            if let Some(e) = store.server_error.clone() {
                <div class="sw-banner sw-server-error" id="server-error">{ format!("Engine: {e}") }</div>
            }
            <Controls symbols={store.symbols.clone()} pairs={store.pairs.clone()} pair={store.pair.clone()}
                params={store.params} {on_pair} {on_params} {on_adf} />
            <main class="sw-main">
                <StatBoxes view={stats} />
                <ChartsPanel {labels} {legs} points={points.clone()} {k} />
                <div class="sw-grid2">
                    <AlertList alerts={upload.as_ref().map_or(store.alerts.clone(), |v| v.alerts.clone())} />
                    { health }
                </div>
                <div class="sw-grid2">
                    <Backtest {points} model={upload.as_ref().map_or(store.params.model, |v| v.model)} {k}
                        cost_bps={prefs.cost_bps} {on_cost} />
                    <Heatmap matrix={store.heatmap.clone()} interval={prefs.heatmap_interval} on_interval={on_heatmap} />
                </div>
                <Export pair={store.pair.clone()} />
            </main>
            <Toasts toasts={store.toasts.clone()} {on_dismiss} />
        </div>
        </ContextProvider<SyncGroup>>
    }
}
