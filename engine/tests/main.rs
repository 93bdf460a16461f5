//! Integration tests: one binary, real sockets, real files, the real CLI.

// Tests are scripts of steps, read top to bottom: the 60-line rule is for
// the code they test.
#![allow(clippy::too_many_lines)]

mod analyze;
mod browser;
mod cli;
#[cfg(feature = "nats")]
mod cluster;
#[cfg(feature = "nats")]
mod cluster_gateway;
#[cfg(feature = "nats")]
mod cluster_scan;
mod gaps;
mod golden_bars;
mod hardening;
mod live_source;
#[cfg(feature = "nats")]
mod nats;
mod pair_live;
mod persist;
mod persist_engine;
mod scan;
mod scan_live;
mod server;
mod server_rules;
mod support;
mod trade_gaps;
mod universe;
mod watch;
