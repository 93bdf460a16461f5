//! Integration tests: one binary, real sockets, real files, the real CLI.

mod analyze;
mod browser;
mod cli;
mod gaps;
mod golden_bars;
mod hardening;
mod live_source;
#[cfg(feature = "nats")]
mod nats;
mod pair_live;
mod persist;
mod persist_engine;
mod server;
mod server_rules;
mod support;
mod trade_gaps;
