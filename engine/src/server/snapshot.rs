//! Builds the `snapshot` frame for a subscription.

use spreadwatch_proto::msg::PairView;
use spreadwatch_proto::{Interval, ServerBody, Subscription};

use super::hub::Hub;
use crate::EngineHandle;

/// Closed bars per symbol and interval in a snapshot.
pub const SNAPSHOT_BARS: usize = 2_000;

/// The full state a subscription covers.
pub async fn build_snapshot(
    engine: EngineHandle,
    hub: Hub,
    sub: Subscription,
    resync: bool,
) -> ServerBody {
    let mut bars = Vec::new();
    let mut forming = Vec::new();
    for s in &sub.symbols {
        for iv in Interval::ALL {
            if let Ok(mut b) = engine.bars(s, iv, i64::MIN, i64::MAX, false).await {
                let cut = b.len().saturating_sub(SNAPSHOT_BARS);
                bars.extend(b.drain(cut..));
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
    ServerBody::Snapshot {
        resync,
        subscription: sub,
        symbols: engine.symbols(),
        pairs: engine.pairs(),
        bars,
        forming,
        pair,
        status: hub.status_report(&engine),
    }
}
