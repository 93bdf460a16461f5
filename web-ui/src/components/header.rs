//! The top bar: the sidebar toggle, the name, what is shown (the live pair,
//! or the uploaded pair and file) and the live/upload switch.

use yew::prelude::*;

use super::upload::{UploadBar, UploadStatus};
use crate::prefs::Mode;

/// Props.
#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    /// What is shown, e.g. `ETHUSDT/BTCUSDT` or `ETHBTC/LTCBTC · long.csv`.
    pub title: AttrValue,
    /// Live or upload.
    pub mode: Mode,
    /// The upload's state.
    pub status: UploadStatus,
    /// The legs offered for an upload (the live pair's).
    pub legs: (AttrValue, AttrValue),
    /// The sidebar toggle was pressed.
    pub on_sidebar: Callback<()>,
    /// The mode was switched.
    pub on_mode: Callback<Mode>,
    /// A file was picked, with the y and x symbols typed (may be empty).
    pub on_file: Callback<(web_sys::File, String, String)>,
    /// An upload goes to the scanner (the scanner tab is shown).
    #[prop_or(false)]
    pub scan: bool,
}

/// The bar.
#[function_component]
pub fn Header(props: &HeaderProps) -> Html {
    let on_sidebar = props.on_sidebar.reform(|_: MouseEvent| ());
    html! {
        <header class="sw-header">
            <button class="sw-menu" id="toggle-sidebar" onclick={on_sidebar} title="Show or hide the controls">{ "☰" }</button>
            <h1>{ "spreadwatch" }</h1>
            <span class="sw-pair" id="pair-label">{ props.title.clone() }</span>
            <UploadBar mode={props.mode} status={props.status.clone()} on_mode={props.on_mode.clone()}
                on_file={props.on_file.clone()}
                default_y={props.legs.0.to_string()} default_x={props.legs.1.to_string()} scan={props.scan} />
        </header>
    }
}
