//! Snapshots of the engine's state, restored on restart.
//!
//! What is kept: every symbol's ticks (appended incrementally, only what is
//! new since the last snapshot), its closed 1 m and 5 m bars (so history
//! older than the retained ticks survives), every pair with its parameters,
//! and each pair's estimator state (OLS window and sums, Kalman mean and
//! covariance, z window, chart points, alert history; see
//! [`PairCheckpoint`](crate::actors::PairCheckpoint)). On restart the ticks
//! go back through the symbol actors in id order before any source starts,
//! which rebuilds the closed and forming bars and the Kalman price level;
//! each pair then takes its saved state and joins only the bars closed after
//! it, so it holds exactly what an uninterrupted run has, even when its
//! history is older than the retained ticks. A source that then sends
//! trades already restored finds them de-duplicated by id.
//!
//! [`StateStore`] is the storage seam; [`SledStore`] (feature `sled`) is
//! the implementation the binary uses.

pub mod codec;
pub mod epochs;
pub mod ledger;
pub mod restore;
pub mod save;
pub mod schedule;
#[cfg(feature = "sled")]
mod sled_store;

use std::sync::Arc;
use std::time::Duration;

pub use codec::{TickRecord, FORMAT};
#[cfg(feature = "sled")]
pub use sled_store::{open_dir, SledStore};
use spreadwatch_proto::{Bar, Interval, PairId, PairParams, Symbol};

use crate::core::tick::Tick;
use crate::error::Result;

/// Where snapshots go. Implementations must make a write durable by the end
/// of [`sync`](StateStore::sync) and never leave a half-written state
/// behind after a crash.
pub trait StateStore: Send + Sync + 'static {
    /// Appends a symbol's ticks (new ones, in id order).
    fn append_ticks(&self, symbol: &Symbol, ticks: &[Tick]) -> Result<()>;
    /// Every stored tick of a symbol at or after the last prune cut, in id
    /// order.
    fn ticks(&self, symbol: &Symbol) -> Result<Vec<Tick>>;
    /// The newest stored tick id of a symbol.
    fn last_id(&self, symbol: &Symbol) -> Result<Option<u64>>;
    /// Symbols with stored ticks.
    fn symbols(&self) -> Result<Vec<Symbol>>;
    /// Replaces the stored pairs and their parameters.
    fn put_pairs(&self, pairs: &[(PairId, PairParams)]) -> Result<()>;
    /// The stored pairs.
    fn pairs(&self) -> Result<Vec<(PairId, PairParams)>>;
    /// Drops a symbol's ticks traded before `before_ms`; returns how many.
    /// Ticks before the cut may be kept on disk (whole chunks are dropped)
    /// but are never returned again, so bars rebuilt from the rest are whole
    /// when the cut is on a bar boundary.
    fn prune(&self, symbol: &Symbol, before_ms: i64) -> Result<u64>;
    /// Makes every write so far durable.
    fn sync(&self) -> Result<()>;
    /// Appends closed bars (newer than those stored), so history older than
    /// the retained ticks survives a restart. A store without bars keeps
    /// only what the ticks rebuild.
    fn append_bars(&self, _symbol: &Symbol, _interval: Interval, _bars: &[Bar]) -> Result<()> {
        Ok(())
    }
    /// The stored closed bars, oldest first.
    fn bars(&self, _symbol: &Symbol, _interval: Interval) -> Result<Vec<Bar>> {
        Ok(Vec::new())
    }
    /// Drops bars that start before `before_ms`.
    fn prune_bars(&self, _symbol: &Symbol, _interval: Interval, _before_ms: i64) -> Result<()> {
        Ok(())
    }
    /// Replaces a pair's saved estimator state (an opaque, versioned blob).
    /// A store without it rebuilds pairs from the ticks it keeps.
    fn put_pair_state(&self, _pair: &PairId, _state: &[u8]) -> Result<()> {
        Ok(())
    }
    /// A pair's saved estimator state.
    fn pair_state(&self, _pair: &PairId) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }
    /// Records which Binance stream the stored ticks came from (`trade` or
    /// `aggTrade`): their ids are different sequences and must not mix.
    fn put_stream(&self, _stream: &str) -> Result<()> {
        Ok(())
    }
    /// The stream the stored ticks came from, if recorded.
    fn stream(&self) -> Result<Option<String>> {
        Ok(None)
    }
    /// Replaces the pair scanner's latest ranking (with its parameters).
    fn put_scan(&self, _scan: &[u8]) -> Result<()> {
        Ok(())
    }
    /// The pair scanner's saved ranking.
    fn scan(&self) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }
}

/// Refuses a store whose ticks came from another stream than `stream`, and
/// records `stream` in it otherwise.
///
/// # Errors
/// `Error::Config` naming both streams, or the store's error.
pub fn check_stream(store: &dyn StateStore, stream: &str) -> Result<()> {
    match store.stream()? {
        Some(stored) if stored != stream => Err(crate::error::Error::Config(format!(
            "the data directory holds ticks of the {stored} stream, but this run reads \
             {stream}: their trade ids are different sequences, so pass --stream {stored} \
             or use another --data-dir"
        ))),
        Some(_) => Ok(()),
        None => store.put_stream(stream),
    }
}

/// How the engine snapshots.
#[derive(Clone)]
pub struct PersistConfig {
    /// The store.
    pub store: Arc<dyn StateStore>,
    /// Time between snapshots (1 s by default).
    pub interval: Duration,
    /// Ticks older than this, in data time (behind the symbol's newest
    /// trade), are pruned.
    pub retain_ticks: Duration,
}

impl PersistConfig {
    /// Snapshots into `store` with the defaults: every second, keeping 24 h
    /// of ticks.
    pub fn new(store: Arc<dyn StateStore>) -> Self {
        PersistConfig {
            store,
            interval: Duration::from_secs(1),
            retain_ticks: Duration::from_secs(86_400),
        }
    }
}

impl std::fmt::Debug for PersistConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersistConfig")
            .field("interval", &self.interval)
            .field("retain_ticks", &self.retain_ticks)
            .finish_non_exhaustive()
    }
}
