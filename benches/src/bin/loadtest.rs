//! `loadtest`: drive spreadwatch with a mock Binance and N WebSocket clients.
//!
//! `cargo run --release --bin loadtest -- --rate 20000 --clients 100 --duration 10 --json out.json`

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;
use spreadwatch_benches::loadtest::{run, LoadOptions};

#[derive(Parser)]
#[command(about = "Load-test spreadwatch through a mock Binance and WebSocket clients")]
struct Args {
    /// Ticks per second over all symbols, or "max".
    #[arg(long, default_value = "20000")]
    rate: String,
    /// Symbols (2 to 1,000).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(2..=1000))]
    symbols: u64,
    /// Zipf exponent of the rate per symbol: the first symbols trade most, as
    /// BTC and ETH do (0: every symbol alike; 1 is a market's usual shape).
    #[arg(long, default_value_t = 0.0)]
    skew: f64,
    /// Reading WebSocket clients.
    #[arg(long, default_value_t = 10)]
    clients: usize,
    /// Clients that never read.
    #[arg(long, default_value_t = 0)]
    slow_clients: usize,
    /// Reading clients that are timed, spread evenly; the others drain
    /// their sockets every 2 ms without parsing, like clients on other
    /// machines that cost this one little CPU (default: all are timed).
    #[arg(long)]
    measured: Option<usize>,
    /// How often, in µs, the mock sends the trades that are due (one write
    /// each time; at 20,000/s, 1000 sends bursts of ~20, 200 bursts of ~4).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(50..=1_000_000))]
    pace_us: u64,
    /// Measured seconds.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds before measuring.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// The spreadwatch binary (default: next to this one); "inproc" runs the engine in this process.
    #[arg(long)]
    engine: Option<String>,
    /// Write the JSON result here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Run the engine as a NATS cluster: nats-server -js, ingest, one shard
    /// and a gateway the clients connect to (the binary needs `--features nats`).
    #[arg(long)]
    cluster: bool,
}

#[tokio::main]
async fn main() -> Result<()> {
    let a = Args::parse();
    let rate = match a.rate.as_str() {
        "max" => None,
        r => Some(
            r.parse::<f64>()
                .map_err(|_| anyhow::anyhow!("--rate {r:?}: a number or max"))?,
        ),
    };
    let engine_bin = match a.engine.as_deref() {
        Some("inproc") => None,
        Some(p) => Some(PathBuf::from(p)),
        None => Some(std::env::current_exe()?.with_file_name("spreadwatch")),
    };
    if let Some(b) = &engine_bin {
        anyhow::ensure!(
            b.is_file(),
            "{} not found: build it (cargo build --release -p spreadwatch-engine) or pass --engine",
            b.display()
        );
    }
    let o = LoadOptions {
        rate,
        symbols: a.symbols as usize,
        skew: a.skew,
        clients: a.clients,
        slow_clients: a.slow_clients,
        measured: a.measured,
        pace: std::time::Duration::from_micros(a.pace_us),
        duration: a.duration,
        warmup: a.warmup,
        engine_bin,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        cluster: a.cluster,
    };
    let r = run(&o).await?;
    print!("{}", r.table());
    if let Some(p) = a.json {
        std::fs::write(&p, serde_json::to_string_pretty(&r)?)?;
    }
    Ok(())
}
