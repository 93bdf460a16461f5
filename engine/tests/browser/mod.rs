//! The dashboard in a real Chromium against `spreadwatch serve`.

#[cfg(feature = "nats")]
mod cluster;
mod dashboard;
mod driver;
pub mod feed;
mod market;
mod page;
mod perf;
mod scanner;
mod trader;
