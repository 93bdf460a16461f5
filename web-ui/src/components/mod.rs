//! One component per file; each takes props and reports changes through
//! callbacks, and only `App` talks to the store.

pub mod alerts;
pub mod backtest_panel;
pub mod charts_panel;
pub mod controls;
pub mod export;
pub mod header;
pub mod health;
pub mod heatmap;
pub mod number_field;
pub mod pair_picker;
pub mod scan_filters;
pub mod scanner;
pub mod sparkline;
pub mod stat_boxes;
pub mod symbol_search;
pub mod tabs;
pub mod upload;
pub mod watch_button;
pub mod watchlist;
