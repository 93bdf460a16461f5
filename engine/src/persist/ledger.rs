//! [`SaveLedger`]: what has been saved so far, and so what the next save
//! writes. Pure bookkeeping: the [`Saver`](super::save::Saver) asks it, then does
//! the I/O.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use spreadwatch_proto::{Interval, PairId, PairParams, Symbol};

use crate::core::Tick;

/// A pair's estimator state is rewritten at most this often (and at
/// shutdown): it holds its chart and windows, so it is larger than a second
/// of ticks, and an older one only means more bars to join on restore.
pub const PAIR_STATE_EVERY: Duration = Duration::from_secs(10);

/// What the store holds, as far as the next save needs to know.
#[derive(Debug, Default)]
pub struct SaveLedger {
    /// The newest saved trade id of each symbol.
    ticks: HashMap<Symbol, u64>,
    /// The start of the newest saved closed bar of each symbol and interval.
    bars: HashMap<(Symbol, Interval), i64>,
    /// When each pair's estimator state was written, with its point count
    /// and parameters then.
    pairs: HashMap<PairId, (Instant, u64, PairParams)>,
    /// The window end of the scanner ranking written last.
    scan: Option<i64>,
}

impl SaveLedger {
    /// The ticks of `symbol` to save are those after this id (all: `None`).
    pub fn ticks_after(&self, symbol: &Symbol) -> Option<u64> {
        self.ticks.get(symbol).copied()
    }

    /// Records `ticks` (in id order) as saved. Only late trades (a gap
    /// filled in) leave the newest saved id where it was.
    pub fn saved_ticks(&mut self, symbol: &Symbol, ticks: &[Tick]) {
        if let Some(last) = ticks.last() {
            self.saved_up_to(symbol, last.id);
        }
    }

    /// Records that the ticks of `symbol` up to `id` are saved (what a
    /// store held at start).
    pub fn saved_up_to(&mut self, symbol: &Symbol, id: u64) {
        let newest = self.ticks_after(symbol).map_or(id, |a| a.max(id));
        self.ticks.insert(symbol.clone(), newest);
    }

    /// The closed bars of `symbol` at `interval` to save start here or later.
    pub fn bars_from(&self, symbol: &Symbol, interval: Interval) -> i64 {
        self.bars
            .get(&(symbol.clone(), interval))
            .map_or(i64::MIN, |s| s + 1)
    }

    /// Records the closed bars up to the one starting at `last_start` as
    /// saved.
    pub fn saved_bars(&mut self, symbol: &Symbol, interval: Interval, last_start: i64) {
        self.bars.insert((symbol.clone(), interval), last_start);
    }

    /// Whether a pair's estimator state should be read for this save: every
    /// pair at shutdown (`all`), otherwise one never written or written
    /// [`PAIR_STATE_EVERY`] ago.
    pub fn pair_due(&self, pair: &PairId, now: Instant, all: bool) -> bool {
        all || self
            .pairs
            .get(pair)
            .is_none_or(|(at, _, _)| now.saturating_duration_since(*at) >= PAIR_STATE_EVERY)
    }

    /// Whether a pair's state with `count` points and `params` differs from
    /// the one written last (always true for one never written).
    pub fn pair_changed(&self, pair: &PairId, count: u64, params: &PairParams) -> bool {
        self.pairs
            .get(pair)
            .is_none_or(|(_, n, p)| *n != count || p != params)
    }

    /// Whether the scanner's ranking ending at `time_ms` is still to write.
    pub fn scan_due(&self, time_ms: i64) -> bool {
        self.scan != Some(time_ms)
    }

    /// Records the ranking ending at `time_ms` as written.
    pub fn saved_scan(&mut self, time_ms: i64) {
        self.scan = Some(time_ms);
    }

    /// Records a pair's state as written at `now`.
    pub fn saved_pair(&mut self, pair: PairId, now: Instant, count: u64, params: PairParams) {
        self.pairs.insert(pair, (now, count, params));
    }
}

/// Where a symbol's ticks are cut: `retain` behind its newest trade, on a
/// 5 m boundary (so also 1 m and 1 s), so every bar rebuilt from what is
/// left is whole.
pub fn prune_cut(newest_ms: i64, retain: Duration) -> i64 {
    let keep = i64::try_from(retain.as_millis()).unwrap_or(i64::MAX);
    let cut = newest_ms.saturating_sub(keep);
    // A retention reaching before any whole bucket keeps everything (and
    // would overflow the bucket's start).
    if cut < i64::MIN + Interval::M5.millis() {
        return i64::MIN;
    }
    Interval::M5.bucket_start(cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tick(id: u64) -> Tick {
        Tick {
            time_ms: 1_000 * id as i64,
            id,
            first_id: id,
            price: spreadwatch_proto::Fixed::from_units(100_000_000),
            qty: spreadwatch_proto::Fixed::from_units(100_000_000),
            count: 1,
            buyer_maker: false,
        }
    }

    #[test]
    fn a_late_trade_does_not_move_the_newest_saved_id_back() {
        let (mut l, s) = (SaveLedger::default(), Symbol::new("AAAUSDT").unwrap());
        assert_eq!(l.ticks_after(&s), None);
        l.saved_ticks(&s, &[tick(5), tick(9)]);
        assert_eq!(l.ticks_after(&s), Some(9));
        l.saved_ticks(&s, &[tick(7)]);
        assert_eq!(l.ticks_after(&s), Some(9));
        l.saved_ticks(&s, &[]);
        assert_eq!(l.ticks_after(&s), Some(9));
    }

    #[test]
    fn bars_are_saved_from_the_one_after_the_newest_saved() {
        let (mut l, s) = (SaveLedger::default(), Symbol::new("AAAUSDT").unwrap());
        assert_eq!(l.bars_from(&s, Interval::M1), i64::MIN);
        l.saved_bars(&s, Interval::M1, 60_000);
        assert_eq!(l.bars_from(&s, Interval::M1), 60_001);
        assert_eq!(l.bars_from(&s, Interval::M5), i64::MIN);
    }

    #[test]
    fn a_pair_state_is_due_every_ten_seconds_and_at_shutdown() {
        let mut l = SaveLedger::default();
        let p: PairId = "AAAUSDT/BBBUSDT".parse().unwrap();
        let t0 = Instant::now();
        assert!(l.pair_due(&p, t0, false));
        l.saved_pair(p.clone(), t0, 3, PairParams::default());
        assert!(!l.pair_due(&p, t0 + Duration::from_secs(9), false));
        assert!(l.pair_due(&p, t0 + Duration::from_secs(9), true));
        assert!(l.pair_due(&p, t0 + PAIR_STATE_EVERY, false));
    }

    #[test]
    fn an_unchanged_pair_state_is_not_written_again() {
        let mut l = SaveLedger::default();
        let p: PairId = "AAAUSDT/BBBUSDT".parse().unwrap();
        let params = PairParams::default();
        assert!(l.pair_changed(&p, 3, &params));
        l.saved_pair(p.clone(), Instant::now(), 3, params);
        assert!(!l.pair_changed(&p, 3, &params));
        assert!(l.pair_changed(&p, 4, &params));
        let other = PairParams {
            window: params.window + 1,
            ..params
        };
        assert!(l.pair_changed(&p, 3, &other));
    }

    #[test]
    fn ticks_are_cut_on_a_five_minute_boundary() {
        let day = Duration::from_secs(86_400);
        let newest = 2 * 86_400_000 + 301_234;
        assert_eq!(prune_cut(newest, day), 86_400_000 + 300_000);
        assert_eq!(
            prune_cut(100, day),
            Interval::M5.bucket_start(100 - 86_400_000)
        );
        assert_eq!(prune_cut(0, Duration::MAX), i64::MIN);
    }
}
