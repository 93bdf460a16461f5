//! Test inputs shared by the core's tests: trades, a seeded generator whose
//! doubles Python rebuilds exactly, and values for property tests.

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

// The reference values in the tests come from statsmodels 0.15.0 run on
// the same series, rebuilt in Python from this generator (integer LCG
// arithmetic and sums of uniforms only, so both sides get identical
// doubles).
struct Lcg(u64);

impl Lcg {
    fn unif(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Irwin-Hall approximate standard normal.
    fn normal(&mut self) -> f64 {
        let mut acc = 0.0;
        for _ in 0..12 {
            acc += self.unif();
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

pub(crate) fn pair() -> (Vec<f64>, Vec<f64>) {
    let x = random_walk(2, 500, 100.0);
    let u = ar1(5, 500, 0.5, 0.0);
    let y = x.iter().zip(&u).map(|(a, b)| 2.0 + 1.5 * a + b).collect();
    (y, x)
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
