//! What the user chose, kept in localStorage and restored on reload: every
//! control, the selected pair, the charts' visible range and the layout.

use std::collections::BTreeMap;

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

/// The main area's view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Tab {
    /// One pair's charts and statistics.
    #[default]
    Pair,
    /// The scanner's ranking of every pair.
    Scanner,
}

/// Pairs a watchlist holds (the engine's limit on one subscription's).
pub const MAX_WATCH: usize = 32;

/// Everything restored on reload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// The pair shown.
    pub pair: Option<PairId>,
    /// Each pair's parameters as last set from this browser, by `Y/X`
    /// (re-sent on connect); a pair not here keeps the engine's.
    pub pair_params: BTreeMap<String, PairParams>,
    /// Before per-pair parameters: one set, for whichever pair was shown.
    #[serde(skip_serializing)]
    params: Option<PairParams>,
    #[serde(skip_serializing)]
    params_set: bool,
    /// Live or uploaded data.
    pub mode: Mode,
    /// The sidebar is folded away.
    pub sidebar_hidden: bool,
    /// Backtest cost per leg per side, basis points.
    pub cost_bps: f64,
    /// Heatmap bar interval.
    pub heatmap_interval: Interval,
    /// The view in the main area.
    pub tab: Tab,
    /// Watched pairs, in the order added.
    pub watch: Vec<PairId>,
    /// The scanner table's sort and filters.
    pub scan_view: crate::scan_view::ScanView,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            pair: None,
            pair_params: BTreeMap::new(),
            params: None,
            params_set: false,
            mode: Mode::Live,
            sidebar_hidden: false,
            cost_bps: 2.0,
            heatmap_interval: Interval::M1,
            tab: Tab::Pair,
            watch: Vec::new(),
            scan_view: crate::scan_view::ScanView::default(),
        }
    }
}

impl Prefs {
    /// Reads the saved prefs; anything unreadable gives the defaults.
    pub fn load() -> Self {
        LocalStorage::get::<Prefs>(KEY)
            .unwrap_or_default()
            .migrated()
    }

    /// Moves the one parameter set of an older page to the pair it was
    /// saved with.
    fn migrated(mut self) -> Self {
        if let (Some(p), true, Some(pair)) = (self.params.take(), self.params_set, &self.pair) {
            self.pair_params.entry(pair.to_string()).or_insert(p);
        }
        self.params_set = false;
        // A list edited by hand, or saved by another build, must not make
        // every subscription refused.
        let mut seen = std::collections::HashSet::new();
        self.watch.retain(|p| seen.insert(p.clone()));
        self.watch.truncate(MAX_WATCH);
        self
    }

    /// Saves them; a full or disabled storage is not worth an error.
    pub fn save(&self) {
        let _ = LocalStorage::set(KEY, self);
    }

    /// Adds `pair` to the watchlist, or takes it off; a full list takes
    /// no more. True when it is watched afterwards.
    pub fn toggle_watch(&mut self, pair: &PairId) -> bool {
        if let Some(i) = self.watch.iter().position(|p| p == pair) {
            self.watch.remove(i);
            return false;
        }
        if self.watch.len() >= MAX_WATCH {
            return false;
        }
        self.watch.push(pair.clone());
        true
    }

    /// The parameters this browser set for `pair`, if any.
    pub fn params_of(&self, pair: &PairId) -> Option<PairParams> {
        self.pair_params.get(&pair.to_string()).copied()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_old_single_parameter_set_goes_to_its_own_pair() {
        let old = r#"{"pair":"SOLUSDT/BNBUSDT","params":{"interval":"1m","model":"huber","window":50,
            "lookback":300,"z_threshold":1.5,"hysteresis":0.2,"kalman_delta":0.0001,"kalman_r":0.001},
            "params_set":true}"#;
        let p: Prefs = serde_json::from_str::<Prefs>(old).unwrap().migrated();
        let sol: PairId = "SOLUSDT/BNBUSDT".parse().unwrap();
        let eth: PairId = "ETHUSDT/BTCUSDT".parse().unwrap();
        assert_eq!(p.params_of(&sol).map(|x| x.window), Some(50));
        assert_eq!(p.params_of(&eth), None, "another pair keeps the engine's");
        let saved = serde_json::to_string(&p).unwrap();
        assert!(!saved.contains("params_set"), "{saved}");
        assert!(
            p.watch.is_empty() && p.tab == Tab::Pair,
            "older prefs watch nothing"
        );
    }

    #[test]
    fn the_watchlist_toggles_and_stops_at_its_limit() {
        let mut p = Prefs::default();
        let pair = |i: usize| -> PairId { format!("A{i}USDT/B{i}USDT").parse().unwrap() };
        for i in 0..40 {
            p.toggle_watch(&pair(i));
        }
        assert_eq!(p.watch.len(), MAX_WATCH);
        assert!(!p.toggle_watch(&pair(3)), "a second toggle removes");
        assert_eq!(p.watch.len(), MAX_WATCH - 1);
        assert!(p.toggle_watch(&pair(39)), "room again");
        let back: Prefs = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back.watch, p.watch, "kept across a reload");
    }
}
