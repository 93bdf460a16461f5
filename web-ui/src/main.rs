//! The spreadwatch dashboard: a Yew app fed by the engine's WebSocket.
//!
//! # Layout
//!
//! - [`app`]: the root component; owns the store, socket and chart sync.
//! - [`effects`]: messages to the engine, REST polls, the upload.
//! - [`shown`], [`stat_view`]: what the main area shows, live or uploaded.
//! - [`store`]: the one `Reducible` store; [`series`] its chart rows.
//! - [`socket`]: the WebSocket with reconnect and per-frame batching.
//! - [`api`]: REST calls (analyze upload, correlation, downloads).
//! - [`prefs`]: what is kept in localStorage.
//! - [`charts`]: lightweight-charts bindings and the chart component.
//! - [`components`]: controls, stat boxes, charts, alerts, feed health,
//!   upload, export, backtest and heatmap.
//! - [`scan_view`]: the scanner table's sort and filters; [`watch`]: the
//!   watchlist's rows.
//! - [`backtest`], [`upload_view`], [`format`]: pure helpers, unit-tested
//!   natively.

mod api;
mod app;
mod backtest;
mod charts;
mod components;
mod effects;
mod format;
mod prefs;
mod scan_view;
mod series;
mod shown;
mod socket;
mod stat_view;
mod store;
mod upload_view;
mod watch;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
