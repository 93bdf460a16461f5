//! The live source's connections as a set: one shard task per up to 200
//! streams, each stopped on its own, so a new listing gets a connection of
//! its own and a delisting restarts only the shard that carried it (the
//! others keep streaming). A restarted shard's feed is seeded with each
//! symbol's newest trade, so the moment it was away shows as a gap to fill.

use std::sync::Arc;

use spreadwatch_proto::Symbol;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{run_shard, shards, BinanceConfig};
use crate::actors::{Ingest, Registry};
use crate::sources::feed::FeedWriter;
use crate::sources::runner::newest_trades;
use crate::status::SourceBoard;

/// One running shard.
struct ShardTask {
    symbols: Vec<Symbol>,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

/// Every shard of the live source.
pub(crate) struct Fleet {
    registry: Arc<Registry>,
    board: SourceBoard,
    base: BinanceConfig,
    stop: CancellationToken,
    shards: Vec<ShardTask>,
}

impl Fleet {
    /// No shards yet; `base` is every shard's configuration but its symbols.
    pub(crate) fn new(
        registry: Arc<Registry>,
        board: SourceBoard,
        base: BinanceConfig,
        stop: CancellationToken,
    ) -> Self {
        Fleet {
            registry,
            board,
            base,
            stop,
            shards: Vec::new(),
        }
    }

    /// Starts the symbols' actors and streams them on new connections.
    pub(crate) async fn add(&mut self, symbols: &[Symbol]) {
        for s in symbols {
            self.registry.get_or_start(s);
        }
        for chunk in shards(symbols, self.base.streams_per_connection) {
            self.spawn(chunk).await;
        }
    }

    /// Stops streaming `gone`: each shard that carried one is restarted
    /// without it. Their actors, and so their history, stay.
    pub(crate) async fn remove(&mut self, gone: &[Symbol]) {
        let (hit, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.shards)
            .into_iter()
            .partition(|t| t.symbols.iter().any(|s| gone.contains(s)));
        self.shards = keep;
        for t in hit {
            t.stop.cancel();
            let _ = t.task.await;
            let rest: Vec<Symbol> = t
                .symbols
                .into_iter()
                .filter(|s| !gone.contains(s))
                .collect();
            if !rest.is_empty() {
                self.spawn(rest).await;
            }
        }
    }

    /// Symbols streamed now.
    pub(crate) fn symbols(&self) -> usize {
        self.shards.iter().map(|t| t.symbols.len()).sum()
    }

    /// Waits until every shard has stopped (the engine stopping).
    pub(crate) async fn join(self) {
        for t in self.shards {
            let _ = t.task.await;
        }
    }

    async fn spawn(&mut self, symbols: Vec<Symbol>) {
        let ingest = Ingest::new(self.registry.clone(), 256);
        let mut feed = FeedWriter::new(ingest, self.board.clone(), true);
        feed.only_kind(self.base.kind);
        feed.expect_symbols(symbols.iter().map(Symbol::as_str));
        // After a restart the first live trade is compared with the newest
        // one held, so the outage shows as a gap.
        for r in newest_trades(&self.registry, &symbols).await {
            feed.seed_last_id(r.symbol.as_str(), r.id);
        }
        let cfg = BinanceConfig {
            symbols: symbols.clone(),
            ..self.base.clone()
        };
        let stop = self.stop.child_token();
        let (board, s) = (self.board.clone(), stop.clone());
        let task = tokio::spawn(async move { run_shard(cfg, &mut feed, board, s).await });
        self.shards.push(ShardTask {
            symbols,
            stop,
            task,
        });
    }
}
