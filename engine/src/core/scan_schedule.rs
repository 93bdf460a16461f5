//! [`ScanSchedule`]: when the live scanner runs, in data time: on the first
//! 1 m bar close of each `every` slot.

use spreadwatch_proto::Interval;

/// Decides which 1 m bar closes start a scan.
#[derive(Debug, Clone)]
pub struct ScanSchedule {
    every_ms: i64,
    /// The slot of the last scan started (or restored).
    last: Option<i64>,
}

impl ScanSchedule {
    /// Scans once per `every_ms` of data time (at least a minute).
    pub fn new(every_ms: i64) -> Self {
        ScanSchedule {
            every_ms: every_ms.max(Interval::M1.millis()),
            last: None,
        }
    }

    /// Given the newest bar watermark, the end of the window due now (the
    /// newest 1 m boundary at or before it), when that end starts a new
    /// slot; `None` otherwise.
    pub fn due(&mut self, watermark_ms: i64) -> Option<i64> {
        let end = Interval::M1.bucket_start(watermark_ms);
        let slot = end.div_euclid(self.every_ms);
        if self.last.is_some_and(|l| slot <= l) {
            return None;
        }
        self.last = Some(slot);
        Some(end)
    }

    /// Takes a scan ending at `end_ms` as done (one restored on restart), so
    /// its slot does not run again.
    pub fn done(&mut self, end_ms: i64) {
        let slot = end_ms.div_euclid(self.every_ms);
        self.last = Some(self.last.map_or(slot, |l| l.max(slot)));
    }

    /// True before any scan was started or restored.
    pub fn is_fresh(&self) -> bool {
        self.last.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: i64 = 60_000;

    #[test]
    fn one_scan_per_slot_on_the_first_close_in_it() {
        let mut s = ScanSchedule::new(5 * M);
        assert_eq!(s.due(12 * M + 300), Some(12 * M));
        // Later closes in the same 5-minute slot start nothing.
        assert_eq!(s.due(13 * M + 1), None);
        assert_eq!(s.due(14 * M + 59_999), None);
        assert_eq!(s.due(15 * M), Some(15 * M));
        // A jump over several slots starts one scan, at the newest close.
        assert_eq!(s.due(31 * M + 5), Some(31 * M));
        assert_eq!(s.due(30 * M), None, "an older watermark starts nothing");
    }

    #[test]
    fn a_restored_scan_is_not_run_again() {
        let mut s = ScanSchedule::new(M);
        assert!(s.is_fresh());
        s.done(40 * M);
        assert!(!s.is_fresh());
        assert_eq!(s.due(40 * M + 10), None);
        assert_eq!(s.due(41 * M), Some(41 * M));
    }

    #[test]
    fn the_period_is_at_least_a_minute() {
        let mut s = ScanSchedule::new(1_000);
        assert_eq!(s.due(M + 1), Some(M));
        assert_eq!(s.due(M + 30_000), None);
    }
}
