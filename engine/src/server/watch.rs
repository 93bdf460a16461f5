//! A watched pair's row in a snapshot: its latest stats, newest alert and
//! a z sparkline of the last hour, thinned so 32 rows stay a small frame.

use spreadwatch_proto::msg::WATCH_SPARK_POINTS;
use spreadwatch_proto::{PairId, PairPoint, WatchView};

use crate::actors::PairSnapshot;
use crate::EngineHandle;

/// The span of data time a sparkline covers.
pub const SPARK_SPAN_MS: i64 = 3_600_000;

/// The rows of the watched pairs that still run, in the order given.
pub async fn watch_views(engine: &EngineHandle, watch: &[PairId]) -> Vec<WatchView> {
    let mut out = Vec::with_capacity(watch.len());
    for p in watch {
        if let Ok(s) = engine.pair_snapshot(p).await {
            out.push(view(s));
        }
    }
    out
}

fn view(s: PairSnapshot) -> WatchView {
    WatchView {
        spark: spark(&s.points, SPARK_SPAN_MS, WATCH_SPARK_POINTS),
        pair: s.pair,
        params: s.params,
        latest: s.latest,
        last_alert: s.alerts.last().cloned(),
    }
}

/// `[ts, z]` of the points within `span_ms` of the newest that have a z,
/// at most `max` of them: evenly spaced by index, the newest always kept.
pub fn spark(points: &[PairPoint], span_ms: i64, max: usize) -> Vec<(i64, f64)> {
    let Some(newest) = points.last().map(|p| p.ts) else {
        return Vec::new();
    };
    let from = points.partition_point(|p| p.ts < newest - span_ms);
    let z: Vec<(i64, f64)> = points[from..]
        .iter()
        .filter_map(|p| p.z.filter(|z| z.is_finite()).map(|z| (p.ts, z)))
        .collect();
    if z.len() <= max || max < 2 {
        return z.into_iter().rev().take(max.max(1)).rev().collect();
    }
    // Index i of max evenly spaced over 0..len, first and last included.
    let last = z.len() - 1;
    (0..max).map(|i| z[i * last / (max - 1)]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(ts: i64, z: Option<f64>) -> PairPoint {
        let json = serde_json::json!({"ts": ts, "x": 1.0, "y": 1.0, "kalman_beta": 1.0,
            "kalman_alpha": 0.0, "z": z});
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_sparkline_is_the_last_hour_thinned_with_the_newest_kept() {
        let pts: Vec<PairPoint> = (0..10_000)
            .map(|i| point(i * 1_000, (i % 7 != 0).then_some(i as f64)))
            .collect();
        let s = spark(&pts, SPARK_SPAN_MS, 240);
        assert_eq!(s.len(), 240);
        assert_eq!(s.last(), Some(&(9_999_000, 9_999.0)), "the newest");
        assert!(s[0].0 >= 9_999_000 - SPARK_SPAN_MS, "within the hour");
        assert!(s.windows(2).all(|w| w[0].0 < w[1].0), "in time order");
        let short = spark(&pts[..50], SPARK_SPAN_MS, 240);
        assert_eq!(short.len(), 50 - 8, "every point with a z");
        assert!(spark(&[], SPARK_SPAN_MS, 240).is_empty());
    }
}
