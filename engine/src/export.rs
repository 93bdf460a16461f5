//! Bars as CSV: `start_ms,symbol,open,high,low,close,volume,trades`, sorted
//! by start then symbol, prices and volumes as exact decimals.

use std::io::Write;

use spreadwatch_proto::Bar;

/// The CSV header.
pub const BARS_HEADER: &str = "start_ms,symbol,open,high,low,close,volume,trades";

/// Writes bars (already sorted) as CSV with a header.
///
/// ```
/// let mut out = Vec::new();
/// spreadwatch_engine::export::write_bars_csv(&mut out, &[]).unwrap();
/// assert_eq!(out, b"start_ms,symbol,open,high,low,close,volume,trades\n");
/// ```
pub fn write_bars_csv<W: Write>(w: W, bars: &[Bar]) -> std::io::Result<()> {
    let mut c = csv::WriterBuilder::new().has_headers(false).from_writer(w);
    c.write_record(BARS_HEADER.split(','))?;
    for b in bars {
        c.write_record([
            b.start_ms.to_string(),
            b.symbol.to_string(),
            b.open.to_string(),
            b.high.to_string(),
            b.low.to_string(),
            b.close.to_string(),
            b.volume.to_string(),
            b.trades.to_string(),
        ])?;
    }
    c.flush()
}
