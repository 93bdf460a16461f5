//! Theil–Sen slope and intercept, bit-for-bit equal to
//! `scipy.stats.theilslopes(y, x)` (method `'separate'`).
//!
//! scipy takes the median of every `(y_i - y_j)/(x_i - x_j)` with
//! `x_i > x_j` (pairs with tied x are skipped) and sets the intercept to
//! `median(y) - slope·median(x)`. The median is numpy's: the middle element,
//! or for an even count the mean of the two middle elements, which numpy
//! evaluates as `(0.0 + a + b) / 2`. Only the selection strategy differs
//! from scipy, never the arithmetic, so the results are identical.

use crate::error::{Error, Result};
use distinct::distinct_select;
use slope_select::{bracket_select, select_two, stream_select, Sorted};

mod distinct;
mod slope_count;
pub(crate) mod slope_select;

/// Up to this many slopes are simply collected and selected from.
const COLLECT_MAX: u64 = 1 << 20;
/// Up to this many slopes a pass over every pair is tried when nothing
/// faster applies (five passes of 2^31 slopes: tens of seconds). Beyond,
/// the fit is refused rather than run for hours.
const STREAM_MAX: u64 = 1 << 31;

/// How the median slope is found; `Auto` picks by size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) enum Method {
    /// Collect up to `COLLECT_MAX` slopes, else merge equal points, else
    /// bracket, else stream up to `STREAM_MAX` slopes.
    Auto,
    /// Merge equal points and collect weighted slopes (few distinct points).
    Distinct,
    /// Materialise every slope and select.
    Collect,
    /// Inversion-counting bracket (may give up).
    Bracket,
    /// Radix passes over all pairs.
    Stream,
}

/// numpy's median of an already-selected middle pair (`lo == hi` for an
/// odd count); the `0.0 +` mirrors numpy's summation start.
fn numpy_mid(lo: f64, hi: f64, even: bool) -> f64 {
    if even {
        (0.0 + lo + hi) / 2.0
    } else {
        0.0 + lo
    }
}

/// The 0-based ranks numpy.median reads for `count` values.
fn mid_ranks(count: u64) -> (u64, u64) {
    if count.is_multiple_of(2) {
        (count / 2 - 1, count / 2)
    } else {
        (count / 2, count / 2)
    }
}

/// numpy.median of a finite, non-empty slice.
pub(crate) fn median(v: &[f64]) -> f64 {
    let mut w = v.to_vec();
    let (r, r2) = mid_ranks(w.len() as u64);
    let (lo, hi) = select_two(&mut w, r as usize, r2 as usize);
    numpy_mid(lo, hi, w.len().is_multiple_of(2))
}

/// The median pairwise slope with a given method; `None` when there is
/// no pair with distinct x or `Bracket` gave up.
pub(crate) fn median_slope(s: &Sorted, method: Method) -> Option<f64> {
    let total = s.pair_count();
    if total == 0 {
        return None;
    }
    let (r, r2) = mid_ranks(total);
    let (lo, hi) = match method {
        Method::Collect => {
            let mut v = Vec::with_capacity(total as usize);
            s.for_each_slope(|d| v.push(d));
            select_two(&mut v, r as usize, r2 as usize)
        }
        Method::Distinct => distinct_select(s, r, r2)?,
        Method::Bracket => bracket_select(s, r, r2)?,
        Method::Stream => stream_select(s, r, r2)?,
        Method::Auto if total <= COLLECT_MAX => return median_slope(s, Method::Collect),
        Method::Auto => distinct_select(s, r, r2)
            .or_else(|| bracket_select(s, r, r2))
            .or_else(|| {
                (total <= STREAM_MAX)
                    .then(|| stream_select(s, r, r2))
                    .flatten()
            })?,
    };
    Some(numpy_mid(lo, hi, total.is_multiple_of(2)))
}

/// Theil–Sen (slope, intercept) of y on x, explaining failures.
///
/// # Errors
/// `Error::Analysis` when the lengths differ, fewer than two points are
/// given, a value is not finite or above `f64::MAX / 2` in magnitude, every
/// x is the same, or the result overflows.
pub fn try_theil_sen(x: &[f64], y: &[f64]) -> Result<(f64, f64)> {
    if x.len() != y.len() {
        return Err(Error::Analysis("x and y differ in length".into()));
    }
    if x.len() < 2 {
        return Err(Error::Analysis(
            "theil-sen needs at least two points".into(),
        ));
    }
    if x.iter().chain(y).any(|v| !v.is_finite()) {
        return Err(Error::Analysis("theil-sen input is not finite".into()));
    }
    // Beyond this a difference can overflow and a slope be inf/inf = NaN,
    // where numpy's median turns NaN.
    if x.iter().chain(y).any(|v| v.abs() > f64::MAX / 2.0) {
        return Err(Error::Analysis("theil-sen input is too large".into()));
    }
    let s = Sorted::new(x, y);
    let pairs = s.pair_count();
    if pairs == 0 {
        return Err(Error::Analysis("x is constant".into()));
    }
    let slope = median_slope(&s, Method::Auto).ok_or_else(|| {
        Error::Analysis(format!(
            "theil-sen: too many of the {pairs} slopes tie within rounding at the median to \
             find it exactly in bounded time (many repeated but distinct prices); use another \
             model or fewer rows"
        ))
    })?;
    let intercept = median(y) - slope * median(x);
    if slope.is_finite() && intercept.is_finite() {
        Ok((slope, intercept))
    } else {
        Err(Error::Analysis("theil-sen result is not finite".into()))
    }
}

/// Theil–Sen (slope, intercept) of y on x; `None` where `try_theil_sen`
/// would fail.
///
/// ```
/// use spreadwatch_engine::core::theil_sen::theil_sen;
/// // One wild point cannot move the line through the other four.
/// let (b, a) = theil_sen(&[1.0, 2.0, 3.0, 4.0, 5.0], &[3.0, 5.0, 7.0, 9.0, 100.0]).unwrap();
/// assert_eq!((b, a), (2.0, 1.0));
/// ```
pub fn theil_sen(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    try_theil_sen(x, y).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::reference::{bits, reference};
    use crate::core::test_series::price_pair;
    use proptest::prelude::*;

    /// Over a million slopes (n >= 2000) take the bracketing path.
    #[test]
    fn bit_exact_against_scipy() {
        let cases = &reference().theil_sen;
        assert_eq!(cases.len(), 8);
        for c in cases {
            let (x, y) = c.pair.build();
            let (b, a) = theil_sen(&x, &y).unwrap();
            assert_eq!(
                (b.to_bits(), a.to_bits()),
                (bits(&c.slope_bits), bits(&c.intercept_bits)),
                "{:?}",
                c.pair
            );
        }
    }

    #[test]
    fn small_cases_by_hand() {
        // Six slopes of 2 and four outlier slopes: the middle two are 2.
        let (b, a) = theil_sen(&[1.0, 2.0, 3.0, 4.0, 5.0], &[3.0, 5.0, 7.0, 9.0, 100.0]).unwrap();
        assert_eq!((b, a), (2.0, 1.0));
        // The tied-x pair is skipped, leaving slopes 1 and 3.
        let (b, _) = theil_sen(&[0.0, 1.0, 1.0], &[0.0, 1.0, 3.0]).unwrap();
        assert_eq!(b, 2.0);
        assert!(theil_sen(&[1.0, 1.0], &[1.0, 2.0]).is_none());
        assert!(theil_sen(&[1.0], &[1.0]).is_none());
        assert!(theil_sen(&[1.0, 2.0], &[1.0]).is_none());
        assert!(theil_sen(&[1.0, f64::NAN], &[1.0, 2.0]).is_none());
        assert!(theil_sen(&[0.0, 1e-300], &[-1e300, 1e300]).is_none());
    }

    #[test]
    fn strategies_agree_on_tick_data_with_heavy_ties() {
        let (x, y) = price_pair(1500, 7, true);
        let s = Sorted::new(&x, &y);
        let want = median_slope(&s, Method::Collect).unwrap();
        assert_eq!(
            median_slope(&s, Method::Bracket).unwrap().to_bits(),
            want.to_bits()
        );
        assert_eq!(
            median_slope(&s, Method::Stream).unwrap().to_bits(),
            want.to_bits()
        );
        // A perfect line: every slope is 1.5 up to rounding, one huge tie.
        let y: Vec<f64> = x.iter().map(|v| 1.5 * v + 5.0).collect();
        let s = Sorted::new(&x, &y);
        let want = median_slope(&s, Method::Collect).unwrap();
        assert_eq!(
            median_slope(&s, Method::Stream).unwrap().to_bits(),
            want.to_bits()
        );
        assert!(median_slope(&s, Method::Bracket).is_none_or(|v| v == want));
    }

    proptest! {
        #[test]
        fn never_panics_and_ignores_input_order(
            pts in prop::collection::vec((any::<f64>(), any::<f64>()), 0..40),
            rot in 0usize..40,
        ) {
            let (x, y): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
            let got = theil_sen(&x, &y);
            prop_assert!(got.iter().all(|(b, a)| b.is_finite() && a.is_finite()));
            let mut p = pts.clone();
            let rot = rot.min(p.len());
            p.rotate_left(rot);
            let (x, y): (Vec<f64>, Vec<f64>) = p.into_iter().unzip();
            let bits = |r: Option<(f64, f64)>| r.map(|(b, a)| (b.to_bits(), a.to_bits()));
            prop_assert_eq!(bits(theil_sen(&x, &y)), bits(got));
        }

        #[test]
        fn fast_paths_equal_collecting(
            pts in prop::collection::vec((0i32..60, -500i32..500), 2..300),
            scale in prop::sample::select(vec![0.01, 1.0, 1e-6, 1e6]),
        ) {
            let x: Vec<f64> = pts.iter().map(|p| 100.0 + f64::from(p.0) * scale).collect();
            let y: Vec<f64> = pts.iter().map(|p| f64::from(p.1) * 0.01).collect();
            let s = Sorted::new(&x, &y);
            let want = median_slope(&s, Method::Collect);
            prop_assert_eq!(median_slope(&s, Method::Stream).map(f64::to_bits), want.map(f64::to_bits));
            if let Some(b) = median_slope(&s, Method::Bracket) {
                prop_assert_eq!(Some(b.to_bits()), want.map(f64::to_bits));
            }
            if let Some(b) = median_slope(&s, Method::Distinct) {
                prop_assert_eq!(Some(b.to_bits()), want.map(f64::to_bits));
            }
        }
    }
}
