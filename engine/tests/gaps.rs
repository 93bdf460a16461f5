//! Gaps in aggregate trade ids on the live source: found, filled from a
//! mock REST (which answers 429 first), and a feed dropped five times with
//! trades lost at each reconnect ends with the bars of an unbroken feed.

use std::time::{Duration, Instant};

use spreadwatch_engine::mock::{MockBinance, MockConfig, MockEvent, MockRest};
use spreadwatch_engine::sources::frame::StreamKind;
use spreadwatch_engine::sources::SourceSpec;
use spreadwatch_engine::{Engine, EngineConfig};
use spreadwatch_proto::{FeedState, Symbol};

use crate::live_source::{live_config, wait_until};

#[test]
fn a_jump_in_aggregate_ids_is_reported_as_a_gap() {
    actix_rt::System::new().block_on(async {
        let mut frames = Vec::new();
        for i in 1..=150u64 {
            for sym in ["BTCUSDT", "ETHUSDT"] {
                // BTCUSDT never sends 101..=110.
                if sym == "BTCUSDT" && (101..=110).contains(&i) {
                    continue;
                }
                let t = 1_700_000_000_000 + i as i64 * 10;
                frames.push(format!(
                    r#"{{"stream":"{}@aggTrade","data":{{"e":"aggTrade","E":{},"s":"{sym}","a":{i},"p":"100.0","q":"1","f":{i},"l":{i},"T":{t},"m":false}}}}"#,
                    sym.to_lowercase(),
                    t + 1
                ));
            }
        }
        let mock = MockBinance::start(MockConfig {
            frames,
            frame_interval: Duration::from_micros(200),
            // A reconnect that repeats frames is not a gap.
            close_after: vec![Some(120)],
            rewind_on_reconnect: 10,
            ..MockConfig::default()
        })
        .await
        .unwrap();
        let mut cfg = live_config(&mock, StreamKind::AggTrade);
        cfg.binance.rest_url = None;
        cfg.symbols = vec!["BTCUSDT".parse().unwrap(), "ETHUSDT".parse().unwrap()];
        let engine = Engine::start(cfg).unwrap();
        let h = engine.handle();
        wait_until("every trade", Duration::from_secs(20), || {
            let s = h.status();
            s.symbols.get("BTCUSDT").is_some_and(|x| x.ticks == 140)
                && s.symbols.get("ETHUSDT").is_some_and(|x| x.ticks == 150)
        })
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let s = h.status();
        let src = &s.sources["binance"];
        let btc = &src.symbols["BTCUSDT"];
        assert_eq!((btc.gaps, btc.missing_ids, btc.last_gap), (1, 10, Some((101, 110))), "{btc:?}");
        let eth = &src.symbols["ETHUSDT"];
        assert_eq!((eth.gaps, eth.missing_ids), (0, 0), "{eth:?}");
        assert!(src.reconnects >= 1);
        engine.shutdown().await;
    });
}

#[test]
fn trades_arriving_after_the_jump_fill_their_gap() {
    actix_rt::System::new().block_on(async {
        // As in a rollover whose new connection runs ahead of the old one:
        // 106..=110 come before 101..=105, then 103 once more.
        let order = (1..=100u64)
            .chain(106..=110)
            .chain(101..=105)
            .chain([103])
            .chain(111..=150);
        let frames = order
            .map(|i| {
                let t = 1_700_000_000_000 + i as i64 * 10;
                format!(
                    r#"{{"stream":"btcusdt@aggTrade","data":{{"e":"aggTrade","E":{},"s":"BTCUSDT","a":{i},"p":"100.0","q":"1","f":{i},"l":{i},"T":{t},"m":false}}}}"#,
                    t + 1
                )
            })
            .collect();
        let mock = MockBinance::start(MockConfig {
            frames,
            frame_interval: Duration::from_micros(200),
            ..MockConfig::default()
        })
        .await
        .unwrap();
        let mut cfg = live_config(&mock, StreamKind::AggTrade);
        cfg.binance.rest_url = None;
        cfg.symbols = vec!["BTCUSDT".parse().unwrap()];
        let engine = Engine::start(cfg).unwrap();
        let h = engine.handle();
        wait_until("every trade", Duration::from_secs(20), || {
            h.status().symbols.get("BTCUSDT").is_some_and(|x| x.ticks == 150)
        })
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let s = h.status();
        let btc = &s.sources["binance"].symbols["BTCUSDT"];
        assert_eq!((btc.gaps, btc.missing_ids), (1, 0), "{btc:?}");
        assert_eq!(btc.drops.get(&spreadwatch_proto::DropReason::Duplicate), Some(&1), "{btc:?}");
        assert_eq!(s.symbols["BTCUSDT"].ticks, 150);
        engine.shutdown().await;
    });
}

/// The closed 1 s bars of each symbol.
pub(crate) async fn closed_1s(
    h: &spreadwatch_engine::EngineHandle,
    symbols: &[&str],
) -> Vec<Vec<spreadwatch_proto::Bar>> {
    let mut out = Vec::new();
    for s in symbols {
        let sym: Symbol = s.parse().unwrap();
        let iv = spreadwatch_proto::Interval::S1;
        out.push(h.bars(&sym, iv, i64::MIN, i64::MAX, false).await.unwrap());
    }
    out
}

/// The closed 1 s bars of each symbol after replaying `frames` unbroken.
async fn replayed_1s(frames: &[String], symbols: &[&str]) -> Vec<Vec<spreadwatch_proto::Bar>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("whole.jsonl");
    std::fs::write(&path, frames.join("\n")).unwrap();
    let engine = Engine::start(EngineConfig {
        source: SourceSpec::Replay(path),
        ..EngineConfig::default()
    })
    .unwrap();
    let h = engine.handle();
    wait_until("the replay", Duration::from_secs(20), || {
        let s = h.status();
        !s.sources.is_empty() && s.sources.values().all(|s| s.state == FeedState::Finished)
    })
    .await;
    let bars = closed_1s(&h, symbols).await;
    engine.shutdown().await;
    bars
}

/// A live feed of `frames` (BTCUSDT and ETHUSDT), 300 µs apart, with a mock
/// REST serving `whole` (its first `throttle` requests get 429): the mocks
/// (keep them alive) and the engine's config.
pub(crate) async fn gapped_feed(
    whole: &[String],
    feed: MockConfig,
    kind: StreamKind,
    throttle: u64,
) -> (MockRest, MockBinance, EngineConfig) {
    let rest = MockRest::start(whole, throttle).await.unwrap();
    let mock = MockBinance::start(MockConfig {
        frame_interval: Duration::from_micros(300),
        ..feed
    })
    .await
    .unwrap();
    let mut cfg = live_config(&mock, kind);
    cfg.symbols = vec!["BTCUSDT".parse().unwrap(), "ETHUSDT".parse().unwrap()];
    cfg.binance.rest_url = Some(rest.url());
    (rest, mock, cfg)
}

/// aggTrade frames for BTCUSDT and ETHUSDT, ids 1..=n each, 10 ms apart.
fn agg_frames(n: u64, skip: impl Fn(&str, u64) -> bool) -> Vec<String> {
    two_symbol_frames(StreamKind::AggTrade, n, skip, |_| false)
}

/// Frames of `kind` for BTCUSDT and ETHUSDT, ids 1..=n each, 10 ms apart,
/// leaving out those `skip` names; trades whose id `non_market` names carry
/// `X: "INSURANCE_FUND"` (the trade stream only).
pub(crate) fn two_symbol_frames(
    kind: StreamKind,
    n: u64,
    skip: impl Fn(&str, u64) -> bool,
    non_market: impl Fn(u64) -> bool,
) -> Vec<String> {
    let mut frames = Vec::new();
    for i in 1..=n {
        for sym in ["BTCUSDT", "ETHUSDT"] {
            if skip(sym, i) {
                continue;
            }
            let t = 1_700_000_000_000 + i as i64 * 10;
            let px = if sym == "BTCUSDT" {
                43_000.0 + (i % 37) as f64
            } else {
                2_300.0 + (i % 11) as f64
            };
            let (lower, e, q, m) = (sym.to_lowercase(), t + 1, i % 1000 + 1, i % 2 == 0);
            frames.push(match kind {
                StreamKind::AggTrade => format!(
                    r#"{{"stream":"{lower}@aggTrade","data":{{"e":"aggTrade","E":{e},"s":"{sym}","a":{i},"p":"{px:.2}","q":"0.{q:03}","f":{i},"l":{i},"T":{t},"m":{m}}}}}"#
                ),
                StreamKind::Trade => {
                    let x = if non_market(i) { "INSURANCE_FUND" } else { "MARKET" };
                    format!(
                        r#"{{"stream":"{lower}@trade","data":{{"e":"trade","E":{e},"T":{t},"s":"{sym}","t":{i},"p":"{px:.2}","q":"0.{q:03}","X":"{x}","m":{m}}}}}"#
                    )
                }
            });
        }
    }
    frames
}

#[test]
fn a_gap_is_filled_from_rest_and_the_bars_match_an_unbroken_feed() {
    actix_rt::System::new().block_on(async {
        let whole = agg_frames(400, |_, _| false);
        // The live feed never sends BTCUSDT 101..=180: 0.8 s of trades,
        // spanning a bar that has closed by the time the gap is seen.
        let broken = agg_frames(400, |s, i| s == "BTCUSDT" && (101..=180).contains(&i));
        // REST answers its first request with 429 and Retry-After: 1.
        let feed = MockConfig {
            frames: broken,
            ..MockConfig::default()
        };
        let (rest, _mock, cfg) = gapped_feed(&whole, feed, StreamKind::AggTrade, 1).await;
        let engine = Engine::start(cfg).unwrap();
        let h = engine.handle();
        let start = Instant::now();
        wait_until("the gap filled", Duration::from_secs(20), || {
            let s = h.status();
            s.sources
                .get("binance")
                .and_then(|b| b.symbols.get("BTCUSDT"))
                .is_some_and(|x| x.gaps_filled == 1)
                && s.symbols.get("BTCUSDT").is_some_and(|x| x.ticks == 400)
        })
        .await;
        assert!(
            start.elapsed() >= Duration::from_millis(900),
            "Retry-After was honoured"
        );
        assert!(rest.requests() >= 2, "one 429, then the page");
        let s = h.status();
        let btc = &s.sources["binance"].symbols["BTCUSDT"];
        assert_eq!(
            (btc.gaps, btc.missing_ids, btc.backfilled, btc.gaps_unfilled),
            (1, 80, 80, 0),
            "{btc:?}"
        );
        assert!(
            s.symbols["BTCUSDT"].revisions > 0,
            "the closed bars it touched were revised"
        );
        wait_until("ETHUSDT done", Duration::from_secs(10), || {
            h.status()
                .symbols
                .get("ETHUSDT")
                .is_some_and(|x| x.ticks == 400)
        })
        .await;
        let live = closed_1s(&h, &["BTCUSDT"]).await.remove(0);
        engine.shutdown().await;
        assert_unbroken(&live, &whole).await;
    });
}

/// Asserts BTCUSDT's closed 1 s bars `live` equal those of replaying
/// `whole` unbroken (which closed its last bar at the end of the file; the
/// live one is still forming).
pub(crate) async fn assert_unbroken(live: &[spreadwatch_proto::Bar], whole: &[String]) {
    let want = replayed_1s(whole, &["BTCUSDT"]).await.remove(0);
    assert!(live.len() >= 3);
    assert_eq!(
        live[..],
        want[..live.len()],
        "closed bars after backfill equal the unbroken feed"
    );
}

#[test]
fn a_feed_that_drops_every_few_hundred_trades_ends_with_the_unbroken_bars() {
    actix_rt::System::new().block_on(async {
        let whole = agg_frames(1_200, |_, _| false);
        let feed = MockConfig {
            frames: whole.clone(),
            // Dropped five times; 30 frames are lost at each reconnect.
            close_after: vec![Some(350), Some(350), Some(350), Some(350), Some(350)],
            skip_on_reconnect: 30,
            ..MockConfig::default()
        };
        let (_rest, mock, cfg) = gapped_feed(&whole, feed, StreamKind::AggTrade, 0).await;
        let engine = Engine::start(cfg).unwrap();
        let h = engine.handle();
        wait_until(
            "every trade, live or backfilled",
            Duration::from_secs(30),
            || {
                let s = h.status();
                ["BTCUSDT", "ETHUSDT"]
                    .iter()
                    .all(|k| s.symbols.get(*k).is_some_and(|x| x.ticks == 1_200))
            },
        )
        .await;
        let s = h.status();
        let src = &s.sources["binance"];
        assert_eq!(src.reconnects, 5, "{src:?}");
        let gaps: u64 = src.symbols.values().map(|x| x.gaps).sum();
        let filled: u64 = src.symbols.values().map(|x| x.gaps_filled).sum();
        assert!(gaps >= 5 && filled == gaps, "{src:?}");
        // Every reconnect within a second of its drop.
        let tl = mock.stats().timeline.lock().clone();
        for w in tl.windows(2) {
            if let ((t0, MockEvent::Closed(a)), (t1, MockEvent::Accepted(b))) = (w[0], w[1]) {
                assert_eq!(b, a + 1);
                assert!(
                    t1 - t0 <= Duration::from_secs(1),
                    "reconnect took {:?}",
                    t1 - t0
                );
            }
        }
        let live = closed_1s(&h, &["BTCUSDT", "ETHUSDT"]).await;
        engine.shutdown().await;
        let want = replayed_1s(&whole, &["BTCUSDT", "ETHUSDT"]).await;
        for (i, sym) in ["BTCUSDT", "ETHUSDT"].iter().enumerate() {
            let want = &want[i];
            assert!(live[i].len() >= 10);
            assert_eq!(
                live[i][..],
                want[..live[i].len()],
                "{sym}: closed bars equal the unbroken feed"
            );
        }
    });
}
