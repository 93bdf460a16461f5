//! `spreadwatch scan`: every pair of an OHLCV file ranked by cointegration,
//! as JSON.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use clap::Args;
use spreadwatch_engine::analyze::scan::scan_market;
use spreadwatch_engine::analyze::{read_klines_from, read_long_all_from, Market};
use spreadwatch_proto::scan::ScanParams;
use spreadwatch_proto::Symbol;

use super::analyze::open;

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// A long-format OHLCV CSV, or SYM=PATH (repeated) for Binance kline CSVs.
    #[arg(long, required = true)]
    pub csv: Vec<String>,
    /// Bar times in the window: the newest of the file's union of times.
    #[arg(long, default_value_t = 1_440)]
    pub lookback: usize,
    /// Pairs with a smaller |correlation| of log returns are not tested.
    #[arg(long, default_value_t = 0.7)]
    pub min_corr: f64,
    /// At most this many pairs (by |correlation|) are tested.
    #[arg(long, default_value_t = 5_000)]
    pub max_candidates: usize,
    /// Pairs kept in the ranking.
    #[arg(long, default_value_t = 200)]
    pub top: usize,
    /// Points of the spread the z of its last point is taken over.
    #[arg(long, default_value_t = 60)]
    pub window: usize,
}

/// Reads the market: one long-format file, or one kline file per symbol.
fn read_market(csv: &[String]) -> Result<(Market, String)> {
    if let [one] = csv {
        if !one.contains('=') {
            return Ok((read_long_all_from(one, open(one)?)?, one.clone()));
        }
    }
    let mut market = BTreeMap::new();
    for spec in csv {
        let (sym, path) = spec
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--csv {spec:?}: with several files, write SYM=PATH"))?;
        let sym: Symbol = sym
            .parse()
            .map_err(|_| anyhow::anyhow!("--csv {spec:?}: {sym:?} is not a symbol"))?;
        let closes = read_klines_from(path, open(path)?)?;
        anyhow::ensure!(
            market.insert(sym.clone(), closes).is_none(),
            "--csv names {sym} twice"
        );
    }
    Ok((market, csv.first().cloned().unwrap_or_default()))
}

pub fn run(a: ScanArgs) -> Result<()> {
    let (market, name) = read_market(&a.csv)?;
    let params = ScanParams {
        lookback: a.lookback,
        min_corr: a.min_corr,
        max_candidates: a.max_candidates,
        top: a.top,
        window: a.window,
    };
    let report = scan_market(&market, &params, &name)?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &report)?;
    writeln!(out)?;
    Ok(())
}
