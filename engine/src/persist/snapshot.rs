//! Taking snapshots (every interval and at shutdown) and restoring them
//! before any source starts.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use spreadwatch_proto::{Interval, PairId, PairParams, Symbol};

use super::{PersistConfig, SnapshotStore};
use crate::actors::pair::checkpoint::PairCheckpoint;
use crate::actors::pair::messages::{
    GetCheckpoint, GetParams, RebuildPair, RestoreCheckpoint, SetParams,
};
use crate::actors::registry::Registry;
use crate::actors::symbol::messages::{GetBars, GetTicksAfter, SeedBars, TickBatch};
use crate::actors::symbol::SymbolActor;
use crate::core::Tick;
use crate::error::Result;
use actix::Addr;

/// Ticks per message while restoring.
const RESTORE_BATCH: usize = 8_192;
/// Bars kept beyond the ticks, and for how long (the default history).
const KEPT_BARS: [(Interval, i64); 2] = [
    (Interval::M1, 7 * 86_400_000),
    (Interval::M5, 30 * 86_400_000),
];
/// A pair's estimator state is rewritten at most this often (and at
/// shutdown): it holds its chart and windows, so it is larger than a second
/// of ticks, and an older one only means more bars to join on restore.
const PAIR_STATE_EVERY: Duration = Duration::from_secs(10);

/// Appends what is new since the last snapshot.
pub struct Snapshotter {
    cfg: PersistConfig,
    registry: Arc<Registry>,
    saved: HashMap<Symbol, u64>,
    saved_bars: HashMap<(Symbol, Interval), i64>,
    saved_pairs: HashMap<PairId, (Instant, u64, PairParams)>,
}

impl Snapshotter {
    /// A snapshotter that continues after what the store holds.
    pub fn new(cfg: PersistConfig, registry: Arc<Registry>) -> Result<Self> {
        let mut saved = HashMap::new();
        let mut saved_bars = HashMap::new();
        for s in cfg.store.symbols()? {
            if let Some(id) = cfg.store.last_id(&s)? {
                saved.insert(s.clone(), id);
            }
            for (iv, _) in KEPT_BARS {
                // Unreadable bars are reported by the restore; here they
                // only mean nothing is known to be saved.
                if let Some(b) = cfg.store.bars(&s, iv).ok().and_then(|b| b.last().cloned()) {
                    saved_bars.insert((s.clone(), iv), b.start_ms);
                }
            }
        }
        Ok(Snapshotter {
            cfg,
            registry,
            saved,
            saved_bars,
            saved_pairs: HashMap::new(),
        })
    }

    /// Takes one snapshot: the pairs' estimator state (when due), new ticks
    /// and closed bars of every symbol, the pairs' parameters, pruning, then
    /// a durable flush. Returns ticks written.
    pub async fn snapshot(&mut self) -> Result<usize> {
        self.take(false).await
    }

    /// The last snapshot before exit: like [`snapshot`](Self::snapshot), and
    /// every pair's estimator state is written whatever its age.
    pub async fn final_snapshot(&mut self) -> Result<usize> {
        self.take(true).await
    }

    async fn take(&mut self, all: bool) -> Result<usize> {
        // Pair state first: the ticks written after it then reach at least
        // as far as what the pairs had seen.
        let states = self.due_pair_states(all).await?;
        let store = self.cfg.store.clone();
        for (p, cp) in &states {
            store.put_pair_state(p, &cp.encode()?)?;
        }
        let mut written = 0;
        for sym in self.registry.symbols() {
            if let Some(actor) = self.registry.get(&sym) {
                written += self.save_symbol(&sym, &actor).await?;
            }
        }
        let mut pairs = Vec::new();
        for p in self.registry.pairs() {
            if let Some(a) = self.registry.pair(&p) {
                if let Ok(params) = a.send(GetParams).await {
                    pairs.push((p, params));
                }
            }
        }
        store.put_pairs(&pairs)?;
        store.flush()?;
        for (p, cp) in states {
            self.saved_pairs
                .insert(p, (Instant::now(), cp.count(), cp.params));
        }
        Ok(written)
    }

    /// The pairs whose estimator state is due and changed (all of them
    /// when `all`).
    async fn due_pair_states(&self, all: bool) -> Result<Vec<(PairId, PairCheckpoint)>> {
        let mut states = Vec::new();
        for p in self.registry.pairs() {
            let saved = self.saved_pairs.get(&p);
            let due = all || saved.is_none_or(|(at, _, _)| at.elapsed() >= PAIR_STATE_EVERY);
            let Some(a) = self.registry.pair(&p).filter(|_| due) else {
                continue;
            };
            let cp = a.send(GetCheckpoint).await?;
            let unchanged =
                saved.is_some_and(|(_, n, params)| *n == cp.count() && *params == cp.params);
            if unchanged && !all {
                continue;
            }
            states.push((p, cp));
        }
        Ok(states)
    }

    /// Appends one symbol's new ticks and closed bars, and prunes what
    /// is past keeping. Returns ticks written.
    async fn save_symbol(&mut self, sym: &Symbol, actor: &Addr<SymbolActor>) -> Result<usize> {
        let store = self.cfg.store.clone();
        let after = self.saved.get(sym).copied();
        let ticks = actor.send(GetTicksAfter { after }).await?;
        let (Some(last), Some(newest)) = (ticks.last(), ticks.iter().map(|t| t.time_ms).max())
        else {
            return Ok(0);
        };
        store.append_ticks(sym, &ticks)?;
        // Only late trades (a gap filled in) leave the newest saved id
        // where it was.
        let newest_id = after.map_or(last.id, |a| a.max(last.id));
        self.saved.insert(sym.clone(), newest_id);
        for (iv, history) in KEPT_BARS {
            self.save_bars(sym, actor, iv, history).await?;
        }
        let keep = i64::try_from(self.cfg.retain_ticks.as_millis()).unwrap_or(i64::MAX);
        // Cut on a 5 m boundary (so also 1 m and 1 s): every bar rebuilt
        // from what is left is whole.
        let cut = Interval::M5.bucket_start(newest.saturating_sub(keep));
        store.prune(sym, cut)?;
        Ok(ticks.len())
    }

    /// Appends the bars closed since the last snapshot and drops those
    /// older than `history` ms.
    async fn save_bars(
        &mut self,
        sym: &Symbol,
        actor: &Addr<SymbolActor>,
        iv: Interval,
        history: i64,
    ) -> Result<()> {
        let key = (sym.clone(), iv);
        let from = self.saved_bars.get(&key).map_or(i64::MIN, |s| s + 1);
        let bars = actor
            .send(GetBars {
                interval: iv,
                from_ms: from,
                to_ms: i64::MAX,
                include_forming: false,
                last: usize::MAX,
            })
            .await?;
        if let Some(last) = bars.last() {
            let store = &self.cfg.store;
            store.append_bars(sym, iv, &bars)?;
            self.saved_bars.insert(key, last.start_ms);
            store.prune_bars(sym, iv, last.start_ms.saturating_sub(history))?;
        }
        Ok(())
    }
}

/// Puts the stored state back: pairs first (with their parameters), then
/// every symbol's ticks in id order, through the actors. Returns ticks
/// restored.
pub async fn restore(cfg: &PersistConfig, registry: &Registry) -> Result<usize> {
    let t0 = Instant::now();
    let store = &cfg.store;
    restore_pairs(store.pairs()?, registry).await?;
    let (mut n, mut seeded) = (0, false);
    for sym in store.symbols()? {
        let Some(actor) = registry.get_or_start(&sym) else {
            tracing::info!(symbol = %sym, "stored ticks skipped: the symbol is not tracked");
            continue;
        };
        // One symbol's damaged data costs that symbol, not the others and
        // not the pairs' checkpoints after them.
        let ticks = match store.ticks(&sym) {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(symbol = %sym, "stored ticks unreadable, symbol starts empty: {e}");
                continue;
            }
        };
        n += ticks.len();
        seeded |= restore_bars(store.as_ref(), &sym, &actor, &ticks).await?;
        for chunk in ticks.chunks(RESTORE_BATCH) {
            let ticks = chunk.to_vec();
            actor
                .send(TickBatch {
                    ticks,
                    received: None,
                })
                .await?;
        }
    }
    restore_checkpoints(cfg, registry, seeded).await?;
    if n > 0 {
        tracing::info!("restored {n} ticks in {:?}", t0.elapsed());
    }
    Ok(n)
}

/// Starts each stored pair with its parameters (or sets them on one the
/// configuration already started).
async fn restore_pairs(pairs: Vec<(PairId, PairParams)>, registry: &Registry) -> Result<()> {
    for (p, params) in pairs {
        let Some(a) = registry.pair(&p) else {
            if registry.add_pair(&p, params).is_none() {
                tracing::warn!(pair = %p, "stored pair not restored: a leg is not tracked");
            }
            continue;
        };
        if a.send(GetParams).await? == params {
            continue;
        }
        if let Err(e) = a.send(SetParams(params)).await? {
            tracing::warn!(pair = %p, "stored parameters refused: {e}");
        }
    }
    Ok(())
}

/// Seeds the stored closed bars from before the first restored tick (the
/// ticks rebuild the rest); true if any were seeded.
async fn restore_bars(
    store: &dyn SnapshotStore,
    sym: &Symbol,
    actor: &Addr<SymbolActor>,
    ticks: &[Tick],
) -> Result<bool> {
    let first = ticks.iter().map(|t| t.time_ms).min();
    let mut seeded = false;
    for (iv, _) in KEPT_BARS {
        let cut = first.map_or(i64::MAX, |t| iv.bucket_start(t));
        let stored = store.bars(sym, iv).unwrap_or_else(|e| {
            tracing::error!(symbol = %sym, interval = %iv, "stored bars unreadable, skipped: {e}");
            Vec::new()
        });
        let bars: Vec<_> = stored
            .into_iter()
            .filter(|b| b.start_ms.saturating_add(iv.millis()) <= cut)
            .collect();
        if !bars.is_empty() {
            seeded = true;
            actor.send(SeedBars { interval: iv, bars }).await?;
        }
    }
    Ok(seeded)
}

/// Each pair takes its saved estimator state and joins the bars closed
/// after it. A pair without one (an older store, other parameters, or
/// sampled on trades) keeps what the ticks rebuilt, or rebuilds from the
/// legs' bars when older ones were seeded.
async fn restore_checkpoints(cfg: &PersistConfig, registry: &Registry, seeded: bool) -> Result<()> {
    for p in registry.pairs() {
        let Some(a) = registry.pair(&p) else { continue };
        let applied = match saved_checkpoint(cfg, &p) {
            Some(cp) => a.send(RestoreCheckpoint(cp)).await?,
            None => false,
        };
        if seeded && !applied {
            a.send(RebuildPair).await?;
        }
    }
    Ok(())
}

/// A pair's stored checkpoint, if there is a readable one; an unreadable
/// one is reported and skipped (the pair is rebuilt instead).
fn saved_checkpoint(cfg: &PersistConfig, p: &PairId) -> Option<PairCheckpoint> {
    let bytes = match cfg.store.pair_state(p) {
        Ok(b) => b?,
        Err(e) => {
            tracing::warn!(pair = %p, "saved pair state not read: {e}");
            return None;
        }
    };
    PairCheckpoint::decode(&bytes)
        .inspect_err(|e| tracing::warn!(pair = %p, "saved pair state skipped, rebuilding: {e}"))
        .ok()
}
