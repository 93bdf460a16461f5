//! [`TickBudget`]: one allowance of ticks held in memory for all symbols
//! together, so a quiet symbol does not hold room a busy one needs. Rings
//! grow on demand; once the total is over the budget, a ring that takes a
//! tick and holds more than its fair share (the budget over the rings)
//! gives back its oldest, while one under its share goes on growing to it.
//! A ring that stopped trading keeps what it has until it trades again, so
//! the total can reach twice the budget in the worst case, never more.
//! Ticks not saved yet (with `--data-dir`) are never given back.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Ticks every ring keeps whatever the budget (or all it holds, if fewer).
pub const RING_FLOOR: usize = 1_000;

/// Bytes one held tick costs, its share of the ring's buffer included
/// (what a byte budget is divided by).
pub const BYTES_PER_TICK: usize = 64;

/// The default: 40 million ticks, about 2.5 GB, room for 550 busy symbols
/// on a 24 GiB machine with the bars, pairs and the rest beside it.
pub const DEFAULT_TICKS: usize = 40_000_000;

/// Ticks allowed and ticks held, shared by every ring.
#[derive(Debug)]
pub struct TickBudget {
    limit: usize,
    held: AtomicUsize,
    rings: AtomicUsize,
}

impl TickBudget {
    /// A budget of `limit` ticks (at least one).
    pub fn new(limit: usize) -> Self {
        TickBudget {
            limit: limit.max(1),
            held: AtomicUsize::new(0),
            rings: AtomicUsize::new(0),
        }
    }

    /// Ticks allowed.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Ticks held by every ring now.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }

    /// True when the rings hold more than allowed.
    pub fn over(&self) -> bool {
        self.held() > self.limit
    }

    /// What one ring may hold while the budget is exceeded (at least the
    /// floor).
    pub fn fair_share(&self) -> usize {
        (self.limit / self.rings.load(Ordering::Relaxed).max(1)).max(RING_FLOOR)
    }

    pub(crate) fn joined(&self) {
        self.rings.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn left(&self) {
        self.rings.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn took(&self, n: usize) {
        self.held.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn gave_back(&self, n: usize) {
        self.held.fetch_sub(n, Ordering::Relaxed);
    }
}

impl Default for TickBudget {
    fn default() -> Self {
        TickBudget::new(DEFAULT_TICKS)
    }
}

/// Reads a budget: ticks (`40000000`, `40M`, `500k`) or bytes (`2.5GB`,
/// `4GiB`, `800MiB`), bytes divided by [`BYTES_PER_TICK`].
///
/// # Errors
/// A value that is not a positive number with one of those suffixes.
pub fn parse_budget(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?}: a number of ticks (40M) or bytes (2.5GB)"))?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" => 1.0,
        "k" => 1e3,
        "m" => 1e6,
        "g" => 1e9,
        "b" => 1.0 / BYTES_PER_TICK as f64,
        "kb" => 1e3 / BYTES_PER_TICK as f64,
        "mb" => 1e6 / BYTES_PER_TICK as f64,
        "gb" => 1e9 / BYTES_PER_TICK as f64,
        "kib" => 1024.0 / BYTES_PER_TICK as f64,
        "mib" => 1_048_576.0 / BYTES_PER_TICK as f64,
        "gib" => 1_073_741_824.0 / BYTES_PER_TICK as f64,
        other => {
            return Err(format!(
                "{s:?}: unknown unit {other:?} (k, M, G ticks; KB, MB, GB, KiB, MiB, GiB bytes)"
            ))
        }
    };
    let ticks = (n * scale).floor();
    if !(1.0..1e15).contains(&ticks) {
        return Err(format!("{s:?}: must be at least one tick"));
    }
    Ok(ticks as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_reads_ticks_or_bytes() {
        assert_eq!(parse_budget("40000000"), Ok(40_000_000));
        assert_eq!(parse_budget("40M"), Ok(40_000_000));
        assert_eq!(parse_budget("500k"), Ok(500_000));
        assert_eq!(parse_budget("2.5GB"), Ok(39_062_500));
        assert_eq!(parse_budget("4GiB"), Ok(67_108_864));
        assert!(parse_budget("0").is_err());
        assert!(parse_budget("lots").is_err());
        assert!(parse_budget("3 parsecs")
            .unwrap_err()
            .contains("unknown unit"));
    }
}
