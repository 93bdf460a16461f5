//! A cluster role's view of NATS JetStream, as served in `/api/status`
//! (`cluster`) and `/metrics`: what an ingest instance published and what
//! the broker acknowledged, what a shard's durable consumer delivered and
//! acknowledged, which pairs the shard owns, and what a gateway reaches.

use serde::{Deserialize, Serialize};

use crate::status::FeedState;

/// One instance's part in a cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ClusterStatus {
    /// `ingest`, `shard` or `gateway`.
    pub role: String,
    /// The broker's URL.
    pub broker: String,
    /// The broker connection: `live`, `reconnecting` (retrying with
    /// backoff) or `stopped`.
    pub state: FeedState,
    /// The last broker error, if any.
    #[serde(default)]
    pub last_error: Option<String>,
    /// Publishing trades (the ingest role).
    #[serde(default)]
    pub publish: Option<PublishStatus>,
    /// The durable consumer (the shard role).
    #[serde(default)]
    pub consumer: Option<ConsumerStatus>,
    /// Which pairs this shard owns (the shard role).
    #[serde(default)]
    pub shard: Option<ShardStatus>,
    /// The shards and pairs a gateway serves (the gateway role).
    #[serde(default)]
    pub gateway: Option<GatewayStatus>,
}

/// Trades written to the tick stream by an ingest instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PublishStatus {
    /// The JetStream stream written to.
    pub stream: String,
    /// Trades handed to the broker (retries included).
    pub published: u64,
    /// Trades the broker acknowledged as stored.
    pub acked: u64,
    /// Of those, trades the broker already held (same `Nats-Msg-Id`, e.g.
    /// from a redundant ingest instance) and did not store again.
    pub duplicates: u64,
    /// Publishes that failed or were not acknowledged in time (retried).
    pub failed: u64,
    /// Trades waiting in the buffer now.
    pub buffered: u64,
    /// The buffer's bound.
    pub capacity: u64,
    /// Trades dropped, oldest first, because the buffer was full.
    pub dropped: u64,
}

/// A shard's durable consumer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ConsumerStatus {
    /// The durable consumer's name.
    pub name: String,
    /// The subjects it reads.
    pub subjects: Vec<String>,
    /// Messages received.
    pub delivered: u64,
    /// Messages received again: after a restart, everything after the last
    /// acknowledged one, and any the broker redelivered.
    pub redelivered: u64,
    /// Messages acknowledged (each once a save holding it was on disk).
    pub acked: u64,
    /// The stream sequence acknowledged up to.
    pub ack_floor: u64,
    /// Messages in the stream not yet delivered (the consumer's lag).
    pub pending: u64,
    /// Messages delivered and not yet acknowledged.
    pub ack_pending: u64,
}

/// A shard's place in the cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ShardStatus {
    /// This shard, 1 to `count`.
    pub index: u32,
    /// Shards in the cluster.
    pub count: u32,
    /// The pairs this shard owns, of those configured.
    pub owned: Vec<String>,
    /// Pairs configured in all (owned by some shard).
    pub configured: u32,
    /// Shards whose durable consumer the broker holds now.
    pub members: Vec<String>,
}

/// A gateway's view of the cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct GatewayStatus {
    /// The shards that answered the last discovery (`I/N`).
    pub shards: Vec<String>,
    /// The pairs they run, in all.
    pub pairs: u32,
    /// Updates received from the update subjects.
    pub updates: u64,
    /// Requests to the shards that failed or went unanswered.
    pub failed_requests: u64,
}
