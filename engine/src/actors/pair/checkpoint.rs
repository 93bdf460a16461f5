//! A pair's estimator state, saved directly in snapshots so a restart
//! resumes the same OLS window, Kalman mean and covariance, z window, chart
//! and alert history, however much older than the retained ticks they are.
//!
//! A checkpoint is taken before the ticks of the same snapshot, so the
//! stored ticks always reach at least as far as the checkpoint. On restore
//! the pair takes the checkpoint and then joins only the bars its legs
//! closed after it ([`BarAligner::decided_before`]): the result is what an
//! uninterrupted run holds, and an older checkpoint only means more to join.
//! Pairs sampled on every trade are rebuilt from the retained ticks instead.

use actix::prelude::*;
use serde::{Deserialize, Serialize};
use spreadwatch_proto::{Alert, PairParams, Sampling};

use super::messages::{GetCheckpoint, RestoreCheckpoint};
use super::{PairActor, BAR_REBUILD};
use crate::actors::symbol::messages::{GetLeg, LegHistory};
use crate::core::align::BarAligner;
use crate::core::pair::PairState;
use crate::error::{Error, Result};

/// Bumped whenever the saved layout of [`PairState`] or its parts changes:
/// a checkpoint of another version is ignored (the pair is rebuilt from the
/// ticks instead), never misread.
pub const CHECKPOINT_VERSION: u8 = 1;

/// Everything a pair needs to resume where it stopped.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairCheckpoint {
    /// Parameters the state was built with.
    pub params: PairParams,
    state: PairState,
    aligner: BarAligner,
    last: [Option<(i64, f64)>; 2],
    alerts: Vec<Alert>,
}

impl PairCheckpoint {
    /// A checkpoint of a bare state: no bars joined yet, no last trades, no
    /// alerts (what tests and fuzz seeds start from).
    pub fn from_state(state: PairState) -> Self {
        PairCheckpoint {
            params: *state.params(),
            state,
            aligner: BarAligner::new(),
            last: [None, None],
            alerts: Vec::new(),
        }
    }

    /// Committed points in the saved state.
    pub fn count(&self) -> u64 {
        self.state.count()
    }

    /// The saved state (what a restore starts from).
    pub fn state(&self) -> &PairState {
        &self.state
    }

    /// Encodes with a leading version byte (postcard: floats bit for bit).
    pub fn encode(&self) -> Result<Vec<u8>> {
        postcard::to_extend(self, vec![CHECKPOINT_VERSION])
            .map_err(|e| Error::Store(format!("pair checkpoint not encoded: {e}")))
    }

    /// Decodes what [`encode`](Self::encode) wrote; another version or a
    /// damaged blob is an error naming what was found.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        match bytes.split_first() {
            Some((&CHECKPOINT_VERSION, body)) => {
                let cp: PairCheckpoint = postcard::from_bytes(body)
                    .map_err(|e| Error::Store(format!("pair checkpoint unreadable: {e}")))?;
                if cp.params != *cp.state.params() {
                    return Err(Error::Store(
                        "pair checkpoint: parameters disagree with its state".into(),
                    ));
                }
                cp.state.check().map_err(Error::Store)?;
                Ok(cp)
            }
            Some((v, _)) => Err(Error::Store(format!(
                "pair checkpoint version {v}, but this build reads version {CHECKPOINT_VERSION}"
            ))),
            None => Err(Error::Store("pair checkpoint is empty".into())),
        }
    }
}

impl Handler<GetCheckpoint> for PairActor {
    type Result = MessageResult<GetCheckpoint>;

    fn handle(&mut self, _: GetCheckpoint, _: &mut Self::Context) -> Self::Result {
        MessageResult(PairCheckpoint {
            params: *self.state.params(),
            state: self.state.clone(),
            aligner: self.aligner.clone(),
            last: self.last,
            alerts: self.alerts.iter().cloned().collect(),
        })
    }
}

impl Handler<RestoreCheckpoint> for PairActor {
    type Result = ResponseFuture<bool>;

    fn handle(
        &mut self,
        RestoreCheckpoint(cp): RestoreCheckpoint,
        ctx: &mut Self::Context,
    ) -> Self::Result {
        let iv = match cp.params.interval {
            Sampling::Bar(iv)
                if cp.params == *self.state.params() && cp.state.pair() == self.pair() =>
            {
                iv
            }
            _ => return Box::pin(async { false }),
        };
        let q = GetLeg {
            interval: Some(iv),
            limit: BAR_REBUILD,
        };
        let (fy, fx) = (self.y.send(q), self.x.send(q));
        let (tx, rx) = tokio::sync::oneshot::channel();
        // Held like a rebuild: nothing reaches a half-restored state.
        ctx.wait(async move { (fy.await, fx.await) }.into_actor(self).map(
            move |(ry, rx), a, ctx| {
                let applied = match (ry, rx) {
                    (Ok(ly), Ok(lx)) => {
                        a.apply_checkpoint(cp, ly, lx);
                        a.request_heavy(ctx);
                        true
                    }
                    _ => false,
                };
                let _ = tx.send(applied);
            },
        ));
        Box::pin(async move { rx.await.unwrap_or(false) })
    }
}

impl PairActor {
    fn apply_checkpoint(&mut self, cp: PairCheckpoint, ly: LegHistory, lx: LegHistory) {
        self.generation += 1;
        self.dirty = false;
        let from = cp.aligner.decided_before();
        self.state = cp.state;
        self.aligner = cp.aligner;
        self.alerts = cp.alerts.into();
        self.last = [ly.last.or(cp.last[0]), lx.last.or(cp.last[1])];
        self.rebuilt_through = [ly.newest_id, lx.newest_id];
        // Legs behind the checkpoint (its last bars are forming again)
        // leave its aligner as saved: what they close next is already in.
        if ly.cut.min(lx.cut) > from {
            for (ts, x, y) in self.rejoin(&ly, &lx, from) {
                self.commit(ts, x, y);
            }
        }
        self.check_stale();
        self.publish(crate::actors::events::EngineEvent::PairReset(
            self.pair().clone(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spreadwatch_proto::PairId;

    fn checkpoint() -> PairCheckpoint {
        let pair: PairId = "ETHUSDT/BTCUSDT".parse().unwrap();
        let mut state = PairState::new(pair, PairParams::default(), 100);
        for i in 0..50 {
            let x = 100.0 + (f64::from(i) * 0.37).sin();
            state.commit(
                i64::from(i) * 1000,
                x,
                0.5 * x + 3.0 + f64::from(i % 3) * 1e-3,
            );
        }
        PairCheckpoint::from_state(state)
    }

    #[test]
    fn a_checkpoint_round_trips_bit_for_bit() {
        let cp = checkpoint();
        let back = PairCheckpoint::decode(&cp.encode().unwrap()).unwrap();
        assert_eq!(back.count(), 50);
        // The next commit from both states agrees to the bit: the OLS sums,
        // Kalman covariance and z window all came back exactly.
        let (mut a, mut b) = (cp.state, back.state);
        let (sa, _, _) = a.commit(50_000, 100.3, 53.2);
        let (sb, _, _) = b.commit(50_000, 100.3, 53.2);
        assert_eq!(format!("{sa:?}"), format!("{sb:?}"));
    }

    #[test]
    fn another_version_or_damage_is_refused_with_a_reason() {
        let mut bytes = checkpoint().encode().unwrap();
        bytes[0] = CHECKPOINT_VERSION + 1;
        let e = PairCheckpoint::decode(&bytes).unwrap_err().to_string();
        assert!(e.contains("version"), "{e}");
        bytes[0] = CHECKPOINT_VERSION;
        bytes.truncate(bytes.len() / 2);
        let e = PairCheckpoint::decode(&bytes).unwrap_err().to_string();
        assert!(e.contains("unreadable"), "{e}");
        assert!(PairCheckpoint::decode(&[]).is_err());
    }

    #[test]
    fn a_state_that_decodes_but_breaks_its_parameters_is_refused() {
        let mut cp = checkpoint();
        // Parameters that disagree with the state's windows.
        cp.params.lookback += 1;
        let e = PairCheckpoint::decode(&cp.encode().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("disagree"), "{e}");
    }
}
