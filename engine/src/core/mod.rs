//! Pure, synchronous market maths: no actix, no tokio, no I/O.
//!
//! Each type here is a small state machine with `new`, `update`, `reset`
//! and `initialized`, so the actors that drive them stay thin and the maths
//! can be tested (and property-tested) on its own.

pub mod adf;
pub mod alert;
pub mod align;
pub mod bar;
mod bar_book;
pub mod coint;
pub mod corr_matrix;
pub mod heavy;
pub mod huber;
pub mod kalman_hedge;
mod linalg;
pub mod mackinnon;
pub mod ols;
pub mod pair;
pub mod price_kalman;
#[cfg(test)]
mod reference;
pub mod ring;
pub mod rolling;
mod row_qr;
#[cfg(test)]
mod test_series;
pub mod theil_sen;
pub mod tick;
mod window_stats;

pub use bar::{BarBook, BarSeries, BarUpdate, SeriesLimits};
pub use price_kalman::PriceKalman;
pub use ring::TickRing;
pub use tick::Tick;
