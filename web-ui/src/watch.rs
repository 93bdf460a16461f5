//! The watchlist's rows: each watched pair's latest stats, its z over the
//! last hour (thinned to one point per [`SPARK_STEP_MS`]) and its alerts,
//! from the snapshot and then from every `pair` and `alert` frame.

use std::collections::VecDeque;
use std::rc::Rc;

use spreadwatch_proto::{Alert, PairId, PairParams, PairStats, WatchView};

/// The sparkline's span of data time.
pub const SPARK_SPAN_MS: i64 = 3_600_000;
/// One sparkline point per this much data time: the newest replaces the
/// last while they are closer.
pub const SPARK_STEP_MS: i64 = 15_000;

/// One watched pair.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchRow {
    /// The pair.
    pub pair: PairId,
    /// True once a snapshot brought its row.
    pub running: bool,
    /// True when the last snapshot left it out: the engine cannot run it
    /// (a leg not tracked, or 32 pairs running).
    pub refused: bool,
    /// Its parameters, once known (the threshold colours its z).
    pub params: Option<PairParams>,
    /// The newest stats, provisional ones included.
    pub latest: Option<PairStats>,
    /// `(time ms, z)`, oldest first.
    pub spark: Rc<VecDeque<(i64, f64)>>,
    /// Alerts seen since the page loaded (the badge flashes on each new one).
    pub alerts: u64,
    /// The newest alert.
    pub last_alert: Option<Alert>,
}

impl WatchRow {
    /// A row waiting for its first snapshot.
    pub fn waiting(pair: PairId) -> Self {
        WatchRow {
            pair,
            running: false,
            refused: false,
            params: None,
            latest: None,
            spark: Rc::default(),
            alerts: 0,
            last_alert: None,
        }
    }

    /// A row from a snapshot, keeping the alert count it had.
    pub fn from_view(v: WatchView, alerts: u64) -> Self {
        let mut row = WatchRow {
            pair: v.pair,
            running: true,
            refused: false,
            params: Some(v.params),
            latest: v.latest,
            spark: Rc::new(VecDeque::with_capacity(v.spark.len())),
            alerts,
            last_alert: v.last_alert,
        };
        for (t, z) in v.spark {
            row.push(t, z);
        }
        row
    }

    /// A `pair` frame: the newest stats, and a committed z on the line.
    pub fn stats(&mut self, s: PairStats) {
        if let (false, Some(z)) = (s.provisional, s.z.filter(|z| z.is_finite())) {
            self.push(s.ts, z);
        }
        self.latest = Some(s);
    }

    /// Its alert threshold (the engine's default until known).
    pub fn k(&self) -> f64 {
        self.params
            .map_or(PairParams::default().z_threshold, |p| p.z_threshold)
    }

    /// A `params` frame: the pair rebuilt its history. A change to how z
    /// is made (anything but the threshold and hysteresis) starts the line
    /// anew, so it never joins two definitions of z.
    pub fn set_params(&mut self, p: PairParams) {
        let same_z = self.params.is_some_and(|old| {
            PairParams {
                z_threshold: p.z_threshold,
                hysteresis: p.hysteresis,
                ..old
            } == p
        });
        if !same_z {
            self.spark = Rc::default();
        }
        self.params = Some(p);
    }

    /// An `alert` frame.
    pub fn alert(&mut self, a: Alert) {
        if self.last_alert.as_ref() != Some(&a) {
            self.alerts += 1;
            self.last_alert = Some(a);
        }
    }

    /// z now: the newest stats', or the line's last.
    pub fn z(&self) -> Option<f64> {
        self.latest
            .as_ref()
            .and_then(|s| s.z)
            .or_else(|| self.spark.back().map(|p| p.1))
    }

    fn push(&mut self, t: i64, z: f64) {
        let spark = Rc::make_mut(&mut self.spark);
        match spark.back() {
            Some(&(last, _)) if t < last => return,
            // The newest point moves until it is a whole step past the one
            // before it; then it stays and the next one moves.
            Some(&(last, _))
                if spark.len() > 1 && last - spark[spark.len() - 2].0 < SPARK_STEP_MS =>
            {
                spark.pop_back();
            }
            _ => {}
        }
        spark.push_back((t, z));
        while spark.front().is_some_and(|&(f, _)| f < t - SPARK_SPAN_MS) {
            spark.pop_front();
        }
    }
}

/// The rows for `watch`, in its order: a row the snapshot has is replaced
/// by it, one it lacks is kept waiting (not running).
pub fn rows_from(watch: &[PairId], views: Vec<WatchView>, old: &[WatchRow]) -> Vec<WatchRow> {
    let mut views = views;
    watch
        .iter()
        .map(|p| {
            let alerts = old.iter().find(|r| &r.pair == p).map_or(0, |r| r.alerts);
            match views.iter().position(|v| &v.pair == p) {
                Some(i) => WatchRow::from_view(views.swap_remove(i), alerts),
                None => WatchRow {
                    alerts,
                    refused: true,
                    ..WatchRow::waiting(p.clone())
                },
            }
        })
        .collect()
}

/// The rows for a changed list: rows of pairs still listed are kept as
/// they are, new ones wait for the snapshot that follows.
pub fn relisted(watch: &[PairId], old: &[WatchRow]) -> Vec<WatchRow> {
    watch
        .iter()
        .map(|p| {
            old.iter()
                .find(|r| &r.pair == p)
                .cloned()
                .unwrap_or_else(|| WatchRow::waiting(p.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(ts: i64, z: f64, provisional: bool) -> PairStats {
        let json = serde_json::json!({"pair": "AUSDT/BUSDT", "ts": ts, "provisional": provisional,
            "x": 1.0, "y": 1.0, "model": "ols", "z": z, "n": 1, "stale": false});
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn the_line_keeps_an_hour_one_point_a_step_and_the_newest() {
        let mut r = WatchRow::waiting("AUSDT/BUSDT".parse().unwrap());
        for i in 0..7_200 {
            r.stats(stats(i * 1_000, i as f64, false));
        }
        r.stats(stats(7_200_000, 99.0, true));
        assert_eq!(
            r.spark.back(),
            Some(&(7_199_000, 7_199.0)),
            "committed only"
        );
        assert_eq!(r.z(), Some(99.0), "z now is the newest, provisional too");
        let span = r.spark.back().unwrap().0 - r.spark.front().unwrap().0;
        assert!(span <= SPARK_SPAN_MS, "{span}");
        let n = r.spark.len() as i64;
        assert!(
            (SPARK_SPAN_MS / SPARK_STEP_MS..=SPARK_SPAN_MS / SPARK_STEP_MS + 2).contains(&n),
            "{n}"
        );
        assert!(r
            .spark
            .iter()
            .zip(r.spark.iter().skip(1))
            .all(|(a, b)| a.0 < b.0));
    }

    #[test]
    fn a_new_threshold_keeps_the_line_and_a_new_window_restarts_it() {
        let mut r = WatchRow::waiting("AUSDT/BUSDT".parse().unwrap());
        r.set_params(PairParams::default());
        r.stats(stats(1_000, 0.5, false));
        let k = PairParams {
            z_threshold: 1.5,
            ..PairParams::default()
        };
        r.set_params(k);
        assert_eq!((r.spark.len(), r.k()), (1, 1.5));
        r.set_params(PairParams { window: 30, ..k });
        assert!(r.spark.is_empty(), "z is made another way now");
    }

    #[test]
    fn rows_follow_the_list_and_keep_their_alert_counts() {
        let a: PairId = "AUSDT/BUSDT".parse().unwrap();
        let c: PairId = "CUSDT/DUSDT".parse().unwrap();
        let mut old = WatchRow::waiting(a.clone());
        let alert: Alert = serde_json::from_value(serde_json::json!({"pair": "AUSDT/BUSDT",
            "ts": 5, "z": 2.5, "side": "above", "threshold": 2.0}))
        .unwrap();
        old.alert(alert.clone());
        old.alert(alert);
        assert_eq!(old.alerts, 1, "a repeat is not new");
        let view = WatchView {
            pair: a.clone(),
            params: PairParams::default(),
            latest: None,
            spark: vec![(1_000, 0.5), (20_000, 0.7)],
            last_alert: None,
        };
        let rows = rows_from(&[c.clone(), a.clone()], vec![view], &[old]);
        assert_eq!(
            (rows[0].pair.clone(), rows[0].running, rows[0].refused),
            (c, false, true)
        );
        assert_eq!(
            (rows[1].running, rows[1].alerts, rows[1].z()),
            (true, 1, Some(0.7))
        );
    }
}
