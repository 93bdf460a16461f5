//! `spreadwatch serve`.

use std::net::TcpListener;

use anyhow::{Context, Result};
use spreadwatch_engine::server::{Access, ServerConfig};
use spreadwatch_engine::sources::SourceSpec;
use spreadwatch_engine::Engine;

use super::args::{resolve, ServeArgs};

pub fn run(a: ServeArgs) -> Result<()> {
    let access = Access::new(a.token.clone()).map_err(|e| anyhow::anyhow!("--{e}"))?;
    let server_cfg = ServerConfig {
        access: Access {
            allow_origins: a.allow_origin.clone(),
            allow_hosts: a.allow_host.clone(),
            ..access
        },
        ui_dir: Some(a.ui_dir.clone()),
        max_upload: a.max_upload_mb.saturating_mul(1024 * 1024),
        uploads: spreadwatch_engine::server::UploadSlots::new(a.max_uploads),
        workers: a.workers,
        ring: a.ws_ring,
    };
    let mut r = resolve(&a.pipeline, a.source, a.speed, a.pairs, a.bind)?;
    if let Some(dir) = &a.data_dir {
        anyhow::ensure!(
            !a.snapshot_interval.is_zero(),
            "--snapshot-interval must be above zero"
        );
        let store = spreadwatch_engine::persist::open_dir(dir)
            .with_context(|| format!("cannot use --data-dir {}", dir.display()))?;
        r.engine.persist = Some(spreadwatch_engine::persist::PersistConfig {
            store,
            interval: a.snapshot_interval,
            retain_ticks: a.retain_ticks,
        });
    }
    if let SourceSpec::Replay(p) = &r.engine.source {
        super::args::check_recording(p)?;
    }
    if r.engine.source == SourceSpec::Binance && r.engine.symbols.is_empty() {
        anyhow::bail!("the binance source needs --symbols or --pair");
    }
    let publish = match a.publish.as_deref() {
        None => None,
        Some(p) => Some(
            p.strip_prefix("nats:")
                .filter(|u| !u.is_empty())
                .with_context(|| format!("--publish {p:?}: expected nats:URL"))?
                .to_string(),
        ),
    };
    let nats_source = matches!(r.engine.source, SourceSpec::Nats(_));
    if (publish.is_some() || nats_source) && !cfg!(feature = "nats") {
        anyhow::bail!(
            "NATS needs a build with the `nats` feature: cargo build --release --features nats"
        );
    }
    let listener =
        TcpListener::bind(&r.bind).with_context(|| format!("cannot listen on {}", r.bind))?;
    let listener =
        spreadwatch_engine::server::limit_send_buffer(listener, a.socket_buffer_kb * 1024)?;
    let addr = listener.local_addr()?;
    actix_rt::System::new().block_on(async move {
        let engine = Engine::start(r.engine.clone())?;
        // Serve only once the snapshot is back: never a half-restored state.
        engine.handle().restored().await;
        #[cfg(feature = "nats")]
        if let Some(url) = publish {
            let h = engine.handle();
            actix_rt::spawn(async move {
                if let Err(e) = spreadwatch_engine::sources::nats::publish(&url, h).await {
                    tracing::error!("publishing to NATS stopped: {e}");
                }
            });
        }
        #[cfg(not(feature = "nats"))]
        let _ = publish;
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
