//! Persistence through the library, against real sled files: trades filled
//! in behind the newest are saved, a damaged chunk costs only its own
//! ticks, and a pair without its checkpoint is rebuilt from restored bars.

use std::path::Path;
use std::time::Duration;

/// Starts an engine persisting into `path` every 50 ms, with `cfg`'s other
/// settings; returns it with its store.
fn persisted(
    path: &Path,
    tune: impl FnOnce(
        &mut spreadwatch_engine::persist::PersistConfig,
        &mut spreadwatch_engine::EngineConfig,
    ),
) -> (
    spreadwatch_engine::Engine,
    std::sync::Arc<spreadwatch_engine::persist::SledStore>,
) {
    use spreadwatch_engine::persist::{open_dir, PersistConfig};
    let store = open_dir(path).unwrap();
    let mut persist = PersistConfig::new(store.clone());
    persist.interval = Duration::from_millis(50);
    let mut cfg = spreadwatch_engine::EngineConfig::default();
    tune(&mut persist, &mut cfg);
    cfg.persist = Some(persist);
    (spreadwatch_engine::Engine::start(cfg).unwrap(), store)
}

/// Opens the store's sled database directly, to damage it as a crash or a
/// disk would. An engine just shut down may hold the lock a moment longer
/// while sled's threads wind down (`open_dir` waits for it the same way).
fn open_raw(path: &Path) -> sled::Db {
    let end = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match sled::open(path) {
            Ok(db) => return db,
            Err(e) if std::time::Instant::now() < end && e.to_string().contains("lock") => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
}

#[test]
fn trades_filled_in_behind_the_newest_are_saved_too() {
    use spreadwatch_engine::persist::{open_dir, StateStore};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    let sym: spreadwatch_proto::Symbol = "BTCUSDT".parse().unwrap();
    actix_rt::System::new().block_on(async {
        let (engine, store) = persisted(&path, |_, _| {});
        let h = engine.handle();
        h.restored().await;
        let t0 = 1_700_000_000_000i64;
        let t = |id: u64| t0 + id as i64 * 100;
        // 101..=105 missing, as before a gap is filled from REST.
        for id in (1..=100).chain(106..=110) {
            h.ingest(&crate::pair_live::trade("BTCUSDT", id, t(id), "100.5"))
                .await
                .unwrap();
        }
        h.close_forming().await;
        let saved = |n: usize| {
            let store = store.clone();
            let sym = sym.clone();
            move || store.ticks(&sym).unwrap().len() == n
        };
        crate::live_source::wait_until("the first snapshot", Duration::from_secs(10), saved(105))
            .await;
        for id in 101..=105 {
            h.ingest(&crate::pair_live::trade("BTCUSDT", id, t(id), "100.5"))
                .await
                .unwrap();
        }
        h.close_forming().await;
        crate::live_source::wait_until(
            "the filled-in trades on disk",
            Duration::from_secs(10),
            saved(110),
        )
        .await;
        engine.shutdown().await;
    });
    let store = open_dir(&path).unwrap();
    let ids: Vec<u64> = store.ticks(&sym).unwrap().iter().map(|t| t.id).collect();
    assert_eq!(ids, (1..=110).collect::<Vec<_>>());
}

#[test]
fn a_damaged_tick_chunk_costs_only_its_own_ticks() {
    use spreadwatch_engine::persist::StateStore;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    let start = |path: &Path| persisted(path, |_, _| {});
    actix_rt::System::new().block_on(async {
        let (engine, store) = start(&path);
        let h = engine.handle();
        h.restored().await;
        // In two saved halves, so AAAUSDT has a chunk older than its newest
        // (a damaged newest chunk is the whole store's damage: open_dir
        // checks it and sets the directory aside).
        for ids in [1..=25u64, 26..=50] {
            let want = *ids.end() as usize;
            for id in ids {
                let t = 1_700_000_000_000 + id as i64 * 100;
                for sym in ["AAAUSDT", "BBBUSDT"] {
                    h.ingest(&crate::pair_live::trade(sym, id, t, "10"))
                        .await
                        .unwrap();
                }
            }
            h.close_forming().await;
            crate::live_source::wait_until("both saved", Duration::from_secs(10), || {
                ["AAAUSDT", "BBBUSDT"]
                    .iter()
                    .all(|s| store.ticks(&s.parse().unwrap()).unwrap().len() == want)
            })
            .await;
        }
        engine.shutdown().await;
    });
    // Damage one of AAAUSDT's chunks on disk.
    let lost;
    {
        let db = open_raw(&path);
        let tree = db.open_tree("ticks/AAAUSDT").unwrap();
        assert!(tree.len() >= 2, "need a chunk older than the newest");
        let (k, v) = tree.first().unwrap().expect("a stored chunk");
        lost = spreadwatch_engine::persist::codec::decode_chunk(&v)
            .unwrap()
            .len() as u64;
        tree.insert(k, &b"\xffnot a chunk"[..]).unwrap();
        db.flush().unwrap();
    }
    actix_rt::System::new().block_on(async {
        let (engine, _store) = start(&path);
        let h = engine.handle();
        h.restored().await;
        let s = h.status();
        assert_eq!(
            s.symbols["BBBUSDT"].ticks, 50,
            "the sound symbol is restored"
        );
        assert!(
            s.symbols.get("AAAUSDT").map_or(0, |a| a.ticks) == 50 - lost,
            "{:?}",
            s.symbols.get("AAAUSDT")
        );
        engine.shutdown().await;
    });
}

#[test]
fn a_pair_without_its_checkpoint_is_rebuilt_from_the_restored_bars() {
    use spreadwatch_proto::{Interval, PairId, PairParams, Sampling};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    let pair: PairId = "AAAUSDT/BBBUSDT".parse().unwrap();
    let start = |path: &Path| {
        persisted(path, |persist, cfg| {
            // Ticks for 5 minutes only: older 1 m bars come back from the bar store.
            persist.retain_ticks = Duration::from_secs(300);
            cfg.pairs = vec![pair.clone()];
            cfg.pair_params = PairParams {
                interval: Sampling::Bar(Interval::M1),
                window: 5,
                lookback: 20,
                ..PairParams::default()
            };
        })
        .0
    };
    let before = actix_rt::System::new().block_on(async {
        let engine = start(&path);
        let h = engine.handle();
        h.restored().await;
        let t0 = 1_700_000_000_000i64;
        // 30 minutes, a trade a second on each leg.
        for i in 0..1_800u64 {
            let t = t0 + i as i64 * 1_000;
            let y = format!("{}", 200 + i % 7);
            let x = format!("{}.5", 100 + i % 5);
            h.ingest(&crate::pair_live::trade("AAAUSDT", i, t, &y))
                .await
                .unwrap();
            h.ingest(&crate::pair_live::trade("BBBUSDT", i, t + 5, &x))
                .await
                .unwrap();
        }
        h.close_forming().await;
        let n = h.pair_snapshot(&pair).await.unwrap().latest.unwrap().n;
        engine.shutdown().await;
        n
    });
    assert!(before >= 25, "{before}");
    // The checkpoint is gone (an older store, or unreadable).
    {
        let db = open_raw(&path);
        db.remove(format!("pair_state/{pair}")).unwrap();
        let gone = db.scan_prefix(b"pair_state/").count();
        assert_eq!(gone, 0, "no checkpoint left");
        db.flush().unwrap();
    }
    actix_rt::System::new().block_on(async {
        let engine = start(&path);
        let h = engine.handle();
        h.restored().await;
        let n = h.pair_snapshot(&pair).await.unwrap().latest.unwrap().n;
        // From the ticks alone it would hold about 5 points. The last bar,
        // closed by the flush before, is forming again after a restore.
        assert!(
            n + 1 >= before && n <= before,
            "rebuilt from the restored 1 m bars: {n} of {before}"
        );
        engine.shutdown().await;
    });
}
