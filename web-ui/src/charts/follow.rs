//! Where the charts look, as pure arithmetic on logical ranges (bar
//! indices, as lightweight-charts counts them): pinned to the newest bar, or
//! held where the user left it. The sync group carries these decisions out.

use serde::{Deserialize, Serialize};

/// Bars a chart opens on (TradingView opens near this many).
pub const DEFAULT_BARS: f64 = 150.0;
/// Empty bars kept right of the newest, so it is not under the price axis.
pub const RIGHT_MARGIN: f64 = 2.0;
/// One wheel notch zooms by this factor (lightweight-charts' own step is
/// 1.1, which takes over twenty notches for an eightfold zoom).
pub const ZOOM_STEP: f64 = 1.25;
/// The fewest bars a zoom shows.
pub const MIN_BARS: f64 = 5.0;

/// How the time axes move as data arrives.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum View {
    /// Pinned to the newest bar, showing about `bars` bars (all of them when
    /// there are fewer).
    Live {
        /// Bars in view.
        bars: f64,
    },
    /// Where the user scrolled to, in seconds; new bars do not move it.
    Held {
        /// Left edge, seconds.
        from: f64,
        /// Right edge, seconds.
        to: f64,
    },
}

impl View {
    /// What a new data set opens on: the newest bars of a live feed, the
    /// whole of an uploaded file.
    pub fn opening(whole: bool) -> Self {
        View::Live {
            bars: if whole { f64::INFINITY } else { DEFAULT_BARS },
        }
    }

    /// True while pinned to the newest bar.
    pub fn is_live(&self) -> bool {
        matches!(self, View::Live { .. })
    }
}

/// A logical range, `from` and `to` in bar indices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    /// Left edge.
    pub from: f64,
    /// Right edge.
    pub to: f64,
}

impl Span {
    fn width(&self) -> f64 {
        self.to - self.from
    }
}

/// The range that shows the newest `bars` of `n` bars, or all of them when
/// there are fewer.
pub fn live_span(n: usize, bars: f64) -> Span {
    let to = n as f64 - 1.0 + RIGHT_MARGIN;
    let from = if (n as f64) > bars {
        to - bars - RIGHT_MARGIN
    } else {
        -0.5
    };
    Span { from, to }
}

/// What a range the user moved to means: live when the newest of `n` bars
/// is still in view at the right edge, otherwise held at `times`.
pub fn classify(s: Span, n: usize, times: (f64, f64)) -> View {
    if s.to >= n as f64 - 1.5 {
        View::Live {
            bars: (s.width() - RIGHT_MARGIN).max(MIN_BARS),
        }
    } else {
        View::Held {
            from: times.0,
            to: times.1,
        }
    }
}

/// The range after `notches` wheel notches (positive zooms out) around
/// `anchor`, a bar index; at least [`MIN_BARS`] wide, and no wider than all
/// `n` bars with the margin.
pub fn zoom(s: Span, notches: f64, anchor: f64, n: usize) -> Span {
    let want = s.width() * ZOOM_STEP.powf(notches);
    let most = (n as f64 + RIGHT_MARGIN + 0.5).max(MIN_BARS);
    let f = want.clamp(MIN_BARS, most) / s.width();
    Span {
        from: anchor - (anchor - s.from) * f,
        to: anchor + (s.to - anchor) * f,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_view_shows_the_newest_bars_or_all_of_few() {
        let s = live_span(1000, 150.0);
        assert_eq!(s.to, 999.0 + RIGHT_MARGIN);
        assert_eq!(s.to - s.from, 150.0 + RIGHT_MARGIN);
        // Two bars: both, not two bars stretched over the width forever.
        assert_eq!(
            live_span(2, 150.0),
            Span {
                from: -0.5,
                to: 3.0
            }
        );
        assert_eq!(live_span(40, f64::INFINITY).from, -0.5);
    }

    #[test]
    fn a_move_that_keeps_the_newest_bar_stays_live() {
        let n = 500;
        let at_edge = Span {
            from: 400.0,
            to: 501.0,
        };
        assert_eq!(
            classify(at_edge, n, (0.0, 1.0)),
            View::Live {
                bars: 101.0 - RIGHT_MARGIN
            }
        );
        let back = Span {
            from: 300.0,
            to: 420.0,
        };
        assert_eq!(
            classify(back, n, (10.0, 20.0)),
            View::Held {
                from: 10.0,
                to: 20.0
            }
        );
    }

    #[test]
    fn eight_times_the_range_takes_under_ten_notches() {
        let mut s = Span {
            from: 98.0,
            to: 100.0,
        };
        let mut notches = 0;
        while s.width() < 16.0 {
            s = zoom(s, 1.0, s.to, 10_000);
            notches += 1;
        }
        assert!(notches <= 10, "{notches} notches");
        assert_eq!(s.to, 100.0, "a live zoom keeps the right edge");
    }

    #[test]
    fn zoom_is_bounded_by_the_data_and_a_minimum() {
        let s = Span {
            from: 0.0,
            to: 50.0,
        };
        let out = zoom(s, 30.0, 50.0, 60);
        assert!((out.width() - (60.0 + RIGHT_MARGIN + 0.5)).abs() < 1e-9);
        let inn = zoom(s, -30.0, 25.0, 60);
        assert!((inn.width() - MIN_BARS).abs() < 1e-9);
        assert!((inn.from + inn.to) / 2.0 - 25.0 < 1e-9, "around the anchor");
    }
}
