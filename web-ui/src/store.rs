//! The one store. Every server frame (batched per animation frame), every
//! control change and every REST result goes through [`State::reduce`];
//! components render from the state and never keep their own copy of it.

use std::collections::BTreeMap;
use std::rc::Rc;

use spreadwatch_proto::scan::{LiveScan, ScanResult};
use spreadwatch_proto::{
    Alert, Bar, CorrelationMatrix, Interval, PairId, PairParams, PairPoint, PairStats, PairView,
    ServerBody, ServerMsg, StatusReport, Subscription, Symbol, WatchView,
};
use yew::prelude::*;

use crate::prefs::Prefs;
use crate::series::{Candle, Series};
use crate::upload_view::UploadView;
use crate::watch::{relisted, rows_from, WatchRow};

/// Candles kept per leg.
const MAX_CANDLES: usize = 5_000;
/// Pair points kept (one per second at most).
const MAX_POINTS: usize = 20_000;
/// Alerts kept in the history list.
const MAX_ALERTS: usize = 500;
/// Toasts shown at once (one per pair; the oldest goes first).
const MAX_TOASTS: usize = 3;

/// The WebSocket's state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Conn {
    /// Opening.
    Connecting,
    /// Open; frames flow.
    Open,
    /// Closed; the next attempt is in `retry_ms`.
    Closed {
        /// Delay before the next attempt.
        retry_ms: u32,
    },
}

/// One leg's chart data.
#[derive(Debug, Clone, PartialEq)]
pub struct Leg {
    /// The symbol.
    pub symbol: Option<Symbol>,
    /// Candles at the shown interval, the forming one last.
    pub candles: Series<Candle>,
}

/// A pop-up for a pair's alerts: the newest, and how many came since it
/// opened (repeats of a pair collapse into one toast).
#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    /// Identifies it for dismissal; a repeat gives it a new one, which
    /// restarts its timer.
    pub id: u64,
    /// The newest alert.
    pub alert: Alert,
    /// Alerts it stands for.
    pub count: u32,
}

/// The uploaded-CSV side of the dual mode.
#[derive(Debug, Clone, Default)]
pub enum Upload {
    /// Nothing uploaded.
    #[default]
    Idle,
    /// Posting this file.
    Busy(String),
    /// The analysis, ready to chart.
    Done(Rc<UploadView>),
    /// The server's message (with line and column for a bad CSV).
    Failed(String),
}

/// The scanner's ranking of an uploaded file.
#[derive(Debug, Clone, Default)]
pub enum ScanUpload {
    /// Nothing uploaded.
    #[default]
    Idle,
    /// Posting this file.
    Busy(String),
    /// The ranking, and a line on how it ran.
    Done(Rc<Vec<ScanResult>>, String),
    /// The server's message.
    Failed(String),
}

impl PartialEq for ScanUpload {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ScanUpload::Idle, ScanUpload::Idle) => true,
            (ScanUpload::Busy(a), ScanUpload::Busy(b))
            | (ScanUpload::Failed(a), ScanUpload::Failed(b)) => a == b,
            (ScanUpload::Done(a, _), ScanUpload::Done(b, _)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// Everything the dashboard shows.
#[derive(Debug, Clone)]
pub struct State {
    /// Socket state.
    pub conn: Conn,
    /// The user's choices.
    pub prefs: Prefs,
    /// Tracked symbols.
    pub symbols: Rc<Vec<Symbol>>,
    /// Tracked pairs.
    pub pairs: Vec<PairId>,
    /// The subscribed pair.
    pub pair: Option<PairId>,
    /// The bar interval of the last snapshot's subscription.
    pub sub_interval: Option<Interval>,
    /// Its parameters, as the engine has them.
    pub params: PairParams,
    /// Its latest stats (provisional ones included).
    pub latest: Option<PairStats>,
    /// y then x.
    pub legs: [Leg; 2],
    /// Committed pair points.
    pub points: Series<PairPoint>,
    /// Alert history, oldest first.
    pub alerts: Rc<Vec<Alert>>,
    /// Alerts on screen.
    pub toasts: Vec<Toast>,
    next_toast: u64,
    /// Feed status (shared: a whole market's is large, and the state is
    /// copied on every reduce).
    pub status: Option<Rc<StatusReport>>,
    /// Messages per second per source, and per `source/symbol`, from the
    /// last two status reports.
    pub rates: Rc<BTreeMap<String, f64>>,
    /// The last `error` frame.
    pub server_error: Option<String>,
    /// Connections opened so far.
    pub opened: u64,
    /// The connection (by `opened`) whose snapshot gave `pairs`.
    pub pairs_opened: u64,
    /// Snapshots received (resyncs included).
    pub snapshots: u64,
    /// Frames received.
    pub frames: u64,
    /// Uploaded-CSV analysis.
    pub upload: Upload,
    /// Cross-symbol correlations.
    pub heatmap: Option<Rc<CorrelationMatrix>>,
    /// The live scanner's latest ranking, its rows in `scan_rows`.
    pub scan: Option<Rc<LiveScan>>,
    /// The latest ranking's rows, best first.
    pub scan_rows: Rc<Vec<ScanResult>>,
    /// The ranking of an uploaded file.
    pub scan_upload: ScanUpload,
    /// The watchlist, in the order of `prefs.watch`.
    pub watch: Rc<Vec<WatchRow>>,
}

/// An analysis is compared by identity: it is large and never changed in
/// place.
impl PartialEq for Upload {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Upload::Idle, Upload::Idle) => true,
            (Upload::Busy(a), Upload::Busy(b)) | (Upload::Failed(a), Upload::Failed(b)) => a == b,
            (Upload::Done(a), Upload::Done(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// Field by field, the counters that change with every frame first; the
/// series by buffer and revision, and the correlation matrix by identity
/// (it is replaced whole), so a comparison never walks chart rows.
impl PartialEq for State {
    fn eq(&self, o: &Self) -> bool {
        let counters = (self.frames, self.snapshots, self.opened, self.pairs_opened);
        counters == (o.frames, o.snapshots, o.opened, o.pairs_opened)
            && self.next_toast == o.next_toast
            && self.conn == o.conn
            && self.points == o.points
            && self.legs == o.legs
            && self.latest == o.latest
            && self.pair == o.pair
            && self.sub_interval == o.sub_interval
            && self.params == o.params
            && self.prefs == o.prefs
            && Rc::ptr_eq(&self.symbols, &o.symbols)
            && self.pairs == o.pairs
            && self.toasts == o.toasts
            && Rc::ptr_eq(&self.alerts, &o.alerts)
            && self.server_error == o.server_error
            && self.upload == o.upload
            && Rc::ptr_eq(&self.rates, &o.rates)
            && opt_ptr_eq(&self.status, &o.status)
            && opt_ptr_eq(&self.scan, &o.scan)
            && Rc::ptr_eq(&self.scan_rows, &o.scan_rows)
            && self.scan_upload == o.scan_upload
            && Rc::ptr_eq(&self.watch, &o.watch)
            && opt_ptr_eq(&self.heatmap, &o.heatmap)
    }
}

/// Both absent, or the same shared value.
pub fn opt_ptr_eq<T>(a: &Option<Rc<T>>, b: &Option<Rc<T>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Rc::ptr_eq(a, b),
        (a, b) => a.is_none() && b.is_none(),
    }
}

impl State {
    /// The initial state, with saved prefs.
    pub fn new(prefs: Prefs) -> Self {
        let leg = || Leg {
            symbol: None,
            candles: Series::new(MAX_CANDLES),
        };
        let watch = Rc::new(relisted(&prefs.watch, &[]));
        State {
            conn: Conn::Connecting,
            params: prefs
                .pair
                .as_ref()
                .and_then(|p| prefs.params_of(p))
                .unwrap_or_default(),
            prefs,
            symbols: Rc::default(),
            pairs: Vec::new(),
            pair: None,
            sub_interval: None,
            latest: None,
            legs: [leg(), leg()],
            points: Series::new(MAX_POINTS),
            alerts: Rc::new(Vec::new()),
            toasts: Vec::new(),
            next_toast: 0,
            status: None,
            rates: Rc::default(),
            server_error: None,
            opened: 0,
            pairs_opened: 0,
            snapshots: 0,
            frames: 0,
            upload: Upload::Idle,
            heatmap: None,
            scan: None,
            scan_rows: Rc::default(),
            scan_upload: ScanUpload::Idle,
            watch,
        }
    }
}

/// What changes the state.
pub enum Action {
    /// Server frames, in order (all that arrived during one animation frame).
    Frames(Vec<ServerMsg>),
    /// The socket opened, closed or is retrying.
    Connection(Conn),
    /// The user changed a control.
    Prefs(Prefs),
    /// A toast timed out or was closed.
    Dismiss(u64),
    /// Upload progress or result.
    Upload(Upload),
    /// A fresh correlation matrix.
    Heatmap(CorrelationMatrix),
    /// An uploaded file's ranking: progress or result.
    ScanUpload(ScanUpload),
}

/// The store handle components share through context.
pub type Store = UseReducerHandle<State>;

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Frames(frames) => {
                for f in frames {
                    s.frames += 1;
                    s.apply(f.body);
                }
            }
            Action::Connection(c) => {
                if c == Conn::Open {
                    s.opened += 1;
                }
                s.conn = c;
            }
            Action::Prefs(p) => {
                if p.watch != s.prefs.watch {
                    s.watch = Rc::new(relisted(&p.watch, &s.watch));
                }
                s.prefs = p;
            }
            Action::Dismiss(id) => s.toasts.retain(|t| t.id != id),
            Action::Upload(u) => s.upload = u,
            Action::Heatmap(m) => s.heatmap = Some(Rc::new(m)),
            Action::ScanUpload(u) => s.scan_upload = u,
        }
        Rc::new(s)
    }
}

impl State {
    fn apply(&mut self, body: ServerBody) {
        match body {
            ServerBody::Snapshot {
                subscription,
                symbols,
                pairs,
                bars,
                forming,
                pair,
                status,
                scan,
                watch,
                ..
            } => {
                self.snapshots += 1;
                // The pair shown is the one the engine confirmed: a pick it
                // refused is not kept, so later subscriptions (the
                // watchlist's, a reload's) are not refused with it.
                if subscription.pair.is_some() {
                    self.prefs.pair.clone_from(&subscription.pair);
                }
                self.symbols = Rc::new(symbols);
                self.pairs = pairs;
                self.pairs_opened = self.opened;
                self.set_legs(&subscription, &bars, &forming);
                self.set_pair(pair);
                self.set_status(status);
                self.set_watch(watch);
                if let Some(scan) = scan {
                    self.set_scan(*scan);
                }
            }
            ServerBody::Bar { bar, .. } => self.bar(&bar),
            ServerBody::Pair { stats, point } => {
                self.watched(&stats.pair, |r| r.stats(stats.clone()));
                if self.pair.as_ref() == Some(&stats.pair) {
                    if let Some(p) = point {
                        self.points.upsert(p);
                    }
                    self.latest = Some(stats);
                }
            }
            ServerBody::Alert { alert } => {
                self.watched(&alert.pair, |r| r.alert(alert.clone()));
                self.alert(alert);
            }
            ServerBody::Status { status } => self.set_status(status),
            ServerBody::Params { pair, params } => {
                self.watched(&pair, |r| r.set_params(params));
                if self.pair.as_ref() == Some(&pair) {
                    self.params = params;
                }
            }
            ServerBody::Error { message } => self.server_error = Some(message),
            ServerBody::Scan { scan } => self.set_scan(*scan),
            ServerBody::Pong { .. } => {}
        }
    }

    /// A new ranking; its rows are kept apart, shared with the table.
    fn set_scan(&mut self, mut scan: LiveScan) {
        self.scan_rows = Rc::new(std::mem::take(&mut scan.report.results));
        self.scan = Some(Rc::new(scan));
    }

    /// Changes the watchlist row of `pair`, if it is watched.
    fn watched(&mut self, pair: &PairId, f: impl FnOnce(&mut WatchRow)) {
        if let Some(i) = self.watch.iter().position(|r| &r.pair == pair) {
            f(&mut Rc::make_mut(&mut self.watch)[i]);
        }
    }

    /// The watchlist from a snapshot's rows.
    fn set_watch(&mut self, views: Vec<WatchView>) {
        self.watch = Rc::new(rows_from(&self.prefs.watch, views, &self.watch));
    }

    /// The subscription's legs and their candles at its interval.
    fn set_legs(&mut self, sub: &Subscription, bars: &[Bar], forming: &[Bar]) {
        self.pair = sub.pair.clone();
        let legs: Vec<Symbol> = match &sub.pair {
            Some(p) => vec![p.y.clone(), p.x.clone()],
            None => sub.symbols.clone(),
        };
        let iv = sub.interval.unwrap_or(Interval::S1);
        self.sub_interval = Some(iv);
        for (i, leg) in self.legs.iter_mut().enumerate() {
            leg.symbol = legs.get(i).cloned();
            let mine = |b: &&Bar| Some(&b.symbol) == leg.symbol.as_ref() && b.interval == iv;
            let rows = bars.iter().filter(mine).chain(forming.iter().filter(mine));
            leg.candles.reset(rows.map(Candle::from));
        }
    }

    /// The subscribed pair's state from a snapshot (none without a pair).
    fn set_pair(&mut self, pair: Option<PairView>) {
        match pair {
            Some(v) => {
                self.params = v.params;
                self.latest = v.latest;
                self.points.reset(v.points);
                self.alerts = Rc::new(v.alerts);
            }
            None => {
                self.latest = None;
                self.points.reset([]);
                self.alerts = Rc::new(Vec::new());
            }
        }
    }

    fn bar(&mut self, bar: &Bar) {
        if Some(bar.interval) != self.sub_interval {
            return;
        }
        let leg = self
            .legs
            .iter_mut()
            .find(|l| l.symbol.as_ref() == Some(&bar.symbol));
        if let Some(leg) = leg {
            leg.candles.upsert(Candle::from(bar));
        }
    }

    fn alert(&mut self, alert: Alert) {
        // One made while the snapshot was being built comes again as a delta.
        if self.pair.as_ref() != Some(&alert.pair) || self.alerts.contains(&alert) {
            return;
        }
        let list = Rc::make_mut(&mut self.alerts);
        list.push(alert.clone());
        if list.len() > MAX_ALERTS {
            list.remove(0);
        }
        self.toast(alert);
    }

    /// Shows `alert` in its pair's toast, or a new one (at most
    /// [`MAX_TOASTS`]).
    fn toast(&mut self, alert: Alert) {
        self.next_toast += 1;
        let id = self.next_toast;
        let count = match self.toasts.iter().position(|t| t.alert.pair == alert.pair) {
            Some(i) => self.toasts.remove(i).count + 1,
            None => 1,
        };
        self.toasts.push(Toast { id, alert, count });
        if self.toasts.len() > MAX_TOASTS {
            self.toasts.remove(0);
        }
    }

    fn set_status(&mut self, status: StatusReport) {
        if let Some(prev) = self.status.clone() {
            let dt = status.uptime_ms.saturating_sub(prev.uptime_ms) as f64 / 1000.0;
            if dt > 0.0 {
                let rates = Rc::make_mut(&mut self.rates);
                for (name, src) in &status.sources {
                    let Some(old) = prev.sources.get(name) else {
                        continue;
                    };
                    let n = src.messages.saturating_sub(old.messages) as f64;
                    rates.insert(name.clone(), n / dt);
                    for (sym, s) in &src.symbols {
                        if let Some(o) = old.symbols.get(sym) {
                            let n = s.messages.saturating_sub(o.messages) as f64;
                            rates.insert(format!("{name}/{sym}"), n / dt);
                        }
                    }
                }
            }
        }
        self.status = Some(Rc::new(status));
    }
}

#[cfg(test)]
mod tests {
    use spreadwatch_proto::Side;

    use super::*;

    #[test]
    fn equality_is_by_content_not_by_reduce_count() {
        let s = Rc::new(State::new(Prefs::default()));
        let same = s.clone().reduce(Action::Connection(Conn::Connecting));
        assert!(*same == *s, "a reduce that changes nothing");
        let closed = s
            .clone()
            .reduce(Action::Connection(Conn::Closed { retry_ms: 500 }));
        assert!(*closed != *s);
        let open = s.clone().reduce(Action::Connection(Conn::Open));
        assert!(*open != *closed, "opened is counted");
        let mut moved = (*s).clone();
        let candle = crate::series::Candle {
            t: 1,
            open: 1.0,
            high: 1.0,
            low: 1.0,
            close: 1.0,
            volume: 0.0,
        };
        moved.legs[0].candles.upsert(candle);
        assert!(moved != *s, "a new candle");
    }

    fn alert(pair: &str, ts: i64) -> Alert {
        Alert {
            pair: pair.parse().unwrap(),
            ts,
            z: 2.5,
            side: Side::Above,
            threshold: 2.0,
        }
    }

    fn status(uptime_ms: u64, eth: u64) -> StatusReport {
        let mut src = spreadwatch_proto::SourceStatus {
            messages: eth * 2,
            ..Default::default()
        };
        let sym = spreadwatch_proto::SymbolStatus {
            messages: eth,
            ..Default::default()
        };
        src.symbols.insert("ETHUSDT".into(), sym);
        let mut st = StatusReport {
            uptime_ms,
            ..Default::default()
        };
        st.sources.insert("sim".into(), src);
        st
    }

    fn stats(pair: &str, ts: i64, z: f64) -> PairStats {
        let json = serde_json::json!({"pair": pair, "ts": ts, "provisional": false,
            "x": 1.0, "y": 1.0, "model": "ols", "z": z, "n": 1, "stale": false});
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn watched_pairs_take_their_own_frames_and_not_the_pair_views() {
        let (a, b): (PairId, PairId) = (
            "AUSDT/BUSDT".parse().unwrap(),
            "CUSDT/DUSDT".parse().unwrap(),
        );
        let mut prefs = Prefs::default();
        prefs.watch = vec![a.clone(), b.clone()];
        let mut s = State::new(prefs);
        assert!(
            s.watch.iter().all(|r| !r.running && !r.refused),
            "waiting for a snapshot"
        );
        s.apply(ServerBody::Pair {
            stats: stats("AUSDT/BUSDT", 1_000, 1.5),
            point: None,
        });
        assert_eq!(s.watch[0].z(), Some(1.5));
        assert!(
            s.latest.is_none() && s.points.last().is_none(),
            "the pair view shows no pair"
        );
        s.apply(ServerBody::Alert {
            alert: alert("CUSDT/DUSDT", 7),
        });
        assert_eq!(s.watch[1].alerts, 1);
        assert!(
            s.toasts.is_empty(),
            "a watched pair's alert is its badge, not a toast"
        );
        let mut p = s.prefs.clone();
        p.watch.remove(0);
        let s = Rc::new(s).reduce(Action::Prefs(p));
        assert_eq!(s.watch.len(), 1);
        assert_eq!(
            (s.watch[0].pair.clone(), s.watch[0].alerts),
            (b, 1),
            "its row is kept"
        );
    }

    #[test]
    fn the_pair_kept_is_the_one_the_engine_confirmed() {
        let mut s = State::new(Prefs::default());
        let pair: PairId = "SOLUSDT/ETHUSDT".parse().unwrap();
        let snapshot = |p: &PairId| ServerBody::Snapshot {
            resync: false,
            subscription: Subscription {
                pair: Some(p.clone()),
                ..Subscription::default()
            },
            symbols: Vec::new(),
            pairs: vec![p.clone()],
            bars: Vec::new(),
            forming: Vec::new(),
            pair: None,
            status: StatusReport::default(),
            scan: None,
            watch: Vec::new(),
        };
        s.apply(snapshot(&pair));
        assert_eq!(
            s.prefs.pair.as_ref(),
            Some(&pair),
            "saved for the next load"
        );
        s.apply(ServerBody::Error {
            message: "pair BNBUSDT/ETHUSDT: the limit of 64 pairs is reached".into(),
        });
        assert_eq!(
            s.prefs.pair.as_ref(),
            Some(&pair),
            "a refused pick changes nothing"
        );
    }

    #[test]
    fn rates_are_per_second_not_running_totals() {
        let mut s = State::new(Prefs::default());
        s.set_status(status(10_000, 4_480));
        assert!(s.rates.is_empty(), "one report gives no rate");
        s.set_status(status(12_000, 4_520));
        assert_eq!(s.rates.get("sim/ETHUSDT"), Some(&20.0));
        assert_eq!(s.rates.get("sim"), Some(&40.0));
    }

    #[test]
    fn a_burst_of_alerts_leaves_one_toast_per_pair_and_three_at_most() {
        let mut s = State::new(Prefs::default());
        for i in 0..10 {
            s.toast(alert("ETHUSDT/BTCUSDT", i));
        }
        assert_eq!(s.toasts.len(), 1);
        assert_eq!(s.toasts[0].count, 10);
        assert_eq!(s.toasts[0].alert.ts, 9, "the newest is shown");
        for p in ["SOLUSDT/BNBUSDT", "XRPUSDT/ADAUSDT", "DOGEUSDT/LTCUSDT"] {
            s.toast(alert(p, 20));
        }
        assert_eq!(s.toasts.len(), 3);
        assert!(s
            .toasts
            .iter()
            .all(|t| t.alert.pair.to_string() != "ETHUSDT/BTCUSDT"));
    }
}
