//! Threshold-crossing alerts on a z-score stream.
//!
//! An alert fires at i when `|z[i-1]| <= k` and `|z[i]| > k`: the spread
//! has just left the band. A missing z on either side is no crossing, and a
//! jump from +2.5 straight to -2.5 never passed through the band, so it is
//! not a new alert. With hysteresis `h > 0`, after an alert the detector
//! stays disarmed until `|z| < k - h`, so a z-score hovering at the
//! threshold cannot alert on every wiggle.

use spreadwatch_proto::Side;

/// Streaming band-exit detector.
///
/// ```
/// use spreadwatch_engine::core::alert::AlertDetector;
/// use spreadwatch_proto::Side;
/// let mut d = AlertDetector::new(2.0, 0.0);
/// assert_eq!(d.update(Some(1.0)), None);
/// assert_eq!(d.update(Some(-2.5)), Some(Side::Below));
/// assert_eq!(d.update(Some(2.5)), None); // never re-entered the band
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AlertDetector {
    k: f64,
    h: f64,
    prev: Option<f64>,
    armed: bool,
}

impl AlertDetector {
    /// Creates a detector for band half-width `k` and hysteresis `h`; a
    /// negative or non-finite `h` means none, and a NaN `k` never fires.
    pub fn new(k: f64, h: f64) -> Self {
        let h = if h.is_finite() && h > 0.0 { h } else { 0.0 };
        AlertDetector {
            k,
            h,
            prev: None,
            armed: true,
        }
    }

    /// Feeds the next z (NaN counts as missing) and reports an alert.
    pub fn update(&mut self, z: Option<f64>) -> Option<Side> {
        let z = z.filter(|v| !v.is_nan());
        let prev = std::mem::replace(&mut self.prev, z);
        let z = z?;
        if !self.armed {
            self.armed = z.abs() < self.k - self.h;
            return None;
        }
        let was_inside = prev.is_some_and(|p| p.abs() <= self.k);
        if !(was_inside && z.abs() > self.k) {
            return None;
        }
        // Without hysteresis the plain crossing rule needs no arming.
        self.armed = self.h == 0.0;
        Some(if z > 0.0 { Side::Above } else { Side::Below })
    }

    /// Forgets the history; the next z cannot alert.
    pub fn reset(&mut self) {
        *self = AlertDetector::new(self.k, self.h);
    }
}

/// Indices and sides of every alert in `z`, as `AlertDetector` reports them.
pub fn detect_alerts(z: &[Option<f64>], k: f64, h: f64) -> Vec<(usize, Side)> {
    let mut d = AlertDetector::new(k, h);
    z.iter()
        .enumerate()
        .filter_map(|(i, &v)| d.update(v).map(|s| (i, s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use Side::{Above, Below};

    const N: Option<f64> = None;

    fn s(v: &[f64]) -> Vec<Option<f64>> {
        v.iter()
            .map(|&x| if x.is_nan() { None } else { Some(x) })
            .collect()
    }

    #[test]
    fn table() {
        let nan = f64::NAN;
        #[allow(clippy::type_complexity)]
        let cases: &[(&str, Vec<Option<f64>>, f64, f64, Vec<(usize, Side)>)] = &[
            ("empty", vec![], 2.0, 0.0, vec![]),
            (
                "first point outside is no crossing",
                s(&[2.5, 2.6]),
                2.0,
                0.0,
                vec![],
            ),
            ("up-cross", s(&[0.0, 1.9, 2.1]), 2.0, 0.0, vec![(2, Above)]),
            ("down-cross", s(&[0.0, -2.1]), 2.0, 0.0, vec![(1, Below)]),
            (
                "boundary is inside",
                s(&[2.0, 2.0, 2.0000001, -2.0, -3.0]),
                2.0,
                0.0,
                vec![(2, Above), (4, Below)],
            ),
            (
                "sign flip outside is no alert",
                s(&[1.0, 2.5, -2.5, 2.5]),
                2.0,
                0.0,
                vec![(1, Above)],
            ),
            (
                "missing breaks the crossing",
                vec![Some(1.0), N, Some(3.0), Some(1.0), Some(3.0)],
                2.0,
                0.0,
                vec![(4, Above)],
            ),
            ("nan is missing", s(&[1.0, nan, 3.0]), 2.0, 0.0, vec![]),
            (
                "re-cross without hysteresis",
                s(&[1.0, 2.1, 1.99, 2.1, 1.0, -2.2]),
                2.0,
                0.0,
                vec![(1, Above), (3, Above), (5, Below)],
            ),
            (
                "hysteresis suppresses wiggles",
                s(&[1.0, 2.1, 1.99, 2.1, 1.6, 2.3]),
                2.0,
                0.5,
                vec![(1, Above)],
            ),
            (
                "hysteresis re-arms strictly below k-h",
                s(&[1.0, 2.1, 1.5, 2.2, 1.49, 2.2]),
                2.0,
                0.5,
                vec![(1, Above), (5, Above)],
            ),
            (
                "re-arm then other side",
                s(&[0.0, -2.5, 0.0, 2.5]),
                2.0,
                0.5,
                vec![(1, Below), (3, Above)],
            ),
            (
                "negative h means none",
                s(&[1.0, 2.1, 1.99, 2.1]),
                2.0,
                -1.0,
                vec![(1, Above), (3, Above)],
            ),
            ("nan k never fires", s(&[0.0, 5.0]), nan, 0.0, vec![]),
            (
                "infinite z is outside",
                s(&[0.0, f64::NEG_INFINITY]),
                2.0,
                0.0,
                vec![(1, Below)],
            ),
        ];
        for (name, z, k, h, want) in cases {
            assert_eq!(&detect_alerts(z, *k, *h), want, "{name}");
        }
    }

    #[test]
    fn reset_forgets_history_and_arming() {
        let mut d = AlertDetector::new(2.0, 0.5);
        d.update(Some(0.0));
        assert_eq!(d.update(Some(3.0)), Some(Above));
        d.reset();
        assert_eq!(d.update(Some(3.0)), None);
        d.update(Some(1.9));
        assert_eq!(d.update(Some(3.0)), Some(Above));
    }

    proptest! {
        #[test]
        fn without_hysteresis_alerts_are_exactly_the_band_exits(
            z in prop::collection::vec(prop::option::of(-4.0f64..4.0), 0..60),
            k in 0.5f64..3.0,
        ) {
            let want: Vec<(usize, Side)> = (1..z.len())
                .filter_map(|i| match (z[i - 1], z[i]) {
                    (Some(p), Some(c)) if p.abs() <= k && c > k => Some((i, Above)),
                    (Some(p), Some(c)) if p.abs() <= k && c < -k => Some((i, Below)),
                    _ => None,
                })
                .collect();
            prop_assert_eq!(detect_alerts(&z, k, 0.0), want);
        }

        #[test]
        fn hysteresis_only_removes_alerts(
            z in prop::collection::vec(prop::option::of(-4.0f64..4.0), 0..60),
            k in 0.5f64..3.0,
            h in 0.0f64..1.0,
        ) {
            let plain = detect_alerts(&z, k, 0.0);
            prop_assert!(detect_alerts(&z, k, h).iter().all(|a| plain.contains(a)));
        }
    }
}
