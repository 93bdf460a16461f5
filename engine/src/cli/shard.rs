//! `spreadwatch serve --shard I/N`: the analytics shard's settings and the
//! tasks it runs beside the engine.

use anyhow::Result;

use super::args::{Resolved, ServeArgs};

/// With `--shard`, keeps only the pairs this shard owns (of `--pair`, or
/// its share of the market ranking with `--pairs scan:N`) and sets the NATS
/// source to read them as the shard. Returns the broker URL the shard
/// publishes its updates to.
pub fn apply(a: &ServeArgs, r: &mut Resolved) -> Result<Option<String>> {
    let Some(spec) = &a.shard else {
        anyhow::ensure!(
            a.shard_pairs.is_none(),
            "--pairs scan:N is for an analytics shard: it needs --shard I/N"
        );
        return Ok(None);
    };
    #[cfg(feature = "nats")]
    {
        nats::apply(a, spec, r)
    }
    #[cfg(not(feature = "nats"))]
    {
        let _ = (spec, r);
        anyhow::bail!(super::serve::NEEDS_NATS)
    }
}

/// A shard answers the gateways' requests for its pairs and legs and, with
/// `--pairs scan:N`, follows the market ranking.
pub fn start_tasks(cfg: &spreadwatch_engine::EngineConfig, engine: &spreadwatch_engine::Engine) {
    #[cfg(feature = "nats")]
    if let (Some(shard), spreadwatch_engine::sources::SourceSpec::Nats(url)) =
        (cfg.shard.clone(), cfg.source.clone())
    {
        let (handle, board, params) = (engine.handle(), engine.status_board(), cfg.pair_params);
        actix_rt::spawn(async move {
            if let Err(e) = nats::run_tasks(&url, handle, shard, board, params).await {
                tracing::error!("the shard's cluster tasks stopped: {e}");
            }
        });
    }
    #[cfg(not(feature = "nats"))]
    let _ = (cfg, engine);
}

#[cfg(feature = "nats")]
mod nats {
    use std::time::Duration;

    use anyhow::{Context, Result};
    use spreadwatch_engine::cluster::{broker, follow, rpc, ShardSource, ShardSpec};
    use spreadwatch_engine::sources::SourceSpec;
    use spreadwatch_engine::status::StatusBoard;
    use spreadwatch_engine::EngineHandle;
    use spreadwatch_proto::PairParams;
    use tokio_util::sync::CancellationToken;

    use super::{Resolved, ServeArgs};

    pub(super) fn apply(a: &ServeArgs, spec: &str, r: &mut Resolved) -> Result<Option<String>> {
        let spec: ShardSpec = spec.parse().map_err(anyhow::Error::msg)?;
        let SourceSpec::Nats(url) = r.engine.source.clone() else {
            anyhow::bail!("--shard reads the cluster's tick stream: it needs --source nats:URL");
        };
        anyhow::ensure!(
            a.data_dir.is_some(),
            "--shard acknowledges trades only once they are saved: it needs --data-dir"
        );
        let mut shard = source(a, spec, r)?;
        shard.ack_wait = (a.save_interval * 4).max(Duration::from_secs(30));
        r.pairs = shard.owned.clone();
        r.engine.pairs = shard.owned.clone();
        r.engine.symbols = shard.legs.clone();
        // A shard sees its legs only (or follows ingest's ranking of the
        // market): no scanner of its own.
        r.engine.scan = None;
        r.engine.shard = Some(shard);
        Ok(Some(url))
    }

    /// The shard's pairs: its share of `--pair`, or of the ranking's top N.
    fn source(a: &ServeArgs, spec: ShardSpec, r: &Resolved) -> Result<ShardSource> {
        if let Some(p) = &a.shard_pairs {
            let n = p
                .strip_prefix("scan:")
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| (1..=10_000).contains(n))
                .with_context(|| format!("--pairs {p:?}: expected scan:N, 1 <= N <= 10000"))?;
            anyhow::ensure!(
                r.pairs.is_empty(),
                "--shard takes --pair or --pairs scan:N, not both"
            );
            tracing::info!(shard = %spec, top = n, "analytics shard following the market ranking");
            return Ok(ShardSource::following(spec, n));
        }
        anyhow::ensure!(
            !r.pairs.is_empty(),
            "--shard owns its share of the cluster's pairs: give them all with --pair, \
             or follow the ranking with --pairs scan:N"
        );
        let shard = ShardSource::new(spec, &r.pairs);
        let (owned, of) = (shard.owned.len(), r.pairs.len());
        tracing::info!(shard = %spec, owned, of, "analytics shard");
        if owned == 0 {
            tracing::warn!("shard {spec} owns none of the {of} pairs");
        }
        Ok(shard)
    }

    pub(super) async fn run_tasks(
        url: &str,
        engine: EngineHandle,
        shard: ShardSource,
        board: StatusBoard,
        params: PairParams,
    ) -> spreadwatch_engine::Result<()> {
        let client = broker::side_connection(url).await?;
        let stop = CancellationToken::new();
        if let Some(n) = shard.follow {
            let (c, e, s) = (client.clone(), engine.clone(), stop.clone());
            let ranking = (shard.spec, n, params);
            tokio::spawn(async move {
                if let Err(err) = follow::run(c, e, ranking, board, s).await {
                    tracing::error!("following the market ranking stopped: {err}");
                }
            });
        }
        rpc::serve(client, engine, shard, stop).await
    }
}
