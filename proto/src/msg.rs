//! WebSocket messages. Every server frame is a JSON object with `seq`
//! (strictly increasing per connection) and `type`; clients send objects
//! with `type` too.

use serde::{Deserialize, Serialize};

use crate::signal::{Alert, PairParams, PairPoint, PairStats};
use crate::{Bar, BarKind, Interval, Model, PairId, Sampling, StatusReport, Symbol};

/// What a connection is subscribed to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Subscription {
    /// The pair whose stats, points and alerts are pushed.
    pub pair: Option<PairId>,
    /// Symbols whose bars are pushed (a pair's legs by default).
    pub symbols: Vec<Symbol>,
    /// Bar interval pushed.
    pub interval: Option<Interval>,
    /// True for the pair scanner's rankings (`scan` frames).
    #[serde(default)]
    pub scan: bool,
    /// Watched pairs: their stats and alerts are pushed too (not their
    /// chart points or bars), at most 32.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<PairId>,
}

/// A watched pair's row, as in a snapshot: enough for a watchlist line and
/// its z sparkline, not the whole history a [`PairView`] carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchView {
    /// The pair.
    pub pair: PairId,
    /// Its parameters in force (the threshold colours its z).
    pub params: PairParams,
    /// Latest committed stats.
    pub latest: Option<PairStats>,
    /// `[time ms, z]` of the committed points of the last hour (of data
    /// time, before the newest), at most [`WATCH_SPARK_POINTS`] of them
    /// evenly thinned.
    pub spark: Vec<(i64, f64)>,
    /// The newest alert, if any.
    pub last_alert: Option<Alert>,
}

/// Points a watched pair's sparkline holds.
pub const WATCH_SPARK_POINTS: usize = 240;

/// A pair's full state, as in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairView {
    /// The pair.
    pub pair: PairId,
    /// Parameters in force.
    pub params: PairParams,
    /// Latest committed stats.
    pub latest: Option<PairStats>,
    /// Chart points, oldest first.
    pub points: Vec<PairPoint>,
    /// Alert history, oldest first.
    pub alerts: Vec<Alert>,
}

/// A server frame without its `seq`.
// Built for one frame and serialised at once; boxing the large variants
// would add allocations and buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerBody {
    /// The full state the connection subscribed to; first frame, and again
    /// (with `resync: true`) after the connection fell too far behind.
    Snapshot {
        /// True when sent because deltas were dropped.
        resync: bool,
        /// What this snapshot covers.
        subscription: Subscription,
        /// Every tracked symbol.
        symbols: Vec<Symbol>,
        /// Every pair.
        pairs: Vec<PairId>,
        /// Recent closed bars of the subscribed symbols, every interval.
        bars: Vec<Bar>,
        /// Forming bars of the subscribed symbols, every interval.
        forming: Vec<Bar>,
        /// The subscribed pair.
        pair: Option<PairView>,
        /// Feed status.
        status: StatusReport,
        /// The scanner's latest ranking, for a subscription to it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scan: Option<Box<crate::scan::LiveScan>>,
        /// The watched pairs that run, in the order asked.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        watch: Vec<WatchView>,
    },
    /// A bar formed, closed or was revised.
    Bar {
        /// Which.
        kind: BarKind,
        /// The bar.
        bar: Bar,
    },
    /// Pair stats; `point` is set for committed points.
    Pair {
        /// The stats.
        stats: PairStats,
        /// The chart point of a committed update.
        point: Option<PairPoint>,
    },
    /// |z| crossed the threshold.
    Alert {
        /// The alert.
        alert: Alert,
    },
    /// Feed status changed.
    Status {
        /// The status.
        status: StatusReport,
    },
    /// A pair's parameters changed (its history was rebuilt).
    Params {
        /// The pair.
        pair: PairId,
        /// New parameters.
        params: PairParams,
    },
    /// A client message was refused; the connection stays open.
    Error {
        /// What was wrong.
        message: String,
    },
    /// The pair scanner ranked the market again.
    Scan {
        /// The ranking.
        scan: Box<crate::scan::LiveScan>,
    },
    /// Answer to a client `ping`.
    Pong {
        /// The client's id, echoed.
        id: Option<u64>,
    },
}

/// A server frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerMsg {
    /// Per-connection sequence number, starting at 1.
    pub seq: u64,
    /// The content.
    #[serde(flatten)]
    pub body: ServerBody,
}

/// Parameter changes; absent fields keep their value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ParamsPatch {
    /// Sampling.
    pub interval: Option<Sampling>,
    /// Model.
    pub model: Option<Model>,
    /// z window.
    pub window: Option<usize>,
    /// Regression lookback.
    pub lookback: Option<usize>,
    /// Alert threshold.
    pub z_threshold: Option<f64>,
    /// Alert hysteresis.
    pub hysteresis: Option<f64>,
    /// Kalman delta.
    pub kalman_delta: Option<f64>,
    /// Kalman R.
    pub kalman_r: Option<f64>,
}

impl ParamsPatch {
    /// Applies the patch.
    pub fn apply(&self, p: PairParams) -> PairParams {
        PairParams {
            interval: self.interval.unwrap_or(p.interval),
            model: self.model.unwrap_or(p.model),
            window: self.window.unwrap_or(p.window),
            lookback: self.lookback.unwrap_or(p.lookback),
            z_threshold: self.z_threshold.unwrap_or(p.z_threshold),
            hysteresis: self.hysteresis.unwrap_or(p.hysteresis),
            kalman_delta: self.kalman_delta.unwrap_or(p.kalman_delta),
            kalman_r: self.kalman_r.unwrap_or(p.kalman_r),
            stale_after_ms: p.stale_after_ms,
        }
    }
}

/// A client frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    /// Changes the subscription; a fresh snapshot follows.
    Subscribe {
        /// A pair (its legs become the symbols unless given).
        #[serde(default)]
        pair: Option<PairId>,
        /// Symbols.
        #[serde(default)]
        symbols: Option<Vec<Symbol>>,
        /// Bar interval.
        #[serde(default)]
        interval: Option<Interval>,
        /// The pair scanner's rankings too.
        #[serde(default)]
        scan: Option<bool>,
        /// Pairs to watch (stats and alerts only), at most 32; each is
        /// started when both legs are tracked.
        #[serde(default)]
        watch: Option<Vec<PairId>>,
    },
    /// Changes a pair's parameters (the subscribed pair by default).
    SetParams {
        /// The pair.
        #[serde(default)]
        pair: Option<PairId>,
        /// The changes.
        params: ParamsPatch,
    },
    /// Recomputes the pair's ADF, cointegration and robust fits now (the
    /// subscribed pair by default); the result arrives as a `pair` frame.
    Recompute {
        /// The pair.
        #[serde(default)]
        pair: Option<PairId>,
    },
    /// Asks for a `pong`.
    Ping {
        /// Echoed back.
        #[serde(default)]
        id: Option<u64>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_carry_seq_and_type() {
        let m = ServerMsg {
            seq: 7,
            body: ServerBody::Pong { id: Some(3) },
        };
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"seq":7,"type":"pong","id":3}"#
        );
        let back: ServerMsg = serde_json::from_str(r#"{"seq":7,"type":"pong","id":3}"#).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn client_messages_parse_and_refuse_unknowns() {
        let m: ClientMsg = serde_json::from_str(
            r#"{"type":"set_params","params":{"model":"kalman","window":30}}"#,
        )
        .unwrap();
        let ClientMsg::SetParams { params, .. } = m else {
            panic!()
        };
        let p = params.apply(PairParams::default());
        assert_eq!((p.model, p.window, p.lookback), (Model::Kalman, 30, 300));
        assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"dance"}"#).is_err());
        assert!(
            serde_json::from_str::<ClientMsg>(r#"{"type":"set_params","params":{"windw":3}}"#)
                .is_err()
        );
    }
}
