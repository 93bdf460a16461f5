//! Pure, synchronous market maths: no actix, no tokio, no I/O.
//!
//! Each streaming estimator here implements [`estimator::Estimator`]
//! (`update`, `reset`, `initialized`, and a `new`), so the actors that
//! drive them stay thin and the maths can be tested (and property-tested)
//! on its own.

pub mod adf;
mod adf_gram;
pub mod alert;
pub mod align;
pub mod bar;
pub mod bar_book;
pub mod coint;
pub mod corr_matrix;
pub mod estimator;
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
pub mod scan;
pub mod scan_grid;
pub mod scan_schedule;
#[cfg(test)]
mod test_series;
pub mod theil_sen;
pub mod tick;
pub mod tick_budget;
mod window_stats;

pub use bar::{BarSeries, BarUpdate, SeriesLimits};
pub use bar_book::BarBook;
pub use price_kalman::PriceKalman;
pub use ring::TickRing;
pub use tick::Tick;
