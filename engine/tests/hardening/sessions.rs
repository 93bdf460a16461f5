//! WebSocket sessions a client cannot abuse: others' default pair, clients
//! that stop reading or half-close, the pair limit.

use std::time::{Duration, Instant};

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

use crate::server::{connect, wait_for};
use crate::support::{get_json, spawn_serve};

#[tokio::test]
async fn a_client_adding_a_pair_leaves_everyone_elses_default_alone() {
    let (_child, url) = spawn_serve(&["--source", "sim", "--pair", "ETHUSDT/BTCUSDT"]);
    let mut a = connect(&url, "").await;
    wait_for(&mut a, "snapshot", |m| m["type"] == "snapshot").await;
    // The reversed pair sorts before the configured one.
    a.send(Message::Text(
        r#"{"type":"subscribe","pair":"BTCUSDT/ETHUSDT"}"#.into(),
    ))
    .await
    .unwrap();
    let snap = wait_for(&mut a, "snapshot", |m| m["type"] == "snapshot").await;
    assert_eq!(snap["subscription"]["pair"], "BTCUSDT/ETHUSDT");
    let pairs = snap["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 2, "{pairs:?}");
    let mut b = connect(&url, "").await;
    let snap = wait_for(&mut b, "snapshot", |m| m["type"] == "snapshot").await;
    assert_eq!(snap["subscription"]["pair"], "ETHUSDT/BTCUSDT");
}

/// Opens a WebSocket by hand on a socket with a small receive buffer and
/// returns it after the 101, unread from then on.
async fn raw_ws(url: &str) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().unwrap();
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let mut tcp = sock.connect(addr).await.unwrap();
    let req = format!(
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut head = [0u8; 12];
    tcp.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 101", "{}", String::from_utf8_lossy(&head));
    tcp
}

/// `ws.clients` and `ws.dropped_silent` from `/api/status`.
async fn clients_and_dropped(http: &reqwest::Client, url: &str) -> (u64, u64) {
    let s = get_json(http, format!("{url}/api/status")).await;
    (
        s["ws"]["clients"].as_u64().unwrap(),
        s["ws"]["dropped_silent"].as_u64().unwrap_or(0),
    )
}

#[tokio::test]
async fn clients_that_stop_reading_or_half_close_are_dropped_within_the_timeout() {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("fast.toml");
    // Fast enough to fill a stalled client's socket within a second.
    std::fs::write(&cfg, "sim_rate = 2000.0\n").unwrap();
    let (_child, url) = spawn_serve(&[
        "--source",
        "sim",
        "--pair",
        "ETHUSDT/BTCUSDT",
        "--socket-buffer-kb",
        "16",
        "--config",
        cfg.to_str().unwrap(),
    ]);
    let http = reqwest::Client::new();
    let start = Instant::now();
    let mut reader = connect(&url, "").await;
    let mut stalled = raw_ws(&url).await;
    let mut half_closed = raw_ws(&url).await;
    assert_eq!(clients_and_dropped(&http, &url).await, (3, 0));
    // Its socket fills first, so the session is frozen when the FIN comes.
    tokio::time::sleep(Duration::from_secs(2)).await;
    half_closed.shutdown().await.unwrap();
    let mut frames = 0u64;
    loop {
        // The reading client keeps reading (and answering pings).
        while let Some(_m) = crate::server::next_json(&mut reader, Duration::from_millis(20)).await
        {
            frames += 1;
            if frames.is_multiple_of(64) {
                break;
            }
        }
        let (clients, dropped) = clients_and_dropped(&http, &url).await;
        if clients == 1 && dropped == 2 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "after {:?}: {clients} clients, {dropped} dropped",
            start.elapsed()
        );
    }
    assert!(frames > 100, "the reading client got {frames} frames");
    // The stalled client's connection was reset, not left to drain.
    let mut buf = vec![0u8; 1 << 20];
    let end = Instant::now() + Duration::from_secs(5);
    loop {
        use tokio::io::AsyncReadExt;
        match tokio::time::timeout(Duration::from_secs(1), stalled.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(_)) | Err(_) => assert!(Instant::now() < end, "the stalled socket is still open"),
        }
    }
    let _ = half_closed;
    // The reading client is still served.
    wait_for(&mut reader, "bar", |m| m["type"] == "bar").await;
}

#[tokio::test]
async fn the_65th_pair_is_refused_naming_the_limit() {
    let symbols = [
        "BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "ADAUSDT", "LTCUSDT", "DOGEUSDT",
        "DOTUSDT",
    ];
    let list = symbols.join(",");
    let (_child, url) = spawn_serve(&[
        "--source",
        "sim",
        "--symbols",
        &list,
        "--pair",
        "ETHUSDT/BTCUSDT",
    ]);
    let mut ws = connect(&url, "").await;
    wait_for(&mut ws, "snapshot", |m| m["type"] == "snapshot").await;
    let pairs: Vec<String> = symbols
        .iter()
        .flat_map(|y| {
            symbols
                .iter()
                .filter(move |x| x != &y)
                .map(move |x| format!("{y}/{x}"))
        })
        .filter(|p| p != "ETHUSDT/BTCUSDT")
        .take(64)
        .collect();
    // With the configured pair, the first 63 reach the cap of 64; the 64th
    // asked for is the 65th pair, and the first error to come back.
    for p in &pairs {
        ws.send(Message::Text(
            format!(r#"{{"type":"subscribe","pair":"{p}"}}"#).into(),
        ))
        .await
        .unwrap();
    }
    let e = wait_for(&mut ws, "error", |m| m["type"] == "error").await;
    let msg = e["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains(&format!("pair {}: the limit of 64 pairs", pairs[63])),
        "{msg}"
    );
}
