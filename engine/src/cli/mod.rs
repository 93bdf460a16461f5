//! Command-line interface: `serve`, `replay`, `record`, `analyze`, `scan`,
//! `ingest`, `gateway`.

mod analyze;
mod args;
mod gateway;
mod ingest;
mod record;
mod replay;
mod scan;
mod scan_flags;
mod serve;
mod shard;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

pub use args::{Cli, Command};

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // Help and version go to stdout with exit 0; errors exit 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let res = match cli.command {
        Command::Serve(a) => serve::run(a),
        Command::Replay(a) => replay::run(a),
        Command::Record(a) => record::run(a),
        Command::Analyze(a) => analyze::run(a),
        Command::Scan(a) => scan::run(a),
        Command::Ingest(a) => ingest::run(a),
        Command::Gateway(a) => gateway::run(a),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", chain(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each cause once: an error whose message
/// already ends with its cause's (an I/O error on a path) is not followed
/// by it again.
fn chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let msg = cause.to_string();
        if out.ends_with(&msg) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&msg);
    }
    out
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("shutdown requested");
}
