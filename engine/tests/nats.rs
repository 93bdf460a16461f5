//! `--source nats` and `--publish nats` against Debian's `nats-server` on
//! 127.0.0.1 (the cluster tests' [`Broker`](crate::cluster::Broker): skipped
//! with a message when it is not installed, unless `SW_NATS_TESTS=1`, as
//! `make test` sets, demands it).

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use spreadwatch_engine::sources::nats::async_nats;

use crate::support::{get_json, spawn_serve};

#[tokio::test]
async fn ticks_in_and_updates_out_over_nats() {
    let dir = tempfile::tempdir().unwrap();
    let Some(broker) = crate::cluster::Broker::start(&dir.path().join("js")).await else {
        return;
    };
    let url = broker.url();
    let client = async_nats::connect(&url).await.unwrap();
    let mut updates = client.subscribe("spreadwatch.updates.>").await.unwrap();
    client.flush().await.unwrap();
    let source = format!("nats:{url}");
    let (_serve, base) = spawn_serve(&[
        "--source",
        &source,
        "--publish",
        &source,
        "--pair",
        "ETHUSDT/BTCUSDT",
        "--ui-dir",
        "/nonexistent",
    ]);
    let http = reqwest::Client::new();
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let st = get_json(&http, format!("{base}/api/status")).await;
        if st["sources"]["nats"]["state"] == "live" {
            break;
        }
        assert!(
            Instant::now() < end,
            "the nats source did not connect: {st}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Three seconds of trades, as Binance frames, on the ticks subjects.
    for i in 1..=300u64 {
        for (sym, px) in [
            ("BTCUSDT", 43_000.0 + (i % 7) as f64),
            ("ETHUSDT", 2_300.0 + (i % 5) as f64 * 0.1),
        ] {
            let t = 1_700_000_000_000 + i as i64 * 10;
            let frame = format!(
                r#"{{"stream":"{}@aggTrade","data":{{"e":"aggTrade","E":{},"s":"{sym}","a":{i},"p":"{px:.2}","q":"0.100","f":{i},"l":{i},"T":{t},"m":false}}}}"#,
                sym.to_lowercase(),
                t + 1
            );
            client
                .publish(format!("spreadwatch.ticks.{sym}"), frame.into())
                .await
                .unwrap();
        }
    }
    client.flush().await.unwrap();
    let end = Instant::now() + Duration::from_secs(15);
    loop {
        let st = get_json(&http, format!("{base}/api/status")).await;
        let n = |s: &str| st["symbols"][s]["ticks"].as_u64().unwrap_or(0);
        if n("BTCUSDT") == 300 && n("ETHUSDT") == 300 {
            break;
        }
        assert!(Instant::now() < end, "not every trade arrived: {st}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (mut closed_bar, mut pair) = (false, false);
    let end = Instant::now() + Duration::from_secs(15);
    while !(closed_bar && pair) {
        let left = end.saturating_duration_since(Instant::now());
        let Ok(Some(m)) = tokio::time::timeout(left, updates.next()).await else {
            panic!("updates missing on the bus: closed bar {closed_bar}, pair {pair}");
        };
        let v: serde_json::Value = serde_json::from_slice(&m.payload).unwrap();
        match m.subject.as_str() {
            "spreadwatch.updates.bar.BTCUSDT.1s" if v["kind"] == "closed" => {
                assert_eq!(v["type"], "bar");
                assert_eq!(v["bar"]["symbol"], "BTCUSDT");
                closed_bar = true;
            }
            "spreadwatch.updates.pair.ETHUSDT.BTCUSDT" => {
                assert_eq!(v["type"], "pair");
                assert_eq!(v["stats"]["pair"], "ETHUSDT/BTCUSDT");
                pair = true;
            }
            _ => {}
        }
    }
}
