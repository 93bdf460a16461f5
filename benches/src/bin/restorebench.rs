//! Times a restart: a sled store holding `N` ticks (half per leg of one
//! pair) is read, decoded and put back through the actors, which rebuild the
//! bars, the price Kalman state and the pair's estimators. Prints one JSON
//! line. `restorebench [ticks] [chunk]` (default 1,000,000 ticks written in
//! chunks of 20, what one-second snapshots of a leg trading 20 times a
//! second give).

use std::sync::Arc;
use std::time::{Duration, Instant};

use spreadwatch_engine::core::tick::Tick;
use spreadwatch_engine::persist::{open_dir, PersistConfig, StateStore};
use spreadwatch_engine::{Engine, EngineConfig};
use spreadwatch_proto::{Fixed, PairId, PairParams, Symbol};

fn main() -> anyhow::Result<()> {
    let arg = |i: usize| std::env::args().nth(i).and_then(|a| a.parse().ok());
    let n: usize = arg(1).unwrap_or(1_000_000);
    let chunk: usize = arg(2).unwrap_or(20).max(1);
    let dir = tempfile_dir()?;
    let pair: PairId = "ETHUSDT/BTCUSDT".parse()?;
    let write = Instant::now();
    write_store(&dir, &pair, n, chunk)?;
    let wrote = write.elapsed();
    let disk = dir_size(&dir);

    let open = Instant::now();
    let store = open_dir(&dir)?;
    let opened = open.elapsed();
    let read = Instant::now();
    let decoded: usize = [&pair.y, &pair.x]
        .iter()
        .map(|s| store.ticks(s).map(|v| v.len()))
        .sum::<Result<usize, _>>()?;
    let read_decode = read.elapsed();

    // The first restart rebuilds the pair from the ticks (the store holds
    // no checkpoint yet) and, shutting down, saves its estimator state and
    // closed bars; the second restores those too: what a restart after a
    // normal run does.
    let first = timed_restore(store, &pair)?;
    let second = timed_restore(open_dir(&dir)?, &pair)?;
    let _ = std::fs::remove_dir_all(&dir);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{}",
        serde_json::json!({
            "ticks": n,
            "chunk": chunk,
            "write_ms": ms(wrote),
            "disk_bytes": disk,
            "disk_bytes_per_tick": disk as f64 / n as f64,
            "open_ms": ms(opened),
            "read_decode_ms": ms(read_decode),
            "decoded": decoded,
            "restore_through_actors_ms": ms(first.0),
            "restore_with_pair_state_ms": ms(second.0),
            "pair_points": [first.2, second.2],
            "btc_1s_bars": [first.1, second.1],
        })
    );
    Ok(())
}

/// Writes `n` ticks (half per leg) in appends of `chunk`, and the pair.
fn write_store(dir: &std::path::Path, pair: &PairId, n: usize, chunk: usize) -> anyhow::Result<()> {
    let store = open_dir(dir)?;
    for (leg, base) in [(&pair.y, 2_300.0), (&pair.x, 43_000.0)] {
        let ticks: Vec<Tick> = (0..n / 2)
            .map(|i| Tick {
                // 20 trades a second per leg: 1M ticks are ~7 hours.
                time_ms: 1_700_000_000_000 + i as i64 * 50,
                id: i as u64,
                first_id: i as u64,
                price: Fixed::from_units(((base + (i % 500) as f64 * 0.01) * 1e8) as i64),
                qty: Fixed::from_units(1_000_000),
                count: 1,
                buyer_maker: i % 2 == 0,
            })
            .collect();
        for c in ticks.chunks(chunk) {
            store.append_ticks(leg, c)?;
        }
    }
    store.put_pairs(&[(pair.clone(), PairParams::default())])?;
    store.sync()?;
    Ok(())
}

/// Starts an engine on `store` and times `Engine::start` to `restored()`;
/// returns that, BTCUSDT's 1 s bars and the pair's committed points.
fn timed_restore(
    store: Arc<spreadwatch_engine::persist::SledStore>,
    pair: &PairId,
) -> anyhow::Result<(Duration, usize, u64)> {
    let cfg = EngineConfig {
        symbols: vec![pair.y.clone(), pair.x.clone()],
        pairs: vec![pair.clone()],
        persist: Some(PersistConfig {
            store: store as Arc<dyn StateStore>,
            interval: Duration::from_secs(3600),
            retain_ticks: Duration::from_secs(30 * 86_400),
        }),
        ..EngineConfig::default()
    };
    let pair = pair.clone();
    actix_rt::System::new().block_on(async move {
        let t0 = Instant::now();
        let engine = Engine::start(cfg)?;
        engine.handle().restored().await;
        let restored = t0.elapsed();
        let h = engine.handle();
        let bars = h
            .bars(
                &Symbol::new("BTCUSDT")?,
                spreadwatch_proto::Interval::S1,
                i64::MIN,
                i64::MAX,
                false,
            )
            .await?
            .len();
        let points = h.pair_snapshot(&pair).await?.latest.map_or(0, |s| s.n);
        engine.shutdown().await;
        anyhow::Ok((restored, bars, points))
    })
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let p = std::env::temp_dir().join(format!("sw-restorebench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    Ok(p)
}
