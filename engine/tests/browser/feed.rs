//! A recorded-feed file for the dashboard tests: a cointegrated pair with
//! spread shocks at known times, so z crosses the threshold for sure.

use std::fmt::Write;

/// Data-time start of the feed, ms.
pub const T0: i64 = 1_700_000_000_000;

/// A seeded generator of uniform numbers in [-0.5, 0.5), the same on
/// every run: every test feed draws from it.
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    pub fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
}

/// What the file holds.
pub struct Feed {
    /// JSON lines, combined-stream aggTrade frames.
    pub text: String,
    /// Lowest and highest y (ETHUSDT) price.
    pub y_range: (f64, f64),
    /// Lowest and highest x (BTCUSDT) price.
    pub x_range: (f64, f64),
}

/// `seconds` of data, `rate` trades per second per symbol; y = 0.05·x + 150
/// + an AR(1) spread (per 200 ms), with +6 jumps at 150 s, 300 s and 450 s.
pub fn cointegrated(seconds: i64, rate: i64) -> Feed {
    let mut rng = Rng(0x5eed);
    let mut uniform = move || rng.next();
    let (mut x, mut s) = (43_000.0f64, 0.0f64);
    let mut text = String::new();
    let (mut y_range, mut x_range) = ((f64::MAX, f64::MIN), (f64::MAX, f64::MIN));
    let steps = seconds * rate;
    // The spread moves every 200 ms of data time whatever the trade rate.
    let per_move = (rate / 5).max(1);
    for i in 0..steps {
        let t = T0 + i * 1000 / rate;
        if i % per_move == 0 {
            x += uniform() * 8.0;
            s = 0.9 * s + uniform() * 0.6;
            if [150, 300, 450].contains(&(i / rate)) && i % rate == 0 {
                s += 6.0;
            }
        }
        let y = 0.05 * x + 150.0 + s;
        for (sym, px, id) in [("BTCUSDT", x, i), ("ETHUSDT", y, i)] {
            let px = (px * 100.0).round() / 100.0;
            let r = if sym == "BTCUSDT" {
                &mut x_range
            } else {
                &mut y_range
            };
            *r = (r.0.min(px), r.1.max(px));
            let _ = writeln!(
                text,
                r#"{{"stream":"{}@aggTrade","data":{{"e":"aggTrade","E":{},"s":"{sym}","a":{id},"p":"{px:.2}","q":"0.500","f":{id},"l":{id},"T":{t},"m":{}}}}}"#,
                sym.to_lowercase(),
                t + 3,
                i % 3 == 0
            );
        }
    }
    Feed {
        text,
        y_range,
        x_range,
    }
}
