//! The ADF lag search from one Gram matrix: every lag's residual sum of
//! squares from one Cholesky factor of the widest design's `X'X`, instead
//! of a QR of the whole design.
//!
//! The lag columns are the same differences shifted by one row each, so
//! their cross products are a near-Toeplitz table: each entry is its
//! up-left neighbour plus the product entering the window and minus the one
//! leaving it. The whole Gram matrix then costs one pass over the rows per
//! lag, and the Cholesky factor of a leading block is the leading block of
//! the full factor, so `y'y - |L^-1 X'y|^2` over the first `k` entries is
//! the fit on the first `k` columns. A design too close to singular for
//! squared products to be trusted returns `None`, and the caller takes the
//! QR path (which follows statsmodels' rank rules exactly).

/// A Schur complement below this share of its column's square is treated
/// as too collinear to decide from the Gram matrix.
const MIN_PIVOT: f64 = 1e-9;
/// A residual below this share of `y'y` is too cancelled to trust.
const MIN_SSR: f64 = 1e-8;

/// Returns each lag's residual sum of squares (lags `0..=lag`) of the
/// search design whose rows `t = lag..xdiff.len()` are `[1?, x[t],
/// xdiff[t-1], ..., xdiff[t-lag]]` explaining `xdiff[t]`; the constant is
/// there when `constant`. `None` when the design is too ill-conditioned.
pub(super) fn lag_ssrs(x: &[f64], xdiff: &[f64], lag: usize, constant: bool) -> Option<Vec<f64>> {
    let (nd, p) = (xdiff.len(), lag);
    let rows = nd.checked_sub(p).filter(|r| *r > p + 2)?;
    let means = Means::new(x, xdiff, p, rows, constant);
    // Column 0 is the level, columns 1..=p the lags; s[0][..] is y.
    let s = lag_products(xdiff, p, &means, rows);
    let k = p + 1;
    let mut g = vec![0.0; k * k];
    let mut b = vec![0.0; k];
    let level = level_products(x, xdiff, p, &means);
    g[0] = level.0;
    b[0] = level.1[0];
    for j in 1..k {
        g[j] = level.1[j];
        g[j * k] = level.1[j];
        b[j] = s[0][j];
        for l in 1..k {
            g[j * k + l] = s[j.min(l)][j.max(l)];
        }
    }
    let yy = s[0][0];
    let z = cholesky_solve(&mut g, &mut b, k)?;
    let mut ssr = Vec::with_capacity(k);
    let mut explained = 0.0;
    for zi in z {
        explained += zi * zi;
        let left = yy - explained;
        // Also refuses a NaN.
        if left.partial_cmp(&(MIN_SSR * yy)) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        ssr.push(left);
    }
    Some(ssr)
}

/// The column means a constant removes (zeros without one).
struct Means {
    /// `means[j]`: the mean of `xdiff[t - j]` over the rows (`j = 0` is y).
    diff: Vec<f64>,
    level: f64,
}

impl Means {
    fn new(x: &[f64], xdiff: &[f64], p: usize, rows: usize, constant: bool) -> Self {
        if !constant {
            return Means {
                diff: vec![0.0; p + 1],
                level: 0.0,
            };
        }
        let nd = xdiff.len();
        let n = rows as f64;
        let diff = (0..=p)
            .map(|j| xdiff[p - j..nd - j].iter().sum::<f64>() / n)
            .collect();
        // Relative to the first level, so a price level costs no digits.
        let level = x[p] + x[p..nd].iter().map(|v| v - x[p]).sum::<f64>() / n;
        Means { diff, level }
    }
}

/// `s[j][l]` (`j <= l`): the centred cross product of the differences `j`
/// and `l` steps back over the rows; the first row directly, the rest from
/// their up-left neighbours.
fn lag_products(d: &[f64], p: usize, m: &Means, rows: usize) -> Vec<Vec<f64>> {
    let nd = d.len();
    let mut s = vec![vec![0.0; p + 1]; p + 1];
    for l in 0..=p {
        s[0][l] = (p..nd).map(|t| d[t] * d[t - l]).sum();
    }
    for j in 1..=p {
        for l in j..=p {
            s[j][l] = s[j - 1][l - 1] + d[p - j] * d[p - l] - d[nd - j] * d[nd - l];
        }
    }
    let n = rows as f64;
    for (j, row) in s.iter_mut().enumerate() {
        for (l, v) in row.iter_mut().enumerate().skip(j) {
            *v -= n * m.diff[j] * m.diff[l];
        }
    }
    s
}

/// The level's centred square and its products with `y` and every lag.
fn level_products(x: &[f64], d: &[f64], p: usize, m: &Means) -> (f64, Vec<f64>) {
    let nd = d.len();
    let mut xx = 0.0;
    let mut xl = vec![0.0; p + 1];
    // (x - x[p]) - (mean - x[p]): the level's digits cancel first.
    let shift = m.level - x[p];
    for t in p..nd {
        let v = (x[t] - x[p]) - shift;
        xx += v * v;
        for (l, acc) in xl.iter_mut().enumerate() {
            *acc += v * d[t - l];
        }
    }
    (xx, xl)
}

/// Factors `g` (`k x k`, row-major) as `L L'` in place and returns
/// `L^-1 b`; `None` when a pivot falls below [`MIN_PIVOT`] of its column.
fn cholesky_solve(g: &mut [f64], b: &mut [f64], k: usize) -> Option<Vec<f64>> {
    for i in 0..k {
        let diag = g[i * k + i];
        let mut pivot = diag;
        for c in 0..i {
            pivot -= g[i * k + c] * g[i * k + c];
        }
        let clear = diag > 0.0 && pivot > MIN_PIVOT * diag;
        if !clear {
            return None;
        }
        let lii = pivot.sqrt();
        g[i * k + i] = lii;
        for r in i + 1..k {
            let mut v = g[r * k + i];
            for c in 0..i {
                v -= g[r * k + c] * g[i * k + c];
            }
            g[r * k + i] = v / lii;
        }
        let mut zi = b[i];
        for c in 0..i {
            zi -= g[i * k + c] * b[c];
        }
        b[i] = zi / lii;
    }
    Some(b.to_vec())
}
