//! Offline analysis of uploaded OHLCV data: the engine's estimators run on a
//! whole sample, exactly as the original Python stack computed them
//! (statsmodels, scipy, pykalman, pandas). Used by `spreadwatch analyze` and
//! `POST /api/analyze`; [`scan`] ranks every pair of a whole file
//! (`spreadwatch scan`, `POST /api/scan`).

pub mod input;
pub mod long_format;
mod report;
pub mod scan;

pub use input::{parse_time_ms, read_klines, read_klines_from, Aligned, MAX_CLOSE, MAX_ROW_BYTES};
pub use long_format::{read_long, read_long_all_from, read_long_from, Market};
pub use report::{analyze, AnalyzeOptions};
