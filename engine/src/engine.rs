//! Wiring: sources and the registry of actors; [`crate::EngineHandle`] is
//! what callers hold.

use std::collections::HashSet;
use std::sync::Arc;

use actix::prelude::*;
use spreadwatch_proto::{PairId, PairParams, Symbol};
use tokio::sync::{oneshot, watch};
use tokio_util::sync::CancellationToken;

use crate::actors::scanner::ScannerActor;
use crate::actors::symbol::messages::Barrier;
use crate::actors::{Registry, SymbolConfig};
use crate::error::{Error, Result};
use crate::handle::EngineHandle;
use crate::persist::save::Saver;
use crate::persist::schedule::{restore_then_save, SharedSaver};
use crate::persist::PersistConfig;
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
    /// Saving: restored before the source starts, saved every interval
    /// and at shutdown.
    pub persist: Option<PersistConfig>,
    /// Called with every trade a source accepts (`spreadwatch ingest`'s
    /// publisher, or an embedder's copy).
    pub on_trade: Option<crate::sources::accepted::TradeHook>,
    /// Read the NATS source as this cluster shard (feature `nats`).
    #[cfg(feature = "nats")]
    pub shard: Option<crate::cluster::ShardSource>,
    /// The live pair scanner (`None`: off).
    pub scan: Option<crate::actors::scanner::ScanConfig>,
    /// The live source follows the whole market (`--symbols all` or
    /// `top:N`) instead of `symbols`.
    #[cfg(feature = "binance")]
    pub universe: Option<crate::sources::exchange_info::UniverseConfig>,
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
            on_trade: None,
            #[cfg(feature = "nats")]
            shard: None,
            scan: Some(crate::actors::scanner::ScanConfig::default()),
            #[cfg(feature = "binance")]
            universe: None,
        }
    }
}

/// The symbols the engine may track: the configured ones and the pairs'
/// legs; none given means any.
fn allowed_symbols(cfg: &EngineConfig) -> Option<HashSet<Symbol>> {
    #[cfg(feature = "binance")]
    if cfg.universe.is_some() && cfg.source == SourceSpec::Binance {
        // The market's list changes while the engine runs.
        return None;
    }
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

/// Starts the pair scanner on the actors' thread, when configured.
fn start_scanner(
    cfg: &EngineConfig,
    registry: &Arc<Registry>,
    status: &StatusBoard,
    actors: &Arbiter,
    restored: watch::Receiver<bool>,
) -> Result<()> {
    let Some(scan) = cfg.scan else {
        return Ok(());
    };
    scan.params.validate().map_err(Error::Config)?;
    let (registry, status) = (registry.clone(), status.clone());
    let actor = crate::actors::scanner::ScannerActor::new(scan, registry, status, restored);
    ScannerActor::start_in_arbiter(&actors.handle(), move |_| actor);
    Ok(())
}

/// The saver, when the engine persists (after checking the store was
/// written from the same trade stream).
fn open_saver(cfg: &EngineConfig, registry: &Arc<Registry>) -> Result<Option<SharedSaver>> {
    let Some(p) = &cfg.persist else {
        return Ok(None);
    };
    if let Some(kind) = ids_of(cfg) {
        crate::persist::check_stream(&*p.store, kind.suffix())?;
    }
    let saver = Saver::new(p.clone(), registry.clone())?;
    Ok(Some(Arc::new(tokio::sync::Mutex::new(saver))))
}

/// A running engine: actors on their own thread, a source on another. It
/// derefs to its [`EngineHandle`]; clones of that handle stay usable by
/// others, and only the owner stops the engine.
pub struct Engine {
    handle: EngineHandle,
    running: Running,
}

/// Who holds the engine's threads.
enum Running {
    /// Started inside the caller's actix system.
    Here(Threads),
    /// Started on a thread of its own, which runs the shutdown when told.
    OwnThread {
        stop: oneshot::Sender<()>,
        done: watch::Receiver<bool>,
    },
}

/// The threads of an engine and what its shutdown finishes.
struct Threads {
    actors: Arbiter,
    source: Arbiter,
    saver: Option<SharedSaver>,
    /// Where the interval saves run, when the engine persists.
    saves: Option<Arbiter>,
}

impl Engine {
    /// Starts the actors and the source. Inside an actix system it returns
    /// at once (wait for [`EngineHandle::restored`] before serving); from
    /// anywhere else it starts a system on a thread of its own and returns
    /// once what was saved is restored.
    pub fn start(cfg: EngineConfig) -> Result<Engine> {
        if System::try_current().is_some() {
            return Self::start_here(cfg);
        }
        own_thread::start(cfg)
    }

    fn start_here(cfg: EngineConfig) -> Result<Engine> {
        let status = StatusBoard::new();
        let events = crate::actors::Events::new(4096);
        let actors = Arbiter::new();
        let allowed = allowed_symbols(&cfg);
        let registry = Registry::new(actors.handle(), cfg.symbol, allowed, events, status.clone());
        if let Some(hook) = cfg.on_trade.clone() {
            registry.set_trade_hook(hook);
        }
        let stop = CancellationToken::new();
        let (done_tx, done) = watch::channel(false);
        let (restored_tx, restored) = watch::channel(cfg.persist.is_none());
        let handle = EngineHandle {
            registry: registry.clone(),
            status: status.clone(),
            stop: stop.clone(),
            done: done.clone(),
            restored,
        };
        add_configured(&registry, &cfg)?;
        let saver = open_saver(&cfg, &registry)?;
        // Last of the steps that can fail, so a refused start leaves no
        // scanner polling behind it.
        start_scanner(&cfg, &registry, &status, &actors, handle.restored.clone())?;
        let saves = saver.as_ref().map(|_| Arbiter::new());
        let persist = cfg.persist.clone().zip(saver.clone());
        let persist = persist.zip(saves.as_ref().map(Arbiter::handle));
        let (reg, save_stop) = (registry.clone(), stop.clone());
        let source_fut = crate::sources::runner::run_source(cfg, registry, status, stop);
        let source = Arbiter::new();
        source.spawn(async move {
            if let Some(((p, saver), on)) = persist {
                restore_then_save(&p, &reg, saver, &on, save_stop).await;
            }
            let _ = restored_tx.send(true);
            if let Err(e) = source_fut.await {
                tracing::error!("source failed: {e}");
            }
            let _ = done_tx.send(true);
        });
        let threads = Threads {
            actors,
            source,
            saver,
            saves,
        };
        Ok(Engine {
            handle,
            running: Running::Here(threads),
        })
    }

    /// A handle to this engine.
    pub fn handle(&self) -> EngineHandle {
        self.handle.clone()
    }

    /// Stops the source, lets the actors finish their mailboxes, saves the
    /// state a last time (with a data dir) and stops the threads.
    pub async fn shutdown(self) {
        self.handle.stop.cancel();
        match self.running {
            Running::Here(threads) => threads.shutdown(&self.handle).await,
            Running::OwnThread { stop, mut done } => {
                let _ = stop.send(());
                let _ = done.wait_for(|d| *d).await;
            }
        }
    }
}

impl std::ops::Deref for Engine {
    type Target = EngineHandle;

    fn deref(&self) -> &EngineHandle {
        &self.handle
    }
}

impl Threads {
    async fn shutdown(self, handle: &EngineHandle) {
        // The source's end, which the handle's watch carries.
        let _ = handle.done.clone().wait_for(|d| *d).await;
        self.source.stop();
        let registry = &handle.registry;
        // Process what is queued before stopping the actor thread.
        for s in registry.symbols() {
            if let Some(a) = registry.get(&s) {
                let _ = a.send(Barrier).await;
            }
        }
        // The last save holds everything processed (SIGINT/SIGTERM).
        if let Some(s) = &self.saver {
            if let Err(e) = s.lock().await.save_all().await {
                tracing::error!("final save failed: {e}");
            }
        }
        if let Some(a) = &self.saves {
            a.stop();
        }
        self.actors.stop();
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

/// An engine started outside any actix system: the system runs on a thread
/// of its own until the engine is shut down.
mod own_thread {
    use super::{Engine, EngineConfig, Running};
    use crate::error::{Error, Result};
    use tokio::sync::{oneshot, watch};

    pub(super) fn start(cfg: EngineConfig) -> Result<Engine> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (done_tx, done) = watch::channel(false);
        std::thread::Builder::new()
            .name("spreadwatch-engine".into())
            .spawn(move || {
                actix_rt::System::new().block_on(async move {
                    match Engine::start_here(cfg) {
                        Ok(engine) => {
                            let _ = ready_tx.send(Ok(engine.handle()));
                            let _ = stop_rx.await;
                            engine.shutdown().await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
                let _ = done_tx.send(true);
            })
            .map_err(|e| Error::Config(format!("cannot start the engine thread: {e}")))?;
        let handle = ready_rx.recv().map_err(|_| Error::Stopped)??;
        // Returned once what was saved is back, as a caller with no
        // runtime of its own cannot easily wait for it.
        futures_executor::block_on(handle.restored());
        let stop = stop_tx;
        Ok(Engine {
            handle,
            running: Running::OwnThread { stop, done },
        })
    }
}
