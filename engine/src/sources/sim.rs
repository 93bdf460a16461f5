//! A simulated cointegrated market, for offline demos and tests.
//!
//! The first symbol follows a geometric random walk; every other symbol is
//! `beta * first + alpha + u`, where `u` is a mean-reverting
//! (Ornstein-Uhlenbeck) spread. Trades arrive as a Poisson process per
//! symbol. Everything it produces is labelled "simulated".

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp, Normal};
use spreadwatch_proto::{Fixed, Symbol};
use tokio_util::sync::CancellationToken;

use super::feed::FeedWriter;
use crate::core::Tick;

/// Settings of the simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Symbols; the first drives the others.
    pub symbols: Vec<Symbol>,
    /// Mean trades per second per symbol.
    pub rate: f64,
    /// Random seed; the same seed gives the same path.
    pub seed: u64,
    /// Where each symbol left off in a restored store: its newest trade id
    /// and price. The simulator goes on after them, so a restart on a data
    /// dir is not taken for a repeat of trades already stored.
    pub resume: Vec<Resume>,
}

/// A symbol's newest stored trade, for [`SimConfig::resume`].
#[derive(Debug, Clone, PartialEq)]
pub struct Resume {
    /// The symbol.
    pub symbol: Symbol,
    /// Its newest trade id; the next simulated one is above it.
    pub id: u64,
    /// Its newest price; the simulated path continues from it.
    pub price: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            symbols: vec![
                Symbol::new("BTCUSDT").unwrap_or_else(|_| unreachable!()),
                Symbol::new("ETHUSDT").unwrap_or_else(|_| unreachable!()),
            ],
            rate: 20.0,
            seed: 7,
            resume: Vec::new(),
        }
    }
}

struct Leg {
    symbol: String,
    beta: f64,
    alpha: f64,
    spread: f64,
    tick: Fixed,
    next_id: u64,
    next_at: f64,
}

/// A pure generator of simulated trades, in time order.
pub struct SimMarket {
    rng: StdRng,
    base: f64,
    legs: Vec<Leg>,
    rate: f64,
    clock_s: f64,
}

const SIGMA: f64 = 0.0004; // per sqrt(second), about 0.4 % a minute
const THETA: f64 = 0.05; // spread mean reversion per second
const SPREAD_VOL: f64 = 0.0006; // relative spread noise per sqrt(second)

impl SimMarket {
    /// Creates a market starting at wall time `start_s` (seconds).
    pub fn new(cfg: &SimConfig, start_s: f64) -> Self {
        let mut rng = StdRng::seed_from_u64(cfg.seed);
        let base = 43_000.0;
        let legs = cfg
            .symbols
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (beta, alpha) = match i {
                    0 => (1.0, 0.0),
                    1 => (0.055, -60.0),
                    _ => (rng.random_range(0.00002..0.01), rng.random_range(-5.0..5.0)),
                };
                let level = beta * base + alpha;
                let tick = if level > 1_000.0 {
                    "0.1"
                } else if level > 10.0 {
                    "0.01"
                } else {
                    "0.0001"
                };
                Leg {
                    symbol: s.as_str().to_string(),
                    beta,
                    alpha,
                    spread: 0.0,
                    tick: tick.parse().unwrap_or(Fixed::from_units(1)),
                    next_id: 1_000_000 * (i as u64 + 1),
                    next_at: start_s,
                }
            })
            .collect();
        let mut m = SimMarket {
            rng,
            base,
            legs,
            rate: cfg.rate.max(0.001),
            clock_s: start_s,
        };
        m.resume(&cfg.resume);
        m
    }

    /// Continues each resumed leg after its stored id and from its stored
    /// price: the first leg's price is the driving level, the others'
    /// distance from their fair value is their spread.
    fn resume(&mut self, from: &[Resume]) {
        let find = |sym: &str| from.iter().find(|r| r.symbol.as_str() == sym);
        if let Some(r) = self.legs.first().and_then(|l| find(&l.symbol)) {
            if r.price.is_finite() && r.price > 0.0 {
                self.base = r.price;
            }
        }
        let base = self.base;
        for (i, leg) in self.legs.iter_mut().enumerate() {
            let Some(r) = find(&leg.symbol) else { continue };
            leg.next_id = leg.next_id.max(r.id.saturating_add(1));
            if i > 0 && r.price.is_finite() && r.price > 0.0 {
                leg.spread = r.price - (leg.beta * base + leg.alpha);
            }
        }
    }

    /// Produces the next trade: (symbol, tick), advancing the clock.
    pub fn next_trade(&mut self) -> (&str, Tick) {
        let (i, at) = self
            .legs
            .iter()
            .enumerate()
            .map(|(i, l)| (i, l.next_at))
            .fold((0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
        let dt = (at - self.clock_s).max(0.0);
        self.clock_s = at;
        let n = Normal::new(0.0, 1.0).unwrap_or_else(|_| unreachable!());
        self.base *= (SIGMA * dt.sqrt() * n.sample(&mut self.rng)).exp();
        let gap = Exp::new(self.rate)
            .map(|e| e.sample(&mut self.rng))
            .unwrap_or(1.0);
        let qty_draw: f64 = Exp::new(1.0)
            .map(|e| e.sample(&mut self.rng))
            .unwrap_or(1.0);
        let buyer_maker = self.rng.random_bool(0.5);
        let z = n.sample(&mut self.rng);
        let base = self.base;
        let leg = &mut self.legs[i];
        leg.next_at = at + gap;
        let fair = leg.beta * base + leg.alpha;
        if i > 0 {
            leg.spread += -THETA * leg.spread * dt + SPREAD_VOL * fair * dt.sqrt() * z;
        }
        let price = Fixed::from_f64_rounded((fair + leg.spread).max(leg.tick.to_f64()), leg.tick);
        let qty_step = if fair > 1_000.0 { 0.001 } else { 0.01 };
        let qty = Fixed::from_f64_rounded(
            (qty_draw * 0.5 / leg.beta.max(1e-6)).max(qty_step),
            Fixed::from_units((qty_step * 1e8) as i64),
        );
        let id = leg.next_id;
        // A restored id at the top of the range must not wrap to the bottom.
        leg.next_id = leg.next_id.saturating_add(1);
        let tick = Tick {
            time_ms: (at * 1000.0) as i64,
            id,
            first_id: id,
            price,
            qty,
            count: 1,
            buyer_maker,
        };
        (&self.legs[i].symbol, tick)
    }

    /// Time of the next trade, seconds.
    pub fn next_at(&self) -> f64 {
        self.legs
            .iter()
            .map(|l| l.next_at)
            .fold(f64::INFINITY, f64::min)
    }
}

fn now_s() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Runs the simulator in real time until `stop`.
pub async fn run(cfg: SimConfig, feed: &mut FeedWriter, stop: CancellationToken) {
    let mut market = SimMarket::new(&cfg, now_s());
    loop {
        // Behind schedule nothing waits below, so look for the stop here.
        if stop.is_cancelled() {
            break;
        }
        let wait = market.next_at() - now_s();
        if wait > 0.0 {
            feed.flush().await;
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(Duration::from_secs_f64(wait.min(1.0))) => continue,
            }
        }
        let (sym, tick) = market.next_trade();
        let frame =
            super::record::frame_json(sym, &tick, tick.time_ms, super::frame::StreamKind::AggTrade);
        feed.handle(frame.as_bytes(), Some(tick.time_ms));
        // Behind schedule, this is where the actors' pace holds it back.
        if feed.should_flush() {
            feed.flush().await;
        }
    }
    feed.drain().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legs_stay_cointegrated_and_trades_are_sane() {
        let mut m = SimMarket::new(
            &SimConfig {
                rate: 50.0,
                ..Default::default()
            },
            1_700_000_000.0,
        );
        let mut last_t = 0;
        let mut ratio = vec![];
        let mut last = [0.0f64; 2];
        for _ in 0..20_000 {
            let (sym, t) = m.next_trade();
            assert!(t.price.is_positive() && t.qty.is_positive());
            assert!(t.time_ms >= last_t);
            last_t = t.time_ms;
            let i = usize::from(sym == "ETHUSDT");
            last[i] = t.price.to_f64();
            if last[0] > 0.0 && last[1] > 0.0 {
                ratio.push(last[1] / last[0]);
            }
        }
        let (lo, hi) = ratio
            .iter()
            .fold((f64::MAX, f64::MIN), |a, r| (a.0.min(*r), a.1.max(*r)));
        // ETH tracks 0.055 * BTC - 60: the ratio stays near 0.0536.
        assert!(lo > 0.045 && hi < 0.06, "ratio drifted: {lo}..{hi}");
    }

    #[test]
    fn a_resumed_market_goes_on_after_the_stored_ids_and_prices() {
        let resume = vec![
            Resume {
                symbol: "BTCUSDT".parse().unwrap(),
                id: 5_000_123,
                price: 61_000.0,
            },
            Resume {
                symbol: "ETHUSDT".parse().unwrap(),
                id: 42,
                price: 3_300.0,
            },
        ];
        let cfg = SimConfig {
            resume,
            ..Default::default()
        };
        let mut m = SimMarket::new(&cfg, 1_700_000_000.0);
        let mut first = std::collections::HashMap::new();
        for _ in 0..50 {
            let (sym, t) = m.next_trade();
            first
                .entry(sym.to_string())
                .or_insert((t.id, t.price.to_f64()));
        }
        let (btc_id, btc_px) = first["BTCUSDT"];
        let (eth_id, eth_px) = first["ETHUSDT"];
        assert_eq!(btc_id, 5_000_124);
        // ETH's own start (2,000,000) is already above its stored id.
        assert_eq!(eth_id, 2_000_000);
        assert!((btc_px / 61_000.0 - 1.0).abs() < 0.01, "BTC at {btc_px}");
        assert!((eth_px / 3_300.0 - 1.0).abs() < 0.01, "ETH at {eth_px}");
    }

    #[test]
    fn same_seed_same_path() {
        let cfg = SimConfig::default();
        let mut a = SimMarket::new(&cfg, 1.0);
        let mut b = SimMarket::new(&cfg, 1.0);
        for _ in 0..100 {
            assert_eq!(a.next_trade().1, b.next_trade().1);
        }
    }
}
