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
use crate::components::scanner::{Ranking, Scanner};
use crate::components::stat_boxes::StatBoxes;
use crate::components::tabs::Tabs;
use crate::components::upload::UploadStatus;
use crate::components::watch_button::WatchButton;
use crate::components::watchlist::Watchlist;
use crate::effects::{self, subscribe};
use crate::prefs::{bar_interval, Mode, Prefs, Tab, MAX_WATCH};
use crate::shown::Shown;
use crate::socket::Socket;
use crate::store::{Action, ScanUpload, State, Store, Upload};

/// How often the heatmap refreshes.
const HEATMAP_MS: u32 = 5_000;

/// Store actions from the page's controls.
#[derive(Clone)]
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

    /// Shows `pair` in the pair view: subscribes (the engine starts it
    /// when it is not running yet), and sends its saved parameters.
    fn on_pair(&self) -> Callback<PairId> {
        let (socket, dispatch, prefs) = (
            self.socket.clone(),
            self.dispatch.clone(),
            self.store.prefs.clone(),
        );
        Callback::from(move |pair: PairId| {
            let saved = prefs.params_of(&pair);
            let iv = saved.map_or(Interval::S1, |s| bar_interval(s.interval));
            socket.send(&subscribe(Some(pair.clone()), iv, &prefs.watch));
            if let Some(s) = saved {
                socket.send(&effects::set_params(&pair, &s));
            }
            // prefs.pair follows once the engine's snapshot confirms it.
            let mut p = prefs.clone();
            p.tab = Tab::Pair;
            if p.mode == Mode::Upload {
                p.mode = Mode::Live;
            }
            dispatch.emit(Action::Prefs(p));
        })
    }

    /// Watches `pair`, or stops; the engine hears of it from the
    /// subscription the change sends ([`use_engine_sync`]).
    fn on_watch(&self) -> Callback<PairId> {
        self.prefs(|p, pair: PairId| {
            p.toggle_watch(&pair);
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

    /// Analyses a picked file for the typed legs, or the live pair's; on
    /// the scanner's tab, ranks every pair in it.
    fn on_file(&self) -> Callback<(web_sys::File, String, String)> {
        let (dispatch, params, pair) = (
            self.dispatch.clone(),
            self.store.params,
            self.store.pair.clone(),
        );
        let scan = self.store.prefs.tab == Tab::Scanner;
        Callback::from(move |(file, y, x): (web_sys::File, String, String)| {
            if scan {
                return effects::scan_upload(file, dispatch.clone());
            }
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
        let watch = prefs.watch.clone();
        use_effect_with(
            (store.pair.clone(), store.sub_interval, want),
            move |(pair, sub, want)| {
                if let (Some(pair), Some(sub)) = (pair, sub) {
                    if *sub != bar_interval(*want) {
                        socket.send(&subscribe(Some(pair.clone()), bar_interval(*want), &watch));
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
    {
        // A changed watchlist is a new subscription (a no-op before the
        // socket opens: the hello carries it then).
        let socket = socket.clone();
        let (pair, iv) = (prefs.pair.clone(), bar_interval(store.params.interval));
        use_effect_with(prefs.watch.clone(), move |watch| {
            socket.send(&subscribe(pair, iv, watch));
        });
    }
    let dispatch = dispatch.clone();
    let symbols = effects::heatmap_symbols(&prefs.watch);
    use_effect_with((prefs.heatmap_interval, symbols), move |(iv, symbols)| {
        let timer = effects::poll_heatmap(*iv, symbols.clone(), HEATMAP_MS, dispatch);
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

/// The ranking the scanner tab shows: the live one, or in upload mode the
/// uploaded file's; otherwise why there is none.
fn ranking(store: &State) -> (Option<Ranking>, String) {
    match (store.prefs.mode, &store.scan_upload, &store.scan) {
        (Mode::Upload, ScanUpload::Done(rows, line), _) => (
            Some(Ranking {
                results: rows.clone(),
                caption: line.clone(),
            }),
            String::new(),
        ),
        (Mode::Upload, ScanUpload::Failed(e), _) => (None, format!("No ranking: {e}")),
        (Mode::Upload, _, _) => (None, "Upload a long CSV (time, symbol, close) to rank every pair in it.".into()),
        (Mode::Live, _, Some(s)) => (
            Some(Ranking {
                results: store.scan_rows.clone(),
                caption: format!(
                    "scan of {} UTC (data time) · took {} ms · {} symbols · {} pairs tested",
                    crate::format::date_time(s.time_ms),
                    s.report.elapsed_ms,
                    s.report.symbols,
                    s.report.candidates
                ),
            }),
            String::new(),
        ),
        (Mode::Live, _, None) => (None, "Waiting for the scanner's first ranking (it runs on each 1 m close once it has the lookback's half).".into()),
    }
}

/// The callbacks of the panels that are large to render (the scanner's
/// table, the watchlist), made again only when the prefs they read change,
/// so a frame that changes neither panel's data does not re-render it.
#[derive(Clone, PartialEq)]
struct Steady {
    open: Callback<PairId>,
    watch: Callback<PairId>,
    scan_view: Callback<crate::scan_view::ScanView>,
}

#[hook]
fn use_steady(hands: &Hands) -> Steady {
    let h = hands.clone();
    let s = use_memo(hands.store.prefs.clone(), move |_| Steady {
        open: h.on_pair(),
        watch: h.on_watch(),
        scan_view: h.prefs(|p, v| p.scan_view = v),
    });
    (*s).clone()
}

/// The scanner tab's panel.
fn scanner_view(store: &Store, steady: &Steady) -> Html {
    let (ranking, note) = ranking(store);
    html! {
        <Scanner {ranking} note={note} view={store.prefs.scan_view} k={store.params.z_threshold}
            watch={store.prefs.watch.clone()} live={store.prefs.mode == Mode::Live}
            on_view={steady.scan_view.clone()} on_open={steady.open.clone()} on_watch={steady.watch.clone()} />
    }
}

/// The pair tab's panels.
fn pair_view(store: &Store, hands: &Hands, steady: &Steady, shown: &Shown) -> Html {
    let prefs = &store.prefs;
    let on_cost = hands.prefs(|p, c: f64| p.cost_bps = c);
    let on_heatmap = hands.prefs(|p, iv: Interval| p.heatmap_interval = iv);
    let scope = match effects::heatmap_symbols(&prefs.watch).len() {
        0 => "the 20 busiest symbols (watch pairs to see theirs)".to_string(),
        n => format!("the watchlist's {n} symbols"),
    };
    html! {
        <>
            if let (Some(pair), false) = (store.pair.clone(), shown.upload) {
                <WatchButton watched={prefs.watch.contains(&pair)} full={prefs.watch.len() >= MAX_WATCH}
                    {pair} on_watch={steady.watch.clone()} />
            }
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
                <Heatmap matrix={store.heatmap.clone()} interval={prefs.heatmap_interval} {scope} on_interval={on_heatmap} />
            </div>
            <Export pair={store.pair.clone()} />
        </>
    }
}

/// The dashboard.
#[function_component]
pub fn App() -> Html {
    let store: Store = use_reducer(|| State::new(Prefs::load()));
    let group = use_memo((), |_| SyncGroup::restored());
    let hands = use_hands(&store);
    let steady = use_steady(&hands);
    let dispatch = hands.dispatch.clone();
    let prefs = &store.prefs;
    let shown = Shown::of(&store);
    let scanning = prefs.tab == Tab::Scanner;
    let status = if scanning {
        UploadStatus::from(&store.scan_upload)
    } else {
        UploadStatus::from(&store.upload)
    };
    let on_sidebar = hands.prefs(|p, ()| p.sidebar_hidden = !p.sidebar_hidden);
    let on_mode = hands.prefs(|p, m: Mode| p.mode = m);
    let on_tab = hands.prefs(|p, t: Tab| p.tab = t);
    let title = if scanning {
        "pair scanner".to_string()
    } else {
        shown.title.clone()
    };
    html! {
        <ContextProvider<SyncGroup> context={(*group).clone()}>
        <div class={classes!("sw-app", prefs.sidebar_hidden.then_some("sw-nosidebar"))}
             data-snapshots={store.snapshots.to_string()} data-frames={store.frames.to_string()}>
            <Header {title} mode={prefs.mode} {status} legs={hands.legs()} scan={scanning}
                {on_sidebar} {on_mode} on_file={hands.on_file()} />
            <ConnBanner conn={store.conn} />
            if let Some(e) = store.server_error.clone() {
                <div class="sw-banner sw-server-error" id="server-error">{ format!("Engine: {e}") }</div>
            }
            <div class="sw-side">
                <Controls symbols={store.symbols.clone()} pairs={store.pairs.clone()} pair={store.pair.clone()}
                    params={store.params} on_pair={hands.on_pair()} on_params={hands.on_params()} on_adf={hands.on_adf()} />
                <Toasts toasts={store.toasts.clone()} on_dismiss={dispatch.reform(Action::Dismiss)} />
            </div>
            <main class="sw-main">
                <Tabs tab={prefs.tab} ranked={store.scan.as_ref().map(|_| store.scan_rows.len())} {on_tab} />
                <Watchlist rows={store.watch.clone()} focused={store.pair.clone()} on_focus={steady.open.clone()}
                    on_remove={steady.watch.clone()} />
                if scanning { { scanner_view(&store, &steady) } } else { { pair_view(&store, &hands, &steady, &shown) } }
            </main>
        </div>
        </ContextProvider<SyncGroup>>
    }
}
