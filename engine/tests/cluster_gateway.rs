//! A gateway in front of two shards, against `nats-server -js` on
//! 127.0.0.1: a browser's session on the gateway sees what a session on a
//! single `serve` of the same feed sees, REST reads answer for every pair of
//! the cluster, and a parameter change goes to the pair's owner.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures_util::SinkExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::cluster::{
    caught_up, exits, finished, same_pairs_and_bars, spawn_ingest, spawn_shard, write_feed, Broker,
    PAIRS, SYMBOLS,
};
use crate::server::{connect, next_json, wait_for, Ws};
use crate::support::{bin, get_json, spawn_announced, spawn_serve, ChildGuard};

/// Spawns `spreadwatch gateway` on the cluster at `url`, serving the
/// dashboard from `ui`.
pub(crate) fn spawn_gateway(url: &str, ui: &str) -> (ChildGuard, String) {
    let mut cmd = bin();
    cmd.args(["gateway", "--bind", "127.0.0.1:0", "--ui-dir", ui])
        .args(["--nats", url]);
    spawn_announced(cmd)
}

/// Every frame a session receives for `secs`.
async fn frames(mut ws: Ws, secs: u64) -> Vec<Value> {
    let mut out = Vec::new();
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if let Some(m) = next_json(&mut ws, Duration::from_millis(500)).await {
            out.push(m);
        }
    }
    out
}

/// What a session saw: its frame types (alerts aside: they follow
/// provisional z, paced by the wall clock), whether its frames' `seq` only
/// grew, and the symbols of its bar frames.
fn seen(frames: &[Value]) -> (BTreeSet<String>, bool, BTreeSet<String>) {
    let types = frames
        .iter()
        .filter_map(|m| m["type"].as_str())
        .filter(|t| *t != "alert")
        .map(str::to_string)
        .collect();
    let seqs: Vec<u64> = frames.iter().filter_map(|m| m["seq"].as_u64()).collect();
    let rising = seqs.len() == frames.len() && seqs.windows(2).all(|w| w[0] < w[1]);
    let bars = frames
        .iter()
        .filter(|m| m["type"] == "bar")
        .filter_map(|m| m["bar"]["symbol"].as_str())
        .map(str::to_string)
        .collect();
    (types, rising, bars)
}

/// Waits until the gateway has heard from both shards and their 4 pairs.
pub(crate) async fn found_both_shards(http: &reqwest::Client, gw: &str) {
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let st = get_json(http, format!("{gw}/api/status")).await;
        let g = &st["cluster"]["gateway"];
        if g["pairs"] == 4 && g["shards"].as_array().map(Vec::len) == Some(2) {
            return;
        }
        assert!(Instant::now() < end, "the gateway found no shards: {st}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_gateway_serves_every_pair_of_the_cluster_as_one_instance_does() {
    let dir = tempfile::tempdir().unwrap();
    let Some(broker) = Broker::start(&dir.path().join("js")).await else {
        return;
    };
    let url = broker.url();
    let feed = dir.path().join("feed.jsonl");
    let counts = write_feed(&feed);
    let http = reqwest::Client::new();
    let (_s1, s1) = spawn_shard(&url, "1/2", &dir.path().join("s1"));
    let (_s2, s2) = spawn_shard(&url, "2/2", &dir.path().join("s2"));
    let (_gw, gw) = spawn_gateway(&url, "/nonexistent");
    found_both_shards(&http, &gw).await;

    // A session on the gateway and one on a single instance, both paced at
    // 40x, watch the same feed go by.
    let source = format!("replay:{}", feed.display());
    let one = ["--source", &source, "--speed", "40", "--pair", PAIRS];
    let (_one, single) = spawn_serve(&[&one[..], &["--ui-dir", "/nonexistent"]].concat());
    let (gw_ws, one_ws) = (connect(&gw, "").await, connect(&single, "").await);
    let (mut ingest, _) = spawn_ingest(&url, &feed, "40");
    let (at_gw, at_one) = tokio::join!(frames(gw_ws, 10), frames(one_ws, 10));
    for (who, f) in [("gateway", &at_gw), ("single", &at_one)] {
        assert_eq!(f[0]["type"], "snapshot", "{who}: {}", f[0]);
        assert_eq!(f[0]["pair"]["pair"], "ETHUSDT/BTCUSDT", "{who}");
    }
    let (gw_seen, one_seen) = (seen(&at_gw), seen(&at_one));
    assert_eq!(gw_seen.0, one_seen.0, "the same frame types");
    assert!(
        gw_seen.0.contains("pair") && gw_seen.0.contains("bar"),
        "{:?}",
        gw_seen.0
    );
    assert!(gw_seen.1 && one_seen.1, "seq only grows on both");
    assert_eq!(gw_seen.2, one_seen.2, "bars of the same symbols");
    let committed = |f: &[Value]| {
        f.iter()
            .any(|m| m["type"] == "pair" && m["point"].is_object())
    };
    assert!(committed(&at_gw) && committed(&at_one));

    // At the end the gateway's REST reads equal the single instance's, for
    // every pair of the cluster (from both shards).
    exits(&mut ingest, Duration::from_secs(60), "the ingest").await;
    finished(&http, &single).await;
    for s in [&s1, &s2] {
        caught_up(&http, s, &counts).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pairs: Vec<String> = PAIRS.split(',').map(str::to_string).collect();
    let legs: Vec<String> = SYMBOLS.iter().map(|s| s.to_string()).collect();
    same_pairs_and_bars(&http, &gw, &single, &pairs, &legs).await;
    // Its feed health is the shards': each one's source, every leg.
    let st = get_json(&http, format!("{gw}/api/status")).await;
    for shard in ["1/2", "2/2"] {
        let src = &st["sources"][format!("nats (shard {shard})")];
        assert_eq!(src["state"], "live", "{shard}: {st}");
    }
    let symbols = st["symbols"].as_object().unwrap();
    assert_eq!(symbols.len(), 4, "{st}");
    assert!(
        symbols.values().all(|v| v["ticks"].as_u64() > Some(0)),
        "{st}"
    );

    // A parameter change on the gateway reaches the pair's owner.
    let mut ws = connect(&gw, "").await;
    wait_for(&mut ws, "snapshot", |m| m["type"] == "snapshot").await;
    let set = serde_json::json!({"type": "set_params", "pair": "ETHUSDT/BTCUSDT", "params": {"z_threshold": 2.5}});
    ws.send(Message::Text(set.to_string().into()))
        .await
        .unwrap();
    let p = wait_for(&mut ws, "params", |m| m["type"] == "params").await;
    assert_eq!(p["params"]["z_threshold"], 2.5, "{p}");
    let mut owners = 0;
    for s in [&s1, &s2] {
        let v = get_json(&http, format!("{s}/api/pair?pair=ETHUSDT/BTCUSDT")).await;
        owners += usize::from(v["params"]["z_threshold"] == 2.5);
    }
    assert_eq!(owners, 1, "exactly the owner changed");
    let m = crate::support::get_text(&http, format!("{gw}/metrics")).await;
    assert!(m.contains("spreadwatch_gateway_pairs 4"), "{m}");
}
