//! Choosing the pair: a tracked pair at once from its list, or any two
//! tracked symbols typed as Y and X (type-ahead, not a long list), applied
//! together with one button, so picking the legs one after the other never
//! asks the engine for a pair in between.

use std::rc::Rc;

use spreadwatch_proto::{PairId, Symbol};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::symbol_search::SymbolSearch;

/// Props.
#[derive(Properties, PartialEq)]
pub struct PairPickerProps {
    /// Tracked symbols.
    pub symbols: Rc<Vec<Symbol>>,
    /// Tracked pairs.
    pub pairs: Vec<PairId>,
    /// The pair shown.
    pub pair: Option<PairId>,
    /// A pair was chosen.
    pub on_pair: Callback<PairId>,
}

/// The legs being picked: `None` means "as the pair shown".
#[derive(Clone, Default, PartialEq)]
struct Legs {
    y: Option<String>,
    x: Option<String>,
}

fn options(items: impl Iterator<Item = String>, cur: &str) -> Html {
    items
        .map(|s| html! { <option value={s.clone()} selected={s == cur}>{ s.clone() }</option> })
        .collect()
}

fn on_select(f: impl Fn(String) + 'static) -> Callback<Event> {
    Callback::from(move |e: Event| f(e.target_unchecked_into::<HtmlSelectElement>().value()))
}

/// Sets one leg of the pick.
fn pick_leg(legs: &UseStateHandle<Legs>, is_y: bool) -> Callback<String> {
    let legs = legs.clone();
    Callback::from(move |v| {
        let mut l = (*legs).clone();
        *(if is_y { &mut l.y } else { &mut l.x }) = Some(v);
        legs.set(l);
    })
}

/// Shows `pair` and forgets the pick.
fn show(legs: &UseStateHandle<Legs>, on_pair: &Callback<PairId>, pair: PairId) {
    legs.set(Legs::default());
    on_pair.emit(pair);
}

/// The picker.
#[function_component]
pub fn PairPicker(props: &PairPickerProps) -> Html {
    let legs = use_state(Legs::default);
    let cur = props.pair.as_ref();
    let y = (legs.y.clone().or(cur.map(|p| p.y.to_string()))).unwrap_or_default();
    let x = (legs.x.clone().or(cur.map(|p| p.x.to_string()))).unwrap_or_default();
    let wanted = format!("{y}/{x}").parse::<PairId>().ok();
    let changed = wanted.is_some() && wanted.as_ref() != cur;
    let pick_pair = {
        let (on_pair, pairs, legs) = (props.on_pair.clone(), props.pairs.clone(), legs.clone());
        on_select(move |v| {
            if let Some(p) = pairs.iter().find(|p| p.to_string() == v) {
                show(&legs, &on_pair, p.clone());
            }
        })
    };
    let apply = {
        let (on_pair, legs) = (props.on_pair.clone(), legs.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(p) = wanted.clone() {
                show(&legs, &on_pair, p);
            }
        })
    };
    let cur_name = cur.map(|p| p.to_string()).unwrap_or_default();
    html! {
        <>
            <label class="sw-field">{ "Pair (Y/X)" }
                <select id="ctl-pair" onchange={pick_pair}>
                    { options(props.pairs.iter().map(|p| p.to_string()), &cur_name) }
                </select>
            </label>
            <div class="sw-row">
                <SymbolSearch id="ctl-y" label="Y" value={y.clone()} symbols={props.symbols.clone()}
                    on_pick={pick_leg(&legs, true)} />
                <SymbolSearch id="ctl-x" label="X" value={x.clone()} symbols={props.symbols.clone()}
                    on_pick={pick_leg(&legs, false)} />
            </div>
            if changed {
                <button id="ctl-apply-pair" onclick={apply}>{ format!("Show {y}/{x}") }</button>
            }
            if y == x && !y.is_empty() {
                <p class="sw-error" id="ctl-pair-error">{ "Y and X must be different symbols" }</p>
            }
        </>
    }
}
