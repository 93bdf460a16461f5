//! `{"type":"ping","id":N}`: answered with a `pong` carrying the same id.

use spreadwatch_proto::ServerBody;

use super::Outcome;

/// Answers a ping.
pub(super) fn apply(id: Option<u64>) -> Outcome {
    Outcome::Reply(Box::new(ServerBody::Pong { id }))
}
