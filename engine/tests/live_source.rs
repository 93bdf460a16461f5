//! The live Binance source against a mock Binance server on 127.0.0.1
//! that speaks the combined-stream protocol.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use spreadwatch_engine::mock::{MockBinance, MockConfig, MockEvent};
use spreadwatch_engine::sources::frame::{parse_frame, Frame, StreamKind};
use spreadwatch_engine::sources::SourceSpec;
use spreadwatch_engine::{Engine, EngineConfig};
use spreadwatch_proto::{DropReason, FeedState, Symbol};

use crate::support::data;

/// The golden `@trade` tape in live order (each symbol in id order, as
/// Binance delivers it), every frame combined, plus bad frames.
fn tape() -> (Vec<String>, HashMap<String, u64>, u64) {
    let text = std::fs::read_to_string(data("golden/feed_trade.jsonl")).unwrap();
    let mut last: HashMap<String, u64> = HashMap::new();
    let mut frames = Vec::new();
    let mut good: HashMap<String, u64> = HashMap::new();
    let mut non_market = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let data = if v.get("data").is_some() {
            v["data"].clone()
        } else {
            v.clone()
        };
        let sym = data["s"].as_str().unwrap().to_string();
        let id = data["t"].as_u64().unwrap();
        // Late frames exist in a recorded file, never on a live stream.
        if last.get(&sym).is_some_and(|l| id < *l) {
            continue;
        }
        last.insert(sym.clone(), id);
        let framed =
            serde_json::json!({ "stream": format!("{}@trade", sym.to_lowercase()), "data": data });
        match parse_frame(line.as_bytes()) {
            Frame::Trade(_) => *good.entry(sym).or_default() += 1,
            _ => non_market += 1,
        }
        frames.push(framed.to_string());
        if frames.len() == 700 {
            frames.push("{not json".into());
            frames.push(r#"{"stream":"btcusdt@markPrice","data":{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1"}}"#.into());
        }
    }
    (frames, good, non_market)
}

fn symbols() -> Vec<Symbol> {
    ["BTCUSDT", "ETHUSDT", "XRPUSDT"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect()
}

/// The engine on the live source, pointed at the mock.
pub(crate) fn live_config(mock: &MockBinance, stream: StreamKind) -> EngineConfig {
    let mut cfg = EngineConfig {
        source: SourceSpec::Binance,
        symbols: symbols(),
        stream,
        ..EngineConfig::default()
    };
    cfg.binance.base_url = mock.base_url();
    // Tests reach 127.0.0.1 only: backfill is on where a mock REST is set.
    cfg.binance.rest_url = None;
    cfg
}

pub(crate) async fn wait_until(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[test]
fn reconnects_fast_counts_every_trade_once_and_answers_pings() {
    actix_rt::System::new().block_on(async {
        let (frames, good, non_market) = tape();
        let total_good: u64 = good.values().sum();
        let mock = MockBinance::start(MockConfig {
            frames,
            frame_interval: Duration::from_micros(300),
            close_after: vec![Some(1_500), Some(2_000)],
            ping_interval: Some(Duration::from_millis(150)),
            rewind_on_reconnect: 25,
            ..MockConfig::default()
        })
        .await
        .unwrap();
        let mut cfg = live_config(&mock, StreamKind::Trade);
        cfg.binance.silent_after = Duration::from_secs(3);
        let engine = Engine::start(cfg).unwrap();
        let h = engine.handle();
        let accepted = |h: &spreadwatch_engine::EngineHandle| -> u64 {
            let s = h.status();
            s.symbols.values().map(|x| x.ticks).sum()
        };
        wait_until("all trades", Duration::from_secs(30), || {
            accepted(&h) >= total_good
        })
        .await;
        // Give stray duplicates a moment to show up if dedupe were broken.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let s = h.status();
        let src = &s.sources["binance"];
        for (sym, n) in &good {
            assert_eq!(
                s.symbols[sym].ticks, *n,
                "{sym}: every good trade exactly once"
            );
            assert_eq!(
                s.symbols[sym].duplicates, 0,
                "duplicates stopped at the source"
            );
        }
        assert_eq!(src.reconnects, 2, "{src:?}");
        assert_eq!(src.connects, 3);
        assert_eq!(src.drops[&DropReason::Malformed], 1);
        assert_eq!(src.drops[&DropReason::UnknownEvent], 1);
        assert_eq!(src.drops[&DropReason::NonMarket], non_market);
        assert!(
            src.drops[&DropReason::Duplicate] >= 25,
            "the rewind overlap is dropped: {src:?}"
        );
        assert!(
            src.pongs >= 1 && mock.stats().pongs.load(std::sync::atomic::Ordering::SeqCst) >= 1,
            "pongs sent"
        );
        let req = mock.stats().requests.lock().clone();
        assert_eq!(
            req[0],
            "/market/stream?streams=btcusdt@trade/ethusdt@trade/xrpusdt@trade"
        );
        // Every reconnect came within a second of the drop.
        let tl = mock.stats().timeline.lock().clone();
        for n in 0..2 {
            let closed = tl
                .iter()
                .find(|(_, e)| *e == MockEvent::Closed(n))
                .unwrap()
                .0;
            let next = tl
                .iter()
                .find(|(_, e)| *e == MockEvent::Accepted(n + 1))
                .unwrap()
                .0;
            let gap = next.duration_since(closed);
            assert!(gap <= Duration::from_secs(1), "reconnect {n} took {gap:?}");
        }
        // A subscribed stream with no trades is flagged silent while the
        // connection itself is healthy.
        wait_until("xrp silent", Duration::from_secs(6), || {
            h.status()
                .sources
                .get("binance")
                .and_then(|b| b.symbols.get("XRPUSDT").cloned())
                .is_some_and(|x| x.state == FeedState::Silent)
        })
        .await;
        engine.shutdown().await;
    });
}

#[test]
fn a_silent_wrong_route_is_reported_and_reconnected() {
    actix_rt::System::new().block_on(async {
        let mock = MockBinance::start(MockConfig {
            frames: tape().0,
            ..MockConfig::default()
        })
        .await
        .unwrap();
        let mut cfg = live_config(&mock, StreamKind::AggTrade);
        // The old, unrouted path: accepted, then silent.
        cfg.binance.base_url = format!("ws://{}", mock.addr());
        cfg.binance.silent_after = Duration::from_millis(800);
        let engine = Engine::start(cfg).unwrap();
        let h = engine.handle();
        wait_until("silence detected", Duration::from_secs(10), || {
            let s = h.status();
            let Some(b) = s.sources.get("binance") else {
                return false;
            };
            b.reconnects >= 1
                && b.last_error
                    .as_deref()
                    .is_some_and(|e| e.contains("no data") && e.contains("wrong route"))
        })
        .await;
        wait_until("a second connection", Duration::from_secs(5), || {
            mock.stats()
                .connections
                .load(std::sync::atomic::Ordering::SeqCst)
                >= 2
        })
        .await;
        assert_eq!(h.status().symbols.values().map(|s| s.ticks).sum::<u64>(), 0);
        engine.shutdown().await;
    });
}

#[test]
fn rollover_before_the_24h_limit_loses_and_doubles_nothing() {
    actix_rt::System::new().block_on(async {
        let (frames, good, _) = tape();
        let total: u64 = good.values().sum();
        let mock = MockBinance::start(MockConfig {
            frames,
            frame_interval: Duration::from_micros(500),
            rewind_on_reconnect: 40,
            ..MockConfig::default()
        })
        .await
        .unwrap();
        let mut cfg = live_config(&mock, StreamKind::Trade);
        // Scaled down: roll every 700 ms, keep the old connection 200 ms.
        cfg.binance.max_age = Duration::from_millis(700);
        cfg.binance.overlap = Duration::from_millis(200);
        let engine = Engine::start(cfg).unwrap();
        let h = engine.handle();
        wait_until("all trades", Duration::from_secs(30), || {
            h.status().symbols.values().map(|x| x.ticks).sum::<u64>() >= total
        })
        .await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let s = h.status();
        for (sym, n) in &good {
            assert_eq!(s.symbols[sym].ticks, *n, "{sym}");
        }
        let src = &s.sources["binance"];
        assert!(src.connects >= 2, "rolled over: {src:?}");
        assert_eq!(src.reconnects, 0, "a rollover is not a reconnect");
        assert!(
            src.drops[&DropReason::Duplicate] > 0,
            "the overlap was de-duplicated"
        );
        engine.shutdown().await;
    });
}

#[tokio::test]
async fn record_writes_frames_that_replay_to_the_same_bars() {
    let (frames, _, _) = tape();
    let dir = tempfile::tempdir().unwrap();
    let tape_file = dir.path().join("tape.jsonl");
    std::fs::write(&tape_file, frames.join("\n") + "\n").unwrap();
    let mock = MockBinance::start(MockConfig {
        frames,
        frame_interval: Duration::from_micros(200),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let rec = dir.path().join("rec.jsonl.gz");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_spreadwatch"))
        .args([
            "record",
            "--symbols",
            "BTCUSDT,ETHUSDT",
            "--stream",
            "trade",
            "--duration",
            "4s",
        ])
        .args(["--binance-url", &mock.base_url(), "--out"])
        .arg(&rec)
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("record stops by itself")
        .unwrap();
    assert!(status.success());
    let replay = |path: &std::path::Path, out: &std::path::Path| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_spreadwatch"))
            .arg("replay")
            .arg(path)
            .arg("--export-dir")
            .arg(out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    replay(&rec, &a);
    replay(&tape_file, &b);
    for iv in ["1s", "1m", "5m"] {
        let f = format!("bars_{iv}.csv");
        let (ga, gb) = (
            std::fs::read_to_string(a.join(&f)).unwrap(),
            std::fs::read_to_string(b.join(&f)).unwrap(),
        );
        assert!(ga.lines().count() > 2);
        assert_eq!(ga, gb, "{iv}");
    }
    // Each recorded line carries its receive time.
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&rec).unwrap()),
        &mut text,
    )
    .unwrap();
    assert!(text.lines().next().unwrap().starts_with("{\"recv_us\":"));
}
