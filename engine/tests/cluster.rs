//! The NATS JetStream cluster against Debian's `nats-server -js` on
//! 127.0.0.1, every role a real `spreadwatch` process: ingest instances
//! publishing a replay, analytics shards reading it through their durable
//! consumers, one killed with SIGKILL and one broker outage. Skipped with a
//! message when nats-server is not installed, unless `SW_NATS_TESTS=1` (as
//! `make test` sets) demands it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use spreadwatch_engine::sources::nats::async_nats;

use crate::support::{bin, get_json, get_text, spawn_announced, spawn_serve, ChildGuard};

const NATS_SERVER: &str = "/usr/sbin/nats-server";

/// Data-time start of the feed, ms (a 5-minute boundary).
const T0: i64 = 1_700_000_100_000;
/// Seconds of trading, and trades per second per symbol.
const SECONDS: i64 = 240;
const RATE: i64 = 4;
/// One last trade per symbol this long after the feed, so every bar of the
/// feed is closed in a shard too (a replay's end closes its forming bars;
/// a stream has no end).
const LATE_MS: i64 = 120_000;
pub(crate) const SYMBOLS: [&str; 4] = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"];
pub(crate) const PAIRS: &str = "ETHUSDT/BTCUSDT,SOLUSDT/BTCUSDT,XRPUSDT/SOLUSDT,XRPUSDT/ETHUSDT";

/// `nats-server -js` on a port, storing in a directory, restartable.
pub(crate) struct Broker {
    child: Option<ChildGuard>,
    port: u16,
    store: PathBuf,
}

impl Broker {
    /// A broker, or `None` (the test skips) when nats-server is missing.
    pub(crate) async fn start(store: &Path) -> Option<Broker> {
        if !Path::new(NATS_SERVER).exists() {
            assert!(
                std::env::var("SW_NATS_TESTS").as_deref() != Ok("1"),
                "SW_NATS_TESTS=1 but {NATS_SERVER} is missing (apt-get install nats-server)"
            );
            eprintln!("skipped: {NATS_SERVER} is not installed");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut b = Broker {
            child: None,
            port,
            store: store.to_path_buf(),
        };
        b.run().await;
        Some(b)
    }

    pub(crate) async fn run(&mut self) {
        let child = Command::new(NATS_SERVER)
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-sd",
            ])
            .arg(&self.store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server");
        self.child = Some(ChildGuard(child));
        let end = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < end, "nats-server did not listen");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the broker (SIGTERM, as an operator would) and waits for it.
    pub(crate) async fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            crate::support::sigterm(&mut c, Duration::from_secs(10), "nats-server did not stop")
                .await;
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

/// Writes the feed: four symbols, two cointegrated pairs among them, as
/// Binance aggTrade frames. Returns the trades per symbol.
pub(crate) fn write_feed(path: &Path) -> BTreeMap<&'static str, u64> {
    write_feed_of(path, SECONDS)
}

/// [`write_feed`] of `seconds` of trading.
pub(crate) fn write_feed_of(path: &Path, seconds: i64) -> BTreeMap<&'static str, u64> {
    let mut rng = crate::browser::feed::Rng(0x5eed);
    let mut uniform = move || rng.next();
    let (mut btc, mut sol, mut s1, mut s2) = (43_000.0f64, 100.0f64, 0.0f64, 0.0f64);
    let mut text = String::new();
    let mut ids: BTreeMap<&'static str, u64> = SYMBOLS.iter().map(|s| (*s, 0)).collect();
    let mut frame = |text: &mut String, sym: &'static str, px: f64, t: i64| {
        let id = ids.get_mut(sym).unwrap();
        *id += 1;
        let _ = writeln!(
            text,
            r#"{{"stream":"{}@aggTrade","data":{{"e":"aggTrade","E":{},"s":"{sym}","a":{id},"p":"{px:.4}","q":"0.500","f":{id},"l":{id},"T":{t},"m":{}}}}}"#,
            sym.to_lowercase(),
            t + 3,
            (*id).is_multiple_of(3)
        );
    };
    for i in 0..seconds * RATE {
        let t = T0 + i * 1000 / RATE;
        btc += uniform() * 8.0;
        sol *= 1.0 + uniform() * 2e-3;
        s1 = 0.9 * s1 + uniform() * 0.6;
        s2 = 0.9 * s2 + uniform() * 2e-3;
        let eth = 0.05 * btc + 150.0 + s1;
        let xrp = 0.006 * sol + s2;
        for (sym, px) in [
            ("BTCUSDT", btc),
            ("ETHUSDT", eth),
            ("SOLUSDT", sol),
            ("XRPUSDT", xrp),
        ] {
            frame(&mut text, sym, px, t);
        }
    }
    let late = T0 + seconds * 1000 + LATE_MS;
    for (sym, px) in [
        ("BTCUSDT", btc),
        ("ETHUSDT", 0.05 * btc + 150.0),
        ("SOLUSDT", sol),
        ("XRPUSDT", 0.006 * sol),
    ] {
        frame(&mut text, sym, px, late);
    }
    std::fs::write(path, text).unwrap();
    ids
}

/// Spawns `spreadwatch ingest` publishing `feed` to `url`; returns it with
/// its base URL.
pub(crate) fn spawn_ingest(url: &str, feed: &Path, speed: &str) -> (ChildGuard, String) {
    let mut cmd = bin();
    cmd.args(["ingest", "--bind", "127.0.0.1:0", "--speed", speed])
        .arg(format!("--source=replay:{}", feed.display()))
        .args(["--publish", &format!("nats:{url}")]);
    spawn_announced(cmd)
}

/// Spawns shard `spec` of the cluster at `url`, saving in `data`.
pub(crate) fn spawn_shard(url: &str, spec: &str, data: &Path) -> (ChildGuard, String) {
    let source = format!("nats:{url}");
    let data = data.display().to_string();
    spawn_serve(&[
        "--source",
        &source,
        "--shard",
        spec,
        "--pair",
        PAIRS,
        "--data-dir",
        &data,
        "--save-interval",
        "200ms",
        "--ui-dir",
        "/nonexistent",
    ])
}

/// Waits (bounded) for a process to exit by itself, successfully.
pub(crate) async fn exits(child: &mut ChildGuard, within: Duration, what: &str) {
    let end = Instant::now() + within;
    loop {
        if let Some(st) = child.0.try_wait().unwrap() {
            assert!(st.success(), "{what} failed: {st}");
            return;
        }
        assert!(Instant::now() < end, "{what} did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until a shard holds every trade of its legs and its consumer has
/// nothing pending; returns its status.
pub(crate) async fn caught_up(
    http: &reqwest::Client,
    base: &str,
    want: &BTreeMap<&str, u64>,
) -> Value {
    let end = Instant::now() + Duration::from_secs(90);
    loop {
        let st = get_json(http, format!("{base}/api/status")).await;
        let legs = st["symbols"].as_object().cloned().unwrap_or_default();
        let all = !legs.is_empty()
            && legs
                .iter()
                .all(|(s, v)| v["ticks"].as_u64() == want.get(s.as_str()).copied());
        let c = &st["cluster"]["consumer"];
        if all && c["pending"] == 0 && c["ack_pending"] == 0 {
            return st;
        }
        assert!(Instant::now() < end, "the shard did not catch up: {st}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The trades the tick stream holds.
pub(crate) async fn stream_messages(url: &str) -> u64 {
    let client = async_nats::connect(url).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let mut s = js.get_stream("SPREADWATCH_TICKS").await.unwrap();
    s.info().await.unwrap().state.messages
}

/// Lines of a CSV whose first column (a time, ms) is before the late
/// trades, and that satisfy `keep`.
pub(crate) fn before_late(csv: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let cut = T0 + SECONDS * 1000;
    csv.lines()
        .skip(1)
        .filter(|l| l.split(',').next().and_then(|t| t.parse::<i64>().ok()) < Some(cut))
        .filter(|l| keep(l))
        .map(str::to_string)
        .collect()
}

/// A pair's processed rows without the columns paced by the wall clock:
/// Huber and Theil-Sen are re-estimated every 250 ms of wall time and the
/// alert follows provisional z, so no two runs of any kind agree on them.
pub(crate) fn deterministic(csv: &str) -> Vec<String> {
    before_late(csv, |_| true)
        .into_iter()
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            [&c[..5], &c[7..c.len() - 1]].concat().join(",")
        })
        .collect()
}

/// Asserts a shard's pairs and legs equal the single instance's.
async fn same_as_single(http: &reqwest::Client, shard: &str, single: &str, st: &Value) {
    let owned: Vec<String> = st["cluster"]["shard"]["owned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    assert!(!owned.is_empty(), "the shard owns no pair: {st}");
    let legs: Vec<String> = st["symbols"].as_object().unwrap().keys().cloned().collect();
    same_pairs_and_bars(http, shard, single, &owned, &legs).await;
}

/// Asserts `base`'s rows of `pairs` and bars of `legs` equal the single
/// instance's.
pub(crate) async fn same_pairs_and_bars(
    http: &reqwest::Client,
    base: &str,
    single: &str,
    pairs: &[String],
    legs: &[String],
) {
    let shard = base;
    for p in pairs {
        let q = format!("/api/export/pair?pair={p}");
        let (a, b) = (
            get_text(http, format!("{shard}{q}")).await,
            get_text(http, format!("{single}{q}")).await,
        );
        let (a, b) = (deterministic(&a), deterministic(&b));
        assert_eq!(a.len() as i64, SECONDS, "{p}: one row per second");
        assert_eq!(
            a, b,
            "{p}: the shard's rows differ from the single instance's"
        );
    }
    for iv in ["1s", "1m", "5m"] {
        let q = format!("/api/export?interval={iv}");
        let of_legs = |l: &str| legs.iter().any(|s| l.split(',').nth(1) == Some(s.as_str()));
        let a = before_late(&get_text(http, format!("{shard}{q}")).await, of_legs);
        let b = before_late(&get_text(http, format!("{single}{q}")).await, of_legs);
        assert!(!a.is_empty(), "{iv}: no bars");
        assert_eq!(
            a, b,
            "{iv} bars of {legs:?} differ from the single instance's"
        );
    }
}

/// The single instance: the same feed replayed by one `serve`.
pub(crate) async fn single_run(http: &reqwest::Client, feed: &Path) -> (ChildGuard, String) {
    let source = format!("replay:{}", feed.display());
    let (child, base) = spawn_serve(&[
        "--source",
        &source,
        "--pair",
        PAIRS,
        "--ui-dir",
        "/nonexistent",
    ]);
    finished(http, &base).await;
    (child, base)
}

/// Waits until a single instance's replay is read to its end.
pub(crate) async fn finished(http: &reqwest::Client, base: &str) {
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        let st = get_json(http, format!("{base}/api/status")).await;
        if st["sources"]["replay"]["state"] == "finished" {
            break;
        }
        assert!(Instant::now() < end, "the single run did not finish: {st}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The slow estimators' last round lands after the last bar.
    tokio::time::sleep(Duration::from_millis(500)).await;
}

#[tokio::test]
async fn two_ingests_and_two_shards_equal_one_instance_and_a_killed_shard_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let Some(_broker) = Broker::start(&dir.path().join("js")).await else {
        return;
    };
    let url = _broker.url();
    let feed = dir.path().join("feed.jsonl");
    let counts = write_feed(&feed);
    let total: u64 = counts.values().sum();
    let http = reqwest::Client::new();
    let (_single, single) = single_run(&http, &feed).await;

    // Two shards read while the first ingest instance publishes at 40x
    // (about 6 s); shard 2 is killed with SIGKILL in the middle.
    let (d1, d2) = (dir.path().join("s1"), dir.path().join("s2"));
    let (mut ingest_a, _) = spawn_ingest(&url, &feed, "40");
    let (_s1, s1) = spawn_shard(&url, "1/2", &d1);
    let (mut s2_child, s2) = spawn_shard(&url, "2/2", &d2);
    // Killed as soon as it has trades in hand, before its next save.
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let st = get_json(&http, format!("{s2}/api/status")).await;
        if st["cluster"]["consumer"]["delivered"].as_u64() > Some(0) {
            break;
        }
        assert!(Instant::now() < end, "shard 2 received nothing: {st}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s2_child.0.kill().unwrap();
    s2_child.0.wait().unwrap();
    let (_s2, s2) = spawn_shard(&url, "2/2", &d2);
    exits(&mut ingest_a, Duration::from_secs(60), "the first ingest").await;

    // The second, redundant instance publishes the same trades again: the
    // broker stores none of them twice.
    let (mut ingest_b, _) = spawn_ingest(&url, &feed, "max");
    exits(&mut ingest_b, Duration::from_secs(60), "the second ingest").await;
    assert_eq!(
        stream_messages(&url).await,
        total,
        "the stream holds each trade once"
    );

    for (base, spec) in [(&s1, "1/2"), (&s2, "2/2")] {
        let st = caught_up(&http, base, &counts).await;
        same_as_single(&http, base, &single, &st).await;
        let c = &st["cluster"];
        assert_eq!(c["role"], "shard");
        assert_eq!(c["state"], "live");
        assert_eq!(c["shard"]["count"], 2, "{spec}");
        let members = c["shard"]["members"].as_array().unwrap();
        assert_eq!(members.len(), 2, "both shards are members: {c}");
        let consumer = &c["consumer"];
        assert!(consumer["acked"].as_u64() > Some(0), "{spec}: {consumer}");
        if spec == "2/2" {
            // What the killed run had received but not saved came again.
            assert!(consumer["redelivered"].as_u64() > Some(0), "{consumer}");
        }
        let metrics = get_text(&http, format!("{base}/metrics")).await;
        assert!(
            metrics.contains("spreadwatch_nats_consumer_redelivered_total"),
            "{metrics}"
        );
    }
}

#[tokio::test]
async fn a_broker_stopped_for_10_s_is_reported_retried_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let Some(mut broker) = Broker::start(&dir.path().join("js")).await else {
        return;
    };
    let url = broker.url();
    let feed = dir.path().join("feed.jsonl");
    let counts = write_feed(&feed);
    let total: u64 = counts.values().sum();
    let http = reqwest::Client::new();

    // 240 s of trades at 10x: 24 s of publishing, 10 s of it with no broker.
    let (mut ingest, ib) = spawn_ingest(&url, &feed, "10");
    let (_shard, sb) = spawn_shard(&url, "1/1", &dir.path().join("s1"));
    let (_gw, gw) = crate::cluster_gateway::spawn_gateway(&url, "/nonexistent");
    tokio::time::sleep(Duration::from_secs(4)).await;
    broker.stop().await;
    let stopped = Instant::now();
    let mut seen = (false, false, 0u64, false);
    while stopped.elapsed() < Duration::from_secs(10) {
        let i = get_json(&http, format!("{ib}/api/status")).await;
        let s = get_json(&http, format!("{sb}/api/status")).await;
        let g = get_json(&http, format!("{gw}/api/status")).await;
        seen.0 |= i["cluster"]["state"] == "reconnecting";
        seen.1 |= s["cluster"]["state"] == "reconnecting";
        seen.3 |= g["cluster"]["state"] == "reconnecting";
        seen.2 = seen
            .2
            .max(i["cluster"]["publish"]["buffered"].as_u64().unwrap_or(0));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        seen.0 && seen.1 && seen.3,
        "each role says the broker is gone: ingest {}, shard {}, gateway {}",
        seen.0,
        seen.1,
        seen.3
    );
    assert!(
        seen.2 > 0,
        "the ingest instance buffered while the broker was away"
    );
    broker.run().await;

    // Until it exits, what the ingest instance says it had to drop.
    let mut last = Value::Null;
    let end = Instant::now() + Duration::from_secs(90);
    while ingest.0.try_wait().unwrap().is_none() {
        if let Ok(r) = http.get(format!("{ib}/api/status")).send().await {
            if let Ok(v) = r.json::<Value>().await {
                last = v["cluster"]["publish"].clone();
            }
        }
        assert!(Instant::now() < end, "the ingest did not finish: {last}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    exits(&mut ingest, Duration::from_secs(1), "the ingest").await;
    assert_eq!(last["dropped"], 0, "{last}");
    assert!(
        last["failed"].as_u64() > Some(0),
        "failures are counted: {last}"
    );
    assert_eq!(
        stream_messages(&url).await,
        total,
        "every trade reached the stream once"
    );
    let st = caught_up(&http, &sb, &counts).await;
    assert_eq!(st["cluster"]["state"], "live");
    // The gateway is back too, and reaches the shard again.
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let g = get_json(&http, format!("{gw}/api/status")).await;
        let p = get_json(&http, format!("{gw}/api/pair?pair=ETHUSDT/BTCUSDT")).await;
        if g["cluster"]["state"] == "live" && p["pair"] == "ETHUSDT/BTCUSDT" {
            break;
        }
        assert!(
            Instant::now() < end,
            "the gateway did not come back: {g} {p}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_single, single) = single_run(&http, &feed).await;
    same_as_single(&http, &sb, &single, &st).await;
}
