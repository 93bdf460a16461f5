//! A shard started with `--pairs scan:N`: its pairs are its share (by
//! rendezvous hashing) of the top N of the market ranking an ingest
//! instance publishes on `spreadwatch.updates.scan`. Every shard reads the
//! same ranking from the broker, so together they run each of the top N
//! exactly once; each ranking (every scan, on the 1 m close in data time)
//! starts the pairs that came in and stops those that fell out.

use futures_util::StreamExt;
use spreadwatch_proto::scan::LiveScan;
use spreadwatch_proto::{PairId, PairParams, ServerBody};
use tokio_util::sync::CancellationToken;

use super::broker::net;
use super::shard::{owner, ShardSpec};
use crate::error::Result;
use crate::status::StatusBoard;
use crate::EngineHandle;

/// Where the market ranking is published.
pub const SCANS: &str = "spreadwatch.updates.scan";

/// Of the ranking's top `n`, the pairs shard `spec` owns, in rank order.
pub fn top_owned(scan: &LiveScan, n: usize, spec: ShardSpec) -> Vec<PairId> {
    scan.report
        .results
        .iter()
        .take(n)
        .map(|r| PairId {
            y: r.y.clone(),
            x: r.x.clone(),
        })
        .filter(|p| owner(p, spec.count) == spec.index)
        .collect()
}

/// Follows the rankings on the broker until `stop`.
pub async fn run(
    client: async_nats::Client,
    engine: EngineHandle,
    (spec, n, params): (ShardSpec, usize, PairParams),
    status: StatusBoard,
    stop: CancellationToken,
) -> Result<()> {
    let mut sub = client.subscribe(SCANS).await.map_err(net)?;
    loop {
        let m = tokio::select! {
            _ = stop.cancelled() => return Ok(()),
            m = sub.next() => m,
        };
        let Some(m) = m else { return Ok(()) };
        let Ok(ServerBody::Scan { scan }) = serde_json::from_slice(&m.payload) else {
            continue;
        };
        let want = top_owned(&scan, n, spec);
        reconcile(&engine, &want, params);
        status.with_cluster(|c| {
            if let Some(s) = c.shard.as_mut() {
                s.owned = want.iter().map(ToString::to_string).collect();
                s.configured = n as u32;
            }
        });
    }
}

/// Starts the pairs of `want` not running and stops the others.
fn reconcile(engine: &EngineHandle, want: &[PairId], params: PairParams) {
    let have = engine.pairs();
    for p in have.iter().filter(|p| !want.contains(p)) {
        engine.remove_pair(p);
        tracing::info!(pair = %p, "left the ranking's top: stopped");
    }
    for p in want.iter().filter(|p| !have.contains(p)) {
        match engine.add_pair(p, params) {
            Ok(()) => tracing::info!(pair = %p, "in the ranking's top: started"),
            Err(e) => tracing::warn!(pair = %p, "cannot start: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spreadwatch_proto::scan::{ScanCoint, ScanParams, ScanReport, ScanResult};

    fn ranking(pairs: &[&str]) -> LiveScan {
        let results = pairs
            .iter()
            .map(|p| {
                let p: PairId = p.parse().unwrap();
                ScanResult {
                    y: p.y,
                    x: p.x,
                    corr: 0.9,
                    coint: ScanCoint {
                        stat: Some(-4.0),
                        pvalue: 0.01,
                    },
                    beta: 1.0,
                    alpha: 0.0,
                    half_life: Some(5.0),
                    z: Some(0.0),
                    n: 100,
                }
            })
            .collect();
        LiveScan {
            time_ms: 0,
            params: ScanParams::default(),
            report: ScanReport {
                symbols: 4,
                pairs_screened: pairs.len(),
                candidates: pairs.len(),
                elapsed_ms: 1,
                results,
            },
        }
    }

    #[test]
    fn the_shards_split_the_top_n_between_them_exactly_once() {
        let top = [
            "A1USDT/B1USDT",
            "A2USDT/B2USDT",
            "A3USDT/B3USDT",
            "A4USDT/B4USDT",
            "A5USDT/B5USDT",
        ];
        let scan = ranking(&top);
        let mut all: Vec<PairId> = (1..=3)
            .flat_map(|i| top_owned(&scan, 4, ShardSpec { index: i, count: 3 }))
            .collect();
        all.sort();
        let mut want: Vec<PairId> = top[..4].iter().map(|p| p.parse().unwrap()).collect();
        want.sort();
        assert_eq!(all, want, "the top 4, each once, the fifth nowhere");
    }
}
