//! What the user chose, kept in localStorage and restored on reload: every
//! control, the selected pair, the charts' visible range and the layout.

use gloo::storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use spreadwatch_proto::{Interval, Model, PairId, PairParams, ParamsPatch, Sampling};

/// The localStorage key; bump the suffix when the shape changes.
const KEY: &str = "spreadwatch.prefs.v1";

/// Live engine data, or the result of an uploaded CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Pushed over the WebSocket.
    #[default]
    Live,
    /// From `POST /api/analyze`.
    Upload,
}

/// Everything restored on reload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// The pair shown.
    pub pair: Option<PairId>,
    /// Pair parameters as last set from this browser (re-sent on connect).
    pub params: PairParams,
    /// True once the user changed a parameter here.
    pub params_set: bool,
    /// Live or uploaded data.
    pub mode: Mode,
    /// The sidebar is folded away.
    pub sidebar_hidden: bool,
    /// Backtest cost per leg per side, basis points.
    pub cost_bps: f64,
    /// Heatmap bar interval.
    pub heatmap_interval: Interval,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            pair: None,
            params: PairParams::default(),
            params_set: false,
            mode: Mode::Live,
            sidebar_hidden: false,
            cost_bps: 2.0,
            heatmap_interval: Interval::M1,
        }
    }
}

impl Prefs {
    /// Reads the saved prefs; anything unreadable gives the defaults.
    pub fn load() -> Self {
        LocalStorage::get(KEY).unwrap_or_default()
    }

    /// Saves them; a full or disabled storage is not worth an error.
    pub fn save(&self) {
        let _ = LocalStorage::set(KEY, self);
    }

    /// The bar interval shown.
    pub fn bar_interval(&self) -> Interval {
        bar_interval(self.params.interval)
    }

    /// The parameters as a full patch, for `set_params`.
    pub fn patch(&self) -> ParamsPatch {
        patch(&self.params)
    }
}

/// The bar interval that goes with a sampling (tick shows 1 s bars).
pub fn bar_interval(s: Sampling) -> Interval {
    match s {
        Sampling::Tick => Interval::S1,
        Sampling::Bar(iv) => iv,
    }
}

/// Every parameter as a patch.
pub fn patch(p: &PairParams) -> ParamsPatch {
    ParamsPatch {
        interval: Some(p.interval),
        model: Some(p.model),
        window: Some(p.window),
        lookback: Some(p.lookback),
        z_threshold: Some(p.z_threshold),
        hysteresis: Some(p.hysteresis),
        kalman_delta: Some(p.kalman_delta),
        kalman_r: Some(p.kalman_r),
    }
}

/// A model's name for people.
pub fn model_label(m: Model) -> &'static str {
    match m {
        Model::Ols => "OLS",
        Model::Huber => "Huber",
        Model::TheilSen => "Theil-Sen",
        Model::Kalman => "Kalman",
    }
}
