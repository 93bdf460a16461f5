//! The live pair scanner's flags on `serve` (`--scan-*`).

use std::time::Duration;

use anyhow::Result;
use clap::Args;
use spreadwatch_engine::actors::scanner::ScanConfig;
use spreadwatch_proto::scan::ScanParams;

#[derive(Debug, Args, Clone)]
pub struct ScanFlags {
    /// Data time between pair scans of every tracked symbol, on the 1 m bar close (0s: no scanner).
    #[arg(long, env = "SPREADWATCH_SCAN_EVERY", default_value = "1m", value_parser = humantime::parse_duration)]
    pub scan_every: Duration,
    /// 1 m bar times each scan uses (the newest).
    #[arg(long, env = "SPREADWATCH_SCAN_LOOKBACK", default_value_t = 1_440)]
    pub scan_lookback: usize,
    /// Pairs with a smaller |correlation| of log returns are not tested.
    #[arg(long, env = "SPREADWATCH_SCAN_MIN_CORR", default_value_t = 0.7)]
    pub scan_min_corr: f64,
    /// At most this many pairs (by |correlation|) are tested each scan.
    #[arg(long, env = "SPREADWATCH_SCAN_MAX_CANDIDATES", default_value_t = 5_000)]
    pub scan_max_candidates: usize,
    /// Pairs kept in the ranking.
    #[arg(long, env = "SPREADWATCH_SCAN_TOP", default_value_t = 200)]
    pub scan_top: usize,
    /// Points of each spread the z of its last point is taken over.
    #[arg(long, env = "SPREADWATCH_SCAN_WINDOW", default_value_t = 60)]
    pub scan_window: usize,
}

impl ScanFlags {
    /// The scanner's settings, `None` for `--scan-every 0s`.
    ///
    /// # Errors
    /// A period under a minute, or a setting out of range, named.
    pub fn config(&self) -> Result<Option<ScanConfig>> {
        if self.scan_every.is_zero() {
            return Ok(None);
        }
        anyhow::ensure!(
            self.scan_every >= Duration::from_secs(60)
                && self.scan_every.as_secs().is_multiple_of(60)
                && self.scan_every.subsec_nanos() == 0,
            "--scan-every {}: whole minutes (scans run on the 1 m bar close), or 0s for no scanner",
            humantime::format_duration(self.scan_every)
        );
        let params = ScanParams {
            lookback: self.scan_lookback,
            min_corr: self.scan_min_corr,
            max_candidates: self.scan_max_candidates,
            top: self.scan_top,
            window: self.scan_window,
        };
        params
            .validate()
            .map_err(|e| anyhow::anyhow!("--scan-{e}"))?;
        Ok(Some(ScanConfig {
            params,
            every: self.scan_every,
        }))
    }
}
