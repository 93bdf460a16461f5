//! A small z line in SVG: the last hour of a watched pair, with the ±k
//! threshold as faint lines, scaled to fit both.

use std::collections::VecDeque;
use std::rc::Rc;

use yew::prelude::*;

const W: f64 = 120.0;
const H: f64 = 24.0;

/// Props.
#[derive(Properties, PartialEq)]
pub struct SparklineProps {
    /// `(time ms, z)`, oldest first.
    pub points: Rc<VecDeque<(i64, f64)>>,
    /// The threshold drawn.
    pub k: f64,
}

/// The height in the box of z, in a range that covers ±`k` and every
/// point of `pts`.
fn y_of(pts: &VecDeque<(i64, f64)>, k: f64) -> impl Fn(f64) -> f64 {
    let top = pts.iter().fold(k.abs(), |m, p| m.max(p.1.abs())).max(1e-9);
    move |z| H / 2.0 - z / top * (H / 2.0 - 1.0)
}

/// The polyline's `points` attribute for `pts` in a `W` x `H` box whose
/// z range covers ±`k` and every point.
pub fn path(pts: &VecDeque<(i64, f64)>, k: f64) -> String {
    let (Some(first), Some(last)) = (pts.front(), pts.back()) else {
        return String::new();
    };
    let span = (last.0 - first.0).max(1) as f64;
    let y_of = y_of(pts, k);
    pts.iter()
        .map(|&(t, z)| {
            let x = (t - first.0) as f64 / span * W;
            let y = y_of(z);
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The line.
#[function_component]
pub fn Sparkline(props: &SparklineProps) -> Html {
    let band = y_of(&props.points, props.k);
    html! {
        <svg class="sw-spark" viewBox={format!("0 0 {W} {H}")} width={W.to_string()} height={H.to_string()}
            preserveAspectRatio="none" data-points={props.points.len().to_string()}>
            <line x1="0" x2={W.to_string()} y1={format!("{:.1}", band(props.k))} y2={format!("{:.1}", band(props.k))} class="sw-spark-k" />
            <line x1="0" x2={W.to_string()} y1={format!("{:.1}", band(-props.k))} y2={format!("{:.1}", band(-props.k))} class="sw-spark-k" />
            <polyline points={path(&props.points, props.k)} class="sw-spark-z" />
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_spans_the_box_and_fits_the_threshold() {
        let pts: VecDeque<(i64, f64)> = [(0, 0.0), (500, 1.0), (1_000, -1.0)].into();
        assert_eq!(path(&pts, 2.0), "0.0,12.0 60.0,6.5 120.0,17.5");
        let big: VecDeque<(i64, f64)> = [(0, 4.0), (10, -4.0)].into();
        assert_eq!(
            path(&big, 2.0),
            "0.0,1.0 120.0,23.0",
            "a z past k sets the scale"
        );
        assert_eq!(path(&VecDeque::new(), 2.0), "");
    }
}
