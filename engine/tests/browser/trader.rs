//! A trader's five minutes with the dashboard (issue 17): charts that
//! follow the market, fields that take typing, parameters per pair across a
//! reload and a server restart, one pair per pick, a toast per pair, a
//! readable upload and its errors. The simulator feeds four symbols.

use std::net::TcpListener;
use std::time::Duration;

use fantoccini::Client;
use serde_json::Value;

use super::driver::{available, screenshot, wait_for, Driver};
use super::page::{
    chart_view, click, dist, drag, errors, js, select, set_input, snapshots, text, type_into,
    value, wait_text, wheel, R,
};
use crate::support::{bin, spawn_serve_at, ChildGuard};

const CHARTS: [&str; 6] = [
    "chart-y",
    "chart-x",
    "chart-spread",
    "chart-z",
    "chart-beta",
    "chart-corr",
];
const ETH: &str = "ETHUSDT/BTCUSDT";
const SOL: &str = "SOLUSDT/BNBUSDT";

fn serve(bind: &str) -> ChildGuard {
    let ui = dist().display().to_string();
    let args = [
        "--source",
        "sim",
        "--symbols",
        "ETHUSDT,BTCUSDT,SOLUSDT,BNBUSDT",
        "--pair",
        ETH,
        "--pair",
        SOL,
        "--ui-dir",
        &ui,
    ];
    spawn_serve_at(bin(), bind, &args).0
}

#[tokio::test]
async fn a_trader_lives_in_the_dashboard() {
    match available(&dist()) {
        Ok(None) => {}
        Ok(Some(why)) => return eprintln!("skipped: {why}"),
        Err(e) => panic!("{e}"),
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let mut server = serve(&bind);
    let url = format!("http://{bind}");
    let driver = Driver::start().expect("chromedriver");
    let client = driver.session(1280, 900).await.expect("browser session");
    let result = scenario(&client, &driver, &url, &bind, &mut server).await;
    if result.is_err() {
        let _ = screenshot(&client, "trader-failure").await;
    }
    let _ = client.close().await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn scenario(
    c: &Client,
    driver: &Driver,
    url: &str,
    bind: &str,
    server: &mut ChildGuard,
) -> R<()> {
    c.goto(url).await.map_err(|e| e.to_string())?;
    charts_follow(c).await?;
    fields_take_typing(c, url).await?;
    params_belong_to_pairs(c, url, bind, server).await?;
    one_pick_one_pair(c, url).await?;
    toasts_stay_few(c).await?;
    export_confirms(c, driver).await?;
    uploads_read_well(c, driver).await?;
    let errs = errors(c).await?;
    if !errs.is_empty() {
        return Err(format!("console errors: {errs:?}"));
    }
    Ok(())
}

async fn api(url: &str, path: &str) -> R<Value> {
    reqwest::get(format!("{url}{path}"))
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())
}

async fn window_of(url: &str, pair: &str) -> Option<u64> {
    api(url, &format!("/api/pair?pair={pair}")).await.ok()?["params"]["window"].as_u64()
}

/// Every chart ends within two bars (1 s bars) of its newest row and shows
/// more than two.
async fn pinned(c: &Client) -> R<()> {
    for id in CHARTS {
        let v = chart_view(c, id).await?;
        if v.newest - v.to > 2.0 || v.visible <= 2 {
            return Err(format!("{id} is not following: {v:?}"));
        }
    }
    Ok(())
}

async fn charts_follow(c: &Client) -> R<()> {
    wait_for("30 s of live data", Duration::from_secs(60), || async {
        let v = chart_view(c, "chart-z").await.ok()?;
        (v.rows >= 30).then_some(())
    })
    .await?;
    pinned(c).await?;
    screenshot(c, "trader-01-following").await?;
    tokio::time::sleep(Duration::from_secs(4)).await;
    pinned(c).await?;

    // Scrolled back, the view stays put while data arrives.
    drag(c, "#chart-z .sw-chart-canvas", 200.0).await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let held = chart_view(c, "chart-z").await?;
    if held.newest - held.to < 3.0 {
        return Err(format!("the drag did not scroll back: {held:?}"));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let later = chart_view(c, "chart-z").await?;
    if (later.to - held.to).abs() > 0.5 || later.newest <= held.newest {
        return Err(format!("a held view moved: {held:?} then {later:?}"));
    }
    screenshot(c, "trader-02-held").await?;

    // One wheel notch zooms in by a fifth (out by a quarter), not a tenth.
    wheel(c, "#chart-z .sw-chart-canvas", -1).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let zoomed = chart_view(c, "chart-z").await?;
    let ratio = zoomed.width / later.width;
    if !(0.75..=0.85).contains(&ratio) {
        return Err(format!("one notch zoomed by {ratio:.3}"));
    }

    click(c, "#back-to-live").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    pinned(c).await?;
    if text(c, "#back-to-live").await.is_ok() {
        return Err("'back to live' is still shown when live".into());
    }

    // A reload keeps following.
    c.refresh().await.map_err(|e| e.to_string())?;
    wait_for("charts after reload", Duration::from_secs(20), || async {
        chart_view(c, "chart-z").await.ok().filter(|v| v.rows > 2)
    })
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    pinned(c).await.map_err(|e| format!("after reload: {e}"))
}

async fn fields_take_typing(c: &Client, url: &str) -> R<()> {
    // Typed keys stay while frames keep re-rendering the page.
    type_into(c, "#ctl-window", "3").await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let typed = value(c, "#ctl-window").await?;
    if typed != "3" {
        return Err(format!("typing 3 shows {typed:?}"));
    }
    let el = c
        .find(fantoccini::Locator::Css("#ctl-window"))
        .await
        .map_err(|e| e.to_string())?;
    el.send_keys("0\u{E007}").await.map_err(|e| e.to_string())?;
    wait_for(
        "window 30 in the engine",
        Duration::from_secs(10),
        || async { (window_of(url, ETH).await? == 30).then_some(()) },
    )
    .await?;

    type_into(c, "#ctl-window", "abc\u{E007}").await?;
    let why = wait_for(
        "the field marked invalid",
        Duration::from_secs(5),
        || async { text(c, "#ctl-window-error").await.ok() },
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (shown, engine) = (value(c, "#ctl-window").await?, window_of(url, ETH).await);
    if shown != "abc" || engine != Some(30) || !why.contains("abc") {
        return Err(format!(
            "after abc: field {shown:?}, engine {engine:?}, message {why:?}"
        ));
    }
    screenshot(c, "trader-03-invalid-field").await?;
    let el = c
        .find(fantoccini::Locator::Css("#ctl-window"))
        .await
        .map_err(|e| e.to_string())?;
    el.send_keys("\u{E00C}").await.map_err(|e| e.to_string())?;
    label_fits(c).await
}

/// The longest model name fits its stat box's label, uncut.
async fn label_fits(c: &Client) -> R<()> {
    select(c, "#ctl-model", "theil-sen").await?;
    let fit = wait_for("the Theil-Sen label", Duration::from_secs(10), || async {
        let v = js(
            c,
            "const l = document.querySelector('#stat-hedge .sw-stat-label');
             return [l.textContent, l.scrollWidth <= l.clientWidth];",
        )
        .await
        .ok()?;
        v[0].as_str()?
            .contains("(Theil-Sen)")
            .then_some(v[1].as_bool())
    })
    .await?;
    if fit != Some(true) {
        return Err("the hedge label is cut".into());
    }
    select(c, "#ctl-model", "ols").await
}

async fn show_pair(c: &Client, pair: &str) -> R<()> {
    select(c, "#ctl-pair", pair).await?;
    pair_shown(c, pair).await
}

async fn pair_shown(c: &Client, pair: &str) -> R<()> {
    wait_for(
        &format!("{pair} shown"),
        Duration::from_secs(10),
        || async { (text(c, "#pair-label").await.ok()? == pair).then_some(()) },
    )
    .await
}

async fn enter(c: &Client, css: &str, v: &str) -> R<()> {
    type_into(c, css, &format!("{v}\u{E007}")).await
}

async fn engine_has(url: &str, want: &[(&str, u64, &str)]) -> Option<()> {
    for (pair, window, model) in want {
        let v = api(url, &format!("/api/pair?pair={pair}")).await.ok()?;
        if v["params"]["window"].as_u64() != Some(*window) || v["params"]["model"] != *model {
            return None;
        }
    }
    Some(())
}

async fn params_belong_to_pairs(
    c: &Client,
    url: &str,
    bind: &str,
    server: &mut ChildGuard,
) -> R<()> {
    show_pair(c, SOL).await?;
    select(c, "#ctl-model", "huber").await?;
    enter(c, "#ctl-window", "45").await?;
    let want = [(ETH, 30, "ols"), (SOL, 45, "huber")];
    wait_for("SOL's own parameters", Duration::from_secs(10), || {
        engine_has(url, &want)
    })
    .await?;
    show_pair(c, ETH).await?;
    c.refresh().await.map_err(|e| e.to_string())?;
    wait_for(
        "a snapshot after reload",
        Duration::from_secs(20),
        || async { (snapshots(c).await.ok()? >= 1).then_some(()) },
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    if engine_has(url, &want).await.is_none() {
        return Err("a reload mixed the pairs' parameters".into());
    }
    // A restarted engine (no data dir) starts from defaults; the page
    // sends each pair its own again.
    server.0.kill().map_err(|e| e.to_string())?;
    let _ = server.0.wait();
    *server = serve(bind);
    wait_for(
        "each pair's own after a restart",
        Duration::from_secs(30),
        || engine_has(url, &want),
    )
    .await?;
    if value(c, "#ctl-window").await? != "30" {
        return Err("the shown pair's window is not its own".into());
    }
    screenshot(c, "trader-04-restart").await?;
    Ok(())
}

async fn pairs(url: &str) -> R<Vec<String>> {
    let v = api(url, "/api/pairs").await?;
    Ok(serde_json::from_value(v["pairs"].clone()).unwrap_or_default())
}

async fn one_pick_one_pair(c: &Client, url: &str) -> R<()> {
    let before = pairs(url).await?;
    // Typed, as a user picks among hundreds: the whole name and Tab for Y,
    // a part and Enter on the first suggestion for X.
    set_input(c, "#ctl-y", "solusdt").await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    type_into(c, "#ctl-x", "ethu\u{E007}").await?;
    if value(c, "#ctl-x").await? != "ETHUSDT" {
        return Err(format!(
            "typing ethu + Enter left {:?} in X",
            value(c, "#ctl-x").await?
        ));
    }
    click(c, "#ctl-apply-pair").await?;
    pair_shown(c, "SOLUSDT/ETHUSDT").await?;
    let after = pairs(url).await?;
    let added: Vec<&String> = after.iter().filter(|p| !before.contains(p)).collect();
    if added != ["SOLUSDT/ETHUSDT"] {
        return Err(format!("picking Y then X added {added:?}"));
    }
    show_pair(c, ETH).await
}

async fn toasts_stay_few(c: &Client) -> R<()> {
    enter(c, "#ctl-window", "5").await?;
    enter(c, "#ctl-hysteresis", "0").await?;
    // Alerts at |z| >= 0.5, re-armed below it: a z over five points
    // crosses that every few seconds.
    enter(c, "#ctl-z", "0.5").await?;
    wait_for("ten alerts", Duration::from_secs(90), || async {
        let n = js(
            c,
            "return document.querySelectorAll('#alert-history li').length;",
        )
        .await
        .ok()?;
        (n.as_u64()? >= 10).then_some(())
    })
    .await?;
    let v = js(
        c,
        "const t = [...document.querySelectorAll('.sw-toast')];
         const ctl = [...document.querySelectorAll('input, select, button')]
             .filter(e => !e.closest('.sw-toast') && e.offsetParent !== null);
         const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
         const over = t.some(x => ctl.some(e => hit(x.getBoundingClientRect(), e.getBoundingClientRect())));
         return [t.length, t.map(x => x.textContent).join(' | '), over];",
    )
    .await?;
    let (n, texts, over) = (v[0].as_u64(), v[1].as_str().unwrap_or(""), v[2].as_bool());
    if n > Some(3) || n == Some(0) || !texts.contains('×') || over != Some(false) {
        return Err(format!("{n:?} toasts ({texts}), over a control: {over:?}"));
    }
    screenshot(c, "trader-05-toasts").await?;
    enter(c, "#ctl-z", "2").await?;
    enter(c, "#ctl-window", "30").await
}

async fn export_confirms(c: &Client, driver: &Driver) -> R<()> {
    click(c, "#export-1s").await?;
    let msg = wait_for(
        "the export's confirmation",
        Duration::from_secs(15),
        || async {
            text(c, "#export-status")
                .await
                .ok()
                .filter(|t| t.contains("Saved"))
        },
    )
    .await?;
    let file = driver.downloads().join("bars_1s.csv");
    wait_for("bars_1s.csv on disk", Duration::from_secs(15), || async {
        std::fs::metadata(&file).ok().filter(|m| m.len() > 0)
    })
    .await
    .map_err(|e| format!("{e} (page said {msg:?})"))?;
    Ok(())
}

/// `rows` minutes of two cointegrated coins priced near 0.01, in the long
/// format (`start_ms,symbol,close`).
fn small_prices(rows: i64) -> String {
    let mut out = String::from("start_ms,symbol,close\n");
    let (mut x, mut s, mut seed) = (0.0101f64, 0.0f64, 17u64);
    let mut u = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    for i in 0..rows {
        x *= 1.0 + u() * 0.002;
        s = 0.8 * s + u() * 0.00004;
        let y = 1.2 * x + s;
        let t = 1_704_067_200_000 + i * 60_000;
        out.push_str(&format!("{t},ETHBTC,{y:.7}\n{t},LTCBTC,{x:.7}\n"));
    }
    out
}

async fn rows_of(c: &Client, id: &str) -> R<u64> {
    let v = js(
        c,
        &format!("return window.swSeries['{id}'][0].data().length;"),
    )
    .await?;
    Ok(v.as_u64().unwrap_or(u64::MAX))
}

async fn pick_file(c: &Client, path: &std::path::Path) -> R<()> {
    let input = c
        .find(fantoccini::Locator::Css("#upload-file"))
        .await
        .map_err(|e| e.to_string())?;
    input
        .send_keys(&path.display().to_string())
        .await
        .map_err(|e| e.to_string())
}

/// Significant digits in a number as written.
fn significant(s: &str) -> usize {
    s.trim_start_matches(['-', '0', '.'])
        .chars()
        .filter(char::is_ascii_digit)
        .count()
}

async fn uploads_read_well(c: &Client, driver: &Driver) -> R<()> {
    click(c, "#mode-upload").await?;
    text(c, "#upload-empty").await?;
    if rows_of(c, "chart-y").await? != 0 {
        return Err("the upload tab shows live data before any upload".into());
    }
    let dir = driver.downloads().with_file_name("uploads");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let prices = dir.join("prices.csv");
    std::fs::write(&prices, small_prices(2_500)).map_err(|e| e.to_string())?;
    set_input(c, "#upload-y", "ETHBTC").await?;
    set_input(c, "#upload-x", "LTCBTC").await?;
    pick_file(c, &prices).await?;
    wait_text(c, "#upload-status", "aligned rows", Duration::from_secs(20)).await?;
    // The file opens whole; a slow machine may take a moment to draw it.
    let _ = wait_for("the whole file in view", Duration::from_secs(5), || async {
        chart_view(c, "chart-y")
            .await
            .ok()
            .filter(|v| v.visible >= 1000)
    })
    .await;
    let v = chart_view(c, "chart-y").await?;
    let kind = js(c, "const s = window.swSeries['chart-y'][0]; return [s.seriesType(), s.options().priceFormat.precision];").await?;
    let price = text(c, "#stat-y-price .sw-stat-value").await?;
    let title = text(c, "#pair-label").await?;
    if v.visible < 1000 || kind[0] != "Line" || significant(&price) < 4 {
        return Err(format!("upload view {v:?}, series {kind}, price {price:?}"));
    }
    let decimals = kind[1].as_u64().unwrap_or(0);
    if decimals < 5 || !title.contains("ETHBTC/LTCBTC") || !title.contains("prices.csv") {
        return Err(format!("axis decimals {decimals}, header {title:?}"));
    }
    let when = js(c, "const w = document.querySelector('#alert-history .sw-when'); return w ? w.textContent : '';").await?;
    if !when.as_str().unwrap_or("").starts_with("2024-01-") {
        return Err(format!("an uploaded alert's time {when} has no date"));
    }
    screenshot(c, "trader-06-upload").await?;

    let empty = dir.join("empty.csv");
    std::fs::write(&empty, "start_ms,symbol,close\n").map_err(|e| e.to_string())?;
    pick_file(c, &empty).await?;
    let msg = wait_for("the upload error", Duration::from_secs(10), || async {
        text(c, "#upload-error").await.ok()
    })
    .await?;
    if !msg.contains("no data rows")
        || !msg.contains("empty.csv")
        || rows_of(c, "chart-y").await? != 0
    {
        return Err(format!("a header-only file: {msg:?}"));
    }
    text(c, "#upload-empty").await?;
    screenshot(c, "trader-07-upload-error").await?;
    click(c, "#mode-live").await
}
