//! Which saves have begun and which have finished, so a source can tell
//! when a trade it handed over is on disk: a trade sent to the actors while
//! `n` saves had begun is held by every save numbered above `n` (the save
//! asks each symbol actor for its ticks after the trade in its mailbox).
//! A cluster shard acknowledges its broker's messages by this.

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::watch;

/// Save numbers: begun and finished (saves run one at a time).
#[derive(Debug)]
pub struct SaveEpochs {
    begun: AtomicU64,
    finished: watch::Sender<u64>,
}

impl Default for SaveEpochs {
    fn default() -> Self {
        SaveEpochs {
            begun: AtomicU64::new(0),
            finished: watch::channel(0).0,
        }
    }
}

impl SaveEpochs {
    /// Saves begun so far: what a trade sent now waits to be above.
    pub fn begun(&self) -> u64 {
        self.begun.load(Ordering::Acquire)
    }

    /// Marks a save as begun and returns its number.
    pub fn begin(&self) -> u64 {
        self.begun.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Marks save `n` as durable on disk.
    pub fn finish(&self, n: u64) {
        self.finished.send_if_modified(|f| {
            let newer = n > *f;
            if newer {
                *f = n;
            }
            newer
        });
    }

    /// The newest save durable on disk, and its changes.
    pub fn finished(&self) -> watch::Receiver<u64> {
        self.finished.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trade_is_durable_once_a_save_begun_after_it_finishes() {
        let e = SaveEpochs::default();
        let rx = e.finished();
        let before = e.begun();
        let n = e.begin();
        assert_eq!(n, before + 1);
        assert_eq!(*rx.borrow(), 0);
        e.finish(n);
        assert!(*rx.borrow() > before);
        // A late finish of an older save never moves it back.
        e.finish(n - 1);
        assert_eq!(*rx.borrow(), n);
    }
}
