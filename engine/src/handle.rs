//! [`EngineHandle`]: what callers hold to use a running engine.

use std::sync::Arc;

use spreadwatch_proto::{Bar, Interval, PairId, PairParams, StatusReport, Symbol, Trade};
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

use crate::actors::{
    GetBars, GetPair, PairSnapshot, Recompute, Registry, SetParams, TickBatch, Update,
};
use crate::core::Tick;
use crate::error::{Error, Result};
use crate::remote::{BarsQuery, RemotePairs};
use crate::status::StatusBoard;

/// A cheap, cloneable handle to a running engine. `Send + Sync`, usable
/// from any runtime; no actix types in its signatures.
#[derive(Clone)]
pub struct EngineHandle {
    pub(crate) registry: Arc<Registry>,
    pub(crate) status: StatusBoard,
    pub(crate) stop: CancellationToken,
    pub(crate) done: watch::Receiver<bool>,
    pub(crate) restored: watch::Receiver<bool>,
}

impl EngineHandle {
    /// Waits until the snapshot (if any) is restored, so what the engine
    /// serves is whole; at once without `--data-dir`.
    pub async fn restored(&self) {
        let mut r = self.restored.clone();
        let _ = r.wait_for(|d| *d).await;
    }

    /// The current feed and symbol status (on a cluster gateway, with the
    /// shards' sources, symbols and pairs).
    pub fn status(&self) -> StatusReport {
        let mut r = self.status.report();
        let b = self.registry.tick_budget();
        r.ticks.held = b.held() as u64;
        r.ticks.budget = b.limit() as u64;
        if let Some(remote) = self.registry.remote() {
            for (from, st) in remote.status() {
                let sources = st.sources.into_iter();
                r.sources
                    .extend(sources.map(|(k, v)| (format!("{k} ({from})"), v)));
                for (k, v) in st.symbols {
                    r.symbols.entry(k).or_insert(v);
                }
                r.pairs.extend(st.pairs);
            }
        }
        r
    }

    /// Symbols with an actor (and, on a cluster gateway, the shards'
    /// legs), sorted.
    pub fn symbols(&self) -> Vec<Symbol> {
        let mut s = self.registry.symbols();
        if let Some(r) = self.registry.remote() {
            s.extend(r.symbols());
            s.sort();
            s.dedup();
        }
        s
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
        let q = BarsQuery {
            interval: Some(interval),
            from_ms,
            to_ms,
            include_forming,
            last: usize::MAX,
        };
        self.query_bars(symbol, q).await
    }

    /// The newest `n` closed bars of `symbol` at `interval`, oldest first;
    /// only those are copied out of the actor.
    pub async fn last_bars(
        &self,
        symbol: &Symbol,
        interval: Interval,
        n: usize,
    ) -> Result<Vec<Bar>> {
        let q = BarsQuery {
            interval: Some(interval),
            from_ms: i64::MIN,
            to_ms: i64::MAX,
            include_forming: false,
            last: n,
        };
        self.query_bars(symbol, q).await
    }

    /// The forming bars of `symbol`, every interval.
    pub async fn forming_bars(&self, symbol: &Symbol) -> Result<Vec<Bar>> {
        let q = BarsQuery {
            interval: None,
            from_ms: i64::MIN,
            to_ms: i64::MAX,
            include_forming: true,
            last: usize::MAX,
        };
        self.query_bars(symbol, q).await
    }

    /// Bars from this engine's actor, or (on a cluster gateway) from a
    /// shard holding the symbol; none for a symbol nobody holds.
    async fn query_bars(&self, symbol: &Symbol, q: BarsQuery) -> Result<Vec<Bar>> {
        if self.registry.get(symbol).is_some() {
            return self.local_bars(symbol, &q).await;
        }
        match self.registry.remote() {
            Some(r) if r.symbols().contains(symbol) => r.bars(symbol, q).await,
            _ => Ok(Vec::new()),
        }
    }

    /// Answers a bars query from this engine's own actors (what a shard
    /// answers a gateway with).
    pub async fn local_bars(&self, symbol: &Symbol, q: &BarsQuery) -> Result<Vec<Bar>> {
        let Some(a) = self.registry.get(symbol) else {
            return Ok(Vec::new());
        };
        let Some(interval) = q.interval else {
            let forming = crate::actors::symbol::messages::GetForming;
            return a.send(forming).await.map_err(Error::from);
        };
        let get = GetBars {
            interval,
            from_ms: q.from_ms,
            to_ms: q.to_ms,
            include_forming: q.include_forming,
            last: q.last,
        };
        a.send(get).await.map_err(Error::from)
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
        .map_err(Error::from)
    }

    /// Closes every forming bar (the end of a finite replay).
    pub async fn close_forming(&self) {
        self.registry.close_forming().await;
    }

    /// Bar events as they happen. A receiver that falls behind gets
    /// `RecvError::Lagged` instead of unbounded memory growth.
    pub fn subscribe(&self) -> broadcast::Receiver<Update> {
        self.registry.events().subscribe()
    }

    /// Calls `f` with every update, synchronously on the actor thread, as
    /// it is made: the lowest-latency way out (the server's fan-out uses
    /// it). `f` must be quick and must never block; anything slow belongs
    /// behind [`subscribe`](Self::subscribe).
    pub fn tap(&self, f: impl Fn(&Update) + Send + Sync + 'static) {
        self.registry.events().tap(std::sync::Arc::new(f));
    }

    /// The live status board behind [`status`](Self::status), for parts
    /// that report into it (a cluster role's publisher).
    pub fn status_board(&self) -> StatusBoard {
        self.status.clone()
    }

    /// Lets `remote` answer for the pairs and symbols this engine does not
    /// run (a cluster gateway's shards); set once, before serving.
    pub fn set_remote(&self, remote: Arc<dyn RemotePairs>) {
        self.registry.set_remote(remote);
    }

    /// Waits until the source has ended (a replay at end of file, or stop).
    pub async fn source_finished(&self) {
        let mut d = self.done.clone();
        let _ = d.wait_for(|v| *v).await;
    }

    /// Every pair (and, on a cluster gateway, the shards'), sorted.
    pub fn pairs(&self) -> Vec<PairId> {
        let mut p = self.registry.pairs();
        if let Some(r) = self.registry.remote() {
            p.extend(r.pairs());
            p.sort();
            p.dedup();
        }
        p
    }

    /// The cluster that runs `pair`, when this engine does not.
    fn remote_for(&self, pair: &PairId) -> Option<&Arc<dyn RemotePairs>> {
        self.registry
            .remote()
            .filter(|r| self.registry.pair(pair).is_none() && r.pairs().contains(pair))
    }

    /// A pair's parameters, latest stats, chart points and alert history
    /// (from its shard, on a cluster gateway).
    pub async fn pair_snapshot(&self, pair: &PairId) -> Result<PairSnapshot> {
        if let Some(r) = self.remote_for(pair) {
            return r.snapshot(pair).await;
        }
        let a = self.pair_actor(pair)?;
        a.send(GetPair).await.map_err(Error::from)
    }

    /// Changes a pair's parameters at run time; its state is rebuilt from
    /// the bars the symbol actors hold (by its shard, on a cluster gateway).
    pub async fn set_params(&self, pair: &PairId, params: PairParams) -> Result<()> {
        if let Some(r) = self.remote_for(pair) {
            return r.set_params(pair, params).await;
        }
        let a = self.pair_actor(pair)?;
        a.send(SetParams(params)).await?.map_err(Error::Config)
    }

    /// Runs a pair's slow estimators (Huber, Theil-Sen, ADF, coint) now and
    /// waits for them.
    pub async fn recompute(&self, pair: &PairId) -> Result<()> {
        let a = self.pair_actor(pair)?;
        a.send(Recompute).await.map_err(Error::from)
    }

    fn pair_actor(&self, pair: &PairId) -> Result<actix::Addr<crate::actors::pair::PairActor>> {
        self.registry
            .pair(pair)
            .ok_or_else(|| Error::UnknownPair(pair.clone()))
    }

    /// Starts analysing a pair (and tracking its legs). The first pair
    /// added this way (or configured at start) is the default of sessions
    /// that name none; pairs clients add with
    /// [`add_pair_within`](Self::add_pair_within) never change it.
    pub fn add_pair(&self, pair: &PairId, params: PairParams) -> Result<()> {
        self.add_pair_within(pair, params, usize::MAX)?;
        self.registry.mark_default(pair);
        Ok(())
    }

    /// The pair a session that names none is shown: the first configured
    /// (or added with [`add_pair`](Self::add_pair)) that still runs.
    pub fn default_pair(&self) -> Option<PairId> {
        let remote = || {
            self.registry
                .remote()
                .and_then(|r| r.pairs().first().cloned())
        };
        self.registry.default_pair().or_else(remote)
    }

    /// Starts analysing a pair unless `max` pairs already run; a pair
    /// already running is fine.
    ///
    /// # Errors
    /// Invalid parameters, a leg not tracked, or `max` pairs running.
    pub fn add_pair_within(&self, pair: &PairId, params: PairParams, max: usize) -> Result<()> {
        params.validate().map_err(Error::Config)?;
        if let Some(r) = self.registry.remote() {
            return if r.pairs().contains(pair) {
                Ok(())
            } else {
                Err(Error::Config(format!(
                    "pair {pair}: the cluster runs the pairs its shards are given (--pair); \
                     add it there"
                )))
            };
        }
        self.registry
            .add_pair_within(pair, params, max)
            .map(|_| ())
            .ok_or_else(|| {
                let running = self.registry.pairs().len();
                Error::Config(if running >= max {
                    format!("pair {pair}: the limit of {max} pairs is reached; remove one first")
                } else {
                    format!("pair {pair}: a leg is not among the tracked symbols")
                })
            })
    }

    /// The pair scanner's latest ranking, if one ran (or was restored).
    pub fn latest_scan(&self) -> Option<Arc<spreadwatch_proto::scan::LiveScan>> {
        self.registry.latest_scan()
    }

    /// Stops analysing a pair; true if it existed.
    pub fn remove_pair(&self, pair: &PairId) -> bool {
        self.registry.remove_pair(pair)
    }
}
