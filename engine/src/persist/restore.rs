//! Putting the saved state back before any source starts: pairs first,
//! then every symbol's bars and ticks through the actors, then the pairs'
//! checkpoints.

use std::time::Instant;

use spreadwatch_proto::{Bar, Interval, PairId, PairParams, Symbol};

use super::save::KEPT_BARS;
use super::{PersistConfig, StateStore};
use crate::actors::pair::checkpoint::PairCheckpoint;
use crate::actors::pair::messages::{GetParams, RebuildPair, RestoreCheckpoint, SetParams};
use crate::actors::registry::Registry;
use crate::actors::symbol::messages::{SeedBars, TickBatch};
use crate::actors::symbol::SymbolActor;
use crate::core::Tick;
use crate::error::Result;
use actix::Addr;

/// Ticks per message while restoring.
const RESTORE_BATCH: usize = 8_192;

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
    restore_scan(cfg, registry);
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
    store: &dyn StateStore,
    sym: &Symbol,
    actor: &Addr<SymbolActor>,
    ticks: &[Tick],
) -> Result<bool> {
    let first = ticks.iter().map(|t| t.time_ms).min();
    let mut seeded = false;
    for (iv, _) in KEPT_BARS {
        let stored = store.bars(sym, iv).unwrap_or_else(|e| {
            tracing::error!(symbol = %sym, interval = %iv, "stored bars unreadable, skipped: {e}");
            Vec::new()
        });
        let bars = bars_to_seed(stored, iv, first);
        if !bars.is_empty() {
            seeded = true;
            actor.send(SeedBars { interval: iv, bars }).await?;
        }
    }
    Ok(seeded)
}

/// The stored bars the restored ticks cannot rebuild: those that end by
/// the start of the bar holding the first tick (`first_tick_ms`), all of
/// them when no tick is left.
fn bars_to_seed(stored: Vec<Bar>, iv: Interval, first_tick_ms: Option<i64>) -> Vec<Bar> {
    let cut = first_tick_ms.map_or(i64::MAX, |t| iv.bucket_start(t));
    stored
        .into_iter()
        .filter(|b| b.start_ms.saturating_add(iv.millis()) <= cut)
        .collect()
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
        if needs_rebuild(applied, seeded) {
            a.send(RebuildPair).await?;
        }
    }
    Ok(())
}

/// A pair that took no checkpoint holds what the restored ticks gave it,
/// which misses the seeded bars older than them: it rebuilds from its legs.
fn needs_rebuild(checkpoint_applied: bool, bars_seeded: bool) -> bool {
    bars_seeded && !checkpoint_applied
}

/// Puts the scanner's saved ranking back; an unreadable one is reported
/// and skipped (the next scan replaces it).
fn restore_scan(cfg: &PersistConfig, registry: &Registry) {
    let bytes = match cfg.store.scan() {
        Ok(Some(b)) => b,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!("saved scan not read: {e}");
            return;
        }
    };
    match serde_json::from_slice::<spreadwatch_proto::scan::LiveScan>(&bytes) {
        Ok(scan) => registry.set_latest_scan(std::sync::Arc::new(scan)),
        Err(e) => tracing::warn!("saved scan skipped: {e}"),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(start_ms: i64) -> Bar {
        let p = spreadwatch_proto::Fixed::from_units(100_000_000);
        Bar {
            symbol: Symbol::new("AAAUSDT").unwrap(),
            interval: Interval::M1,
            start_ms,
            open: p,
            high: p,
            low: p,
            close: p,
            volume: Default::default(),
            trades: 1,
            close_id: 1,
        }
    }

    #[test]
    fn only_bars_the_ticks_cannot_rebuild_are_seeded() {
        let stored: Vec<Bar> = (0..5).map(|i| bar(i * 60_000)).collect();
        // The first restored tick is inside the fourth minute: the three
        // minutes before it come from the store, the rest from the ticks.
        let seeded = bars_to_seed(stored.clone(), Interval::M1, Some(3 * 60_000 + 5));
        let starts: Vec<i64> = seeded.iter().map(|b| b.start_ms).collect();
        assert_eq!(starts, [0, 60_000, 120_000]);
        assert_eq!(bars_to_seed(stored.clone(), Interval::M1, None).len(), 5);
        assert!(bars_to_seed(stored, Interval::M1, Some(10)).is_empty());
    }

    #[test]
    fn a_pair_rebuilds_only_when_older_bars_came_back_without_its_checkpoint() {
        assert!(needs_rebuild(false, true));
        assert!(!needs_rebuild(true, true));
        assert!(!needs_rebuild(false, false));
        assert!(!needs_rebuild(true, false));
    }
}
