//! Correlation heatmap across every tracked symbol (log returns of bar
//! closes, from `/api/correlation`).

use std::rc::Rc;

use spreadwatch_proto::{CorrelationMatrix, Interval};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Props.
#[derive(Properties, PartialEq)]
pub struct HeatmapProps {
    /// The matrix, once fetched.
    pub matrix: Option<Rc<CorrelationMatrix>>,
    /// Interval shown.
    pub interval: Interval,
    /// The interval was changed.
    pub on_interval: Callback<Interval>,
}

/// Blue for −1, dark for 0, red for +1.
pub fn colour(r: f64) -> String {
    let a = r.abs().min(1.0);
    let (h, l) = if r >= 0.0 {
        (0.0, 20.0 + 30.0 * a)
    } else {
        (210.0, 20.0 + 30.0 * a)
    };
    format!("hsl({h:.0}, {:.0}%, {l:.0}%)", 20.0 + 60.0 * a)
}

/// The heatmap.
#[function_component]
pub fn Heatmap(props: &HeatmapProps) -> Html {
    let on_interval = props.on_interval.clone();
    let onchange = Callback::from(move |e: Event| {
        let sel: HtmlSelectElement = e.target_unchecked_into();
        if let Ok(iv) = sel.value().parse::<Interval>() {
            on_interval.emit(iv);
        }
    });
    let body = match &props.matrix {
        None => html! { <p>{ "loading…" }</p> },
        Some(m) => html! {
            <table class="sw-heatmap">
                <thead><tr><th></th>{ for m.symbols.iter().map(|s| html! { <th>{ s.to_string() }</th> }) }</tr></thead>
                <tbody>
                { for m.symbols.iter().enumerate().map(|(i, s)| html! {
                    <tr>
                        <th>{ s.to_string() }</th>
                        { for m.matrix[i].iter().enumerate().map(|(j, r)| match r {
                            Some(r) => html! {
                                <td style={format!("background:{}", colour(*r))} title={format!("{} returns", m.obs[i][j])}>{ format!("{r:.2}") }</td>
                            },
                            None => html! { <td title={format!("{} returns", m.obs[i][j])}>{ "—" }</td> },
                        }) }
                    </tr>
                }) }
                </tbody>
            </table>
        },
    };
    html! {
        <section class="sw-panel" id="heatmap">
            <h3>{ "Correlation of log returns" }
                <select id="heatmap-interval" {onchange}>
                    { for Interval::ALL.iter().map(|iv| html! {
                        <option value={iv.as_str()} selected={*iv == props.interval}>{ iv.as_str() }</option>
                    }) }
                </select>
            </h3>
            { body }
        </section>
    }
}
