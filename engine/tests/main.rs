//! Integration tests: one binary, real sockets, real files, the real CLI.

mod cli;
mod golden_bars;
mod live_source;
mod support;
