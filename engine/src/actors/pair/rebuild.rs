//! Rebuilding a pair from its legs: after a change of parameters, a
//! revision of a bar already joined, or at start. The legs' bars (or ticks)
//! are fetched and the whole state is recomputed by the same code that
//! builds it live.

use std::collections::BTreeMap;

use actix::prelude::*;
use spreadwatch_proto::{Alert, PairParams, Sampling};

use super::{PairActor, ALERT_HISTORY, BAR_REBUILD, TICK_REBUILD};
use crate::actors::events::EngineEvent;
use crate::actors::symbol::messages::{GetLeg, LegHistory};
use crate::core::align::join_bars;

impl PairActor {
    pub(super) fn rebuild(&mut self, ctx: &mut Context<Self>) {
        self.dirty = false;
        self.generation += 1;
        let params = *self.state.params();
        let q = match params.interval {
            Sampling::Tick => GetLeg {
                interval: None,
                limit: TICK_REBUILD,
            },
            Sampling::Bar(iv) => GetLeg {
                interval: Some(iv),
                limit: BAR_REBUILD,
            },
        };
        let (fy, fx) = (self.y.send(q), self.x.send(q));
        let fut =
            async move { (fy.await, fx.await) }
                .into_actor(self)
                .map(move |(ry, rx), a, ctx| {
                    let (Ok(ly), Ok(lx)) = (ry, rx) else { return };
                    a.apply_rebuild(params, ly, lx);
                    a.request_heavy(ctx);
                });
        // Hold other messages until the rebuild is in, so no update is
        // applied to a half-built state.
        ctx.wait(fut);
    }

    fn apply_rebuild(&mut self, params: PairParams, ly: LegHistory, lx: LegHistory) {
        let points = match params.interval {
            Sampling::Tick => merge_ticks(&ly.points, &lx.points),
            Sampling::Bar(_) => self.rejoin(&ly, &lx, i64::MIN),
        };
        self.last = [ly.last, lx.last];
        self.rebuilt_through = [ly.newest_id, lx.newest_id];
        let found = self.state.rebuild(&points);
        let pair = self.pair().clone();
        self.alerts = found
            .into_iter()
            .map(|(ts, z, side)| Alert {
                pair: pair.clone(),
                ts,
                z,
                side,
                threshold: params.z_threshold,
            })
            .collect();
        while self.alerts.len() > ALERT_HISTORY {
            self.alerts.pop_front();
        }
        self.check_stale();
        self.publish(EngineEvent::PairReset(pair));
    }

    /// Restarts the bar join from the legs' bars: buckets both legs have
    /// closed are decided, later closed bars wait in the aligner. Returns
    /// the decided points `(start, x, y)` from `from` on, in time order.
    pub(super) fn rejoin(
        &mut self,
        ly: &LegHistory,
        lx: &LegHistory,
        from: i64,
    ) -> Vec<(i64, f64, f64)> {
        let ready = ly.cut.min(lx.cut);
        let mut pending: BTreeMap<i64, (Option<f64>, Option<f64>)> = BTreeMap::new();
        for (t, v) in ly.points.iter().filter(|(t, _)| *t >= ready) {
            pending.entry(*t).or_default().0 = Some(*v);
        }
        for (t, v) in lx.points.iter().filter(|(t, _)| *t >= ready) {
            pending.entry(*t).or_default().1 = Some(*v);
        }
        self.aligner.restore(ready, ly.cut, lx.cut, pending);
        let mut points = join_bars(&ly.points, &lx.points, ready);
        points.retain(|p| p.0 >= from);
        points
    }
}

/// Samples the last trade of both legs on every trade, in time order.
fn merge_ticks(y: &[(i64, f64)], x: &[(i64, f64)]) -> Vec<(i64, f64, f64)> {
    let (mut i, mut j) = (0, 0);
    let (mut ly, mut lx) = (None, None);
    let mut out = Vec::with_capacity(y.len() + x.len());
    while i < y.len() || j < x.len() {
        let take_y = j >= x.len() || (i < y.len() && y[i].0 <= x[j].0);
        let t = if take_y {
            ly = Some(y[i].1);
            i += 1;
            y[i - 1].0
        } else {
            lx = Some(x[j].1);
            j += 1;
            x[j - 1].0
        };
        if let (Some(yv), Some(xv)) = (ly, lx) {
            out.push((t, xv, yv));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_merge_samples_last_of_both() {
        let y = [(1, 10.0), (3, 11.0)];
        let x = [(2, 100.0), (3, 101.0), (4, 102.0)];
        assert_eq!(
            merge_ticks(&y, &x),
            vec![
                (2, 100.0, 10.0),
                (3, 100.0, 11.0),
                (3, 101.0, 11.0),
                (4, 102.0, 11.0)
            ]
        );
    }
}
