//! The ingest role: every trade a source accepts goes to the tick stream
//! with `Nats-Msg-Id` `<SYMBOL>:<id>`, and leaves the [`Outbox`] only once
//! the broker acknowledged it. While the broker is away trades wait in the
//! outbox (bounded; the oldest dropped and counted when full) and the batch
//! that failed is sent again, in order, after a backoff.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, context::PublishAckFuture, message::PublishMessage};
use parking_lot::Mutex;
use spreadwatch_proto::cluster::PublishStatus;
use spreadwatch_proto::FeedState;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::broker::{backoff, connect, net, tick_stream};
use super::names::{msg_id, tick_subject, STREAM};
use super::outbox::{Outbox, Outgoing};
use crate::error::Result;
use crate::sources::accepted::{AcceptedTrade, TradeHook};
use crate::sources::record::frame_json;
use crate::status::StatusBoard;

/// Trades sent before their acknowledgements are awaited.
const BATCH: usize = 512;

/// How long a batch may wait for its acknowledgements.
const ACK_WAIT: Duration = Duration::from_secs(5);
const NO_ACK: &str = "no acknowledgement from the broker within 5 s";

struct Shared {
    outbox: Mutex<Outbox>,
    wake: Notify,
    /// Trades taken from the outbox and not yet acknowledged or put back.
    in_flight: AtomicUsize,
}

/// Publishes accepted trades to the tick stream.
#[derive(Clone)]
pub struct Publisher {
    shared: Arc<Shared>,
}

/// Where a batch's sending ended.
struct Sent {
    /// Handed to the broker.
    sent: u64,
    /// Acknowledged, and of those, already held.
    acked: u64,
    duplicates: u64,
    /// The first trade not acknowledged and every one after it, to send
    /// again in order, with the error.
    failed: Option<(Vec<Outgoing>, String)>,
}

impl Publisher {
    /// A publisher buffering at most `capacity` trades.
    pub fn new(capacity: usize) -> Self {
        Publisher {
            shared: Arc::new(Shared {
                outbox: Mutex::new(Outbox::new(capacity)),
                wake: Notify::new(),
                in_flight: AtomicUsize::new(0),
            }),
        }
    }

    /// The hook to give the engine (`EngineConfig::on_trade`): it queues
    /// each accepted trade as a Binance frame and returns at once.
    pub fn hook(&self) -> TradeHook {
        let shared = self.shared.clone();
        Arc::new(move |t: &AcceptedTrade<'_>| {
            let frame = frame_json(t.symbol, &t.tick, t.event_ms, t.kind);
            shared.outbox.lock().push(Outgoing {
                subject: tick_subject(t.symbol),
                id: msg_id(t.symbol, t.tick.id),
                payload: frame.into(),
            });
            shared.wake.notify_one();
        })
    }

    /// Trades not yet acknowledged by the broker: buffered or in flight.
    pub fn pending(&self) -> usize {
        let buffered = self.shared.outbox.lock().len();
        buffered + self.shared.in_flight.load(Ordering::Acquire)
    }

    /// Publishes to the broker at `url` (creating the stream, kept
    /// `max_age`, when missing) until `stop`, then for up to `grace` more
    /// while trades still wait.
    pub async fn run(
        self,
        url: String,
        max_age: Duration,
        status: StatusBoard,
        stop: CancellationToken,
        grace: Duration,
    ) -> Result<()> {
        let client = connect(&url, "ingest", &status).await?;
        let js = jetstream::new(client.clone());
        tick_stream(&js, max_age, &status, &stop).await?;
        let mut counts = PublishStatus {
            stream: STREAM.to_string(),
            ..Default::default()
        };
        let mut attempt = 0;
        let mut until: Option<tokio::time::Instant> = None;
        loop {
            if stop.is_cancelled() && until.is_none() {
                until = Some(tokio::time::Instant::now() + grace);
            }
            if until.is_some_and(|u| tokio::time::Instant::now() >= u) {
                break;
            }
            let batch = self.take();
            if batch.is_empty() {
                if until.is_some() {
                    break;
                }
                self.idle(&stop).await;
                continue;
            }
            let sent = send(&js, batch).await;
            attempt = self.account(sent, &mut counts, &status, attempt);
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt - 1)).await;
            }
        }
        // A broker still away at exit must not hold the exit up.
        match tokio::time::timeout(grace, client.flush()).await {
            Ok(r) => r.map_err(net),
            Err(_) => Ok(()),
        }
    }

    /// The next batch, counted in flight.
    fn take(&self) -> Vec<Outgoing> {
        let mut outbox = self.shared.outbox.lock();
        let batch = outbox.take(BATCH);
        self.shared.in_flight.store(batch.len(), Ordering::Release);
        batch
    }

    /// Waits for trades (or `stop`).
    async fn idle(&self, stop: &CancellationToken) {
        tokio::select! {
            _ = stop.cancelled() => {}
            _ = self.shared.wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
        }
    }

    /// Counts a batch's outcome, puts back what failed and reports it.
    /// Returns the failures in a row so far (0 after a success).
    fn account(
        &self,
        sent: Sent,
        counts: &mut PublishStatus,
        status: &StatusBoard,
        attempt: usize,
    ) -> usize {
        counts.published += sent.sent;
        counts.acked += sent.acked;
        counts.duplicates += sent.duplicates;
        let mut outbox = self.shared.outbox.lock();
        let next = match sent.failed {
            Some((failed, err)) => {
                counts.failed += failed.len() as u64;
                tracing::warn!(
                    "publishing to the tick stream failed ({err}); retrying with backoff"
                );
                status.with_cluster(|c| {
                    c.state = FeedState::Reconnecting;
                    c.last_error = Some(err);
                });
                outbox.retry(failed);
                attempt + 1
            }
            None => {
                if attempt > 0 {
                    tracing::info!("publishing to the tick stream again");
                    status.with_cluster(|c| c.state = FeedState::Live);
                }
                0
            }
        };
        counts.buffered = outbox.len() as u64;
        counts.capacity = outbox.capacity() as u64;
        counts.dropped = outbox.dropped();
        let snapshot = counts.clone();
        self.shared.in_flight.store(0, Ordering::Release);
        drop(outbox);
        status.with_cluster(|c| c.publish = Some(snapshot));
        next
    }
}

/// Sends a batch and awaits its acknowledgements, in order.
async fn send(js: &jetstream::Context, batch: Vec<Outgoing>) -> Sent {
    let mut futures: Vec<PublishAckFuture> = Vec::with_capacity(batch.len());
    let mut first_err = None;
    // One deadline for the whole batch: with the broker away every send
    // and acknowledgement waits, and the batch must come back to be retried.
    let deadline = tokio::time::Instant::now() + ACK_WAIT;
    for m in &batch {
        let msg = PublishMessage::build()
            .payload(m.payload.clone())
            .message_id(&m.id);
        let publish = js.send_publish(m.subject.clone(), msg);
        match tokio::time::timeout_at(deadline, publish).await {
            Ok(Ok(f)) => futures.push(f),
            Ok(Err(e)) => {
                first_err = Some(e.to_string());
                break;
            }
            Err(_) => {
                first_err = Some(NO_ACK.to_string());
                break;
            }
        }
    }
    let mut sent = Sent {
        sent: futures.len() as u64,
        acked: 0,
        duplicates: 0,
        failed: None,
    };
    let mut failed_at = futures.len();
    for (i, f) in futures.into_iter().enumerate() {
        match tokio::time::timeout_at(deadline, f).await {
            Ok(Ok(ack)) => {
                sent.acked += 1;
                sent.duplicates += u64::from(ack.duplicate);
            }
            Ok(Err(e)) => {
                first_err.get_or_insert(e.to_string());
                failed_at = failed_at.min(i);
            }
            Err(_) => {
                first_err.get_or_insert(NO_ACK.to_string());
                failed_at = failed_at.min(i);
            }
        }
    }
    if let Some(err) = first_err {
        // From the first failure on, in order: the broker stores each id
        // once, so sending an acknowledged one again only counts a duplicate.
        let rest: Vec<Outgoing> = batch.into_iter().skip(failed_at).collect();
        sent.failed = Some((rest, err));
    }
    sent
}
