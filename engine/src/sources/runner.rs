//! Runs the configured source until it ends or the engine stops: each kind
//! of source gets its status board, its feed writer and what a restart left
//! behind (the newest stored trade of each symbol).

use std::path::PathBuf;
use std::sync::Arc;

use spreadwatch_proto::{FeedState, RestartIds, Symbol};
use tokio_util::sync::CancellationToken;

use super::feed::FeedWriter;
use super::replay::Replay;
use super::sim::{Resume, SimConfig};
use super::SourceSpec;
use crate::actors::{Ingest, Registry};
use crate::engine::EngineConfig;
use crate::error::{Error, Result};
use crate::status::StatusBoard;

/// What every source runner needs.
struct Runner {
    registry: Arc<Registry>,
    status: StatusBoard,
    stop: CancellationToken,
    /// True when a store gave back trades before the source started.
    restored: bool,
}

/// Runs `cfg`'s source until it ends or `stop` is cancelled.
pub(crate) async fn run_source(
    cfg: EngineConfig,
    registry: Arc<Registry>,
    status: StatusBoard,
    stop: CancellationToken,
) -> Result<()> {
    let mut run = Runner {
        registry,
        status,
        stop,
        restored: false,
    };
    // What a restore put back (nothing, with an empty or no data dir).
    run.restored = !newest_trades(&run.registry, &run.registry.symbols())
        .await
        .is_empty();
    match cfg.source.clone() {
        SourceSpec::None => {
            run.stop.cancelled().await;
            Ok(())
        }
        SourceSpec::Replay(path) => run.replay(path, &cfg).await,
        SourceSpec::Sim => {
            run.sim(&cfg).await;
            Ok(())
        }
        #[cfg(feature = "binance")]
        SourceSpec::Binance => run.binance(&cfg).await,
        #[cfg(not(feature = "binance"))]
        SourceSpec::Binance => Err(Error::Config("built without the binance feature".into())),
        #[cfg(feature = "nats")]
        SourceSpec::Nats(url) => run.nats(&url, &cfg).await,
        #[cfg(not(feature = "nats"))]
        SourceSpec::Nats(_) => Err(Error::Config(
            "the nats source needs a build with the `nats` feature".into(),
        )),
    }
}

/// What a source's trade ids mean after a restart: with exchange ids,
/// repeats of restored trades are dropped by id; the simulator's ids are its
/// own, so it goes on after the newest restored one (`resumed`).
fn restart_ids(exchange_ids: bool, restored: bool, resumed: bool) -> RestartIds {
    match (exchange_ids, restored, resumed) {
        (true, true, _) => RestartIds::Deduplicated,
        (false, _, true) => RestartIds::Continued,
        _ => RestartIds::Fresh,
    }
}

/// How a replay ended, and so what its board says.
#[derive(Debug, PartialEq)]
enum ReplayEnd {
    /// The whole file was read: forming bars count as closed, as in
    /// `spreadwatch replay`.
    Finished,
    /// The engine stopped it: nothing to close.
    Cancelled,
    /// Reading failed with this message.
    Failed(String),
}

impl ReplayEnd {
    fn of<T>(res: &Result<T>, cancelled: bool) -> ReplayEnd {
        match res {
            Err(e) => ReplayEnd::Failed(e.to_string()),
            Ok(_) if cancelled => ReplayEnd::Cancelled,
            Ok(_) => ReplayEnd::Finished,
        }
    }
}

/// The newest trade held of each of `symbols` that has one (restored, or
/// received before a shard restarted).
pub(crate) async fn newest_trades(registry: &Registry, symbols: &[Symbol]) -> Vec<Resume> {
    let mut out = Vec::new();
    for symbol in symbols {
        let Some(a) = registry.get(symbol) else {
            continue;
        };
        // No points wanted: only the newest trade.
        let newest = crate::actors::symbol::messages::GetLeg {
            interval: None,
            limit: 0,
        };
        if let Ok(s) = a.send(newest).await {
            if let (Some(id), Some((_, price))) = (s.newest_id, s.last) {
                out.push(Resume {
                    symbol: symbol.clone(),
                    id,
                    price,
                });
            }
        }
    }
    out
}

impl Runner {
    /// What a source with exchange ids says of a restart.
    fn exchange_ids(&self) -> RestartIds {
        restart_ids(true, self.restored, false)
    }

    async fn replay(&self, path: PathBuf, cfg: &EngineConfig) -> Result<()> {
        let board = self
            .status
            .source("replay", "replay", &path.display().to_string(), false);
        board.update(|s| s.restart_ids = self.exchange_ids());
        let ingest = Ingest::new(self.registry.clone(), cfg.batch);
        let mut feed = FeedWriter::new(ingest, board.clone(), false);
        let replay = Replay {
            path,
            speed: cfg.speed,
        };
        let progress = cfg.progress.clone();
        let report = |b| {
            if let Some(p) = &progress {
                p(b)
            }
        };
        let res = replay.run(&mut feed, report, &self.stop).await;
        match ReplayEnd::of(&res, self.stop.is_cancelled()) {
            ReplayEnd::Finished => {
                self.registry.close_forming().await;
                board.set_state(FeedState::Finished);
            }
            ReplayEnd::Cancelled => {}
            ReplayEnd::Failed(e) => {
                board.update(|s| s.last_error = Some(e));
                board.set_state(FeedState::Stopped);
            }
        }
        res.map(|_| ())
    }

    async fn sim(&self, cfg: &EngineConfig) {
        let symbols = if cfg.symbols.is_empty() {
            SimConfig::default().symbols
        } else {
            cfg.symbols.clone()
        };
        for s in &symbols {
            self.registry.get_or_start(s);
        }
        let board = self.status.source("sim", "sim", "simulated market", true);
        // The simulator's ids are its own: it goes on after what is stored.
        let resume = newest_trades(&self.registry, &symbols).await;
        board.update(|s| s.restart_ids = restart_ids(false, self.restored, !resume.is_empty()));
        let ingest = Ingest::new(self.registry.clone(), 1);
        let mut feed = FeedWriter::new(ingest, board.clone(), false);
        tracing::warn!("SIMULATED data: the simulator is running, not a market feed");
        let sim = SimConfig {
            symbols,
            rate: cfg.sim_rate,
            seed: 7,
            resume,
        };
        super::sim::run(sim, &mut feed, self.stop.clone()).await;
        board.set_state(FeedState::Stopped);
    }

    #[cfg(feature = "binance")]
    async fn binance(&self, cfg: &EngineConfig) -> Result<()> {
        use super::binance::{fleet::Fleet, install_crypto, listings, BinanceConfig};
        install_crypto();
        let base = BinanceConfig {
            kind: cfg.stream,
            ..cfg.binance.clone()
        };
        let board = self
            .status
            .source("binance", "binance", &base.base_url, false);
        board.update(|s| s.restart_ids = self.exchange_ids());
        let rest = base.rest_url.clone();
        let mut fleet = Fleet::new(
            self.registry.clone(),
            board.clone(),
            base,
            self.stop.clone(),
        );
        match (&cfg.universe, rest) {
            (None, _) if cfg.symbols.is_empty() => {
                return Err(Error::Config("the binance source needs --symbols".into()))
            }
            (None, _) => fleet.add(&cfg.symbols).await,
            (Some(u), Some(rest)) => {
                // The pairs' legs are streamed whatever the market's list says.
                let pinned = &cfg.symbols;
                listings::follow(&mut fleet, &rest, u, pinned, &board, &self.stop).await
            }
            (Some(_), None) => {
                return Err(Error::Config(
                    "--symbols all or top:N reads the market from Binance REST: give a \
                     --binance-rest-url, not none"
                        .into(),
                ))
            }
        }
        fleet.join().await;
        Ok(())
    }

    #[cfg(feature = "nats")]
    async fn nats(&self, url: &str, cfg: &EngineConfig) -> Result<()> {
        let board = self.status.source("nats", "nats", url, false);
        board.update(|s| s.restart_ids = self.exchange_ids());
        let ingest = Ingest::new(self.registry.clone(), 256);
        // Ids are checked (repeats dropped, gaps counted, a late id that
        // fills a gap taken); after a shard's restart the rings drop what
        // the saved state already holds.
        let mut feed = FeedWriter::new(ingest, board.clone(), true);
        let res = match &cfg.shard {
            Some(shard) => {
                if shard.follow.is_none() {
                    self.drop_moved_pairs(shard);
                }
                let reader = crate::cluster::consumer::ShardReader {
                    feed: &mut feed,
                    board: &board,
                    status: &self.status,
                    saves: self.registry.saves(),
                };
                crate::cluster::consumer::run(url, shard, reader, &self.stop).await
            }
            None => super::nats::run(url, &mut feed, &board, &self.stop).await,
        };
        if let Err(e) = &res {
            board.update(|s| s.last_error = Some(e.to_string()));
        }
        board.set_state(FeedState::Stopped);
        res
    }
}

impl Runner {
    /// Stops the pairs a shard's saved state brought back that it no
    /// longer owns (another shard took them when the cluster grew).
    #[cfg(feature = "nats")]
    fn drop_moved_pairs(&self, shard: &crate::cluster::ShardSource) {
        for p in self.registry.pairs() {
            if !shard.owned.contains(&p) && self.registry.remove_pair(&p) {
                tracing::info!(pair = %p, shard = %shard.spec, "pair now owned by another shard: stopped here");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restart_is_deduplicated_by_exchange_ids_and_continued_by_the_simulator() {
        assert_eq!(restart_ids(true, false, false), RestartIds::Fresh);
        assert_eq!(restart_ids(true, true, false), RestartIds::Deduplicated);
        assert_eq!(restart_ids(false, true, true), RestartIds::Continued);
        // A simulator with nothing of its own symbols to resume starts over.
        assert_eq!(restart_ids(false, true, false), RestartIds::Fresh);
        assert_eq!(restart_ids(false, false, false), RestartIds::Fresh);
    }

    #[test]
    fn only_a_replay_read_to_its_end_closes_its_forming_bars() {
        assert_eq!(ReplayEnd::of(&Ok(()), false), ReplayEnd::Finished);
        assert_eq!(ReplayEnd::of(&Ok(()), true), ReplayEnd::Cancelled);
        let failed: Result<()> = Err(Error::Config("bad line 3".into()));
        assert_eq!(
            ReplayEnd::of(&failed, false),
            ReplayEnd::Failed("invalid configuration: bad line 3".into())
        );
    }
}
