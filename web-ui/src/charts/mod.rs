//! Charts: lightweight-charts bindings, an incremental host, time-axis sync
//! and the chart component.

pub mod chart;
pub mod host;
pub mod legend;
pub mod lw;
pub mod sync;

pub use chart::Chart;
pub use host::{Datum, Look, Spec};
pub use sync::SyncGroup;
