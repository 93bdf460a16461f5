//! The sidebar: pair and legs, sampling interval, model and every parameter,
//! and "run ADF". Values come down as props; changes go up as callbacks.

use std::rc::Rc;

use spreadwatch_proto::{Model, PairId, PairParams, Sampling, Symbol};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::number_field::NumberField;
use super::pair_picker::PairPicker;
use crate::prefs::model_label;

/// Controls' inputs and outputs.
#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    /// Tracked symbols.
    pub symbols: Rc<Vec<Symbol>>,
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
#[derive(Clone, Copy, PartialEq)]
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

/// One select over `items`, emitting the parsed choice.
fn choice<T: Copy + 'static>(
    label: &'static str,
    id: &'static str,
    items: &[(T, String, String)],
    selected: &str,
    emit: Callback<T>,
) -> Html {
    let values: Vec<(String, T)> = items.iter().map(|(t, v, _)| (v.clone(), *t)).collect();
    let onchange = Callback::from(move |e: Event| {
        let v = e.target_unchecked_into::<HtmlSelectElement>().value();
        if let Some((_, t)) = values.iter().find(|(s, _)| *s == v) {
            emit.emit(*t);
        }
    });
    html! {
        <label class="sw-field">{ label }
            <select id={id} {onchange}>
                { for items.iter().map(|(_, v, text)| html! {
                    <option value={v.clone()} selected={v == selected}>{ text.clone() }</option>
                }) }
            </select>
        </label>
    }
}

/// The number fields: label, DOM id, the parameter, its value now.
fn fields(p: &PairParams) -> [(&'static str, &'static str, Field, String); 6] {
    [
        (
            "z window",
            "ctl-window",
            Field::Window,
            p.window.to_string(),
        ),
        (
            "Lookback",
            "ctl-lookback",
            Field::Lookback,
            p.lookback.to_string(),
        ),
        ("z threshold", "ctl-z", Field::Z, p.z_threshold.to_string()),
        (
            "Hysteresis",
            "ctl-hysteresis",
            Field::Hysteresis,
            p.hysteresis.to_string(),
        ),
        (
            "Kalman delta",
            "ctl-delta",
            Field::Delta,
            p.kalman_delta.to_string(),
        ),
        ("Kalman R", "ctl-r", Field::R, p.kalman_r.to_string()),
    ]
}

/// The sidebar.
#[function_component]
pub fn Controls(props: &ControlsProps) -> Html {
    let p = props.params;
    let with = |f: fn(PairParams, Sampling, Model) -> PairParams| {
        let on_params = props.on_params.clone();
        move |s: Option<Sampling>, m: Option<Model>| {
            on_params.emit(f(p, s.unwrap_or(p.interval), m.unwrap_or(p.model)))
        }
    };
    let set = with(|p, interval, model| PairParams {
        interval,
        model,
        ..p
    });
    let (set_i, set_m) = (set.clone(), set);
    let samplings: Vec<(Sampling, String, String)> = SAMPLINGS
        .iter()
        .filter_map(|s| Some((s.parse().ok()?, s.to_string(), s.to_string())))
        .collect();
    let models: Vec<(Model, String, String)> = MODELS
        .iter()
        .map(|m| (*m, m.as_str().to_string(), model_label(*m).to_string()))
        .collect();
    let number = |(label, id, f, value): (&'static str, &'static str, Field, String)| {
        let on_params = props.on_params.clone();
        let on_commit = Callback::from(move |raw: String| {
            let np = apply(p, f, &raw)?;
            on_params.emit(np);
            Ok(())
        });
        html! { <NumberField {id} {label} {value} {on_commit} /> }
    };
    let on_adf = props.on_adf.reform(|_: MouseEvent| ());
    html! {
        <aside class="sw-controls">
            <PairPicker symbols={props.symbols.clone()} pairs={props.pairs.clone()}
                pair={props.pair.clone()} on_pair={props.on_pair.clone()} />
            { choice("Interval", "ctl-interval", &samplings, &p.interval.to_string(),
                Callback::from(move |s| set_i(Some(s), None))) }
            { choice("Regression", "ctl-model", &models, p.model.as_str(),
                Callback::from(move |m| set_m(None, Some(m)))) }
            { for fields(&p).into_iter().map(number) }
            <button id="ctl-adf" onclick={on_adf}>{ "Run ADF" }</button>
        </aside>
    }
}
