//! One WebSocket client of the load harness.
//!
//! A measuring client reads each frame as it comes, checks its `seq`, and
//! times each forming-bar delta from its trade's send (see
//! [`crate::loadtest`]). A draining client stands for a client on another
//! machine: it reads what has arrived every couple of milliseconds in one
//! go, checking `seq` from the frame's first bytes without parsing the rest,
//! so the harness's own CPU takes less from the server on a shared machine.
//! The server writes to it exactly as to any other session.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures_util::{FutureExt, StreamExt};
use hdrhistogram::Histogram;
use spreadwatch_engine::mock::SendTable;
use tokio_tungstenite::tungstenite::Message;

use crate::stamped::StampedStream;

/// How a client reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// Every frame at once, timed.
    Measure,
    /// Everything that has arrived, every period, untimed.
    Drain(Duration),
}

/// What one client saw.
pub(crate) struct ClientResult {
    pub frames: u64,
    pub gaps: u64,
    pub resyncs: u64,
    pub unmatched: u64,
    pub hist: Histogram<u64>,
    pub delivered: Histogram<u64>,
    /// Timed deltas whose read carried no receive stamp (their delivery
    /// time is the read time).
    pub unstamped: u64,
    /// The previous frame's `seq`, 0 before the first.
    last_seq: u64,
}

/// The fields a client reads; the rest of each frame is skipped without
/// being built, so the harness spends its CPU on receiving rather than on
/// parsing what it does not look at.
#[derive(serde::Deserialize)]
struct Frame<'a> {
    seq: u64,
    #[serde(rename = "type", borrow)]
    ty: &'a str,
    #[serde(default)]
    resync: bool,
    #[serde(default, borrow)]
    kind: Option<&'a str>,
    #[serde(default, borrow)]
    bar: Option<BarRef<'a>>,
}

#[derive(serde::Deserialize)]
struct BarRef<'a> {
    #[serde(borrow)]
    symbol: &'a str,
    #[serde(default)]
    close_id: Option<u64>,
}

pub(crate) fn hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 120_000_000, 3).unwrap_or_else(|_| unreachable!("valid bounds"))
}

/// The `seq` of a server frame, read from its opening `{"seq":N,` (the
/// server writes it first), and whether it is a resync snapshot.
fn peek(frame: &str) -> Option<(u64, bool)> {
    let rest = frame.strip_prefix("{\"seq\":")?;
    let end = rest.find(|c: char| !c.is_ascii_digit())?;
    let seq = rest[..end].parse().ok()?;
    // Bytes, not a str slice: the 64th byte may fall inside a character.
    let head = &rest.as_bytes()[end..rest.len().min(end + 64)];
    let has = |pat: &[u8]| head.windows(pat.len()).any(|w| w == pat);
    // `resync` follows `type` in a snapshot, so both are in the head.
    let resync = has(b"\"type\":\"snapshot\"") && has(b"\"resync\":true");
    Some((seq, resync))
}

impl ClientResult {
    fn new() -> Self {
        ClientResult {
            frames: 0,
            gaps: 0,
            resyncs: 0,
            unmatched: 0,
            hist: hist(),
            delivered: hist(),
            unstamped: 0,
            last_seq: 0,
        }
    }

    fn sequence(&mut self, seq: u64, resync: bool) {
        if self.last_seq != 0 && seq != self.last_seq + 1 {
            self.gaps += 1;
        }
        self.last_seq = seq;
        if resync {
            self.resyncs += 1;
        }
    }
}

/// Connects to `url` and reads until `until`, counting from `measure_from`.
pub(crate) async fn client(
    url: String,
    table: Arc<SendTable>,
    symbols: Vec<String>,
    reading: Reading,
    measure_from: Instant,
    until: Instant,
) -> Result<ClientResult> {
    let req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        format!("{url}/ws"),
    )?;
    let addr = url.trim_start_matches("ws://");
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .with_context(|| format!("connect {addr}"))?;
    tcp.set_nodelay(true)?;
    let stream = StampedStream::new(tcp).context("receive stamps")?;
    let (ws, _) = tokio_tungstenite::client_async(req, stream)
        .await
        .context("ws connect")?;
    match reading {
        Reading::Drain(every) => drain(ws, every, measure_from, until).await,
        Reading::Measure => measure(ws, &table, &symbols, measure_from, until).await,
    }
}

type Ws = tokio_tungstenite::WebSocketStream<StampedStream>;

/// Reads what has arrived every `every`, checking only `seq`.
async fn drain(
    mut ws: Ws,
    every: Duration,
    measure_from: Instant,
    until: Instant,
) -> Result<ClientResult> {
    let mut r = ClientResult::new();
    let end = tokio::time::sleep_until(until.into());
    tokio::pin!(end);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = &mut end => return Ok(r),
        }
        let counting = Instant::now() >= measure_from;
        while let Some(m) = ws.next().now_or_never() {
            match m {
                Some(Ok(Message::Text(t))) => {
                    let (seq, resync) = peek(&t).context("frame starts with its seq")?;
                    r.sequence(seq, resync);
                    r.frames += u64::from(counting);
                }
                Some(Ok(_)) => {}
                _ => return Ok(r),
            }
        }
    }
}

/// Reads each frame as it comes and times its forming-bar deltas.
async fn measure(
    mut ws: Ws,
    table: &SendTable,
    symbols: &[String],
    measure_from: Instant,
    until: Instant,
) -> Result<ClientResult> {
    let mut r = ClientResult::new();
    // One timer for the whole run: a timeout per frame would register and
    // cancel a timer 1,000s of times a second, CPU the server shares. The
    // clock check ends the run even while frames keep the biased select on
    // the socket.
    let end = tokio::time::sleep_until(until.into());
    tokio::pin!(end);
    while Instant::now() < until {
        let m = tokio::select! {
            biased;
            m = ws.next() => match m {
                Some(Ok(Message::Text(t))) => t,
                Some(Ok(_)) => continue,
                _ => break,
            },
            _ = &mut end => break,
        };
        let now_ns = table.now_ns();
        let age = ws.get_ref().rx_age_ns();
        let arrived_ns = age.map_or(now_ns, |age| now_ns.saturating_sub(age));
        let v: Frame<'_> = serde_json::from_str(&m).context("frame is a server message")?;
        r.sequence(v.seq, v.ty == "snapshot" && v.resync);
        if Instant::now() < measure_from {
            continue;
        }
        r.frames += 1;
        // A forming-bar delta is caused by its newest trade; a closed bar is
        // published when the watermark passes, by design later.
        if let (Some("forming"), Some(bar)) = (v.kind, v.bar) {
            match symbols
                .iter()
                .position(|s| s == bar.symbol)
                .and_then(|i| table.sent_at(i, bar.close_id.unwrap_or(0)))
            {
                Some(sent) if now_ns >= sent => {
                    let _ = r.hist.record(((now_ns - sent) / 1000).max(1));
                    r.unstamped += u64::from(age.is_none());
                    let _ = r
                        .delivered
                        .record((arrived_ns.saturating_sub(sent) / 1000).max(1));
                }
                _ => r.unmatched += 1,
            }
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peek_reads_the_seq_and_spots_a_resync() {
        assert_eq!(
            peek(r#"{"seq":42,"type":"bar","kind":"forming"}"#),
            Some((42, false))
        );
        assert_eq!(
            peek(r#"{"seq":7,"type":"snapshot","resync":true,"bars":[]}"#),
            Some((7, true))
        );
        assert_eq!(
            peek(r#"{"seq":8,"type":"snapshot","resync":false}"#),
            Some((8, false))
        );
        // A frame whose text mentions a resync is not a resync snapshot.
        assert_eq!(
            peek(r#"{"seq":9,"type":"alert","text":"\"resync\":true"}"#),
            Some((9, false))
        );
        // A multi-byte character across the 64th byte does not panic.
        let error = format!(
            r#"{{"seq":10,"type":"error","message":"{}"}}"#,
            "é".repeat(40)
        );
        assert_eq!(peek(&error), Some((10, false)));
        assert_eq!(peek(r#"{"type":"bar","seq":1}"#), None);
        assert_eq!(peek(r#"{"seq":x}"#), None);
    }
}
