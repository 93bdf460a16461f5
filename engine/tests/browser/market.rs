//! A whole market's recorded feed for the scanner's browser test: 550
//! USDT perpetuals (the mock market's names) on independent random walks,
//! trading three times a minute in the same seconds (so any two share 1 s
//! bars, as busy symbols do, and any pair has points), and three planted
//! cointegrated pairs whose legs trade every five seconds.

use std::io::Write;

use super::feed::Rng;

use spreadwatch_engine::mock::market::default_market;

/// Data-time start of the feed, ms (a minute boundary).
pub const T0: i64 = 1_767_225_600_000;

/// The planted pairs, y then x: y = 2 + 1.5 x + a fast-reverting spread.
pub const PLANTED: [(&str, &str); 3] = [
    ("SOLUSDT", "AVAXUSDT"),
    ("LINKUSDT", "DOTUSDT"),
    ("ARBUSDT", "OPUSDT"),
];

/// The first `n` USDT perpetuals of the mock market, trading.
pub fn symbols(n: usize) -> Vec<String> {
    default_market()
        .into_iter()
        .filter(|l| l.quote == "USDT" && l.contract_type == "PERPETUAL" && l.status == "TRADING")
        .map(|l| l.symbol)
        .take(n)
        .collect()
}

/// One trade: data time, symbol index, price.
type Trade = (i64, usize, f64);

/// The market's state between minutes.
struct Walks {
    rng: Rng,
    price: Vec<f64>,
    /// For each symbol, the planted pair it is a leg of, and whether it is y.
    leg: Vec<Option<(usize, bool)>>,
    spread: [f64; 3],
}

impl Walks {
    fn new(names: &[String]) -> Walks {
        let mut leg = vec![None; names.len()];
        for (k, (y, x)) in PLANTED.iter().enumerate() {
            for (sym, is_y) in [(y, true), (x, false)] {
                let i = names
                    .iter()
                    .position(|n| n == sym)
                    .expect("planted leg listed");
                leg[i] = Some((k, is_y));
            }
        }
        let mut rng = Rng(0x5ca1_ab1e);
        let price = (0..names.len())
            .map(|_| 20.0 + 80.0 * (rng.next() + 0.5))
            .collect();
        Walks {
            rng,
            price,
            leg,
            spread: [0.0; 3],
        }
    }

    /// The trades of minute `m`, in time order.
    fn minute(&mut self, m: i64) -> Vec<Trade> {
        let start = T0 + m * 60_000;
        let mut out = Vec::with_capacity(self.price.len() + 72);
        for second in [5_000, 25_000, 45_000] {
            for i in 0..self.price.len() {
                if self.leg[i].is_none() {
                    self.price[i] *= 1.0 + 0.0025 * self.rng.next();
                    out.push((start + second + (i as i64 * 13) % 800, i, self.price[i]));
                }
            }
        }
        for step in 0..12 {
            let t = start + 500 + step * 5_000;
            for k in 0..PLANTED.len() {
                self.spread[k] = 0.5 * self.spread[k] + 0.2 * self.rng.next();
            }
            for i in 0..self.price.len() {
                if let Some((_, false)) = self.leg[i] {
                    self.price[i] *= 1.0 + 0.004 * self.rng.next();
                }
            }
            for i in 0..self.price.len() {
                match self.leg[i] {
                    Some((k, true)) => {
                        self.price[i] = 2.0 + 1.5 * self.x_of(k) + self.spread[k];
                    }
                    Some((_, false)) => {}
                    None => continue,
                }
                out.push((t, i, self.price[i]));
            }
        }
        out.sort_by_key(|t| t.0);
        out
    }

    fn x_of(&self, k: usize) -> f64 {
        let i = self
            .leg
            .iter()
            .position(|l| *l == Some((k, false)))
            .unwrap_or(0);
        self.price[i]
    }
}

/// Writes `minutes` of the market of `n` symbols to `path` as Binance
/// combined-stream aggTrade frames; returns the symbols.
pub fn write(path: &std::path::Path, n: usize, minutes: i64) -> Vec<String> {
    let names = symbols(n);
    let lower: Vec<String> = names.iter().map(|s| s.to_ascii_lowercase()).collect();
    let mut walks = Walks::new(&names);
    let mut ids = vec![0u64; names.len()];
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("feed file"));
    for m in 0..minutes {
        for (t, i, px) in walks.minute(m) {
            ids[i] += 1;
            let (id, sym, low) = (ids[i], &names[i], &lower[i]);
            writeln!(
                out,
                r#"{{"stream":"{low}@aggTrade","data":{{"e":"aggTrade","E":{},"s":"{sym}","a":{id},"p":"{px:.6}","q":"1.000","f":{id},"l":{id},"T":{t},"m":false}}}}"#,
                t + 2
            )
            .expect("write feed");
        }
    }
    out.flush().expect("flush feed");
    names
}
