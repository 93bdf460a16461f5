//! Who may use the server: tokens, the Host rule against DNS rebinding,
//! dotfiles. Real server processes and sockets.

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http;
use tokio_tungstenite::tungstenite::Message;

use crate::server::{connect, wait_for};
use crate::support::{bin, spawn_serve};

#[test]
fn an_empty_token_is_refused_at_start() {
    for args in [&["--token", ""][..], &["--token", "a b"][..]] {
        let o = bin()
            .args(["serve", "--source", "none", "--bind", "127.0.0.1:0"])
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("--token") && err.contains("non-empty"),
            "{err}"
        );
    }
}

/// The status of a WebSocket handshake sent with these headers.
async fn handshake(url: &str, headers: &[(&str, &str)]) -> u16 {
    let mut r = format!("{}/ws", url.replacen("http", "ws", 1))
        .into_client_request()
        .unwrap();
    for (k, v) in headers {
        let name = http::HeaderName::from_bytes(k.as_bytes()).unwrap();
        r.headers_mut()
            .insert(name, v.parse().expect("header value"));
    }
    match tokio_tungstenite::connect_async(r).await {
        Ok(_) => 101,
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test]
async fn a_host_name_rebound_to_this_machine_is_refused() {
    let (_child, url) = spawn_serve(&["--source", "sim", "--allow-host", "desk.example.com"]);
    let port = url.rsplit(':').next().unwrap();
    let evil = format!("evil.com:{port}");
    let evil_origin = format!("http://{evil}");
    // A page on evil.com whose name now points at 127.0.0.1: its own name
    // in Host, its own origin in Origin (so the Origin check alone passed).
    assert_eq!(
        handshake(&url, &[("Host", &evil), ("Origin", &evil_origin)]).await,
        421
    );
    let http = reqwest::Client::new();
    let status_with_host = |host: String| {
        let http = http.clone();
        let url = url.clone();
        async move {
            let r = http
                .get(format!("{url}/api/status"))
                .header("Host", host)
                .send()
                .await
                .unwrap();
            let code = r.status().as_u16();
            (code, r.text().await.unwrap())
        }
    };
    let (code, body) = status_with_host(evil.clone()).await;
    assert_eq!(code, 421, "{body}");
    assert!(body.contains("--allow-host"), "{body}");
    for ok in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST.:{port}"),
        format!("desk.example.com:{port}"),
    ] {
        assert_eq!(status_with_host(ok.clone()).await.0, 200, "Host {ok}");
    }
    // Another address than the one bound is not this server's either.
    assert_eq!(status_with_host(format!("192.0.2.7:{port}")).await.0, 421);
    let own = format!("http://127.0.0.1:{port}");
    assert_eq!(handshake(&url, &[("Origin", &own)]).await, 101);
}

#[tokio::test]
async fn tokens_dotfiles_and_limits_say_what_they_mean() {
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(
        ui.path().join("index.html"),
        "<!doctype html><title>sw</title>",
    )
    .unwrap();
    std::fs::write(ui.path().join(".hidden"), "secret").unwrap();
    let (_child, url) = spawn_serve(&[
        "--source",
        "sim",
        "--pair",
        "ETHUSDT/BTCUSDT",
        "--token",
        "s3cret",
        "--ui-dir",
        ui.path().to_str().unwrap(),
    ]);
    let http = reqwest::Client::new();
    let status = |path: &str, auth: Option<&str>| {
        let mut r = http.get(format!("{url}{path}"));
        if let Some(a) = auth {
            r = r.header("Authorization", a);
        }
        async move { r.send().await.unwrap().status().as_u16() }
    };
    // The scheme is case-insensitive; an empty token never matches.
    assert_eq!(status("/api/status", Some("bearer s3cret")).await, 200);
    assert_eq!(status("/api/status", Some("BEARER s3cret")).await, 200);
    assert_eq!(status("/api/status", Some("Bearer ")).await, 401);
    assert_eq!(handshake(&url, &[]).await, 401);
    for p in ["/.hidden", "/%2ehidden", "/%2Ehidden"] {
        assert_eq!(status(p, None).await, 404, "{p}");
    }
    assert_eq!(status("/", None).await, 200);
    // A leg that is not tracked is named as such.
    let mut ws = connect(&url, "?token=s3cret").await;
    wait_for(&mut ws, "snapshot", |m| m["type"] == "snapshot").await;
    ws.send(Message::Text(
        r#"{"type":"subscribe","pair":"SOLUSDT/BTCUSDT"}"#.into(),
    ))
    .await
    .unwrap();
    let e = wait_for(&mut ws, "error", |m| m["type"] == "error").await;
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("unknown pair SOLUSDT/BTCUSDT"), "{msg}");
    // analyze names a threshold that is not a finite number as such.
    let o = bin()
        .args(["analyze", "--csv"])
        .arg(crate::support::data("analytics/synthetic.csv"))
        .args(["--y", "ETHUSDT", "--x", "BTCUSDT", "--z", "inf"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("finite number above 0"), "{err}");
}
