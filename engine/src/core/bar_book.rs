//! The bars of one symbol at 1 s, 1 m and 5 m together, closed by one
//! watermark: the newest trade time seen minus a grace period, so a trade a
//! little late still lands in its forming bar and a later one revises.

use spreadwatch_proto::Interval;

use super::bar::{BarSeries, BarUpdate, Ohlcv, SeriesLimits};
use super::Tick;

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
            on_update(s.interval(), s.update(t));
        }
        if t.time_ms > self.newest_ms {
            self.newest_ms = t.time_ms;
            let wm = self.watermark_ms();
            for s in &mut self.series {
                let iv = s.interval();
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
    pub fn close_forming(&mut self, mut on_close: impl FnMut(Interval, &Ohlcv)) {
        for s in &mut self.series {
            let iv = s.interval();
            s.close_forming(|b| on_close(iv, b));
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
    use crate::core::test_series::tick;
    use proptest::prelude::*;

    fn all_bars(book: &mut BarBook) -> Vec<(Interval, Ohlcv)> {
        book.close_forming(|_, _| {});
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
        s.close_forming(|_| {});
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
