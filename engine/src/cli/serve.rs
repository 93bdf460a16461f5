//! `spreadwatch serve`.

use std::net::TcpListener;

use anyhow::{Context, Result};
use spreadwatch_engine::server::{Access, ServerConfig, UploadSlots};
use spreadwatch_engine::sources::SourceSpec;
use spreadwatch_engine::{Engine, EngineConfig};

use super::args::{resolve, ServeArgs};

pub fn run(a: ServeArgs) -> Result<()> {
    let server_cfg = server_config(&a)?;
    let mut r = resolve(
        &a.pipeline,
        a.source.clone(),
        a.speed,
        a.pairs.clone(),
        a.bind.clone(),
    )?;
    persistence(&a, &mut r.engine)?;
    r.engine.scan = a.scan.config()?;
    check_source(&r.engine)?;
    let shard_broker = super::shard::apply(&a, &mut r)?;
    // A shard's updates go to its broker, for the gateways.
    let publish = publish_url(a.publish.as_deref())?.or(shard_broker);
    let listener =
        TcpListener::bind(&r.bind).with_context(|| format!("cannot listen on {}", r.bind))?;
    let listener =
        spreadwatch_engine::server::limit_send_buffer(listener, a.socket_buffer_kb * 1024)?;
    let addr = listener.local_addr()?;
    actix_rt::System::new().block_on(async move {
        let engine = Engine::start(r.engine.clone())?;
        // Serve only once the saved state is back: never a half-restored state.
        engine.handle().restored().await;
        start_publishing(publish, &engine);
        super::shard::start_tasks(&r.engine, &engine);
        if r.engine.source == SourceSpec::Sim {
            tracing::warn!("source is the SIMULATOR: prices are synthetic");
        }
        for p in &r.pairs {
            tracing::info!(pair = %p, "tracking pair");
        }
        // The first line on stdout names the address, so scripts and tests
        // that bind port 0 can find it.
        println!("{}", spreadwatch_engine::server::announcement(addr));
        tracing::info!(source = %r.engine.source, symbols = ?r.engine.symbols, "serving on http://{addr}");
        spreadwatch_engine::server::run(listener, engine.handle(), server_cfg, super::shutdown_signal()).await?;
        engine.shutdown().await;
        Ok(())
    })
}

/// The server's settings from the flags; an empty token is refused here.
fn server_config(a: &ServeArgs) -> Result<ServerConfig> {
    let access = Access::new(a.token.clone()).map_err(|e| anyhow::anyhow!("--{e}"))?;
    Ok(ServerConfig {
        access: Access {
            allow_origins: a.allow_origin.clone(),
            allow_hosts: a.allow_host.clone(),
            ..access
        },
        ui_dir: Some(a.ui_dir.clone()),
        max_upload: a.max_upload_mb.saturating_mul(1024 * 1024),
        uploads: UploadSlots::new(a.max_uploads),
        workers: a.workers,
        ring: a.ws_ring,
        pair_idle: a.pair_idle,
    })
}

/// Opens `--data-dir` (setting a damaged one aside) to save the state in.
fn persistence(a: &ServeArgs, engine: &mut EngineConfig) -> Result<()> {
    let Some(dir) = &a.data_dir else {
        return Ok(());
    };
    anyhow::ensure!(
        !a.save_interval.is_zero(),
        "--save-interval must be above zero"
    );
    let store = spreadwatch_engine::persist::open_dir(dir)
        .with_context(|| format!("cannot use --data-dir {}", dir.display()))?;
    engine.persist = Some(spreadwatch_engine::persist::PersistConfig {
        store,
        interval: a.save_interval,
        retain_ticks: a.retain_ticks,
    });
    Ok(())
}

/// Refuses a source that cannot start, before anything listens.
pub(super) fn check_source(engine: &EngineConfig) -> Result<()> {
    if let SourceSpec::Replay(p) = &engine.source {
        super::args::check_recording(p)?;
    }
    if engine.source == SourceSpec::Binance
        && engine.symbols.is_empty()
        && engine.universe.is_none()
    {
        anyhow::bail!("the binance source needs --symbols (a list, all or top:N) or --pair");
    }
    if matches!(engine.source, SourceSpec::Nats(_)) && !cfg!(feature = "nats") {
        anyhow::bail!(NEEDS_NATS);
    }
    Ok(())
}

pub(super) const NEEDS_NATS: &str =
    "NATS needs a build with the `nats` feature: cargo build --release --features nats";

/// The broker URL of `--publish nats:URL`.
pub(super) fn publish_url(publish: Option<&str>) -> Result<Option<String>> {
    let Some(p) = publish else {
        return Ok(None);
    };
    let url = p
        .strip_prefix("nats:")
        .filter(|u| !u.is_empty())
        .with_context(|| format!("--publish {p:?}: expected nats:URL"))?;
    anyhow::ensure!(cfg!(feature = "nats"), NEEDS_NATS);
    Ok(Some(url.to_string()))
}

/// Publishes every update to NATS, when asked.
fn start_publishing(url: Option<String>, engine: &Engine) {
    #[cfg(feature = "nats")]
    if let Some(url) = url {
        let h = engine.handle();
        actix_rt::spawn(async move {
            if let Err(e) = spreadwatch_engine::sources::nats::publish(&url, h).await {
                tracing::error!("publishing to NATS stopped: {e}");
            }
        });
    }
    #[cfg(not(feature = "nats"))]
    let _ = (url, engine);
}
