//! [`EngineBuilder`]: configure an engine step by step and start it; its
//! handle works from any tokio or actix runtime (or none).

use std::path::PathBuf;

use spreadwatch_proto::{PairId, PairParams, Symbol};

use crate::engine::{Engine, EngineConfig};
use crate::error::Result;
use crate::sources::frame::StreamKind;
use crate::sources::replay::Speed;
use crate::sources::SourceSpec;

/// Builds an engine step by step.
///
/// ```no_run
/// use spreadwatch_engine::Engine;
/// # async fn demo() -> spreadwatch_engine::Result<()> {
/// let engine = Engine::builder()
///     .sim()
///     .pair("ETHUSDT/BTCUSDT".parse()?)
///     .start()?;
/// println!("{:?}", engine.symbols());
/// engine.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug, Default, Clone)]
#[must_use]
pub struct EngineBuilder {
    cfg: EngineConfig,
    #[cfg(feature = "sled")]
    data_dir: Option<PathBuf>,
    save_interval: Option<std::time::Duration>,
}

impl EngineBuilder {
    /// Starts from [`EngineConfig::default`]: no source (manual ingest).
    pub fn new() -> Self {
        EngineBuilder::default()
    }

    /// Live Binance USD-M streams for the configured symbols.
    pub fn binance(mut self) -> Self {
        self.cfg.source = SourceSpec::Binance;
        self
    }

    /// Overrides the Binance base URL (e.g. a mock in tests).
    #[cfg(feature = "binance")]
    pub fn binance_url(mut self, url: impl Into<String>) -> Self {
        self.cfg.binance.base_url = url.into();
        self
    }

    /// The simulator (synthetic, labelled "simulated").
    pub fn sim(mut self) -> Self {
        self.cfg.source = SourceSpec::Sim;
        self
    }

    /// Replays a recorded file at `speed`.
    pub fn replay(mut self, path: impl Into<PathBuf>, speed: Speed) -> Self {
        self.cfg.source = SourceSpec::Replay(path.into());
        self.cfg.speed = speed;
        self
    }

    /// No source: trades come from [`EngineHandle::ingest`](crate::EngineHandle::ingest).
    pub fn manual(mut self) -> Self {
        self.cfg.source = SourceSpec::None;
        self
    }

    /// Binance trade stream kind.
    pub fn stream(mut self, kind: StreamKind) -> Self {
        self.cfg.stream = kind;
        self
    }

    /// Adds symbols to track (and, for a replay, to keep).
    pub fn symbols(mut self, symbols: impl IntoIterator<Item = Symbol>) -> Self {
        self.cfg.symbols.extend(symbols);
        self
    }

    /// Adds a pair; its legs are tracked too.
    pub fn pair(mut self, pair: PairId) -> Self {
        self.cfg.pairs.push(pair);
        self
    }

    /// Parameters every pair starts with.
    pub fn params(mut self, params: PairParams) -> Self {
        self.cfg.pair_params = params;
        self
    }

    /// Ticks kept per symbol.
    pub fn ring_capacity(mut self, ticks: usize) -> Self {
        self.cfg.symbol.ring_capacity = ticks.max(1);
        self
    }

    /// Closed-bar history at 1 s, 1 m and 5 m, in milliseconds.
    pub fn history_ms(mut self, history: [i64; 3]) -> Self {
        self.cfg.symbol.limits = crate::core::SeriesLimits::from_history_ms(history);
        self
    }

    /// Keeps snapshots in `dir` (a sled store, opened by [`start`](Self::start);
    /// a damaged directory is moved aside) and restores them before the
    /// source starts. Without it, the state lives in memory only.
    #[cfg(feature = "sled")]
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Time between snapshots (1 s by default); one more is taken at shutdown.
    pub fn save_interval(mut self, every: std::time::Duration) -> Self {
        self.save_interval = Some(every);
        self
    }

    /// Snapshots into a store of your own instead of a data dir.
    pub fn state_store(mut self, store: std::sync::Arc<dyn crate::persist::StateStore>) -> Self {
        self.cfg.persist = Some(crate::persist::PersistConfig::new(store));
        self
    }

    /// The configuration built so far.
    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    /// Starts the engine ([`Engine::start`]): from outside an actix system
    /// on threads of its own, returning once what was saved is restored.
    pub fn start(self) -> Result<Engine> {
        let mut cfg = self.cfg;
        #[cfg(feature = "sled")]
        if let Some(dir) = &self.data_dir {
            cfg.persist = Some(crate::persist::PersistConfig::new(
                crate::persist::open_dir(dir)?,
            ));
        }
        if let (Some(p), Some(every)) = (cfg.persist.as_mut(), self.save_interval) {
            p.interval = every.max(std::time::Duration::from_millis(10));
        }
        Engine::start(cfg)
    }
}

impl Engine {
    /// A builder for an engine that runs on its own threads.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handle_crosses_threads_and_runtimes() {
        fn send_sync<T: Send + Sync + Clone>() {}
        send_sync::<crate::EngineHandle>();
        // Started from plain std, used from a tokio runtime of our own.
        let h = Engine::builder()
            .manual()
            .pair("AAAUSDT/BBBUSDT".parse().unwrap())
            .start()
            .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            assert_eq!(h.pairs().len(), 1);
            let bad = h
                .set_params(
                    &"AAAUSDT/BBBUSDT".parse().unwrap(),
                    PairParams {
                        window: 0,
                        ..PairParams::default()
                    },
                )
                .await;
            assert!(bad.is_err());
            h.shutdown().await;
        });
    }

    #[cfg(feature = "sled")]
    #[test]
    fn a_data_dir_brings_the_ticks_back_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data");
        let sym: spreadwatch_proto::Symbol = "AAAUSDT".parse().unwrap();
        let start = || {
            Engine::builder()
                .manual()
                .symbols([sym.clone()])
                .data_dir(&path)
                .save_interval(std::time::Duration::from_secs(3600))
                .start()
                .unwrap()
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let h = start();
        rt.block_on(async {
            for i in 1..=50u64 {
                let t = spreadwatch_proto::Trade {
                    symbol: sym.clone(),
                    id: i,
                    first_id: i,
                    last_id: i,
                    price: spreadwatch_proto::Fixed::from_units(100_000_000 * (100 + i as i64 % 3)),
                    qty: spreadwatch_proto::Fixed::from_units(1_000_000),
                    time_ms: 1_700_000_000_000 + i as i64 * 100,
                    event_ms: 1_700_000_000_000 + i as i64 * 100,
                    buyer_maker: false,
                };
                h.ingest(&t).await.unwrap();
            }
            h.close_forming().await;
        });
        // Only the shutdown's save can hold them (the interval is 1 h).
        rt.block_on(h.shutdown());
        let h = start();
        rt.block_on(async {
            assert_eq!(h.status().symbols[sym.as_str()].ticks, 50);
            let bars = h
                .bars(
                    &sym,
                    spreadwatch_proto::Interval::S1,
                    i64::MIN,
                    i64::MAX,
                    false,
                )
                .await
                .unwrap();
            assert!(bars.len() >= 3, "{} closed bars", bars.len());
        });
        rt.block_on(h.shutdown());
    }
}
