//! What the main area shows: the live pair, or in upload mode the uploaded
//! file (or why there is none yet), never a mix of the two.

use std::rc::Rc;

use spreadwatch_proto::{Alert, Model, PairPoint};

use crate::components::stat_boxes::StatView;
use crate::prefs::Mode;
use crate::series::{Candle, Series};
use crate::stat_view;
use crate::store::{State, Upload};

/// Everything the stat boxes, charts, alerts and backtest draw.
pub struct Shown {
    /// The header's title.
    pub title: String,
    /// Stat boxes.
    pub stats: StatView,
    /// y and x chart titles.
    pub labels: [String; 2],
    /// y and x rows.
    pub legs: [Series<Candle>; 2],
    /// Pair rows.
    pub points: Series<PairPoint>,
    /// Alerts.
    pub alerts: Rc<Vec<Alert>>,
    /// The model the spread uses.
    pub model: Model,
    /// The threshold.
    pub k: f64,
    /// Names the data set, for the charts' view.
    pub data: String,
    /// Upload mode.
    pub upload: bool,
    /// A line in place of data: no upload yet, or why it failed.
    pub note: Option<String>,
    /// The note is an error.
    pub failed: bool,
}

impl Shown {
    /// What `s` shows in its mode.
    pub fn of(s: &State) -> Shown {
        match (s.prefs.mode, &s.upload) {
            (Mode::Live, _) => live(s),
            (Mode::Upload, Upload::Done(v)) => uploaded(s, v),
            (Mode::Upload, u) => nothing(s, u),
        }
    }
}

fn leg_name(s: &State, i: usize) -> String {
    s.legs[i]
        .symbol
        .as_ref()
        .map_or_else(|| "—".into(), |x| x.to_string())
}

fn live(s: &State) -> Shown {
    let title = s
        .pair
        .as_ref()
        .map_or_else(|| "no pair".into(), |p| p.to_string());
    let iv = s.sub_interval.map(|i| i.to_string()).unwrap_or_default();
    Shown {
        data: format!("live:{title}:{iv}"),
        title,
        stats: stat_view::live(s),
        labels: [leg_name(s, 0), leg_name(s, 1)],
        legs: [s.legs[0].candles.clone(), s.legs[1].candles.clone()],
        points: s.points.clone(),
        alerts: s.alerts.clone(),
        model: s.params.model,
        k: s.params.z_threshold,
        upload: false,
        note: None,
        failed: false,
    }
}

fn uploaded(s: &State, v: &Rc<crate::upload_view::UploadView>) -> Shown {
    let k = s.params.z_threshold;
    Shown {
        title: format!("{} · {} (uploaded)", v.pair, v.name),
        stats: stat_view::upload(v, k),
        labels: [v.pair.y.to_string(), v.pair.x.to_string()],
        legs: v.legs.clone(),
        points: v.points.clone(),
        alerts: v.alerts.clone(),
        model: v.model,
        k,
        data: format!("upload:{:p}", Rc::as_ptr(v)),
        upload: true,
        note: None,
        failed: false,
    }
}

fn nothing(s: &State, u: &Upload) -> Shown {
    let (note, failed) = match u {
        Upload::Busy(name) => (format!("Analysing {name}…"), false),
        Upload::Failed(e) => (format!("No data: {e}"), true),
        _ => (
            "Pick a CSV file above to analyse it here.".to_string(),
            false,
        ),
    };
    Shown {
        title: "uploaded CSV".into(),
        stats: StatView {
            k: s.params.z_threshold,
            ..StatView::default()
        },
        labels: ["y".into(), "x".into()],
        legs: [Series::new(1), Series::new(1)],
        points: Series::new(1),
        alerts: Rc::new(Vec::new()),
        model: s.params.model,
        k: s.params.z_threshold,
        data: "upload:none".into(),
        upload: true,
        note: Some(note),
        failed,
    }
}
