//! The sidebar: pair and legs, sampling interval, model and every parameter,
//! and "run ADF". Values come down as props; changes go up as callbacks.

use spreadwatch_proto::{Model, PairId, PairParams, Sampling, Symbol};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::prefs::model_label;

/// Controls' inputs and outputs.
#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    /// Tracked symbols.
    pub symbols: Vec<Symbol>,
    /// Tracked pairs.
    pub pairs: Vec<PairId>,
    /// The pair shown.
    pub pair: Option<PairId>,
    /// Its parameters.
    pub params: PairParams,
    /// A pair was chosen.
    pub on_pair: Callback<PairId>,
    /// Parameters were changed (already validated).
    pub on_params: Callback<PairParams>,
    /// "run ADF" was pressed.
    pub on_adf: Callback<()>,
}

const MODELS: [Model; 4] = [Model::Ols, Model::Huber, Model::TheilSen, Model::Kalman];
const SAMPLINGS: [&str; 4] = ["tick", "1s", "1m", "5m"];

/// Which parameter an input edits.
#[derive(Clone, Copy)]
enum Field {
    Window,
    Lookback,
    Z,
    Hysteresis,
    Delta,
    R,
}

fn apply(p: PairParams, f: Field, raw: &str) -> Result<PairParams, String> {
    let mut p = p;
    let int = |s: &str| {
        s.trim()
            .parse::<usize>()
            .map_err(|_| format!("{s:?} is not a whole number"))
    };
    let real = |s: &str| {
        s.trim()
            .parse::<f64>()
            .map_err(|_| format!("{s:?} is not a number"))
    };
    match f {
        Field::Window => p.window = int(raw)?,
        Field::Lookback => p.lookback = int(raw)?,
        Field::Z => p.z_threshold = real(raw)?,
        Field::Hysteresis => p.hysteresis = real(raw)?,
        Field::Delta => p.kalman_delta = real(raw)?,
        Field::R => p.kalman_r = real(raw)?,
    }
    p.validate()?;
    Ok(p)
}

/// The sidebar.
#[function_component]
pub fn Controls(props: &ControlsProps) -> Html {
    let error = use_state(|| None::<String>);
    let p = props.params;

    let number =
        |label: &'static str, id: &'static str, f: Field, value: String, step: &'static str| {
            let (on_params, error) = (props.on_params.clone(), error.clone());
            let onchange = Callback::from(move |e: Event| {
                let input: HtmlInputElement = e.target_unchecked_into();
                match apply(p, f, &input.value()) {
                    Ok(np) => {
                        error.set(None);
                        on_params.emit(np);
                    }
                    Err(msg) => error.set(Some(msg)),
                }
            });
            html! {
                <label class="sw-field">{ label }
                    <input id={id} type="number" step={step} value={value} {onchange} />
                </label>
            }
        };

    let pair_select = {
        let on_pair = props.on_pair.clone();
        let pairs = props.pairs.clone();
        let onchange = Callback::from(move |e: Event| {
            let sel: HtmlSelectElement = e.target_unchecked_into();
            if let Some(p) = pairs.iter().find(|p| p.to_string() == sel.value()) {
                on_pair.emit(p.clone());
            }
        });
        let cur = props
            .pair
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default();
        html! {
            <label class="sw-field">{ "Pair (Y/X)" }
                <select id="ctl-pair" {onchange}>
                    { for props.pairs.iter().map(|p| {
                        let s = p.to_string();
                        html! { <option value={s.clone()} selected={s == cur}>{ s.clone() }</option> }
                    }) }
                </select>
            </label>
        }
    };

    // Either leg can be any tracked symbol; the engine adds the pair.
    let leg_select = |label: &'static str, id: &'static str, is_y: bool| {
        let on_pair = props.on_pair.clone();
        let (pair, error) = (props.pair.clone(), error.clone());
        let onchange = Callback::from(move |e: Event| {
            let sel: HtmlSelectElement = e.target_unchecked_into();
            let Some(cur) = &pair else { return };
            let v = sel.value();
            let (y, x) = if is_y {
                (v.as_str(), cur.x.as_str())
            } else {
                (cur.y.as_str(), v.as_str())
            };
            match format!("{y}/{x}").parse::<PairId>() {
                Ok(p) => {
                    error.set(None);
                    on_pair.emit(p);
                }
                Err(_) => error.set(Some(format!("{y}/{x}: the legs must differ"))),
            }
        });
        let cur = props
            .pair
            .as_ref()
            .map(|p| {
                if is_y {
                    p.y.to_string()
                } else {
                    p.x.to_string()
                }
            })
            .unwrap_or_default();
        html! {
            <label class="sw-field">{ label }
                <select id={id} {onchange}>
                    { for props.symbols.iter().map(|s| {
                        let s = s.to_string();
                        html! { <option value={s.clone()} selected={s == cur}>{ s.clone() }</option> }
                    }) }
                </select>
            </label>
        }
    };

    let interval_select = {
        let on_params = props.on_params.clone();
        let onchange = Callback::from(move |e: Event| {
            let sel: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(s) = sel.value().parse::<Sampling>() {
                on_params.emit(PairParams { interval: s, ..p });
            }
        });
        let cur = p.interval.to_string();
        html! {
            <label class="sw-field">{ "Interval" }
                <select id="ctl-interval" {onchange}>
                    { for SAMPLINGS.iter().map(|s| html! {
                        <option value={*s} selected={*s == cur}>{ *s }</option>
                    }) }
                </select>
            </label>
        }
    };

    let model_select = {
        let on_params = props.on_params.clone();
        let onchange = Callback::from(move |e: Event| {
            let sel: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(m) = sel.value().parse::<Model>() {
                on_params.emit(PairParams { model: m, ..p });
            }
        });
        html! {
            <label class="sw-field">{ "Regression" }
                <select id="ctl-model" {onchange}>
                    { for MODELS.iter().map(|m| html! {
                        <option value={m.as_str()} selected={*m == p.model}>{ model_label(*m) }</option>
                    }) }
                </select>
            </label>
        }
    };

    let on_adf = props.on_adf.reform(|_: MouseEvent| ());
    html! {
        <aside class="sw-controls">
            { pair_select }
            <div class="sw-row">
                { leg_select("Y", "ctl-y", true) }
                { leg_select("X", "ctl-x", false) }
            </div>
            { interval_select }
            { model_select }
            { number("z window", "ctl-window", Field::Window, p.window.to_string(), "1") }
            { number("Lookback", "ctl-lookback", Field::Lookback, p.lookback.to_string(), "1") }
            { number("z threshold", "ctl-z", Field::Z, p.z_threshold.to_string(), "0.1") }
            { number("Hysteresis", "ctl-hysteresis", Field::Hysteresis, p.hysteresis.to_string(), "0.1") }
            { number("Kalman delta", "ctl-delta", Field::Delta, p.kalman_delta.to_string(), "any") }
            { number("Kalman R", "ctl-r", Field::R, p.kalman_r.to_string(), "any") }
            <button id="ctl-adf" onclick={on_adf}>{ "Run ADF" }</button>
            if let Some(msg) = (*error).clone() {
                <p class="sw-error" id="ctl-error">{ msg }</p>
            }
        </aside>
    }
}
