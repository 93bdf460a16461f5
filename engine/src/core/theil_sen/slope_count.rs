//! Inversion counting and enumeration behind `super::slope_select`.
//!
//! For a pair with `x_i > x_j`, the slope is below t exactly when
//! `y_i - t·x_i < y_j - t·x_j`, so counting slopes below t is counting
//! inversions of `z = y - t·x` listed in x order, and the pairs whose slope
//! lies between t1 and t2 are the pairs whose z order flips between the two.

use super::slope_select::Sorted;
use std::cmp::Ordering;

/// Below this length, insertion sort beats merging.
const SMALL: usize = 16;

/// Counts pairs `x_i > x_j` with `z_i < z_j` (or `z_i > z_j` when `above`)
/// strictly, where `z = y - t·x` in floating point. `z` and `tmp` are
/// scratch slices of the number of points.
pub fn count_inversions(s: &Sorted, t: f64, above: bool, z: &mut [f64], tmp: &mut [f64]) -> u64 {
    let n = s.xs.len();
    if above {
        // Lay each equal-x group out by descending y (z weakly descends
        // too), so pairs inside a group never count; negate to count ascents.
        let mut a = 0;
        while a < n {
            let mut b = a + 1;
            while b < n && s.group_start[b] == a {
                b += 1;
            }
            for k in 0..b - a {
                let p = b - 1 - k;
                z[a + k] = -(s.ys[p] - t * s.xs[p]);
            }
            a = b;
        }
    } else {
        for ((zk, &y), &x) in z.iter_mut().zip(&s.ys).zip(&s.xs) {
            *zk = y - t * x;
        }
    }
    sort_count(&mut z[..n], &mut tmp[..n])
}

/// Merge sort that returns the number of strict inversions.
fn sort_count(a: &mut [f64], buf: &mut [f64]) -> u64 {
    let n = a.len();
    if n <= SMALL {
        let mut c = 0u64;
        for i in 1..n {
            let v = a[i];
            let mut k = i;
            while k > 0 && a[k - 1] > v {
                a[k] = a[k - 1];
                k -= 1;
                c += 1;
            }
            a[k] = v;
        }
        return c;
    }
    let mid = n / 2;
    let (l, r) = a.split_at_mut(mid);
    let mut c = sort_count(l, &mut buf[..mid]) + sort_count(r, &mut buf[mid..n]);
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < l.len() && j < r.len() {
        if r[j] < l[i] {
            buf[k] = r[j];
            j += 1;
            c += (l.len() - i) as u64;
        } else {
            buf[k] = l[i];
            i += 1;
        }
        k += 1;
    }
    buf[k..k + l.len() - i].copy_from_slice(&l[i..]);
    k += l.len() - i;
    buf[k..k + r.len() - j].copy_from_slice(&r[j..]);
    a.copy_from_slice(&buf[..n]);
    c
}

fn num_cmp(a: f64, b: f64) -> Ordering {
    // Numeric, not total, order: -0.0 and 0.0 must tie like `<` says.
    a.partial_cmp(&b).unwrap_or(Ordering::Equal)
}

/// Calls `f(i, j)` for every pair `x_i > x_j` that is neither strictly
/// below at `t1` nor strictly above at `t2`; `None` if more than `limit`
/// order flips had to be visited.
pub fn for_each_flip<F: FnMut(usize, usize)>(
    s: &Sorted,
    t1: f64,
    t2: f64,
    limit: u64,
    mut f: F,
) -> Option<()> {
    let n = s.xs.len();
    let z1: Vec<f64> = (0..n).map(|k| s.ys[k] - t1 * s.xs[k]).collect();
    let z2: Vec<f64> = (0..n).map(|k| s.ys[k] - t2 * s.xs[k]).collect();
    // Ties at t1 put the larger x later and ties at t2 put it earlier, so
    // every wanted pair shows up as a flip (indices already follow x).
    let mut o1: Vec<u32> = (0..n as u32).collect();
    o1.sort_unstable_by(|&a, &b| num_cmp(z1[a as usize], z1[b as usize]).then(a.cmp(&b)));
    let mut o2: Vec<u32> = (0..n as u32).collect();
    o2.sort_unstable_by(|&a, &b| {
        let (a, b) = (a as usize, b as usize);
        num_cmp(z2[a], z2[b])
            .then(s.group_start[b].cmp(&s.group_start[a]))
            .then(a.cmp(&b))
    });
    let mut rank2 = vec![0u32; n];
    for (r, &id) in o2.iter().enumerate() {
        rank2[id as usize] = r as u32;
    }
    let mut seq: Vec<(u32, u32)> = o1.iter().map(|&id| (rank2[id as usize], id)).collect();
    let mut buf = vec![(0u32, 0u32); n];
    let mut budget = limit;
    let mut emit = |later: u32, earlier: u32| {
        let (i, j) = (later as usize, earlier as usize);
        if s.xs[i] > s.xs[j] {
            f(i, j);
        }
    };
    merge_flips(&mut seq, &mut buf, &mut budget, &mut emit).then_some(())
}

/// Sorts by rank, reporting each inverted (later, earlier) pair of ids;
/// false once the budget of reported pairs runs out.
fn merge_flips<F: FnMut(u32, u32)>(
    a: &mut [(u32, u32)],
    buf: &mut [(u32, u32)],
    budget: &mut u64,
    f: &mut F,
) -> bool {
    let n = a.len();
    if n < 2 {
        return true;
    }
    let mid = n / 2;
    let (l, r) = a.split_at_mut(mid);
    if !merge_flips(l, &mut buf[..mid], budget, f) || !merge_flips(r, &mut buf[mid..n], budget, f) {
        return false;
    }
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < l.len() && j < r.len() {
        if r[j].0 < l[i].0 {
            let flips = (l.len() - i) as u64;
            if flips > *budget {
                return false;
            }
            *budget -= flips;
            for e in &l[i..] {
                f(r[j].1, e.1);
            }
            buf[k] = r[j];
            j += 1;
        } else {
            buf[k] = l[i];
            i += 1;
        }
        k += 1;
    }
    buf[k..k + l.len() - i].copy_from_slice(&l[i..]);
    k += l.len() - i;
    buf[k..k + r.len() - j].copy_from_slice(&r[j..]);
    a.copy_from_slice(&buf[..n]);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(s: &Sorted, t: f64, above: bool) -> u64 {
        let n = s.xs.len();
        let mut c = 0;
        for i in 0..n {
            for j in 0..n {
                if s.xs[i] > s.xs[j] {
                    let (zi, zj) = (s.ys[i] - t * s.xs[i], s.ys[j] - t * s.xs[j]);
                    c += u64::from(if above { zi > zj } else { zi < zj });
                }
            }
        }
        c
    }

    #[test]
    fn counts_match_brute_force_with_ties() {
        let x: Vec<f64> = (0..60)
            .map(|i| f64::from((i * 7) % 13) * 0.01 + 100.0)
            .collect();
        let y: Vec<f64> = (0..60)
            .map(|i| f64::from((i * 11) % 17) * 0.01 + 150.0)
            .collect();
        let s = Sorted::new(&x, &y);
        let (mut z, mut tmp) = (vec![0.0; 60], vec![0.0; 60]);
        for &t in &[-3.0, -0.5, 0.0, 0.25, 1.0, 1.5, 4.0] {
            assert_eq!(
                count_inversions(&s, t, false, &mut z, &mut tmp),
                brute(&s, t, false)
            );
            assert_eq!(
                count_inversions(&s, t, true, &mut z, &mut tmp),
                brute(&s, t, true)
            );
        }
    }

    #[test]
    fn flips_are_the_pairs_between_the_thresholds() {
        let x: Vec<f64> = (0..40).map(|i| f64::from((i * 5) % 9)).collect();
        let y: Vec<f64> = (0..40).map(|i| f64::from((i * 3) % 11)).collect();
        let s = Sorted::new(&x, &y);
        let (t1, t2) = (-0.7, 0.9);
        let mut got = Vec::new();
        for_each_flip(&s, t1, t2, u64::MAX, |i, j| got.push((i, j))).unwrap();
        let (mut z, mut tmp) = (vec![0.0; 40], vec![0.0; 40]);
        let want = s.pair_count()
            - count_inversions(&s, t1, false, &mut z, &mut tmp)
            - count_inversions(&s, t2, true, &mut z, &mut tmp);
        assert_eq!(got.len() as u64, want);
        assert!(got.iter().all(|&(i, j)| (t1..=t2).contains(&s.slope(i, j))));
        assert!(for_each_flip(&s, t1, t2, 3, |_, _| ()).is_none());
    }
}
