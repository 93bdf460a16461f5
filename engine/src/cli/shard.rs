//! `spreadwatch serve --shard I/N`: the analytics shard's settings.

use std::time::Duration;

use anyhow::Result;

use super::args::{Resolved, ServeArgs};

/// With `--shard`, keeps only the pairs this shard owns and their legs and
/// sets the NATS source to read them as the shard. Returns the broker URL
/// the shard publishes its updates to.
pub fn apply(a: &ServeArgs, r: &mut Resolved) -> Result<Option<String>> {
    let Some(spec) = &a.shard else {
        return Ok(None);
    };
    #[cfg(feature = "nats")]
    {
        use spreadwatch_engine::cluster::{ShardSource, ShardSpec};
        use spreadwatch_engine::sources::SourceSpec;
        let spec: ShardSpec = spec.parse().map_err(anyhow::Error::msg)?;
        let SourceSpec::Nats(url) = &r.engine.source else {
            anyhow::bail!("--shard reads the cluster's tick stream: it needs --source nats:URL");
        };
        anyhow::ensure!(
            a.data_dir.is_some(),
            "--shard acknowledges trades only once they are saved: it needs --data-dir"
        );
        anyhow::ensure!(
            !r.pairs.is_empty(),
            "--shard owns its share of the cluster's pairs: give them all with --pair"
        );
        let mut shard = ShardSource::new(spec, &r.pairs);
        shard.ack_wait = (a.save_interval * 4).max(Duration::from_secs(30));
        tracing::info!(
            shard = %spec,
            owned = shard.owned.len(),
            of = r.pairs.len(),
            "analytics shard"
        );
        if shard.owned.is_empty() {
            tracing::warn!("shard {spec} owns none of the {} pairs", r.pairs.len());
        }
        r.pairs = shard.owned.clone();
        r.engine.pairs = shard.owned.clone();
        r.engine.symbols = shard.legs.clone();
        let url = url.clone();
        r.engine.shard = Some(shard);
        Ok(Some(url))
    }
    #[cfg(not(feature = "nats"))]
    {
        let _ = (spec, r, Duration::ZERO);
        anyhow::bail!(super::serve::NEEDS_NATS)
    }
}

/// A shard answers the gateways' requests for its pairs and legs.
pub fn answer_gateways(
    cfg: &spreadwatch_engine::EngineConfig,
    engine: &spreadwatch_engine::Engine,
) {
    #[cfg(feature = "nats")]
    if let (Some(shard), spreadwatch_engine::sources::SourceSpec::Nats(url)) =
        (cfg.shard.clone(), cfg.source.clone())
    {
        let handle = engine.handle();
        actix_rt::spawn(async move {
            let stop = tokio_util::sync::CancellationToken::new();
            let client = spreadwatch_engine::cluster::broker::side_connection(&url).await;
            let res = match client {
                Ok(c) => spreadwatch_engine::cluster::rpc::serve(c, handle, shard, stop).await,
                Err(e) => Err(e),
            };
            if let Err(e) = res {
                tracing::error!("answering gateways stopped: {e}");
            }
        });
    }
    #[cfg(not(feature = "nats"))]
    let _ = (cfg, engine);
}
