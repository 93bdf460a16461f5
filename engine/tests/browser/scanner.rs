//! A trader works the whole market in a real Chromium for five minutes: a
//! paced replay of 550 symbols with three planted cointegrated pairs (see
//! [`market`](super::market)) feeds `spreadwatch serve` and its scanner.
//! The ranking puts a planted pair in its first three rows; the table
//! sorts and filters; a click opens the pair with its charts; three pairs
//! watched show z that moves and stay after a reload; typing part of a
//! symbol offers it; with 32 pairs watched the page keeps 50 frames a
//! second and a bounded JS heap; an uploaded file is ranked too.

use std::time::{Duration, Instant};

use fantoccini::Client;
use serde_json::Value;

use super::driver::{available, screenshot, wait_for, Driver};
use super::market::{self, PLANTED};
use super::page::{chart_view, click, dist, errors, js, set_input, text, type_into, value, R};
use crate::support::{bin, data, release_bin, spawn_serve_of};

/// How long the page runs, from its first load.
fn run_for() -> Duration {
    let secs = std::env::var("SW_SCANNER_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    Duration::from_secs(secs)
}

#[tokio::test]
#[ignore = "five minutes that measure frame rates, so with the cores to itself: make test runs it alone"]
async fn a_trader_works_the_whole_market() {
    match available(&dist()) {
        Ok(None) => {}
        Ok(Some(why)) => return eprintln!("skipped: {why}"),
        Err(e) => panic!("{e}"),
    }
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("market.jsonl");
    // 30x: a data minute every two seconds, three data hours for the run.
    market::write(&feed, 550, 180);
    let (_server, url) = spawn_serve_of(
        // The release build when `make test` names it (32 live pairs'
        // robust fits are slow unoptimised), else the test build.
        release_bin().unwrap_or_else(bin),
        &[
            "--source",
            &format!("replay:{}", feed.display()),
            "--speed",
            "30",
            "--scan-lookback",
            "40",
            "--scan-min-corr",
            "0",
            "--scan-max-candidates",
            "400",
            "--scan-window",
            "30",
            "--ui-dir",
            &dist().display().to_string(),
        ],
    );
    let driver = Driver::start().expect("chromedriver");
    let client = driver.session(1400, 1000).await.expect("browser session");
    let result = scenario(&client, &url).await;
    if result.is_err() {
        let _ = screenshot(&client, "scanner-failure").await;
    }
    let _ = client.close().await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn scenario(c: &Client, url: &str) -> R<()> {
    c.goto(url).await.map_err(|e| e.to_string())?;
    let start = Instant::now();
    let planted = ranking_finds_planted(c).await?;
    table_sorts_and_filters(c).await?;
    opens_the_pair(c, &planted).await?;
    let watched = three_watched_move(c, &planted).await?;
    they_survive_a_reload(c, &watched).await?;
    panels_stay_small(c, &watched).await?;
    typing_offers_symbols(c).await?;
    fill_the_watchlist(c).await?;
    holds_up(c, start + run_for()).await?;
    an_upload_is_ranked(c).await?;
    let errs = errors(c).await?;
    if !errs.is_empty() {
        return Err(format!("console errors: {errs:?}"));
    }
    Ok(())
}

/// The scanner table's rows: pair, then each cell's text.
async fn scan_rows(c: &Client) -> R<Vec<Vec<String>>> {
    let v = js(
        c,
        "return [...document.querySelectorAll('#scan-table tr.sw-scan-row')]
            .map(r => [r.dataset.pair, ...[...r.cells].slice(2).map(td => td.textContent)]);",
    )
    .await?;
    serde_json::from_value(v).map_err(|e| e.to_string())
}

/// `name` as a planted pair, in either order.
fn planted_as(name: &str) -> Option<String> {
    PLANTED.iter().find_map(|(y, x)| {
        [format!("{y}/{x}"), format!("{x}/{y}")]
            .contains(&name.to_string())
            .then(|| name.to_string())
    })
}

async fn ranking_finds_planted(c: &Client) -> R<String> {
    click(c, "#tab-scanner").await?;
    // The first ranking once the window is whole (a scan starts with half).
    let rows = wait_for(
        "a whole window's ranking",
        Duration::from_secs(150),
        || async {
            let rows = scan_rows(c).await.ok()?;
            let whole = column(&rows, 5).first().copied().flatten() >= Some(39.0);
            (rows.len() >= 20 && whole).then_some(rows)
        },
    )
    .await?;
    screenshot(c, "scanner-01-ranking").await?;
    let top: Vec<&str> = rows.iter().take(3).map(|r| r[0].as_str()).collect();
    let found = top.iter().find_map(|p| planted_as(p));
    found.ok_or_else(|| format!("no planted pair in the first three rows: {top:?}"))
}

/// The column `i` (0: corr, 1: p, 2: half-life, 3: z, 4: beta, 5: bars)
/// of each row, as numbers (a dash is none).
fn column(rows: &[Vec<String>], i: usize) -> Vec<Option<f64>> {
    rows.iter().map(|r| r[i + 1].parse().ok()).collect()
}

async fn table_sorts_and_filters(c: &Client) -> R<()> {
    click(c, "#scan-sort-half-life").await?;
    let hl = column(&scan_rows(c).await?, 2);
    let known: Vec<f64> = hl.iter().flatten().copied().collect();
    let none_last = hl.iter().skip_while(|v| v.is_some()).all(Option::is_none);
    if !(known.windows(2).all(|w| w[0] <= w[1]) && none_last) {
        return Err(format!("half-life is not sorted shortest first: {hl:?}"));
    }
    click(c, "#scan-sort-half-life").await?;
    let hl = column(&scan_rows(c).await?, 2);
    let known: Vec<f64> = hl.iter().flatten().copied().collect();
    if !known.windows(2).all(|w| w[0] >= w[1]) {
        return Err(format!("a second click did not reverse it: {hl:?}"));
    }
    click(c, "#scan-sort-p").await?;
    set_input(c, "#scan-max-p", "0.001").await?;
    let rows = wait_for("the p filter", Duration::from_secs(5), || async {
        let rows = scan_rows(c).await.ok()?;
        column(&rows, 1)
            .iter()
            .all(|p| p.is_some_and(|p| p <= 0.001))
            .then_some(rows)
    })
    .await?;
    if !rows.iter().any(|r| planted_as(&r[0]).is_some()) {
        return Err(format!("the filter dropped the planted pairs: {rows:?}"));
    }
    set_input(c, "#scan-max-p", "").await?;
    wait_for("every row again", Duration::from_secs(5), || async {
        (scan_rows(c).await.ok()?.len() > rows.len()).then_some(())
    })
    .await
}

async fn opens_the_pair(c: &Client, pair: &str) -> R<()> {
    click(
        c,
        &format!("tr.sw-scan-row[data-pair='{pair}'] .sw-scan-pair"),
    )
    .await?;
    wait_for("the pair view", Duration::from_secs(10), || async {
        text(c, "#pair-label")
            .await
            .ok()?
            .contains(pair)
            .then_some(())
    })
    .await?;
    for id in ["chart-y", "chart-x", "chart-z"] {
        wait_for(&format!("{id} filled"), Duration::from_secs(30), || async {
            (chart_view(c, id).await.ok()?.rows >= 20).then_some(())
        })
        .await?;
    }
    screenshot(c, "scanner-02-pair").await?;
    Ok(())
}

/// The watchlist's rows: pair, z text, sparkline points.
async fn watch_rows(c: &Client) -> R<Vec<(String, String, u64)>> {
    let v = js(
        c,
        "return [...document.querySelectorAll('#watchlist .sw-watch-row')].map(r => [r.dataset.pair,
            (r.querySelector('.sw-watch-z') || {}).textContent || '',
            Number((r.querySelector('.sw-spark') || {dataset: {}}).dataset.points || 0)]);",
    )
    .await?;
    serde_json::from_value(v).map_err(|e| e.to_string())
}

/// Watches the open pair from the pair view and two more from the
/// scanner; their z must move.
async fn three_watched_move(c: &Client, open: &str) -> R<Vec<String>> {
    click(c, "#watch-toggle").await?;
    click(c, "#tab-scanner").await?;
    let rows = scan_rows(c).await?;
    let others: Vec<String> = rows
        .iter()
        .map(|r| r[0].clone())
        .filter(|p| p != open)
        .take(2)
        .collect();
    for p in &others {
        click(c, &format!("tr.sw-scan-row[data-pair='{p}'] .sw-star")).await?;
    }
    let watched: Vec<String> = std::iter::once(open.to_string()).chain(others).collect();
    let first = wait_for(
        "three watched rows with z",
        Duration::from_secs(20),
        || async {
            let w = watch_rows(c).await.ok()?;
            (w.len() == 3 && w.iter().all(|r| r.1.parse::<f64>().is_ok())).then_some(w)
        },
    )
    .await?;
    let names: Vec<String> = first.iter().map(|r| r.0.clone()).collect();
    if names != watched {
        return Err(format!("watched {watched:?}, the list shows {names:?}"));
    }
    let later = wait_for(
        "every watched z to move",
        Duration::from_secs(30),
        || async {
            let w = watch_rows(c).await.ok()?;
            let moved = w.iter().zip(&first).all(|(a, b)| a.1 != b.1 && a.2 > 1);
            moved.then_some(w)
        },
    )
    .await?;
    screenshot(c, "scanner-03-watchlist").await?;
    update_docs_picture(c, "watchlist").await?;
    println!("watchlist z from {first:?} to {later:?}");
    Ok(watched)
}

async fn they_survive_a_reload(c: &Client, watched: &[String]) -> R<()> {
    c.refresh().await.map_err(|e| e.to_string())?;
    let names = wait_for(
        "the watchlist after a reload",
        Duration::from_secs(20),
        || async {
            let w = watch_rows(c).await.ok()?;
            let live = w.iter().all(|r| r.1.parse::<f64>().is_ok());
            (live && !w.is_empty()).then(|| w.into_iter().map(|r| r.0).collect::<Vec<_>>())
        },
    )
    .await?;
    if names != watched {
        return Err(format!(
            "after a reload the list shows {names:?}, not {watched:?}"
        ));
    }
    Ok(())
}

/// Feed health leads with a summary of all 550 streams and the worst
/// eight, the full table behind its toggle; the heatmap shows the
/// watchlist's symbols, not the market's.
async fn panels_stay_small(c: &Client, watched: &[String]) -> R<()> {
    click(c, "#tab-pair").await?;
    let summary = wait_for("the feed summary", Duration::from_secs(10), || async {
        let t = text(c, "#health-summary").await.ok()?;
        t.contains("of 550 streams").then_some(t)
    })
    .await?;
    let count = |css: &'static str| async move {
        let v = js(
            c,
            &format!("return document.querySelectorAll('{css}').length;"),
        )
        .await?;
        v.as_u64().ok_or(format!("{css}: {v}"))
    };
    let worst = count("#health-worst tr.sw-worst").await?;
    if worst != 8 || count("#health-full").await? != 0 {
        return Err(format!(
            "{summary:?}: {worst} streams listed, or the full table shown unasked"
        ));
    }
    click(c, "#health-toggle").await?;
    let full = count("#health-full tbody tr").await?;
    click(c, "#health-toggle").await?;
    if full < 550 {
        return Err(format!("the full table has {full} rows"));
    }
    let mut legs: Vec<String> = Vec::new();
    for leg in watched.iter().flat_map(|p| p.split('/')) {
        if !legs.iter().any(|l| l == leg) {
            legs.push(leg.to_string());
        }
    }
    let shown = wait_for("the heatmap of the watchlist", Duration::from_secs(15), || async {
        let v = js(c, "return [...document.querySelectorAll('#heatmap tbody th')].map(t => t.textContent);").await.ok()?;
        let v: Vec<String> = serde_json::from_value(v).ok()?;
        (v == legs).then_some(v)
    })
    .await;
    shown
        .map(|_| ())
        .map_err(|e| format!("{e}: the heatmap should show {legs:?}"))
}

async fn typing_offers_symbols(c: &Client) -> R<()> {
    type_into(c, "#ctl-y", "dog").await?;
    let offered = wait_for("suggestions", Duration::from_secs(5), || async {
        let v = js(
            c,
            "return [...document.querySelectorAll('#ctl-y-list li')].map(l => l.dataset.symbol);",
        )
        .await
        .ok()?;
        let v: Vec<String> = serde_json::from_value(v).ok()?;
        (!v.is_empty()).then_some(v)
    })
    .await?;
    if offered.first().map(String::as_str) != Some("DOGEUSDT") {
        return Err(format!("typing 'dog' offered {offered:?}"));
    }
    click(c, "#ctl-y-list li[data-symbol='DOGEUSDT']").await?;
    let picked = value(c, "#ctl-y").await?;
    if picked != "DOGEUSDT" || text(c, "#ctl-apply-pair").await.is_err() {
        return Err(format!(
            "picking DOGEUSDT left {picked:?} in Y and no apply button"
        ));
    }
    Ok(())
}

/// Takes the third pair off with its row's ×, then stars scanner rows
/// until 32 pairs are watched.
async fn fill_the_watchlist(c: &Client) -> R<()> {
    click(c, "#watchlist .sw-watch-row:nth-child(3) .sw-watch-remove").await?;
    wait_for("two watched rows", Duration::from_secs(5), || async {
        (watch_rows(c).await.ok()?.len() == 2).then_some(())
    })
    .await?;
    click(c, "#tab-scanner").await?;
    for _ in 0..40 {
        let n = watch_rows(c).await?.len();
        if n >= 32 {
            return Ok(());
        }
        let free = js(
            c,
            "const b = document.querySelector('#scan-table .sw-star:not(.sw-active)');
            if (!b) return false; b.click(); return true;",
        )
        .await?;
        if free != Value::Bool(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    Err(format!(
        "the watchlist holds {} pairs, not 32",
        watch_rows(c).await?.len()
    ))
}

/// Frames per second over `ms`, and the milliseconds a second the page
/// spent applying frames and rendering (the socket's own counter).
async fn fps(c: &Client, ms: u64) -> R<(f64, f64)> {
    let script = format!(
        "const done = arguments[arguments.length - 1]; let n = 0; const t0 = performance.now();
         const r0 = window.swRenderMs || 0;
         function f(t) {{ n++; if (t - t0 < {ms}) requestAnimationFrame(f);
           else done([n * 1000 / (t - t0), ((window.swRenderMs || 0) - r0) * 1000 / (t - t0)]); }}
         requestAnimationFrame(f);"
    );
    let v = c
        .execute_async(&script, vec![])
        .await
        .map_err(|e| e.to_string())?;
    let f = |i: usize| v[i].as_f64().ok_or(format!("fps: {v}"));
    Ok((f(0)?, f(1)?))
}

/// The JS heap in MB after a full collection.
async fn heap_mb(c: &Client) -> R<f64> {
    let v = js(
        c,
        "if (window.gc) window.gc(); return performance.memory.usedJSHeapSize / 1048576;",
    )
    .await?;
    v.as_f64().ok_or(format!("heap: {v}"))
}

/// Every 15 s until `end`: frames per second over 3 s, render ms a
/// second, and the heap after a collection.
async fn sample(c: &Client, end: Instant) -> R<Vec<(f64, f64, f64)>> {
    let mut out = Vec::new();
    loop {
        tokio::time::sleep(Duration::from_secs(15)).await;
        let (fps, render) = fps(c, 3_000).await?;
        out.push((fps, render, heap_mb(c).await?));
        if Instant::now() >= end {
            return Ok(out);
        }
    }
}

/// With 32 pairs watched: the pair view's charts for 75 s, then the
/// scanner tab until `end`. The frame rate's median over every 3 s
/// window is at least 50 (no window under 40: a collection or a scan
/// can take one); on the scanner tab, whose data are all bounded (the
/// pair view's history grows to its cap by design), the heap at the end
/// is within a quarter (plus 4 MB) of its first reading.
async fn holds_up(c: &Client, end: Instant) -> R<()> {
    click(c, "#tab-pair").await?;
    let pair = sample(c, Instant::now() + Duration::from_secs(75)).await?;
    click(c, "#tab-scanner").await?;
    let scanner = sample(c, end).await?;
    println!("32 watched pairs, 550 symbols, (fps, render ms/s, heap MB) every 18 s: pair view {pair:?}; scanner {scanner:?}");
    let mut rates: Vec<f64> = pair.iter().chain(&scanner).map(|s| s.0).collect();
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    if median < 50.0 || rates[0] < 40.0 {
        return Err(format!(
            "frames per second: median {median:.1}, worst {:.1}: {rates:?}",
            rates[0]
        ));
    }
    let (first, last) = (scanner[0].2, scanner[scanner.len() - 1].2);
    if scanner.len() < 4 || last > first * 1.25 + 4.0 {
        return Err(format!(
            "the JS heap went from {first:.1} to {last:.1} MB: {scanner:?}"
        ));
    }
    screenshot(c, "scanner-04-full-watchlist").await?;
    update_docs_picture(c, "scanner").await
}

/// The scanner on an uploaded file: the golden market's planted pairs
/// lead its ranking.
async fn an_upload_is_ranked(c: &Client) -> R<()> {
    click(c, "#mode-upload").await?;
    let input = c
        .find(fantoccini::Locator::Css("#upload-file"))
        .await
        .map_err(|e| e.to_string())?;
    input
        .send_keys(&data("scan/market.csv").display().to_string())
        .await
        .map_err(|e| e.to_string())?;
    let rows = wait_for(
        "the uploaded file's ranking",
        Duration::from_secs(60),
        || async {
            let rows = scan_rows(c).await.ok()?;
            (!rows.is_empty() && text(c, "#scan-caption").await.ok()?.contains("market.csv"))
                .then_some(rows)
        },
    )
    .await?;
    let top: Vec<&str> = rows.iter().take(3).map(|r| r[0].as_str()).collect();
    let planted = ["ALPHAUSDT", "KILOUSDT", "CHARLUSDT"];
    if !top.iter().all(|p| planted.iter().any(|s| p.contains(s))) {
        return Err(format!("the upload's first three rows are {top:?}"));
    }
    screenshot(c, "scanner-05-upload").await?;
    click(c, "#mode-live").await
}

/// Writes docs/`name`.png for the README with `SW_UPDATE_SCREENSHOT=1`.
async fn update_docs_picture(c: &Client, name: &str) -> R<()> {
    let png = screenshot(c, name).await?;
    if std::env::var_os("SW_UPDATE_SCREENSHOT").is_some() {
        let docs =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../docs/{name}.png"));
        std::fs::copy(&png, &docs).map_err(|e| format!("{}: {e}", docs.display()))?;
    }
    Ok(())
}
