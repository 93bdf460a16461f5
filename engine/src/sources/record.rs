//! Writing frames: Binance's own format for simulated trades, and the
//! recorder behind `spreadwatch record`.
//!
//! A recorded line is the frame exactly as received, with the receive time
//! spliced in front: `{"recv_us":1700000000123456,"stream":…,"data":{…}}`.
//! Replay reads such lines like any other combined frame.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use flate2::write::GzEncoder;

use super::frame::StreamKind;
use crate::core::Tick;
use crate::error::{Error, Result};

/// Writes `tick` as a combined-stream frame, field for field as Binance does.
///
/// ```
/// use spreadwatch_engine::core::Tick;
/// use spreadwatch_engine::sources::{frame::StreamKind, record::frame_json};
/// let t = Tick { time_ms: 5, id: 9, first_id: 9, price: "1.5".parse().unwrap(), qty: "2".parse().unwrap(), count: 1, buyer_maker: true };
/// assert_eq!(
///     frame_json("BTCUSDT", &t, 6, StreamKind::Trade),
///     r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":6,"T":5,"s":"BTCUSDT","t":9,"p":"1.5","q":"2","X":"MARKET","m":true}}"#
/// );
/// ```
pub fn frame_json(symbol: &str, t: &Tick, event_ms: i64, kind: StreamKind) -> String {
    let lower = symbol.to_ascii_lowercase();
    match kind {
        StreamKind::AggTrade => format!(
            r#"{{"stream":"{lower}@aggTrade","data":{{"e":"aggTrade","E":{event_ms},"s":"{symbol}","a":{},"p":"{}","q":"{}","f":{},"l":{},"T":{},"m":{}}}}}"#,
            t.id,
            t.price,
            t.qty,
            t.first_id,
            t.last_id(),
            t.time_ms,
            t.buyer_maker
        ),
        StreamKind::Trade => format!(
            r#"{{"stream":"{lower}@trade","data":{{"e":"trade","E":{event_ms},"T":{},"s":"{symbol}","t":{},"p":"{}","q":"{}","X":"MARKET","m":{}}}}}"#,
            t.time_ms, t.id, t.price, t.qty, t.buyer_maker
        ),
    }
}

/// Writes received frames to a file, gzip when the name ends in `.gz`.
pub struct Recorder {
    out: Box<dyn Write + Send>,
    lines: u64,
}

impl Recorder {
    /// Creates (or truncates) the output file.
    pub fn create(path: &Path) -> Result<Self> {
        let f = File::create(path).map_err(|e| Error::io(path, e))?;
        let w = BufWriter::with_capacity(1 << 16, f);
        let out: Box<dyn Write + Send> = if path.extension().is_some_and(|e| e == "gz") {
            Box::new(GzEncoder::new(w, flate2::Compression::default()))
        } else {
            Box::new(w)
        };
        Ok(Recorder { out, lines: 0 })
    }

    /// Appends one frame with its receive time in µs.
    pub fn write(&mut self, frame: &[u8], recv_us: i64) -> std::io::Result<()> {
        let body = trim(frame);
        if body.first() == Some(&b'{') && body.len() > 2 {
            write!(self.out, "{{\"recv_us\":{recv_us},")?;
            self.out.write_all(&body[1..])?;
        } else {
            // Not an object: keep it verbatim, replay will count it as a drop.
            self.out.write_all(body)?;
        }
        self.out.write_all(b"\n")?;
        self.lines += 1;
        Ok(())
    }

    /// Lines written.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Flushes buffers (and finishes nothing: a gzip stream stays open).
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    /// Flushes and closes, finishing a gzip stream.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.out.flush()?;
        drop(self.out);
        Ok(())
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let mut end = b.len();
    while end > 0 && b[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    &b[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::frame::{parse_frame, Frame};

    #[test]
    fn recorded_lines_replay_identically() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["rec.jsonl", "rec.jsonl.gz"] {
            let p = dir.path().join(name);
            let mut r = Recorder::create(&p).unwrap();
            let t = Tick {
                time_ms: 10,
                id: 1 << 40,
                first_id: 1 << 39,
                price: "43000.1".parse().unwrap(),
                qty: "0.5".parse().unwrap(),
                count: 4,
                buyer_maker: false,
            };
            let f = frame_json("BTCUSDT", &t, 12, StreamKind::AggTrade);
            r.write(f.as_bytes(), 99).unwrap();
            r.finish().unwrap();
            let mut lines = std::io::BufRead::lines(crate::sources::replay::open(&p).unwrap());
            let line = lines.next().unwrap().unwrap();
            let Frame::Trade(got) = parse_frame(line.as_bytes()) else {
                panic!("{line}")
            };
            assert_eq!(got.tick, t);
            assert_eq!(got.recv_us, Some(99));
            assert_eq!(got.event_ms, 12);
        }
    }
}
