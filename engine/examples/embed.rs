//! Embeds the engine in a plain tokio program: replay a small recorded file,
//! subscribe to updates, print the hedge ratio and z-score for 2 s, shut down.
//!
//! `cargo run -p spreadwatch-engine --example embed`

use std::time::{Duration, Instant};

use spreadwatch_engine::actors::EngineEvent;
use spreadwatch_engine::sources::replay::Speed;
use spreadwatch_engine::Engine;
use spreadwatch_proto::PairParams;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // SW_FEED lets a copy of this file run from another project.
    let feed = std::env::var("SW_FEED").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/golden/feed_aggtrade.jsonl"
        )
        .into()
    });
    let engine = Engine::builder()
        .replay(feed, Speed::Times(100.0))
        .pair("ETHUSDT/BTCUSDT".parse()?)
        .params(PairParams {
            window: 30,
            ..PairParams::default()
        })
        .start()?;
    let mut updates = engine.subscribe();
    let (end, mut printed, mut last) = (Instant::now() + Duration::from_secs(2), 0, Instant::now());
    while let Ok(Ok(u)) = tokio::time::timeout(
        end.saturating_duration_since(Instant::now()),
        updates.recv(),
    )
    .await
    {
        if let EngineEvent::Pair(stats, Some(_)) = u.event {
            // Committed points only, at most ten lines a second.
            if last.elapsed() >= Duration::from_millis(100) {
                let beta = stats.hedge.map(|h| h.beta).unwrap_or(f64::NAN);
                println!(
                    "{} beta={beta:.6} z={}",
                    stats.pair,
                    stats.z.map_or("-".into(), |z| format!("{z:+.3}"))
                );
                printed += 1;
                last = Instant::now();
            }
        }
    }
    engine.shutdown().await;
    if printed == 0 {
        return Err("no pair updates in 2 s".into());
    }
    Ok(())
}
