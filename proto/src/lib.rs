//! Wire and domain types shared by the spreadwatch engine and its browser client.
//!
//! # Layout
//!
//! - [`fixed`]: exact fixed-point decimals for prices, quantities and volumes
//!   (Binance sends them as strings; floats would drift).
//! - [`ids`]: [`Symbol`], [`PairId`] and [`Interval`].
//! - [`market`]: a [`Trade`] as received and an OHLCV [`Bar`].
//! - [`status`]: feed health as reported by `/api/status`.
//! - [`signal`]: pair parameters, statistics, alerts and chart points.
//! - [`analyze`]: the report of an offline analysis of an uploaded sample.
//! - [`msg`]: WebSocket frames, both ways.
//! - [`heatmap`]: the cross-symbol correlation matrix.
//! - [`scan`]: the pair scanner's settings and ranking.
//!
//! Everything here is plain data with serde, so it builds for
//! `wasm32-unknown-unknown` as well as for the engine.
//!
//! ```
//! use spreadwatch_proto::{Fixed, Interval};
//! let p: Fixed = "43000.10".parse().unwrap();
//! assert_eq!(p.to_string(), "43000.1");
//! assert_eq!(Interval::M1.bucket_start(61_234), 60_000);
//! ```

pub mod analyze;
pub mod cluster;
pub mod fixed;
pub mod heatmap;
pub mod ids;
pub mod market;
pub mod msg;
pub mod scan;
pub mod signal;
pub mod status;

pub use analyze::AnalyzeReport;
pub use fixed::{Fixed, FixedError, Volume};
pub use heatmap::CorrelationMatrix;
pub use ids::{IdError, Interval, PairId, Symbol};
pub use market::{Bar, BarKind, Trade};
pub use msg::{ClientMsg, PairView, ParamsPatch, ServerBody, ServerMsg, Subscription, WatchView};
pub use signal::{Alert, Hedge, Model, PairParams, PairPoint, PairStats, Sampling, Side};
pub use status::{DropReason, FeedState, RestartIds, SourceStatus, StatusReport, SymbolStatus};
