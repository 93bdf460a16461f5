//! `{"type":"recompute","pair":…}`: the pair's ADF, cointegration and
//! robust fits now (the subscribed pair by default); the result arrives as
//! a `pair` frame.

use spreadwatch_proto::PairId;

use super::{pair_or_current, Outcome};
use crate::EngineHandle;

/// Asks the pair to recompute.
pub(super) fn apply(
    engine: &EngineHandle,
    pair: Option<PairId>,
    current: Option<&PairId>,
) -> Outcome {
    let p = match pair_or_current(pair, current, "recompute") {
        Ok(p) => p,
        Err(e) => return Outcome::Refuse(e),
    };
    let engine = engine.clone();
    Outcome::Later(Box::pin(async move {
        engine
            .recompute(&p)
            .await
            .map_err(|e| format!("recompute: {e}"))
    }))
}
