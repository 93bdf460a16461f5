//! Download buttons: bars per interval (as `/api/export` and `replay
//! --export-dir` write them) and every processed column of the pair.

use spreadwatch_proto::PairId;
use yew::prelude::*;

use crate::api;

/// Props.
#[derive(Properties, PartialEq)]
pub struct ExportProps {
    /// The pair shown.
    pub pair: Option<PairId>,
}

fn start(
    path: String,
    name: String,
    error: UseStateHandle<Option<String>>,
) -> Callback<MouseEvent> {
    Callback::from(move |_| {
        let (path, name, error) = (path.clone(), name.clone(), error.clone());
        wasm_bindgen_futures::spawn_local(async move {
            error.set(api::download(&path, &name).await.err());
        });
    })
}

/// The buttons.
#[function_component]
pub fn Export(props: &ExportProps) -> Html {
    let error = use_state(|| None::<String>);
    html! {
        <section class="sw-panel" id="export">
            <h3>{ "Export CSV" }</h3>
            <div class="sw-buttons">
                { for ["1s", "1m", "5m"].iter().map(|iv| html! {
                    <button id={format!("export-{iv}")}
                        onclick={start(format!("/api/export?interval={iv}"), format!("bars_{iv}.csv"), error.clone())}>
                        { format!("Bars {iv}") }
                    </button>
                }) }
                if let Some(p) = &props.pair {
                    <button id="export-pair"
                        onclick={start(format!("/api/export/pair?pair={p}"), format!("pair_{}_{}.csv", p.y, p.x), error.clone())}>
                        { format!("Pair {p}") }
                    </button>
                }
            </div>
            if let Some(e) = (*error).clone() { <p class="sw-error">{ e }</p> }
        </section>
    }
}
