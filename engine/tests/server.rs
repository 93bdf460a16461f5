//! The push server: snapshot then sequenced deltas that rebuild the exported
//! bars, slow clients resync without growing memory, and the REST, security
//! and upload rules. Real server process, real WebSocket and HTTP clients.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{data, get_json, spawn_serve};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str, query: &str) -> Ws {
    let ws_url = format!("{}/ws{query}", url.replacen("http", "ws", 1));
    tokio_tungstenite::connect_async(ws_url)
        .await
        .expect("ws connect")
        .0
}

/// The next frame matching `pred`, within 10 s.
async fn wait_for(ws: &mut Ws, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
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

async fn next_json(ws: &mut Ws, limit: Duration) -> Option<Value> {
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
        let export = http
            .get(format!("{url}/api/export?interval={iv}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
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
    let csv = http
        .get(format!("{url}/api/export/pair?pair=ETHUSDT/BTCUSDT"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("time,x,y,ols_beta,ols_alpha,huber_beta,theil_sen_beta,kalman_beta,kalman_alpha,spread,spread_mean,spread_std,z,corr,alert\n"));
    assert!(csv.lines().count() > 100);
    let m = http
        .get(format!("{url}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for k in [
        "spreadwatch_ticks_total{symbol=\"BTCUSDT\"}",
        "spreadwatch_ws_clients",
        "spreadwatch_tick_to_send_us{quantile=\"0.99\"}",
        "spreadwatch_ws_resyncs_total",
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
    let mut saw_resync = false;
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end && !saw_resync {
        match tokio::time::timeout(Duration::from_secs(2), slow.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let m: Value = serde_json::from_str(&t).unwrap();
                saw_resync = m["type"] == "snapshot" && m["resync"] == true;
            }
            Ok(Some(Ok(_))) => {}
            _ => break,
        }
    }
    assert!(
        saw_resync,
        "the slow client got a fresh snapshot with resync: true"
    );
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

#[tokio::test]
async fn bad_client_messages_get_errors_and_abuse_closes() {
    let (_child, url) = spawn_serve(&["--source", "sim", "--pair", "ETHUSDT/BTCUSDT"]);
    let mut ws = connect(&url, "").await;
    assert_eq!(
        next_json(&mut ws, Duration::from_secs(5)).await.unwrap()["type"],
        "snapshot"
    );
    for bad in [
        "not json",
        r#"{"type":"dance"}"#,
        r#"{"type":"subscribe","pair":"AAAUSDT/BBBUSDT"}"#,
        r#"{"type":"set_params","params":{"window":1}}"#,
    ] {
        ws.send(Message::Text(bad.into())).await.unwrap();
        let err = wait_for(&mut ws, "error", |m| m["type"] == "error").await;
        assert!(!err["message"].as_str().unwrap().is_empty(), "{bad}: {err}");
    }
    ws.send(Message::Text(r#"{"type":"ping","id":42}"#.into()))
        .await
        .unwrap();
    let m = wait_for(&mut ws, "pong", |m| m["type"] == "pong").await;
    assert_eq!(m["id"], 42);
    // A valid set_params is applied and announced.
    ws.send(Message::Text(
        r#"{"type":"set_params","params":{"model":"kalman","window":30}}"#.into(),
    ))
    .await
    .unwrap();
    let m = wait_for(&mut ws, "params", |m| m["type"] == "params").await;
    assert_eq!(m["params"]["model"], "kalman");
    assert_eq!(m["params"]["window"], 30);
    // A frame over 64 KiB closes the session with a reason.
    let mut big = connect(&url, "").await;
    big.send(Message::Text("x".repeat(70 * 1024).into()))
        .await
        .unwrap();
    let mut closed = None;
    while let Ok(Some(m)) = tokio::time::timeout(Duration::from_secs(5), big.next()).await {
        if let Ok(Message::Close(f)) = m {
            closed = f;
            break;
        }
    }
    assert!(
        closed.is_some_and(|f| f.reason.contains("64") || f.reason.contains("larger")),
        "closed with a reason"
    );
    // Flooding closes with a rate-limit reason.
    let mut flood = connect(&url, "").await;
    for _ in 0..300 {
        if flood
            .send(Message::Text(r#"{"type":"ping"}"#.into()))
            .await
            .is_err()
        {
            break;
        }
    }
    let mut reason = String::new();
    while let Ok(Some(m)) = tokio::time::timeout(Duration::from_secs(5), flood.next()).await {
        match m {
            Ok(Message::Close(Some(f))) => {
                reason = f.reason.to_string();
                break;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    assert!(reason.contains("rate limit"), "{reason:?}");
}

#[tokio::test]
async fn token_origin_traversal_and_uploads_are_enforced() {
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(
        ui.path().join("index.html"),
        "<!doctype html><title>sw</title>",
    )
    .unwrap();
    let (_child, url) = spawn_serve(&[
        "--source",
        "sim",
        "--token",
        "s3cret",
        "--allow-origin",
        "https://desk.example.com",
        "--ui-dir",
        ui.path().to_str().unwrap(),
        "--max-upload-mb",
        "1",
    ]);
    let http = reqwest::Client::new();
    let get = |p: &str| http.get(format!("{url}{p}"));
    assert_eq!(get("/api/status").send().await.unwrap().status(), 401);
    assert_eq!(
        get("/api/status")
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        get("/api/status")
            .bearer_auth("s3cret")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(get("/metrics").send().await.unwrap().status(), 401);
    let ws_url = format!("{}/ws", url.replacen("http", "ws", 1));
    let status_of = |r: Result<_, tokio_tungstenite::tungstenite::Error>| match r {
        Ok(_) => 101,
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        status_of(
            tokio_tungstenite::connect_async(ws_url.clone())
                .await
                .map(|_| ())
        ),
        401
    );
    let with = |origin: &str| {
        let mut r = format!("{ws_url}?token=s3cret")
            .into_client_request()
            .unwrap();
        r.headers_mut().insert("Origin", origin.parse().unwrap());
        r
    };
    assert_eq!(
        status_of(
            tokio_tungstenite::connect_async(with("https://evil.example.com"))
                .await
                .map(|_| ())
        ),
        403
    );
    assert_eq!(
        status_of(
            tokio_tungstenite::connect_async(with("https://desk.example.com"))
                .await
                .map(|_| ())
        ),
        101
    );
    let own = format!("http://{}", url.trim_start_matches("http://"));
    assert_eq!(
        status_of(
            tokio_tungstenite::connect_async(with(&own))
                .await
                .map(|_| ())
        ),
        101
    );
    // Static files come only from the UI bundle.
    assert_eq!(get("/").send().await.unwrap().status(), 200);
    for p in [
        "/%2e%2e/Cargo.toml",
        "/..%2fCargo.toml",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/static/../../etc/passwd",
    ] {
        let s = get(p).send().await.unwrap().status();
        assert_eq!(s, 404, "{p}");
    }
    // Uploads.
    let csv = std::fs::read(data("analytics/synthetic.csv")).unwrap();
    let golden: Value = serde_json::from_str(
        &std::fs::read_to_string(data("analytics/synthetic_ols.json")).unwrap(),
    )
    .unwrap();
    let post = |q: &str| {
        http.post(format!("{url}/api/analyze?{q}"))
            .bearer_auth("s3cret")
    };
    let r: Value = post("y=ETHUSDT&x=BTCUSDT&window=60")
        .body(csv.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (got, want) = (
        r["regression"]["ols"]["beta"].as_f64().unwrap(),
        golden["expected"]["regression"]["ols"]["beta"]
            .as_f64()
            .unwrap(),
    );
    assert!(
        crate::analyze::close(got, want, 1e-9, 0.0),
        "{got} vs {want}"
    );
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.clone()).file_name("synthetic.csv"),
    );
    let r: Value = post("y=ETHUSDT&x=BTCUSDT")
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["n"], golden["expected"]["n"]);
    let big = vec![b'1'; 2 * 1024 * 1024];
    assert_eq!(
        post("y=A&x=B").body(big).send().await.unwrap().status(),
        413
    );
    let bad = post("y=ETHUSDT&x=BTCUSDT")
        .body("start_ms,symbol,close\n1700000000000,ETHUSDT,1\n1700000000000,BTCUSDT,oops\n")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let e: Value = bad.json().await.unwrap();
    assert_eq!(e["line"], 3);
    assert_eq!(e["column"], "close");
}

#[tokio::test]
async fn without_a_built_ui_the_api_works_and_root_explains() {
    let (_child, url) = spawn_serve(&["--source", "sim", "--ui-dir", "/nonexistent/dist"]);
    let body = reqwest::get(format!("{url}/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("not built") && body.contains("make ui"),
        "{body}"
    );
    assert_eq!(
        reqwest::get(format!("{url}/api/health"))
            .await
            .unwrap()
            .status(),
        200
    );
}
