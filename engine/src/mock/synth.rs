//! The mock's synthetic market for load tests: aggTrades at a rate over
//! many symbols, each connection sending the streams it asked for, with
//! the send instant of every trade kept for latency.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

/// Synthetic trades for load tests: E is the real send time, and the send
/// instant of every trade is kept in a [`SendTable`].
#[derive(Debug, Clone)]
pub struct Synth {
    /// Symbols: traded in turn, or, with `skew`, the first most.
    pub symbols: Vec<String>,
    /// Zipf exponent of the rate per symbol (symbol i trades in proportion
    /// to `1 / (i + 1)^skew`); 0 trades every symbol alike.
    pub skew: f64,
    /// Trades per second over all symbols; `None` sends as fast as possible.
    pub rate: Option<f64>,
    /// How often the mock sends what is due (with a rate): every trade due
    /// since the last send goes out in one write, so at 20,000 trades/s a
    /// 1 ms pace sends bursts of ~20 and a 200 µs pace bursts of ~4.
    pub pace: Duration,
    /// Where send times go.
    pub table: Arc<SendTable>,
}

/// Send instants of recent synthetic trades, by symbol index and trade id.
#[derive(Debug)]
pub struct SendTable {
    start: std::time::Instant,
    slots: Vec<Vec<AtomicU64>>,
    /// Trades sent.
    pub sent: AtomicU64,
}

impl SendTable {
    /// Keeps the last `per_symbol` send times for each of `symbols` symbols.
    pub fn new(symbols: usize, per_symbol: usize) -> Self {
        SendTable {
            start: std::time::Instant::now(),
            slots: (0..symbols)
                .map(|_| (0..per_symbol.max(1)).map(|_| AtomicU64::new(0)).collect())
                .collect(),
            sent: AtomicU64::new(0),
        }
    }

    /// Nanoseconds since the table was made.
    pub fn now_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    fn record(&self, sym: usize, id: u64) {
        let s = &self.slots[sym];
        s[(id % s.len() as u64) as usize].store(self.now_ns(), Ordering::Relaxed);
        self.sent.fetch_add(1, Ordering::Relaxed);
    }

    /// When trade `id` of symbol `sym` was sent (ns since start), if still held.
    pub fn sent_at(&self, sym: usize, id: u64) -> Option<u64> {
        let s = self.slots.get(sym)?;
        let v = s[(id % s.len() as u64) as usize].load(Ordering::Relaxed);
        (v != 0).then_some(v)
    }
}

/// Wakes the returned `Notify` every `pace` until `stop` or until the
/// caller drops it. A thread with `sleep` rather than a tokio timer, whose
/// millisecond wheel rounds up: a 1 ms tokio sleep wakes every 2-3 ms on a
/// VM, which would turn the pace into bursts of 50 or more.
fn pacer(pace: Duration, stop: CancellationToken) -> Arc<tokio::sync::Notify> {
    let tick = Arc::new(tokio::sync::Notify::new());
    let t = tick.clone();
    std::thread::spawn(move || {
        while !stop.is_cancelled() && Arc::strong_count(&t) > 1 {
            std::thread::sleep(pace.max(Duration::from_micros(50)));
            t.notify_one();
        }
    });
    tick
}

/// The market one connection sends: every symbol's next id and price, the
/// order they trade in, and which of them the connection asked for.
struct Tape {
    order: Vec<usize>,
    mine: Vec<bool>,
    ids: Vec<u64>,
    price: Vec<f64>,
    lower: Vec<String>,
    k: usize,
}

impl Tape {
    fn new(s: &Synth, uri: &str) -> Self {
        let n = s.symbols.len().max(1);
        Tape {
            order: schedule(n, s.skew),
            mine: subscribed(uri, &s.symbols),
            ids: vec![1u64; n],
            price: (0..n).map(|i| 100.0 * (i + 1) as f64).collect(),
            lower: s.symbols.iter().map(|x| x.to_ascii_lowercase()).collect(),
            k: 0,
        }
    }

    /// The market's next trade: the frame and its symbol, or `None` when
    /// it is on a stream this connection did not ask for. Every connection
    /// keeps the whole market's clock; each sends only its own streams.
    fn next(&mut self, s: &Synth) -> Option<(String, usize, u64)> {
        let i = self.order[self.k % self.order.len()];
        self.k += 1;
        if !self.mine[i] {
            return None;
        }
        let id = self.ids[i];
        self.ids[i] += 1;
        let step = if id.is_multiple_of(2) { 1e-5 } else { -1e-5 };
        self.price[i] *= 1.0 + step * ((id % 7) as f64 - 3.0);
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let text = format!(
            r#"{{"stream":"{}@aggTrade","data":{{"e":"aggTrade","E":{now_ms},"s":"{}","a":{id},"p":"{:.2}","q":"0.010","f":{id},"l":{id},"T":{now_ms},"m":false}}}}"#,
            self.lower[i], s.symbols[i], self.price[i]
        );
        Some((text, i, id))
    }
}

/// Sends synthetic aggTrades until the client goes or the mock stops.
pub(super) async fn synthesise<S>(tx: &mut S, s: Synth, uri: &str, stop: &CancellationToken)
where
    S: futures_util::Sink<Message> + Unpin,
{
    let mut tape = Tape::new(&s, uri);
    let started = std::time::Instant::now();
    let mut sent: u64 = 0;
    // At full speed nothing waits, so no pacer.
    let tick = s.rate.map(|_| pacer(s.pace, stop.clone()));
    loop {
        if stop.is_cancelled() {
            return;
        }
        // Pace by the clock: send what is due, then wait for the pacer.
        let due = match s.rate {
            Some(r) => (started.elapsed().as_secs_f64() * r) as u64,
            None => sent + 256,
        };
        if sent >= due {
            if let Some(tick) = &tick {
                // The pacer stops with the mock, so wait on both.
                tokio::select! {
                    _ = tick.notified() => {}
                    _ = stop.cancelled() => return,
                }
            }
            continue;
        }
        while sent < due {
            sent += 1;
            let Some((text, i, id)) = tape.next(&s) else {
                continue;
            };
            s.table.record(i, id);
            if tx.feed(Message::Text(text.into())).await.is_err() {
                return;
            }
        }
        if tx.flush().await.is_err() {
            return;
        }
    }
}

/// The order symbols trade in, one full cycle: symbol `i` appears in
/// proportion to `1 / (i + 1)^skew` (at least once), its turns spread
/// evenly over the cycle.
pub(crate) fn schedule(n: usize, skew: f64) -> Vec<usize> {
    if skew <= 0.0 {
        return (0..n).collect();
    }
    let weights: Vec<f64> = (0..n).map(|i| 1.0 / (i as f64 + 1.0).powf(skew)).collect();
    let least = weights[n - 1];
    // The quietest symbol trades once a cycle; the cycle is capped so a
    // steep skew over many symbols stays a few hundred thousand long.
    let scale = (1.0 / least)
        .min(200_000.0 / weights.iter().sum::<f64>())
        .max(1.0);
    let mut slots: Vec<(f64, usize)> = Vec::new();
    for (i, w) in weights.iter().enumerate() {
        let count = ((w * scale).round() as usize).max(1);
        slots.extend((0..count).map(|k| ((k as f64 + 0.5) / count as f64, i)));
    }
    slots.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    slots.into_iter().map(|(_, i)| i).collect()
}

/// Which of `symbols` a connection's URL (`…/stream?streams=a@aggTrade/…`)
/// asked for; all of them when it names none.
pub(crate) fn subscribed(uri: &str, symbols: &[String]) -> Vec<bool> {
    let streams: std::collections::HashSet<String> = uri
        .split_once("streams=")
        .map(|(_, q)| {
            q.split('/')
                .map(|s| s.split('@').next().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    symbols
        .iter()
        .map(|s| streams.is_empty() || streams.contains(&s.to_ascii_lowercase()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skewed_schedule_trades_the_first_symbols_most() {
        let order = schedule(100, 1.0);
        let count = |i: usize| order.iter().filter(|&&x| x == i).count();
        assert!(
            count(0) > 90 * count(99) / 2,
            "{} vs {}",
            count(0),
            count(99)
        );
        assert!((count(0) as f64 / count(1) as f64 - 2.0).abs() < 0.05);
        assert!((0..100).all(|i| count(i) >= 1));
        assert_eq!(schedule(3, 0.0), [0, 1, 2]);
    }

    #[test]
    fn a_connection_gets_the_streams_it_named() {
        let syms: Vec<String> = ["BTCUSDT", "ETHUSDT", "SOLUSDT"].map(String::from).to_vec();
        let uri = "/market/stream?streams=btcusdt@aggTrade/solusdt@aggTrade";
        assert_eq!(subscribed(uri, &syms), [true, false, true]);
        assert_eq!(subscribed("/market/stream", &syms), [true, true, true]);
    }
}
