//! `spreadwatch analyze`: the estimators on uploaded OHLCV data, as JSON.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use spreadwatch_engine::analyze::{
    analyze, read_klines_from, read_long_from, Aligned, AnalyzeOptions,
};
use spreadwatch_engine::Error;
use spreadwatch_proto::Model;

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// A long-format OHLCV CSV, or SYM=PATH (twice) for Binance kline CSVs.
    #[arg(long, required = true)]
    pub csv: Vec<String>,
    /// The dependent symbol.
    #[arg(long)]
    pub y: String,
    /// The regressor symbol.
    #[arg(long)]
    pub x: String,
    /// z-score and correlation window.
    #[arg(long, default_value_t = 60)]
    pub window: usize,
    /// Keep only the last N aligned rows.
    #[arg(long)]
    pub last: Option<usize>,
    /// Spread model: ols, huber, theil-sen or kalman.
    #[arg(long, default_value = "ols")]
    pub model: Model,
    /// Kalman delta.
    #[arg(long, default_value_t = 1e-4)]
    pub kalman_delta: f64,
    /// Kalman observation variance R.
    #[arg(long, default_value_t = 1.0)]
    pub kalman_r: f64,
    /// Alert threshold k on |z|.
    #[arg(long, default_value_t = 2.0)]
    pub z: f64,
    /// Alert hysteresis h.
    #[arg(long, default_value_t = 0.0)]
    pub hysteresis: f64,
    /// ADF and coint maximum lag (default: statsmodels' rule).
    #[arg(long)]
    pub maxlag: Option<usize>,
}

/// Opens a CSV to read as a stream: a huge or endless file is refused at
/// its first bad row instead of being read whole first.
pub(super) fn open(path: &str) -> Result<std::io::BufReader<std::fs::File>, Error> {
    let io = |e| Error::io(&PathBuf::from(path), e);
    let f = std::fs::File::open(path).map_err(io)?;
    if f.metadata().map_err(io)?.is_dir() {
        return Err(Error::input(
            path,
            None,
            None,
            "is a directory, not a CSV file",
        ));
    }
    Ok(std::io::BufReader::with_capacity(64 * 1024, f))
}

pub fn run(a: AnalyzeArgs) -> Result<()> {
    let (data, name) = match a.csv.as_slice() {
        [one] if !one.contains('=') => {
            let (y, x) = read_long_from(one, open(one)?, &a.y, &a.x)?;
            (Aligned::join(&y, &x), one.clone())
        }
        [p, q] => {
            let mut maps = std::collections::HashMap::new();
            for spec in [p, q] {
                let (sym, path) = spec.split_once('=').ok_or_else(|| {
                    anyhow::anyhow!("--csv {spec:?}: with two files, write SYM=PATH")
                })?;
                maps.insert(
                    sym.to_ascii_uppercase(),
                    (read_klines_from(path, open(path)?)?, path.to_string()),
                );
            }
            let get = |s: &str| {
                maps.get(&s.to_ascii_uppercase())
                    .ok_or_else(|| anyhow::anyhow!("no --csv {s}=PATH given for symbol {s}"))
            };
            let ((ym, yp), (xm, _)) = (get(&a.y)?, get(&a.x)?);
            (Aligned::join(ym, xm), yp.clone())
        }
        _ => anyhow::bail!("--csv takes one long-format file, or SYM=PATH twice"),
    };
    let opts = AnalyzeOptions {
        window: a.window,
        last: a.last,
        model: a.model,
        kalman_delta: a.kalman_delta,
        kalman_r: a.kalman_r,
        z: a.z,
        hysteresis: a.hysteresis,
        maxlag: a.maxlag,
    };
    let report = analyze(data, &opts, &name)?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &report)?;
    writeln!(out)?;
    Ok(())
}
