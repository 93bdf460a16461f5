//! The spreadwatch dashboard. The charts and controls arrive with the
//! dashboard issue; for now the app renders its frame.

use yew::prelude::*;

#[function_component(App)]
fn app() -> Html {
    html! {
        <main class="sw-app">
            <h1>{ "spreadwatch" }</h1>
            <p>{ "Live pair analytics for Binance USD-M futures." }</p>
        </main>
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
