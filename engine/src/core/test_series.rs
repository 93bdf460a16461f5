//! Test inputs shared by the core's tests: trades, seeded series whose
//! doubles Python rebuilds exactly, and values for property tests.
//!
//! `scripts/golden/gen_core.py` ports the generators line for line (an
//! integer LCG, Irwin-Hall normals made of additions only, and
//! `floor(v * 100 + 0.5) / 100` ticks all round identically in both
//! languages) and writes what statsmodels, scipy, pandas and pykalman return
//! on them; [`reference`](super::reference) reads that file.

use proptest::prelude::*;
use spreadwatch_proto::Fixed;

use super::Tick;

/// A trade of one exchange trade; `price` and `qty` in 1e-8 units.
pub(crate) fn tick(id: u64, time_ms: i64, price: i64, qty: i64) -> Tick {
    Tick {
        time_ms,
        id,
        first_id: id,
        price: Fixed::from_units(price),
        qty: Fixed::from_units(qty),
        count: 1,
        buyer_maker: false,
    }
}

/// Knuth's MMIX LCG; the top 53 bits make a uniform in [0, 1).
pub(crate) struct Lcg(pub u64);

impl Lcg {
    /// The next uniform in [0, 1).
    pub(crate) fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Irwin-Hall approximate standard normal: additions only, so Python
    /// agrees to the bit.
    pub(crate) fn normal(&mut self) -> f64 {
        let mut acc = 0.0;
        for _ in 0..12 {
            acc += self.uniform();
        }
        acc - 6.0
    }
}

pub(crate) fn ar1(seed: u64, n: usize, phi: f64, start: f64) -> Vec<f64> {
    let mut g = Lcg(seed);
    let mut x = vec![start];
    for _ in 1..n {
        let next = phi * x[x.len() - 1] + g.normal();
        x.push(next);
    }
    x
}

pub(crate) fn random_walk(seed: u64, n: usize, start: f64) -> Vec<f64> {
    ar1(seed, n, 1.0, start)
}

/// A unit-root series whose increments are AR(1), so the lag search has
/// something to find.
pub(crate) fn ar_diff(seed: u64, n: usize, phi: f64) -> Vec<f64> {
    let mut g = Lcg(seed);
    let (mut d, mut x) = (0.0, vec![0.0]);
    for _ in 1..n {
        d = phi * d + g.normal();
        x.push(x[x.len() - 1] + d);
    }
    x
}

/// A cointegrated (y, x): x a random walk, y = 2 + 1.5x + AR(1) noise.
pub(crate) fn cointegrated() -> (Vec<f64>, Vec<f64>) {
    let x = random_walk(2, 500, 100.0);
    let u = ar1(5, 500, 0.5, 0.0);
    let y = x.iter().zip(&u).map(|(a, b)| 2.0 + 1.5 * a + b).collect();
    (y, x)
}

/// A cointegrated price pair (x, y): x a random walk near 100, y = 1.5x + 5
/// + noise; with `tick` the prices are rounded to a 0.01 grid.
pub(crate) fn price_pair(n: usize, seed: u64, tick: bool) -> (Vec<f64>, Vec<f64>) {
    let mut g = Lcg(seed);
    let (mut x, mut y) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut level = 100.0;
    for _ in 0..n {
        level += 0.1 * g.normal();
        let yy = 1.5 * level + 5.0 + 0.2 * g.normal();
        if tick {
            x.push((level * 100.0 + 0.5).floor() / 100.0);
            y.push((yy * 100.0 + 0.5).floor() / 100.0);
        } else {
            x.push(level);
            y.push(yy);
        }
    }
    (x, y)
}

/// Every 13th y pushed 6 up or down, alternating: outliers for the robust
/// fits.
pub(crate) fn with_outliers(mut y: Vec<f64>) -> Vec<f64> {
    for i in (0..y.len()).step_by(13) {
        y[i] += if (i / 13) % 2 == 0 { 6.0 } else { -6.0 };
    }
    y
}

pub(crate) fn close(got: f64, want: f64, rtol: f64) {
    assert!(
        (got - want).abs() <= rtol * want.abs().max(1e-300),
        "got {got:?}, want {want:?}"
    );
}

/// Mostly ordinary values, with NaN, infinities, extremes and zeros mixed in.
pub(crate) fn arb_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -1e6..1e6f64,
        1 => Just(f64::NAN),
        1 => prop::num::f64::ANY,
        1 => Just(0.0),
    ]
}
