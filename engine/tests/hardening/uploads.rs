//! Analyses of bad or slow input: clear refusals, a limit on how many run
//! at once, a cut-off for trickled bodies.

use std::time::{Duration, Instant};

use crate::support::{bin, get_json, spawn_serve};

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
