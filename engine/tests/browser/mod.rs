//! The dashboard in a real Chromium against `spreadwatch serve`.

mod dashboard;
mod driver;
pub mod feed;
mod market;
mod page;
mod perf;
mod scanner;
mod trader;
