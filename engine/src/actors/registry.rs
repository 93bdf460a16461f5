//! Symbol actors by name, created on demand, and the batching router that
//! sources use to feed them.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use actix::prelude::*;
use parking_lot::RwLock;
use spreadwatch_proto::scan::LiveScan;
use spreadwatch_proto::{PairId, PairParams, Symbol};

use super::events::Events;
use super::pair::PairActor;
use super::symbol::messages::{Barrier, CloseForming, TickBatch};
use super::symbol::SymbolActor;
use crate::core::tick_budget::TickBudget;
use crate::core::{SeriesLimits, Tick};
use crate::persist::epochs::SaveEpochs;
use crate::remote::RemotePairs;
use crate::sources::accepted::TradeHook;
use crate::status::StatusBoard;

/// Settings every new symbol actor gets.
#[derive(Debug, Clone, Copy)]
pub struct SymbolConfig {
    /// Ticks kept in one symbol's ring buffer at most.
    pub ring_capacity: usize,
    /// Ticks kept by all symbols together (`--tick-budget`).
    pub tick_budget: usize,
    /// Closed bars kept per interval.
    pub limits: SeriesLimits,
    /// How far the bar watermark trails the newest trade time.
    pub grace_ms: i64,
    /// Smoothing of the per-symbol price filter.
    pub kalman_delta: f64,
}

impl Default for SymbolConfig {
    fn default() -> Self {
        SymbolConfig {
            ring_capacity: 1_000_000,
            tick_budget: crate::core::tick_budget::DEFAULT_TICKS,
            limits: SeriesLimits::default(),
            grace_ms: 250,
            kalman_delta: 1e-3,
        }
    }
}

/// Every symbol and pair actor, by name.
pub struct Registry {
    actors: RwLock<HashMap<Symbol, Addr<SymbolActor>>>,
    pairs: RwLock<HashMap<PairId, Addr<PairActor>>>,
    // Configured pairs in the order given: the first still running is what
    // a session naming no pair sees, whatever clients add.
    defaults: RwLock<Vec<PairId>>,
    allowed: Option<HashSet<Symbol>>,
    arbiter: ArbiterHandle,
    config: SymbolConfig,
    events: Events,
    status: StatusBoard,
    /// The pair scanner's latest ranking.
    scan: RwLock<Option<Arc<LiveScan>>>,
    /// Every symbol's ticks in memory, together.
    budget: Arc<TickBudget>,
    /// Which saves have begun and finished.
    saves: SaveEpochs,
    /// Called with every trade a source accepts, when set.
    trade_hook: OnceLock<TradeHook>,
    /// Who runs the pairs this engine does not (a cluster gateway's shards).
    remote: OnceLock<Arc<dyn RemotePairs>>,
}

impl Registry {
    /// Creates a registry whose actors run on `arbiter`. With `allowed`,
    /// other symbols are refused (the `--symbols` filter).
    pub fn new(
        arbiter: ArbiterHandle,
        config: SymbolConfig,
        allowed: Option<HashSet<Symbol>>,
        events: Events,
        status: StatusBoard,
    ) -> Arc<Self> {
        Arc::new(Registry {
            actors: RwLock::new(HashMap::new()),
            pairs: RwLock::new(HashMap::new()),
            defaults: RwLock::new(Vec::new()),
            allowed,
            arbiter,
            config,
            events,
            status,
            scan: RwLock::new(None),
            budget: Arc::new(TickBudget::new(config.tick_budget)),
            saves: SaveEpochs::default(),
            trade_hook: OnceLock::new(),
            remote: OnceLock::new(),
        })
    }

    /// Which saves have begun and finished.
    pub fn saves(&self) -> &SaveEpochs {
        &self.saves
    }

    /// Sets the hook called with every accepted trade (once; later calls
    /// are ignored, as sources already hold the first).
    pub fn set_trade_hook(&self, hook: TradeHook) {
        let _ = self.trade_hook.set(hook);
    }

    /// Sets who runs the pairs this engine does not (once).
    pub fn set_remote(&self, remote: Arc<dyn RemotePairs>) {
        let _ = self.remote.set(remote);
    }

    /// Who runs the pairs this engine does not, if anyone.
    pub fn remote(&self) -> Option<&Arc<dyn RemotePairs>> {
        self.remote.get()
    }

    /// The hook called with every accepted trade.
    pub fn trade_hook(&self) -> Option<TradeHook> {
        self.trade_hook.get().cloned()
    }

    /// The shared tick budget.
    pub fn tick_budget(&self) -> &TickBudget {
        &self.budget
    }

    /// The pair scanner's latest ranking, if one ran (or was restored).
    pub fn latest_scan(&self) -> Option<Arc<LiveScan>> {
        self.scan.read().clone()
    }

    /// Replaces the latest ranking.
    pub fn set_latest_scan(&self, scan: Arc<LiveScan>) {
        *self.scan.write() = Some(scan);
    }

    /// The actor for `symbol`, started if needed; `None` if filtered out.
    pub fn get_or_start(&self, symbol: &Symbol) -> Option<Addr<SymbolActor>> {
        if let Some(a) = self.actors.read().get(symbol) {
            return Some(a.clone());
        }
        if self.allowed.as_ref().is_some_and(|s| !s.contains(symbol)) {
            return None;
        }
        let mut w = self.actors.write();
        let addr = w.entry(symbol.clone()).or_insert_with(|| {
            let actor = SymbolActor::new(
                symbol.clone(),
                &self.config,
                self.budget.clone(),
                self.events.clone(),
                self.status.clone(),
            );
            SymbolActor::start_in_arbiter(&self.arbiter, move |_| actor)
        });
        Some(addr.clone())
    }

    /// The actor for `symbol`, if it exists.
    pub fn get(&self, symbol: &Symbol) -> Option<Addr<SymbolActor>> {
        self.actors.read().get(symbol).cloned()
    }

    /// Every tracked symbol, sorted.
    pub fn symbols(&self) -> Vec<Symbol> {
        let mut v: Vec<_> = self.actors.read().keys().cloned().collect();
        v.sort();
        v
    }

    /// Starts a pair (and its legs) unless it exists; false if a leg is
    /// filtered out.
    pub fn add_pair(&self, pair: &PairId, params: PairParams) -> Option<Addr<PairActor>> {
        self.add_pair_within(pair, params, usize::MAX)
    }

    /// Like [`add_pair`](Registry::add_pair), but starts no pair once
    /// `max` run (checked under the same lock as the insert, so callers on
    /// several threads cannot pass it together).
    pub fn add_pair_within(
        &self,
        pair: &PairId,
        params: PairParams,
        max: usize,
    ) -> Option<Addr<PairActor>> {
        if let Some(a) = self.pairs.read().get(pair) {
            return Some(a.clone());
        }
        let y = self.get_or_start(&pair.y)?;
        let x = self.get_or_start(&pair.x)?;
        let mut w = self.pairs.write();
        if !w.contains_key(pair) && w.len() >= max {
            return None;
        }
        let addr = w.entry(pair.clone()).or_insert_with(|| {
            let actor = PairActor::new(
                pair.clone(),
                params,
                y,
                x,
                self.events.clone(),
                self.status.clone(),
            );
            PairActor::start_in_arbiter(&self.arbiter, move |_| actor)
        });
        Some(addr.clone())
    }

    /// Stops a pair; true if it existed.
    pub fn remove_pair(&self, pair: &PairId) -> bool {
        let removed = self.pairs.write().remove(pair);
        self.status.remove_pair(&pair.to_string());
        // The legs' recipients would keep it alive: stop it (its legs then
        // find the recipient disconnected and drop it).
        if let Some(a) = &removed {
            a.do_send(super::pair::messages::StopPair);
        }
        removed.is_some()
    }

    /// The actor of a pair.
    pub fn pair(&self, pair: &PairId) -> Option<Addr<PairActor>> {
        self.pairs.read().get(pair).cloned()
    }

    /// Every pair, sorted.
    pub fn pairs(&self) -> Vec<PairId> {
        let mut v: Vec<_> = self.pairs.read().keys().cloned().collect();
        v.sort();
        v
    }

    /// Makes `pair` a candidate default, after those marked before.
    pub fn mark_default(&self, pair: &PairId) {
        let mut d = self.defaults.write();
        if !d.contains(pair) {
            d.push(pair.clone());
        }
    }

    /// The first pair marked default that still runs.
    pub fn default_pair(&self) -> Option<PairId> {
        let pairs = self.pairs.read();
        self.defaults
            .read()
            .iter()
            .find(|p| pairs.contains_key(*p))
            .cloned()
    }

    /// Closes every forming bar of every symbol, and waits until done.
    pub async fn close_forming(&self) {
        let addrs: Vec<_> = self.actors.read().values().cloned().collect();
        for a in addrs {
            let _ = a.send(CloseForming).await;
        }
    }

    /// The event channel.
    pub fn events(&self) -> &Events {
        &self.events
    }
}

/// A batching router owned by one source: groups ticks per symbol and
/// sends them to the symbol actors, waiting when a mailbox is full.
pub struct Ingest {
    registry: Arc<Registry>,
    // Keyed by the symbol text as it appears in frames, so the hot path
    // allocates nothing for known symbols.
    slots: HashMap<Box<str>, Option<usize>>,
    pending: Vec<(Addr<SymbolActor>, Vec<Tick>)>,
    batch: usize,
    queued: usize,
    oldest: Option<std::time::Instant>,
}

impl Ingest {
    /// Creates a router; ticks are sent once `batch` are queued or on flush.
    pub fn new(registry: Arc<Registry>, batch: usize) -> Self {
        Ingest {
            registry,
            slots: HashMap::new(),
            pending: Vec::new(),
            batch: batch.max(1),
            queued: 0,
            oldest: None,
        }
    }

    /// Queues a tick. Returns false when the symbol is invalid or filtered.
    pub fn push(&mut self, symbol: &str, tick: Tick) -> bool {
        let slot = match self.slots.get(symbol) {
            Some(s) => *s,
            None => {
                let slot = Symbol::new(symbol)
                    .ok()
                    .and_then(|s| self.registry.get_or_start(&s))
                    .map(|addr| {
                        self.pending.push((addr, Vec::with_capacity(self.batch)));
                        self.pending.len() - 1
                    });
                self.slots.insert(symbol.into(), slot);
                slot
            }
        };
        match slot {
            Some(i) => {
                self.pending[i].1.push(tick);
                self.queued += 1;
                if self.oldest.is_none() {
                    self.oldest = Some(std::time::Instant::now());
                }
                true
            }
            None => false,
        }
    }

    /// True when enough ticks are queued that a flush is due.
    pub fn should_flush(&self) -> bool {
        self.queued >= self.batch
    }

    /// Sends every queued tick. It waits only when a symbol's mailbox is
    /// full (back-pressure), so the parser and the actors work in parallel
    /// and memory stays bounded.
    pub async fn flush(&mut self) {
        if self.queued == 0 {
            return;
        }
        for (addr, ticks) in &mut self.pending {
            if ticks.is_empty() {
                continue;
            }
            let batch = std::mem::replace(ticks, Vec::with_capacity(self.batch));
            match addr.try_send(TickBatch {
                ticks: batch,
                received: self.oldest,
            }) {
                Ok(()) | Err(SendError::Closed(_)) => {}
                // Waiting for this batch's reply drains the mailbox; order is
                // kept because nothing else is sent to this actor meanwhile.
                Err(SendError::Full(msg)) => {
                    let _ = addr.send(msg).await;
                }
            }
        }
        self.queued = 0;
        self.oldest = None;
    }

    /// Sends everything queued and waits until the actors processed it.
    pub async fn drain(&mut self) {
        self.flush().await;
        for (addr, _) in &self.pending {
            let _ = addr.send(Barrier).await;
        }
    }

    /// The registry behind this router.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }
}
