//! The push server's rules: bad client messages get error frames and abuse
//! closes the session; a subscribe switches the deltas; token, Origin, traversal and upload limits; the API
//! without a built UI. Real server process, real WebSocket and HTTP clients.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::server::{connect, next_json, wait_for};
use crate::support::{data, spawn_serve};

/// Sends `r` and reads its JSON answer.
async fn json_of(r: reqwest::RequestBuilder) -> Value {
    r.send().await.unwrap().json().await.unwrap()
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
    // Repeated symbols count once; more than 1,024 is refused.
    let many = format!(
        r#"{{"type":"subscribe","symbols":[{}]}}"#,
        vec![r#""BTCUSDT""#; 3000].join(",")
    );
    ws.send(Message::Text(many.into())).await.unwrap();
    let snap = wait_for(&mut ws, "snapshot", |m| m["type"] == "snapshot").await;
    assert_eq!(
        snap["subscription"]["symbols"],
        serde_json::json!(["BTCUSDT"])
    );
    let names: Vec<String> = (0..1100).map(|i| format!(r#""S{i}USDT""#)).collect();
    let many = format!(r#"{{"type":"subscribe","symbols":[{}]}}"#, names.join(","));
    ws.send(Message::Text(many.into())).await.unwrap();
    let err = wait_for(&mut ws, "error", |m| m["type"] == "error").await;
    assert!(
        err["message"].as_str().unwrap().contains("at most 1024"),
        "{err}"
    );
    // An untracked pair in the address is refused before the upgrade.
    let r = tokio_tungstenite::connect_async(format!(
        "{}/ws?pair=AAAUSDT/BBBUSDT",
        url.replacen("http", "ws", 1)
    ))
    .await;
    match r {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 400),
        other => panic!("expected 400, got {:?}", other.map(|_| ())),
    }
    // A message split over frames (RFC 6455 5.4) is taken whole.
    {
        use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
        use tokio_tungstenite::tungstenite::protocol::frame::Frame;
        let first = Frame::message(&br#"{"type":"pi"#[..], OpCode::Data(Data::Text), false);
        let middle = Frame::message(&br#"ng","i"#[..], OpCode::Data(Data::Continue), false);
        let rest = Frame::message(&br#"d":7}"#[..], OpCode::Data(Data::Continue), true);
        for f in [first, middle, rest] {
            ws.send(Message::Frame(f)).await.unwrap();
        }
        let m = wait_for(&mut ws, "pong", |m| m["type"] == "pong").await;
        assert_eq!(m["id"], 7, "{m}");
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
    // Each refusal is counted by reason.
    let http = reqwest::Client::new();
    let status: Value = json_of(http.get(format!("{url}/api/status"))).await;
    let rejected = &status["ws"]["rejected"];
    // (A fragmented message is no longer one: it is taken whole.)
    assert_eq!(rejected["ws_message"], 5, "{rejected}");
    assert_eq!(rejected["ws_too_large"], 1, "{rejected}");
    assert_eq!(rejected["ws_rate_limited"], 1, "{rejected}");
    let metrics = crate::support::get_text(&http, format!("{url}/metrics")).await;
    assert!(
        metrics.contains(r#"spreadwatch_client_rejects_total{reason="ws_rate_limited"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_subscribe_message_switches_the_deltas_a_session_gets() {
    let (_child, url) = spawn_serve(&["--source", "sim", "--pair", "ETHUSDT/BTCUSDT"]);
    let mut ws = connect(&url, "").await;
    wait_for(&mut ws, "1s bar", |m| {
        m["type"] == "bar" && m["bar"]["interval"] == "1s"
    })
    .await;
    ws.send(Message::Text(
        r#"{"type":"subscribe","pair":"ETHUSDT/BTCUSDT","symbols":["BTCUSDT"],"interval":"1m"}"#
            .into(),
    ))
    .await
    .unwrap();
    wait_for(&mut ws, "snapshot", |m| m["type"] == "snapshot").await;
    // From the new snapshot on, bars are the new subscription's, and they
    // keep coming (the hub now encodes 1 m bars because this session asked).
    for _ in 0..10 {
        let m = wait_for(&mut ws, "bar", |m| m["type"] == "bar").await;
        assert_eq!(m["bar"]["interval"], "1m", "{m}");
        assert_eq!(m["bar"]["symbol"], "BTCUSDT", "{m}");
    }
}

#[tokio::test]
async fn a_symbol_subscribed_before_its_first_trade_gets_its_bars() {
    use crate::cli::agg;
    let dir = tempfile::tempdir().unwrap();
    let t = 1_700_000_000_000;
    // BTCUSDT's first trade comes 6 s (of replay at 1x) after ETHUSDT's:
    // time for the client to connect first, even on a loaded machine.
    let mut lines = vec![agg("ETHUSDT", 1, t)];
    lines.extend((0..40).map(|i| agg("BTCUSDT", 10 + i, t + 6_000 + i as i64 * 100)));
    let feed = dir.path().join("late.jsonl");
    std::fs::write(&feed, lines.join("\n") + "\n").unwrap();
    let (_child, url) = spawn_serve(&[
        "--source",
        &format!("replay:{}", feed.display()),
        "--speed",
        "1",
    ]);
    let mut ws = connect(&url, "?symbols=BTCUSDT&interval=1s").await;
    let snap = wait_for(&mut ws, "snapshot", |m| m["type"] == "snapshot").await;
    assert!(
        !snap["symbols"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "BTCUSDT"),
        "connected before BTCUSDT traded: {}",
        snap["symbols"]
    );
    let bar = wait_for(&mut ws, "a BTCUSDT bar", |m| m["type"] == "bar").await;
    assert_eq!(bar["bar"]["symbol"], "BTCUSDT", "{bar}");
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
    // A foreign Origin is refused; an allowed one and the server's own pass.
    let own = format!("http://{}", url.trim_start_matches("http://"));
    for (origin, want) in [
        ("https://evil.example.com", 403),
        ("https://desk.example.com", 101),
        (own.as_str(), 101),
    ] {
        let mut r = format!("{ws_url}?token=s3cret")
            .into_client_request()
            .unwrap();
        r.headers_mut().insert("Origin", origin.parse().unwrap());
        let got = status_of(tokio_tungstenite::connect_async(r).await.map(|_| ()));
        assert_eq!(got, want, "Origin {origin}");
    }
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
    let r = json_of(post("y=ETHUSDT&x=BTCUSDT&window=60").body(csv.clone())).await;
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
    let r = json_of(post("y=ETHUSDT&x=BTCUSDT").multipart(form)).await;
    assert_eq!(r["n"], golden["expected"]["n"]);
    let big = vec![b'1'; 2 * 1024 * 1024];
    assert_eq!(
        post("y=A&x=B").body(big).send().await.unwrap().status(),
        413
    );
    // A chunked multipart body (no Content-Length) whose preamble never
    // ends is cut off at the limit too.
    assert_eq!(crate::support::endless_multipart(&url, "s3cret").await, 413);
    let r = post("y=ETHUSDT&x=BTCUSDT&maxlag=5000")
        .body(csv.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert!(e["error"].as_str().unwrap().contains("maxlag 5000"), "{e}");
    let bad = post("y=ETHUSDT&x=BTCUSDT")
        .body("start_ms,symbol,close\n1700000000000,ETHUSDT,1\n1700000000000,BTCUSDT,oops\n")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let e: Value = bad.json().await.unwrap();
    assert_eq!(e["line"], 3);
    assert_eq!(e["column"], "close");
    let status: Value = json_of(get("/api/status").bearer_auth("s3cret")).await;
    let rejected = &status["ws"]["rejected"];
    assert_eq!(rejected["upload_too_large"], 2, "{rejected}");
    assert_eq!(rejected["upload_bad_csv"], 1, "{rejected}");
    assert_eq!(rejected["upload_bad_request"], 1, "{rejected}");
}

#[tokio::test]
async fn without_a_built_ui_the_api_works_and_root_explains() {
    let (_child, url) = spawn_serve(&["--source", "sim", "--ui-dir", "/nonexistent/dist"]);
    let body = crate::support::get_text(&reqwest::Client::new(), format!("{url}/")).await;
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
