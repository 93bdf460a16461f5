//! One scenario per browser session: the page against a paced replay. Each
//! step saves a screenshot under `artifacts/browser/`.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::Value;

use super::driver::{available, screenshot, wait_for, Driver};
use super::feed;
use super::page::{
    chart_view, click, dist, drag, errors, js, select, set_input, snapshots, stat, text, R,
};
use crate::support::{data, spawn_serve};

/// The OLS slope of ETHUSDT on BTCUSDT closes in a bars CSV, computed here
/// independently of the engine.
fn ols_beta_of_bars(csv: &str) -> f64 {
    use std::collections::BTreeMap;
    let mut rows: BTreeMap<i64, (Option<f64>, Option<f64>)> = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (t, sym, close) = (f[0].parse().unwrap(), f[1], f[5].parse::<f64>().unwrap());
        let e = rows.entry(t).or_default();
        match sym {
            "ETHUSDT" => e.0 = Some(close),
            "BTCUSDT" => e.1 = Some(close),
            _ => {}
        }
    }
    let pts: Vec<(f64, f64)> = rows.values().filter_map(|&(y, x)| Some((x?, y?))).collect();
    let n = pts.len() as f64;
    let (mx, my) = (
        pts.iter().map(|p| p.0).sum::<f64>() / n,
        pts.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}

#[tokio::test]
async fn dashboard_in_chromium() {
    let dist = dist();
    match available(&dist) {
        Ok(None) => {}
        Ok(Some(why)) => {
            eprintln!("skipped: {why}");
            return;
        }
        Err(e) => panic!("{e}"),
    }
    let dir = tempfile::tempdir().unwrap();
    let feed = feed::cointegrated(600, 5);
    let path = dir.path().join("pair.jsonl");
    std::fs::write(&path, &feed.text).unwrap();
    let (_server, url) = spawn_serve(&[
        "--source",
        &format!("replay:{}", path.display()),
        "--speed",
        "10",
        "--pair",
        "ETHUSDT/BTCUSDT",
        "--ui-dir",
        &dist.display().to_string(),
    ]);
    let driver = Driver::start().expect("chromedriver");
    let client = driver.session(1280, 800).await.expect("browser session");
    // Run the body, then always close the session before reporting.
    let result = scenario(&client, &driver, &url, &feed).await;
    if result.is_err() {
        let _ = screenshot(&client, "failure").await;
    }
    let _ = client.close().await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn scenario(c: &Client, driver: &Driver, url: &str, feed: &feed::Feed) -> R<()> {
    let http = reqwest::Client::new();
    // 1. The page loads, gets its snapshot and draws every chart.
    let t0 = std::time::Instant::now();
    c.goto(url).await.map_err(|e| e.to_string())?;
    wait_for("the first snapshot", Duration::from_secs(20), || async {
        (snapshots(c).await.ok()? >= 1).then_some(())
    })
    .await?;
    for id in [
        "chart-y",
        "chart-x",
        "chart-spread",
        "chart-z",
        "chart-beta",
        "chart-corr",
    ] {
        let n = js(
            c,
            &format!("return document.querySelectorAll('#{id} canvas').length;"),
        )
        .await?;
        if n.as_u64().unwrap_or(0) == 0 {
            return Err(format!("#{id} has no canvas"));
        }
    }
    eprintln!("page to first snapshot and charts: {:?}", t0.elapsed());
    screenshot(c, "01-loaded").await?;

    // 2. Stat boxes show the replayed prices and move as deltas arrive.
    let y1 = stat(c, "stat-y-price").await?;
    let x1 = stat(c, "stat-x-price").await?;
    let inside = |v: f64, (lo, hi): (f64, f64)| v >= lo && v <= hi;
    if !inside(y1, feed.y_range) || !inside(x1, feed.x_range) {
        return Err(format!(
            "prices y {y1} x {x1} are not from the feed ({:?}, {:?})",
            feed.y_range, feed.x_range
        ));
    }
    let frames = |c| async move {
        js(
            c,
            "return Number(document.querySelector('.sw-app').dataset.frames);",
        )
        .await
    };
    let f1 = frames(c).await?;
    wait_for("the y price to change", Duration::from_secs(10), || async {
        let y = stat(c, "stat-y-price").await.ok()?;
        (y != y1).then_some(())
    })
    .await?;
    wait_for("more frames", Duration::from_secs(10), || async {
        let f = frames(c).await.ok()?;
        (f.as_f64()? > f1.as_f64()?).then_some(())
    })
    .await?;

    readme_picture(c).await?;

    // 3. The model and window reach the engine and change what is shown.
    let ols = stat(c, "stat-hedge").await?;
    select(c, "#ctl-model", "kalman").await?;
    wait_for(
        "the Kalman hedge ratio",
        Duration::from_secs(10),
        || async {
            let label = text(c, "#stat-hedge .sw-stat-label").await.ok()?;
            let v = stat(c, "stat-hedge").await.ok()?;
            (label.contains("Kalman") && v != ols).then_some(())
        },
    )
    .await?;
    set_input(c, "#ctl-window", "30").await?;
    wait_for(
        "window 30 in the engine",
        Duration::from_secs(10),
        || async {
            let v: Value = http
                .get(format!("{url}/api/pair?pair=ETHUSDT/BTCUSDT"))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            (v["params"]["window"] == 30).then_some(())
        },
    )
    .await?;
    screenshot(c, "02-kalman-window-30").await?;

    // 4. A z crossing raises a toast and lands in the history.
    let toast = wait_for("an alert toast", Duration::from_secs(45), || async {
        text(c, ".sw-toast").await.ok()
    })
    .await?;
    if !toast.contains("ETHUSDT/BTCUSDT") {
        return Err(format!("toast {toast:?} does not name the pair"));
    }
    if js(
        c,
        "return document.querySelectorAll('#alert-history li').length;",
    )
    .await?
    .as_u64()
        < Some(1)
    {
        return Err("the alert history is empty".into());
    }
    screenshot(c, "03-toast").await?;

    // 5. Reload keeps the controls and the range the user dragged to.
    drag(c, "#chart-z .sw-chart-canvas", 200.0).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let range = js(
        c,
        "return window.swCharts['chart-z'].timeScale().getVisibleRange();",
    )
    .await?;
    c.refresh().await.map_err(|e| e.to_string())?;
    wait_for(
        "a snapshot after reload",
        Duration::from_secs(20),
        || async { (snapshots(c).await.ok()? >= 1).then_some(()) },
    )
    .await?;
    let prop = |css: &'static str| async move {
        c.find(Locator::Css(css))
            .await
            .ok()?
            .prop("value")
            .await
            .ok()?
    };
    let (model, window) = (prop("#ctl-model").await, prop("#ctl-window").await);
    if model.as_deref() != Some("kalman") || window.as_deref() != Some("30") {
        return Err(format!("after reload model {model:?} window {window:?}"));
    }
    wait_for(
        "the restored visible range",
        Duration::from_secs(10),
        || async {
            let got = js(
                c,
                "const r = window.swCharts['chart-z'].timeScale().getVisibleRange(); return r;",
            )
            .await
            .ok()?;
            let near = |k: &str| Some((got[k].as_f64()? - range[k].as_f64()?).abs() <= 1.0);
            (near("from")? && near("to")?).then_some(())
        },
    )
    .await?;
    screenshot(c, "04-reloaded").await?;

    // 6. Upload mode: the golden bars give the OLS beta computed here.
    select(c, "#ctl-model", "ols").await?;
    wait_for("OLS in force", Duration::from_secs(10), || async {
        text(c, "#stat-hedge .sw-stat-label")
            .await
            .ok()?
            .contains("OLS")
            .then_some(())
    })
    .await?;
    click(c, "#mode-upload").await?;
    let golden = data("golden/aggtrade/bars_1s.csv");
    let want = ols_beta_of_bars(&std::fs::read_to_string(&golden).map_err(|e| e.to_string())?);
    let input = c
        .find(Locator::Css("#upload-file"))
        .await
        .map_err(|e| e.to_string())?;
    input
        .send_keys(&golden.display().to_string())
        .await
        .map_err(|e| e.to_string())?;
    wait_for("the upload result", Duration::from_secs(20), || async {
        text(c, "#upload-status")
            .await
            .ok()?
            .contains("aligned rows")
            .then_some(())
    })
    .await?;
    let got = stat(c, "stat-hedge").await?;
    if (got - want).abs() > 1e-6 * want.abs().max(1.0) {
        return Err(format!("uploaded OLS beta {got}, want {want}"));
    }
    screenshot(c, "05-upload").await?;
    let bad = driver.downloads().with_file_name("bad.csv");
    std::fs::write(&bad, "start_ms,symbol,close\n1,ETHUSDT,abc\n").map_err(|e| e.to_string())?;
    let input = c
        .find(Locator::Css("#upload-file"))
        .await
        .map_err(|e| e.to_string())?;
    input
        .send_keys(&bad.display().to_string())
        .await
        .map_err(|e| e.to_string())?;
    let msg = wait_for("the upload error", Duration::from_secs(10), || async {
        text(c, "#upload-error").await.ok()
    })
    .await?;
    if !msg.contains("line") {
        return Err(format!("upload error {msg:?} does not name the line"));
    }
    click(c, "#mode-live").await?;

    // 7. Once the replay has finished, the export equals /api/export.
    wait_for("the replay to finish", Duration::from_secs(90), || async {
        let v: Value = http
            .get(format!("{url}/api/status"))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        let done = v["sources"]
            .as_object()?
            .values()
            .all(|s| s["state"] == "finished");
        done.then_some(())
    })
    .await?;
    click(c, "#export-1m").await?;
    let file = driver.downloads().join("bars_1m.csv");
    let got = wait_for("the downloaded file", Duration::from_secs(15), || async {
        // Chromium writes a .crdownload first and renames it when complete.
        std::fs::read(&file).ok()
    })
    .await?;
    let want = http
        .get(format!("{url}/api/export?interval=1m"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .bytes()
        .await
        .map_err(|e| e.to_string())?;
    if got != want.as_ref() || got.is_empty() {
        return Err(format!(
            "download ({} bytes) differs from /api/export ({} bytes)",
            got.len(),
            want.len()
        ));
    }

    // 8. A phone-width screen: one column, nothing wider than the screen.
    c.set_window_size(390, 844)
        .await
        .map_err(|e| e.to_string())?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let overflow = js(
        c,
        "return document.documentElement.scrollWidth - window.innerWidth;",
    )
    .await?;
    if overflow.as_i64().unwrap_or(0) > 1 {
        return Err(format!(
            "the page is {overflow} px wider than a phone screen"
        ));
    }
    screenshot(c, "06-phone").await?;

    let errs = errors(c).await?;
    if !errs.is_empty() {
        return Err(format!("console errors: {errs:?}"));
    }
    Ok(())
}

/// The README's picture: the page once the z chart spans two minutes of the
/// replay. Written under artifacts/browser/ on every run, and over
/// docs/dashboard.png with `SW_UPDATE_SCREENSHOT=1`.
async fn readme_picture(c: &Client) -> R<()> {
    wait_for("two minutes of bars", Duration::from_secs(45), || async {
        let rows = chart_view(c, "chart-z").await.ok()?.rows;
        (rows >= 120).then_some(())
    })
    .await?;
    let png = screenshot(c, "dashboard").await?;
    if std::env::var_os("SW_UPDATE_SCREENSHOT").is_some() {
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/dashboard.png");
        std::fs::copy(&png, &docs).map_err(|e| format!("{}: {e}", docs.display()))?;
    }
    Ok(())
}
