//! [`SymbolState`]: everything the engine knows about one symbol (tick
//! ring, bars, price filter, counters), pure and synchronous: the actor
//! hands it trades and queries and sends on what it returns.

use spreadwatch_proto::status::EngineSymbolStatus;
use spreadwatch_proto::{Interval, Symbol};

use super::batch::BatchOut;
use super::messages::{GetBars, LegHistory};
use crate::actors::registry::SymbolConfig;
use crate::core::bar::Ohlcv;
use crate::core::ring::RingInsert;
use crate::core::tick_budget::TickBudget;
use crate::core::{BarBook, BarUpdate, PriceKalman, Tick, TickRing};

/// Late trades kept for the next save at most (saves come every second
/// and REST fills far slower).
const MAX_LATE: usize = 200_000;

/// One symbol's ticks, bars, price level and counters.
pub struct SymbolState {
    ring: TickRing,
    bars: BarBook,
    kalman: PriceKalman,
    ticks: u64,
    duplicates: u64,
    too_late: u64,
    revisions: u64,
    /// Trades inserted behind the newest since the last save (a gap filled
    /// from REST): their ids are below what the save wrote, so it takes
    /// them from here. Kept only once saves are taken.
    late: Option<Vec<Tick>>,
}

impl SymbolState {
    /// An empty state with `cfg`'s ring, bar limits and filter.
    pub fn new(cfg: &SymbolConfig) -> Self {
        Self::with_ring(cfg, TickRing::new(cfg.ring_capacity))
    }

    /// [`new`](Self::new), its ring counted against the shared `budget`.
    pub fn with_budget(cfg: &SymbolConfig, budget: std::sync::Arc<TickBudget>) -> Self {
        Self::with_ring(cfg, TickRing::with_budget(cfg.ring_capacity, budget))
    }

    fn with_ring(cfg: &SymbolConfig, ring: TickRing) -> Self {
        SymbolState {
            ring,
            bars: BarBook::new(cfg.limits, cfg.grace_ms),
            kalman: PriceKalman::new(cfg.kalman_delta),
            ticks: 0,
            duplicates: 0,
            too_late: 0,
            revisions: 0,
            late: None,
        }
    }

    /// The bars.
    pub fn bars(&self) -> &BarBook {
        &self.bars
    }

    /// Where each interval's closed bars end (1 s, 1 m, 5 m).
    pub fn cuts(&self) -> [i64; 3] {
        Interval::ALL.map(|iv| self.bars.series(iv).closed_before())
    }

    /// Takes one trade into the ring, the filter and the bars; what changed
    /// goes to `out`.
    #[inline]
    pub fn ingest(&mut self, tick: &Tick, out: &mut BatchOut) {
        match self.ring.insert(*tick) {
            RingInsert::Duplicate => {
                self.duplicates += 1;
                return;
            }
            RingInsert::Appended => {
                self.kalman.update(tick.price.to_f64());
            }
            RingInsert::Inserted => {
                if let Some(late) = self.late.as_mut().filter(|l| l.len() < MAX_LATE) {
                    late.push(*tick);
                }
            }
        }
        self.ticks += 1;
        if out.feeding {
            let t = (tick.time_ms, tick.price.to_f64(), tick.id);
            out.leg.ticks.push(t);
        }
        let mut upd: [Option<BarUpdate>; 3] = [None; 3];
        self.bars.update(
            tick,
            |iv, u| upd[iv.index()] = Some(u),
            |iv, b| out.closed(iv, b),
        );
        self.gather(&upd, out);
    }

    /// Counts and gathers the bar updates of one trade.
    #[inline]
    fn gather(&mut self, upd: &[Option<BarUpdate>; 3], out: &mut BatchOut) {
        let mut late = false;
        for iv in Interval::ALL {
            match upd[iv.index()] {
                Some(BarUpdate::Forming(b)) => out.forming[iv.index()] = Some(b.start_ms),
                Some(BarUpdate::Revised(b)) => {
                    self.revisions += 1;
                    out.revised(iv, b);
                }
                Some(BarUpdate::TooLate) => late = true,
                None => {}
            }
        }
        if late {
            self.too_late += 1;
        }
    }

    /// Closes every forming bar; returns them in order.
    pub fn close_forming(&mut self) -> Vec<(Interval, Ohlcv)> {
        let mut out = vec![];
        self.bars.close_forming(|iv, b| out.push((iv, *b)));
        out
    }

    /// Puts closed bars from the store back, before the restored ticks.
    pub fn seed_bars(&mut self, interval: Interval, bars: &[spreadwatch_proto::Bar]) {
        self.bars
            .seed_closed(interval, bars.iter().map(Ohlcv::from_bar));
    }

    /// The bars a query asks for, as wire bars of `symbol`.
    pub fn query_bars(&self, symbol: &Symbol, q: &GetBars) -> Vec<spreadwatch_proto::Bar> {
        let s = self.bars.series(q.interval);
        let closed = s.closed_range(q.from_ms, q.to_ms);
        let older = closed.len().saturating_sub(q.last);
        let mut out: Vec<_> = closed
            .skip(older)
            .map(|b| b.to_bar(symbol, q.interval))
            .collect();
        if q.include_forming {
            out.extend(
                s.forming()
                    .filter(|b| b.start_ms >= q.from_ms && b.start_ms < q.to_ms)
                    .map(|b| b.to_bar(symbol, q.interval)),
            );
        }
        out
    }

    /// The ticks after id `after` (all when `None`) and the late ones since
    /// the last call, in id order; from the first call on, late trades are
    /// kept for the next.
    pub fn ticks_after(&mut self, after: Option<u64>) -> Vec<Tick> {
        // The ring is in id order: walk back from the newest.
        let new = match after {
            None => self.ring.len(),
            Some(a) => self.ring.iter().rev().take_while(|t| t.id > a).count(),
        };
        let skip = self.ring.len() - new;
        let mut out: Vec<Tick> = self.ring.iter().skip(skip).copied().collect();
        let late = self.late.replace(Vec::new()).unwrap_or_default();
        if let Some(a) = after {
            out.extend(late.into_iter().filter(|t| t.id <= a));
            out.sort_by_key(|t| t.id);
        }
        // What is handed out is being saved: the tick budget may take it.
        if let Some(newest) = out.iter().map(|t| t.id).chain(after).max() {
            self.ring.saved_through(newest);
        }
        out
    }

    /// The newest `limit` closes at `interval`, or trades when `None`.
    pub fn leg_history(&self, interval: Option<Interval>, limit: usize) -> LegHistory {
        let last = self.ring.last().map(|t| (t.time_ms, t.price.to_f64()));
        let newest_id = self.ring.last().map(|t| t.id);
        let (points, cut) = match interval {
            Some(iv) => {
                let s = self.bars.series(iv);
                let skip = s.closed().len().saturating_sub(limit);
                let points = s
                    .closed()
                    .skip(skip)
                    .map(|b| (b.start_ms, b.close.to_f64()));
                (points.collect(), s.closed_before())
            }
            None => {
                let skip = self.ring.len().saturating_sub(limit);
                let points = self
                    .ring
                    .iter()
                    .skip(skip)
                    .map(|t| (t.time_ms, t.price.to_f64()));
                (points.collect(), i64::MIN)
            }
        };
        LegHistory {
            points,
            cut,
            last,
            newest_id,
        }
    }

    /// Writes the counters and levels into a status row.
    pub fn report(&self, s: &mut EngineSymbolStatus) {
        s.ticks = self.ticks;
        s.ring_len = self.ring.len() as u64;
        s.duplicates = self.duplicates;
        s.too_late = self.too_late;
        s.revisions = self.revisions;
        s.watermark_ms = self.bars.newest_ms().map(|_| self.bars.watermark_ms());
        s.kalman_level = self.kalman.initialized().then(|| self.kalman.level());
        s.last_price = self.ring.last().map(|t| t.price.to_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spreadwatch_proto::{BarKind, Fixed};
    use std::time::Instant;

    fn tick(id: u64, time_ms: i64, price: i64) -> Tick {
        Tick {
            time_ms,
            id,
            first_id: id,
            price: Fixed::from_units(price * 100_000_000),
            qty: Fixed::from_units(100_000_000),
            count: 1,
            buyer_maker: false,
        }
    }

    fn batch(state: &mut SymbolState, ticks: &[Tick]) -> BatchOut {
        let sym = Symbol::new("AAAUSDT").unwrap();
        let mut out = BatchOut::new(&sym, Instant::now(), true, true);
        for t in ticks {
            state.ingest(t, &mut out);
        }
        out
    }

    fn status(state: &SymbolState) -> EngineSymbolStatus {
        let mut s = EngineSymbolStatus::default();
        state.report(&mut s);
        s
    }

    #[test]
    fn a_batch_gathers_closes_in_order_and_one_forming_bar_per_interval() {
        let mut st = SymbolState::new(&SymbolConfig::default());
        let out = batch(
            &mut st,
            &[tick(1, 0, 10), tick(2, 500, 11), tick(3, 61_000, 12)],
        );
        assert_eq!(out.leg.ticks.len(), 3);
        let closed: Vec<_> = out
            .ordered
            .iter()
            .map(|(iv, b, k)| (*iv, b.start_ms, *k))
            .collect();
        assert!(closed.iter().all(|(_, _, k)| *k == BarKind::Closed));
        assert!(closed.contains(&(Interval::S1, 0, BarKind::Closed)));
        assert_eq!(out.forming[Interval::M1.index()], Some(60_000));
        assert_eq!(status(&st).ticks, 3);
    }

    #[test]
    fn a_repeated_trade_is_counted_and_changes_nothing() {
        let mut st = SymbolState::new(&SymbolConfig::default());
        batch(&mut st, &[tick(1, 0, 10), tick(2, 100, 11)]);
        let out = batch(&mut st, &[tick(2, 100, 11)]);
        assert!(out.leg.ticks.is_empty());
        let s = status(&st);
        assert_eq!((s.ticks, s.duplicates), (2, 1));
    }

    #[test]
    fn late_trades_wait_for_the_next_save_once_saves_are_taken() {
        let mut st = SymbolState::new(&SymbolConfig::default());
        batch(&mut st, &[tick(1, 0, 10), tick(5, 100, 11)]);
        // Before the first save nothing is kept: the save takes the ring.
        assert_eq!(st.ticks_after(None).len(), 2);
        batch(&mut st, &[tick(3, 50, 10)]);
        let ids: Vec<u64> = st.ticks_after(Some(5)).iter().map(|t| t.id).collect();
        assert_eq!(ids, [3]);
        assert!(st.ticks_after(Some(5)).is_empty());
    }

    #[test]
    fn closing_the_forming_bars_returns_each_and_moves_the_cuts() {
        let mut st = SymbolState::new(&SymbolConfig::default());
        batch(&mut st, &[tick(1, 0, 10)]);
        let before = st.cuts();
        let closed = st.close_forming();
        assert_eq!(closed.len(), 3);
        assert!(st.cuts().iter().zip(before).all(|(a, b)| *a > b));
        let h = st.leg_history(Some(Interval::S1), 10);
        assert_eq!(h.points, [(0, 10.0)]);
        assert_eq!(h.newest_id, Some(1));
    }
}
