//! The pair scanner: every pair of a market screened by the correlation of
//! its log returns and the candidates ranked by Engle-Granger
//! cointegration. Pure and synchronous: `spreadwatch scan`, `/api/scan`
//! and the live scanner all call [`scan`].
//!
//! The steps (each its own function below): the [`Grid`] of the window's bar
//! times; [`Grid::screen`] (one matrix product for the symbols with every bar, a
//! pairwise join for the rest); the candidates by |correlation|; [`test_pair`]
//! in both orders; the ranking.

use spreadwatch_proto::scan::{ScanCoint, ScanParams, ScanResult};
use spreadwatch_proto::Symbol;

use super::coint::{coint, half_life};
use super::ols::fit_ols;
use super::scan_grid::{Grid, Screened};
use super::window_stats::zstats;

/// What a scan found, before it is timed and reported.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanOutcome {
    /// Symbols with bars in the window.
    pub symbols: usize,
    /// Pairs with enough common bars to be screened.
    pub pairs_screened: usize,
    /// Pairs tested for cointegration.
    pub candidates: usize,
    /// The ranking.
    pub results: Vec<ScanResult>,
}

/// Scans `series` (each symbol's `(bar time, close)` in time order) with
/// `p`: the window is the newest `p.lookback` times of their union, and a
/// pair is screened when it has at least half the lookback in common (so a
/// sample shorter than that ranks nothing rather than ranking noise).
///
/// ```
/// use spreadwatch_engine::core::scan::scan;
/// use spreadwatch_proto::scan::ScanParams;
/// let x: Vec<(i64, f64)> = (0..200).map(|i| (i * 60_000, 100.0 + ((i * 7919) % 13) as f64)).collect();
/// let y: Vec<(i64, f64)> = x.iter().enumerate()
///     .map(|(i, (t, c))| (*t, 2.0 * c + 5.0 + ((i * 31) % 5) as f64 * 0.1)).collect();
/// let out = scan(&[("AAAUSDT".parse().unwrap(), y), ("BBBUSDT".parse().unwrap(), x)],
///                &ScanParams { lookback: 200, ..ScanParams::default() });
/// assert_eq!(out.results.len(), 1);
/// assert!(out.results[0].coint.pvalue < 0.01);
/// ```
pub fn scan(series: &[(Symbol, Vec<(i64, f64)>)], p: &ScanParams) -> ScanOutcome {
    let grid = Grid::new(series, p.lookback);
    let min_common = p.lookback.div_ceil(2).max(4);
    let screened = grid.screen(min_common);
    let pairs_screened = screened.len();
    let candidates = pick_candidates(screened, p);
    let mut results: Vec<ScanResult> = candidates
        .iter()
        .filter_map(|c| best_order(&grid, c, p.window))
        .collect();
    rank(&mut results);
    results.truncate(p.top);
    ScanOutcome {
        symbols: grid.symbols(),
        pairs_screened,
        candidates: candidates.len(),
        results,
    }
}

/// The pairs to test: |corr| at least `min_corr`, the strongest first, at
/// most `max_candidates`.
fn pick_candidates(mut screened: Vec<Screened>, p: &ScanParams) -> Vec<Screened> {
    screened.retain(|s| s.corr.abs() >= p.min_corr);
    screened.sort_by(|a, b| {
        b.corr
            .abs()
            .total_cmp(&a.corr.abs())
            .then((a.a, a.b).cmp(&(b.a, b.b)))
    });
    screened.truncate(p.max_candidates);
    screened
}

/// Tests a candidate both ways and keeps the order with the lower p-value
/// (on a tie, the alphabetically first Y); `None` when neither order fits.
fn best_order(grid: &Grid, c: &Screened, window: usize) -> Option<ScanResult> {
    let (a, b) = grid.joined(c.a, c.b);
    let (na, nb) = (grid.symbol(c.a), grid.symbol(c.b));
    let ab = test_pair(&a, &b, window);
    let ba = test_pair(&b, &a, window);
    let (y, x, t) = match (ab, ba) {
        (Some(ab), Some(ba)) if ba.coint.pvalue < ab.coint.pvalue => (nb, na, ba),
        (Some(ab), Some(ba)) if ba.coint.pvalue == ab.coint.pvalue && nb < na => (nb, na, ba),
        (Some(ab), _) => (na, nb, ab),
        (None, Some(ba)) => (nb, na, ba),
        (None, None) => return None,
    };
    Some(ScanResult {
        y: y.clone(),
        x: x.clone(),
        corr: c.corr,
        coint: t.coint,
        beta: t.beta,
        alpha: t.alpha,
        half_life: t.half_life,
        z: t.z,
        n: a.len(),
    })
}

/// One order's numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairTest {
    /// `coint(y, x)`.
    pub coint: ScanCoint,
    /// OLS slope of Y on X.
    pub beta: f64,
    /// OLS intercept.
    pub alpha: f64,
    /// Half-life of the spread.
    pub half_life: Option<f64>,
    /// z of the spread's last point over its last `window` points.
    pub z: Option<f64>,
}

/// Engle-Granger `coint(y, x)` as `analyze` computes it (constant, AIC lag
/// search, MacKinnon p), the OLS line, and the half-life and last z of the
/// spread `y - (alpha + beta x)`; `None` when the test or the fit fails.
pub fn test_pair(y: &[f64], x: &[f64], window: usize) -> Option<PairTest> {
    let c = coint(y, x, None).ok()?;
    let fit = fit_ols(x, y)?;
    let spread: Vec<f64> = y
        .iter()
        .zip(x)
        .map(|(y, x)| y - (fit.alpha + fit.beta * x))
        .collect();
    Some(PairTest {
        coint: ScanCoint {
            stat: c.stat.is_finite().then_some(c.stat),
            pvalue: c.pvalue,
        },
        beta: fit.beta,
        alpha: fit.alpha,
        half_life: half_life(&spread),
        z: last_z(&spread, window),
    })
}

/// The z of the last point over the last `window` points (ddof 1); `None`
/// with fewer points or a flat window.
pub fn last_z(s: &[f64], window: usize) -> Option<f64> {
    let tail = s.get(s.len().checked_sub(window)?..)?;
    zstats(tail.iter().copied(), *tail.last()?).2
}

/// p ascending, then half-life ascending (none last), then the names.
fn rank(results: &mut [ScanResult]) {
    results.sort_by(|a, b| {
        let hl = |r: &ScanResult| r.half_life.unwrap_or(f64::INFINITY);
        a.coint
            .pvalue
            .total_cmp(&b.coint.pvalue)
            .then(a.half_life.is_none().cmp(&b.half_life.is_none()))
            .then(hl(a).total_cmp(&hl(b)))
            .then((&a.y, &a.x).cmp(&(&b.y, &b.x)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(s: &str) -> Symbol {
        s.parse().unwrap()
    }

    /// Uniform noise in [-0.5, 0.5) from a fixed LCG.
    fn noise(n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 33) as f64 / (1u64 << 31) as f64 - 0.5
            })
            .collect()
    }

    /// A random walk from 100.
    fn walk(n: usize, seed: u64) -> Vec<f64> {
        noise(n, seed)
            .into_iter()
            .scan(100.0, |v, e| {
                *v += e;
                Some(*v)
            })
            .collect()
    }

    fn timed(v: &[f64]) -> Vec<(i64, f64)> {
        v.iter()
            .enumerate()
            .map(|(i, c)| (i as i64 * 60_000, *c))
            .collect()
    }

    #[test]
    fn a_cointegrated_pair_ranks_before_an_independent_one() {
        let x = walk(400, 1);
        let e = noise(400, 9);
        let y: Vec<f64> = x.iter().zip(&e).map(|(x, e)| 1.5 * x + 0.2 * e).collect();
        let other = walk(400, 3);
        let series = [
            (sym("XXXUSDT"), timed(&x)),
            (sym("YYYUSDT"), timed(&y)),
            (sym("ZZZUSDT"), timed(&other)),
        ];
        let p = ScanParams {
            lookback: 400,
            min_corr: 0.0,
            ..ScanParams::default()
        };
        let out = scan(&series, &p);
        assert_eq!((out.symbols, out.pairs_screened, out.candidates), (3, 3, 3));
        let first = &out.results[0];
        // Either order may have the lower p: both are cointegrated.
        let mut legs = [first.y.as_str(), first.x.as_str()];
        legs.sort_unstable();
        assert_eq!(legs, ["XXXUSDT", "YYYUSDT"]);
        assert!(first.coint.pvalue < 0.05 && first.corr > 0.9);
        assert!(out.results[1..]
            .iter()
            .all(|r| r.coint.pvalue > first.coint.pvalue));
    }

    #[test]
    fn a_pair_with_too_few_common_bars_is_not_screened() {
        let x = walk(400, 1);
        let late: Vec<(i64, f64)> = timed(&walk(400, 2)).into_iter().skip(250).collect();
        let series = [(sym("AAAUSDT"), timed(&x)), (sym("BBBUSDT"), late)];
        let p = ScanParams {
            lookback: 400,
            min_corr: 0.0,
            ..ScanParams::default()
        };
        let out = scan(&series, &p);
        assert_eq!((out.symbols, out.pairs_screened), (2, 0));
        assert!(out.results.is_empty());
    }

    #[test]
    fn the_ranking_puts_lower_p_first_then_the_shorter_half_life_and_none_last() {
        let r = |y: &str, p: f64, hl: Option<f64>| ScanResult {
            y: sym(y),
            x: sym("XUSDT"),
            corr: 0.9,
            coint: ScanCoint {
                stat: Some(-4.0),
                pvalue: p,
            },
            beta: 1.0,
            alpha: 0.0,
            half_life: hl,
            z: None,
            n: 10,
        };
        let mut v = vec![
            r("AUSDT", 0.2, Some(5.0)),
            r("BUSDT", 0.01, None),
            r("CUSDT", 0.01, Some(30.0)),
            r("DUSDT", 0.01, Some(3.0)),
        ];
        rank(&mut v);
        let order: Vec<&str> = v.iter().map(|r| r.y.as_str()).collect();
        assert_eq!(order, ["DUSDT", "CUSDT", "BUSDT", "AUSDT"]);
    }

    #[test]
    fn the_last_z_uses_the_sample_deviation_of_the_window() {
        let s = [10.0, 1.0, 2.0, 3.0, 6.0];
        // Window [2, 3, 6]: mean 11/3, sd sqrt(13/3).
        let want = (6.0 - 11.0 / 3.0) / (13.0f64 / 3.0).sqrt();
        assert!((last_z(&s, 3).unwrap() - want).abs() < 1e-12);
        assert_eq!(last_z(&s, 6), None);
        assert_eq!(last_z(&[1.0, 1.0, 1.0], 3), None);
    }
}
