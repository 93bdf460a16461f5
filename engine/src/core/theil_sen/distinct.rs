//! The median slope of data with few distinct points.
//!
//! Prices that repeat (a market trading in a few ticks, a series in short
//! cycles) make most of the n(n-1)/2 slopes exact repeats of a few: the
//! bracketing selection then finds millions of slopes tied at the median
//! and gives up, and a pass over every pair of a million points would take
//! hours. Merging equal points into one with a count keeps every slope the
//! same value (the same two subtractions and one division of the same
//! operands), so the weighted order statistics are exactly scipy's.

use super::slope_select::Sorted;

/// Distinct points this path takes: their slopes (about 1M) are collected.
const MAX_DISTINCT: usize = 1448;

/// Ranks `r` and `r2` (`r2` is `r` or `r + 1`) of all slopes, from the
/// distinct points with their counts; `None` when there are too many
/// distinct points for this path or the ranks are out of range.
pub fn distinct_select(s: &Sorted, r: u64, r2: u64) -> Option<(f64, f64)> {
    let pts = distinct_points(s)?;
    let mut slopes: Vec<(f64, u64)> = Vec::new();
    let mut group = 0;
    for i in 1..pts.len() {
        if pts[i].0 != pts[i - 1].0 {
            group = i;
        }
        let (xi, yi, wi) = pts[i];
        for &(xj, yj, wj) in &pts[..group] {
            slopes.push(((yi - yj) / (xi - xj), wi * wj));
        }
    }
    slopes.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let (lo, hi) = (at_rank(&slopes, r)?, at_rank(&slopes, r2)?);
    Some((lo, hi))
}

/// The points in x-then-y order, equal ones (same bits) merged with their
/// count; `None` past [`MAX_DISTINCT`].
fn distinct_points(s: &Sorted) -> Option<Vec<(f64, f64, u64)>> {
    let mut pts: Vec<(f64, f64, u64)> = Vec::new();
    for (&x, &y) in s.xs.iter().zip(&s.ys) {
        if let Some(p) = pts.last_mut() {
            if p.0.to_bits() == x.to_bits() && p.1.to_bits() == y.to_bits() {
                p.2 += 1;
                continue;
            }
        }
        if pts.len() == MAX_DISTINCT {
            return None;
        }
        pts.push((x, y, 1));
    }
    // Sorted groups equal x numerically; a -0.0 beside a 0.0 would be two
    // points here but one x group there, so leave that to the other paths.
    let split_zero = pts
        .windows(2)
        .any(|w| w[0].0 == w[1].0 && w[0].0.to_bits() != w[1].0.to_bits());
    (!split_zero).then_some(pts)
}

/// The value at 0-based `rank` of weighted, sorted values.
fn at_rank(sorted: &[(f64, u64)], rank: u64) -> Option<f64> {
    let mut seen = 0u64;
    for &(v, w) in sorted {
        seen += w;
        if seen > rank {
            return Some(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::{median_slope, Method};
    use super::*;

    #[test]
    fn cycles_give_the_collected_median() {
        // 3,000 points on a 7-cycle against an 11-cycle: 77 distinct
        // points, 4.5M slopes, millions of them tied at the median.
        let x: Vec<f64> = (0..3000).map(|i| 100.0 + (i % 11) as f64 * 0.5).collect();
        let y: Vec<f64> = (0..3000).map(|i| 50.0 + (i % 7) as f64 * 0.25).collect();
        let s = Sorted::new(&x, &y);
        let want = median_slope(&s, Method::Collect).unwrap();
        let got = median_slope(&s, Method::Distinct).unwrap();
        assert_eq!(got.to_bits(), want.to_bits());
        // Both on one cycle: 7 distinct points, all slopes one of a few.
        let y: Vec<f64> = x.iter().map(|v| v * 2.0 - 3.0).collect();
        let s = Sorted::new(&x, &y);
        let want = median_slope(&s, Method::Collect).unwrap();
        assert_eq!(
            median_slope(&s, Method::Distinct).unwrap().to_bits(),
            want.to_bits()
        );
        assert_eq!(
            median_slope(&s, Method::Auto).unwrap().to_bits(),
            want.to_bits()
        );
    }

    #[test]
    fn many_distinct_points_are_left_to_the_other_paths() {
        let x: Vec<f64> = (0..2000).map(f64::from).collect();
        let s = Sorted::new(&x, &x);
        assert!(distinct_select(&s, 0, 0).is_none());
    }
}
