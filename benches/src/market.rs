//! A synthetic whole market of 1 m closes for the scanner's benches: every
//! symbol's log returns load on one market factor and on its cluster's
//! factor (so clusters are correlated well above the screen), and one pair
//! in each cluster is cointegrated.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use spreadwatch_proto::Symbol;

/// One symbol's `(bar time ms, close)` series.
pub type Closes = (Symbol, Vec<(i64, f64)>);

/// `symbols` symbols of `bars` 1 m closes each, in clusters of `cluster`.
pub fn synthetic_market(symbols: usize, bars: usize, cluster: usize, seed: u64) -> Vec<Closes> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut normal = move || -> f64 {
        // Box-Muller: two uniforms make one normal draw.
        let (u, v): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    };
    let market: Vec<f64> = (0..bars).map(|_| normal()).collect();
    let mut out = Vec::with_capacity(symbols);
    let mut factor = Vec::new();
    for s in 0..symbols {
        if s % cluster.max(1) == 0 {
            factor = (0..bars).map(|_| normal()).collect();
        }
        let mut lp = (10.0 + (s % 97) as f64).ln();
        let closes: Vec<(i64, f64)> = (0..bars)
            .map(|i| {
                lp += 0.0004 * market[i] + 0.0012 * factor[i] + 0.0005 * normal();
                (i as i64 * 60_000, lp.exp())
            })
            .collect();
        out.push((name(s), closes));
    }
    plant_pairs(&mut out, cluster, &mut normal);
    out
}

/// Makes the second symbol of each cluster a line of the first plus a
/// stationary spread.
fn plant_pairs(market: &mut [Closes], cluster: usize, normal: &mut impl FnMut() -> f64) {
    for first in (0..market.len().saturating_sub(1)).step_by(cluster.max(2)) {
        let x = market[first].1.clone();
        let mut e = 0.0;
        for (slot, (t, c)) in market[first + 1].1.iter_mut().zip(x) {
            e = 0.8 * e + 0.0005 * c * normal();
            *slot = (t, 1.5 * c + 2.0 + e);
        }
    }
}

/// A real-looking, unique symbol name for index `i`.
pub fn name(i: usize) -> Symbol {
    let letters: String = (0..4)
        .scan(i, |n, _| {
            let c = (b'A' + (*n % 26) as u8) as char;
            *n /= 26;
            Some(c)
        })
        .collect();
    format!("{letters}USDT")
        .parse()
        .expect("letters make a symbol")
}

/// Writes `market` as a long-format CSV (`open_time,symbol,close`).
pub fn write_long_csv(market: &[Closes], mut w: impl std::io::Write) -> std::io::Result<()> {
    writeln!(w, "open_time,symbol,close")?;
    let bars = market.first().map_or(0, |(_, c)| c.len());
    for i in 0..bars {
        for (s, closes) in market {
            let (t, c) = closes[i];
            writeln!(w, "{t},{s},{c}")?;
        }
    }
    Ok(())
}
