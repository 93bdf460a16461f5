//! The main area's two views: one pair in depth, or the scanner's ranking
//! of every pair.

use yew::prelude::*;

use crate::prefs::Tab;

/// Props.
#[derive(Properties, PartialEq)]
pub struct TabsProps {
    /// The view shown.
    pub tab: Tab,
    /// Rows in the scanner's ranking, shown on its tab.
    pub ranked: Option<usize>,
    /// A tab was chosen.
    pub on_tab: Callback<Tab>,
}

/// The tab bar.
#[function_component]
pub fn Tabs(props: &TabsProps) -> Html {
    let tab = |t: Tab, label: String, id: &'static str| {
        let on_tab = props.on_tab.clone();
        html! {
            <button id={id} class={classes!("sw-tab", (props.tab == t).then_some("sw-active"))}
                onclick={Callback::from(move |_: MouseEvent| on_tab.emit(t))}>{ label }</button>
        }
    };
    let scanner = match props.ranked {
        Some(n) => format!("Scanner ({n})"),
        None => "Scanner".into(),
    };
    html! {
        <nav class="sw-tabs">
            { tab(Tab::Pair, "Pair".into(), "tab-pair") }
            { tab(Tab::Scanner, scanner, "tab-scanner") }
        </nav>
    }
}
