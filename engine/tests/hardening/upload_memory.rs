//! Memory of large uploads, against the release build.

use std::time::{Duration, Instant};

use crate::support::{release_bin, spawn_serve_of};

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
    let Some(cmd) = release_bin() else {
        eprintln!("skipped: set SW_RELEASE_BIN to the release spreadwatch (make test does)");
        return;
    };
    let (csv, rows) = market_csv(49, false);
    let size_kb = csv.len() as u64 / 1024;
    let csv = bytes::Bytes::from(csv);
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
