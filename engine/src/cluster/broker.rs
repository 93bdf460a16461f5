//! What both roles share on the broker: one connection that retries with
//! backoff and reports its state on the status board, the tick stream
//! (created when missing), and the backoff itself.

use std::future::Future;
use std::time::Duration;

use async_nats::jetstream::{self, stream};
use spreadwatch_proto::FeedState;
use tokio_util::sync::CancellationToken;

use super::names::{STREAM, TICKS};
use crate::error::{Error, Result};
use crate::status::StatusBoard;

/// A broker error as the crate's error.
pub fn net(e: impl std::fmt::Display) -> Error {
    Error::Network(format!("nats: {e}"))
}

/// The wait before retry `attempt` (from 0): 100 ms doubling to 5 s.
///
/// ```
/// use std::time::Duration;
/// use spreadwatch_engine::cluster::broker::backoff;
/// assert_eq!(backoff(0), Duration::from_millis(100));
/// assert_eq!(backoff(3), Duration::from_millis(800));
/// assert_eq!(backoff(60), Duration::from_secs(5));
/// ```
pub fn backoff(attempt: usize) -> Duration {
    let ms = 100u64.saturating_mul(1 << attempt.min(16));
    Duration::from_millis(ms.min(5_000))
}

/// Connects to `url` as `role`, retrying with backoff for as long as it
/// takes (the first connection too); the connection's state and errors go
/// to `status`'s cluster section.
pub async fn connect(url: &str, role: &str, status: &StatusBoard) -> Result<async_nats::Client> {
    status.with_cluster(|c| {
        c.role = role.to_string();
        c.broker = url.to_string();
        c.state = FeedState::Connecting;
    });
    let board = status.clone();
    options()
        .name(format!("spreadwatch-{role}"))
        .connection_timeout(Duration::from_secs(2))
        .event_callback(move |ev| {
            let board = board.clone();
            async move { on_event(&board, &ev) }
        })
        .connect(url)
        .await
        .map_err(net)
}

/// A second connection of a role whose first reports the state: it
/// retries with the same backoff, the first connection too.
pub async fn side_connection(url: &str) -> Result<async_nats::Client> {
    options().connect(url).await.map_err(net)
}

/// What every connection of a role does: connect in the background and
/// retry with [`backoff`] forever, the first connection too.
fn options() -> async_nats::ConnectOptions {
    async_nats::ConnectOptions::new()
        .retry_on_initial_connect()
        .max_reconnects(None)
        .reconnect_delay_callback(backoff)
}

/// Says plainly what happened to the broker connection.
fn on_event(board: &StatusBoard, ev: &async_nats::Event) {
    use async_nats::Event;
    match ev {
        Event::Connected => {
            tracing::info!("connected to the NATS broker");
            board.with_cluster(|c| c.state = FeedState::Live);
        }
        Event::Disconnected => {
            tracing::warn!("lost the NATS broker: reconnecting with backoff (100 ms to 5 s)");
            board.with_cluster(|c| {
                c.state = FeedState::Reconnecting;
                c.last_error = Some("broker connection lost; reconnecting".into());
            });
        }
        Event::Closed => tracing::info!("NATS connection closed"),
        other => {
            tracing::warn!("NATS broker: {other}");
            board.with_cluster(|c| c.last_error = Some(other.to_string()));
        }
    }
}

/// The tick stream's settings: every tick subject, kept `max_age`, on
/// disk, with the broker's de-duplication window of two minutes.
pub fn stream_config(max_age: Duration) -> stream::Config {
    stream::Config {
        name: STREAM.to_string(),
        subjects: vec![TICKS.to_string()],
        max_age,
        storage: stream::StorageType::File,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    }
}

/// The tick stream, created when missing; retried with backoff while the
/// broker is away, until `stop`.
pub async fn tick_stream(
    js: &jetstream::Context,
    max_age: Duration,
    status: &StatusBoard,
    stop: &CancellationToken,
) -> Result<stream::Stream> {
    retry(status, stop, "the tick stream", || {
        js.get_or_create_stream(stream_config(max_age))
    })
    .await
}

/// Runs `op` until it succeeds, waiting [`backoff`] between tries and
/// reporting each failure; `Err(Stopped)` once `stop` is cancelled.
pub async fn retry<T, E, F, Fut>(
    status: &StatusBoard,
    stop: &CancellationToken,
    what: &str,
    mut op: F,
) -> Result<T>
where
    E: std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<T, E>>,
{
    for attempt in 0.. {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                let msg = format!("{what}: {e}");
                tracing::warn!("NATS: {msg}; retrying");
                status.with_cluster(|c| c.last_error = Some(msg));
            }
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(backoff(attempt)) => {}
        }
    }
    Err(Error::Stopped)
}
