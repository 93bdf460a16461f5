//! The dashboard in a real Chromium against `spreadwatch serve`.

mod dashboard;
mod driver;
mod feed;
mod perf;
