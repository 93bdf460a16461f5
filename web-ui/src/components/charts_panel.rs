//! Every chart: candles and volume per leg, spread with ±k·std bands, z with
//! ±k lines, Kalman beta_t with the static betas, rolling correlation.

use spreadwatch_proto::PairPoint;
use yew::prelude::*;

use crate::charts::{specs, Chart, Precision, SyncGroup};
use crate::series::{Candle, Series};

/// Props.
#[derive(Properties, PartialEq)]
pub struct ChartsPanelProps {
    /// y then x symbols.
    pub labels: [String; 2],
    /// y then x candles.
    pub legs: [Series<Candle>; 2],
    /// Pair points.
    pub points: Series<PairPoint>,
    /// Threshold k.
    pub k: f64,
    /// Names the data set (see [`Chart`]'s `data`).
    pub data: AttrValue,
    /// An upload: shown whole, and its legs are closes only, drawn as lines
    /// (a candle of one price is a flat dash).
    pub upload: bool,
}

/// The "back to live" control, shown once the user scrolled back.
#[function_component]
fn BackToLive() -> Html {
    let group = use_context::<SyncGroup>().unwrap_or_default();
    let live = use_state(|| group.is_live());
    {
        let (group, live) = (group.clone(), live.clone());
        use_effect_with((), move |_| {
            group.on_view(Callback::from(move |l| live.set(l)))
        });
    }
    if *live {
        return html! {};
    }
    let onclick = Callback::from(move |_: MouseEvent| group.go_live());
    html! {
        <button class="sw-live" id="back-to-live" {onclick} title="Follow the newest bars again">
            { "⏵ Back to live" }
        </button>
    }
}

/// The charts.
#[function_component]
pub fn ChartsPanel(props: &ChartsPanelProps) -> Html {
    let closes = use_memo((), |_| specs::closes());
    let candles = use_memo((), |_| specs::candles());
    let spread = use_memo((), |_| specs::spread());
    let z = use_memo((), |_| specs::z());
    let beta = use_memo((), |_| specs::beta());
    let corr = use_memo((), |_| specs::corr());
    let k = props.k;
    let z_lines = vec![(k, "#ef5350"), (0.0, "#5c6b88"), (-k, "#66bb6a")];
    let [ly, lx] = &props.labels;
    let (data, whole) = (props.data.clone(), props.upload);
    let legs = if whole { closes } else { candles };
    let three = Precision::Fixed(3);
    html! {
        <div class="sw-charts-box">
            <BackToLive />
            <div class="sw-charts">
                <Chart<Candle> id="chart-y" title={format!("{ly} (y)")} series={props.legs[0].clone()} specs={legs.clone()} data={data.clone()} {whole} />
                <Chart<Candle> id="chart-x" title={format!("{lx} (x)")} series={props.legs[1].clone()} specs={legs} data={data.clone()} {whole} />
                <Chart<PairPoint> id="chart-spread" title="Spread, mean ± k·std" series={props.points.clone()} specs={spread} {k} data={data.clone()} {whole} />
                <Chart<PairPoint> id="chart-z" title="z-score" series={props.points.clone()} specs={z} {k} lines={z_lines} precision={three} data={data.clone()} {whole} />
                <Chart<PairPoint> id="chart-beta" title="Hedge ratio: Kalman β_t and static fits" series={props.points.clone()} specs={beta} {k} data={data.clone()} {whole} />
                <Chart<PairPoint> id="chart-corr" title="Rolling correlation" series={props.points.clone()} specs={corr} {k} precision={three} {data} {whole} />
            </div>
        </div>
    }
}
