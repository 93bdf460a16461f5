//! The push server: snapshot then sequenced deltas that rebuild the exported
//! bars, and slow clients resync without growing memory (the REST, security
//! and upload rules are in `server_rules.rs`). Real server process, real
//! WebSocket and HTTP clients.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{data, get_json, get_text, spawn_serve};

pub(crate) type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) async fn connect(url: &str, query: &str) -> Ws {
    let ws_url = format!("{}/ws{query}", url.replacen("http", "ws", 1));
    tokio_tungstenite::connect_async(ws_url)
        .await
        .expect("ws connect")
        .0
}

/// The next frame matching `pred`, within 10 s.
pub(crate) async fn wait_for(ws: &mut Ws, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end {
        if let Some(m) = next_json(ws, Duration::from_secs(2)).await {
            if pred(&m) {
                return m;
            }
        }
    }
    panic!("no {what} frame within 10 s");
}

pub(crate) async fn next_json(ws: &mut Ws, limit: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(limit, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                return Some(serde_json::from_str(&t).expect("server frames are JSON"))
            }
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Err(_) => return None,
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(_))) => return None,
        }
    }
}

fn key(b: &Value) -> (String, String, i64) {
    (
        b["symbol"].as_str().unwrap().into(),
        b["interval"].as_str().unwrap().into(),
        b["start_ms"].as_i64().unwrap(),
    )
}

/// Applies a snapshot and then deltas; returns the bar book and frame count.
async fn follow(
    mut ws: Ws,
    http: reqwest::Client,
    url: String,
) -> (BTreeMap<(String, String, i64), Value>, u64, Vec<String>) {
    let mut book = BTreeMap::new();
    let mut last_seq = 0;
    let mut kinds = Vec::new();
    let mut finished_at: Option<Instant> = None;
    loop {
        let Some(m) = next_json(&mut ws, Duration::from_millis(300)).await else {
            // Quiet: stop once the replay is finished and nothing came for a while.
            let s: Value = get_json(&http, format!("{url}/api/status")).await;
            if s["sources"]["replay"]["state"] == "finished" {
                if finished_at.is_some_and(|t| t.elapsed() > Duration::from_millis(600)) {
                    break;
                }
                finished_at.get_or_insert_with(Instant::now);
            }
            continue;
        };
        let seq = m["seq"].as_u64().expect("every frame has seq");
        assert!(
            seq > last_seq,
            "seq strictly increasing: {seq} after {last_seq}"
        );
        last_seq = seq;
        let t = m["type"]
            .as_str()
            .expect("every frame has type")
            .to_string();
        if kinds.is_empty() {
            assert_eq!(t, "snapshot", "the first frame is the snapshot");
        }
        match t.as_str() {
            "snapshot" => {
                book.clear();
                for b in m["bars"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .chain(m["forming"].as_array().unwrap())
                {
                    book.insert(key(b), b.clone());
                }
            }
            "bar" => {
                book.insert(key(&m["bar"]), m["bar"].clone());
            }
            _ => {}
        }
        kinds.push(t);
    }
    (book, last_seq, kinds)
}

fn export_rows(csv: &str) -> Vec<String> {
    csv.lines().skip(1).map(str::to_string).collect()
}

fn book_rows(book: &BTreeMap<(String, String, i64), Value>, iv: &str) -> Vec<String> {
    let fix = |v: &Value| {
        // Prices travel as JSON numbers; print them as the exact decimals again.
        let f = v.as_f64().unwrap();
        let s = format!(
            "{}",
            spreadwatch_proto::Fixed::from_units((f * 1e8).round() as i64)
        );
        s
    };
    let mut rows: Vec<(i64, String, String)> = book
        .iter()
        .filter(|((_, i, _), _)| i == iv)
        .map(|((s, _, t), b)| {
            let vol = spreadwatch_proto::Volume::from_units(
                (b["volume"].as_f64().unwrap() * 1e8).round() as i128,
            );
            (
                *t,
                s.clone(),
                format!(
                    "{t},{s},{},{},{},{},{vol},{}",
                    fix(&b["open"]),
                    fix(&b["high"]),
                    fix(&b["low"]),
                    fix(&b["close"]),
                    b["trades"]
                ),
            )
        })
        .collect();
    rows.sort();
    rows.into_iter().map(|r| r.2).collect()
}

#[tokio::test]
async fn snapshot_and_deltas_rebuild_the_exported_golden_bars() {
    let feed = data("golden/feed_aggtrade.jsonl");
    let (_child, url) = spawn_serve(&[
        "--source",
        &format!("replay:{}", feed.display()),
        "--speed",
        "400",
        "--pair",
        "ETHUSDT/BTCUSDT",
    ]);
    let http = reqwest::Client::new();
    let a = tokio::spawn(follow(connect(&url, "").await, http.clone(), url.clone()));
    let b = tokio::spawn(follow(
        connect(&url, "?interval=5m").await,
        http.clone(),
        url.clone(),
    ));
    let (book1s, frames, kinds) = a.await.unwrap();
    let (book5m, _, _) = b.await.unwrap();
    assert!(frames > 100, "deltas were pushed: {frames}");
    for k in ["bar", "pair", "status"] {
        assert!(kinds.iter().any(|x| x == k), "saw a {k} delta");
    }
    for (iv, book) in [("1s", &book1s), ("5m", &book5m)] {
        let export = get_text(&http, format!("{url}/api/export?interval={iv}")).await;
        let golden =
            std::fs::read_to_string(data(&format!("golden/aggtrade/bars_{iv}.csv"))).unwrap();
        assert_eq!(export, golden, "/api/export equals the golden bars ({iv})");
        assert_eq!(
            book_rows(book, iv),
            export_rows(&export),
            "snapshot + deltas = export ({iv})"
        );
    }
    // The pair is served too.
    let p: Value = get_json(&http, format!("{url}/api/pair?pair=ETHUSDT/BTCUSDT")).await;
    assert!(p["stats"]["ols"]["beta"].is_f64(), "{p}");
    let csv = get_text(&http, format!("{url}/api/export/pair?pair=ETHUSDT/BTCUSDT")).await;
    assert!(csv.starts_with("time,x,y,ols_beta,ols_alpha,huber_beta,theil_sen_beta,kalman_beta,kalman_alpha,spread,spread_mean,spread_std,z,corr,alert\n"));
    assert!(csv.lines().count() > 100);
    let m = get_text(&http, format!("{url}/metrics")).await;
    for k in [
        "spreadwatch_ticks_total{symbol=\"BTCUSDT\"}",
        "spreadwatch_ws_clients",
        "spreadwatch_tick_to_send_us{quantile=\"0.99\"}",
        "spreadwatch_ws_resyncs_total",
        "spreadwatch_gaps_total{source=",
        "spreadwatch_gaps_filled_total{source=",
        "spreadwatch_gaps_unfilled_total{source=",
        "spreadwatch_backfilled_total{source=",
    ] {
        assert!(m.contains(k), "metrics has {k}");
    }
}

fn rss_kb(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_client_that_never_reads_stays_bounded_and_resyncs_when_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("big.jsonl");
    // Enough traffic to overflow a small ring many times.
    let mut text = String::new();
    spreadwatch_benches_free_feed(&mut text, 60_000);
    std::fs::write(&feed, text).unwrap();
    let (child, url) = spawn_serve(&[
        "--source",
        &format!("replay:{}", feed.display()),
        "--speed",
        "10",
        "--pair",
        "ETHUSDT/BTCUSDT",
        "--ws-ring",
        "256",
    ]);
    let pid = child.0.id();
    let http = reqwest::Client::new();
    // The slow client: a tiny receive buffer, and it never reads.
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().unwrap();
    let tcp = sock.connect(addr).await.unwrap();
    let req = format!("{}/ws", url.replacen("http", "ws", 1))
        .into_client_request()
        .unwrap();
    let (mut slow, _) =
        tokio_tungstenite::client_async(req, tokio_tungstenite::MaybeTlsStream::Plain(tcp))
            .await
            .unwrap();
    let readers: Vec<_> = (0..20)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let mut ws = connect(&url, "").await;
                let (mut n, mut resyncs, mut last) = (0u64, 0u64, 0u64);
                let end = Instant::now() + Duration::from_secs(4);
                while Instant::now() < end {
                    let Some(m) = next_json(&mut ws, Duration::from_millis(500)).await else {
                        continue;
                    };
                    let seq = m["seq"].as_u64().unwrap();
                    assert!(seq > last);
                    last = seq;
                    n += 1;
                    if m["type"] == "snapshot" && m["resync"] == true {
                        resyncs += 1;
                    }
                }
                (n, resyncs)
            })
        })
        .collect();
    let rss_start = rss_kb(pid);
    let mut rss_max = rss_start;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        rss_max = rss_max.max(rss_kb(pid));
    }
    let mut total = 0;
    for r in readers {
        let (n, _resyncs) = r.await.unwrap();
        assert!(n > 10, "readers kept receiving: {n}");
        total += n;
    }
    assert!(total > 0);
    assert!(
        rss_max < rss_start + 150 * 1024,
        "server RSS bounded: {rss_start} kB -> {rss_max} kB"
    );
    // Now the slow client reads: after what was buffered, it gets a resync.
    let mut resync = None;
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end && resync.is_none() {
        match tokio::time::timeout(Duration::from_secs(2), slow.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let m: Value = serde_json::from_str(&t).unwrap();
                if m["type"] == "snapshot" && m["resync"] == true {
                    resync = Some(m);
                }
            }
            Ok(Some(Ok(_))) => {}
            _ => break,
        }
    }
    let resync = resync.expect("the slow client got a fresh snapshot with resync: true");
    // Nothing older than the snapshot follows it: a bar delta never goes
    // back behind the newest trade the snapshot held for its symbol.
    let mut newest = std::collections::HashMap::new();
    for b in resync["bars"]
        .as_array()
        .unwrap()
        .iter()
        .chain(resync["forming"].as_array().unwrap())
    {
        let id = newest.entry(b["symbol"].to_string()).or_insert(0);
        *id = b["close_id"].as_u64().unwrap().max(*id);
    }
    assert!(!newest.is_empty(), "the resync snapshot has bars");
    let end = Instant::now() + Duration::from_millis(1500);
    while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(end.into(), slow.next()).await {
        let Message::Text(t) = msg else { continue };
        let m: Value = serde_json::from_str(&t).unwrap();
        if m["type"] == "bar" {
            let (sym, id) = (
                m["bar"]["symbol"].to_string(),
                m["bar"]["close_id"].as_u64().unwrap(),
            );
            assert!(
                id >= newest[&sym],
                "a stale {sym} bar (trade {id}) after the resync: {m}"
            );
        }
    }
    let s: Value = get_json(&http, format!("{url}/api/status")).await;
    assert!(
        s["ws"]["resyncs"].as_u64().unwrap() >= 1,
        "resyncs are counted: {}",
        s["ws"]
    );
}

/// A synthetic two-symbol aggTrade feed (one trade per ms per symbol).
fn spreadwatch_benches_free_feed(out: &mut String, n: u64) {
    use std::fmt::Write;
    for i in 0..n {
        let (sym, px) = if i % 2 == 0 {
            ("BTCUSDT", 43_000.0 + (i % 97) as f64 * 0.1)
        } else {
            ("ETHUSDT", 2_300.0 + (i % 89) as f64 * 0.01)
        };
        let t = 1_700_000_000_000 + (i / 2) as i64;
        let _ = writeln!(
            out,
            r#"{{"stream":"{}@aggTrade","data":{{"e":"aggTrade","E":{t},"s":"{sym}","a":{i},"p":"{px:.2}","q":"0.010","f":{i},"l":{i},"T":{t},"m":false}}}}"#,
            sym.to_lowercase()
        );
    }
}
