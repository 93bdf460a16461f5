//! The dashboard through a cluster gateway, in a real Chromium: two shards
//! behind one gateway while an ingest instance publishes a paced replay.
//! A person opens the page, watches the first pair move, switches to a
//! pair the other shard owns, changes its window (which reaches that
//! shard), reads the feed panel, and reloads.

use std::time::Duration;

use fantoccini::Client;

use super::driver::{available, screenshot, wait_for, Driver};
use super::page::{dist, errors, select, set_input, snapshots, stat, text, R};
use crate::cluster::{spawn_ingest, spawn_shard, write_feed, Broker};
use crate::cluster_gateway::{found_both_shards, spawn_gateway};

#[tokio::test]
async fn the_dashboard_through_a_gateway_shows_every_shards_pairs() {
    match available(&dist()) {
        Ok(None) => {}
        Ok(Some(why)) => return eprintln!("skipped: {why}"),
        Err(e) => panic!("{e}"),
    }
    let dir = tempfile::tempdir().unwrap();
    let Some(broker) = Broker::start(&dir.path().join("js")).await else {
        return;
    };
    let url = broker.url();
    let feed = dir.path().join("feed.jsonl");
    write_feed(&feed);
    let (_s1, s1) = spawn_shard(&url, "1/2", &dir.path().join("s1"));
    let (_s2, s2) = spawn_shard(&url, "2/2", &dir.path().join("s2"));
    let (_gw, gw) = spawn_gateway(&url, &dist().display().to_string());
    found_both_shards(&reqwest::Client::new(), &gw).await;
    // 240 s of trades at 8x: half a minute of live data.
    let (_ingest, _) = spawn_ingest(&url, &feed, "8");
    let driver = Driver::start().expect("chromedriver");
    let client = driver.session(1280, 900).await.expect("browser session");
    let result = scenario(&client, &gw, [&s1, &s2]).await;
    if result.is_err() {
        let _ = screenshot(&client, "gateway-failure").await;
    }
    let _ = client.close().await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn scenario(c: &Client, gw: &str, shards: [&str; 2]) -> R<()> {
    // 1. The page loads from the gateway and shows the first pair, moving.
    c.goto(gw).await.map_err(|e| e.to_string())?;
    wait_for("the first snapshot", Duration::from_secs(20), || async {
        (snapshots(c).await.ok()? >= 1).then_some(())
    })
    .await?;
    shown(c, "ETHUSDT/BTCUSDT").await?;
    moving(c, (2_000.0, 3_000.0)).await?;
    screenshot(c, "gateway-01-first-pair").await?;

    // 2. A pair of the other shard: its own prices, live.
    select(c, "#ctl-pair", "XRPUSDT/SOLUSDT").await?;
    shown(c, "XRPUSDT/SOLUSDT").await?;
    moving(c, (0.3, 1.0)).await?;

    // 3. Its window reaches the shard that owns it, and only that one.
    set_input(c, "#ctl-window", "30").await?;
    wait_for(
        "window 30 on the owner",
        Duration::from_secs(15),
        || async {
            let mut owners = 0;
            for s in shards {
                // The other shard does not have the pair at all (404).
                owners += usize::from(window_of(s).await == Some(30));
            }
            (owners == 1).then_some(())
        },
    )
    .await?;
    screenshot(c, "gateway-02-other-shard").await?;

    // 4. The feed panel reads the shards' streams, every one live.
    let streams = streams_of(shards).await?;
    let want = format!("{streams} live · 0 silent · 0 reconnecting of {streams} streams");
    wait_for(&want, Duration::from_secs(15), || async {
        let t = text(c, "#health-summary").await.ok()?;
        t.contains(&want).then_some(())
    })
    .await?;

    // 5. A reload comes back to the same pair, still live.
    c.refresh().await.map_err(|e| e.to_string())?;
    shown(c, "XRPUSDT/SOLUSDT").await?;
    moving(c, (0.3, 1.0)).await?;
    let errs = errors(c).await?;
    if !errs.is_empty() {
        return Err(format!("page errors: {errs:?}"));
    }
    Ok(())
}

async fn shown(c: &Client, pair: &str) -> R<()> {
    wait_for(
        &format!("{pair} shown"),
        Duration::from_secs(15),
        || async { (text(c, "#pair-label").await.ok()? == pair).then_some(()) },
    )
    .await
}

/// Waits until the Y price is inside `range` and then changes.
async fn moving(c: &Client, range: (f64, f64)) -> R<()> {
    let first = wait_for("the Y price", Duration::from_secs(20), || async {
        let y = stat(c, "stat-y-price").await.ok()?;
        (y >= range.0 && y <= range.1).then_some(y)
    })
    .await?;
    wait_for("the Y price to move", Duration::from_secs(20), || async {
        let y = stat(c, "stat-y-price").await.ok()?;
        (y != first).then_some(())
    })
    .await
}

async fn window_of(shard: &str) -> Option<u64> {
    let url = format!("{shard}/api/pair?pair=XRPUSDT/SOLUSDT");
    let v: serde_json::Value = reqwest::get(url).await.ok()?.json().await.ok()?;
    v["params"]["window"].as_u64()
}

/// Streams the shards' sources read, in all.
async fn streams_of(shards: [&str; 2]) -> R<usize> {
    let mut n = 0;
    for s in shards {
        let st: serde_json::Value = reqwest::get(format!("{s}/api/status"))
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        n += st["sources"]["nats"]["symbols"]
            .as_object()
            .map_or(0, |m| m.len());
    }
    Ok(n)
}
