//! Replays a file of Binance frames, one per line: combined or bare,
//! `@trade` or `@aggTrade`, plain or gzip (detected by its magic bytes).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use flate2::read::MultiGzDecoder;
use spreadwatch_proto::FeedState;
use tokio_util::sync::CancellationToken;

use super::feed::FeedWriter;
use super::frame::MAX_TIME_MS;
use crate::error::{Error, Result};

/// How fast a replay runs.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Speed {
    /// As fast as the pipeline goes.
    #[default]
    Max,
    /// Paced by the event time `E`, at this multiple of real time.
    Times(f64),
}

/// The slowest pacing, a thousandth of real time.
pub const MIN_SPEED: f64 = 1e-3;
/// The fastest pacing short of `max`.
pub const MAX_SPEED: f64 = 1e6;

impl std::str::FromStr for Speed {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("max") {
            return Ok(Speed::Max);
        }
        match s.trim_end_matches('x').parse::<f64>() {
            Ok(v) if (MIN_SPEED..=MAX_SPEED).contains(&v) => Ok(Speed::Times(v)),
            _ => Err(format!(
                "invalid speed {s:?}: expected a number from {MIN_SPEED} to {MAX_SPEED} or \"max\""
            )),
        }
    }
}

/// Opens a replay file, transparently decompressing gzip.
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut magic = [0u8; 2];
    let n = read_up_to(&mut f, &mut magic).map_err(|e| Error::io(path, e))?;
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    if n == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(BufReader::with_capacity(
            1 << 20,
            MultiGzDecoder::new(f),
        )))
    } else {
        Ok(Box::new(BufReader::with_capacity(1 << 20, f)))
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// What a finished replay did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplaySummary {
    /// Lines read.
    pub lines: u64,
    /// Bytes read (uncompressed).
    pub bytes: u64,
}

/// A replay of one file.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The file.
    pub path: PathBuf,
    /// Pacing.
    pub speed: Speed,
}

impl Replay {
    /// Runs the replay to the end of the file, feeding `feed`; the caller
    /// marks the source finished. `progress` is called with bytes read.
    ///
    /// Reading is blocking, so run this on a thread of its own.
    pub async fn run(
        &self,
        feed: &mut FeedWriter,
        mut progress: impl FnMut(u64),
        stop: &CancellationToken,
    ) -> Result<ReplaySummary> {
        let mut reader = open(&self.path)?;
        feed.board().set_state(FeedState::Live);
        let mut line = Vec::with_capacity(4096);
        let mut sum = ReplaySummary::default();
        let mut pace = Pace::new(self.speed);
        loop {
            if stop.is_cancelled() {
                break;
            }
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| Error::io(&self.path, e))?;
            if n == 0 {
                break;
            }
            sum.lines += 1;
            sum.bytes += n as u64;
            let text = trim_line(&line);
            if text.is_empty() {
                continue;
            }
            if let Some(pause) = pace.pause(text, Instant::now) {
                feed.flush().await;
                // A recording's quiet hours are waited out at 1x, but a
                // stop ends the wait.
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = stop.cancelled() => break,
                }
            }
            feed.handle(text, None);
            if feed.should_flush() {
                feed.flush().await;
                progress(sum.bytes);
            }
        }
        feed.drain().await;
        progress(sum.bytes);
        Ok(sum)
    }
}

/// Holds a paced replay to the recording's clock: each line's event time,
/// divided by the speed, after the first line's.
#[derive(Debug)]
struct Pace {
    times: Option<f64>,
    start: Option<(Instant, i64)>,
}

impl Pace {
    fn new(speed: Speed) -> Self {
        let times = match speed {
            Speed::Times(x) => Some(x),
            _ => None,
        };
        Pace { times, start: None }
    }

    /// How long to wait before the line `text`, if at all. The clock is
    /// read only when pacing: at full speed a read per line is a few
    /// percent of the replay.
    fn pause(&mut self, text: &[u8], clock: impl FnOnce() -> Instant) -> Option<Duration> {
        let x = self.times?;
        // A time the parser would refuse paces nothing: one bad line must
        // not stall the replay.
        let e = event_time(text).filter(|e| (0..=MAX_TIME_MS).contains(e))?;
        let now = clock();
        let (t0, e0) = *self.start.get_or_insert((now, e));
        // `Speed::Times` built in code is not range-checked: an absurd wait
        // is a long wait, never a panic.
        let wait = Duration::try_from_secs_f64(((e - e0).max(0) as f64 / 1000.0) / x)
            .unwrap_or(Duration::MAX);
        let pause = t0
            .checked_add(wait)
            .map_or(wait, |due| due.saturating_duration_since(now));
        (!pause.is_zero()).then_some(pause)
    }
}

fn trim_line(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\n' | b'\r' | b' ' | b'\t') {
        end -= 1;
    }
    &line[..end]
}

/// Finds `"E":<digits>` without a full parse (only needed when pacing).
fn event_time(text: &[u8]) -> Option<i64> {
    let pat = b"\"E\":";
    let i = text.windows(pat.len()).position(|w| w == pat)? + pat.len();
    let digits: Vec<u8> = text[i..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(e: i64) -> Vec<u8> {
        format!(r#"{{"e":"aggTrade","E":{e},"s":"BTCUSDT"}}"#).into_bytes()
    }

    #[test]
    fn pacing_follows_the_event_clock_divided_by_the_speed() {
        let t0 = Instant::now();
        let mut p = Pace::new(Speed::Times(2.0));
        assert_eq!(p.pause(&line(10_000), || t0), None);
        // 4 s of recording at 2x is 2 s after the first line.
        let got = p.pause(&line(14_000), || t0 + Duration::from_millis(500));
        assert_eq!(got, Some(Duration::from_millis(1_500)));
        // Behind schedule: no wait.
        assert_eq!(p.pause(&line(14_000), || t0 + Duration::from_secs(3)), None);
        // A bad time paces nothing.
        assert_eq!(p.pause(&line(-5), || t0), None);
        assert_eq!(p.pause(b"not json", || t0), None);
    }

    #[test]
    fn full_speed_never_waits() {
        let mut p = Pace::new(Speed::Max);
        let clock = || -> Instant { panic!("the clock is read at full speed") };
        assert_eq!(p.pause(&line(1), clock), None);
        assert_eq!(p.pause(&line(1_000_000), clock), None);
    }

    #[test]
    fn speed_parses() {
        assert_eq!("max".parse::<Speed>().unwrap(), Speed::Max);
        assert_eq!("10".parse::<Speed>().unwrap(), Speed::Times(10.0));
        assert_eq!("2.5x".parse::<Speed>().unwrap(), Speed::Times(2.5));
        assert!("0".parse::<Speed>().is_err());
        assert!("fast".parse::<Speed>().is_err());
    }

    #[test]
    fn finds_event_time() {
        assert_eq!(
            event_time(br#"{"e":"trade","E":1700000000100,"T":1}"#),
            Some(1_700_000_000_100)
        );
        assert_eq!(event_time(b"{}"), None);
    }

    #[test]
    fn gzip_is_detected_by_magic() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("feed.bin");
        let mut gz =
            flate2::write::GzEncoder::new(File::create(&p).unwrap(), flate2::Compression::fast());
        gz.write_all(b"line1\nline2\n").unwrap();
        gz.finish().unwrap();
        let lines: Vec<String> = open(&p).unwrap().lines().map(|l| l.unwrap()).collect();
        assert_eq!(lines, vec!["line1", "line2"]);
        assert!(matches!(
            open(&dir.path().join("missing")),
            Err(Error::Io { .. })
        ));
    }
}
