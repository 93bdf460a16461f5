//! Charts: lightweight-charts bindings, an incremental host, time-axis sync
//! and the chart component.

pub mod chart;
pub mod follow;
pub mod host;
mod input;
pub mod legend;
pub mod lw;
pub mod specs;
pub mod sync;

pub use chart::Chart;
pub use host::{Datum, Look, Precision, Spec};
pub use sync::SyncGroup;
