//! The root component: owns the store, the socket and the chart sync group,
//! wires control callbacks to effects, and lays the page out.

use std::collections::BTreeSet;

use spreadwatch_proto::{ClientMsg, Interval, PairId, PairParams};
use yew::prelude::*;

use crate::api;
use crate::charts::SyncGroup;
use crate::components::alerts::{AlertList, Toasts};
use crate::components::backtest_panel::Backtest;
use crate::components::charts_panel::ChartsPanel;
use crate::components::controls::Controls;
use crate::components::export::Export;
use crate::components::header::Header;
use crate::components::health::{ConnBanner, Health};
use crate::components::heatmap::Heatmap;
use crate::components::stat_boxes::StatBoxes;
use crate::components::upload::UploadStatus;
use crate::effects::{self, subscribe};
use crate::prefs::{bar_interval, Mode, Prefs};
use crate::shown::Shown;
use crate::socket::Socket;
use crate::store::{Action, State, Store, Upload};

/// How often the heatmap refreshes.
const HEATMAP_MS: u32 = 5_000;

/// Store actions from the page's controls.
struct Hands {
    store: Store,
    socket: Socket,
    dispatch: Callback<Action>,
}

impl Hands {
    /// A callback that changes one preference with what it is given.
    fn prefs<T: 'static>(&self, f: fn(&mut Prefs, T)) -> Callback<T> {
        let (dispatch, prefs) = (self.dispatch.clone(), self.store.prefs.clone());
        Callback::from(move |v: T| {
            let mut p = prefs.clone();
            f(&mut p, v);
            dispatch.emit(Action::Prefs(p));
        })
    }

    /// Shows `pair`: subscribes, and sends its saved parameters.
    fn on_pair(&self) -> Callback<PairId> {
        let (socket, dispatch, prefs) = (
            self.socket.clone(),
            self.dispatch.clone(),
            self.store.prefs.clone(),
        );
        Callback::from(move |pair: PairId| {
            let saved = prefs.params_of(&pair);
            let iv = saved.map_or(Interval::S1, |s| bar_interval(s.interval));
            socket.send(&subscribe(Some(pair.clone()), iv));
            if let Some(s) = saved {
                socket.send(&effects::set_params(&pair, &s));
            }
            let mut p = prefs.clone();
            p.pair = Some(pair);
            dispatch.emit(Action::Prefs(p));
        })
    }

    /// Sends the shown pair's new parameters and keeps them as its own.
    fn on_params(&self) -> Callback<PairParams> {
        let (socket, dispatch) = (self.socket.clone(), self.dispatch.clone());
        let (prefs, pair) = (self.store.prefs.clone(), self.store.pair.clone());
        Callback::from(move |np: PairParams| {
            let Some(pair) = &pair else { return };
            socket.send(&effects::set_params(pair, &np));
            let mut p = prefs.clone();
            p.pair_params.insert(pair.to_string(), np);
            dispatch.emit(Action::Prefs(p));
        })
    }

    /// "Run ADF": recompute the shown pair's slow statistics now.
    fn on_adf(&self) -> Callback<()> {
        let socket = self.socket.clone();
        Callback::from(move |()| socket.send(&ClientMsg::Recompute { pair: None }))
    }

    /// The live pair's legs, offered for an upload.
    fn legs(&self) -> (AttrValue, AttrValue) {
        let name =
            |f: fn(&PairId) -> String| self.store.pair.as_ref().map(f).unwrap_or_default().into();
        (name(|p| p.y.to_string()), name(|p| p.x.to_string()))
    }

    /// Analyses a picked file for the typed legs, or the live pair's.
    fn on_file(&self) -> Callback<(web_sys::File, String, String)> {
        let (dispatch, params, pair) = (
            self.dispatch.clone(),
            self.store.params,
            self.store.pair.clone(),
        );
        Callback::from(move |(file, y, x): (web_sys::File, String, String)| {
            let (y, x) = match (&pair, y.is_empty() || x.is_empty()) {
                (Some(p), true) => (p.y.to_string(), p.x.to_string()),
                _ => (y, x),
            };
            match format!("{y}/{x}").parse::<PairId>() {
                Ok(pid) => effects::analyze(file, pid, params, dispatch.clone()),
                Err(_) => dispatch.emit(Action::Upload(Upload::Failed(format!(
                    "{}: y {y:?} and x {x:?} must be two different symbols",
                    file.name()
                )))),
            }
        })
    }
}

/// Keeps the engine in step with the page: the hello for reconnects, the
/// subscription's interval with the pair's, saved parameters of the other
/// pairs once per connection, and the heatmap poll.
#[hook]
fn use_engine_sync(store: &Store, socket: &Socket, dispatch: &Callback<Action>) {
    let prefs = store.prefs.clone();
    {
        let socket = socket.clone();
        use_effect_with(prefs.clone(), move |p| {
            p.save();
            socket.set_hello(effects::hello(p));
        });
    }
    {
        let socket = socket.clone();
        let want = store.params.interval;
        use_effect_with(
            (store.pair.clone(), store.sub_interval, want),
            move |(pair, sub, want)| {
                if let (Some(pair), Some(sub)) = (pair, sub) {
                    if *sub != bar_interval(*want) {
                        socket.send(&subscribe(Some(pair.clone()), bar_interval(*want)));
                    }
                }
            },
        );
    }
    {
        let (socket, sent) = (socket.clone(), use_mut_ref(|| (0u64, BTreeSet::new())));
        let deps = (
            store.opened,
            store.pairs_opened,
            store.pairs.clone(),
            prefs.clone(),
        );
        use_effect_with(deps, move |(opened, pairs_opened, pairs, prefs)| {
            let mut s = sent.borrow_mut();
            if s.0 != *opened {
                *s = (*opened, BTreeSet::new());
            }
            if pairs_opened == opened {
                effects::send_saved(&socket, prefs, pairs, &mut s.1);
            }
        });
    }
    let dispatch = dispatch.clone();
    use_effect_with(prefs.heatmap_interval, move |iv| {
        let timer = effects::poll_heatmap(*iv, HEATMAP_MS, dispatch);
        move || drop(timer)
    });
}

/// The socket (made once) and the page's hands on the store and engine.
#[hook]
fn use_hands(store: &Store) -> Hands {
    let dispatch = {
        let d = store.dispatcher();
        Callback::from(move |a: Action| d.dispatch(a))
    };
    let socket = {
        let dispatch = dispatch.clone();
        use_memo((), move |_| Socket::connect(api::ws_url(), dispatch))
    };
    use_engine_sync(store, &socket, &dispatch);
    Hands {
        store: store.clone(),
        socket: (*socket).clone(),
        dispatch,
    }
}

/// The dashboard.
#[function_component]
pub fn App() -> Html {
    let store: Store = use_reducer(|| State::new(Prefs::load()));
    let group = use_memo((), |_| SyncGroup::restored());
    let hands = use_hands(&store);
    let dispatch = hands.dispatch.clone();
    let prefs = &store.prefs;
    let shown = Shown::of(&store);
    let hidden = prefs.sidebar_hidden;
    let on_sidebar = hands.prefs(|p, ()| p.sidebar_hidden = !p.sidebar_hidden);
    let on_mode = hands.prefs(|p, m: Mode| p.mode = m);
    let on_cost = hands.prefs(|p, c: f64| p.cost_bps = c);
    let on_heatmap = hands.prefs(|p, iv: Interval| p.heatmap_interval = iv);
    let on_adf = hands.on_adf();
    let legs = hands.legs();
    html! {
        <ContextProvider<SyncGroup> context={(*group).clone()}>
        <div class={classes!("sw-app", hidden.then_some("sw-nosidebar"))}
             data-snapshots={store.snapshots.to_string()} data-frames={store.frames.to_string()}>
            <Header title={shown.title.clone()} mode={prefs.mode} status={UploadStatus::from(&store.upload)}
                {legs} {on_sidebar} {on_mode} on_file={hands.on_file()} />
            <ConnBanner conn={store.conn} />
            if let Some(e) = store.server_error.clone() {
                <div class="sw-banner sw-server-error" id="server-error">{ format!("Engine: {e}") }</div>
            }
            <div class="sw-side">
                <Controls symbols={store.symbols.clone()} pairs={store.pairs.clone()} pair={store.pair.clone()}
                    params={store.params} on_pair={hands.on_pair()} on_params={hands.on_params()} {on_adf} />
                <Toasts toasts={store.toasts.clone()} on_dismiss={dispatch.reform(Action::Dismiss)} />
            </div>
            <main class="sw-main">
                <StatBoxes view={shown.stats.clone()} />
                if let Some(note) = shown.note.clone() {
                    <p class={classes!("sw-empty", shown.failed.then_some("sw-error"))} id="upload-empty">{ note }</p>
                }
                <ChartsPanel labels={shown.labels.clone()} legs={shown.legs.clone()} points={shown.points.clone()}
                    k={shown.k} data={shown.data.clone()} upload={shown.upload} />
                <div class="sw-grid2">
                    <AlertList alerts={shown.alerts.clone()} dated={shown.upload} />
                    <Health conn={store.conn} status={store.status.clone()} rates={store.rates.clone()} />
                </div>
                <div class="sw-grid2">
                    <Backtest points={shown.points.clone()} model={shown.model} k={shown.k}
                        cost_bps={prefs.cost_bps} {on_cost} />
                    <Heatmap matrix={store.heatmap.clone()} interval={prefs.heatmap_interval} on_interval={on_heatmap} />
                </div>
                <Export pair={store.pair.clone()} />
            </main>
        </div>
        </ContextProvider<SyncGroup>>
    }
}
