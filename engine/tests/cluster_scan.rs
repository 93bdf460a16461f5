//! Shards following the market ranking (`--pairs scan:N`), against
//! `nats-server -js` on 127.0.0.1: the ingest instance ranks the whole
//! market and publishes each ranking; two shards split its top N between
//! them, each pair run exactly once, and a gateway serves them all.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cluster::{exits, write_feed_of, Broker};
use crate::cluster_gateway::spawn_gateway;
use crate::support::{bin, get_json, spawn_serve, ChildGuard};

/// The strings of a JSON array (none when it is not one).
fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The owned pairs a shard reports.
fn owned(st: &Value) -> BTreeSet<String> {
    strings(&st["cluster"]["shard"]["owned"])
}

#[tokio::test]
async fn two_shards_split_the_rankings_top_pairs_between_them() {
    let dir = tempfile::tempdir().unwrap();
    let Some(broker) = Broker::start(&dir.path().join("js")).await else {
        return;
    };
    let url = broker.url();
    let feed = dir.path().join("feed.jsonl");
    // An hour: a ranking on every 1 m close once 40 bars are in (the
    // cointegration test's lag search needs that many).
    write_feed_of(&feed, 3600);
    let source = format!("nats:{url}");
    let mut shards = Vec::new();
    for spec in ["1/2", "2/2"] {
        let data = dir
            .path()
            .join(spec.replace('/', "of"))
            .display()
            .to_string();
        shards.push(spawn_serve(&[
            "--source",
            &source,
            "--shard",
            spec,
            "--pairs",
            "scan:2",
            "--data-dir",
            &data,
            "--save-interval",
            "200ms",
            "--ui-dir",
            "/nonexistent",
        ]));
    }
    let (_gw, gw) = spawn_gateway(&url, "/nonexistent");
    let mut ingest = ChildGuard(
        bin()
            .args([
                "ingest",
                "--bind",
                "127.0.0.1:0",
                "--speed",
                "240",
                "--publish",
                &source,
            ])
            .args(["--scan-lookback", "40", "--scan-min-corr", "0"])
            .arg("--source")
            .arg(format!("replay:{}", feed.display()))
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn spreadwatch ingest"),
    );
    exits(&mut ingest, Duration::from_secs(90), "the ingest").await;

    // After the last ranking: the two pairs, each on exactly one shard, and
    // both on the gateway.
    let http = reqwest::Client::new();
    let end = Instant::now() + Duration::from_secs(20);
    let (a, b) = loop {
        let a = owned(&get_json(&http, format!("{}/api/status", shards[0].1)).await);
        let b = owned(&get_json(&http, format!("{}/api/status", shards[1].1)).await);
        let pairs = get_json(&http, format!("{gw}/api/pairs")).await;
        let at_gw = strings(&pairs["pairs"]);
        let union: BTreeSet<String> = a.union(&b).cloned().collect();
        if a.len() + b.len() == 2 && union.len() == 2 && union == at_gw {
            break (a, b);
        }
        assert!(
            Instant::now() < end,
            "shards {a:?} and {b:?}, gateway {at_gw:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(a.is_disjoint(&b));
    // Each shard runs exactly what it says it owns.
    for ((_, base), mine) in shards.iter().zip([&a, &b]) {
        let v = get_json(&http, format!("{base}/api/pairs")).await;
        let running = strings(&v["pairs"]);
        assert_eq!(&running, mine, "{base}");
    }
    for (_, base) in &shards {
        let st = get_json(&http, format!("{base}/api/status")).await;
        let none = st["scan"].is_null();
        assert!(none, "a shard runs no scanner of its own: {st}");
    }
    // The gateway shows the market ranking ingest published, whose top 2
    // the shards run.
    let scan = get_json(&http, format!("{gw}/api/scan")).await;
    let rows = scan["results"].as_array().cloned().unwrap_or_default();
    let name = |r: &Value| {
        format!(
            "{}/{}",
            r["y"].as_str().unwrap_or(""),
            r["x"].as_str().unwrap_or("")
        )
    };
    let top: BTreeSet<String> = rows.iter().take(2).map(name).collect();
    let union: BTreeSet<String> = a.union(&b).cloned().collect();
    assert_eq!(top, union, "{scan}");
}
