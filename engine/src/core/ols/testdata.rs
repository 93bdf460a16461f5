//! Deterministic test data shared by the estimator tests. The golden values
//! in the tests were computed in Python on a line-for-line port of these
//! generators: integer LCG, Irwin–Hall normals (additions only) and
//! `floor(v·100 + 0.5)/100` ticks all round identically in both languages.

/// Knuth's MMIX LCG; the top 53 bits make a uniform in [0, 1).
pub struct Lcg(pub u64);

impl Lcg {
    /// The next uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / 9007199254740992.0
    }

    /// Irwin–Hall approximate normal: only additions, so Python agrees.
    pub fn normal(&mut self) -> f64 {
        let mut s = 0.0;
        for _ in 0..12 {
            s += self.uniform();
        }
        s - 6.0
    }
}

/// A cointegrated price pair: x a random walk near 100, y = 1.5x + 5 +
/// noise; with `tick` the prices are floored to a 0.01 grid.
pub fn pair(n: usize, seed: u64, tick: bool) -> (Vec<f64>, Vec<f64>) {
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
pub fn with_outliers(mut y: Vec<f64>) -> Vec<f64> {
    for i in (0..y.len()).step_by(13) {
        y[i] += if (i / 13) % 2 == 0 { 6.0 } else { -6.0 };
    }
    y
}
