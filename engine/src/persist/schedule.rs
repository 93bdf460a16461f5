//! When the engine restores and saves: restore before any source runs, so
//! the source's trades land after the restored ones (and repeats are
//! de-duplicated), then save every interval until the engine stops.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{restore::restore, save::Saver, PersistConfig};
use crate::actors::Registry;

/// A saver shared by the interval loop and the shutdown.
pub type SharedSaver = Arc<tokio::sync::Mutex<Saver>>;

/// Restores what `p`'s store holds, then saves every interval on `saves`
/// (a thread of its own: a save's disk sync must not stall the source)
/// until `stop`.
pub async fn restore_then_save(
    p: &PersistConfig,
    registry: &Registry,
    saver: SharedSaver,
    saves: &actix_rt::ArbiterHandle,
    stop: CancellationToken,
) {
    if let Err(e) = restore(p, registry).await {
        tracing::error!("restoring the saved state failed, continuing with what was restored: {e}");
    }
    saves.spawn(save_loop(saver, p.interval, stop));
}

/// Saves every `every` until the engine stops.
async fn save_loop(saver: SharedSaver, every: Duration, stop: CancellationToken) {
    let mut tick = tokio::time::interval(every.max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = saver.lock().await.save().await {
            tracing::error!("save failed: {e}");
        }
    }
}
