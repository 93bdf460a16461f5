//! Wiring: sources and the registry of actors; [`crate::EngineHandle`] is
//! what callers hold.

use std::collections::HashSet;
use std::sync::Arc;

use actix::prelude::*;
use spreadwatch_proto::{PairId, PairParams, Symbol};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::actors::symbol::messages::Barrier;
use crate::actors::{Registry, SymbolConfig};
use crate::error::{Error, Result};
use crate::handle::EngineHandle;
use crate::persist::{restore, PersistConfig, Snapshotter};
use crate::sources::frame::StreamKind;
use crate::sources::replay::Speed;
use crate::sources::SourceSpec;
use crate::status::StatusBoard;

/// A callback told how many bytes a replay has read so far.
pub type ProgressFn = Arc<dyn Fn(u64) + Send + Sync>;

/// How to build an [`Engine`].
#[derive(Clone)]
pub struct EngineConfig {
    /// The source of trades.
    pub source: SourceSpec,
    /// Symbols to subscribe (live, simulator); for a replay, a filter when
    /// not empty.
    pub symbols: Vec<Symbol>,
    /// Binance trade stream kind.
    pub stream: StreamKind,
    /// Replay pacing.
    pub speed: Speed,
    /// Live-source settings (URL, watchdog, backoff).
    #[cfg(feature = "binance")]
    pub binance: crate::sources::binance::BinanceConfig,
    /// Settings of each symbol actor.
    pub symbol: SymbolConfig,
    /// Simulator trades per second per symbol.
    pub sim_rate: f64,
    /// Ticks a replay groups per message to an actor.
    pub batch: usize,
    /// Progress of a replay, in bytes read.
    pub progress: Option<ProgressFn>,
    /// Pairs to analyse; their legs are tracked too.
    pub pairs: Vec<PairId>,
    /// Parameters every pair starts with.
    pub pair_params: PairParams,
    /// Snapshots: restored before the source starts, taken every interval
    /// and at shutdown.
    pub persist: Option<PersistConfig>,
}

impl std::fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineConfig")
            .field("source", &self.source)
            .field("symbols", &self.symbols)
            .field("stream", &self.stream)
            .field("speed", &self.speed)
            .field("symbol", &self.symbol)
            .field("sim_rate", &self.sim_rate)
            .field("batch", &self.batch)
            .finish_non_exhaustive()
    }
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            source: SourceSpec::None,
            symbols: Vec::new(),
            stream: StreamKind::AggTrade,
            speed: Speed::Max,
            #[cfg(feature = "binance")]
            binance: Default::default(),
            symbol: SymbolConfig::default(),
            sim_rate: 20.0,
            batch: 1024,
            progress: None,
            pairs: Vec::new(),
            pair_params: PairParams::default(),
            persist: None,
        }
    }
}

/// The symbols the engine may track: the configured ones and the pairs'
/// legs; none given means any.
fn allowed_symbols(cfg: &EngineConfig) -> Option<HashSet<Symbol>> {
    (!cfg.symbols.is_empty()).then(|| {
        let legs = cfg.pairs.iter().flat_map(|p| [p.y.clone(), p.x.clone()]);
        cfg.symbols.iter().cloned().chain(legs).collect()
    })
}

/// Starts the configured symbols' actors now, so they exist (and show in
/// the status) before the first trade, and the configured pairs.
fn add_configured(registry: &Registry, cfg: &EngineConfig) -> Result<()> {
    for s in &cfg.symbols {
        registry.get_or_start(s);
    }
    cfg.pair_params.validate().map_err(Error::Config)?;
    for p in &cfg.pairs {
        if registry.add_pair(p, cfg.pair_params).is_none() {
            return Err(Error::Config(format!(
                "pair {p}: a leg is not among the tracked symbols"
            )));
        }
        registry.mark_default(p);
    }
    Ok(())
}

/// The snapshotter, when the engine persists (after checking the store
/// was written from the same trade stream).
fn open_snapshotter(
    cfg: &EngineConfig,
    registry: &Arc<Registry>,
) -> Result<Option<Arc<tokio::sync::Mutex<Snapshotter>>>> {
    let Some(p) = &cfg.persist else {
        return Ok(None);
    };
    if let Some(kind) = ids_of(cfg) {
        crate::persist::check_stream(&*p.store, kind.suffix())?;
    }
    let snap = Snapshotter::new(p.clone(), registry.clone())?;
    Ok(Some(Arc::new(tokio::sync::Mutex::new(snap))))
}

/// Restores before any source runs, so the source's trades land after the
/// restored ones (and repeats are de-duplicated); then snapshots on.
async fn restore_then_snapshot(
    p: &PersistConfig,
    registry: &Registry,
    snap: Arc<tokio::sync::Mutex<Snapshotter>>,
    stop: CancellationToken,
) {
    if let Err(e) = restore(p, registry).await {
        tracing::error!("restoring the snapshot failed, continuing with what was restored: {e}");
    }
    actix_rt::spawn(snapshot_loop(snap, p.interval, stop));
}

/// A running engine: actors on their own thread, a source on another.
pub struct Engine {
    handle: EngineHandle,
    actors: Arbiter,
    source: Arbiter,
    done: watch::Receiver<bool>,
    snapshotter: Option<Arc<tokio::sync::Mutex<Snapshotter>>>,
}

impl Engine {
    /// Starts the actors and the source. Call from inside an actix system.
    pub fn start(cfg: EngineConfig) -> Result<Engine> {
        if System::try_current().is_none() {
            return Err(Error::Config(
                "Engine::start must run inside an actix System".into(),
            ));
        }
        let status = StatusBoard::new();
        let events = crate::actors::Events::new(4096);
        let actors = Arbiter::new();
        let allowed = allowed_symbols(&cfg);
        let registry = Registry::new(actors.handle(), cfg.symbol, allowed, events, status.clone());
        let stop = CancellationToken::new();
        let (done_tx, done) = watch::channel(false);
        let (restored_tx, restored) = watch::channel(cfg.persist.is_none());
        let handle = EngineHandle {
            registry: registry.clone(),
            status: status.clone(),
            stop: stop.clone(),
            done: done.clone(),
            restored,
            owned: None,
        };
        add_configured(&registry, &cfg)?;
        let snapshotter = open_snapshotter(&cfg, &registry)?;
        let persist = cfg.persist.clone().zip(snapshotter.clone());
        let (reg, snap_stop) = (registry.clone(), stop.clone());
        let source_fut = crate::sources::runner::run_source(cfg, registry, status, stop);
        let source = Arbiter::new();
        source.spawn(async move {
            if let Some((p, snap)) = persist {
                restore_then_snapshot(&p, &reg, snap, snap_stop).await;
            }
            let _ = restored_tx.send(true);
            if let Err(e) = source_fut.await {
                tracing::error!("source failed: {e}");
            }
            let _ = done_tx.send(true);
        });
        Ok(Engine {
            handle,
            actors,
            source,
            done,
            snapshotter,
        })
    }

    /// A handle to this engine.
    pub fn handle(&self) -> EngineHandle {
        self.handle.clone()
    }

    /// Stops the source, lets the actors finish their mailboxes, and stops
    /// the threads.
    pub async fn shutdown(self) {
        self.handle.stop.cancel();
        let mut done = self.done.clone();
        let _ = done.wait_for(|d| *d).await;
        self.source.stop();
        // Process what is queued before stopping the actor thread.
        for s in self.handle.registry.symbols() {
            if let Some(a) = self.handle.registry.get(&s) {
                let _ = a.send(Barrier).await;
            }
        }
        // The last snapshot holds everything processed (SIGINT/SIGTERM).
        if let Some(s) = &self.snapshotter {
            if let Err(e) = s.lock().await.final_snapshot().await {
                tracing::error!("final snapshot failed: {e}");
            }
        }
        self.actors.stop();
    }
}

/// Snapshots every `every` until the engine stops.
async fn snapshot_loop(
    snap: Arc<tokio::sync::Mutex<Snapshotter>>,
    every: std::time::Duration,
    stop: CancellationToken,
) {
    let mut tick = tokio::time::interval(every.max(std::time::Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = snap.lock().await.snapshot().await {
            tracing::error!("snapshot failed: {e}");
        }
    }
}

/// Whose trade ids a source's ticks carry, where known: the live stream's,
/// or aggTrade for the simulator (a replay file or NATS may hold either).
fn ids_of(cfg: &EngineConfig) -> Option<StreamKind> {
    match cfg.source {
        SourceSpec::Binance => Some(cfg.stream),
        SourceSpec::Sim => Some(StreamKind::AggTrade),
        _ => None,
    }
}
