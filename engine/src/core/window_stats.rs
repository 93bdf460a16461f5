//! Statistics of a window recomputed in two passes (mean first, then the
//! deviations), so a pair's z-score and correlation equal pandas' on the
//! same values instead of drifting like a running sum would. Values are
//! taken relative to the window's first one: a price level then costs no
//! digits, and a constant window is exactly constant (no z, no
//! correlation).

/// Mean, sample standard deviation and z of the newest value.
pub(crate) fn zstats(
    vals: impl Iterator<Item = f64> + Clone,
    last: f64,
) -> (Option<f64>, Option<f64>, Option<f64>) {
    let Some(k) = vals.clone().next() else {
        return (None, None, None);
    };
    let (mut n, mut sum) = (0usize, 0.0);
    for v in vals.clone() {
        n += 1;
        sum += v - k;
    }
    if n < 2 {
        return (None, None, None);
    }
    let mean = sum / n as f64;
    let ss: f64 = vals.map(|v| (v - k - mean) * (v - k - mean)).sum();
    let sd = (ss / (n - 1) as f64).sqrt();
    let z = (last - k - mean) / sd;
    (
        Some(mean + k),
        sd.is_finite().then_some(sd),
        z.is_finite().then_some(z),
    )
}

/// Pearson correlation of the pairs, two passes (`None` below two or
/// when undefined).
pub(crate) fn corr(xs: impl Iterator<Item = (f64, f64)> + Clone) -> Option<f64> {
    let (kx, ky) = xs.clone().next()?;
    let (mut n, mut sx, mut sy) = (0usize, 0.0, 0.0);
    for (x, y) in xs.clone() {
        n += 1;
        sx += x - kx;
        sy += y - ky;
    }
    if n < 2 {
        return None;
    }
    // Means relative to the first pair.
    let (mx, my) = (sx / n as f64, sy / n as f64);
    let (mut cxy, mut cxx, mut cyy) = (0.0, 0.0, 0.0);
    for (x, y) in xs {
        let (dx, dy) = (x - kx - mx, y - ky - my);
        cxy += dx * dy;
        cxx += dx * dx;
        cyy += dy * dy;
    }
    // Separate roots keep cxx·cyy from overflowing.
    let r = cxy / (cxx.sqrt() * cyy.sqrt());
    r.is_finite().then_some(r)
}
