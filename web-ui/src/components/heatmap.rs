//! Correlation heatmap (log returns of bar closes, from
//! `/api/correlation`) over the watchlist's symbols, or the busiest ones:
//! never hundreds of rows.

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
    /// Which symbols, in words.
    pub scope: AttrValue,
    /// The interval was changed.
    pub on_interval: Callback<Interval>,
}

/// The colour at 0, and at −1 and +1 (ColorBrewer's RdBu ends).
const MID: [f64; 3] = [42.0, 47.0, 58.0];
const NEG: [f64; 3] = [33.0, 102.0, 172.0];
const POS: [f64; 3] = [178.0, 24.0, 43.0];

/// A diverging scale: blue at −1, the panel's grey at 0, red at +1,
/// linear in between.
pub fn colour(r: f64) -> String {
    let a = r.abs().min(1.0);
    let end = if r >= 0.0 { POS } else { NEG };
    let c: Vec<u8> = (0..3)
        .map(|i| (MID[i] + (end[i] - MID[i]) * a).round() as u8)
        .collect();
    format!("rgb({}, {}, {})", c[0], c[1], c[2])
}

/// The scale's legend: a gradient from −1 to +1.
fn legend() -> Html {
    let stops: Vec<String> = (-4..=4).map(|i| colour(f64::from(i) / 4.0)).collect();
    html! {
        <div class="sw-scale" id="heatmap-legend">
            <span>{ "−1" }</span>
            <span class="sw-scale-bar" style={format!("background: linear-gradient(to right, {})", stops.join(", "))}></span>
            <span>{ "+1" }</span>
            <span class="sw-muted">{ "correlation; grey is 0" }</span>
        </div>
    }
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
            <p class="sw-muted" id="heatmap-scope">{ props.scope.clone() }</p>
            { body }
            { legend() }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_diverges_from_a_neutral_zero() {
        assert_eq!(colour(0.0), "rgb(42, 47, 58)");
        assert_eq!(colour(1.0), "rgb(178, 24, 43)");
        assert_eq!(colour(-1.0), "rgb(33, 102, 172)");
        assert_eq!(colour(2.0), colour(1.0), "clamped");
        assert_ne!(colour(0.5), colour(-0.5));
    }
}
