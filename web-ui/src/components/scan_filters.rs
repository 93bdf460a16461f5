//! The scanner table's filters: largest p, half-life range, smallest |z|.
//! An empty field filters nothing.

use yew::prelude::*;

use super::number_field::NumberField;
use crate::scan_view::ScanView;

/// Props.
#[derive(Properties, PartialEq)]
pub struct ScanFiltersProps {
    /// The filters in force.
    pub view: ScanView,
    /// A filter changed.
    pub on_view: Callback<ScanView>,
}

type Setter = fn(&mut ScanView, Option<f64>);

/// Reads a filter: empty is none; otherwise a number of at least 0.
fn parse(s: &str) -> Result<Option<f64>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
        _ => Err(format!(
            "{s:?} is not a number of 0 or more (empty: no filter)"
        )),
    }
}

fn shown(v: Option<f64>) -> AttrValue {
    v.map(|v| v.to_string()).unwrap_or_default().into()
}

/// The filter fields.
#[function_component]
pub fn ScanFilters(props: &ScanFiltersProps) -> Html {
    let v = props.view;
    let fields: [(&str, &str, Option<f64>, Setter); 4] = [
        ("scan-max-p", "max p", v.max_p, |v, x| v.max_p = x),
        ("scan-hl-min", "half-life ≥", v.min_half_life, |v, x| {
            v.min_half_life = x;
        }),
        ("scan-hl-max", "half-life ≤", v.max_half_life, |v, x| {
            v.max_half_life = x;
        }),
        ("scan-min-z", "|z| ≥", v.min_abs_z, |v, x| v.min_abs_z = x),
    ];
    html! {
        <div class="sw-row sw-scan-filters">
            { for fields.into_iter().map(|(id, label, value, set)| {
                let on_view = props.on_view.clone();
                let on_commit = Callback::from(move |s: String| {
                    let x = parse(&s)?;
                    let mut nv = v;
                    set(&mut nv, x);
                    on_view.emit(nv);
                    Ok(())
                });
                html! { <NumberField id={id} label={label} value={shown(value)} {on_commit} /> }
            }) }
        </div>
    }
}
