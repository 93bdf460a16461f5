//! [`Saver`]: writes what is new since the last save (every interval, and
//! everything at shutdown). What to write is the [`SaveLedger`]'s call;
//! this file asks the actors and writes.

use std::sync::Arc;
use std::time::Instant;

use spreadwatch_proto::{Interval, PairId, Symbol};

use super::ledger::{prune_cut, SaveLedger};
use super::PersistConfig;
use crate::actors::pair::checkpoint::PairCheckpoint;
use crate::actors::pair::messages::{GetCheckpoint, GetParams};
use crate::actors::registry::Registry;
use crate::actors::symbol::messages::{GetBars, GetTicksAfter};
use crate::actors::symbol::SymbolActor;
use crate::error::Result;
use actix::Addr;

/// Bars kept beyond the ticks, and for how long (the default history).
pub(super) const KEPT_BARS: [(Interval, i64); 2] = [
    (Interval::M1, 7 * 86_400_000),
    (Interval::M5, 30 * 86_400_000),
];

/// Appends what is new since the last save.
pub struct Saver {
    cfg: PersistConfig,
    registry: Arc<Registry>,
    ledger: SaveLedger,
}

impl Saver {
    /// A saver that continues after what the store holds.
    pub fn new(cfg: PersistConfig, registry: Arc<Registry>) -> Result<Self> {
        let mut ledger = SaveLedger::default();
        for s in cfg.store.symbols()? {
            if let Some(id) = cfg.store.last_id(&s)? {
                ledger.saved_up_to(&s, id);
            }
            for (iv, _) in KEPT_BARS {
                // Unreadable bars are reported by the restore; here they
                // only mean nothing is known to be saved.
                if let Some(b) = cfg.store.bars(&s, iv).ok().and_then(|b| b.last().cloned()) {
                    ledger.saved_bars(&s, iv, b.start_ms);
                }
            }
        }
        Ok(Saver {
            cfg,
            registry,
            ledger,
        })
    }

    /// Saves once: the pairs' estimator state (when due), new ticks and
    /// closed bars of every symbol, the pairs' parameters, pruning, then a
    /// durable sync. Returns ticks written.
    pub async fn save(&mut self) -> Result<usize> {
        self.write(false).await
    }

    /// The last save before exit: like [`save`](Self::save), and every
    /// pair's estimator state is written whatever its age.
    pub async fn save_all(&mut self) -> Result<usize> {
        self.write(true).await
    }

    async fn write(&mut self, all: bool) -> Result<usize> {
        let epoch = self.registry.saves().begin();
        let written = self.write_all(all).await?;
        self.registry.saves().finish(epoch);
        Ok(written)
    }

    async fn write_all(&mut self, all: bool) -> Result<usize> {
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
        store.put_pairs(&self.pair_params().await)?;
        self.save_scan()?;
        store.sync()?;
        let now = Instant::now();
        for (p, cp) in states {
            self.ledger.saved_pair(p, now, cp.count(), cp.params);
        }
        Ok(written)
    }

    /// Writes the scanner's latest ranking when it is new.
    fn save_scan(&mut self) -> Result<()> {
        let Some(scan) = self.registry.latest_scan() else {
            return Ok(());
        };
        if self.ledger.scan_due(scan.time_ms) {
            let json = serde_json::to_vec(&*scan)
                .map_err(|e| crate::error::Error::Store(format!("scan not encoded: {e}")))?;
            self.cfg.store.put_scan(&json)?;
            self.ledger.saved_scan(scan.time_ms);
        }
        Ok(())
    }

    /// Every pair with its parameters now.
    async fn pair_params(&self) -> Vec<(PairId, spreadwatch_proto::PairParams)> {
        let mut pairs = Vec::new();
        for p in self.registry.pairs() {
            if let Some(a) = self.registry.pair(&p) {
                if let Ok(params) = a.send(GetParams).await {
                    pairs.push((p, params));
                }
            }
        }
        pairs
    }

    /// The pairs whose estimator state is due and changed (all of them
    /// when `all`).
    async fn due_pair_states(&self, all: bool) -> Result<Vec<(PairId, PairCheckpoint)>> {
        let (mut states, now) = (Vec::new(), Instant::now());
        for p in self.registry.pairs() {
            let due = self.ledger.pair_due(&p, now, all);
            let Some(a) = self.registry.pair(&p).filter(|_| due) else {
                continue;
            };
            let cp = a.send(GetCheckpoint).await?;
            if all || self.ledger.pair_changed(&p, cp.count(), &cp.params) {
                states.push((p, cp));
            }
        }
        Ok(states)
    }

    /// Appends one symbol's new ticks and closed bars, and prunes what
    /// is past keeping. Returns ticks written.
    async fn save_symbol(&mut self, sym: &Symbol, actor: &Addr<SymbolActor>) -> Result<usize> {
        let store = self.cfg.store.clone();
        let after = self.ledger.ticks_after(sym);
        let ticks = actor.send(GetTicksAfter { after }).await?;
        let Some(newest) = ticks.iter().map(|t| t.time_ms).max() else {
            return Ok(0);
        };
        store.append_ticks(sym, &ticks)?;
        self.ledger.saved_ticks(sym, &ticks);
        for (iv, history) in KEPT_BARS {
            self.save_bars(sym, actor, iv, history).await?;
        }
        store.prune(sym, prune_cut(newest, self.cfg.retain_ticks))?;
        Ok(ticks.len())
    }

    /// Appends the bars closed since the last save and drops those older
    /// than `history` ms.
    async fn save_bars(
        &mut self,
        sym: &Symbol,
        actor: &Addr<SymbolActor>,
        iv: Interval,
        history: i64,
    ) -> Result<()> {
        let bars = actor
            .send(GetBars {
                interval: iv,
                from_ms: self.ledger.bars_from(sym, iv),
                to_ms: i64::MAX,
                include_forming: false,
                last: usize::MAX,
            })
            .await?;
        if let Some(last) = bars.last() {
            let store = &self.cfg.store;
            store.append_bars(sym, iv, &bars)?;
            self.ledger.saved_bars(sym, iv, last.start_ms);
            store.prune_bars(sym, iv, last.start_ms.saturating_sub(history))?;
        }
        Ok(())
    }
}
