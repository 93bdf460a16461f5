//! One connection to Binance's combined streams, and the reconnect backoff.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

/// Reconnect delays: doubling from a minimum to a maximum, plus jitter.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    jitter: Duration,
    next: Duration,
}

impl Backoff {
    /// Creates a backoff starting at `min`.
    pub fn new(min: Duration, max: Duration, jitter: Duration) -> Self {
        Backoff {
            min,
            max,
            jitter,
            next: min,
        }
    }

    /// The next delay.
    pub fn next_delay(&mut self) -> Duration {
        let base = self.next;
        self.next = (self.next * 2).min(self.max);
        let j = self.jitter.as_millis() as u64;
        base + Duration::from_millis(if j == 0 {
            0
        } else {
            rand::rng().random_range(0..=j)
        })
    }

    /// Starts again from the minimum (after a healthy connection).
    pub fn reset(&mut self) {
        self.next = self.min;
    }
}

/// What a connection task reports to its shard.
pub(super) enum ConnEvent {
    Connected(u64),
    Frame(u64, Bytes, i64),
    Ping,
    Closed(u64, String),
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// One WebSocket connection: connects (bounded by `timeout`), forwards
/// every frame with its receive time, answers pings, and reports why it
/// ended.
pub(super) async fn connection(
    id: u64,
    url: String,
    timeout: Duration,
    tx: mpsc::Sender<ConnEvent>,
    stop: CancellationToken,
) {
    let res = tokio::select! {
        _ = stop.cancelled() => return,
        r = tokio::time::timeout(timeout, tokio_tungstenite::connect_async_with_config(url.as_str(), None, true)) => r,
    };
    let mut ws = match res {
        Ok(Ok((ws, _))) => ws,
        failed => {
            let why = match failed {
                Ok(Err(e)) => e.to_string(),
                _ => format!("timed out after {timeout:?}"),
            };
            let reason = format!("cannot reach Binance at {url}: {why}");
            let _ = tx.send(ConnEvent::Closed(id, reason)).await;
            return;
        }
    };
    let _ = tx.send(ConnEvent::Connected(id)).await;
    let reason = loop {
        let msg = tokio::select! {
            _ = stop.cancelled() => {
                let _ = ws.close(None).await;
                return;
            }
            m = ws.next() => m,
        };
        let ev = match msg {
            Some(Ok(Message::Text(t))) => ConnEvent::Frame(id, Bytes::from(t), now_us()),
            Some(Ok(Message::Binary(b))) => ConnEvent::Frame(id, b, now_us()),
            Some(Ok(Message::Ping(_))) => {
                // tungstenite has queued the pong; flushing sends it now.
                let _ = ws.flush().await;
                ConnEvent::Ping
            }
            Some(Ok(Message::Pong(_))) | Some(Ok(Message::Frame(_))) => continue,
            Some(Ok(Message::Close(f))) => {
                break match f {
                    Some(f) => format!("server closed: {} {}", u16::from(f.code), f.reason),
                    None => "server closed".to_string(),
                }
            }
            Some(Err(e)) => break format!("connection error: {e}"),
            None => break "connection ended".to_string(),
        };
        if tx.send(ev).await.is_err() {
            return;
        }
    };
    let _ = tx.send(ConnEvent::Closed(id, reason)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_its_cap_and_resets() {
        let mut b = Backoff::new(
            Duration::from_millis(500),
            Duration::from_secs(5),
            Duration::ZERO,
        );
        let got: Vec<u128> = (0..6).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(got, vec![500, 1000, 2000, 4000, 5000, 5000]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(500));
        let mut j = Backoff::new(
            Duration::from_millis(500),
            Duration::from_secs(5),
            Duration::from_millis(250),
        );
        let d = j.next_delay();
        assert!(d >= Duration::from_millis(500) && d <= Duration::from_millis(750));
    }
}
