//! `spreadwatch ingest`: a source's accepted trades to the cluster's tick
//! stream, with `/api/status` and `/metrics` saying what was published.

use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use spreadwatch_engine::sources::replay::Speed;
use spreadwatch_engine::sources::SourceSpec;

use super::args::{resolve, PipelineArgs, Resolved};

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// binance, sim or replay:PATH.
    #[arg(long, env = "SPREADWATCH_SOURCE")]
    pub source: Option<SourceSpec>,
    /// Replay pacing: a multiple of real time by E, or max.
    #[arg(long, env = "SPREADWATCH_SPEED")]
    pub speed: Option<Speed>,
    /// The cluster's broker: `nats:nats://host:4222`.
    #[arg(long, env = "SPREADWATCH_PUBLISH")]
    pub publish: String,
    /// Address of /api/status and /metrics.
    #[arg(long, env = "SPREADWATCH_BIND", default_value = "127.0.0.1:8081")]
    pub bind: String,
    /// Trades kept while the broker is away; past it the oldest are dropped
    /// (counted in /api/status and /metrics).
    #[arg(long, env = "SPREADWATCH_INGEST_BUFFER", default_value_t = 1_000_000)]
    pub buffer: usize,
    /// How long the tick stream keeps trades, when this instance creates it.
    #[arg(long, env = "SPREADWATCH_STREAM_MAX_AGE", default_value = "24h", value_parser = humantime::parse_duration)]
    pub max_age: Duration,
    /// The ingest instance sees the whole market: its scanner ranks it and
    /// the ranking goes to `spreadwatch.updates.scan`, which shards started
    /// with `--pairs scan:N` follow (`--scan-every 0s`: none).
    #[command(flatten)]
    pub scan: super::scan_flags::ScanFlags,
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

pub fn run(a: IngestArgs) -> Result<()> {
    let url =
        super::serve::publish_url(Some(&a.publish))?.context("--publish: expected nats:URL")?;
    let mut r = resolve(
        &a.pipeline,
        a.source.clone(),
        a.speed,
        None,
        Some(a.bind.clone()),
    )?;
    anyhow::ensure!(
        !matches!(r.engine.source, SourceSpec::Nats(_) | SourceSpec::None),
        "ingest publishes a market: --source binance, sim or replay:PATH"
    );
    anyhow::ensure!(a.buffer > 0, "--buffer must be above zero");
    anyhow::ensure!(!a.max_age.is_zero(), "--max-age must be above zero");
    // Trades and the market's ranking: no pairs.
    r.engine.scan = a.scan.config()?;
    super::serve::check_source(&r.engine)?;
    publish(a, r, url)
}

#[cfg(not(feature = "nats"))]
fn publish(_: IngestArgs, _: Resolved, _: String) -> Result<()> {
    anyhow::bail!(super::serve::NEEDS_NATS)
}

/// How long trades still buffered at exit may take to reach the broker.
#[cfg(feature = "nats")]
const GRACE: Duration = Duration::from_secs(10);

#[cfg(feature = "nats")]
fn publish(a: IngestArgs, mut r: Resolved, url: String) -> Result<()> {
    use spreadwatch_engine::cluster::Publisher;
    use spreadwatch_engine::server::{self, ServerConfig};
    use spreadwatch_engine::Engine;
    let publisher = Publisher::new(a.buffer);
    r.engine.on_trade = Some(publisher.hook());
    let listener = std::net::TcpListener::bind(&r.bind)
        .with_context(|| format!("cannot listen on {}", r.bind))?;
    let addr = listener.local_addr()?;
    let cfg = ServerConfig {
        ui_dir: None,
        ..ServerConfig::default()
    };
    actix_rt::System::new().block_on(async move {
        let engine = Engine::start(r.engine.clone())?;
        let stop = tokio_util::sync::CancellationToken::new();
        let task = actix_rt::spawn(publisher.clone().run(
            url.clone(),
            a.max_age,
            engine.status_board(),
            stop.clone(),
            GRACE,
        ));
        publish_scans(&engine, url.clone());
        println!("{}", server::announcement(addr));
        tracing::info!(source = %r.engine.source, broker = %url, "ingesting to the tick stream");
        let (h, p) = (engine.handle(), publisher.clone());
        let ended = async move {
            // A replay ends: exit once every trade is acknowledged.
            h.source_finished().await;
            while p.pending() > 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        let shutdown = async move {
            tokio::select! {
                _ = super::shutdown_signal() => {}
                _ = ended => {}
            }
        };
        server::run(listener, engine.handle(), cfg, shutdown).await?;
        let board = engine.status_board();
        engine.shutdown().await;
        stop.cancel();
        task.await.context("the publisher panicked")??;
        report(&board, publisher.pending());
        Ok(())
    })
}

/// The market's ranking to `spreadwatch.updates.scan`, for the shards that
/// follow it.
#[cfg(feature = "nats")]
fn publish_scans(engine: &spreadwatch_engine::Engine, url: String) {
    use spreadwatch_engine::actors::EngineEvent;
    let handle = engine.handle();
    actix_rt::spawn(async move {
        let is_scan = |e: &EngineEvent| matches!(e, EngineEvent::Scan(_));
        let res = spreadwatch_engine::sources::nats::publish_where(&url, handle, is_scan);
        if let Err(e) = res.await {
            tracing::error!("publishing the market's ranking stopped: {e}");
        }
    });
}

/// The last word on what was published.
#[cfg(feature = "nats")]
fn report(board: &spreadwatch_engine::status::StatusBoard, left: usize) {
    let p = board.read(|s| s.cluster.as_ref().and_then(|c| c.publish.clone()));
    let p = p.unwrap_or_default();
    tracing::info!(
        acked = p.acked,
        duplicates = p.duplicates,
        failed = p.failed,
        dropped = p.dropped,
        "ingest stopped"
    );
    if left > 0 {
        tracing::warn!("{left} trades were not acknowledged by the broker before exit");
    }
}
