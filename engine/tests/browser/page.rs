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

/// Waits until the text of `css` holds `needle`.
pub(super) async fn wait_text(c: &Client, css: &str, needle: &str, limit: Duration) -> R<()> {
    let what = format!("{needle:?} in {css}");
    wait_for(&what, limit, || async {
        text(c, css).await.ok()?.contains(needle).then_some(())
    })
    .await
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
    // delete it, type, and Tab away, which fires the change event.
    el.send_keys(&format!("\u{E009}a\u{E009}\u{E003}{value}\u{E004}"))
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

/// Where a chart looks: its rows, the rows in view, the newest row's time
/// and the visible range's last time (seconds), and the logical width.
#[derive(Debug, Clone, Copy)]
pub(super) struct ChartView {
    pub rows: u64,
    pub visible: u64,
    pub newest: f64,
    pub to: f64,
    pub width: f64,
}

pub(super) async fn chart_view(c: &Client, id: &str) -> R<ChartView> {
    // Rows count as the time axis does (a row with no value still takes a
    // place), from the chart's data attributes.
    let v = js(
        c,
        &format!(
            "const ch = window.swCharts['{id}'], el = document.getElementById('{id}');
             const n = Number(el.dataset.rows), newest = Number(el.dataset.newest);
             const r = ch.timeScale().getVisibleRange(), l = ch.timeScale().getVisibleLogicalRange();
             if (!r || !l || n === 0) return null;
             const vis = Math.floor(Math.min(l.to, n - 1)) - Math.ceil(Math.max(l.from, 0)) + 1;
             return [n, vis, newest, r.to, l.to - l.from];"
        ),
    )
    .await?;
    let a = v
        .as_array()
        .ok_or(format!("{id} has no data or range yet"))?;
    let f = |i: usize| a.get(i).and_then(Value::as_f64).unwrap_or(f64::NAN);
    Ok(ChartView {
        rows: f(0) as u64,
        visible: f(1) as u64,
        newest: f(2),
        to: f(3),
        width: f(4),
    })
}

/// The centre of `css` in the viewport, after scrolling it into view.
pub(super) async fn centre(c: &Client, css: &str) -> R<(i64, i64)> {
    let v = js(
        c,
        &format!(
            "const e = document.querySelector('{css}'); e.scrollIntoView({{block: 'center'}});
             const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];"
        ),
    )
    .await?;
    let p = |i: usize| v[i].as_f64().unwrap_or(0.0) as i64;
    Ok((p(0), p(1)))
}

/// Drags across `css` by `dx` pixels with the left button, as a hand
/// would: from left of its centre, in ten steps.
pub(super) async fn drag(c: &Client, css: &str, dx: f64) -> R<()> {
    use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
    let (x, y) = centre(c, css).await?;
    let ms = |n| Some(Duration::from_millis(n));
    let mut hand = MouseActions::new("hand".into())
        .then(PointerAction::MoveTo {
            duration: ms(50),
            x: x as f64 - dx / 2.0,
            y: y as f64,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        });
    for _ in 0..10 {
        hand = hand.then(PointerAction::MoveBy {
            duration: ms(30),
            x: dx / 10.0,
            y: 0.0,
        });
    }
    let hand = hand.then(PointerAction::Up {
        button: MOUSE_BUTTON_LEFT,
    });
    c.perform_actions(hand)
        .await
        .map_err(|e| format!("drag {css}: {e}"))
}

/// Turns the mouse wheel `notches` notches over `css` (positive: towards
/// the user, which zooms out).
pub(super) async fn wheel(c: &Client, css: &str, notches: i64) -> R<()> {
    use fantoccini::actions::{InputSource, WheelAction, WheelActions};
    let (x, y) = centre(c, css).await?;
    let w = WheelActions::new("wheel".into()).then(WheelAction::Scroll {
        duration: None,
        x,
        y,
        delta_x: 0,
        delta_y: 100 * notches,
    });
    c.perform_actions(w)
        .await
        .map_err(|e| format!("wheel over {css}: {e}"))
}

/// Types `keys` into `css` after selecting what it holds, without leaving it.
pub(super) async fn type_into(c: &Client, css: &str, keys: &str) -> R<()> {
    let el = c.find(Locator::Css(css)).await.map_err(|e| e.to_string())?;
    el.send_keys(&format!("\u{E009}a\u{E009}{keys}"))
        .await
        .map_err(|e| e.to_string())
}

/// The value property of an input or select.
pub(super) async fn value(c: &Client, css: &str) -> R<String> {
    let el = c.find(Locator::Css(css)).await.map_err(|e| e.to_string())?;
    el.prop("value")
        .await
        .map_err(|e| e.to_string())?
        .ok_or(format!("{css} has no value"))
}
