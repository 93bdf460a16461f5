//! The shard role's source: its legs' trades from the tick stream through
//! the shard's durable consumer, acknowledged only once a save holding them
//! is on disk ([`AckBook`]). On start the consumer is set back to its ack
//! floor, so whatever a crashed run had received but not saved comes again
//! at once and in stream order; the actors' rings drop the trades they
//! already hold by id, so nothing is counted twice.

use std::collections::HashSet;
use std::time::Duration;

use async_nats::jetstream::consumer::{pull, AckPolicy, DeliverPolicy, PullConsumer};
use async_nats::jetstream::context::ConsumerInfoErrorKind;
use async_nats::jetstream::message::Acker;
use async_nats::jetstream::{self, stream::Stream};
use futures_util::{FutureExt, StreamExt};
use spreadwatch_proto::cluster::{ConsumerStatus, ShardStatus};
use spreadwatch_proto::FeedState;
use tokio_util::sync::CancellationToken;

use super::acks::AckBook;
use super::broker::{connect, net, retry, tick_stream};
use super::names::{consumer_name, tick_subject, CONSUMER_PREFIX, MAX_AGE, TICKS};
use super::shard::ShardSource;
use crate::error::Result;
use crate::persist::epochs::SaveEpochs;
use crate::sources::feed::FeedWriter;
use crate::status::{SourceBoard, StatusBoard};

/// What the shard's reading needs.
pub struct ShardReader<'a> {
    /// The trades' way to the actors.
    pub feed: &'a mut FeedWriter,
    /// The source's board.
    pub board: &'a SourceBoard,
    /// The engine's board (its cluster section).
    pub status: &'a StatusBoard,
    /// The saves, to know what is on disk.
    pub saves: &'a SaveEpochs,
}

/// Reads `shard`'s trades from the broker at `url` until `stop`.
pub async fn run(
    url: &str,
    shard: &ShardSource,
    r: ShardReader<'_>,
    stop: &CancellationToken,
) -> Result<()> {
    let client = connect(url, "shard", r.status).await?;
    let js = jetstream::new(client.clone());
    let stream = tick_stream(&js, MAX_AGE, r.status, stop).await?;
    let subjects = filter(shard, &client.server_info().version);
    r.status
        .with_cluster(|c| c.shard = Some(shard_status(shard)));
    let (consumer, replay_to) = retry(r.status, stop, "the shard's consumer", || {
        open_consumer(&stream, shard, &subjects)
    })
    .await?;
    r.board.set_state(FeedState::Live);
    // Following the ranking, every symbol is read: any pair may come.
    let legs = (shard.follow.is_none()).then(|| {
        shard
            .legs
            .iter()
            .map(|l| tick_subject(l.as_str()))
            .collect()
    });
    let mut state = Reading {
        r,
        legs,
        book: AckBook::default(),
        replay_to,
        counts: ConsumerStatus {
            name: consumer_name(shard.spec.index),
            subjects,
            ..Default::default()
        },
    };
    state.read(consumer, stream, stop).await
}

/// The subjects the consumer filters on: the legs', on a broker that takes
/// several filters (2.10 and later); on an older one every tick subject,
/// the other legs skipped here.
fn filter(shard: &ShardSource, version: &str) -> Vec<String> {
    if shard.follow.is_some() {
        return vec![TICKS.to_string()];
    }
    let mut v = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (v.next().unwrap_or(0), v.next().unwrap_or(0));
    if (major, minor) >= (2, 10) {
        shard
            .legs
            .iter()
            .map(|l| tick_subject(l.as_str()))
            .collect()
    } else {
        vec![TICKS.to_string()]
    }
}

fn shard_status(shard: &ShardSource) -> ShardStatus {
    ShardStatus {
        index: shard.spec.index,
        count: shard.spec.count,
        owned: shard.owned.iter().map(ToString::to_string).collect(),
        configured: shard.configured as u32,
        members: Vec::new(),
    }
}

/// The shard's durable consumer, made again from its ack floor (or from the
/// stream's start when new). Returns it with the last stream sequence the
/// previous consumer had delivered: what comes again up to there is a
/// redelivery.
async fn open_consumer(
    stream: &Stream,
    shard: &ShardSource,
    subjects: &[String],
) -> std::result::Result<(PullConsumer, u64), String> {
    let name = consumer_name(shard.spec.index);
    let (start, replay_to) = match stream.consumer_info(&name).await {
        Ok(info) => {
            stream
                .delete_consumer(&name)
                .await
                .map_err(|e| e.to_string())?;
            (
                info.ack_floor.stream_sequence + 1,
                info.delivered.stream_sequence,
            )
        }
        Err(e) if e.kind() == ConsumerInfoErrorKind::NotFound => (1, 0),
        Err(e) => return Err(e.to_string()),
    };
    let (filter_subject, filter_subjects) = match subjects {
        [one] => (one.clone(), Vec::new()),
        many => (String::new(), many.to_vec()),
    };
    let config = pull::Config {
        durable_name: Some(name),
        deliver_policy: if start > 1 {
            DeliverPolicy::ByStartSequence {
                start_sequence: start,
            }
        } else {
            DeliverPolicy::All
        },
        ack_policy: AckPolicy::All,
        ack_wait: shard.ack_wait,
        max_ack_pending: 1_000_000,
        filter_subject,
        filter_subjects,
        ..Default::default()
    };
    let consumer = stream
        .create_consumer(config)
        .await
        .map_err(|e| e.to_string())?;
    Ok((consumer, replay_to))
}

/// A shard reading its consumer.
struct Reading<'a> {
    r: ShardReader<'a>,
    /// The subjects handed to the actors (`None`: all).
    legs: Option<HashSet<String>>,
    book: AckBook<Acker>,
    replay_to: u64,
    counts: ConsumerStatus,
}

impl Reading<'_> {
    async fn read(
        &mut self,
        consumer: PullConsumer,
        stream: Stream,
        stop: &CancellationToken,
    ) -> Result<()> {
        let mut messages = consumer.messages().await.map_err(net)?;
        let mut finished = self.r.saves.finished();
        // The broker's view asks the broker: on a task of its own, so
        // trades never wait behind it.
        let watch = stop.child_token();
        tokio::spawn(watch_lag(
            consumer,
            stream,
            self.r.status.clone(),
            watch.clone(),
        ));
        let _stop_watch = watch.drop_guard();
        let mut report = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                m = messages.next() => match m {
                    None => break,
                    Some(Ok(m)) => self.batch(m, &mut messages).await,
                    Some(Err(e)) => self.trouble(&e.to_string()),
                },
                _ = finished.changed() => {
                    let n = *finished.borrow_and_update();
                    self.ack(n).await;
                }
                _ = report.tick() => self.report(),
            }
        }
        self.r.feed.flush().await;
        Ok(())
    }

    /// Takes `first` and what else is already delivered, hands it to the
    /// actors and notes the batch's last message.
    async fn batch(&mut self, first: jetstream::Message, messages: &mut pull::Stream) {
        let mut last = self.take(first);
        while let Some(Some(Ok(m))) = messages.next().now_or_never() {
            last = self.take(m);
            if self.r.feed.should_flush() {
                break;
            }
        }
        self.r.feed.flush().await;
        let (acker, seq) = last;
        self.book.handed(self.r.saves.begun(), acker, seq);
    }

    /// One message: counted, and its trade to the actors when it is one of
    /// this shard's legs.
    fn take(&mut self, m: jetstream::Message) -> (Acker, u64) {
        let (seq, delivered) = m
            .info()
            .map(|i| (i.stream_sequence, i.delivered))
            .unwrap_or((0, 1));
        self.counts.delivered += 1;
        if delivered > 1 || seq <= self.replay_to {
            self.counts.redelivered += 1;
        }
        let (msg, acker) = m.split();
        if self
            .legs
            .as_ref()
            .is_none_or(|l| l.contains(msg.subject.as_str()))
        {
            self.r.feed.handle(&msg.payload, None);
        }
        (acker, seq)
    }

    /// Acknowledges everything held by save `finished`.
    async fn ack(&mut self, finished: u64) {
        let Some((acker, seq)) = self.book.durable(finished) else {
            return;
        };
        match acker.ack().await {
            Ok(()) => {
                self.counts.acked += seq.saturating_sub(self.counts.ack_floor);
                self.counts.ack_floor = seq;
            }
            // A later acknowledgement covers this one (ack-all); if none
            // comes, the broker delivers these again and the rings drop them.
            Err(e) => self.trouble(&format!("acknowledging: {e}")),
        }
    }

    fn trouble(&mut self, err: &str) {
        tracing::warn!("shard consumer: {err}");
        self.r
            .status
            .with_cluster(|c| c.last_error = Some(err.to_string()));
    }

    /// This run's counters, to the status board (the lag is the watch's).
    fn report(&self) {
        let counts = self.counts.clone();
        self.r.status.with_cluster(|c| {
            let lag = c.consumer.as_ref().map(|k| (k.pending, k.ack_pending));
            let (pending, ack_pending) = lag.unwrap_or_default();
            c.consumer = Some(ConsumerStatus {
                pending,
                ack_pending,
                ..counts
            });
        });
    }
}

/// Every second until `stop`: the consumer's lag and the shards present,
/// as the broker sees them, to the status board.
async fn watch_lag(
    mut consumer: PullConsumer,
    stream: Stream,
    status: StatusBoard,
    stop: CancellationToken,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let info = consumer
            .info()
            .await
            .ok()
            .map(|i| (i.num_pending, i.num_ack_pending as u64));
        let members = members(&stream).await;
        status.with_cluster(|c| {
            if let (Some(k), Some((p, a))) = (c.consumer.as_mut(), info) {
                k.pending = p;
                k.ack_pending = a;
            }
            if let (Some(s), Some(m)) = (c.shard.as_mut(), members) {
                s.members = m;
            }
        });
    }
}

/// The shards whose durable consumer the stream holds, sorted.
async fn members(stream: &Stream) -> Option<Vec<String>> {
    let names = stream
        .consumer_names()
        .filter_map(|n| async move { n.ok().filter(|n| n.starts_with(CONSUMER_PREFIX)) })
        .collect::<Vec<_>>();
    let mut m = tokio::time::timeout(Duration::from_secs(1), names)
        .await
        .ok()?;
    m.sort();
    Some(m)
}
