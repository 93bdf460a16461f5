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

/// What the last click did, shown under the buttons.
#[derive(Clone, PartialEq)]
enum Outcome {
    Fetching(String),
    Saved(String, usize),
    Failed(String, String),
}

fn start(
    path: String,
    name: String,
    shown: UseStateHandle<Option<Outcome>>,
) -> Callback<MouseEvent> {
    Callback::from(move |_| {
        let (path, name, shown) = (path.clone(), name.clone(), shown.clone());
        shown.set(Some(Outcome::Fetching(name.clone())));
        wasm_bindgen_futures::spawn_local(async move {
            shown.set(Some(match api::download(&path, &name).await {
                Ok(n) => Outcome::Saved(name, n),
                Err(e) => Outcome::Failed(name, e),
            }));
        });
    })
}

fn outcome(o: &Outcome) -> Html {
    match o {
        Outcome::Fetching(n) => html! { <p id="export-status">{ format!("Preparing {n}…") }</p> },
        Outcome::Saved(n, bytes) => html! {
            <p id="export-status" class="sw-ok">{ format!("Saved {n} ({:.1} kB) to your downloads", *bytes as f64 / 1000.0) }</p>
        },
        Outcome::Failed(n, e) => html! {
            <p id="export-status" class="sw-error">{ format!("{n} could not be exported: {e}") }</p>
        },
    }
}

/// The buttons.
#[function_component]
pub fn Export(props: &ExportProps) -> Html {
    let error = use_state(|| None::<Outcome>);
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
            if let Some(o) = (*error).as_ref() { { outcome(o) } }
        </section>
    }
}
