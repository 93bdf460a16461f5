//! The long CSV format: one file with a time column, a `symbol` column and
//! `close`, one row per symbol and time (what `spreadwatch replay
//! --export-dir` writes). Rows are read one at a time and the first bad one
//! stops the read, naming its line and column.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use super::input::{
    bounded_csv, each_row, insert, parse_close, parse_time_ms, shown, TIME_COLUMNS,
};
use spreadwatch_proto::Symbol;

use crate::error::{Error, Result};

/// The two legs' `time → close`.
pub type Legs = (BTreeMap<i64, f64>, BTreeMap<i64, f64>);

/// Reads a long-format CSV and returns `time → close` for `y` and `x`.
pub fn read_long(file: &str, data: &[u8], y: &str, x: &str) -> Result<Legs> {
    read_long_from(file, data, y, x)
}

/// [`read_long`] from a stream (a file, an upload as it arrives): rows are
/// read one by one and the first bad one stops it.
pub fn read_long_from(file: &str, data: impl Read, y: &str, x: &str) -> Result<Legs> {
    if y.eq_ignore_ascii_case(x) {
        return Err(Error::input(
            file,
            None,
            Some("symbol"),
            format!("y and x are both {y}: name two different symbols"),
        ));
    }
    let (mut rdr, row_start) = bounded_csv(csv::ReaderBuilder::new().trim(csv::Trim::All), data);
    let headers = rdr
        .headers()
        .map_err(|e| Error::input(file, Some(1), None, format!("unreadable header: {e}")))?;
    let cols = Columns::find(file, headers)?;
    let mut legs = Gather::new(y, x);
    let rows = each_row(file, &mut rdr, &row_start, 2, |_, rec| {
        legs.take(file, &cols, rec)
    })?;
    legs.finish(file, rows)
}

/// Every symbol's `time → close`, by symbol.
pub type Market = BTreeMap<Symbol, BTreeMap<i64, f64>>;

/// Reads every symbol of a long-format CSV (the scanner's input), row by
/// row; the first bad row stops it, naming its line and column.
pub fn read_long_all_from(file: &str, data: impl Read) -> Result<Market> {
    let (mut rdr, row_start) = bounded_csv(csv::ReaderBuilder::new().trim(csv::Trim::All), data);
    let headers = rdr
        .headers()
        .map_err(|e| Error::input(file, Some(1), None, format!("unreadable header: {e}")))?;
    let cols = Columns::find(file, headers)?;
    let mut market = Market::new();
    let rows = each_row(file, &mut rdr, &row_start, 2, |_, rec| {
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let cell = rec.get(cols.symbol).unwrap_or("");
        let sym = Symbol::new(cell).map_err(|_| {
            let why = format!("{} is not a symbol (letters and digits)", shown(cell));
            Error::input(file, Some(line), Some("symbol"), why)
        })?;
        let (t, v) = cols.time_and_close(file, line, rec)?;
        insert(
            file,
            line,
            &cols.time_name,
            market.entry(sym).or_default(),
            t,
            v,
        )
    })?;
    has_rows(file, rows)?;
    Ok(market)
}

/// Refuses a file that is only a header.
fn has_rows(file: &str, rows: u64) -> Result<()> {
    if rows == 0 {
        return Err(Error::input(
            file,
            None,
            None,
            "no data rows, only a header",
        ));
    }
    Ok(())
}

/// Where the columns are, found from the header.
struct Columns {
    time: usize,
    time_name: String,
    symbol: usize,
    close: usize,
}

impl Columns {
    /// A row's time and close, or why one cannot be read.
    fn time_and_close(&self, file: &str, line: u64, rec: &csv::StringRecord) -> Result<(i64, f64)> {
        let tcell = rec.get(self.time).unwrap_or("");
        let t = parse_time_ms(tcell).ok_or_else(|| {
            let why = format!(
                "cannot parse {} as epoch s/ms or ISO 8601 time",
                shown(tcell)
            );
            Error::input(file, Some(line), Some(&self.time_name), why)
        })?;
        let v = parse_close(file, line, "close", rec.get(self.close).unwrap_or(""))?;
        Ok((t, v))
    }

    fn find(file: &str, headers: &csv::StringRecord) -> Result<Self> {
        let lower: Vec<String> = headers.iter().map(|h| h.to_ascii_lowercase()).collect();
        let find = |name: &str| lower.iter().position(|h| h == name);
        let missing = |what: String| Error::input(file, Some(1), None, what);
        let time = TIME_COLUMNS.iter().find_map(|n| find(n)).ok_or_else(|| {
            missing(format!(
                "missing time column: expected one of {}",
                TIME_COLUMNS.join(", ")
            ))
        })?;
        Ok(Columns {
            time,
            time_name: lower[time].clone(),
            symbol: find("symbol").ok_or_else(|| missing("missing column \"symbol\"".into()))?,
            close: find("close").ok_or_else(|| missing("missing column \"close\"".into()))?,
        })
    }
}

/// The rows of the two legs as they are read, and the other symbols seen
/// (to name them when a leg is missing).
struct Gather {
    /// The legs as asked for (for messages) and upper-cased (to match).
    names: (String, String),
    y: String,
    x: String,
    legs: Legs,
    others: BTreeSet<String>,
}

impl Gather {
    fn new(y: &str, x: &str) -> Self {
        Gather {
            names: (y.to_string(), x.to_string()),
            y: y.to_ascii_uppercase(),
            x: x.to_ascii_uppercase(),
            legs: (BTreeMap::new(), BTreeMap::new()),
            others: BTreeSet::new(),
        }
    }

    /// Takes one row: a close of a leg, or a symbol noted.
    fn take(&mut self, file: &str, cols: &Columns, rec: &csv::StringRecord) -> Result<()> {
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let sym = rec.get(cols.symbol).unwrap_or("").to_ascii_uppercase();
        let target = if sym == self.y {
            &mut self.legs.0
        } else if sym == self.x {
            &mut self.legs.1
        } else {
            if self.others.len() < 64 {
                self.others.insert(sym);
            }
            return Ok(());
        };
        let (t, v) = cols.time_and_close(file, line, rec)?;
        insert(file, line, &cols.time_name, target, t, v)
    }

    /// The legs, or why the file holds none of one of them.
    fn finish(self, file: &str, rows: u64) -> Result<Legs> {
        has_rows(file, rows)?;
        for (name, m) in [(&self.names.0, &self.legs.0), (&self.names.1, &self.legs.1)] {
            if m.is_empty() {
                let have: Vec<&str> = self.others.iter().map(String::as_str).collect();
                let have = if have.is_empty() {
                    "no other symbols".to_string()
                } else {
                    have.join(", ")
                };
                return Err(Error::input(
                    file,
                    None,
                    Some("symbol"),
                    format!("unknown symbol {name}: the file has {have}"),
                ));
            }
        }
        Ok(self.legs)
    }
}
