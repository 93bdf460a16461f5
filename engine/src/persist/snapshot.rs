//! Taking snapshots (every interval and at shutdown) and restoring them
//! before any source starts.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use spreadwatch_proto::{Interval, Symbol};

use super::PersistConfig;
use crate::actors::messages::{GetTicksAfter, TickBatch};
use crate::actors::pair::{GetPair, SetParams};
use crate::actors::registry::Registry;
use crate::error::{Error, Result};

/// Ticks per message while restoring.
const RESTORE_BATCH: usize = 8_192;

/// Appends what is new since the last snapshot.
pub struct Snapshotter {
    cfg: PersistConfig,
    registry: Arc<Registry>,
    saved: HashMap<Symbol, u64>,
}

impl Snapshotter {
    /// A snapshotter that continues after what the store holds.
    pub fn new(cfg: PersistConfig, registry: Arc<Registry>) -> Result<Self> {
        let mut saved = HashMap::new();
        for s in cfg.store.symbols()? {
            if let Some(id) = cfg.store.last_id(&s)? {
                saved.insert(s, id);
            }
        }
        Ok(Snapshotter {
            cfg,
            registry,
            saved,
        })
    }

    /// Takes one snapshot: new ticks of every symbol, the pairs and their
    /// parameters, pruning, then a durable flush. Returns ticks written.
    pub async fn snapshot(&mut self) -> Result<usize> {
        let store = &self.cfg.store;
        let mut written = 0;
        for sym in self.registry.symbols() {
            let Some(actor) = self.registry.get(&sym) else {
                continue;
            };
            let after = self.saved.get(&sym).copied();
            let ticks = actor
                .send(GetTicksAfter { after })
                .await
                .map_err(|_| Error::Stopped)?;
            let (Some(last), Some(newest)) = (ticks.last(), ticks.iter().map(|t| t.time_ms).max())
            else {
                continue;
            };
            store.append_ticks(&sym, &ticks)?;
            self.saved.insert(sym.clone(), last.id);
            written += ticks.len();
            let keep = i64::try_from(self.cfg.retain_ticks.as_millis()).unwrap_or(i64::MAX);
            // Cut on a 5 m boundary (so also 1 m and 1 s): every bar rebuilt
            // from what is left is whole.
            let cut = Interval::M5.bucket_start(newest.saturating_sub(keep));
            store.prune(&sym, cut)?;
        }
        let mut pairs = Vec::new();
        for p in self.registry.pairs() {
            if let Some(a) = self.registry.pair(&p) {
                if let Ok(snap) = a.send(GetPair).await {
                    pairs.push((p, snap.params));
                }
            }
        }
        store.put_pairs(&pairs)?;
        store.flush()?;
        Ok(written)
    }
}

/// Puts the stored state back: pairs first (with their parameters), then
/// every symbol's ticks in id order, through the actors. Returns ticks
/// restored.
pub async fn restore(cfg: &PersistConfig, registry: &Registry) -> Result<usize> {
    let t0 = Instant::now();
    let store = &cfg.store;
    for (p, params) in store.pairs()? {
        match registry.pair(&p) {
            Some(a) => {
                let now = a.send(GetPair).await.map_err(|_| Error::Stopped)?.params;
                if now == params {
                    continue;
                }
                if let Err(e) = a
                    .send(SetParams(params))
                    .await
                    .map_err(|_| Error::Stopped)?
                {
                    tracing::warn!(pair = %p, "stored parameters refused: {e}");
                }
            }
            None => {
                if registry.add_pair(&p, params).is_none() {
                    tracing::warn!(pair = %p, "stored pair not restored: a leg is not tracked");
                }
            }
        }
    }
    let mut n = 0;
    for sym in store.symbols()? {
        let Some(actor) = registry.get_or_start(&sym) else {
            tracing::info!(symbol = %sym, "stored ticks skipped: the symbol is not tracked");
            continue;
        };
        let ticks = store.ticks(&sym)?;
        n += ticks.len();
        for chunk in ticks.chunks(RESTORE_BATCH) {
            actor
                .send(TickBatch {
                    ticks: chunk.to_vec(),
                    received: None,
                })
                .await
                .map_err(|_| Error::Stopped)?;
        }
    }
    if n > 0 {
        tracing::info!("restored {n} ticks in {:?}", t0.elapsed());
    }
    Ok(n)
}
