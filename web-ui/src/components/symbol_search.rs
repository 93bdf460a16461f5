//! A symbol typed, not picked from a 550-entry list: the tracked symbols
//! that hold what was typed are offered (those starting with it first), and
//! Enter, a click or the exact name picks one. Leaving the field with
//! anything else puts the value back.

use std::rc::Rc;

use spreadwatch_proto::Symbol;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Suggestions shown at once.
pub const MAX_SUGGESTIONS: usize = 8;

/// Props.
#[derive(Properties, PartialEq)]
pub struct SymbolSearchProps {
    /// The input's DOM id; the list's is `{id}-list`.
    pub id: AttrValue,
    /// The label above it.
    pub label: AttrValue,
    /// The symbol in force.
    pub value: AttrValue,
    /// Tracked symbols.
    pub symbols: Rc<Vec<Symbol>>,
    /// A symbol was picked.
    pub on_pick: Callback<String>,
}

/// The symbols offered for `typed`: starting with it first, then holding
/// it, each group in the list's order, at most `max`.
pub fn suggest(symbols: &[Symbol], typed: &str, max: usize) -> Vec<String> {
    let q = typed.trim().to_ascii_uppercase();
    if q.is_empty() {
        return Vec::new();
    }
    let starts = symbols.iter().filter(|s| s.as_str().starts_with(&q));
    let holds = symbols
        .iter()
        .filter(|s| !s.as_str().starts_with(&q) && s.as_str().contains(&q));
    starts
        .chain(holds)
        .take(max)
        .map(|s| s.to_string())
        .collect()
}

#[derive(Clone, Default, PartialEq)]
struct Edit {
    draft: Option<String>,
    /// The highlighted suggestion.
    at: usize,
}

/// The field.
#[function_component]
pub fn SymbolSearch(props: &SymbolSearchProps) -> Html {
    let edit = use_state(Edit::default);
    let offered = edit
        .draft
        .as_deref()
        .map(|d| suggest(&props.symbols, d, MAX_SUGGESTIONS))
        .unwrap_or_default();
    let pick = {
        let (edit, on_pick) = (edit.clone(), props.on_pick.clone());
        Callback::from(move |s: String| {
            edit.set(Edit::default());
            on_pick.emit(s);
        })
    };
    let oninput = {
        let edit = edit.clone();
        Callback::from(move |e: InputEvent| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            edit.set(Edit {
                draft: Some(v),
                at: 0,
            });
        })
    };
    let onkeydown = keys(&edit, &offered, &pick, &props.symbols);
    let onblur = {
        let (edit, pick, symbols) = (edit.clone(), pick.clone(), props.symbols.clone());
        Callback::from(
            move |_: FocusEvent| match exact(&symbols, edit.draft.as_deref()) {
                Some(s) => pick.emit(s),
                None => edit.set(Edit::default()),
            },
        )
    };
    let shown = edit
        .draft
        .clone()
        .unwrap_or_else(|| props.value.to_string());
    let list_id = format!("{}-list", props.id);
    html! {
        <label class="sw-field sw-search">{ props.label.clone() }
            <input id={props.id.clone()} type="text" autocomplete="off" spellcheck="false" value={shown}
                placeholder="type a symbol" {oninput} {onkeydown} {onblur} />
            if !offered.is_empty() {
                <ul class="sw-suggest" id={list_id}>
                    { for offered.iter().enumerate().map(|(i, s)| {
                        // On mousedown: a click's blur would close the list first.
                        let (pick, s2) = (pick.clone(), s.clone());
                        let down = Callback::from(move |e: MouseEvent| { e.prevent_default(); pick.emit(s2.clone()); });
                        html! { <li class={classes!((i == edit.at).then_some("sw-active"))} data-symbol={s.clone()} onmousedown={down}>{ s.clone() }</li> }
                    }) }
                </ul>
            }
        </label>
    }
}

/// The tracked symbol `draft` names exactly (any case).
fn exact(symbols: &[Symbol], draft: Option<&str>) -> Option<String> {
    let d = draft?.trim().to_ascii_uppercase();
    symbols
        .iter()
        .find(|s| s.as_str() == d)
        .map(|s| s.to_string())
}

/// Arrows move the highlight, Enter picks it (or the exact name), Escape
/// puts the value back.
fn keys(
    edit: &UseStateHandle<Edit>,
    offered: &[String],
    pick: &Callback<String>,
    symbols: &Rc<Vec<Symbol>>,
) -> Callback<KeyboardEvent> {
    let (edit, offered, pick, symbols) = (
        edit.clone(),
        offered.to_vec(),
        pick.clone(),
        symbols.clone(),
    );
    Callback::from(move |e: KeyboardEvent| {
        let n = offered.len();
        match e.key().as_str() {
            "ArrowDown" | "ArrowUp" if n > 0 => {
                e.prevent_default();
                let at = if e.key() == "ArrowDown" {
                    (edit.at + 1) % n
                } else {
                    (edit.at + n - 1) % n
                };
                edit.set(Edit {
                    at,
                    ..(*edit).clone()
                });
            }
            "Enter" => {
                if let Some(s) =
                    exact(&symbols, edit.draft.as_deref()).or_else(|| offered.get(edit.at).cloned())
                {
                    pick.emit(s);
                }
            }
            "Escape" => edit.set(Edit::default()),
            _ => {}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_offers_prefixes_first_in_any_case() {
        let syms: Vec<Symbol> = ["BTCUSDT", "ETHUSDT", "ETHFIUSDT", "WETHUSDT", "SOLUSDT"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(
            suggest(&syms, "eth", 8),
            ["ETHUSDT", "ETHFIUSDT", "WETHUSDT"]
        );
        assert_eq!(suggest(&syms, "eth", 2), ["ETHUSDT", "ETHFIUSDT"]);
        assert_eq!(suggest(&syms, " sol", 8), ["SOLUSDT"]);
        assert!(suggest(&syms, "", 8).is_empty());
        assert_eq!(exact(&syms, Some("btcusdt")), Some("BTCUSDT".into()));
        assert_eq!(exact(&syms, Some("BTC")), None);
    }
}
