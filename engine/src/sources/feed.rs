//! The part every source shares: frame in, ticks out, counted.
//!
//! A [`FeedWriter`] parses frames, drops what cannot be used (counting each
//! drop by reason and warning at most once per reason every 10 s), removes
//! duplicate trade ids when asked (reconnect overlap), queues ticks on the
//! source's [`Ingest`], and publishes its counters to the status board in
//! batches.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use spreadwatch_proto::{DropReason, FeedState};

use super::accepted::{AcceptedTrade, TradeHook};
use super::frame::{parse_frame, Frame, StreamKind};
use crate::actors::Ingest;
use crate::status::{sym_entry, SourceBoard};

#[derive(Default)]
struct SymCounters {
    messages: u64,
    drops: HashMap<DropReason, u64>,
    last_event_ms: Option<i64>,
    last_trade_ms: Option<i64>,
    last_recv_ms: Option<i64>,
    last_id: Option<u64>,
    gaps: u64,
    missing_ids: u64,
    last_gap: Option<(u64, u64)>,
    gaps_filled: u64,
    gaps_unfilled: u64,
    backfilled: u64,
    /// Ids of a gap that came after all (see `FeedWriter::open_gaps`).
    late: u64,
}

/// Gaps per symbol whose late ids are still taken.
const OPEN_GAPS: usize = 8;

/// Gaps kept for the backfiller at most; more are counted, not queued.
const MAX_PENDING_GAPS: usize = 1024;

/// Parses frames for one source and feeds the symbol actors.
pub struct FeedWriter {
    ingest: Ingest,
    board: SourceBoard,
    frames: u64,
    unnamed_drops: HashMap<DropReason, u64>,
    per_symbol: HashMap<Box<str>, SymCounters>,
    last_ids: Option<HashMap<Box<str>, u64>>,
    /// Per symbol, the newest gaps' ids not yet seen, which are still taken
    /// if they come: during a rollover the new connection can run ahead of
    /// the old one, whose trades then arrive after the jump.
    open_gaps: HashMap<Box<str>, VecDeque<(u64, u64)>>,
    only: Option<StreamKind>,
    pending_gaps: Vec<(String, u64, u64)>,
    last_warn: HashMap<DropReason, (Instant, u64)>,
    /// Wall time of the last trade per symbol, for the silence watchdog.
    last_seen: HashMap<Box<str>, Instant>,
    /// Called with every accepted trade (the registry's, when set).
    hook: Option<TradeHook>,
    /// The stream of the last accepted trade: what a backfilled one is.
    last_kind: StreamKind,
}

impl FeedWriter {
    /// Creates a writer. With `dedupe`, a trade whose id is not above the
    /// last one forwarded for its symbol is dropped as a duplicate; live
    /// streams deliver each symbol in id order, so this removes exactly the
    /// overlap of two connections.
    pub fn new(ingest: Ingest, board: SourceBoard, dedupe: bool) -> Self {
        FeedWriter {
            hook: ingest.registry().trade_hook(),
            last_kind: StreamKind::AggTrade,
            ingest,
            board,
            frames: 0,
            unnamed_drops: HashMap::new(),
            per_symbol: HashMap::new(),
            last_ids: dedupe.then(HashMap::new),
            open_gaps: HashMap::new(),
            only: None,
            pending_gaps: Vec::new(),
            last_warn: HashMap::new(),
            last_seen: HashMap::new(),
        }
    }

    /// Seeds the last forwarded id of a symbol (after a restart).
    pub fn seed_last_id(&mut self, symbol: &str, id: u64) {
        if let Some(m) = &mut self.last_ids {
            m.insert(symbol.into(), id);
        }
    }

    /// The gaps found since the last call: (symbol, first, last missing id).
    pub fn take_gaps(&mut self) -> Vec<(String, u64, u64)> {
        std::mem::take(&mut self.pending_gaps)
    }

    /// Puts trades recovered for a gap into the actors (in id order; they
    /// are older than what was forwarded, so they bypass the id check, and
    /// the ring places them and revises the bars they touch), and records
    /// whether the gap was filled.
    pub fn backfilled(&mut self, symbol: &str, ticks: &[crate::core::Tick], complete: bool) {
        let mut n = 0;
        for t in ticks {
            if self.ingest.push(symbol, *t) {
                n += 1;
                self.accepted(symbol, *t, t.time_ms, self.last_kind);
            }
        }
        // A filled gap is closed: its ids arriving now are repeats.
        if let (true, Some(lo), Some(hi)) = (
            complete,
            ticks.iter().map(|t| t.id).min(),
            ticks.iter().map(|t| t.id).max(),
        ) {
            if let Some(open) = self.open_gaps.get_mut(symbol) {
                open.retain(|&(a, b)| b < lo || a > hi);
            }
        }
        let c = self.sym(symbol);
        c.backfilled += n;
        if complete {
            c.gaps_filled += 1;
        } else {
            c.gaps_unfilled += 1;
        }
    }

    /// Tells the trade hook, if any, of a trade sent to the actors.
    fn accepted(&self, symbol: &str, tick: crate::core::Tick, event_ms: i64, kind: StreamKind) {
        if let Some(hook) = &self.hook {
            hook(&AcceptedTrade {
                symbol,
                tick,
                event_ms,
                kind,
            });
        }
    }

    /// Accepts only frames of this stream kind.
    pub fn only_kind(&mut self, kind: StreamKind) {
        self.only = Some(kind);
    }

    /// Handles one frame received at `recv_ms` (wall clock, ms).
    pub fn handle(&mut self, bytes: &[u8], recv_ms: Option<i64>) {
        self.frames += 1;
        match parse_frame(bytes) {
            Frame::Trade(t) => {
                if self.only.is_some_and(|k| k != t.kind) {
                    self.count_drop(
                        DropReason::UnknownEvent,
                        Some(t.symbol),
                        "unexpected stream kind",
                    );
                    return;
                }
                if !self.check_id(t.symbol, t.tick.id, t.kind) {
                    return;
                }
                if !self.ingest.push(t.symbol, t.tick) {
                    self.count_drop(DropReason::Filtered, Some(t.symbol), "symbol not tracked");
                    return;
                }
                self.last_kind = t.kind;
                self.accepted(t.symbol, t.tick, t.event_ms, t.kind);
                let recv = recv_ms.or(t.recv_us.map(|us| us / 1000));
                let c = self.sym(t.symbol);
                c.messages += 1;
                c.last_event_ms = Some(t.event_ms);
                c.last_trade_ms = Some(t.tick.time_ms);
                c.last_recv_ms = recv;
                c.last_id = Some(t.tick.id);
            }
            Frame::Control => {}
            Frame::NonMarket { symbol, id, detail } => {
                // Seen, so not a gap; never forwarded.
                let _ = self.check_id(symbol, id, StreamKind::Trade);
                self.count_drop(DropReason::NonMarket, Some(symbol), &detail);
            }
            Frame::Drop {
                reason,
                symbol,
                detail,
            } => self.count_drop(reason, symbol, &detail),
        }
    }

    /// De-duplicates by id and finds gaps: aggregate ids are consecutive
    /// per symbol (each aggTrade's first trade id follows the previous last
    /// one too), and trade ids are consecutive per symbol over every kind
    /// of trade, so a jump is trades never received. Returns false for an
    /// id already forwarded.
    fn check_id(&mut self, symbol: &str, id: u64, kind: StreamKind) -> bool {
        let Some(last) = &mut self.last_ids else {
            return true;
        };
        let Some(prev) = last.get_mut(symbol) else {
            last.insert(symbol.into(), id);
            return true;
        };
        if id <= *prev {
            if self.fills_open_gap(symbol, id) {
                return true;
            }
            self.count_drop(DropReason::Duplicate, Some(symbol), "id already forwarded");
            return false;
        }
        let gap = (id > *prev + 1).then(|| (*prev + 1, id - 1));
        *prev = id;
        if let Some((from, to)) = gap {
            let what = match kind {
                StreamKind::AggTrade => "aggregate trade ids",
                StreamKind::Trade => "trade ids",
            };
            tracing::warn!(symbol, from, to, "gap in {what}: {} missed", to - from + 1);
            if self.pending_gaps.len() < MAX_PENDING_GAPS {
                self.pending_gaps.push((symbol.to_string(), from, to));
            }
            let c = self.sym(symbol);
            c.gaps += 1;
            c.missing_ids += to - from + 1;
            c.last_gap = Some((from, to));
            let open = self.open_gaps.entry(symbol.into()).or_default();
            open.push_back((from, to));
            while open.len() > OPEN_GAPS {
                open.pop_front();
            }
        }
        true
    }

    /// Takes a late id that falls in one of the symbol's open gaps, and
    /// counts it as no longer missing.
    fn fills_open_gap(&mut self, symbol: &str, id: u64) -> bool {
        let Some(open) = self.open_gaps.get_mut(symbol) else {
            return false;
        };
        let Some(i) = open.iter().position(|&(a, b)| a <= id && id <= b) else {
            return false;
        };
        let Some((a, b)) = open.remove(i) else {
            return false;
        };
        if a < id {
            open.push_back((a, id - 1));
        }
        if id < b {
            open.push_back((id + 1, b));
        }
        while open.len() > OPEN_GAPS {
            open.pop_front();
        }
        self.sym(symbol).late += 1;
        true
    }

    fn sym(&mut self, symbol: &str) -> &mut SymCounters {
        if !self.per_symbol.contains_key(symbol) {
            self.per_symbol
                .insert(symbol.into(), SymCounters::default());
        }
        match self.per_symbol.get_mut(symbol) {
            Some(c) => c,
            None => unreachable!("inserted above"),
        }
    }

    fn count_drop(&mut self, reason: DropReason, symbol: Option<&str>, detail: &str) {
        match symbol {
            Some(s) => *self.sym(s).drops.entry(reason).or_default() += 1,
            None => *self.unnamed_drops.entry(reason).or_default() += 1,
        }
        let now = Instant::now();
        let e = self
            .last_warn
            .entry(reason)
            .or_insert((now - Duration::from_secs(3600), 0));
        if now.duration_since(e.0) >= Duration::from_secs(10) {
            tracing::warn!(
                reason = reason.as_str(),
                symbol = symbol.unwrap_or("-"),
                suppressed = e.1,
                "dropped frame: {detail}"
            );
            *e = (now, 0);
        } else {
            e.1 += 1;
        }
    }

    /// True when enough ticks are queued that a flush is due.
    pub fn should_flush(&self) -> bool {
        self.ingest.should_flush()
    }

    /// Sends queued ticks and publishes counters.
    pub async fn flush(&mut self) {
        self.ingest.flush().await;
        self.publish();
    }

    /// Sends queued ticks, waits until processed, and publishes counters.
    pub async fn drain(&mut self) {
        self.ingest.drain().await;
        self.publish();
    }

    fn publish(&mut self) {
        let now = Instant::now();
        let frames = std::mem::take(&mut self.frames);
        let unnamed = std::mem::take(&mut self.unnamed_drops);
        let per = std::mem::take(&mut self.per_symbol);
        for (sym, c) in &per {
            if c.messages > 0 {
                self.last_seen.insert(sym.clone(), now);
            }
        }
        self.board.update(|s| {
            s.frames += frames;
            for (r, n) in unnamed {
                *s.drops.entry(r).or_default() += n;
            }
            for (sym, c) in per {
                s.messages += c.messages;
                for (r, n) in &c.drops {
                    *s.drops.entry(*r).or_default() += n;
                }
                let state = s.state;
                let e = sym_entry(s, &sym);
                e.messages += c.messages;
                e.gaps += c.gaps;
                e.missing_ids = (e.missing_ids + c.missing_ids).saturating_sub(c.late);
                e.gaps_filled += c.gaps_filled;
                e.gaps_unfilled += c.gaps_unfilled;
                e.backfilled += c.backfilled;
                if c.last_gap.is_some() {
                    e.last_gap = c.last_gap;
                }
                for (r, n) in c.drops {
                    *e.drops.entry(r).or_default() += n;
                }
                if c.messages > 0 {
                    if e.state == FeedState::Silent && state == FeedState::Live {
                        e.state = FeedState::Live;
                    }
                    e.last_event_ms = c.last_event_ms;
                    e.last_trade_ms = c.last_trade_ms;
                    e.last_id = c.last_id;
                    if let (Some(ev), Some(t)) = (c.last_event_ms, c.last_trade_ms) {
                        e.event_minus_trade_ms = Some(ev - t);
                    }
                    if let (Some(r), Some(ev)) = (c.last_recv_ms, c.last_event_ms) {
                        e.receive_minus_event_ms = Some(r - ev);
                    }
                }
            }
        });
    }

    /// Symbols whose last trade is older than `after` (the stream watchdog).
    pub fn silent_symbols(&self, after: Duration) -> Vec<String> {
        let now = Instant::now();
        self.last_seen
            .iter()
            .filter(|(_, t)| now.duration_since(**t) >= after)
            .map(|(s, _)| s.to_string())
            .collect()
    }

    /// Marks symbols as expected, so one that never trades is flagged too.
    pub fn expect_symbols<'a>(&mut self, symbols: impl IntoIterator<Item = &'a str>) {
        let now = Instant::now();
        for s in symbols {
            self.last_seen.entry(s.into()).or_insert(now);
        }
    }

    /// The status handle.
    pub fn board(&self) -> &SourceBoard {
        &self.board
    }
}
