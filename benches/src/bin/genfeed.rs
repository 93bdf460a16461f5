//! `genfeed --ticks N --out FILE`: a synthetic Binance feed for throughput
//! runs (`spreadwatch replay FILE --speed max`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use spreadwatch_engine::sources::frame::StreamKind;

#[derive(Parser)]
#[command(about = "Write a synthetic Binance combined-stream feed")]
struct Args {
    /// Number of trades.
    #[arg(long, default_value_t = 1_000_000)]
    ticks: u64,
    /// Number of symbols (2 to 8).
    #[arg(long, default_value_t = 2)]
    symbols: usize,
    /// Trades per second per symbol (sets the time span).
    #[arg(long, default_value_t = 200.0)]
    rate: f64,
    /// aggTrade or trade.
    #[arg(long, default_value = "aggTrade")]
    stream: StreamKind,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
}

fn main() -> Result<()> {
    let a = Args::parse();
    let f = File::create(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, f);
    let mut err = None;
    spreadwatch_benches::synthetic_frames(a.ticks, a.symbols, a.rate, a.stream, |line| {
        if err.is_none() {
            if let Err(e) = w
                .write_all(line.as_bytes())
                .and_then(|_| w.write_all(b"\n"))
            {
                err = Some(e);
            }
        }
    });
    if let Some(e) = err {
        return Err(e).context("write failed");
    }
    w.flush()?;
    println!("wrote {} ticks to {}", a.ticks, a.out.display());
    Ok(())
}
