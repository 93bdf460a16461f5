//! spreadwatch: real-time pair-trading analytics for Binance USD-M futures.
//!
//! # Layout
//!
//! A trade's path reads straight down the modules:
//!
//! - [`sources`]: where trades come from. [`sources::frame`] parses Binance
//!   frames; [`sources::binance`] is the live WebSocket client,
//!   [`sources::replay`] reads recorded files, [`sources::sim`] simulates
//!   symbols cointegrated with the first, `sources::backfill` fills gaps
//!   from Binance REST, [`sources::record`] writes recordings, and
//!   `sources::nats` (feature `nats`) reads and publishes NATS. All feed
//!   [`sources::feed::FeedWriter`].
//! - [`actors`]: one [`actors::SymbolActor`] per symbol, created on demand by
//!   the [`actors::Registry`], keeps the tick ring and the bars; one
//!   [`actors::PairActor`] per pair joins its legs and drives the pair's
//!   state. Both publish through [`actors::Events`]: a bounded broadcast and
//!   synchronous taps (the server's fan-out).
//! - [`core`]: the pure maths the actors drive: [`core::TickRing`],
//!   [`core::BarBook`], [`core::PriceKalman`], the hedges, ADF and
//!   [`core::pair::PairState`]. No actix, tokio or I/O.
//! - [`engine`]: [`Engine`] wires sources and actors together and hands out
//!   an [`EngineHandle`].
//! - [`export`]: bars as CSV, the format `spreadwatch replay --export-dir`
//!   writes.
//! - [`analyze`]: the pair analytics of a whole CSV, behind
//!   `spreadwatch analyze` and `POST /api/analyze`.
//! - [`error`]: the crate's one error type.
//! - `config`: the TOML configuration file (feature `cli`).
//! - [`remote`]: the seam through which a cluster gateway's handle asks
//!   the shards for the pairs it does not run.
//! - [`status`]: the feed-health board behind `/api/status`.
//! - `cluster`: running as a cluster over NATS JetStream (feature `nats`):
//!   ingest instances publish trades, shards own pairs by rendezvous
//!   hashing and acknowledge only what is saved.
//! - [`persist`]: the state saved and restored ([`persist::StateStore`], sled
//!   behind the `sled` feature), restored on restart.
//! - `server`: the actix-web HTTP server (feature `server`).
//! - `mock`: a mock Binance server speaking the real protocol, for tests and
//!   load tests (feature `binance`).
//!
//! # Quick start
//!
//! ```
//! use spreadwatch_engine::{Engine, EngineConfig};
//! use spreadwatch_engine::sources::SourceSpec;
//!
//! actix_rt::System::new().block_on(async {
//!     let cfg = EngineConfig { source: SourceSpec::Sim, ..EngineConfig::default() };
//!     let engine = Engine::start(cfg).unwrap();
//!     let handle = engine.handle();
//!     tokio::time::sleep(std::time::Duration::from_millis(300)).await;
//!     assert!(handle.status().sources.contains_key("sim"));
//!     engine.shutdown().await;
//! });
//! ```

#![warn(missing_docs)]
// Tests are scripts of steps, read top to bottom: the 60-line rule is for
// the code they test.
#![cfg_attr(test, allow(clippy::too_many_lines))]

pub mod actors;
pub mod analyze;
mod builder;
#[cfg(feature = "nats")]
pub mod cluster;
#[cfg(feature = "cli")]
pub mod config;
pub mod core;
pub mod engine;
pub mod error;
pub mod export;
mod handle;
#[cfg(feature = "binance")]
pub mod mock;
pub mod persist;
pub mod remote;
#[cfg(feature = "server")]
pub mod server;
pub mod sources;
pub mod status;

pub use builder::EngineBuilder;
pub use engine::{Engine, EngineConfig};
pub use error::{Error, Result};
pub use handle::EngineHandle;
