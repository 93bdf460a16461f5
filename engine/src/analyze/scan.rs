//! The scan of a whole uploaded market: every pair of its symbols ranked by
//! cointegration ([`crate::core::scan`]), behind `spreadwatch scan` and
//! `POST /api/scan`.

use std::time::Instant;

use spreadwatch_proto::scan::{ScanParams, ScanReport};

use super::long_format::Market;
use crate::core::scan::scan;
use crate::error::{Error, Result};

/// Scans `market` (read from `file`, named in errors) with `p`.
///
/// # Errors
/// A parameter out of range (`Error::Config`), or a file with fewer than
/// two symbols (`Error::Input`).
pub fn scan_market(market: &Market, p: &ScanParams, file: &str) -> Result<ScanReport> {
    p.validate().map_err(Error::Config)?;
    if market.len() < 2 {
        let have = market
            .keys()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Error::input(
            file,
            None,
            Some("symbol"),
            format!(
                "a scan needs at least two symbols, the file has {}",
                if have.is_empty() { "none".into() } else { have }
            ),
        ));
    }
    let t0 = Instant::now();
    let series: Vec<_> = market
        .iter()
        .map(|(s, m)| (s.clone(), m.iter().map(|(t, c)| (*t, *c)).collect()))
        .collect();
    let out = scan(&series, p);
    Ok(ScanReport {
        symbols: out.symbols,
        pairs_screened: out.pairs_screened,
        candidates: out.candidates,
        elapsed_ms: u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX),
        results: out.results,
    })
}
