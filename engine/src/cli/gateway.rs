//! `spreadwatch gateway`: the same `/ws`, REST and dashboard as `serve`, for
//! every pair of a NATS cluster (docs/scaling.md).

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

#[derive(Debug, Args)]
pub struct GatewayArgs {
    /// The cluster's broker: `nats://host:4222` (or `nats:nats://host:4222`).
    #[arg(long, env = "SPREADWATCH_NATS")]
    pub nats: String,
    /// Listen address.
    #[arg(long, env = "SPREADWATCH_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// The built dashboard (Trunk's dist/).
    #[arg(long, env = "SPREADWATCH_UI_DIR", default_value = "dist")]
    pub ui_dir: PathBuf,
    /// Require this token: `Authorization: Bearer T` on REST, `?token=T` on /ws.
    #[arg(long, env = "SPREADWATCH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// HTTP worker threads.
    #[arg(long, env = "SPREADWATCH_WORKERS", default_value_t = 2, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=256))]
    pub workers: usize,
}

pub fn run(a: GatewayArgs) -> Result<()> {
    let url = a.nats.strip_prefix("nats:").filter(|u| u.contains("://"));
    let url = url.unwrap_or(&a.nats).to_string();
    anyhow::ensure!(
        url.starts_with("nats://") || url.starts_with("tls://"),
        "--nats {:?}: expected nats://host:port",
        a.nats
    );
    serve(a, url)
}

#[cfg(not(feature = "nats"))]
fn serve(_: GatewayArgs, _: String) -> Result<()> {
    anyhow::bail!(super::serve::NEEDS_NATS)
}

#[cfg(feature = "nats")]
fn serve(a: GatewayArgs, url: String) -> Result<()> {
    use anyhow::Context;
    use spreadwatch_engine::cluster::broker::connect;
    use spreadwatch_engine::cluster::gateway::{Gateway, Shards};
    use spreadwatch_engine::server::{self, Access, ServerConfig};
    use spreadwatch_engine::{Engine, EngineConfig};
    let access = Access::new(a.token.clone()).map_err(|e| anyhow::anyhow!("--{e}"))?;
    let cfg = ServerConfig {
        access,
        ui_dir: Some(a.ui_dir.clone()),
        workers: a.workers,
        ..ServerConfig::default()
    };
    let engine_cfg = EngineConfig {
        scan: None,
        ..EngineConfig::default()
    };
    let listener = std::net::TcpListener::bind(&a.bind)
        .with_context(|| format!("cannot listen on {}", a.bind))?;
    let addr = listener.local_addr()?;
    actix_rt::System::new().block_on(async move {
        let engine = Engine::start(engine_cfg)?;
        let client = connect(&url, "gateway", &engine.status_board()).await?;
        let gateway = Gateway::new(client, engine.status_board());
        engine.set_remote(std::sync::Arc::new(Shards(gateway.clone())));
        let stop = tokio_util::sync::CancellationToken::new();
        let task = actix_rt::spawn(gateway.run(engine.handle(), stop.clone()));
        println!("{}", server::announcement(addr));
        tracing::info!(broker = %url, "gateway serving on http://{addr}");
        server::run(listener, engine.handle(), cfg, super::shutdown_signal()).await?;
        stop.cancel();
        let _ = task.await;
        engine.shutdown().await;
        Ok(())
    })
}
