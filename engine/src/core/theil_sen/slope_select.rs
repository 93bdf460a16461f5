//! Exact order statistics of the pairwise slopes `(y_i - y_j)/(x_i - x_j)`,
//! `x_i > x_j`, without materialising all n(n-1)/2 of them.
//!
//! Two strategies, both bit-exact because every value they return is a
//! slope computed with the same two subtractions and one division numpy
//! uses:
//! * `stream_select`: radix selection on the slopes' order-preserving bit
//!   keys, 16 bits per pass over all pairs. O(n) memory, O(n²) time.
//! * `bracket_select`: counts slopes below a threshold t by counting
//!   inversions of `y - t·x` in x order (O(n log n)), brackets the wanted
//!   ranks between two sampled slopes, then enumerates only the pairs whose
//!   order flips between the bracket ends. Floating-point `y - t·x` can
//!   misorder near-ties, so the bracket is padded by a proven error bound
//!   and the result is verified; `None` sends the caller to the stream.

use super::slope_count::{count_inversions, for_each_flip};

/// Points sorted by x (ties by y), as slope enumeration wants them.
#[derive(Debug, Clone)]
pub struct Sorted {
    pub(crate) xs: Vec<f64>,
    pub(crate) ys: Vec<f64>,
    /// For each point, the index of the first point sharing its x: exactly
    /// the points before it form pairs with a strictly smaller x.
    pub(crate) group_start: Vec<usize>,
}

impl Sorted {
    /// Sorts the points; the inputs must be finite and of equal length.
    pub fn new(x: &[f64], y: &[f64]) -> Self {
        let mut idx: Vec<usize> = (0..x.len()).collect();
        // Numeric order (-0.0 == 0.0, as `==` groups them below), so each
        // equal-x group is sorted by y.
        let cmp = |a: f64, b: f64| a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal);
        idx.sort_unstable_by(|&a, &b| cmp(x[a], x[b]).then(cmp(y[a], y[b])));
        let xs: Vec<f64> = idx.iter().map(|&i| x[i]).collect();
        let ys: Vec<f64> = idx.iter().map(|&i| y[i]).collect();
        let mut group_start = vec![0; xs.len()];
        for k in 1..xs.len() {
            group_start[k] = if xs[k] == xs[k - 1] {
                group_start[k - 1]
            } else {
                k
            };
        }
        Sorted {
            xs,
            ys,
            group_start,
        }
    }

    /// Number of pairs with distinct x, i.e. of slopes.
    pub fn pair_count(&self) -> u64 {
        self.group_start.iter().map(|&g| g as u64).sum()
    }

    /// The slope of pair (i, j), `xs[i] > xs[j]`, as numpy computes it.
    #[inline]
    pub fn slope(&self, i: usize, j: usize) -> f64 {
        (self.ys[i] - self.ys[j]) / (self.xs[i] - self.xs[j])
    }

    /// Calls `f` with every slope.
    #[inline]
    pub fn for_each_slope<F: FnMut(f64)>(&self, mut f: F) {
        for i in 1..self.xs.len() {
            let (xi, yi) = (self.xs[i], self.ys[i]);
            for j in 0..self.group_start[i] {
                f((yi - self.ys[j]) / (xi - self.xs[j]));
            }
        }
    }
}

/// Order-preserving map of a non-NaN f64 onto u64.
#[inline]
fn key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | 1 << 63
    }
}

#[inline]
fn unkey(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Selects ranks `r` and `r2` (`r2` is `r` or `r + 1`) from `v`.
pub fn select_two(v: &mut [f64], r: usize, r2: usize) -> (f64, f64) {
    let (_, lo, right) = v.select_nth_unstable_by(r, f64::total_cmp);
    let lo = *lo;
    let hi = if r2 == r {
        lo
    } else {
        right.iter().copied().min_by(f64::total_cmp).unwrap_or(lo)
    };
    (lo, hi)
}

/// Ranks `r` and `r2` (`r2` is `r` or `r + 1`) of all slopes, by radix
/// passes; `None` only if the ranks are out of range.
pub fn stream_select(s: &Sorted, r: u64, r2: u64) -> Option<(f64, f64)> {
    radix_select(
        |f| {
            s.for_each_slope(f);
            Some(())
        },
        s.pair_count(),
        r,
        r2,
    )
}

/// Values few enough to gather in the final radix pass.
const RADIX_COLLECT: u64 = 1 << 18;

/// Where the radix passes left rank `r`: the values whose keys start with
/// the top `bits` bits `prefix`, `below` values under them and `inside`
/// values among them.
struct Narrowed {
    prefix: u64,
    bits: u32,
    below: u64,
    inside: u64,
}

/// Narrows to the key prefix holding rank `r`, 16 bits a pass, until few
/// enough values are left to gather or every bit is fixed.
fn narrow(
    each: &mut impl FnMut(&mut dyn FnMut(f64)) -> Option<()>,
    total: u64,
    r: u64,
) -> Option<Narrowed> {
    let (mut prefix, mut bits, mut below, mut inside) = (0u64, 0u32, 0u64, total);
    let matches = |k: u64, prefix: u64, bits: u32| bits == 0 || k >> (64 - bits) == prefix;
    while inside > RADIX_COLLECT && bits < 64 {
        let shift = 48 - bits;
        let mut hist = vec![0u64; 1 << 16];
        each(&mut |v| {
            let k = key(v);
            if matches(k, prefix, bits) {
                hist[((k >> shift) & 0xFFFF) as usize] += 1;
            }
        })?;
        let target = r - below;
        let mut acc = 0u64;
        for (d, &c) in hist.iter().enumerate() {
            if acc + c > target {
                prefix = prefix << 16 | d as u64;
                below += acc;
                inside = c;
                break;
            }
            acc += c;
        }
        bits += 16;
    }
    Some(Narrowed {
        prefix,
        bits,
        below,
        inside,
    })
}

/// Ranks `r` and `r2` of the `total` values `each` visits (every call
/// visits the same values), by radix passes on their bit keys, 16 bits a
/// pass: constant memory, whatever the ties. `None` if the ranks are out of
/// range or a visit fails.
fn radix_select(
    mut each: impl FnMut(&mut dyn FnMut(f64)) -> Option<()>,
    total: u64,
    r: u64,
    r2: u64,
) -> Option<(f64, f64)> {
    if r2 >= total || r > r2 {
        return None;
    }
    let Narrowed {
        prefix,
        bits,
        below,
        inside,
    } = narrow(&mut each, total, r)?;
    // Final pass: gather the survivors (when few) and the smallest value
    // beyond them, which is rank r2 when r is the last survivor.
    let collect = inside <= RADIX_COLLECT;
    let mut vals = Vec::with_capacity(if collect { inside as usize } else { 0 });
    let mut above = u64::MAX;
    each(&mut |v| {
        let k = key(v);
        let head = if bits == 0 { 0 } else { k >> (64 - bits) };
        if head == prefix {
            if collect {
                vals.push(v);
            }
        } else if head > prefix && k < above {
            above = k;
        }
    })?;
    let (lo, mut hi) = if collect {
        let last = vals.len().saturating_sub(1);
        select_two(
            &mut vals,
            (r - below) as usize,
            ((r2 - below) as usize).min(last),
        )
    } else {
        let v = unkey(prefix);
        (v, v)
    };
    if r2 - below >= inside {
        hi = unkey(above);
    }
    Some((lo, hi))
}

/// Most candidate slopes a bracket collects (16 MB); more are selected by
/// radix passes over the bracket's pairs instead.
const MAX_CANDIDATES: u64 = 1 << 21;
/// Most candidate slopes a bracket may hold at all; beyond, give up.
const MAX_FLIPS: u64 = 1 << 27;
/// Unit round-off of f64.
const U: f64 = f64::EPSILON / 2.0;

/// |computed slope - true slope| ≤ ETA·|slope| + TAU.
const ETA: f64 = 4.0 * U;
const TAU: f64 = 1e-300;

/// How far floating point can move the data's order: for a slope `t`,
/// |fl(y - t·x) - (y - t·x)| ≤ e(t), and a pair's floating order in
/// y - t·x is right whenever its slope is farther than d(t) from t.
struct Bounds {
    xmax: f64,
    ymax: f64,
    /// A lower bound on the true smallest positive x difference.
    g: f64,
}

impl Bounds {
    /// The bounds, or `None` when the data's range defeats them.
    fn of(s: &Sorted) -> Option<Self> {
        let xmax = s.xs.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let ymax = s.ys.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let gap =
            s.xs.windows(2)
                .map(|w| w[1] - w[0])
                .filter(|&d| d > 0.0)
                .fold(f64::INFINITY, f64::min);
        let g = gap * (1.0 - 4.0 * U);
        let fits = xmax < 1e150 && ymax < 1e150 && g > 1e-150 && ymax / g < 1e290;
        fits.then_some(Bounds { xmax, ymax, g })
    }

    fn e(&self, t: f64) -> f64 {
        1.01 * U * (self.ymax + 2.01 * t.abs() * self.xmax) + 1e-300
    }

    fn d(&self, t: f64) -> f64 {
        2.0 * self.e(t) / self.g
    }
}

/// Counts slopes below or above a value, reusing its buffers.
struct Counter<'a> {
    s: &'a Sorted,
    /// All slopes: `s.pair_count()`.
    total: u64,
    z: Vec<f64>,
    tmp: Vec<f64>,
}

impl Counter<'_> {
    fn below(&mut self, t: f64) -> u64 {
        count_inversions(self.s, t, false, &mut self.z, &mut self.tmp)
    }

    fn above(&mut self, t: f64) -> u64 {
        count_inversions(self.s, t, true, &mut self.z, &mut self.tmp)
    }
}

/// Ranks `r` and `r2` of all slopes via inversion counting; `None` when
/// the data defeat the error bounds or the bracket holds too many pairs.
pub fn bracket_select(s: &Sorted, r: u64, r2: u64) -> Option<(f64, f64)> {
    let n = s.xs.len();
    let total = s.pair_count();
    if r2 >= total || r > r2 || n < 2 {
        return None;
    }
    let bounds = Bounds::of(s)?;
    // Enough samples that a few gaps between them hold well under
    // MAX_CANDIDATES slopes, even for a million points (3.5e11 slopes).
    let wanted = (4 * n).max(usize::try_from(total >> 18).unwrap_or(usize::MAX));
    let samples = sample_slopes(s, wanted.clamp(1024, 1 << 21).min(total as usize));
    if samples.len() < 64 {
        return None;
    }
    let mut count = Counter {
        s,
        total,
        z: vec![0.0; n],
        tmp: vec![0.0; n],
    };
    let last = samples.len() - 1;
    // Largest a with fewer than r+1 slopes below it; smallest b with at
    // most total-1-r2 above.
    let a = partition_point(last, |i| count.below(samples[i]) <= r).saturating_sub(1);
    let b = partition_point(last, |i| count.above(samples[i]) > total - 1 - r2).min(last);
    let mut widen = 1usize;
    for _ in 0..4 {
        let lo = samples[a.saturating_sub(widen)];
        let hi = samples[(b + widen).min(last)];
        if let Some(found) = try_bracket(&mut count, &bounds, (lo, hi), (r, r2))? {
            return Some(found);
        }
        widen *= 8;
    }
    None
}

/// Selects ranks `r` and `r2` between two sampled slopes, padded by the
/// error bounds: `None` gives up, `Some(None)` asks for a wider bracket.
fn try_bracket(
    count: &mut Counter<'_>,
    bounds: &Bounds,
    (lo, hi): (f64, f64),
    (r, r2): (u64, u64),
) -> Option<Option<(f64, f64)>> {
    let big = lo.abs().max(hi.abs());
    let pad = 2.0 * (ETA * big + TAU + bounds.d(2.0 * big + 1.0));
    let (t1, t2) = (lo - pad, hi + pad);
    let s0 = t1 + bounds.d(t1);
    let s1 = t2 - bounds.d(t2);
    if !(s0 + 2.0 * ETA * s0.abs() + 2.0 * TAU < lo && s1 - 2.0 * ETA * s1.abs() - 2.0 * TAU > hi) {
        return None;
    }
    let n_below = count.below(t1);
    let n_above = count.above(t2);
    let mid = count.total.checked_sub(n_below)?.checked_sub(n_above)?;
    if mid > MAX_FLIPS {
        return None;
    }
    if r < n_below || r2 - n_below >= mid {
        return Some(None);
    }
    let ranks = (r - n_below, r2 - n_below);
    let (v1, v2) = select_in_bracket(count.s, (t1, t2), mid, ranks, MAX_CANDIDATES)?;
    // Below lo or above hi the candidates are incomplete.
    Some((lo <= v1 && v2 <= hi).then_some((v1, v2)))
}

/// Ranks `r` and `r2` of the `mid` slopes of the pairs that flip between
/// `t1` and `t2`: collected when at most `collect_max`, else by radix
/// passes over the flips (the floating-point pad of a dense bracket can
/// hold millions).
fn select_in_bracket(
    s: &Sorted,
    (t1, t2): (f64, f64),
    mid: u64,
    (r, r2): (u64, u64),
    collect_max: u64,
) -> Option<(f64, f64)> {
    let limit = 4 * mid.max(MAX_CANDIDATES);
    if mid <= collect_max {
        let mut vals = Vec::with_capacity(mid as usize);
        for_each_flip(s, t1, t2, limit, |i, j| vals.push(s.slope(i, j)))?;
        if vals.len() as u64 != mid {
            return None;
        }
        return Some(select_two(&mut vals, r as usize, r2 as usize));
    }
    let mut seen = 0u64;
    let got = radix_select(
        |f| {
            seen = 0;
            for_each_flip(s, t1, t2, limit, |i, j| {
                seen += 1;
                f(s.slope(i, j))
            })
        },
        mid,
        r,
        r2,
    )?;
    (seen == mid).then_some(got)
}

/// First index in 0..=len where `pred` turns false (pred monotone).
fn partition_point(len: usize, mut pred: impl FnMut(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0usize, len + 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if mid <= len && pred(mid) {
            lo = mid + 1
        } else {
            hi = mid
        }
    }
    lo
}

/// Up to `m` slopes of pseudo-random pairs, sorted; deterministic so the
/// same input always takes the same path.
fn sample_slopes(s: &Sorted, m: usize) -> Vec<f64> {
    let n = s.xs.len() as u64;
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ n;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut out = Vec::with_capacity(m);
    for _ in 0..4 * m {
        if out.len() == m {
            break;
        }
        let (i, j) = ((next() % n) as usize, (next() % n) as usize);
        if s.xs[i] > s.xs[j] {
            out.push(s.slope(i, j));
        } else if s.xs[j] > s.xs[i] {
            out.push(s.slope(j, i));
        }
    }
    out.sort_unstable_by(f64::total_cmp);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_series::price_pair;

    #[test]
    fn a_bracket_selects_alike_by_collecting_or_by_radix() {
        let (x, y) = price_pair(1500, 7, true);
        let s = Sorted::new(&x, &y);
        let total = s.pair_count();
        let (r, r2) = (total / 2 - 1, total / 2);
        let want = stream_select(&s, r, r2).unwrap();
        // A bracket around the median holding a few thousand slopes.
        let (t1, t2) = (want.0 - 0.05 * want.0.abs(), want.1 + 0.05 * want.1.abs());
        let mut zbuf = vec![0.0; x.len()];
        let mut tmp = vec![0.0; x.len()];
        let below = count_inversions(&s, t1, false, &mut zbuf, &mut tmp);
        let above = count_inversions(&s, t2, true, &mut zbuf, &mut tmp);
        let mid = total - below - above;
        assert!(mid > 1000, "{mid}");
        let ranks = (r - below, r2 - below);
        let collected = select_in_bracket(&s, (t1, t2), mid, ranks, u64::MAX).unwrap();
        let radix = select_in_bracket(&s, (t1, t2), mid, ranks, 0).unwrap();
        assert_eq!(collected, want);
        assert_eq!(radix, want);
    }
}
