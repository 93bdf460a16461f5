//! The scanner table's choices (sort column and order, filters) and the
//! rows they leave, as pure functions of a ranking.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use spreadwatch_proto::scan::ScanResult;

/// A column of the scanner table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// Y/X.
    Pair,
    /// Correlation of returns.
    Corr,
    /// Engle-Granger p (the scanner's own rank).
    #[default]
    P,
    /// Half-life in bars.
    HalfLife,
    /// z of the last point, by its size.
    Z,
    /// OLS beta.
    Beta,
    /// Bars both legs have.
    N,
}

impl Column {
    /// Every column, in table order.
    pub const ALL: [Column; 7] = [
        Column::Pair,
        Column::Corr,
        Column::P,
        Column::HalfLife,
        Column::Z,
        Column::Beta,
        Column::N,
    ];

    /// The header's text.
    pub fn label(self) -> &'static str {
        match self {
            Column::Pair => "pair",
            Column::Corr => "corr",
            Column::P => "coint p",
            Column::HalfLife => "half-life",
            Column::Z => "z now",
            Column::Beta => "β",
            Column::N => "bars",
        }
    }

    /// Its id suffix in the page (`scan-sort-…`).
    pub fn key(self) -> &'static str {
        match self {
            Column::Pair => "pair",
            Column::Corr => "corr",
            Column::P => "p",
            Column::HalfLife => "half-life",
            Column::Z => "z",
            Column::Beta => "beta",
            Column::N => "n",
        }
    }
}

/// Sort and filters; a filter left empty lets every row through.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScanView {
    /// Sorted by.
    pub sort: Column,
    /// Largest first.
    pub descending: bool,
    /// Largest coint p shown.
    pub max_p: Option<f64>,
    /// Shortest half-life shown, bars.
    pub min_half_life: Option<f64>,
    /// Longest half-life shown, bars.
    pub max_half_life: Option<f64>,
    /// Smallest |z| shown.
    pub min_abs_z: Option<f64>,
}

impl Default for ScanView {
    fn default() -> Self {
        ScanView {
            sort: Column::P,
            descending: false,
            max_p: None,
            min_half_life: None,
            max_half_life: None,
            min_abs_z: None,
        }
    }
}

impl ScanView {
    /// A click on `col`'s header: sorts by it, or flips the order when it
    /// already is.
    pub fn clicked(mut self, col: Column) -> Self {
        if self.sort == col {
            self.descending = !self.descending;
        } else {
            self.sort = col;
            // Strength reads best largest first; p and half-life smallest.
            self.descending = matches!(col, Column::Corr | Column::Z | Column::N);
        }
        self
    }

    /// True when `r` passes every filter set (a missing value fails a
    /// filter on it).
    pub fn keeps(&self, r: &ScanResult) -> bool {
        let p = Some(r.coint.pvalue).filter(|v| !v.is_nan());
        let below =
            |lim: Option<f64>, v: Option<f64>| lim.is_none_or(|l| v.is_some_and(|v| v <= l));
        let above =
            |lim: Option<f64>, v: Option<f64>| lim.is_none_or(|l| v.is_some_and(|v| v >= l));
        below(self.max_p, p)
            && above(self.min_half_life, r.half_life)
            && below(self.max_half_life, r.half_life)
            && above(self.min_abs_z, r.z.map(f64::abs))
    }

    /// Indices of the rows shown, in the order shown. Missing values sort
    /// last either way; ties keep the scanner's rank.
    pub fn rows(&self, results: &[ScanResult]) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..results.len())
            .filter(|&i| self.keeps(&results[i]))
            .collect();
        idx.sort_by(|&a, &b| self.order(&results[a], &results[b]).then(a.cmp(&b)));
        idx
    }

    fn order(&self, a: &ScanResult, b: &ScanResult) -> Ordering {
        if self.sort == Column::Pair {
            let o = (a.y.as_str(), a.x.as_str()).cmp(&(b.y.as_str(), b.x.as_str()));
            return if self.descending { o.reverse() } else { o };
        }
        match (value(self.sort, a), value(self.sort, b)) {
            (Some(x), Some(y)) => {
                let o = x.total_cmp(&y);
                if self.descending {
                    o.reverse()
                } else {
                    o
                }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
}

/// A row's number in `col` (NaN counts as missing).
fn value(col: Column, r: &ScanResult) -> Option<f64> {
    let v = match col {
        Column::Pair => None,
        Column::Corr => Some(r.corr),
        Column::P => Some(r.coint.pvalue),
        Column::HalfLife => r.half_life,
        Column::Z => r.z.map(f64::abs),
        Column::Beta => Some(r.beta),
        Column::N => Some(r.n as f64),
    };
    v.filter(|v| !v.is_nan())
}

#[cfg(test)]
mod tests {
    use super::*;
    use spreadwatch_proto::scan::ScanCoint;

    fn row(y: &str, p: Option<f64>, hl: Option<f64>, z: Option<f64>) -> ScanResult {
        ScanResult {
            y: y.parse().unwrap(),
            x: "XUSDT".parse().unwrap(),
            corr: 0.9,
            coint: ScanCoint {
                stat: Some(-5.0),
                pvalue: p.unwrap_or(f64::NAN),
            },
            beta: 1.0,
            alpha: 0.0,
            half_life: hl,
            z,
            n: 100,
        }
    }

    fn table() -> Vec<ScanResult> {
        vec![
            row("AUSDT", Some(0.001), Some(5.0), Some(0.5)),
            row("BUSDT", Some(0.01), None, Some(-2.5)),
            row("CUSDT", Some(0.2), Some(40.0), None),
            row("DUSDT", None, Some(2.0), Some(1.0)),
        ]
    }

    #[test]
    fn the_default_keeps_the_scanners_rank() {
        assert_eq!(ScanView::default().rows(&table()), vec![0, 1, 2, 3]);
    }

    #[test]
    fn a_header_click_sorts_and_a_second_flips_with_missing_last() {
        let t = table();
        let v = ScanView::default().clicked(Column::HalfLife);
        assert_eq!(v.rows(&t), vec![3, 0, 2, 1], "shortest first, none last");
        let v = v.clicked(Column::HalfLife);
        assert_eq!(
            v.rows(&t),
            vec![2, 0, 3, 1],
            "longest first, none still last"
        );
        let z = ScanView::default().clicked(Column::Z);
        assert_eq!(z.rows(&t), vec![1, 3, 0, 2], "largest |z| first");
        let name = ScanView::default()
            .clicked(Column::Pair)
            .clicked(Column::Pair);
        assert_eq!(name.rows(&t), vec![3, 2, 1, 0]);
    }

    #[test]
    fn filters_drop_rows_and_a_missing_value_fails_its_filter() {
        let t = table();
        let v = ScanView {
            max_p: Some(0.05),
            ..ScanView::default()
        };
        assert_eq!(v.rows(&t), vec![0, 1]);
        let v = ScanView {
            min_half_life: Some(3.0),
            max_half_life: Some(30.0),
            ..ScanView::default()
        };
        assert_eq!(v.rows(&t), vec![0]);
        let v = ScanView {
            min_abs_z: Some(1.0),
            ..ScanView::default()
        };
        assert_eq!(v.rows(&t), vec![1, 3]);
    }
}
