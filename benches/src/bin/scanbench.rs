//! Times one full scan of a synthetic market (`--symbols` x `--bars`, the
//! default 550 x 1,440) and prints it as JSON; `--csv PATH` also writes the
//! market for `benches/python/scan_reference.py` and `spreadwatch scan`.

use std::time::Instant;

use clap::Parser;
use spreadwatch_benches::market::{synthetic_market, write_long_csv};
use spreadwatch_engine::core::scan::scan;
use spreadwatch_proto::scan::ScanParams;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 550)]
    symbols: usize,
    #[arg(long, default_value_t = 1_440)]
    bars: usize,
    /// Symbols per correlated cluster.
    #[arg(long, default_value_t = 40)]
    cluster: usize,
    /// Scans to time.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    #[arg(long)]
    csv: Option<std::path::PathBuf>,
    /// The screen's threshold (0.7, as the scanner's default).
    #[arg(long, default_value_t = 0.7)]
    min_corr: f64,
}

fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let market = synthetic_market(a.symbols, a.bars, a.cluster, 7);
    if let Some(path) = &a.csv {
        write_long_csv(
            &market,
            std::io::BufWriter::new(std::fs::File::create(path)?),
        )?;
    }
    let p = ScanParams {
        lookback: a.bars,
        min_corr: a.min_corr,
        ..ScanParams::default()
    };
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..a.runs.max(1) {
        let t0 = Instant::now();
        let out = scan(&market, &p);
        times.push(t0.elapsed().as_secs_f64() * 1e3);
        last = Some(out);
    }
    let out = last.expect("one run at least");
    let report = serde_json::json!({
        "symbols": out.symbols,
        "bars": a.bars,
        "pairs_screened": out.pairs_screened,
        "candidates": out.candidates,
        "ms": times,
        "top": out.results.iter().take(3).map(|r| format!("{}/{} p={:.3e}", r.y, r.x, r.coint.pvalue)).collect::<Vec<_>>(),
    });
    println!("{report}");
    Ok(())
}
