//! Builds the `snapshot` frame for a subscription.

use spreadwatch_proto::msg::PairView;
use spreadwatch_proto::{Interval, ServerBody, Subscription};

use super::hub::Hub;
use crate::EngineHandle;

/// Closed bars per symbol and interval in a snapshot.
pub const SNAPSHOT_BARS: usize = 2_000;

/// Closed bars in a whole snapshot: a subscription of many symbols gets
/// fewer per symbol, so one frame stays a few MB.
pub const SNAPSHOT_BAR_BUDGET: usize = 24_000;

/// The full state a subscription covers.
pub async fn build_snapshot(
    engine: EngineHandle,
    hub: Hub,
    sub: Subscription,
    resync: bool,
) -> ServerBody {
    let mut bars = Vec::new();
    let mut forming = Vec::new();
    let per = (SNAPSHOT_BAR_BUDGET / (sub.symbols.len() * Interval::ALL.len()).max(1))
        .clamp(1, SNAPSHOT_BARS);
    for s in &sub.symbols {
        for iv in Interval::ALL {
            if let Ok(b) = engine.last_bars(s, iv, per).await {
                bars.extend(b);
            }
        }
        forming.extend(engine.forming_bars(s).await.unwrap_or_default());
    }
    let pair = match &sub.pair {
        Some(p) => engine.pair_snapshot(p).await.ok().map(|s| PairView {
            pair: s.pair,
            params: s.params,
            latest: s.latest,
            points: s.points,
            alerts: s.alerts,
        }),
        None => None,
    };
    let watch = super::watch::watch_views(&engine, &sub.watch).await;
    let scan = sub
        .scan
        .then(|| engine.latest_scan())
        .flatten()
        .map(|s| Box::new((*s).clone()));
    ServerBody::Snapshot {
        resync,
        subscription: sub,
        symbols: engine.symbols(),
        pairs: engine.pairs(),
        bars,
        forming,
        pair,
        status: hub.status_report(&engine),
        scan,
        watch,
    }
}
