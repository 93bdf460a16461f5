//! The live status board behind `/api/status`: one shared document that
//! sources and actors update in batches, never per tick.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;
use spreadwatch_proto::{DropReason, FeedState, SourceStatus, StatusReport, SymbolStatus};

/// Shared, cheap-to-clone feed status.
#[derive(Debug, Clone)]
pub struct StatusBoard {
    started: Instant,
    inner: Arc<Mutex<StatusReport>>,
}

impl Default for StatusBoard {
    fn default() -> Self {
        Self::new()
    }
}

impl StatusBoard {
    /// Creates an empty board.
    pub fn new() -> Self {
        StatusBoard {
            started: Instant::now(),
            inner: Arc::new(Mutex::new(StatusReport::default())),
        }
    }

    /// Registers a source under `key` and returns a handle to update it.
    pub fn source(&self, key: &str, kind: &str, target: &str, simulated: bool) -> SourceBoard {
        let mut g = self.inner.lock();
        let s = g.sources.entry(key.to_string()).or_default();
        s.kind = kind.to_string();
        s.target = target.to_string();
        s.simulated = simulated;
        s.state = if simulated {
            FeedState::Simulated
        } else {
            FeedState::Connecting
        };
        SourceBoard {
            key: key.to_string(),
            board: self.clone(),
        }
    }

    /// Applies `f` to the engine-side status of `symbol`.
    pub fn with_symbol<R>(
        &self,
        symbol: &str,
        f: impl FnOnce(&mut spreadwatch_proto::status::EngineSymbolStatus) -> R,
    ) -> R {
        let mut g = self.inner.lock();
        f(slot(&mut g.symbols, symbol, Default::default))
    }

    /// Applies `f` to the status of pair `name`.
    pub fn with_pair<R>(
        &self,
        name: &str,
        f: impl FnOnce(&mut spreadwatch_proto::status::EnginePairStatus) -> R,
    ) -> R {
        let mut g = self.inner.lock();
        f(slot(&mut g.pairs, name, Default::default))
    }

    /// Applies `f` to this instance's cluster status, made on first use.
    pub fn with_cluster<R>(
        &self,
        f: impl FnOnce(&mut spreadwatch_proto::cluster::ClusterStatus) -> R,
    ) -> R {
        let mut g = self.inner.lock();
        f(g.cluster.get_or_insert_with(Default::default))
    }

    /// Removes a pair's entry.
    pub fn remove_pair(&self, name: &str) {
        self.inner.lock().pairs.remove(name);
    }

    /// Reads the document in place (no copy).
    pub fn read<R>(&self, f: impl FnOnce(&StatusReport) -> R) -> R {
        f(&self.inner.lock())
    }

    /// Replaces the pair scanner's counters.
    pub fn set_scan(&self, scan: spreadwatch_proto::scan::ScanStatus) {
        self.inner.lock().scan = Some(scan);
    }

    /// A copy of the whole document.
    pub fn report(&self) -> StatusReport {
        let mut r = self.inner.lock().clone();
        r.uptime_ms = self.started.elapsed().as_millis() as u64;
        r
    }
}

/// A handle to one source's entry on the board.
#[derive(Debug, Clone)]
pub struct SourceBoard {
    key: String,
    board: StatusBoard,
}

impl SourceBoard {
    /// Applies `f` to this source's status.
    pub fn update<R>(&self, f: impl FnOnce(&mut SourceStatus) -> R) -> R {
        let mut g = self.board.inner.lock();
        f(slot(&mut g.sources, &self.key, Default::default))
    }

    /// Sets the overall state (and the state of every symbol that is not silent).
    pub fn set_state(&self, state: FeedState) {
        self.update(|s| {
            s.state = state;
            for sym in s.symbols.values_mut() {
                if state != FeedState::Live || sym.state != FeedState::Silent {
                    sym.state = state;
                }
            }
        });
    }

    /// Counts a drop for `symbol` (if known) and for the source.
    pub fn drop(&self, reason: DropReason, symbol: Option<&str>) {
        self.update(|s| {
            *s.drops.entry(reason).or_default() += 1;
            if let Some(sym) = symbol {
                *sym_entry(s, sym).drops.entry(reason).or_default() += 1;
            }
        });
    }

    /// The board this handle writes to.
    pub fn board(&self) -> &StatusBoard {
        &self.board
    }
}

/// The per-symbol entry of a source, created on first use.
pub fn sym_entry<'a>(s: &'a mut SourceStatus, symbol: &str) -> &'a mut SymbolStatus {
    let state = s.state;
    slot(&mut s.symbols, symbol, || SymbolStatus {
        state,
        ..Default::default()
    })
}

/// The entry for `key`, made with `make` if missing. Updates run per batch
/// (per tick on a live feed): the key is only copied the first time.
fn slot<'a, V>(m: &'a mut BTreeMap<String, V>, key: &str, make: impl FnOnce() -> V) -> &'a mut V {
    if !m.contains_key(key) {
        m.insert(key.to_owned(), make());
    }
    m.get_mut(key).expect("present: inserted just above")
}
