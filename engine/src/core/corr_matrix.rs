//! Cross-symbol correlation of bar-close log returns, for the heatmap.
//!
//! Matches pandas: `np.log(closes).diff().tail(window).corr()` on a frame
//! with one column per symbol indexed by bar start (an outer join, so a
//! missing bar leaves NaN and breaks the returns on either side of it), with
//! `min_periods` of 3.

use std::collections::BTreeMap;

use spreadwatch_proto::{CorrelationMatrix, Interval, Symbol};

/// Fewer common returns than this gives no correlation.
const MIN_OBS: usize = 3;

/// Builds the matrix from each symbol's `(bar start ms, close)` series.
pub fn correlation_matrix(
    interval: Interval,
    window: usize,
    series: &[(Symbol, Vec<(i64, f64)>)],
) -> CorrelationMatrix {
    let k = series.len();
    // The outer-joined index of every bar start.
    let mut rows: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for (j, (_, closes)) in series.iter().enumerate() {
        for &(t, c) in closes {
            rows.entry(t).or_insert_with(|| vec![f64::NAN; k])[j] = c;
        }
    }
    let table: Vec<Vec<f64>> = rows.into_values().collect();
    // Log returns: row i minus row i−1; the first row has none.
    let returns: Vec<Vec<f64>> = table
        .windows(2)
        .map(|w| (0..k).map(|j| w[1][j].ln() - w[0][j].ln()).collect())
        .collect();
    // pandas' diff keeps the first (NaN) row, so tail(window) holds `window`
    // real returns only when the table has more rows than that.
    let keep = if window < table.len() {
        window
    } else {
        returns.len()
    };
    let tail = &returns[returns.len() - keep..];
    let mut matrix = vec![vec![None; k]; k];
    let mut obs = vec![vec![0; k]; k];
    for a in 0..k {
        for b in a..k {
            let (r, n) = pearson(tail.iter().map(|row| (row[a], row[b])));
            matrix[a][b] = r;
            matrix[b][a] = r;
            obs[a][b] = n;
            obs[b][a] = n;
        }
    }
    CorrelationMatrix {
        interval,
        window,
        symbols: series.iter().map(|(s, _)| s.clone()).collect(),
        matrix,
        obs,
    }
}

/// Pearson correlation over the pairs where both are finite, two-pass for
/// accuracy; returns the count used too.
fn pearson(pairs: impl Iterator<Item = (f64, f64)> + Clone) -> (Option<f64>, usize) {
    let both = pairs.filter(|(x, y)| x.is_finite() && y.is_finite());
    let n = both.clone().count();
    if n < MIN_OBS {
        return (None, n);
    }
    let (sx, sy) = both
        .clone()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n as f64, sy / n as f64);
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (x, y) in both {
        let (dx, dy) = (x - mx, y - my);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return (None, n);
    }
    // pandas clips to [−1, 1] against rounding.
    (Some((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)), n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(s: &str) -> Symbol {
        Symbol::new(s).unwrap()
    }

    fn walk(seed: u64, n: usize) -> Vec<(i64, f64)> {
        let mut x = seed;
        let mut p = 100.0;
        (0..n)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                p *= 1.0 + ((x >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 0.01;
                (i as i64 * 1000, p)
            })
            .collect()
    }

    #[test]
    fn identical_and_inverse_returns_give_plus_and_minus_one() {
        let a = walk(1, 50);
        let b: Vec<_> = a.iter().map(|&(t, p)| (t, 2.0 * p)).collect();
        let c: Vec<_> = a.iter().map(|&(t, p)| (t, 1.0 / p)).collect();
        let m = correlation_matrix(
            Interval::S1,
            1000,
            &[(sym("AUSDT"), a), (sym("BUSDT"), b), (sym("CUSDT"), c)],
        );
        assert!((m.matrix[0][1].unwrap() - 1.0).abs() < 1e-12);
        assert!((m.matrix[0][2].unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(m.matrix[1][0], m.matrix[0][1]);
        assert_eq!(m.obs[0][1], 49);
    }

    #[test]
    fn a_missing_bar_breaks_both_adjacent_returns() {
        let a = walk(2, 20);
        let mut b = walk(3, 20);
        b.remove(10);
        let m = correlation_matrix(Interval::S1, 1000, &[(sym("AUSDT"), a), (sym("BUSDT"), b)]);
        assert_eq!(m.obs[0][1], 19 - 2);
        assert_eq!(m.obs[0][0], 19);
        assert_eq!(m.obs[1][1], 17);
    }

    #[test]
    fn window_keeps_the_last_rows_like_pandas_tail() {
        let a = walk(4, 100);
        let b = walk(5, 100);
        let m = correlation_matrix(
            Interval::S1,
            30,
            &[(sym("AUSDT"), a.clone()), (sym("BUSDT"), b.clone())],
        );
        assert_eq!(m.obs[0][1], 30);
        // The same as the correlation of the last 31 closes.
        let full = correlation_matrix(
            Interval::S1,
            1000,
            &[
                (sym("AUSDT"), a[69..].to_vec()),
                (sym("BUSDT"), b[69..].to_vec()),
            ],
        );
        assert_eq!(full.obs[0][1], 30);
        assert!((m.matrix[0][1].unwrap() - full.matrix[0][1].unwrap()).abs() < 1e-12);
    }

    #[test]
    fn too_few_or_constant_returns_give_null() {
        let flat: Vec<_> = (0..10).map(|i| (i * 1000, 5.0)).collect();
        let m = correlation_matrix(
            Interval::S1,
            1000,
            &[(sym("AUSDT"), walk(6, 3)), (sym("BUSDT"), flat)],
        );
        assert_eq!(m.matrix[0][0], None, "two returns only");
        assert_eq!(m.matrix[1][1], None, "constant");
    }
}
