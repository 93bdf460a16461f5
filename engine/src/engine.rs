//! Wiring: sources, the registry of symbol actors, and the handle callers use.

use std::collections::HashSet;
use std::sync::Arc;

use actix::prelude::*;
use spreadwatch_proto::{
    Bar, FeedState, Interval, PairId, PairParams, StatusReport, Symbol, Trade,
};
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

use crate::actors::{
    GetBars, GetPair, Ingest, PairSnapshot, Recompute, Registry, SetParams, SymbolConfig,
    TickBatch, Update,
};
use crate::core::Tick;
use crate::error::{Error, Result};
use crate::sources::feed::FeedWriter;
use crate::sources::frame::StreamKind;
use crate::sources::replay::{Replay, Speed};
use crate::sources::sim::SimConfig;
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
        }
    }
}

/// A running engine: actors on their own thread, a source on another.
pub struct Engine {
    handle: EngineHandle,
    actors: Arbiter,
    source: Arbiter,
    done: watch::Receiver<bool>,
}

/// A cheap, cloneable handle to a running engine. `Send + Sync`, usable
/// from any runtime; no actix types in its signatures.
#[derive(Clone)]
pub struct EngineHandle {
    registry: Arc<Registry>,
    status: StatusBoard,
    stop: CancellationToken,
    done: watch::Receiver<bool>,
    owned: Option<Arc<Owned>>,
}

/// The thread of an engine started by [`crate::EngineBuilder::start`].
struct Owned {
    stop: parking_lot::Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    done: watch::Receiver<bool>,
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
        let (events, _) = broadcast::channel(4096);
        let actors = Arbiter::new();
        let allowed: Option<HashSet<Symbol>> = (!cfg.symbols.is_empty()).then(|| {
            let legs = cfg.pairs.iter().flat_map(|p| [p.y.clone(), p.x.clone()]);
            cfg.symbols.iter().cloned().chain(legs).collect()
        });
        let registry = Registry::new(actors.handle(), cfg.symbol, allowed, events, status.clone());
        let stop = CancellationToken::new();
        let (done_tx, done) = watch::channel(false);
        let source = Arbiter::new();
        let handle = EngineHandle {
            registry: registry.clone(),
            status: status.clone(),
            stop: stop.clone(),
            done: done.clone(),
            owned: None,
        };
        // Start actors for the configured symbols now, so they exist (and
        // show in the status) before the first trade.
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
        }
        let fut = run_source(cfg, registry, status, stop);
        source.spawn(async move {
            if let Err(e) = fut.await {
                tracing::error!("source failed: {e}");
            }
            let _ = done_tx.send(true);
        });
        Ok(Engine {
            handle,
            actors,
            source,
            done,
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
                let _ = a
                    .send(TickBatch {
                        ticks: Vec::new(),
                        received: None,
                    })
                    .await;
            }
        }
        self.actors.stop();
    }
}

async fn run_source(
    cfg: EngineConfig,
    registry: Arc<Registry>,
    status: StatusBoard,
    stop: CancellationToken,
) -> Result<()> {
    let ingest = Ingest::new(registry.clone(), cfg.batch);
    match cfg.source {
        SourceSpec::None => {
            stop.cancelled().await;
            Ok(())
        }
        SourceSpec::Replay(path) => {
            let board = status.source("replay", "replay", &path.display().to_string(), false);
            let mut feed = FeedWriter::new(ingest, board.clone(), false);
            let replay = Replay {
                path,
                speed: cfg.speed,
            };
            let progress = cfg.progress.clone();
            let res = replay
                .run(
                    &mut feed,
                    |b| {
                        if let Some(p) = &progress {
                            p(b)
                        }
                    },
                    &stop,
                )
                .await;
            // At the end of the file the forming bars count as closed, as in
            // `spreadwatch replay`.
            if res.is_ok() && !stop.is_cancelled() {
                registry.flush_all().await;
                board.set_state(FeedState::Finished);
            }
            if let Err(e) = &res {
                board.update(|s| s.last_error = Some(e.to_string()));
                board.set_state(FeedState::Stopped);
            }
            res.map(|_| ())
        }
        SourceSpec::Sim => {
            let symbols = if cfg.symbols.is_empty() {
                SimConfig::default().symbols
            } else {
                cfg.symbols.clone()
            };
            for s in &symbols {
                registry.get_or_start(s);
            }
            let board = status.source("sim", "sim", "simulated market", true);
            let mut feed = FeedWriter::new(Ingest::new(registry, 1), board.clone(), false);
            tracing::warn!("SIMULATED data: the simulator is running, not a market feed");
            crate::sources::sim::run(
                SimConfig {
                    symbols,
                    rate: cfg.sim_rate,
                    seed: 7,
                },
                &mut feed,
                stop,
            )
            .await;
            board.set_state(FeedState::Stopped);
            Ok(())
        }
        #[cfg(feature = "binance")]
        SourceSpec::Binance => {
            use crate::sources::binance::{install_crypto, run_shard, shards, BinanceConfig};
            install_crypto();
            if cfg.symbols.is_empty() {
                return Err(Error::Config("the binance source needs --symbols".into()));
            }
            let base = BinanceConfig {
                symbols: cfg.symbols.clone(),
                kind: cfg.stream,
                ..cfg.binance.clone()
            };
            let board = status.source("binance", "binance", &base.base_url, false);
            let mut tasks = Vec::new();
            for shard in shards(&cfg.symbols, base.streams_per_connection) {
                let mut feed =
                    FeedWriter::new(Ingest::new(registry.clone(), 256), board.clone(), true);
                feed.only_kind(cfg.stream);
                feed.expect_symbols(shard.iter().map(Symbol::as_str));
                let c = BinanceConfig {
                    symbols: shard,
                    ..base.clone()
                };
                let (b, s) = (board.clone(), stop.clone());
                tasks.push(tokio::spawn(
                    async move { run_shard(c, &mut feed, b, s).await },
                ));
            }
            for t in tasks {
                let _ = t.await;
            }
            Ok(())
        }
        #[cfg(not(feature = "binance"))]
        SourceSpec::Binance => Err(Error::Config("built without the binance feature".into())),
    }
}

impl EngineHandle {
    /// The current feed and symbol status.
    pub fn status(&self) -> StatusReport {
        self.status.report()
    }

    /// Symbols with an actor, sorted.
    pub fn symbols(&self) -> Vec<Symbol> {
        self.registry.symbols()
    }

    /// Bars of `symbol` at `interval` with start in `[from_ms, to_ms)`,
    /// closed ones first, then (optionally) the forming ones.
    pub async fn bars(
        &self,
        symbol: &Symbol,
        interval: Interval,
        from_ms: i64,
        to_ms: i64,
        include_forming: bool,
    ) -> Result<Vec<Bar>> {
        let Some(a) = self.registry.get(symbol) else {
            return Ok(Vec::new());
        };
        a.send(GetBars {
            interval,
            from_ms,
            to_ms,
            include_forming,
        })
        .await
        .map_err(|_| Error::Stopped)
    }

    /// The forming bars of `symbol`, every interval.
    pub async fn forming_bars(&self, symbol: &Symbol) -> Result<Vec<Bar>> {
        let Some(a) = self.registry.get(symbol) else {
            return Ok(Vec::new());
        };
        a.send(crate::actors::messages::GetForming)
            .await
            .map_err(|_| Error::Stopped)
    }

    /// Every closed bar at `interval`, sorted by start then symbol.
    pub async fn all_bars(&self, interval: Interval) -> Result<Vec<Bar>> {
        let mut out = Vec::new();
        for s in self.symbols() {
            out.extend(self.bars(&s, interval, i64::MIN, i64::MAX, false).await?);
        }
        out.sort_by(|a, b| (a.start_ms, &a.symbol).cmp(&(b.start_ms, &b.symbol)));
        Ok(out)
    }

    /// Feeds one trade of your own, as if a source had received it.
    pub async fn ingest(&self, trade: &Trade) -> Result<()> {
        let a = self
            .registry
            .get_or_start(&trade.symbol)
            .ok_or_else(|| Error::Config(format!("symbol {} is not tracked", trade.symbol)))?;
        a.send(TickBatch {
            ticks: vec![Tick::from_trade(trade)],
            received: Some(std::time::Instant::now()),
        })
        .await
        .map_err(|_| Error::Stopped)
    }

    /// Closes every forming bar (the end of a finite replay).
    pub async fn flush(&self) {
        self.registry.flush_all().await;
    }

    /// Bar events as they happen. A receiver that falls behind gets
    /// `RecvError::Lagged` instead of unbounded memory growth.
    pub fn subscribe(&self) -> broadcast::Receiver<Update> {
        self.registry.events().subscribe()
    }

    /// Waits until the source has ended (a replay at end of file, or stop).
    pub async fn source_finished(&self) {
        let mut d = self.done.clone();
        let _ = d.wait_for(|v| *v).await;
    }

    /// Every pair, sorted.
    pub fn pairs(&self) -> Vec<PairId> {
        self.registry.pairs()
    }

    /// A pair's parameters, latest stats, chart points and alert history.
    pub async fn pair_snapshot(&self, pair: &PairId) -> Result<PairSnapshot> {
        let a = self
            .registry
            .pair(pair)
            .ok_or_else(|| Error::Config(format!("unknown pair {pair}")))?;
        a.send(GetPair).await.map_err(|_| Error::Stopped)
    }

    /// Changes a pair's parameters at run time; its state is rebuilt from
    /// the bars the symbol actors hold.
    pub async fn set_params(&self, pair: &PairId, params: PairParams) -> Result<()> {
        let a = self
            .registry
            .pair(pair)
            .ok_or_else(|| Error::Config(format!("unknown pair {pair}")))?;
        a.send(SetParams(params))
            .await
            .map_err(|_| Error::Stopped)?
            .map_err(Error::Config)
    }

    /// Runs a pair's slow estimators (Huber, Theil-Sen, ADF, coint) now and
    /// waits for them.
    pub async fn recompute(&self, pair: &PairId) -> Result<()> {
        let a = self
            .registry
            .pair(pair)
            .ok_or_else(|| Error::Config(format!("unknown pair {pair}")))?;
        a.send(Recompute).await.map_err(|_| Error::Stopped)
    }

    /// Starts analysing a pair (and tracking its legs).
    pub fn add_pair(&self, pair: &PairId, params: PairParams) -> Result<()> {
        params.validate().map_err(Error::Config)?;
        self.registry
            .add_pair(pair, params)
            .map(|_| ())
            .ok_or_else(|| {
                Error::Config(format!(
                    "pair {pair}: a leg is not among the tracked symbols"
                ))
            })
    }

    /// Stops analysing a pair; true if it existed.
    pub fn remove_pair(&self, pair: &PairId) -> bool {
        self.registry.remove_pair(pair)
    }

    pub(crate) fn owned(
        mut self,
        stop: tokio::sync::oneshot::Sender<()>,
        done: watch::Receiver<bool>,
    ) -> Self {
        self.owned = Some(Arc::new(Owned {
            stop: parking_lot::Mutex::new(Some(stop)),
            done,
        }));
        self
    }

    /// Stops the source and, for an engine started by the builder, its
    /// threads, after the actors finished what was queued.
    pub async fn shutdown(&self) {
        self.stop.cancel();
        if let Some(o) = &self.owned {
            if let Some(tx) = o.stop.lock().take() {
                let _ = tx.send(());
            }
            let mut d = o.done.clone();
            let _ = d.wait_for(|v| *v).await;
        }
    }

    /// Asks the source to stop.
    pub fn stop(&self) {
        self.stop.cancel();
    }
}
