//! What a careless or hostile client or operator tries: an empty token, a
//! rebound host name, a client changing others' default pair, a restart of
//! the simulator on its data dir. Real server processes and sockets.

use std::time::{Duration, Instant};

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http;
use tokio_tungstenite::tungstenite::Message;

use crate::server::{connect, wait_for};
use crate::support::{bin, get_json, spawn_serve, spawn_serve_of};

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

/// A symbol's accepted ticks and duplicates, from `/api/status`.
async fn ticks_and_duplicates(http: &reqwest::Client, url: &str) -> (u64, u64) {
    let s = get_json(http, format!("{url}/api/status")).await;
    let e = &s["symbols"]["ETHUSDT"];
    (
        e["ticks"].as_u64().unwrap_or(0),
        e["duplicates"].as_u64().unwrap_or(0),
    )
}

#[tokio::test]
async fn the_simulator_goes_on_after_a_kill_and_restart_on_its_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let args = [
        "--source",
        "sim",
        "--data-dir",
        data,
        "--snapshot-interval",
        "200ms",
    ];
    let http = reqwest::Client::new();
    let (child, url) = spawn_serve(&args);
    let s = get_json(&http, format!("{url}/api/status")).await;
    assert_eq!(s["sources"]["sim"]["restart_ids"], "fresh", "{s}");
    // Long enough for the stored ids to reach well past where a simulator
    // starting afresh begins.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (before, _) = ticks_and_duplicates(&http, &url).await;
    assert!(before > 40, "only {before} ticks in 5 s");
    drop(child); // SIGKILL: no last snapshot
    let (_child, url) = spawn_serve(&args);
    let s = get_json(&http, format!("{url}/api/status")).await;
    assert_eq!(s["sources"]["sim"]["restart_ids"], "continued", "{s}");
    let (restored, _) = ticks_and_duplicates(&http, &url).await;
    let end = Instant::now() + Duration::from_secs(2);
    loop {
        let (now, dups) = ticks_and_duplicates(&http, &url).await;
        assert_eq!(dups, 0, "trades taken for repeats after the restart");
        if now >= restored + 10 {
            break;
        }
        assert!(
            Instant::now() < end,
            "2 s after the restart ETHUSDT has {now} ticks, {restored} on start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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

/// `spreadwatch analyze` on a file: its exit code and stderr.
fn analyze_file(path: &std::path::Path, extra: &[&str]) -> (i32, String) {
    let o = bin()
        .args(["analyze", "--csv", path.to_str().unwrap()])
        .args(["--y", "ETHUSDT", "--x", "BTCUSDT"])
        .args(extra)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn analyze_refuses_bad_files_clearly_and_without_reading_them_whole() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, body: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p
    };
    let head = "start_ms,symbol,close\n";
    let good = crate::support::data("analytics/synthetic.csv");
    let cases: Vec<(std::path::PathBuf, Vec<&str>, Vec<&str>)> = vec![
        (
            file("empty.csv", head.as_bytes()),
            vec![],
            vec!["empty.csv", "no data rows"],
        ),
        (
            good.clone(),
            vec!["--maxlag", "100000"],
            vec!["maxlag 100000 is too large", "at most"],
        ),
        (
            file(
                "huge.csv",
                format!("{head}1700000000000,ETHUSDT,1\n1700000000000,BTCUSDT,1e308\n").as_bytes(),
            ),
            vec![],
            vec!["huge.csv: line 3, column close", "out of range"],
        ),
        (
            file("endless.csv", &vec![b'7'; 3 << 20]),
            vec![],
            vec!["endless.csv: line", "longer than 1048576 bytes"],
        ),
        (dir.path().to_path_buf(), vec![], vec!["is a directory"]),
    ];
    for (path, extra, want) in cases {
        let (code, err) = analyze_file(&path, &extra);
        assert_eq!(code, 2, "{path:?}: {err}");
        for w in want {
            assert!(err.contains(w), "{path:?}: {w:?} not in {err}");
        }
    }
    // The same symbol twice is named as such, not as unknown.
    let o = bin()
        .args(["analyze", "--csv", good.to_str().unwrap()])
        .args(["--y", "ETHUSDT", "--x", "ethusdt"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("both ETHUSDT"), "{err}");
    // A 600 kB bad value is not written back whole.
    let bad = format!("{head}1700000000000,ETHUSDT,{}\n", "x".repeat(600_000));
    let (code, err) = analyze_file(&file("big.csv", bad.as_bytes()), &[]);
    assert_eq!(code, 2);
    assert!(
        err.len() < 1000 && err.contains("bytes)"),
        "{} bytes",
        err.len()
    );
    // An OS error is said once.
    let (code, err) = analyze_file(&dir.path().join("missing.csv"), &[]);
    assert_eq!(code, 2);
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
    // A replay of a directory says so.
    let o = bin()
        .args([
            "replay",
            dir.path().to_str().unwrap(),
            "--export-dir",
            "/tmp/x",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is a directory"), "{err}");
}

/// Starts a chunked raw upload and sends its first rows; the rest is sent
/// by [`finish_upload`].
async fn begin_upload(url: &str, query: &str) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let addr = url.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/analyze?{query} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/csv\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp
}

async fn send_chunk(tcp: &mut tokio::net::TcpStream, body: &[u8]) {
    use tokio::io::AsyncWriteExt;
    tcp.write_all(format!("{:x}\r\n", body.len()).as_bytes())
        .await
        .unwrap();
    tcp.write_all(body).await.unwrap();
    tcp.write_all(b"\r\n").await.unwrap();
}

/// Ends a chunked upload, reads the whole (chunked) answer and returns the
/// status line's code.
async fn finish_upload(mut tcp: tokio::net::TcpStream) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    tcp.write_all(b"0\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let end = Instant::now() + Duration::from_secs(30);
    while !answer.ends_with(b"\r\n0\r\n\r\n") {
        let n = tokio::time::timeout_at(end.into(), tcp.read(&mut buf))
            .await
            .expect("the whole answer within 30 s")
            .unwrap();
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&answer[..answer.len().min(64)]).to_string();
    line.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn analyses_beyond_max_uploads_get_503_with_retry_after() {
    let (_child, url) = spawn_serve(&["--source", "none", "--max-uploads", "1"]);
    let csv = std::fs::read(crate::support::data("analytics/synthetic.csv")).unwrap();
    let q = "y=ETHUSDT&x=BTCUSDT";
    let mut first = begin_upload(&url, q).await;
    send_chunk(&mut first, &csv[..csv.len() / 2]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let http = reqwest::Client::new();
    let post = || http.post(format!("{url}/api/analyze?{q}"));
    let r = post().body(csv.clone()).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "2");
    let body = r.text().await.unwrap();
    assert!(body.contains("--max-uploads"), "{body}");
    send_chunk(&mut first, &csv[csv.len() / 2..]).await;
    assert_eq!(finish_upload(first).await, 200);
    // The slot is free again (once the report is read: it is streamed, and
    // the analysis holds its slot until the last byte is out).
    let r = post().body(csv).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap();
    let s = get_json(&http, format!("{url}/api/status")).await;
    assert_eq!(s["ws"]["rejected"]["upload_busy"], 1, "{s}");
    // A raw upload's messages use the name it was sent with.
    let r = http
        .post(format!("{url}/api/analyze?{q}&name=mine.csv"))
        .body("start_ms,symbol,close\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: serde_json::Value = r.json().await.unwrap();
    let msg = e["error"].as_str().unwrap();
    assert!(
        msg.contains("mine.csv") && msg.contains("no data rows"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_trickled_upload_is_cut_off_and_bad_queries_get_json() {
    use tokio::io::AsyncReadExt;
    let (_child, url) = spawn_serve(&["--source", "none", "--max-uploads", "1"]);
    let mut slow = begin_upload(&url, "y=ETHUSDT&x=BTCUSDT").await;
    send_chunk(&mut slow, b"start_ms,symbol,close\n1700000000000,ETH").await;
    let start = Instant::now();
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(20), slow.read(&mut answer))
        .await
        .expect("the server answers a stalled upload")
        .unwrap();
    let text = String::from_utf8_lossy(&answer[..n]);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("too slow"), "{text}");
    assert!(start.elapsed() < Duration::from_secs(15));
    let http = reqwest::Client::new();
    let r = http
        .get(format!(
            "{url}/api/bars?symbol=BTCUSDT&interval=1s&from=abc"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/json");
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(e["error"].as_str().unwrap().starts_with("query:"), "{e}");
}

/// A long-format CSV of about `mb` MB: two legs on a seeded random walk
/// (prices in cents), or repeating in cycles of 7 and 11 when `cycles`.
fn market_csv(mb: usize, cycles: bool) -> (Vec<u8>, usize) {
    use std::io::Write;
    let mut out = Vec::with_capacity(mb << 20);
    out.extend_from_slice(b"start_ms,symbol,close\n");
    let (mut seed, mut btc, mut rows) = (7u64, 43_000.0f64, 0usize);
    let mut noise = || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    while out.len() < mb << 20 {
        let t = 1_700_000_000_000i64 + rows as i64 * 1000;
        let (b, e) = if cycles {
            (
                43_000.0 + (rows % 11) as f64,
                2_300.0 + (rows % 7) as f64 * 0.5,
            )
        } else {
            btc *= 1.0 + 0.001 * noise();
            (btc, 0.0535 * btc + 4.0 * noise())
        };
        writeln!(out, "{t},BTCUSDT,{b:.2}\n{t},ETHUSDT,{e:.2}").unwrap();
        rows += 1;
    }
    (out, rows)
}

/// Peak and current resident memory of a process, kB, from /proc.
fn peak_and_rss_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Uploads `csv` and reads the streamed answer: its status, its first bytes
/// and its length.
async fn upload(http: &reqwest::Client, url: &str, csv: bytes::Bytes) -> (u16, String, usize) {
    let mut r = http
        .post(format!("{url}/api/analyze?y=ETHUSDT&x=BTCUSDT"))
        .body(csv)
        .timeout(Duration::from_secs(300))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let (mut head, mut len) = (Vec::new(), 0);
    while let Some(chunk) = r.chunk().await.unwrap() {
        if head.len() < 200 {
            head.extend_from_slice(&chunk[..chunk.len().min(200)]);
        }
        len += chunk.len();
    }
    (status, String::from_utf8_lossy(&head).into_owned(), len)
}

/// Needs the release build (debug takes minutes a file): `make test` passes
/// it in SW_RELEASE_BIN.
#[tokio::test]
async fn four_concurrent_49_mb_uploads_stay_under_1_gib_and_give_it_back() {
    let Ok(release) = std::env::var("SW_RELEASE_BIN") else {
        eprintln!("skipped: set SW_RELEASE_BIN to the release spreadwatch (make test does)");
        return;
    };
    let (csv, rows) = market_csv(49, false);
    let size_kb = csv.len() as u64 / 1024;
    let csv = bytes::Bytes::from(csv);
    let mut cmd = std::process::Command::new(release);
    cmd.env("RUST_LOG", "warn");
    let (child, url) = spawn_serve_of(
        cmd,
        &[
            "--source",
            "none",
            "--max-uploads",
            "4",
            "--max-upload-mb",
            "60",
        ],
    );
    let pid = child.0.id();
    let http = reqwest::Client::new();
    let want = format!("{{\"n\":{rows},");
    let t0 = Instant::now();
    let (status, head, _) = upload(&http, &url, csv.clone()).await;
    assert_eq!(status, 200, "{head}");
    assert!(head.starts_with(&want), "{head}");
    let (peak, _) = peak_and_rss_kb(pid);
    eprintln!(
        "one {size_kb} kB upload, {rows} rows: peak RSS {peak} kB, {:?}",
        t0.elapsed()
    );
    let t0 = Instant::now();
    assert!(
        peak < 3 * size_kb,
        "one {size_kb} kB upload peaked at {peak} kB"
    );
    let four =
        futures_util::future::join_all((0..4).map(|_| upload(&http, &url, csv.clone()))).await;
    for (status, head, len) in four {
        assert_eq!(status, 200, "{head}");
        assert!(
            head.starts_with(&want) && len > csv.len(),
            "{head} ({len} bytes)"
        );
    }
    let (peak, rss) = peak_and_rss_kb(pid);
    eprintln!(
        "four at once: peak RSS {peak} kB, {:?}; {rss} kB after",
        t0.elapsed()
    );
    assert!(peak < 1 << 20, "four uploads peaked at {peak} kB");
    assert!(rss < 100 << 10, "{rss} kB still held after the uploads");
    // Prices repeating in short cycles: millions of tied slopes, which
    // once sent Theil-Sen over every pair (hours); now answered.
    let (cyclic, rows) = market_csv(49, true);
    let t0 = Instant::now();
    let (status, head, _) = upload(&http, &url, cyclic.into()).await;
    eprintln!("cyclic prices, {rows} rows: {:?}", t0.elapsed());
    assert_eq!(status, 200, "{head}");
    assert!(head.starts_with(&format!("{{\"n\":{rows},")), "{head}");
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
    assert_eq!(handshake(&format!("{url}"), &[]).await, 401);
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

#[tokio::test]
async fn the_33rd_pair_is_refused_naming_the_limit() {
    let symbols = [
        "BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "ADAUSDT", "LTCUSDT",
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
        .take(32)
        .collect();
    // With the configured pair, the first 31 reach the cap of 32; the 32nd
    // asked for is the 33rd pair, and the first error to come back.
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
        msg.contains(&format!("pair {}: the limit of 32 pairs", pairs[31])),
        "{msg}"
    );
}
