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
    pub fn flush(&mut self, on_close: impl FnMut(&Ohlcv)) {
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
    pub fn closed_range(&self, from_ms: i64, to_ms: i64) -> impl Iterator<Item = &Ohlcv> {
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

/// Bars of one symbol at every interval, driven by a shared watermark.
#[derive(Debug, Clone)]
pub struct BarBook {
    series: [BarSeries; 3],
    grace_ms: i64,
    newest_ms: i64,
}

impl BarBook {
    /// Creates empty series; `grace_ms` is how far behind the newest trade
    /// time the watermark trails (default 250 ms).
    pub fn new(limits: SeriesLimits, grace_ms: i64) -> Self {
        let mk = |iv: Interval| BarSeries::new(iv, limits.max_closed[iv.index()]);
        BarBook {
            series: [mk(Interval::S1), mk(Interval::M1), mk(Interval::M5)],
            grace_ms: grace_ms.max(0),
            newest_ms: i64::MIN,
        }
    }

    /// Adds a trade to every interval, reporting each interval's outcome,
    /// then closes what the new watermark allows.
    pub fn update(
        &mut self,
        t: &Tick,
        mut on_update: impl FnMut(Interval, BarUpdate),
        mut on_close: impl FnMut(Interval, &Ohlcv),
    ) {
        for s in &mut self.series {
            on_update(s.interval, s.update(t));
        }
        if t.time_ms > self.newest_ms {
            self.newest_ms = t.time_ms;
            let wm = self.watermark_ms();
            for s in &mut self.series {
                let iv = s.interval;
                s.advance(wm, |b| on_close(iv, b));
            }
        }
    }

    /// Newest trade time minus the grace; `i64::MIN` before any trade.
    pub fn watermark_ms(&self) -> i64 {
        self.newest_ms.saturating_sub(self.grace_ms)
    }

    /// Newest trade time seen.
    pub fn newest_ms(&self) -> Option<i64> {
        (self.newest_ms != i64::MIN).then_some(self.newest_ms)
    }

    /// Closes every forming bar (end of a finite replay).
    pub fn flush(&mut self, mut on_close: impl FnMut(Interval, &Ohlcv)) {
        for s in &mut self.series {
            let iv = s.interval;
            s.flush(|b| on_close(iv, b));
        }
    }

    /// The series for one interval.
    pub fn series(&self, iv: Interval) -> &BarSeries {
        &self.series[iv.index()]
    }

    /// See [`BarSeries::seed_closed`].
    pub fn seed_closed(&mut self, iv: Interval, bars: impl IntoIterator<Item = Ohlcv>) {
        self.series[iv.index()].seed_closed(bars);
    }

    /// True once a trade has been seen.
    pub fn initialized(&self) -> bool {
        self.newest_ms != i64::MIN
    }

    /// Forgets every bar.
    pub fn reset(&mut self) {
        for s in &mut self.series {
            s.reset();
        }
        self.newest_ms = i64::MIN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tick(id: u64, time_ms: i64, price: i64, qty: i64) -> Tick {
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

    fn all_bars(book: &mut BarBook) -> Vec<(Interval, Ohlcv)> {
        book.flush(|_, _| {});
        let mut out = vec![];
        for iv in Interval::ALL {
            out.extend(book.series(iv).closed().map(|b| (iv, *b)));
        }
        out
    }

    #[test]
    fn open_and_close_follow_ids_not_arrival() {
        let mut s = BarSeries::new(Interval::S1, 10);
        s.update(&tick(2, 1_100, 20, 1));
        s.update(&tick(1, 1_200, 10, 1));
        s.update(&tick(3, 1_050, 30, 1));
        let BarUpdate::Forming(b) = s.update(&tick(0, 1_999, 5, 2)) else {
            panic!("expected forming")
        };
        assert_eq!((b.open.units(), b.close.units()), (5, 30));
        assert_eq!((b.low.units(), b.high.units()), (5, 30));
        assert_eq!((b.volume.units(), b.trades), (5, 4));
    }

    #[test]
    fn watermark_closes_and_late_trades_revise() {
        let mut book = BarBook::new(SeriesLimits::default(), 250);
        let mut closed = vec![];
        let mut upd = vec![];
        for t in [
            tick(1, 1_000, 10, 1),
            tick(2, 2_100, 11, 1),
            tick(3, 2_300, 12, 1),
        ] {
            book.update(&t, |iv, u| upd.push((iv, u)), |iv, b| closed.push((iv, *b)));
        }
        // Watermark 2_050 closed [1000, 2000) at 1 s only.
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].0, Interval::S1);
        assert_eq!(closed[0].1.start_ms, 1_000);
        upd.clear();
        book.update(&tick(0, 1_500, 9, 1), |iv, u| upd.push((iv, u)), |_, _| {});
        assert!(
            matches!(upd[0], (Interval::S1, BarUpdate::Revised(b)) if b.open.units() == 9 && b.trades == 2)
        );
        assert!(matches!(upd[1], (Interval::M1, BarUpdate::Forming(_))));
    }

    #[test]
    fn trades_older_than_a_full_history_are_reported() {
        let mut s = BarSeries::new(Interval::S1, 2);
        for (i, t) in [5_000, 6_000, 7_000, 8_000].into_iter().enumerate() {
            s.update(&tick(i as u64 + 10, t, 1, 1));
            s.advance(t + 1_000, |_| {});
        }
        assert_eq!(s.closed().len(), 2);
        assert_eq!(s.update(&tick(1, 1_000, 1, 1)), BarUpdate::TooLate);
    }

    #[test]
    fn range_query_is_half_open() {
        let mut s = BarSeries::new(Interval::S1, 100);
        for (i, t) in [1_000, 2_000, 3_000].into_iter().enumerate() {
            s.update(&tick(i as u64, t, 1, 1));
        }
        s.flush(|_| {});
        let got: Vec<i64> = s.closed_range(1_000, 3_000).map(|b| b.start_ms).collect();
        assert_eq!(got, vec![1_000, 2_000]);
    }

    fn tape() -> impl Strategy<Value = Vec<Tick>> {
        proptest::collection::vec((0i64..700, 1i64..1_000, 1i64..50), 1..200).prop_map(|steps| {
            let mut t = 1_700_000_000_123i64;
            steps
                .into_iter()
                .enumerate()
                .map(|(i, (dt, p, q))| {
                    t += dt;
                    tick(i as u64 + (1 << 33), t, p * 1_000_000, q * 100_000)
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn reordering_within_grace_gives_the_sorted_bars(
            ticks in tape(),
            keys in proptest::collection::vec(0i64..250, 200),
        ) {
            let grace = 250;
            let mut sorted = BarBook::new(SeriesLimits::default(), grace);
            for t in &ticks { sorted.update(t, |_, _| {}, |_, _| {}); }
            // Each tick may be delayed by up to the grace: sort by T + delay.
            let mut shuffled: Vec<(i64, Tick)> = ticks.iter().zip(&keys).map(|(t, d)| (t.time_ms + d, *t)).collect();
            shuffled.sort_by_key(|(k, _)| *k);
            let mut book = BarBook::new(SeriesLimits::default(), grace);
            let mut revised = 0;
            for (_, t) in &shuffled {
                book.update(t, |_, u| if matches!(u, BarUpdate::Revised(_)) { revised += 1 }, |_, _| {});
            }
            prop_assert_eq!(revised, 0);
            prop_assert_eq!(all_bars(&mut book), all_bars(&mut sorted));
        }

        #[test]
        fn any_order_gives_the_same_final_bars_and_sane_ohlc(
            ticks in tape(),
            seed in any::<u64>(),
        ) {
            let mut sorted = BarBook::new(SeriesLimits::default(), 250);
            for t in &ticks { sorted.update(t, |_, _| {}, |_, _| {}); }
            let mut perm = ticks.clone();
            let mut s = seed;
            for i in (1..perm.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                perm.swap(i, (s >> 33) as usize % (i + 1));
            }
            let mut book = BarBook::new(SeriesLimits::default(), 250);
            for t in &perm { book.update(t, |_, _| {}, |_, _| {}); }
            let bars = all_bars(&mut book);
            prop_assert_eq!(&bars, &all_bars(&mut sorted));
            for (_, b) in bars {
                prop_assert!(b.low <= b.open && b.open <= b.high);
                prop_assert!(b.low <= b.close && b.close <= b.high);
            }
        }
    }
}
