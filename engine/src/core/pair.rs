//! The live state of one pair: a pure state machine the pair actor drives.
//!
//! Committed points (aligned bar closes, or trades in tick mode) update the
//! incremental estimators; provisional points (forming values, every tick)
//! are evaluated with `peek` and leave no trace. The spread of the last
//! `window` points is recomputed with the current hedge on every update, so
//! the z-score equals what pandas gives for the same hedge; that costs
//! O(window) and keeps the numbers exact.
//!
//! The slow estimators (Huber, Theil-Sen, ADF, Engle-Granger, half-life)
//! are computed by [`compute_heavy`](super::heavy::compute_heavy) from a [`HeavyInput`] on another thread
//! and handed back with [`PairState::set_heavy`].

use std::collections::{HashMap, VecDeque};

use spreadwatch_proto::{Hedge, Model, PairId, PairParams, PairPoint, PairStats, Side};

use super::alert::AlertDetector;
use super::heavy::{HeavyInput, HeavyResult};
use super::kalman_hedge::KalmanHedge;
use super::ols::{LinearFit, RollingOls};
use super::window_stats::{corr, zstats};

#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
struct Pt {
    ts: i64,
    x: f64,
    y: f64,
    kb: f64,
    ka: f64,
}

/// Window statistics of one evaluation: all `None` until the window fills.
#[derive(Debug, Default, Clone, Copy)]
struct Rolling {
    mean: Option<f64>,
    sd: Option<f64>,
    z: Option<f64>,
    corr: Option<f64>,
}

impl From<LinearFit> for Hedge {
    fn from(f: LinearFit) -> Self {
        Hedge {
            beta: f.beta,
            alpha: f.alpha,
        }
    }
}

/// An OLS fit as the hedge it implies and its r².
fn hedge_r2(f: LinearFit) -> (Hedge, f64) {
    (f.into(), f.r2)
}

/// The state of one pair.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PairState {
    pair: PairId,
    params: PairParams,
    points: VecDeque<Pt>,
    keep: usize,
    ols: RollingOls,
    kalman: KalmanHedge,
    detector: AlertDetector,
    heavy: HeavyResult,
    chart: VecDeque<PairPoint>,
    chart_len: usize,
    n: u64,
    stale: Option<String>,
}

impl PairState {
    /// Creates an empty state; `chart_len` points are kept for charts.
    pub fn new(pair: PairId, params: PairParams, chart_len: usize) -> Self {
        PairState {
            keep: params.lookback.max(params.window),
            ols: RollingOls::new(params.lookback),
            kalman: KalmanHedge::new(params.kalman_delta, params.kalman_r),
            detector: AlertDetector::new(params.z_threshold, params.hysteresis),
            pair,
            params,
            points: VecDeque::new(),
            heavy: HeavyResult::default(),
            chart: VecDeque::new(),
            chart_len: chart_len.max(1),
            n: 0,
            stale: None,
        }
    }

    /// Checks what a restored state must hold before it is used: valid
    /// parameters, and windows and buffers no longer than those parameters
    /// make them. A damaged snapshot that still decodes is refused here
    /// rather than misbehaving later.
    pub fn check(&self) -> Result<(), String> {
        let p = &self.params;
        p.validate()?;
        let fail = |what: &str| Err(format!("saved pair state: {what}"));
        if self.keep != p.lookback.max(p.window) || self.points.len() > self.keep {
            return fail("point window does not match the parameters");
        }
        if self.ols.window() != p.lookback || self.ols.len() > self.ols.window() {
            return fail("OLS window does not match the lookback");
        }
        if self.chart_len == 0 || self.chart.len() > self.chart_len {
            return fail("chart longer than its limit");
        }
        if self.n < self.points.len() as u64 {
            return fail("fewer points counted than held");
        }
        Ok(())
    }

    /// The parameters.
    pub fn params(&self) -> &PairParams {
        &self.params
    }

    /// The pair.
    pub fn pair(&self) -> &PairId {
        &self.pair
    }

    /// Committed points so far.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// True once a point is committed.
    pub fn initialized(&self) -> bool {
        self.n > 0
    }

    /// Marks the pair stale (alerts held back) or fresh.
    pub fn set_stale(&mut self, reason: Option<String>) {
        self.stale = reason;
    }

    /// The hedge of the selected static model, if known.
    fn static_hedge(&self, ols: Option<Hedge>) -> Option<Hedge> {
        self.params
            .model
            .static_hedge(ols, self.heavy.huber, self.heavy.theil_sen)
    }

    fn spread_of(&self, p: &Pt, h: Option<Hedge>) -> Option<f64> {
        match self.params.model {
            Model::Kalman => Some(p.y - p.kb * p.x - p.ka),
            _ => h.map(|h| p.y - h.beta * p.x - h.alpha),
        }
    }

    /// The spread's mean, deviation and z, and the legs' correlation, over
    /// the window ending at `newest`: the newest point plus the w-1 before
    /// it (committed points when `newest` is the last committed one, or the
    /// last w-1 plus `newest`). Iterated in place (twice) rather than
    /// collected: no allocation on the per-tick path.
    fn rolling(&self, newest: &Pt, hedge: Option<Hedge>, provisional: bool) -> Rolling {
        let w = self.params.window;
        let skip_last = usize::from(!provisional);
        let window = self
            .points
            .iter()
            .rev()
            .skip(skip_last)
            .take(w - 1)
            .chain(std::iter::once(newest));
        let full = self.points.len().saturating_sub(skip_last).min(w - 1) + 1 == w;
        if !full {
            return Rolling::default();
        }
        let (mean, sd, z) = match self.spread_of(newest, hedge) {
            Some(s) => {
                let vals = window.clone().filter_map(|p| self.spread_of(p, hedge));
                if vals.clone().count() == w {
                    zstats(vals, s)
                } else {
                    (None, None, None)
                }
            }
            None => (None, None, None),
        };
        let corr = corr(window.map(|p| (p.x, p.y)));
        Rolling { mean, sd, z, corr }
    }

    fn evaluate(&self, newest: Pt, ols: Option<(Hedge, f64)>, provisional: bool) -> PairStats {
        let hedge = self.static_hedge(ols.map(|o| o.0));
        let spread = self.spread_of(&newest, hedge);
        let Rolling { mean, sd, z, corr } = self.rolling(&newest, hedge, provisional);
        let kalman = Hedge {
            beta: newest.kb,
            alpha: newest.ka,
        };
        PairStats {
            pair: self.pair.clone(),
            ts: newest.ts,
            provisional,
            x: newest.x,
            y: newest.y,
            model: self.params.model,
            hedge: if self.params.model == Model::Kalman {
                Some(kalman)
            } else {
                hedge
            },
            ols: ols.map(|o| o.0),
            r2: ols.map(|o| o.1),
            huber: self.heavy.huber,
            theil_sen: self.heavy.theil_sen,
            kalman: Some(kalman),
            spread,
            z,
            spread_mean: mean,
            spread_std: sd,
            corr,
            adf: self.heavy.adf,
            coint: self.heavy.coint,
            half_life: self.heavy.half_life,
            n: self.n,
            stale: self.stale.is_some(),
            stale_reason: self.stale.clone(),
        }
    }

    /// Commits a point; returns its stats, its chart point and an alert side
    /// if |z| crossed the threshold (never while stale).
    pub fn commit(&mut self, ts: i64, x: f64, y: f64) -> (PairStats, PairPoint, Option<Side>) {
        let fit = self.ols.update(x, y).map(hedge_r2);
        let k = self.kalman.update(x, y);
        let p = Pt {
            ts,
            x,
            y,
            kb: k.beta,
            ka: k.alpha,
        };
        self.points.push_back(p);
        while self.points.len() > self.keep {
            self.points.pop_front();
        }
        self.n += 1;
        let stats = self.evaluate(p, fit, false);
        let side = self.detector.update(stats.z);
        let side = if self.stale.is_some() { None } else { side };
        let point = PairPoint {
            ts,
            x,
            y,
            ols_beta: stats.ols.map(|h| h.beta),
            ols_alpha: stats.ols.map(|h| h.alpha),
            huber_beta: self.heavy.huber.map(|h| h.beta),
            theil_sen_beta: self.heavy.theil_sen.map(|h| h.beta),
            kalman_beta: k.beta,
            kalman_alpha: k.alpha,
            spread: stats.spread,
            spread_mean: stats.spread_mean,
            spread_std: stats.spread_std,
            z: stats.z,
            corr: stats.corr,
            alert: side,
        };
        self.chart.push_back(point);
        while self.chart.len() > self.chart_len {
            self.chart.pop_front();
        }
        (stats, point, side)
    }

    /// Evaluates a provisional point (forming values) without changing state.
    pub fn provisional(&self, ts: i64, x: f64, y: f64) -> PairStats {
        let fit = self.ols.peek(x, y).map(hedge_r2);
        let k = self.kalman.peek(x, y);
        self.evaluate(
            Pt {
                ts,
                x,
                y,
                kb: k.beta,
                ka: k.alpha,
            },
            fit,
            true,
        )
    }

    /// Replaces the whole state by committing `points` afresh (after a
    /// parameter change or a revised bar); returns the alerts it found.
    ///
    /// The robust fits (Huber, Theil-Sen) are only computed now and then, on
    /// another thread, so they cannot be recomputed for the past here: a
    /// point that was charted before keeps the values it had, and one that
    /// was not has none (rather than today's fit drawn as a flat history).
    /// The newest point takes the current fits.
    pub fn rebuild(&mut self, points: &[(i64, f64, f64)]) -> Vec<(i64, f64, Side)> {
        let heavy = self.heavy;
        let robust = self.robust_history();
        *self = PairState::new(self.pair.clone(), self.params, self.chart_len);
        self.heavy = heavy;
        let mut alerts = Vec::new();
        for &(ts, x, y) in points {
            let (s, _, side) = self.commit(ts, x, y);
            if let (Some(side), Some(z)) = (side, s.z) {
                alerts.push((ts, z, side));
            }
        }
        let newest = self.chart.len().saturating_sub(1);
        for p in self.chart.iter_mut().take(newest) {
            (p.huber_beta, p.theil_sen_beta) = robust.get(&p.ts).copied().unwrap_or_default();
        }
        alerts
    }

    /// The robust betas charted so far, by point time.
    fn robust_history(&self) -> HashMap<i64, (Option<f64>, Option<f64>)> {
        self.chart
            .iter()
            .map(|p| (p.ts, (p.huber_beta, p.theil_sen_beta)))
            .collect()
    }

    /// Changes the parameters; the caller then rebuilds from the bars.
    pub fn set_params(&mut self, params: PairParams) {
        self.params = params;
    }

    /// The input of the slow estimators: the last `lookback` points.
    pub fn heavy_input(&self) -> HeavyInput {
        let start = self.points.len().saturating_sub(self.params.lookback);
        let pts = self.points.range(start..);
        HeavyInput {
            x: pts.clone().map(|p| p.x).collect(),
            y: pts.clone().map(|p| p.y).collect(),
            kalman_spread: pts.map(|p| p.y - p.kb * p.x - p.ka).collect(),
            model: self.params.model,
            ols: self.ols.fit().map(Hedge::from),
        }
    }

    /// Installs results of [`compute_heavy`](super::heavy::compute_heavy).
    pub fn set_heavy(&mut self, h: HeavyResult) {
        self.heavy = h;
    }

    /// The latest slow-estimator results.
    pub fn heavy(&self) -> &HeavyResult {
        &self.heavy
    }

    /// Stats of the newest committed point, if any.
    pub fn latest(&self) -> Option<PairStats> {
        let p = *self.points.back()?;
        let fit = self.ols.fit().map(hedge_r2);
        Some(self.evaluate(p, fit, false))
    }

    /// Chart points, oldest first.
    pub fn chart(&self) -> impl DoubleEndedIterator<Item = &PairPoint> + ExactSizeIterator {
        self.chart.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> PairState {
        let mut s = PairState::new(
            "ETHUSDT/BTCUSDT".parse().unwrap(),
            PairParams::default(),
            50,
        );
        for i in 0..10 {
            let x = 100.0 + f64::from(i);
            s.commit(i64::from(i) * 1000, x, 0.5 * x + 1.0);
        }
        s
    }

    #[test]
    fn a_rebuild_keeps_the_robust_fits_charted_before() {
        let mut s = state();
        let fit = |beta| Some(Hedge { beta, alpha: 0.0 });
        s.set_heavy(HeavyResult {
            huber: fit(0.4),
            theil_sen: fit(0.45),
            ..HeavyResult::default()
        });
        for i in 10..20 {
            let x = 100.0 + f64::from(i);
            s.commit(i64::from(i) * 1000, x, 0.5 * x + 1.0);
        }
        s.set_heavy(HeavyResult {
            huber: fit(0.9),
            theil_sen: fit(0.95),
            ..HeavyResult::default()
        });
        let pts: Vec<(i64, f64, f64)> = s.chart().map(|p| (p.ts, p.x, p.y)).collect();
        s.set_params(PairParams {
            model: Model::Huber,
            ..*s.params()
        });
        s.rebuild(&pts);
        let chart: Vec<&PairPoint> = s.chart().collect();
        assert_eq!(chart.len(), 20);
        assert!(chart[..10].iter().all(|p| p.huber_beta.is_none()));
        assert!(chart[10..19].iter().all(|p| p.huber_beta == Some(0.4)));
        assert!(chart[10..19].iter().all(|p| p.theil_sen_beta == Some(0.45)));
        assert_eq!(
            chart[19].huber_beta,
            Some(0.9),
            "the newest takes today's fit"
        );
        assert_eq!(chart[19].theil_sen_beta, Some(0.95));
    }

    #[test]
    fn check_refuses_what_a_damaged_snapshot_could_hold() {
        assert!(state().check().is_ok());
        let broken: [fn(&mut PairState); 5] = [
            |s| s.keep = 5,
            |s| s.chart_len = 0,
            |s| s.n = 0,
            |s| s.ols = RollingOls::new(7),
            |s| s.params.window = 1,
        ];
        for (i, f) in broken.iter().enumerate() {
            let mut s = state();
            f(&mut s);
            assert!(s.check().is_err(), "case {i} passed");
        }
    }
}
