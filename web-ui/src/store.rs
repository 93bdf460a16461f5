//! The one store. Every server frame (batched per animation frame), every
//! control change and every REST result goes through [`State::reduce`];
//! components render from the state and never keep their own copy of it.

use std::collections::BTreeMap;
use std::rc::Rc;

use spreadwatch_proto::{
    Alert, CorrelationMatrix, PairId, PairParams, PairPoint, PairStats, ServerBody, ServerMsg,
    StatusReport, Symbol,
};
use yew::prelude::*;

use crate::prefs::Prefs;
use crate::series::{Candle, Series};
use crate::upload_view::UploadView;

/// Candles kept per leg.
const MAX_CANDLES: usize = 5_000;
/// Pair points kept (one per second at most).
const MAX_POINTS: usize = 20_000;
/// Alerts kept in the history list.
const MAX_ALERTS: usize = 500;
/// Toasts shown at once.
const MAX_TOASTS: usize = 4;

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
#[derive(Debug, Clone)]
pub struct Leg {
    /// The symbol.
    pub symbol: Option<Symbol>,
    /// Candles at the shown interval, the forming one last.
    pub candles: Series<Candle>,
}

/// A pop-up for an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    /// Identifies it for dismissal.
    pub id: u64,
    /// The alert.
    pub alert: Alert,
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

/// Everything the dashboard shows.
#[derive(Debug, Clone)]
pub struct State {
    /// Bumped by every reduce; equality is by version.
    pub version: u64,
    /// Socket state.
    pub conn: Conn,
    /// The user's choices.
    pub prefs: Prefs,
    /// Tracked symbols.
    pub symbols: Vec<Symbol>,
    /// Tracked pairs.
    pub pairs: Vec<PairId>,
    /// The subscribed pair.
    pub pair: Option<PairId>,
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
    /// Feed status.
    pub status: Option<StatusReport>,
    /// Messages per second per source, from the last two status reports.
    pub rates: BTreeMap<String, f64>,
    /// The last `error` frame.
    pub server_error: Option<String>,
    /// Snapshots received (resyncs included).
    pub snapshots: u64,
    /// Frames received.
    pub frames: u64,
    /// Uploaded-CSV analysis.
    pub upload: Upload,
    /// Cross-symbol correlations.
    pub heatmap: Option<Rc<CorrelationMatrix>>,
}

impl PartialEq for State {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
    }
}

impl State {
    /// The initial state, with saved prefs.
    pub fn new(prefs: Prefs) -> Self {
        let leg = || Leg {
            symbol: None,
            candles: Series::new(MAX_CANDLES),
        };
        State {
            version: 0,
            conn: Conn::Connecting,
            params: prefs.params,
            prefs,
            symbols: Vec::new(),
            pairs: Vec::new(),
            pair: None,
            latest: None,
            legs: [leg(), leg()],
            points: Series::new(MAX_POINTS),
            alerts: Rc::new(Vec::new()),
            toasts: Vec::new(),
            next_toast: 0,
            status: None,
            rates: BTreeMap::new(),
            server_error: None,
            snapshots: 0,
            frames: 0,
            upload: Upload::Idle,
            heatmap: None,
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
}

/// The store handle components share through context.
pub type Store = UseReducerHandle<State>;

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        s.version += 1;
        match action {
            Action::Frames(frames) => {
                for f in frames {
                    s.frames += 1;
                    s.apply(f.body);
                }
            }
            Action::Connection(c) => s.conn = c,
            Action::Prefs(p) => s.prefs = p,
            Action::Dismiss(id) => s.toasts.retain(|t| t.id != id),
            Action::Upload(u) => s.upload = u,
            Action::Heatmap(m) => s.heatmap = Some(Rc::new(m)),
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
                ..
            } => {
                self.snapshots += 1;
                self.symbols = symbols;
                self.pairs = pairs;
                self.pair = subscription.pair.clone();
                let legs: Vec<Symbol> = match &subscription.pair {
                    Some(p) => vec![p.y.clone(), p.x.clone()],
                    None => subscription.symbols.clone(),
                };
                let iv = subscription.interval.unwrap_or(self.prefs.bar_interval());
                for (i, leg) in self.legs.iter_mut().enumerate() {
                    leg.symbol = legs.get(i).cloned();
                    let mine = |b: &&spreadwatch_proto::Bar| {
                        Some(&b.symbol) == leg.symbol.as_ref() && b.interval == iv
                    };
                    let rows = bars.iter().filter(mine).chain(forming.iter().filter(mine));
                    leg.candles.reset(rows.map(Candle::from));
                }
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
                self.set_status(status);
            }
            ServerBody::Bar { bar, .. } => {
                if bar.interval != self.prefs.bar_interval() {
                    return;
                }
                if let Some(leg) = self
                    .legs
                    .iter_mut()
                    .find(|l| l.symbol.as_ref() == Some(&bar.symbol))
                {
                    leg.candles.upsert(Candle::from(&bar));
                }
            }
            ServerBody::Pair { stats, point } => {
                if self.pair.as_ref() != Some(&stats.pair) {
                    return;
                }
                if let Some(p) = point {
                    self.points.upsert(p);
                }
                self.latest = Some(stats);
            }
            ServerBody::Alert { alert } => {
                // One made while the snapshot was being built comes again
                // as a delta.
                if self.pair.as_ref() != Some(&alert.pair) || self.alerts.contains(&alert) {
                    return;
                }
                let list = Rc::make_mut(&mut self.alerts);
                list.push(alert.clone());
                if list.len() > MAX_ALERTS {
                    list.remove(0);
                }
                self.next_toast += 1;
                self.toasts.push(Toast {
                    id: self.next_toast,
                    alert,
                });
                if self.toasts.len() > MAX_TOASTS {
                    self.toasts.remove(0);
                }
            }
            ServerBody::Status { status } => self.set_status(status),
            ServerBody::Params { pair, params } => {
                if self.pair.as_ref() == Some(&pair) {
                    self.params = params;
                }
            }
            ServerBody::Error { message } => self.server_error = Some(message),
            ServerBody::Pong { .. } => {}
        }
    }

    fn set_status(&mut self, status: StatusReport) {
        if let Some(prev) = &self.status {
            let dt = status.uptime_ms.saturating_sub(prev.uptime_ms) as f64 / 1000.0;
            if dt > 0.0 {
                for (name, src) in &status.sources {
                    if let Some(old) = prev.sources.get(name) {
                        let n = src.messages.saturating_sub(old.messages) as f64;
                        self.rates.insert(name.clone(), n / dt);
                    }
                }
            }
        }
        self.status = Some(status);
    }
}
