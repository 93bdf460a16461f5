//! The stat boxes: each leg's last price and volume, spread, z (coloured
//! past the threshold), hedge ratio, correlation, ADF p-value, half-life.

use spreadwatch_proto::Model;
use yew::prelude::*;

use crate::format::{fixed as fmt, price};
use crate::prefs::model_label;

/// What the boxes show, live or from an upload.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatView {
    /// y symbol.
    pub y_sym: String,
    /// x symbol.
    pub x_sym: String,
    /// y last price.
    pub y_price: Option<f64>,
    /// y volume of the current bar.
    pub y_volume: Option<f64>,
    /// x last price.
    pub x_price: Option<f64>,
    /// x volume of the current bar.
    pub x_volume: Option<f64>,
    /// Spread.
    pub spread: Option<f64>,
    /// z-score.
    pub z: Option<f64>,
    /// Hedge ratio of the model in use.
    pub hedge: Option<f64>,
    /// Correlation.
    pub corr: Option<f64>,
    /// ADF p-value.
    pub adf_p: Option<f64>,
    /// ADF statistic.
    pub adf_stat: Option<f64>,
    /// Half-life in points.
    pub half_life: Option<f64>,
    /// Threshold.
    pub k: f64,
    /// Model.
    pub model: Model,
    /// Why alerts are held back, if they are.
    pub stale: Option<String>,
    /// Points so far.
    pub n: u64,
}

/// Props.
#[derive(Properties, PartialEq)]
pub struct StatBoxesProps {
    /// The values.
    pub view: StatView,
}

fn stat(id: &'static str, label: String, value: String, class: &'static str) -> Html {
    html! {
        <div class={classes!("sw-stat", class)} id={id}>
            <span class="sw-stat-label">{ label }</span>
            <span class="sw-stat-value">{ value }</span>
        </div>
    }
}

/// The boxes.
#[function_component]
pub fn StatBoxes(props: &StatBoxesProps) -> Html {
    let v = &props.view;
    let hot = match v.z {
        Some(z) if z.abs() >= v.k => "sw-hot",
        _ => "",
    };
    html! {
        <div class="sw-stats">
            { stat("stat-y-price", format!("{} last", v.y_sym), price(v.y_price), "") }
            { stat("stat-y-volume", format!("{} vol", v.y_sym), fmt(v.y_volume, 3), "") }
            { stat("stat-x-price", format!("{} last", v.x_sym), price(v.x_price), "") }
            { stat("stat-x-volume", format!("{} vol", v.x_sym), fmt(v.x_volume, 3), "") }
            { stat("stat-spread", "Spread".into(), fmt(v.spread, 6), "") }
            { stat("stat-z", format!("z (k = {})", v.k), fmt(v.z, 3), hot) }
            { stat("stat-hedge", format!("Hedge β ({})", model_label(v.model)), fmt(v.hedge, 6), "") }
            { stat("stat-corr", "Correlation".into(), fmt(v.corr, 4), "") }
            { stat("stat-adf", format!("ADF p (stat {})", fmt(v.adf_stat, 2)), fmt(v.adf_p, 4), "") }
            { stat("stat-half-life", "Half-life".into(), fmt(v.half_life, 1), "") }
            if let Some(why) = v.stale.clone() {
                <div class="sw-badge sw-stale" id="stale-badge" title={why.clone()}>
                    { format!("Stale leg: alerts held back ({why})") }
                </div>
            }
        </div>
    }
}
