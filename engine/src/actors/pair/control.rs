//! Requests that change or drive a pair from outside: new parameters, a
//! rebuild, the slow estimators now, and stop.

use std::time::Instant;

use actix::prelude::*;
use futures_util::future::FutureExt;

use super::messages::{RebuildPair, Recompute, SetParams, StopPair};
use super::PairActor;
use crate::actors::events::EngineEvent;
use crate::core::heavy::compute_heavy;

impl Handler<StopPair> for PairActor {
    type Result = ();

    fn handle(&mut self, _: StopPair, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

impl Handler<RebuildPair> for PairActor {
    type Result = ();

    fn handle(&mut self, _: RebuildPair, ctx: &mut Self::Context) {
        self.rebuild(ctx);
    }
}

impl Handler<SetParams> for PairActor {
    type Result = Result<(), String>;

    fn handle(&mut self, SetParams(p): SetParams, ctx: &mut Self::Context) -> Self::Result {
        p.validate()?;
        // The dashboard repeats its parameters on every reconnect: the same
        // ones are acknowledged, but a rebuild would throw away the restored
        // state older than the bars it rebuilds from.
        let changed = *self.state.params() != p;
        self.state.set_params(p);
        self.publish(EngineEvent::Params(self.pair().clone(), p));
        if changed {
            self.rebuild(ctx);
        }
        Ok(())
    }
}

impl Handler<Recompute> for PairActor {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, _: Recompute, _: &mut Self::Context) -> Self::Result {
        // Requests while one runs wait for it rather than start their own,
        // so clients asking at any rate cost one computation at a time.
        // One started before a rebuild computes what is thrown away: only
        // a run of the current generation is shared.
        if let Some((gen, running)) = &self.recompute {
            if *gen == self.generation {
                return Box::pin(running.clone().into_actor(self));
            }
        }
        let (done, finished) = tokio::sync::oneshot::channel::<()>();
        self.recompute = Some((self.generation, finished.map(|_| ()).boxed().shared()));
        let input = self.state.heavy_input();
        let gen = self.generation;
        Box::pin(
            async move {
                tokio::task::spawn_blocking(move || compute_heavy(&input))
                    .await
                    .ok()
            }
            .into_actor(self)
            .map(move |r, a, _| {
                if a.recompute.as_ref().is_some_and(|(g, _)| *g == gen) {
                    a.recompute = None;
                }
                if let (Some(r), true) = (r, gen == a.generation) {
                    a.state.set_heavy(r);
                    a.last_heavy = Some(Instant::now());
                    // Whoever asked (the dashboard's "run ADF") sees the result at once.
                    if let Some(s) = a.state.latest() {
                        a.publish(EngineEvent::Pair(Box::new(s), None));
                    }
                }
                let _ = done.send(());
            }),
        )
    }
}
