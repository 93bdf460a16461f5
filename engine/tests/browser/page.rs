//! What the browser tests do to a page: run a script, read an element's
//! text or a stat box, count snapshots, collect page errors, type, click
//! and select as a user would.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::Value;

use super::driver::wait_for;

/// A page step's outcome: errors are returned, never panicked, so the
/// browser session is always closed.
pub(super) type R<T> = Result<T, String>;

/// The built dashboard (Trunk's `dist/`).
pub(super) fn dist() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist")
}

pub(super) async fn js(c: &Client, script: &str) -> R<Value> {
    c.execute(script, vec![])
        .await
        .map_err(|e| format!("js {script:?}: {e}"))
}

pub(super) async fn text(c: &Client, css: &str) -> R<String> {
    let el = c
        .find(Locator::Css(css))
        .await
        .map_err(|e| format!("find {css}: {e}"))?;
    el.text().await.map_err(|e| format!("text of {css}: {e}"))
}

/// The number in a stat box, once it has one.
pub(super) async fn stat(c: &Client, id: &str) -> R<f64> {
    let css = format!("#{id} .sw-stat-value");
    wait_for(
        &format!("a number in {id}"),
        Duration::from_secs(20),
        || async { text(c, &css).await.ok()?.parse::<f64>().ok() },
    )
    .await
}

pub(super) async fn snapshots(c: &Client) -> R<u64> {
    let v = js(
        c,
        "const a = document.querySelector('.sw-app'); return a ? Number(a.dataset.snapshots) : 0;",
    )
    .await?;
    Ok(v.as_u64().unwrap_or(0))
}

pub(super) async fn errors(c: &Client) -> R<Vec<String>> {
    let v = js(c, "return window.swErrors || [];").await?;
    Ok(serde_json::from_value(v).unwrap_or_default())
}

pub(super) async fn set_input(c: &Client, css: &str, value: &str) -> R<()> {
    let el = c.find(Locator::Css(css)).await.map_err(|e| e.to_string())?;
    // As a user would: select all (Ctrl+A; the second Ctrl releases it),
    // type, and Tab away, which fires the change event.
    el.send_keys(&format!("\u{E009}a\u{E009}{value}\u{E004}"))
        .await
        .map_err(|e| e.to_string())
}

pub(super) async fn click(c: &Client, css: &str) -> R<()> {
    let el = c
        .find(Locator::Css(css))
        .await
        .map_err(|e| format!("find {css}: {e}"))?;
    el.click().await.map_err(|e| format!("click {css}: {e}"))
}

pub(super) async fn select(c: &Client, css: &str, value: &str) -> R<()> {
    let el = c.find(Locator::Css(css)).await.map_err(|e| e.to_string())?;
    el.select_by_value(value)
        .await
        .map_err(|e| format!("select {value} in {css}: {e}"))
}
