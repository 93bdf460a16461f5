//! A mini mean-reversion backtest on the visible points: short the spread
//! when z > k, long when z < −k, flat again when z crosses 0. The hedge
//! ratio is fixed at entry; each entry and exit pays `cost_bps` on both legs'
//! notional. Pure, so it is unit-tested natively.

/// One input row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// Seconds.
    pub t: i64,
    /// y price.
    pub y: f64,
    /// x price.
    pub x: f64,
    /// Hedge ratio in force.
    pub beta: f64,
    /// z-score.
    pub z: f64,
}

/// One round trip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trip {
    /// Entry time.
    pub entry_t: i64,
    /// Exit time.
    pub exit_t: i64,
    /// +1 long spread, −1 short.
    pub side: i8,
    /// Profit after costs, in quote currency per unit of y.
    pub pnl: f64,
}

/// The result.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    /// Equity after each bar (closed plus open profit), quote per unit of y.
    pub equity: Vec<(i64, f64)>,
    /// Closed round trips.
    pub trips: Vec<Trip>,
    /// Share of closed trips with pnl > 0.
    pub hit_rate: Option<f64>,
    /// Final equity.
    pub total: f64,
}

struct Open {
    side: i8,
    t: i64,
    y: f64,
    x: f64,
    beta: f64,
    cost: f64,
}

impl Open {
    fn value(&self, y: f64, x: f64) -> f64 {
        f64::from(self.side) * ((y - self.y) - self.beta * (x - self.x))
    }
}

/// Runs the backtest.
pub fn run(bars: &[Bar], k: f64, cost_bps: f64) -> Outcome {
    let fee = |b: &Bar, beta: f64| cost_bps / 1e4 * (b.y.abs() + (beta * b.x).abs());
    let mut out = Outcome::default();
    let mut closed = 0.0;
    let mut open: Option<Open> = None;
    for b in bars
        .iter()
        .filter(|b| b.z.is_finite() && b.beta.is_finite())
    {
        if let Some(o) = &open {
            let exit = (o.side < 0 && b.z <= 0.0) || (o.side > 0 && b.z >= 0.0);
            if exit {
                let pnl = o.value(b.y, b.x) - o.cost - fee(b, o.beta);
                closed += pnl;
                out.trips.push(Trip {
                    entry_t: o.t,
                    exit_t: b.t,
                    side: o.side,
                    pnl,
                });
                open = None;
            }
        }
        if open.is_none() && b.z.abs() > k {
            let side = if b.z > k { -1 } else { 1 };
            open = Some(Open {
                side,
                t: b.t,
                y: b.y,
                x: b.x,
                beta: b.beta,
                cost: fee(b, b.beta),
            });
        }
        let marked = open.as_ref().map_or(0.0, |o| o.value(b.y, b.x) - o.cost);
        out.equity.push((b.t, closed + marked));
    }
    if !out.trips.is_empty() {
        let wins = out.trips.iter().filter(|t| t.pnl > 0.0).count();
        out.hit_rate = Some(wins as f64 / out.trips.len() as f64);
    }
    out.total = out.equity.last().map_or(0.0, |e| e.1);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(t: i64, y: f64, z: f64) -> Bar {
        Bar {
            t,
            y,
            x: 10.0,
            beta: 1.0,
            z,
        }
    }

    #[test]
    fn shorts_above_k_and_exits_at_zero() {
        let bars = [
            bar(0, 100.0, 0.5),
            bar(1, 104.0, 2.5),
            bar(2, 103.0, 1.0),
            bar(3, 101.0, -0.1),
        ];
        let o = run(&bars, 2.0, 0.0);
        assert_eq!(o.trips.len(), 1);
        assert_eq!(o.trips[0].side, -1);
        assert_eq!(o.trips[0].pnl, 3.0);
        assert_eq!(
            o.equity.iter().map(|e| e.1).collect::<Vec<_>>(),
            [0.0, 0.0, 1.0, 3.0]
        );
        assert_eq!(o.hit_rate, Some(1.0));
    }

    #[test]
    fn costs_are_paid_on_both_legs_at_entry_and_exit() {
        let bars = [bar(0, 100.0, -3.0), bar(1, 100.0, 0.0)];
        let o = run(&bars, 2.0, 10.0);
        // 10 bps of (100 + 10) twice.
        assert!((o.trips[0].pnl + 0.22).abs() < 1e-12);
        assert_eq!(o.hit_rate, Some(0.0));
    }

    #[test]
    fn an_open_trade_is_marked_but_not_counted() {
        let o = run(&[bar(0, 100.0, 3.0), bar(1, 98.0, 2.0)], 2.0, 0.0);
        assert!(o.trips.is_empty());
        assert_eq!(o.hit_rate, None);
        assert_eq!(o.total, 2.0);
    }

    #[test]
    fn nothing_to_do_gives_a_flat_curve() {
        let o = run(&[bar(0, 1.0, f64::NAN), bar(1, 1.0, 0.3)], 2.0, 1.0);
        assert_eq!(o.equity, vec![(1, 0.0)]);
    }
}
