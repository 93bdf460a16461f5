//! Exact OHLCV bars at 1 s, 1 m and 5 m, with a watermark and revisions.
//!
//! A trade belongs to the bucket `floor(T / len) * len` (trade time, UTC,
//! left-closed). Open and close are the trades with the lowest and highest
//! id, so arrival order never matters. A bucket closes once the watermark,
//! the newest `T` seen minus a grace period, reaches its end; a trade that
//! arrives for a closed bucket revises that bar instead of being lost.

use std::collections::VecDeque;

use spreadwatch_proto::{Bar, Fixed, Interval, Symbol, Volume};

use super::Tick;

/// One bar without its symbol: the unit the engine stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ohlcv {
    /// Bucket start, ms.
    pub start_ms: i64,
    /// Price of the lowest-id trade.
    pub open: Fixed,
    /// Highest price.
    pub high: Fixed,
    /// Lowest price.
    pub low: Fixed,
    /// Price of the highest-id trade.
    pub close: Fixed,
    /// Exact sum of quantities.
    pub volume: Volume,
    /// Exchange trades.
    pub trades: u64,
    /// Id of the trade that set `open`.
    pub open_id: u64,
    /// Id of the trade that set `close`.
    pub close_id: u64,
}

impl Ohlcv {
    fn new(start_ms: i64, t: &Tick) -> Self {
        let mut volume = Volume::ZERO;
        volume.add(t.qty);
        Ohlcv {
            start_ms,
            open: t.price,
            high: t.price,
            low: t.price,
            close: t.price,
            volume,
            trades: u64::from(t.count),
            open_id: t.id,
            close_id: t.id,
        }
    }

    fn apply(&mut self, t: &Tick) {
        if t.id < self.open_id {
            self.open_id = t.id;
            self.open = t.price;
        }
        if t.id > self.close_id {
            self.close_id = t.id;
            self.close = t.price;
        }
        self.high = self.high.max(t.price);
        self.low = self.low.min(t.price);
        self.volume.add(t.qty);
        self.trades += u64::from(t.count);
    }

    /// A closed bar read back from a snapshot. Its opening trade id is not
    /// kept, so a trade revising it cannot become its open.
    pub fn from_bar(b: &Bar) -> Self {
        Ohlcv {
            start_ms: b.start_ms,
            open: b.open,
            high: b.high,
            low: b.low,
            close: b.close,
            volume: b.volume,
            trades: b.trades,
            open_id: 0,
            close_id: b.close_id,
        }
    }

    /// The wire form for `symbol` at `interval`.
    pub fn to_bar(&self, symbol: &Symbol, interval: Interval) -> Bar {
        Bar {
            symbol: symbol.clone(),
            interval,
            start_ms: self.start_ms,
            open: self.open,
            high: self.high,
            low: self.low,
            close: self.close,
            volume: self.volume,
            trades: self.trades,
            close_id: self.close_id,
        }
    }
}

/// What one trade did to one interval's bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarUpdate {
    /// It went into a bar that is still forming.
    Forming(Ohlcv),
    /// It changed (or created) a bar that had already closed.
    Revised(Ohlcv),
    /// It is older than the retained history; it could not be placed.
    TooLate,
}

/// How many closed bars a series keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesLimits {
    /// Closed bars kept per interval; the oldest go first.
    pub max_closed: [usize; 3],
}

impl SeriesLimits {
    /// Keeps `history_ms` of bars at every interval (at least one bar).
    pub fn from_history_ms(history_ms: [i64; 3]) -> Self {
        let mut max_closed = [1usize; 3];
        for iv in Interval::ALL {
            let n = history_ms[iv.index()].max(0) / iv.millis();
            max_closed[iv.index()] = usize::try_from(n).unwrap_or(usize::MAX).max(1);
        }
        SeriesLimits { max_closed }
    }

    /// No limit: for finite replays whose whole history is exported.
    pub fn unbounded() -> Self {
        SeriesLimits {
            max_closed: [usize::MAX; 3],
        }
    }
}

impl Default for SeriesLimits {
    /// 24 h of 1 s bars, 7 days of 1 m bars, 30 days of 5 m bars.
    fn default() -> Self {
        const DAY: i64 = 86_400_000;
        SeriesLimits::from_history_ms([DAY, 7 * DAY, 30 * DAY])
    }
}

/// The bars of one symbol at one interval.
#[derive(Debug, Clone)]
pub struct BarSeries {
    interval: Interval,
    forming: VecDeque<Ohlcv>,
    closed: VecDeque<Ohlcv>,
    max_closed: usize,
    /// Buckets starting before this are closed.
    closed_before: i64,
}

impl BarSeries {
    /// Creates an empty series.
    pub fn new(interval: Interval, max_closed: usize) -> Self {
        BarSeries {
            interval,
            forming: VecDeque::new(),
            closed: VecDeque::new(),
            max_closed: max_closed.max(1),
            closed_before: i64::MIN,
        }
    }

    /// The interval.
    pub fn interval(&self) -> Interval {
        self.interval
    }

    /// Adds a trade.
    pub fn update(&mut self, t: &Tick) -> BarUpdate {
        let start = self.interval.bucket_start(t.time_ms);
        if start < self.closed_before {
            return self.revise(start, t);
        }
        let pos = self.forming.iter().rposition(|b| b.start_ms <= start);
        match pos {
            Some(i) if self.forming[i].start_ms == start => {
                self.forming[i].apply(t);
                BarUpdate::Forming(self.forming[i])
            }
            Some(i) => {
                self.forming.insert(i + 1, Ohlcv::new(start, t));
                BarUpdate::Forming(self.forming[i + 1])
            }
            None => {
                self.forming.push_front(Ohlcv::new(start, t));
                BarUpdate::Forming(self.forming[0])
            }
        }
    }

    fn revise(&mut self, start: i64, t: &Tick) -> BarUpdate {
        match self.closed.binary_search_by_key(&start, |b| b.start_ms) {
            Ok(i) => {
                self.closed[i].apply(t);
                BarUpdate::Revised(self.closed[i])
            }
            Err(0) if self.closed.len() >= self.max_closed => BarUpdate::TooLate,
            Err(i) => {
                self.closed.insert(i, Ohlcv::new(start, t));
                let bar = self.closed[i];
                self.trim();
                BarUpdate::Revised(bar)
            }
        }
    }

    /// Closes every forming bar that ends at or before `watermark_ms`,
    /// calling `on_close` for each, oldest first.
    pub fn advance(&mut self, watermark_ms: i64, mut on_close: impl FnMut(&Ohlcv)) {
        let cut = self.interval.bucket_start(watermark_ms);
        if cut <= self.closed_before {
            return;
        }
        self.closed_before = cut;
        while self.forming.front().is_some_and(|b| b.start_ms < cut) {
            if let Some(b) = self.forming.pop_front() {
                on_close(&b);
                self.closed.push_back(b);
            }
        }
        self.trim();
    }

    /// Closes every forming bar (end of a finite replay).
    pub fn close_forming(&mut self, on_close: impl FnMut(&Ohlcv)) {
        let end = self
            .forming
            .back()
            .map(|b| b.start_ms.saturating_add(self.interval.millis()))
            .unwrap_or(self.closed_before);
        self.advance(end, on_close);
    }

    fn trim(&mut self) {
        while self.closed.len() > self.max_closed {
            self.closed.pop_front();
        }
    }

    /// Puts closed bars older than everything held back in front (a
    /// restore: bars from before the retained ticks). Bars that overlap what
    /// is held are ignored.
    pub fn seed_closed(&mut self, bars: impl IntoIterator<Item = Ohlcv>) {
        let first = self
            .closed
            .front()
            .or(self.forming.front())
            .map_or(i64::MAX, |b| b.start_ms);
        let mut older: Vec<Ohlcv> = bars.into_iter().filter(|b| b.start_ms < first).collect();
        older.sort_by_key(|b| b.start_ms);
        older.dedup_by_key(|b| b.start_ms);
        if let Some(last) = older.last() {
            let end = last.start_ms.saturating_add(self.interval.millis());
            self.closed_before = self.closed_before.max(end);
        }
        for b in older.into_iter().rev() {
            self.closed.push_front(b);
        }
        self.trim();
    }

    /// Buckets starting before this time are closed.
    pub fn closed_before(&self) -> i64 {
        self.closed_before
    }

    /// Closed bars, oldest first.
    pub fn closed(&self) -> impl DoubleEndedIterator<Item = &Ohlcv> + ExactSizeIterator {
        self.closed.iter()
    }

    /// Forming bars, oldest first (usually one, two around a boundary).
    pub fn forming(&self) -> impl DoubleEndedIterator<Item = &Ohlcv> + ExactSizeIterator {
        self.forming.iter()
    }

    /// Closed bars whose start lies in `[from_ms, to_ms)`.
    pub fn closed_range(&self, from_ms: i64, to_ms: i64) -> impl ExactSizeIterator<Item = &Ohlcv> {
        let lo = self.closed.partition_point(|b| b.start_ms < from_ms);
        let hi = self.closed.partition_point(|b| b.start_ms < to_ms);
        self.closed.range(lo..hi.max(lo))
    }

    /// Forgets every bar.
    pub fn reset(&mut self) {
        self.forming.clear();
        self.closed.clear();
        self.closed_before = i64::MIN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_series::tick;

    #[test]
    fn seeded_bars_go_in_front_and_later_trades_stay_forming() {
        let mut s = BarSeries::new(Interval::M1, 100);
        let old = |start: i64| Ohlcv::new(start, &tick(start as u64, start, 100, 1));
        s.seed_closed([old(120_000), old(0), old(60_000), old(60_000)]);
        assert_eq!(
            s.closed().map(|b| b.start_ms).collect::<Vec<_>>(),
            [0, 60_000, 120_000]
        );
        assert_eq!(s.closed_before(), 180_000);
        assert!(matches!(
            s.update(&tick(500, 185_000, 7, 1)),
            BarUpdate::Forming(_)
        ));
        // Nothing newer than what is held is taken.
        s.seed_closed([old(240_000)]);
        assert_eq!(s.closed().len(), 3);
    }
}
