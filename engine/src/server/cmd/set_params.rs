//! `{"type":"set_params","pair":…,"params":{…}}`: changes some of a pair's
//! parameters (the subscribed pair by default); the rest stay as they are.

use spreadwatch_proto::{PairId, ParamsPatch};

use super::{pair_or_current, Outcome};
use crate::EngineHandle;

/// Applies the patch to the pair's current parameters.
pub(super) fn apply(
    engine: &EngineHandle,
    pair: Option<PairId>,
    patch: ParamsPatch,
    current: Option<&PairId>,
) -> Outcome {
    let p = match pair_or_current(pair, current, "set_params") {
        Ok(p) => p,
        Err(e) => return Outcome::Refuse(e),
    };
    let engine = engine.clone();
    Outcome::Later(Box::pin(async move {
        let set = async {
            let snap = engine.pair_snapshot(&p).await?;
            engine.set_params(&p, patch.apply(snap.params)).await
        };
        set.await.map_err(|e| format!("set_params: {e}"))
    }))
}
