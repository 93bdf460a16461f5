//! The mini backtest on the charts' visible range: equity curve, trips, hit
//! rate, with costs in basis points.

use spreadwatch_proto::{Model, PairPoint};
use yew::prelude::*;

use super::number_field::NumberField;

use crate::backtest::{self, Outcome};
use crate::charts::{Chart, Datum, Look, Spec, SyncGroup};
use crate::series::{Row, Series};

/// Props.
#[derive(Properties)]
pub struct BacktestProps {
    /// Pair points.
    pub points: Series<PairPoint>,
    /// The model whose hedge ratio trades.
    pub model: Model,
    /// Entry threshold.
    pub k: f64,
    /// Cost per leg per side, bps.
    pub cost_bps: f64,
    /// The cost was changed.
    pub on_cost: Callback<f64>,
}

impl PartialEq for BacktestProps {
    fn eq(&self, o: &Self) -> bool {
        self.points == o.points
            && self.model == o.model
            && self.k == o.k
            && self.cost_bps == o.cost_bps
    }
}

/// One equity value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Equity {
    t: i64,
    v: f64,
}

impl Row for Equity {
    fn time(&self) -> i64 {
        self.t
    }
}

fn beta(p: &PairPoint, m: Model) -> Option<f64> {
    m.pick(
        p.ols_beta,
        p.huber_beta,
        p.theil_sen_beta,
        Some(p.kalman_beta),
    )
}

/// Runs the backtest on the points inside `range` (seconds), or all.
pub fn on_range(
    points: &[PairPoint],
    range: Option<(f64, f64)>,
    model: Model,
    k: f64,
    cost: f64,
) -> Outcome {
    let bars: Vec<backtest::Bar> = points
        .iter()
        .filter(|p| range.is_none_or(|(a, b)| (a..=b).contains(&(p.time() as f64))))
        .filter_map(|p| {
            Some(backtest::Bar {
                t: p.time(),
                y: p.y,
                x: p.x,
                beta: beta(p, model)?,
                z: p.z?,
            })
        })
        .collect();
    backtest::run(&bars, k, cost)
}

/// The panel.
#[function_component]
pub fn Backtest(props: &BacktestProps) -> Html {
    let group = use_context::<SyncGroup>().unwrap_or_default();
    let epoch = use_mut_ref(|| 0u64);
    let range = group.held();
    // New points re-run it at most once a second: a full equity redraw per
    // animation frame would cost more than everything else on the page.
    let second = (js_sys::Date::now() / 1000.0) as u64;
    let key = (
        second,
        props.points.epoch,
        range.map(|(a, b)| (a.to_bits(), b.to_bits())),
        props.model,
        props.k.to_bits(),
        props.cost_bps.to_bits(),
    );
    let (model, k, cost, rows) = (props.model, props.k, props.cost_bps, props.points.clone());
    let result = use_memo(key, move |_| {
        let out = on_range(&rows.rows(), range, model, k, cost);
        let mut s = Series::new(usize::MAX);
        s.reset(out.equity.iter().map(|&(t, v)| Equity { t, v }));
        *epoch.borrow_mut() += 1;
        s.epoch = *epoch.borrow();
        (out, s)
    });
    let specs = use_memo((), |_| {
        vec![Spec::<Equity> {
            label: "equity",
            look: Look::Line("#66bb6a", 2, false),
            value: |e, _| Some(Datum::Value(e.v)),
        }]
    });
    let on_cost = props.on_cost.clone();
    let on_commit = Callback::from(move |raw: String| match raw.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => {
            on_cost.emit(v);
            Ok(())
        }
        _ => Err(format!("{raw:?} is not a cost in basis points (0 or more)")),
    });
    let (out, series) = &*result;
    let hit = out
        .hit_rate
        .map(|h| format!("{:.0} %", h * 100.0))
        .unwrap_or_else(|| "—".into());
    html! {
        <section class="sw-panel" id="backtest">
            <h3>{ "Mean-reversion backtest (the held range, or all points while live)" }</h3>
            <div class="sw-row">
                <NumberField id="bt-cost" label="Cost bps/leg/side" value={props.cost_bps.to_string()} {on_commit} />
                <span id="bt-trips">{ format!("{} trips", out.trips.len()) }</span>
                <span id="bt-hit">{ format!("hit rate {hit}") }</span>
                <span id="bt-total">{ format!("P&L {:.4}", out.total) }</span>
            </div>
            <Chart<Equity> id="chart-equity" title="Equity (quote per unit of y)" series={series.clone()} specs={specs} />
        </section>
    }
}
