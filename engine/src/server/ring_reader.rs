//! A session's reader of the hub's ring: events in batches, and a lag
//! turned into a resync.

use std::sync::Arc;

use actix::prelude::*;
use futures_util::stream;
use tokio::sync::broadcast;

use super::hub::WireEvent;

/// Most ring events handled in one wake-up.
const MAX_BATCH: usize = 4096;

/// A batch read from the hub ring.
pub(crate) enum HubBatch {
    /// Events in order.
    Events(Vec<Arc<WireEvent>>),
    /// The session fell off the ring (or the hub did): resync.
    Lagged,
}

impl Message for HubBatch {
    type Result = ();
}

/// The ring read in batches. A reader that fell behind starts again at the
/// ring's newest end: the fresh snapshot it gets covers what it skipped,
/// and the thousands of older events still on the ring must not follow
/// that snapshot. (Events made between the lag and the snapshot's reads
/// still follow it, as on connect; each is superseded by the next.)
pub(crate) fn batches(
    rx: broadcast::Receiver<Arc<WireEvent>>,
) -> impl futures_util::Stream<Item = HubBatch> {
    stream::unfold(rx, |mut rx| async move {
        let first = match rx.recv().await {
            Ok(e) => e,
            Err(broadcast::error::RecvError::Lagged(_)) => {
                return Some((HubBatch::Lagged, rx.resubscribe()))
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(e) => batch.push(e),
                Err(broadcast::error::TryRecvError::Lagged(_)) => {
                    return Some((HubBatch::Lagged, rx.resubscribe()))
                }
                Err(_) => break,
            }
        }
        Some((HubBatch::Events(batch), rx))
    })
}
