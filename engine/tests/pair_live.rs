//! The live pair actor, fed by a replay of the golden feed, ends with the
//! same aligned-1s statistics as `analyze` on the exported bars; and its
//! parameters change at run time.

use spreadwatch_engine::analyze::{analyze, read_long, Aligned, AnalyzeOptions};
use spreadwatch_engine::sources::SourceSpec;
use spreadwatch_engine::{Engine, EngineConfig};
use spreadwatch_proto::{Model, PairId, PairParams};

use crate::analyze::close;
use crate::support::data;

fn pair() -> PairId {
    "ETHUSDT/BTCUSDT".parse().unwrap()
}

/// An engine with no source that analyses `pair`, fed by `ingest`.
fn with_pair(pair: &PairId) -> Engine {
    Engine::start(EngineConfig {
        pairs: vec![pair.clone()],
        ..EngineConfig::default()
    })
    .unwrap()
}

/// One sample per trade, on short windows.
fn tick_sampled() -> PairParams {
    PairParams {
        interval: spreadwatch_proto::Sampling::Tick,
        window: 5,
        lookback: 10,
        ..PairParams::default()
    }
}

fn reference(model: Model, window: usize) -> spreadwatch_proto::AnalyzeReport {
    let bars = std::fs::read(data("golden/aggtrade/bars_1s.csv")).unwrap();
    let (y, x) = read_long("bars_1s.csv", &bars, "ETHUSDT", "BTCUSDT").unwrap();
    let opts = AnalyzeOptions {
        window,
        model,
        ..AnalyzeOptions::default()
    };
    analyze(Aligned::join(&y, &x), &opts, "bars_1s.csv").unwrap()
}

#[test]
fn live_pair_ends_with_the_analyze_statistics() {
    actix_rt::System::new().block_on(async {
        let params = PairParams {
            lookback: 100_000,
            window: 60,
            ..PairParams::default()
        };
        let cfg = EngineConfig {
            source: SourceSpec::Replay(data("golden/feed_aggtrade.jsonl")),
            pairs: vec![pair()],
            pair_params: params,
            ..EngineConfig::default()
        };
        let engine = Engine::start(cfg).unwrap();
        let h = engine.handle();
        h.source_finished().await;
        h.close_forming().await;
        // Many at once share one computation, and every caller returns
        // once its result is in.
        let p = pair();
        let all = futures_util::future::join_all((0..20).map(|_| h.recompute(&p))).await;
        assert!(all.iter().all(Result::is_ok), "{all:?}");
        let snap = h.pair_snapshot(&pair()).await.unwrap();
        let s = snap.latest.expect("the pair has committed points");
        let r = reference(Model::Ols, 60);
        assert_eq!(
            s.n as usize, r.n,
            "every aligned 1 s bar was committed once"
        );
        let ols = s.ols.unwrap();
        assert!(
            close(ols.beta, r.regression.ols.beta, 1e-9, 0.0),
            "ols beta {} vs {}",
            ols.beta,
            r.regression.ols.beta
        );
        assert!(close(ols.alpha, r.regression.ols.alpha, 1e-9, 0.0));
        assert!(close(s.r2.unwrap(), r.regression.ols.r2, 1e-9, 0.0));
        let k = s.kalman.unwrap();
        assert!(close(k.beta, *r.kalman.beta.last().unwrap(), 1e-9, 0.0));
        assert!(close(k.alpha, *r.kalman.alpha.last().unwrap(), 1e-9, 0.0));
        assert!(
            close(s.z.unwrap(), r.zscore.last().unwrap().unwrap(), 1e-9, 0.0),
            "z {:?} vs {:?}",
            s.z,
            r.zscore.last()
        );
        assert!(close(
            s.corr.unwrap(),
            r.corr.last().unwrap().unwrap(),
            1e-9,
            0.0
        ));
        let hu = s.huber.unwrap();
        assert!(close(hu.beta, r.regression.huber.beta, 1e-7, 0.0));
        assert_eq!(
            s.theil_sen.unwrap().beta,
            r.regression.theil_sen.unwrap().beta
        );
        let (adf, radf) = (s.adf.unwrap(), r.adf.unwrap());
        assert!(close(adf.stat, radf.stat, 1e-8, 0.0));
        assert_eq!(adf.used_lag, radf.used_lag);
        let (c, rc) = (s.coint.unwrap(), r.coint.unwrap());
        assert!(close(c.stat, rc.stat, 1e-6, 0.0) && close(c.pvalue, rc.pvalue, 1e-6, 1e-15));
        assert!(close(s.half_life.unwrap(), r.half_life.unwrap(), 1e-7, 0.0));
        assert_eq!(snap.points.len(), r.n);
        assert!(!s.provisional);

        // A run-time change of model and window rebuilds from the bars the
        // symbol actors hold and matches analyze with the same settings.
        let p2 = PairParams {
            model: Model::Kalman,
            window: 30,
            ..params
        };
        let mut rx = h.subscribe();
        h.set_params(&pair(), p2).await.unwrap();
        h.recompute(&pair()).await.unwrap();
        let resets = |rx: &mut tokio::sync::broadcast::Receiver<_>| {
            let mut n = 0;
            while let Ok(u) = rx.try_recv() {
                let u: spreadwatch_engine::actors::Update = u;
                n += usize::from(matches!(
                    u.event,
                    spreadwatch_engine::actors::EngineEvent::PairReset(_)
                ));
            }
            n
        };
        assert_eq!(resets(&mut rx), 1, "a change rebuilds");
        // The same parameters again (a dashboard reconnecting) rebuild nothing.
        h.set_params(&pair(), p2).await.unwrap();
        h.recompute(&pair()).await.unwrap();
        assert_eq!(resets(&mut rx), 0, "the same parameters rebuild nothing");
        let s2 = h.pair_snapshot(&pair()).await.unwrap();
        assert_eq!(s2.params, p2);
        let r2 = reference(Model::Kalman, 30);
        let l2 = s2.latest.unwrap();
        assert_eq!(l2.model, Model::Kalman);
        assert!(
            close(l2.z.unwrap(), r2.zscore.last().unwrap().unwrap(), 1e-8, 0.0),
            "{:?} vs {:?}",
            l2.z,
            r2.zscore.last()
        );
        assert!(close(
            l2.hedge.unwrap().beta,
            *r2.kalman.beta.last().unwrap(),
            1e-9,
            0.0
        ));
        // With the Kalman model every point's spread is the filtered one, as in
        // analyze, so the live alert history equals analyze's alerts.
        let live: Vec<(i64, spreadwatch_proto::Side)> =
            s2.alerts.iter().map(|a| (a.ts, a.side)).collect();
        let want: Vec<(i64, spreadwatch_proto::Side)> =
            r2.alerts.iter().map(|a| (a.ts, a.side)).collect();
        assert!(!want.is_empty());
        assert_eq!(live, want);
        // Bad parameters are refused with the field named.
        let bad = PairParams {
            window: 1,
            ..params
        };
        let e = h.set_params(&pair(), bad).await.unwrap_err().to_string();
        assert!(e.contains("window"), "{e}");
        engine.shutdown().await;
    });
}

pub(crate) fn trade(sym: &str, id: u64, t: i64, p: &str) -> spreadwatch_proto::Trade {
    spreadwatch_proto::Trade {
        symbol: sym.parse().unwrap(),
        id,
        first_id: id,
        last_id: id,
        price: p.parse().unwrap(),
        qty: "1".parse().unwrap(),
        time_ms: t,
        event_ms: t,
        buyer_maker: false,
    }
}

#[test]
fn a_leg_that_stops_trading_makes_the_pair_stale_and_tick_mode_samples_every_trade() {
    actix_rt::System::new().block_on(async {
        let pair: PairId = "AAAUSDT/BBBUSDT".parse().unwrap();
        let engine = with_pair(&pair);
        let h = engine.handle();
        let t0 = 1_700_000_000_000i64;
        for i in 0..20u64 {
            let t = t0 + i as i64 * 1_000;
            h.ingest(&trade("AAAUSDT", i, t, &format!("{}.5", 100 + i % 3)))
                .await
                .unwrap();
            h.ingest(&trade("BBBUSDT", i, t + 10, &format!("{}", 200 + i % 5)))
                .await
                .unwrap();
        }
        // AAA goes quiet for 15 s of data time while BBB trades on.
        for i in 20..36u64 {
            h.ingest(&trade("BBBUSDT", i, t0 + i as i64 * 1_000, "201"))
                .await
                .unwrap();
        }
        let snap = h.pair_snapshot(&pair).await.unwrap();
        let latest = snap.latest.unwrap();
        assert!(latest.n >= 18, "{}", latest.n);
        let st = h.status();
        let reason = st.pairs[&pair.to_string()]
            .stale_reason
            .clone()
            .unwrap_or_default();
        assert!(reason.contains("AAAUSDT has not traded for"), "{reason:?}");

        // Switch to tick sampling: one point per trade once both legs traded.
        let p = tick_sampled();
        h.set_params(&pair, p).await.unwrap();
        let n_before = h.pair_snapshot(&pair).await.unwrap().latest.unwrap().n;
        assert_eq!(
            n_before,
            20 + 16 + 19,
            "every trade after the first of the other leg"
        );
        h.ingest(&trade("AAAUSDT", 100, t0 + 40_000, "101"))
            .await
            .unwrap();
        let after = h.pair_snapshot(&pair).await.unwrap().latest.unwrap();
        assert_eq!(after.n, n_before + 1);
        assert!(
            h.status().pairs[&pair.to_string()].stale_reason.is_none(),
            "fresh again"
        );
        // A trade filled in behind AAA's newest (a gap from REST) is
        // history: no new sample, and the pair does not turn stale.
        h.ingest(&trade("AAAUSDT", 50, t0 + 5_000, "100"))
            .await
            .unwrap();
        let late = h.pair_snapshot(&pair).await.unwrap().latest.unwrap();
        assert_eq!(late.n, after.n, "a filled-in trade is not a new sample");
        assert!(
            h.status().pairs[&pair.to_string()].stale_reason.is_none(),
            "still fresh"
        );
        engine.shutdown().await;
    });
}

#[test]
fn pairs_added_at_run_time_stop_at_the_cap() {
    actix_rt::System::new().block_on(async {
        let engine = Engine::start(EngineConfig::default()).unwrap();
        let h = engine.handle();
        let p = |s: &str| -> PairId { s.parse().unwrap() };
        let d = PairParams::default();
        h.add_pair_within(&p("AAAUSDT/BBBUSDT"), d, 2).unwrap();
        h.add_pair_within(&p("AAAUSDT/CCCUSDT"), d, 2).unwrap();
        let err = h.add_pair_within(&p("BBBUSDT/CCCUSDT"), d, 2).unwrap_err();
        assert!(err.to_string().contains("2 pairs"), "{err}");
        // One already running is not a new one.
        h.add_pair_within(&p("AAAUSDT/BBBUSDT"), d, 2).unwrap();
        assert_eq!(h.pairs().len(), 2);
        engine.shutdown().await;
    });
}

#[test]
fn a_removed_pair_stops_publishing() {
    actix_rt::System::new().block_on(async {
        let pair: PairId = "AAAUSDT/BBBUSDT".parse().unwrap();
        let engine = with_pair(&pair);
        let h = engine.handle();
        let t0 = 1_700_000_000_000i64;
        let feed = |from: u64, to: u64| {
            let h = h.clone();
            async move {
                for i in from..to {
                    let t = t0 + i as i64 * 1_000;
                    h.ingest(&trade("AAAUSDT", i, t, "100.5")).await.unwrap();
                    h.ingest(&trade("BBBUSDT", i, t + 10, "200")).await.unwrap();
                }
                h.close_forming().await;
            }
        };
        feed(0, 20).await;
        assert!(h.remove_pair(&pair));
        let mut rx = h.subscribe();
        feed(20, 40).await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let mut pair_events = 0;
        while let Ok(u) = rx.try_recv() {
            // Updates the pair had queued before its removal may still come
            // out; none may be about the trades fed after it.
            if let spreadwatch_engine::actors::EngineEvent::Pair(stats, _) = &u.event {
                if stats.ts >= t0 + 20_000 {
                    pair_events += 1;
                }
            }
        }
        assert_eq!(pair_events, 0, "the removed pair still publishes");
        engine.shutdown().await;
    });
}

#[test]
fn a_rebuild_while_trades_stream_in_counts_each_trade_once() {
    actix_rt::System::new().block_on(async {
        let pair: PairId = "AAAUSDT/BBBUSDT".parse().unwrap();
        let engine = with_pair(&pair);
        let h = engine.handle();
        let tick = tick_sampled();
        h.set_params(&pair, tick).await.unwrap();
        const N: u64 = 3_000;
        let feeder = {
            let h = h.clone();
            actix_rt::spawn(async move {
                let t0 = 1_700_000_000_000i64;
                for i in 0..N {
                    let t = t0 + i as i64 * 10;
                    let y = format!("{}", 200 + i % 7);
                    h.ingest(&trade("AAAUSDT", i, t, &y)).await.unwrap();
                    h.ingest(&trade("BBBUSDT", i, t + 5, "100.5"))
                        .await
                        .unwrap();
                }
            })
        };
        // Rebuilds (a change of window each time) while updates are on the way.
        for k in 0..20 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            let p = PairParams {
                window: 5 + k % 2,
                ..tick
            };
            h.set_params(&pair, p).await.unwrap();
        }
        feeder.await.unwrap();
        h.close_forming().await;
        h.recompute(&pair).await.unwrap();
        let n = h.pair_snapshot(&pair).await.unwrap().latest.unwrap().n;
        // One sample per trade after the other leg's first.
        assert_eq!(n, 2 * N - 1);
        engine.shutdown().await;
    });
}
