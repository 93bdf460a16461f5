//! The pair view's star: watches the pair shown, or stops watching it.

use spreadwatch_proto::PairId;
use yew::prelude::*;

use crate::prefs::MAX_WATCH;

/// Props.
#[derive(Properties, PartialEq)]
pub struct WatchButtonProps {
    /// The pair shown.
    pub pair: PairId,
    /// True while it is watched.
    pub watched: bool,
    /// True when the list has no room.
    pub full: bool,
    /// Pressed.
    pub on_watch: Callback<PairId>,
}

/// The button.
#[function_component]
pub fn WatchButton(props: &WatchButtonProps) -> Html {
    let onclick = props.on_watch.reform({
        let p = props.pair.clone();
        move |_: MouseEvent| p.clone()
    });
    let (label, title) = match (props.watched, props.full) {
        (true, _) => (
            format!("★ Watching {}", props.pair),
            "Take it off the watchlist".to_string(),
        ),
        (false, true) => (
            format!("☆ Watch {}", props.pair),
            format!("The watchlist holds {MAX_WATCH} pairs: remove one first"),
        ),
        (false, false) => (
            format!("☆ Watch {}", props.pair),
            "Add it to the watchlist".to_string(),
        ),
    };
    html! {
        <button id="watch-toggle" class={classes!("sw-star-button", props.watched.then_some("sw-active"))}
            disabled={props.full && !props.watched} {title} {onclick}>{ label }</button>
    }
}
