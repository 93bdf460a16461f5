//! Pairs another process runs. A cluster gateway (feature `nats`) runs no
//! pairs of its own: its [`EngineHandle`](crate::EngineHandle) asks the
//! shards, through this seam, for what it does not hold, so the server on
//! top serves every pair of the cluster unchanged.

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use spreadwatch_proto::{Bar, Interval, PairId, PairParams, StatusReport, Symbol};

use crate::actors::PairSnapshot;
use crate::error::Result;

/// An answer that comes later.
pub type Ask<T> = BoxFuture<'static, Result<T>>;

/// A symbol's bars, as asked of the process holding them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BarsQuery {
    /// Which bars; `None`: the forming bars of every interval.
    pub interval: Option<Interval>,
    /// Start at or after, ms.
    pub from_ms: i64,
    /// Start before, ms.
    pub to_ms: i64,
    /// With the forming bar.
    pub include_forming: bool,
    /// The newest this many, at most.
    pub last: usize,
}

/// What a handle asks of the pairs and symbols it does not hold.
pub trait RemotePairs: Send + Sync + 'static {
    /// The pairs run elsewhere, sorted.
    fn pairs(&self) -> Vec<PairId>;
    /// Their legs, sorted.
    fn symbols(&self) -> Vec<Symbol>;
    /// A pair's parameters, stats, points and alerts from its owner.
    fn snapshot(&self, pair: &PairId) -> Ask<PairSnapshot>;
    /// Changes a pair's parameters on its owner.
    fn set_params(&self, pair: &PairId, params: PairParams) -> Ask<()>;
    /// A symbol's bars from a process that holds it.
    fn bars(&self, symbol: &Symbol, query: BarsQuery) -> Ask<Vec<Bar>>;
    /// The feed health of each process, by name (its sources, symbols and
    /// pairs), as last heard.
    fn status(&self) -> Vec<(String, StatusReport)> {
        Vec::new()
    }
}
