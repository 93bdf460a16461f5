//! Pure, synchronous market maths: no actix, no tokio, no I/O.
//!
//! Each type here is a small state machine with `new`, `update`, `reset`
//! and `initialized`, so the actors that drive them stay thin and the maths
//! can be tested (and property-tested) on its own.

pub mod bar;
pub mod price_kalman;
pub mod ring;
pub mod tick;

pub use bar::{BarBook, BarSeries, BarUpdate, SeriesLimits};
pub use price_kalman::PriceKalman;
pub use ring::TickRing;
pub use tick::Tick;
