//! `{"type":"subscribe","pair":…,"symbols":…,"interval":…}`: a new
//! subscription (defaults filled in), starting the pair when both legs are
//! tracked; a fresh snapshot follows.

use spreadwatch_proto::{Interval, PairId, Symbol};

use super::Outcome;
use crate::server::subscription::{ensure_pair, resolve_subscription};
use crate::EngineHandle;

/// Resolves and checks a subscription.
pub(super) fn apply(
    engine: &EngineHandle,
    pair: Option<PairId>,
    symbols: Option<Vec<Symbol>>,
    interval: Option<Interval>,
    scan: bool,
) -> Outcome {
    // Resolved first: a subscription refused must not leave a pair added
    // behind it.
    let sub = match resolve_subscription(engine, pair.clone(), symbols, interval, scan) {
        Ok(sub) => sub,
        Err(e) => return Outcome::Refuse(e),
    };
    if let Some(p) = &pair {
        if let Err(e) = ensure_pair(engine, p) {
            return Outcome::Refuse(e);
        }
    }
    Outcome::Subscribe(sub)
}
