//! `sidebyside`: one recorded replay through spreadwatch and through a small
//! reference of the original Python design (benches/python/
//! reference_pipeline.py), each fed by its own mock Binance at full speed.
//! Prints both throughputs and the ratio, as JSON with `--json`.
//!
//! `cargo run --release --bin sidebyside -- --ticks 100000 --python scripts/golden/.venv/bin/python`

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
use serde_json::json;
use spreadwatch_benches::loadtest::{start_engine, status, ticks_of};
use spreadwatch_engine::mock::{MockBinance, MockConfig};
use spreadwatch_engine::sources::frame::StreamKind;

#[derive(Parser)]
#[command(about = "The same replay through spreadwatch and the original Python design")]
struct Args {
    /// Trades in the replay (two symbols).
    #[arg(long, default_value_t = 100_000)]
    ticks: u64,
    /// Trades per second per symbol in data time (sets how many 1 s
    /// refreshes the Python side makes).
    #[arg(long, default_value_t = 100.0)]
    rate: f64,
    /// The Python interpreter with pandas, statsmodels and websockets.
    #[arg(long, default_value = "scripts/golden/.venv/bin/python")]
    python: PathBuf,
    /// Write the result here.
    #[arg(long)]
    json: Option<PathBuf>,
}

async fn mock(frames: &[String]) -> Result<MockBinance> {
    Ok(MockBinance::start(MockConfig {
        frames: frames.to_vec(),
        frame_interval: Duration::ZERO,
        ..MockConfig::default()
    })
    .await?)
}

/// Spreadwatch: from the engine's first ingested trade to its last.
async fn spreadwatch(frames: &[String], n: u64) -> Result<f64> {
    let m = mock(frames).await?;
    let bin = std::env::current_exe()?.with_file_name("spreadwatch");
    anyhow::ensure!(bin.is_file(), "{} not found: build it first", bin.display());
    let names = vec!["BTCUSDT".to_string(), "ETHUSDT".to_string()];
    let engine = start_engine(Some(&bin), &m.base_url(), &names)?;
    let http = reqwest::Client::new();
    let end = Instant::now() + Duration::from_secs(120);
    let mut first = None;
    loop {
        let t = ticks_of(&status(&http, &engine.url).await);
        let now = Instant::now();
        if t > 0 && first.is_none() {
            first = Some(now);
        }
        if t >= n {
            return Ok(first.map_or(0.0, |f| now.duration_since(f).as_secs_f64()));
        }
        anyhow::ensure!(now < end, "spreadwatch ingested {t} of {n} trades in 120 s");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// The Python reference: its own timing, first frame to last refresh.
async fn python(frames: &[String], n: u64, py: &PathBuf) -> Result<serde_json::Value> {
    let m = mock(frames).await?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/reference_pipeline.py");
    let out = tokio::process::Command::new(py)
        .args([script, &m.base_url(), "ETHUSDT", "BTCUSDT", &n.to_string()])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(1800), out)
        .await
        .context("the Python side took over 30 minutes")?
        .with_context(|| format!("cannot run {}", py.display()))?;
    anyhow::ensure!(
        out.status.success(),
        "the Python side failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).context("the Python side's JSON")
}

#[tokio::main]
async fn main() -> Result<()> {
    let a = Args::parse();
    let mut frames = Vec::with_capacity(a.ticks as usize);
    spreadwatch_benches::synthetic_frames(a.ticks, 2, a.rate, StreamKind::AggTrade, |l| {
        frames.push(l.to_string())
    });
    let rs = spreadwatch(&frames, a.ticks).await?;
    let py = python(&frames, a.ticks, &a.python).await?;
    let py_s = py["seconds"].as_f64().context("python seconds")?;
    let r = json!({
        "ticks": a.ticks,
        "spreadwatch": {"seconds": rs, "ticks_per_s": a.ticks as f64 / rs},
        "python": py,
        "ratio": py_s / rs,
    });
    println!(
        "replay of {} trades: spreadwatch {rs:.3} s ({:.0} ticks/s, analytics on every trade), \
         python {py_s:.1} s ({:.0} ticks/s, {} refreshes), ratio {:.0}x",
        a.ticks,
        a.ticks as f64 / rs,
        a.ticks as f64 / py_s,
        py["refreshes"],
        py_s / rs
    );
    if let Some(p) = a.json {
        std::fs::write(&p, serde_json::to_string_pretty(&r)?)?;
    }
    Ok(())
}
