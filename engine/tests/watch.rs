//! The watchlist and the heatmap at market scale over real sockets: a
//! session watching pairs gets their stats (not their bars) and sees them
//! in its snapshot with a z line, at most 32 and only pairs that can run;
//! the correlation matrix covers the symbols named or the busiest, never
//! the whole market.

use std::time::{Duration, Instant};

use futures_util::SinkExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::server::{connect, next_json, wait_for, Ws};
use crate::support::{get_json, spawn_serve};

const SIM: [&str; 6] = [
    "--source",
    "sim",
    "--symbols",
    "ETHUSDT,BTCUSDT,SOLUSDT,BNBUSDT",
    "--pair",
    "ETHUSDT/BTCUSDT",
];

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

/// The pairs of `pair` frames and the symbols of `bar` frames over `secs`;
/// a provisional `pair` frame of any pair but `focus` fails the test.
async fn heard(ws: &mut Ws, secs: u64, focus: &str) -> (Vec<String>, Vec<String>) {
    let (mut pairs, mut bars) = (Vec::new(), Vec::new());
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        let Some(m) = next_json(ws, Duration::from_secs(1)).await else {
            continue;
        };
        let watched_only = m["type"] == "pair" && m["stats"]["pair"] != focus;
        assert!(
            !watched_only || m["point"].is_object(),
            "a watched pair's provisional frame: {m}"
        );
        let (list, key) = match m["type"].as_str() {
            Some("pair") => (&mut pairs, m["stats"]["pair"].as_str()),
            Some("bar") => (&mut bars, m["bar"]["symbol"].as_str()),
            _ => continue,
        };
        if let Some(k) = key.filter(|k| !list.contains(&k.to_string())) {
            list.push(k.to_string());
        }
    }
    pairs.sort();
    bars.sort();
    (pairs, bars)
}

#[tokio::test]
async fn a_watched_pair_pushes_its_stats_and_its_line_not_its_bars() {
    let (_child, url) = spawn_serve(&SIM);
    let mut ws = connect(&url, "").await;
    wait_for(&mut ws, "snapshot", |m| m["type"] == "snapshot").await;
    let watch = [
        "SOLUSDT/ETHUSDT",
        "BNBUSDT/BTCUSDT",
        "SOLUSDT/ETHUSDT",
        "NOPEUSDT/BTCUSDT",
    ];
    send(
        &mut ws,
        serde_json::json!({"type": "subscribe", "pair": "ETHUSDT/BTCUSDT", "watch": watch}),
    )
    .await;
    let snap = wait_for(&mut ws, "snapshot", |m| m["type"] == "snapshot").await;
    // A repeat counts once; a pair with a leg not tracked is left out.
    assert_eq!(
        snap["subscription"]["watch"],
        serde_json::json!(["SOLUSDT/ETHUSDT", "BNBUSDT/BTCUSDT"])
    );
    let rows: Vec<&str> = snap["watch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["pair"].as_str().unwrap())
        .collect();
    assert_eq!(rows, ["SOLUSDT/ETHUSDT", "BNBUSDT/BTCUSDT"]);
    let running = get_json(&reqwest::Client::new(), format!("{url}/api/pairs")).await;
    assert!(
        running["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "BNBUSDT/BTCUSDT"),
        "{running}"
    );
    let (pairs, bars) = heard(&mut ws, 4, "ETHUSDT/BTCUSDT").await;
    assert_eq!(
        pairs,
        ["BNBUSDT/BTCUSDT", "ETHUSDT/BTCUSDT", "SOLUSDT/ETHUSDT"]
    );
    assert_eq!(bars, ["BTCUSDT", "ETHUSDT"], "watching pushes no bars");

    // A short window gives z at once; the next snapshot's row has its line.
    let patch = serde_json::json!({"window": 5, "lookback": 20});
    send(
        &mut ws,
        serde_json::json!({"type": "set_params", "pair": "SOLUSDT/ETHUSDT", "params": patch}),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    send(&mut ws, serde_json::json!({"type": "subscribe", "pair": "ETHUSDT/BTCUSDT", "watch": ["SOLUSDT/ETHUSDT"]})).await;
    let snap = wait_for(&mut ws, "snapshot", |m| m["type"] == "snapshot").await;
    let row = &snap["watch"][0];
    let line = row["spark"].as_array().unwrap();
    assert!(line.len() >= 3 && row["latest"]["z"].is_number(), "{row}");
    assert!(
        line.windows(2).all(|w| w[0][0].as_i64() < w[1][0].as_i64()),
        "{row}"
    );
    let (pairs, _) = heard(&mut ws, 3, "ETHUSDT/BTCUSDT").await;
    assert_eq!(
        pairs,
        ["ETHUSDT/BTCUSDT", "SOLUSDT/ETHUSDT"],
        "unwatched: no more"
    );
}

#[tokio::test]
async fn a_watchlist_is_32_pairs_at_most_and_a_refusal_starts_none() {
    let (_child, url) = spawn_serve(&SIM);
    let http = reqwest::Client::new();
    let mut ws = connect(&url, "").await;
    wait_for(&mut ws, "snapshot", |m| m["type"] == "snapshot").await;
    let legs = ["ETHUSDT", "BTCUSDT", "SOLUSDT", "BNBUSDT"];
    let mut many: Vec<String> = Vec::new();
    for y in legs {
        for x in legs.iter().filter(|x| **x != y) {
            many.push(format!("{y}/{x}"));
        }
    }
    // 12 real pairs and 21 made up: 33 in all.
    many.extend((0..21).map(|i| format!("X{i}USDT/BTCUSDT")));
    let before = get_json(&http, format!("{url}/api/pairs")).await;
    send(
        &mut ws,
        serde_json::json!({"type": "subscribe", "watch": many}),
    )
    .await;
    let err = wait_for(&mut ws, "error", |m| m["type"] == "error").await;
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("33 watched pairs; at most 32"),
        "{err}"
    );
    assert_eq!(
        get_json(&http, format!("{url}/api/pairs")).await,
        before,
        "nothing started"
    );
}

#[tokio::test]
async fn the_heatmap_covers_the_symbols_named_or_the_busiest() {
    let (_child, url) = spawn_serve(&SIM);
    let http = reqwest::Client::new();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let get = |q: &str| {
        get_json(
            &http,
            format!("{url}/api/correlation?interval=1s&window=60{q}"),
        )
    };
    let named = get("&symbols=SOLUSDT,ETHUSDT,NOPEUSDT").await;
    assert_eq!(
        named["symbols"],
        serde_json::json!(["SOLUSDT", "ETHUSDT", "NOPEUSDT"])
    );
    assert!(
        named["matrix"][2]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_null),
        "{named}"
    );
    let top = get("&top=2").await;
    assert_eq!(top["symbols"].as_array().unwrap().len(), 2, "{top}");
    let all = get("").await;
    assert_eq!(
        all["symbols"].as_array().unwrap().len(),
        4,
        "all four: fewer than 20"
    );
    for bad in [
        "&top=1",
        "&top=65",
        &format!(
            "&symbols={}",
            (0..65)
                .map(|i| format!("S{i}USDT"))
                .collect::<Vec<_>>()
                .join(",")
        ),
    ] {
        let r = http
            .get(format!("{url}/api/correlation?{bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn a_started_pair_nobody_shows_or_watches_stops_after_the_idle_time() {
    let mut args = SIM.to_vec();
    args.extend(["--pair-idle", "2s"]);
    let (_child, url) = spawn_serve(&args);
    let http = reqwest::Client::new();
    let running = || async {
        let v = get_json(&http, format!("{url}/api/pairs")).await;
        let mut list: Vec<String> = serde_json::from_value(v["pairs"].clone()).unwrap();
        list.sort();
        list
    };
    let mut a = connect(&url, "").await;
    wait_for(&mut a, "snapshot", |m| m["type"] == "snapshot").await;
    let ask = serde_json::json!({"type": "subscribe", "pair": "SOLUSDT/ETHUSDT", "watch": ["BNBUSDT/BTCUSDT"]});
    send(&mut a, ask).await;
    wait_for(&mut a, "snapshot", |m| m["type"] == "snapshot").await;
    let mut b = connect(&url, "").await;
    wait_for(&mut b, "snapshot", |m| m["type"] == "snapshot").await;
    send(
        &mut b,
        serde_json::json!({"type": "subscribe", "watch": ["BNBUSDT/BTCUSDT"]}),
    )
    .await;
    wait_for(&mut b, "snapshot", |m| m["type"] == "snapshot").await;
    assert_eq!(running().await.len(), 3);

    // The one who showed SOLUSDT/ETHUSDT leaves; b still watches BNB.
    a.close(None).await.unwrap();
    let end = Instant::now() + Duration::from_secs(15);
    while running().await.contains(&"SOLUSDT/ETHUSDT".to_string()) {
        assert!(Instant::now() < end, "SOLUSDT/ETHUSDT still runs");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        running().await,
        ["BNBUSDT/BTCUSDT", "ETHUSDT/BTCUSDT"],
        "watched, and configured"
    );
    b.close(None).await.unwrap();
    let end = Instant::now() + Duration::from_secs(15);
    while running().await.len() > 1 {
        assert!(Instant::now() < end, "BNBUSDT/BTCUSDT still runs");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        running().await,
        ["ETHUSDT/BTCUSDT"],
        "a configured pair stays"
    );
    let metrics = crate::support::get_text(&http, format!("{url}/metrics")).await;
    assert!(
        metrics.contains("spreadwatch_pairs_released_total 2"),
        "{metrics}"
    );
}
