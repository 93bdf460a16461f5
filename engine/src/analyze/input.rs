//! Reading OHLCV CSV for `spreadwatch analyze` and `POST /api/analyze`
//! (the long format's own reader is in `long_format`).
//!
//! Two layouts are accepted:
//! - long format: one file with a time column (`timestamp`, `time`,
//!   `start_ms`, `open_time` or `date`), a `symbol` column and `close`;
//!   this is also what `spreadwatch replay --export-dir` writes;
//! - Binance kline CSV, one file per symbol (with or without the header
//!   `open_time,open,high,low,close,…`).
//!
//! Times may be epoch seconds, milliseconds or microseconds (told apart by
//! magnitude) or ISO 8601 (a date, or a date and time, UTC unless an offset
//! is given). Every error names the file, line and column.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::Read;
use std::rc::Rc;

use chrono::{DateTime, NaiveDate, NaiveDateTime};

use crate::error::{Error, Result};

/// Closes of two legs, inner-joined on time and sorted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aligned {
    /// Times, ms since the epoch.
    pub ts: Vec<i64>,
    /// Closes of the regressor leg.
    pub x: Vec<f64>,
    /// Closes of the dependent leg.
    pub y: Vec<f64>,
}

impl Aligned {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// Keeps only the last `n` rows.
    pub fn keep_last(&mut self, n: usize) {
        let cut = self.len().saturating_sub(n);
        self.ts.drain(..cut);
        self.x.drain(..cut);
        self.y.drain(..cut);
    }

    /// Joins two `time → close` maps on time.
    pub fn join(y: &BTreeMap<i64, f64>, x: &BTreeMap<i64, f64>) -> Self {
        let mut a = Aligned::default();
        for (t, yv) in y {
            if let Some(xv) = x.get(t) {
                a.ts.push(*t);
                a.x.push(*xv);
                a.y.push(*yv);
            }
        }
        a
    }
}

pub(super) const TIME_COLUMNS: [&str; 5] = ["timestamp", "time", "start_ms", "open_time", "date"];

/// Parses a time cell into epoch ms.
///
/// ```
/// use spreadwatch_engine::analyze::input::parse_time_ms;
/// assert_eq!(parse_time_ms("1700000000"), Some(1_700_000_000_000));
/// assert_eq!(parse_time_ms("1700000000123"), Some(1_700_000_000_123));
/// assert_eq!(parse_time_ms("1987-05-15"), Some(548_035_200_000));
/// assert_eq!(parse_time_ms("2023-11-14T22:13:20Z"), Some(1_700_000_000_000));
/// assert_eq!(parse_time_ms("yesterday"), None);
/// ```
pub fn parse_time_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(v) = s.parse::<i64>() {
        let a = v.unsigned_abs();
        return Some(if a >= 100_000_000_000_000 {
            v / 1000
        } else if a >= 100_000_000_000 {
            v
        } else {
            v.checked_mul(1000)?
        });
    }
    if let Ok(v) = s.parse::<f64>() {
        if v.is_finite() && v.abs() < 1e11 {
            return Some((v * 1000.0).round() as i64);
        }
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.timestamp_millis());
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
            return Some(d.and_utc().timestamp_millis());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp_millis())
}

/// The largest close taken: no market trades anywhere near it, and the
/// estimators' sums of squares stay far from overflowing.
pub const MAX_CLOSE: f64 = 1e15;

/// The longest row read: a file without line breaks (or with a quote left
/// open) is refused at this size instead of being buffered whole.
pub const MAX_ROW_BYTES: u64 = 1 << 20;

/// A cell as an error message shows it: at most 40 characters, so a huge
/// bad value does not make a huge message (or log line).
pub(super) fn shown(s: &str) -> String {
    let mut chars = s.chars();
    let head: String = chars.by_ref().take(40).collect();
    if chars.next().is_none() {
        format!("{head:?}")
    } else {
        format!("{head:?}... ({} bytes)", s.len())
    }
}

pub(super) fn parse_close(file: &str, line: u64, col: &str, s: &str) -> Result<f64> {
    let fail = |why: String| Err(Error::input(file, Some(line), Some(col), why));
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= MAX_CLOSE => Ok(v),
        Ok(_) => fail(format!(
            "{} is out of range: at most {MAX_CLOSE:e} in size",
            shown(s)
        )),
        Err(_) => fail(format!("cannot parse {} as a number", shown(s))),
    }
}

/// A reader that fails once one row passes [`MAX_ROW_BYTES`]: the CSV
/// parser would otherwise buffer a row without end.
pub(super) struct RowBound<R> {
    inner: R,
    read: u64,
    row_start: Rc<Cell<u64>>,
}

impl<R: Read> Read for RowBound<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.read.saturating_sub(self.row_start.get()) > MAX_ROW_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("a row longer than {MAX_ROW_BYTES} bytes (is this a CSV file?)"),
            ));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// A CSV reader over `data` whose rows are bounded; mark each row's end
/// in the returned cell.
pub(super) fn bounded_csv<R: Read>(
    b: &mut csv::ReaderBuilder,
    data: R,
) -> (csv::Reader<RowBound<R>>, Rc<Cell<u64>>) {
    let row_start = Rc::new(Cell::new(0));
    let rdr = b.from_reader(RowBound {
        inner: data,
        read: 0,
        row_start: row_start.clone(),
    });
    (rdr, row_start)
}

pub(super) fn insert(
    file: &str,
    line: u64,
    col: &str,
    m: &mut BTreeMap<i64, f64>,
    t: i64,
    v: f64,
) -> Result<()> {
    if m.insert(t, v).is_some() {
        return Err(Error::input(
            file,
            Some(line),
            Some(col),
            format!("duplicate time {t} for this symbol"),
        ));
    }
    Ok(())
}

/// Calls `f` with each row and its 0-based index, until the end or the
/// first error, and returns how many rows there were. Each row is bounded
/// from where the one before it ended. `first_line` is the file line of
/// row 0, for errors that carry no position.
pub(super) fn each_row<R: Read>(
    file: &str,
    rdr: &mut csv::Reader<RowBound<R>>,
    row_start: &Cell<u64>,
    first_line: u64,
    mut f: impl FnMut(u64, &csv::StringRecord) -> Result<()>,
) -> Result<u64> {
    let mut rec = csv::StringRecord::new();
    let mut n = 0u64;
    row_start.set(rdr.position().byte());
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => return Ok(n),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(n + first_line, |p| p.line());
                return Err(Error::input(
                    file,
                    Some(line),
                    None,
                    format!("malformed row: {e}"),
                ));
            }
        }
        row_start.set(rdr.position().byte());
        f(n, &rec)?;
        n += 1;
    }
}

/// Reads one symbol's Binance kline CSV: `time → close`.
pub fn read_klines(file: &str, data: &[u8]) -> Result<BTreeMap<i64, f64>> {
    read_klines_from(file, data)
}

/// [`read_klines`] from a stream; the first bad row stops it.
pub fn read_klines_from(file: &str, data: impl Read) -> Result<BTreeMap<i64, f64>> {
    let (mut rdr, row_start) = bounded_csv(
        csv::ReaderBuilder::new()
            .has_headers(false)
            .trim(csv::Trim::All)
            .flexible(true),
        data,
    );
    let mut out = BTreeMap::new();
    each_row(file, &mut rdr, &row_start, 1, |i, rec| {
        let line = rec.position().map(|p| p.line()).unwrap_or(i + 1);
        let first = rec.get(0).unwrap_or("");
        if i == 0 && first.parse::<f64>().is_err() {
            return Ok(()); // header row
        }
        if rec.len() < 5 {
            return Err(Error::input(
                file,
                Some(line),
                None,
                format!(
                    "expected at least 5 columns (open_time … close), found {}",
                    rec.len()
                ),
            ));
        }
        let t = parse_time_ms(first).ok_or_else(|| {
            Error::input(
                file,
                Some(line),
                Some("open_time"),
                format!("cannot parse {} as a time", shown(first)),
            )
        })?;
        let v = parse_close(file, line, "close", rec.get(4).unwrap_or(""))?;
        insert(file, line, "open_time", &mut out, t, v)
    })?;
    if out.is_empty() {
        return Err(Error::input(file, None, None, "no rows"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::long_format::read_long;

    #[test]
    fn each_row_is_bounded_on_its_own() {
        // Two rows of 600 kB pass (1.2 MB together); one of 1.1 MB does not.
        let note = |n: usize| "x".repeat(n);
        let csv = format!(
            "date,symbol,close,note\n2020-01-01,A,1,{a}\n2020-01-01,B,2,{a}\n",
            a = note(600_000)
        );
        assert!(read_long("t.csv", csv.as_bytes(), "A", "B").is_ok());
        let csv = format!(
            "date,symbol,close,note\n2020-01-01,A,1,x\n2020-01-01,B,2,{}\n",
            note(1_100_000)
        );
        let e = read_long("t.csv", csv.as_bytes(), "A", "B").unwrap_err();
        assert!(e.to_string().contains("longer than 1048576 bytes"), "{e}");
    }

    #[test]
    fn long_format_joins_on_time() {
        let csv = "date,symbol,close\n2020-01-01,A,1\n2020-01-01,B,2\n2020-01-02,A,3\n2020-01-03,B,4\n2020-01-03,A,5\n";
        let (y, x) = read_long("t.csv", csv.as_bytes(), "A", "B").unwrap();
        let a = Aligned::join(&y, &x);
        assert_eq!(a.y, vec![1.0, 5.0]);
        assert_eq!(a.x, vec![2.0, 4.0]);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let cases = [
            ("time,sym,close\n", "missing column \"symbol\""),
            ("symbol,close\n", "missing time column"),
            (
                "time,symbol,close\n1700000000,A,abc\n1700000000,B,1\n",
                "line 2, column close: cannot parse \"abc\"",
            ),
            (
                "time,symbol,close\nnoon,A,1\n",
                "line 2, column time: cannot parse \"noon\"",
            ),
            (
                "time,symbol,close\n1,A,1\n1,A,2\n",
                "line 3, column time: duplicate time",
            ),
            (
                "time,symbol,close\n1,A,1\n1,C,1\n",
                "unknown symbol B: the file has C",
            ),
        ];
        for (csv, want) in cases {
            let e = read_long("up.csv", csv.as_bytes(), "A", "B")
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("up.csv") && e.contains(want),
                "{e:?} should contain {want:?}"
            );
        }
    }

    #[test]
    fn klines_with_or_without_header_and_in_microseconds() {
        let with = "open_time,open,high,low,close,volume\n1700000000000,1,1,1,10.5,1\n";
        let without = "1700000000000000,1,1,1,10.5,1,x,y\n";
        assert_eq!(
            read_klines("a", with.as_bytes()).unwrap()[&1_700_000_000_000],
            10.5
        );
        assert_eq!(
            read_klines("b", without.as_bytes()).unwrap()[&1_700_000_000_000],
            10.5
        );
        assert!(read_klines("c", b"1700000000000,1,2\n")
            .unwrap_err()
            .to_string()
            .contains("line 1"));
    }
}
