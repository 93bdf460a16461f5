//! What the dashboard does to the world, apart from drawing: messages to the
//! engine (the subscription, each pair's saved parameters), REST polls and
//! the upload's analysis. Components only call these.

use std::collections::BTreeSet;
use std::rc::Rc;

use spreadwatch_proto::{ClientMsg, Interval, PairId, PairParams};
use yew::Callback;

use crate::api;
use crate::prefs::{bar_interval, patch, Prefs};
use crate::socket::Socket;
use crate::store::{Action, ScanUpload, Upload};
use crate::upload_view::UploadView;

/// The one way the dashboard subscribes: `pair` at its bar interval, the
/// watchlist's pairs, and the scanner's rankings.
pub fn subscribe(pair: Option<PairId>, interval: Interval, watch: &[PairId]) -> ClientMsg {
    ClientMsg::Subscribe {
        pair,
        symbols: None,
        interval: Some(interval),
        scan: Some(true),
        watch: Some(watch.to_vec()),
    }
}

/// `pair`'s parameters, all of them, for the engine.
pub fn set_params(pair: &PairId, p: &PairParams) -> ClientMsg {
    ClientMsg::SetParams {
        pair: Some(pair.clone()),
        params: patch(p),
    }
}

/// What every (re)connect sends first: the subscription, then the shown
/// pair's own parameters if this browser set any. Other pairs' follow the
/// snapshot ([`send_saved`]), once it says which pairs the engine has.
pub fn hello(p: &Prefs) -> Vec<ClientMsg> {
    let saved = p.pair.as_ref().and_then(|pair| p.params_of(pair));
    let interval = saved.map_or(Interval::S1, |s| bar_interval(s.interval));
    let mut v = vec![subscribe(p.pair.clone(), interval, &p.watch)];
    if let (Some(pair), Some(s)) = (&p.pair, saved) {
        v.push(set_params(pair, &s));
    }
    v
}

/// Sends each saved pair's parameters that this connection has not sent
/// yet, for the pairs the engine tracks (`sent` is cleared on reconnect).
pub fn send_saved(socket: &Socket, p: &Prefs, tracked: &[PairId], sent: &mut BTreeSet<String>) {
    if let Some(cur) = &p.pair {
        sent.insert(cur.to_string());
    }
    for pair in tracked {
        let key = pair.to_string();
        if let (Some(params), false) = (p.params_of(pair), sent.contains(&key)) {
            socket.send(&set_params(pair, &params));
            sent.insert(key);
        }
    }
}

/// Polls the correlation matrix of `symbols` (the busiest when empty)
/// every `every_ms`; drop the timer to stop.
pub fn poll_heatmap(
    iv: Interval,
    symbols: Vec<String>,
    every_ms: u32,
    dispatch: Callback<Action>,
) -> gloo::timers::callback::Interval {
    let fetch = move || {
        let (dispatch, symbols) = (dispatch.clone(), symbols.clone());
        wasm_bindgen_futures::spawn_local(async move {
            if let Ok(m) = api::correlation(iv, 300, &symbols).await {
                dispatch.emit(Action::Heatmap(m));
            }
        });
    };
    fetch();
    gloo::timers::callback::Interval::new(every_ms, fetch)
}

/// Posts `file` for analysis of `pair` with `params`; reports progress and
/// the result as upload actions.
pub fn analyze(file: web_sys::File, pair: PairId, params: PairParams, dispatch: Callback<Action>) {
    let name = file.name();
    dispatch.emit(Action::Upload(Upload::Busy(name.clone())));
    let q = api::AnalyzeParams {
        y: pair.y.to_string(),
        x: pair.x.to_string(),
        window: params.window,
        model: params.model,
        z: params.z_threshold,
        kalman_delta: params.kalman_delta,
        kalman_r: params.kalman_r,
    };
    wasm_bindgen_futures::spawn_local(async move {
        let u = match api::analyze(file, &q).await {
            Ok(r) => Upload::Done(Rc::new(UploadView::new(
                name, pair, r, q.model, q.window, q.z,
            ))),
            Err(e) => Upload::Failed(e),
        };
        dispatch.emit(Action::Upload(u));
    });
}

/// Posts `file` to the scanner; reports progress and the ranking as scan
/// upload actions.
pub fn scan_upload(file: web_sys::File, dispatch: Callback<Action>) {
    let name = file.name();
    dispatch.emit(Action::ScanUpload(ScanUpload::Busy(name.clone())));
    wasm_bindgen_futures::spawn_local(async move {
        let u = match api::scan(file).await {
            Ok(r) => {
                let line = format!(
                    "{name} · took {} ms · {} symbols · {} pairs tested",
                    r.elapsed_ms, r.symbols, r.candidates
                );
                ScanUpload::Done(Rc::new(r.results), line)
            }
            Err(e) => ScanUpload::Failed(e),
        };
        dispatch.emit(Action::ScanUpload(u));
    });
}

/// The symbols the heatmap shows: the watchlist's legs, once each, or
/// none (the engine then picks the busiest).
pub fn heatmap_symbols(watch: &[PairId]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in watch
        .iter()
        .flat_map(|p| [p.y.to_string(), p.x.to_string()])
    {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}
