//! What a pair actor is told and asked: its legs' updates, parameters,
//! reads and checkpoints.

use std::time::Instant;

use actix::prelude::*;
use spreadwatch_proto::{Alert, Interval, PairId, PairParams, PairPoint, PairStats, Symbol};

use super::checkpoint::PairCheckpoint;
use crate::core::heavy::HeavyResult;

/// What a symbol actor tells the pairs that use it, once per batch.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct LegUpdate {
    /// The symbol.
    pub symbol: Symbol,
    /// Every accepted trade of the batch: (trade time, price, trade id).
    pub ticks: Vec<(i64, f64, u64)>,
    /// Bars that closed: (interval, start, close).
    pub closed: Vec<(Interval, i64, f64)>,
    /// Bars revised after closing: (interval, start, close).
    pub revised: Vec<(Interval, i64, f64)>,
    /// Per interval, buckets starting before this are closed.
    pub cuts: [i64; 3],
    /// When the oldest tick behind this update was received.
    pub origin: Instant,
}

/// Asks for everything a client needs to draw the pair.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "PairSnapshot")]
pub struct GetPair;

/// Asks only for the parameters in force (what a save stores every
/// interval, without copying the chart and alerts [`GetPair`] carries).
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "PairParams")]
pub struct GetParams;

/// A pair's full state for a new client.
#[derive(Debug, Clone, PartialEq)]
pub struct PairSnapshot {
    /// The pair.
    pub pair: PairId,
    /// Parameters in force.
    pub params: PairParams,
    /// The latest committed stats.
    pub latest: Option<PairStats>,
    /// Chart points, oldest first.
    pub points: Vec<PairPoint>,
    /// Alert history, oldest first.
    pub alerts: Vec<Alert>,
}

#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct HeavyDone(pub(super) HeavyResult, pub(super) u64);

/// Changes a pair's parameters; the state is rebuilt from the legs' bars
/// when they differ from those in force.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Result<(), String>")]
pub struct SetParams(pub PairParams);

/// Stops the pair. Its legs hold a recipient of its updates, and a message
/// on the way would keep it running, so removing a pair stops it
/// explicitly rather than by dropping its address.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct StopPair;

/// Rebuilds the pair from its legs with its parameters as they are: after a
/// restore put back bars older than the ticks and the pair had no
/// checkpoint to take.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct RebuildPair;

/// Runs the slow estimators now and replies when they are in.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Recompute;

/// Asks a pair for its checkpoint.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "PairCheckpoint")]
pub struct GetCheckpoint;

/// Puts a checkpoint back and joins the legs' bars closed after it. Replies
/// whether it was applied: a checkpoint of other parameters, or of a pair
/// sampled on trades, is not (the pair keeps what the ticks rebuilt).
#[derive(Debug, Clone, Message)]
#[rtype(result = "bool")]
pub struct RestoreCheckpoint(pub PairCheckpoint);
