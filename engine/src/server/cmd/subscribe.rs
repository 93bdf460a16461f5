//! `{"type":"subscribe","pair":…,"symbols":…,"interval":…,"scan":…,"watch":…}`:
//! a new subscription (defaults filled in), starting the pair and the
//! watched pairs when both legs are tracked; a fresh snapshot follows.

use spreadwatch_proto::{Interval, PairId, Symbol};

use super::Outcome;
use crate::server::leases::Leases;
use crate::server::subscription::{distinct_watch, ensure_pair, resolve_subscription, start_watch};
use crate::EngineHandle;

/// What a `subscribe` frame asks for.
pub(super) struct Request {
    pub pair: Option<PairId>,
    pub symbols: Option<Vec<Symbol>>,
    pub interval: Option<Interval>,
    pub scan: bool,
    pub watch: Vec<PairId>,
}

/// Resolves and checks a subscription; pairs it starts are noted in
/// `leases`.
pub(super) fn apply(engine: &EngineHandle, leases: &Leases, r: Request) -> Outcome {
    // Resolved first: a subscription refused must not leave a pair added
    // behind it.
    let mut sub = match resolve_subscription(engine, r.pair.clone(), r.symbols, r.interval, r.scan)
    {
        Ok(sub) => sub,
        Err(e) => return Outcome::Refuse(e),
    };
    let watch = match distinct_watch(r.watch) {
        Ok(w) => w,
        Err(e) => return Outcome::Refuse(e),
    };
    if let Some(p) = &r.pair {
        if let Err(e) = ensure_pair(engine, leases, p) {
            return Outcome::Refuse(e);
        }
    }
    sub.watch = start_watch(engine, leases, watch);
    Outcome::Subscribe(sub)
}
