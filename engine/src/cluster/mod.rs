//! Running as a cluster over NATS JetStream (feature `nats`); the operator's
//! guide is docs/scaling.md.
//!
//! # Layout
//!
//! - [`names`]: the tick stream `SPREADWATCH_TICKS`, its subjects
//!   `spreadwatch.ticks.<SYMBOL>`, each trade's `Nats-Msg-Id` and each
//!   shard's durable consumer.
//! - [`shard`]: `--shard I/N` and the rendezvous hashing that gives every
//!   pair one owner.
//! - [`outbox`]: the ingest role's bounded buffer (pure).
//! - [`publisher`]: the ingest role: every accepted trade to the stream,
//!   acknowledged, retried with backoff while the broker is away.
//! - [`acks`]: which broker messages a shard may acknowledge (pure).
//! - [`consumer`]: the shard role's source: its legs' subjects through its
//!   durable consumer, acknowledged once a save holding them is on disk.
//! - [`follow`]: a shard's pairs as its share of the market ranking's top
//!   N (`--pairs scan:N`).
//! - [`rpc`]: request-reply between gateways and shards (pairs, a pair's
//!   snapshot, its parameters, a symbol's bars), answered by the owner.
//! - [`gateway`]: the gateway role: a local engine whose handle asks the
//!   shards and whose bus carries the update subjects.
//! - [`broker`]: connecting, the stream, backoff: what the roles share.

pub mod acks;
pub mod broker;
pub mod consumer;
pub mod follow;
pub mod gateway;
pub mod names;
pub mod outbox;
pub mod publisher;
pub mod rpc;
pub mod shard;

pub use names::{consumer_name, msg_id, tick_subject, STREAM};
pub use publisher::Publisher;
pub use shard::{owner, ShardSource, ShardSpec};
