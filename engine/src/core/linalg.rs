//! Dense least squares with statsmodels' `OLS(...).fit()` semantics.
//!
//! statsmodels solves through `pinv` (an SVD of the design) and reads the
//! rank off the singular values. An SVD of a tall design is slow, so the
//! design is first reduced by a Householder QR: `X = Q R` has the singular
//! values of `R`, and `pinv(X) = pinv(R) Q'`, so the SVD only ever sees a
//! small square matrix. The same factorisation also serves every leading
//! block of columns at once, which is what a lag-length search needs.

use nalgebra::{DMatrix, DVector};

/// Mirrors the `rcond` of statsmodels' `pinv_extended`.
const PINV_RCOND: f64 = 1e-15;
/// Bounds the Jacobi sweeps so no input can make them spin forever; well
/// scaled problems converge in well under twenty.
const JACOBI_MAX_SWEEPS: usize = 80;

/// Holds an ordinary least-squares fit.
#[derive(Debug, Clone)]
pub(crate) struct Ols {
    /// Holds the minimum-norm coefficients, as `pinv(X) y` gives them.
    pub(crate) params: Vec<f64>,
    /// Holds `y - X params`.
    pub(crate) resid: Vec<f64>,
    /// Holds the sum of squared residuals.
    pub(crate) ssr: f64,
    /// Holds the numerical rank, by numpy's `matrix_rank` rule.
    pub(crate) rank: usize,
    /// Holds the number of observations (rows).
    pub(crate) nobs: usize,
    /// Holds the diagonal of `pinv(X) pinv(X)'`, statsmodels'
    /// `normalized_cov_params`.
    pub(crate) cov_diag: Vec<f64>,
}

impl Ols {
    /// Returns the t-value of coefficient `i`, `params / sqrt(cov * scale)`
    /// with `scale = ssr / (nobs - rank)`.
    pub(crate) fn tvalue(&self, i: usize) -> f64 {
        let scale = self.ssr / (self.nobs as f64 - self.rank as f64);
        self.params[i] / (self.cov_diag[i] * scale).sqrt()
    }
}

/// Returns statsmodels' OLS AIC, `-2 llf + 2 (df_model + k_constant)`,
/// where `df_model + k_constant` is always the rank.
pub(crate) fn aic(ssr: f64, nobs: usize, rank: usize) -> f64 {
    let nobs = nobs as f64;
    let nobs2 = nobs / 2.0;
    let llf = -nobs2 * (2.0 * std::f64::consts::PI).ln() - nobs2 * (ssr / nobs).ln() - nobs2;
    -2.0 * llf + 2.0 * rank as f64
}

/// Fits `y` on the columns of `x` like statsmodels' default `OLS.fit()`.
///
/// Returns `None` when the shapes disagree or the design is empty.
pub(crate) fn ols(x: &DMatrix<f64>, y: &[f64]) -> Option<Ols> {
    ols_rows(x.nrows(), x.ncols(), matrix_rows(x), y)
}

/// [`ols`] of the `m x k` design whose row `r` `fill(r, row)` writes: the
/// design is never held whole (see [`row_qr`](super::row_qr)).
pub(crate) fn ols_rows(
    m: usize,
    k: usize,
    mut fill: impl FnMut(usize, &mut [f64]),
    y: &[f64],
) -> Option<Ols> {
    if m == 0 || k == 0 || y.len() != m {
        return None;
    }
    let (r, z, _) = reduce(m, k, &mut fill, y);
    let svd = Pinv::new(r);
    let mut params = vec![0.0; k];
    let mut cov_diag = vec![0.0; k];
    for j in svd.kept() {
        let s = svd.s[j];
        let w = svd.u.column(j).dot(&z) / s;
        for i in 0..k {
            params[i] += svd.v[(i, j)] * w;
            let a = svd.v[(i, j)] / s;
            cov_diag[i] += a * a;
        }
    }
    // statsmodels takes the residual from the data, not from the QR image,
    // so it is recomputed here the same way, row by row.
    let mut row = vec![0.0; k];
    let resid: Vec<f64> = (0..m)
        .map(|i| {
            fill(i, &mut row);
            let fitted = row.iter().zip(&params).fold(0.0, |acc, (a, b)| acc + a * b);
            y[i] - fitted
        })
        .collect();
    let ssr = resid.iter().map(|e| e * e).sum();
    Some(Ols {
        params,
        resid,
        ssr,
        rank: svd.rank,
        nobs: m,
        cov_diag,
    })
}

/// Reads the rows of a matrix for the `*_rows` functions.
fn matrix_rows(x: &DMatrix<f64>) -> impl FnMut(usize, &mut [f64]) + '_ {
    |r, row| {
        for (j, v) in row.iter_mut().enumerate() {
            *v = x[(r, j)];
        }
    }
}

/// Factors the design given by rows: `R` (`min(m, k)` by `k`), the head of
/// `Q'y` beside it, and the squared norm of the rest of `Q'y` (the full
/// fit's residual).
fn reduce(
    m: usize,
    k: usize,
    fill: &mut impl FnMut(usize, &mut [f64]),
    y: &[f64],
) -> (DMatrix<f64>, DVector<f64>, f64) {
    let tri = super::row_qr::factor_rows(m, k, fill, y);
    let p = m.min(k);
    let r = tri.view((0, 0), (p, k)).into_owned();
    let z = DVector::from_fn(p, |i, _| tri[(i, k)]);
    let rest = if tri.nrows() > k { tri[(k, k)] } else { 0.0 };
    (r, z, rest * rest)
}

/// Returns `(ssr, rank)` for the fit of `y` on each leading block of
/// `widths` columns of `x`, each as statsmodels' `OLS.fit()` would find it.
///
/// One QR of the widest design serves all blocks: the leading `k` columns
/// of its triangle are the triangular factor of the narrower design, and
/// what `Q'y` holds beyond row `k` is that fit's residual. Returns `None`
/// on a shape mismatch or an empty or too-wide block.
#[cfg(test)]
pub(crate) fn prefix_ssr(
    x: &DMatrix<f64>,
    y: &[f64],
    widths: &[usize],
) -> Option<Vec<(f64, usize)>> {
    prefix_ssr_rows(x.nrows(), x.ncols(), matrix_rows(x), y, widths)
}

/// [`prefix_ssr`] of the `m x kmax` design whose row `r` `fill(r, row)`
/// writes, never holding the design whole.
pub(crate) fn prefix_ssr_rows(
    m: usize,
    kmax: usize,
    mut fill: impl FnMut(usize, &mut [f64]),
    y: &[f64],
    widths: &[usize],
) -> Option<Vec<(f64, usize)>> {
    if m == 0 || y.len() != m || widths.iter().any(|&k| k == 0 || k > kmax) {
        return None;
    }
    let (r, z, rest) = reduce(m, kmax, &mut fill, y);
    let pmax = m.min(kmax);
    // tail[i] is the squared norm of Q'y from row i on; summing from the
    // end adds the small terms first.
    let mut tail = vec![0.0; pmax + 1];
    tail[pmax] = rest;
    for i in (0..pmax).rev() {
        tail[i] = tail[i + 1] + z[i] * z[i];
    }
    let full = Pinv::new(r.clone());
    // Singular values interlace, so a leading block's smallest one is at
    // least the full design's; once that clears both statsmodels
    // thresholds of the full design it clears every block's too, and no
    // block needs its own SVD.
    let smin = full.s.iter().copied().fold(f64::INFINITY, f64::min);
    let all_full_rank = m >= kmax && smin > full.tol.max(full.cutoff);
    widths
        .iter()
        .map(|&k| {
            let p = m.min(k);
            if all_full_rank {
                return Some((tail[p], k));
            }
            let svd = Pinv::new(r.view((0, 0), (p, k)).into_owned());
            // Directions pinv discards leave their share of y unexplained.
            let mut left = z.rows(0, p).into_owned();
            for j in svd.kept() {
                let u = svd.u.column(j);
                let proj = u.dot(&left);
                left.axpy(-proj, &u, 1.0);
            }
            Some((tail[p] + left.norm_squared(), svd.rank))
        })
        .collect()
}

/// Holds a singular value decomposition `A = U diag(s) V'` with
/// statsmodels' pseudo-inverse cutoff and numpy's rank.
struct Pinv {
    /// Holds the left singular vectors; a column whose value is zero is zero.
    u: DMatrix<f64>,
    s: Vec<f64>,
    v: DMatrix<f64>,
    /// Values at or below this are dropped from the pseudo-inverse.
    cutoff: f64,
    /// Values above this count towards the rank.
    tol: f64,
    rank: usize,
}

impl Pinv {
    /// Decomposes a small `p x k` matrix by one-sided (Hestenes) Jacobi
    /// rotations.
    ///
    /// Jacobi is used rather than a bidiagonal QR SVD because it keeps the
    /// small singular values to high relative accuracy, which the t-value
    /// of a badly scaled regressor depends on (nalgebra 0.35's SVD of an
    /// upper-triangular `R` lost six digits on ordinary ADF designs).
    fn new(mut a: DMatrix<f64>) -> Self {
        let (p, k) = a.shape();
        let mut v = DMatrix::<f64>::identity(k, k);
        for _ in 0..JACOBI_MAX_SWEEPS {
            let mut rotated = false;
            for i in 0..k {
                for j in i + 1..k {
                    let alpha = a.column(i).norm_squared();
                    let beta = a.column(j).norm_squared();
                    let gamma = a.column(i).dot(&a.column(j));
                    let negligible = gamma.abs() <= f64::EPSILON * (alpha * beta).sqrt();
                    if negligible || gamma.is_nan() {
                        continue;
                    }
                    rotated = true;
                    let zeta = (beta - alpha) / (2.0 * gamma);
                    let t = zeta.signum() / (zeta.abs() + 1.0f64.hypot(zeta));
                    let c = 1.0 / 1.0f64.hypot(t);
                    let s = c * t;
                    rotate(&mut a, i, j, c, s);
                    rotate(&mut v, i, j, c, s);
                }
            }
            if !rotated {
                break;
            }
        }
        let s: Vec<f64> = (0..k).map(|j| a.column(j).norm()).collect();
        for (j, &sj) in s.iter().enumerate() {
            if sj > 0.0 {
                a.column_mut(j).unscale_mut(sj);
            }
        }
        let smax = s.iter().copied().fold(0.0, f64::max);
        // numpy's matrix_rank of diag(s): tolerance smax * min(p, k) * eps.
        let tol = smax * p.min(k) as f64 * f64::EPSILON;
        let rank = s.iter().filter(|&&v| v > tol).count();
        Pinv {
            u: a,
            s,
            v,
            cutoff: PINV_RCOND * smax,
            tol,
            rank,
        }
    }

    /// Returns the indices of the singular values pinv inverts.
    fn kept(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.s.len()).filter(|&j| self.s[j] > self.cutoff)
    }
}

/// Applies the plane rotation `[c s; -s c]` to columns `i < j` of `m`.
fn rotate(m: &mut DMatrix<f64>, i: usize, j: usize, c: f64, s: f64) {
    let rows = m.nrows();
    let (left, right) = m.as_mut_slice().split_at_mut(j * rows);
    let ci = &mut left[i * rows..(i + 1) * rows];
    let cj = &mut right[..rows];
    for (a, b) in ci.iter_mut().zip(cj.iter_mut()) {
        let (x, y) = (*a, *b);
        *a = c * x - s * y;
        *b = s * x + c * y;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn design(rows: &[[f64; 3]]) -> DMatrix<f64> {
        DMatrix::from_fn(rows.len(), 3, |i, j| rows[i][j])
    }

    #[test]
    fn exact_fit_recovers_coefficients() {
        let rows: Vec<[f64; 3]> = (0..10)
            .map(|i| [1.0, i as f64, ((i * i) % 7) as f64])
            .collect();
        let y: Vec<f64> = rows.iter().map(|r| 2.0 - 0.5 * r[1] + 3.0 * r[2]).collect();
        let fit = ols(&design(&rows), &y).unwrap();
        assert_eq!(fit.rank, 3);
        for (got, want) in fit.params.iter().zip([2.0, -0.5, 3.0]) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        assert!(fit.ssr < 1e-20);
    }

    #[test]
    fn prefix_ssr_matches_separate_fits() {
        let rows: Vec<[f64; 3]> = (0..25)
            .map(|i| [1.0, (i as f64 * 0.7).sin(), (i as f64 * 1.3).cos()])
            .collect();
        let y: Vec<f64> = (0..25)
            .map(|i| (i as f64 * 0.37).sin() + 0.1 * i as f64)
            .collect();
        let x = design(&rows);
        let nested = prefix_ssr(&x, &y, &[1, 2, 3]).unwrap();
        for (k, &(ssr, rank)) in (1..=3).zip(&nested) {
            let sub = x.columns(0, k).into_owned();
            let fit = ols(&sub, &y).unwrap();
            assert_eq!(rank, fit.rank);
            assert!(
                (ssr - fit.ssr).abs() <= 1e-12 * fit.ssr,
                "{ssr} vs {}",
                fit.ssr
            );
        }
    }

    #[test]
    fn duplicate_column_gives_minimum_norm_solution() {
        let rows: Vec<[f64; 3]> = (0..8).map(|i| [1.0, i as f64, i as f64]).collect();
        let y: Vec<f64> = (0..8).map(|i| 1.0 + 2.0 * i as f64).collect();
        let fit = ols(&design(&rows), &y).unwrap();
        assert_eq!(fit.rank, 2);
        // pinv splits the slope evenly between the two identical columns.
        assert!((fit.params[1] - 1.0).abs() < 1e-10 && (fit.params[2] - 1.0).abs() < 1e-10);
        let nested = prefix_ssr(&design(&rows), &y, &[3]).unwrap();
        assert_eq!(nested[0].1, 2);
        assert!(nested[0].0 < 1e-20);
    }

    #[test]
    fn aic_matches_statsmodels_formula() {
        // statsmodels: OLS of [1, 2, 4] on a constant has ssr 14/3, aic
        // 2 * 1 + 3 * (ln(2 pi) + ln(14/9) + 1).
        let want = 2.0 + 3.0 * ((2.0 * std::f64::consts::PI).ln() + (14.0f64 / 9.0).ln() + 1.0);
        assert!((aic(14.0 / 3.0, 3, 1) - want).abs() < 1e-12);
    }

    #[test]
    fn bad_shapes_are_rejected() {
        assert!(ols(&DMatrix::zeros(0, 2), &[]).is_none());
        assert!(ols(&DMatrix::zeros(3, 2), &[1.0]).is_none());
        assert!(prefix_ssr(&DMatrix::zeros(3, 2), &[1.0, 2.0, 3.0], &[3]).is_none());
    }

    #[test]
    fn jacobi_reconstructs_a_graded_triangle() {
        // Shaped like an ADF R factor: one huge level column, small lags.
        let mut a = DMatrix::from_fn(4, 4, |i, j| {
            if i <= j {
                0.3 + (i * 4 + j) as f64 * 0.1
            } else {
                0.0
            }
        });
        a.column_mut(0).scale_mut(2.0e3);
        let svd = Pinv::new(a.clone());
        let back =
            &svd.u * DMatrix::from_diagonal(&DVector::from_vec(svd.s.clone())) * svd.v.transpose();
        assert!((back - &a).amax() <= 1e-13 * a.amax());
        assert_eq!(svd.rank, 4);
    }
}
