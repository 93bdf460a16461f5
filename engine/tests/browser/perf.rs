//! Dashboard performance in headless Chromium (ignored by default; `make
//! bench` runs them and BENCHMARKS.md records the numbers): time to the first
//! chart drawn, and the frame rate while the engine pushes fast.

use std::time::Duration;

use super::driver::{available, wait_for, Driver};
use super::feed;
use super::page::dist;
use crate::support::spawn_serve;

/// A script that counts animation frames for `ms` and reports fps, the worst
/// and the 99th-percentile frame interval, and the frames the socket got.
const MEASURE: &str = r#"
const done = arguments[arguments.length - 1];
const app = () => Number(document.querySelector('.sw-app').dataset.frames);
const gaps = []; let last = performance.now(); const start = last; const f0 = app();
const p0 = window.swParseMs || 0, r0 = window.swRenderMs || 0;
function tick(t) {
  gaps.push(t - last); last = t;
  if (t - start < MS) { requestAnimationFrame(tick); return; }
  gaps.sort((a, b) => a - b);
  const secs = (t - start) / 1000;
  done({ fps: gaps.length / secs, p99_ms: gaps[Math.floor(gaps.length * 0.99)], worst_ms: gaps[gaps.length - 1],
         ws_frames_per_s: (app() - f0) / secs, first_draw_ms: window.swFirstDraw,
         parse_ms_per_s: (window.swParseMs - p0) / secs, render_ms_per_s: (window.swRenderMs - r0) / secs });
}
requestAnimationFrame(tick);
"#;

#[tokio::test]
#[ignore = "benchmark: make bench runs it"]
async fn dashboard_frame_rate_under_load() {
    let dist = dist();
    match available(&dist) {
        Ok(None) => {}
        Ok(Some(why)) => return eprintln!("skipped: {why}"),
        Err(e) => panic!("{e}"),
    }
    // 1,200 trades/s per leg in real time: over 2,000 pushed frames/s.
    let rate: i64 = std::env::var("SW_FPS_RATE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1200);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pair.jsonl");
    std::fs::write(&path, feed::cointegrated(60, rate).text).unwrap();
    let (_server, url) = spawn_serve(&[
        "--source",
        &format!("replay:{}", path.display()),
        "--speed",
        "1",
        "--pair",
        "ETHUSDT/BTCUSDT",
        "--ui-dir",
        &dist.display().to_string(),
    ]);
    let driver = Driver::start().expect("chromedriver");
    let c = driver.session(1280, 800).await.expect("session");
    let result: Result<serde_json::Value, String> = async {
        c.goto(&url).await.map_err(|e| e.to_string())?;
        wait_for("a first draw", Duration::from_secs(20), || async {
            let v = c.execute("return window.swFirstDraw;", vec![]).await.ok()?;
            v.as_f64()
        })
        .await?;
        // Let the charts fill a little before measuring.
        tokio::time::sleep(Duration::from_secs(3)).await;
        c.execute_async(&MEASURE.replace("MS", "10000"), vec![])
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    let _ = c.close().await;
    let v = result.unwrap_or_else(|e| panic!("{e}"));
    println!("dashboard with {rate} trades/s per leg in real time: {v}");
    assert!(v["fps"].as_f64().unwrap_or(0.0) > 0.0);
}
