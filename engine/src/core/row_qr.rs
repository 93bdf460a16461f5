//! A QR factorisation of a tall design given row by row, holding at most one
//! block of it: what lets an ADF lag search over a million rows and a
//! hundred lags run in a few megabytes instead of a gigabyte.
//!
//! The rows are taken in blocks; each block is stacked under the triangle
//! found so far and factored again (a "tall-skinny" QR). The triangle of
//! `[X | y]` that results is a QR factor of the whole augmented design, so,
//! as with one Householder QR of all of it, its leading `k` columns are the
//! factor of the first `k` columns of `X`, its last column holds `Q'y`, and
//! its corner is the norm of what no column of `X` explains.

use nalgebra::DMatrix;

/// Rows factored together; the triangle (a hundred rows or so) rides on
/// top of each block.
const BLOCK: usize = 1024;

/// Returns the upper triangle `R` (`min(m, k + 1)` rows, `k + 1` columns)
/// of `[X | y]`, where `fill(r, row)` writes row `r` of the `m x k` design
/// `X` into `row`. `y` must have `m` values.
pub(crate) fn factor_rows(
    m: usize,
    k: usize,
    mut fill: impl FnMut(usize, &mut [f64]),
    y: &[f64],
) -> DMatrix<f64> {
    let cols = k + 1;
    let mut tri = DMatrix::<f64>::zeros(0, cols);
    let mut row = vec![0.0; k];
    let mut start = 0;
    while start < m {
        let end = (start + BLOCK).min(m);
        let top = tri.nrows();
        let mut stack = DMatrix::<f64>::zeros(top + end - start, cols);
        stack.rows_mut(0, top).copy_from(&tri);
        for (i, (r, yr)) in (start..end).zip(&y[start..end]).enumerate() {
            fill(r, &mut row);
            for (j, v) in row.iter().enumerate() {
                stack[(top + i, j)] = *v;
            }
            stack[(top + i, k)] = *yr;
        }
        tri = stack.qr().r();
        start = end;
    }
    tri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_give_the_triangle_of_the_whole_design() {
        // More rows than one block, so triangles are stacked on blocks.
        let m = 2 * BLOCK + 37;
        let x = DMatrix::from_fn(m, 3, |r, c| match c {
            0 => 1.0,
            1 => (r as f64 * 0.013).sin() * 40.0,
            _ => ((r * r) % 17) as f64,
        });
        let y: Vec<f64> = (0..m)
            .map(|r| (r as f64 * 0.07).cos() + 0.001 * r as f64)
            .collect();
        let tri = factor_rows(
            m,
            3,
            |r, row| row.copy_from_slice(&[x[(r, 0)], x[(r, 1)], x[(r, 2)]]),
            &y,
        );
        let mut aug = x.clone().resize_horizontally(4, 0.0);
        aug.column_mut(3).copy_from_slice(&y);
        let whole = aug.qr().r();
        assert_eq!(tri.shape(), (4, 4));
        // Unique up to the sign of each row.
        for i in 0..4 {
            let s = tri[(i, i)].signum() * whole[(i, i)].signum();
            for j in 0..4 {
                let (a, b) = (tri[(i, j)], s * whole[(i, j)]);
                assert!(
                    (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                    "R[{i},{j}] {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn fewer_rows_than_columns_give_a_short_triangle() {
        let tri = factor_rows(2, 3, |r, row| row.fill(r as f64 + 1.0), &[1.0, 2.0]);
        assert_eq!(tri.shape(), (2, 4));
        assert_eq!(factor_rows(0, 3, |_, _| {}, &[]).shape(), (0, 4));
    }
}
