//! The correlation heatmap across every tracked symbol (`GET /api/correlation`).

use serde::{Deserialize, Serialize};

use crate::{Interval, Symbol};

/// Pairwise Pearson correlations of bar-close log returns.
///
/// Like pandas' `np.log(closes).diff().tail(window).corr()`: rows are bar
/// starts, a return needs both of its bars, and each pair uses the rows where
/// both symbols have a return (pairwise complete).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrelationMatrix {
    /// Bar interval of the closes.
    pub interval: Interval,
    /// Rows (bar starts) used at most.
    pub window: usize,
    /// Symbols, in row and column order.
    pub symbols: Vec<Symbol>,
    /// `matrix[i][j]`: correlation of symbols i and j; null with fewer than
    /// 3 common returns or a constant series.
    pub matrix: Vec<Vec<Option<f64>>>,
    /// `obs[i][j]`: returns both symbols had.
    pub obs: Vec<Vec<usize>>,
}
