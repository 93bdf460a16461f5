//! The WebSocket commands a client sends, one per file (after mini-redis's
//! `cmd/`): each is parsed from the client's frame, checked, and applied to
//! the engine. The session only dispatches and carries out the
//! [`Outcome`], so no command knows the WebSocket layer.

use futures_util::future::LocalBoxFuture;
use spreadwatch_proto::{ClientMsg, PairId, ServerBody, Subscription};

use super::leases::Leases;
use crate::EngineHandle;

mod ping;
mod recompute;
mod set_params;
mod subscribe;

/// Work a command leaves running; its error goes back to the client.
pub(crate) type Later = LocalBoxFuture<'static, Result<(), String>>;

/// What the session does with a command.
pub(crate) enum Outcome {
    /// Sends this frame.
    Reply(Box<ServerBody>),
    /// Replaces the subscription and sends a fresh snapshot.
    Subscribe(Subscription),
    /// Runs this off the session; an error is sent as an `error` frame.
    Later(Later),
    /// Refuses the command with this message.
    Refuse(String),
}

/// Reads a client frame.
///
/// # Errors
/// The frame is not a known command, in words for the client.
pub(crate) fn parse(text: &str) -> Result<ClientMsg, String> {
    serde_json::from_str(text).map_err(|e| format!("invalid message: {e}"))
}

/// Applies a command for a session subscribed to `current`; pairs a
/// subscription starts are noted in `leases`.
pub(crate) fn apply(
    msg: ClientMsg,
    engine: &EngineHandle,
    leases: &Leases,
    current: Option<&PairId>,
) -> Outcome {
    match msg {
        ClientMsg::Ping { id } => ping::apply(id),
        ClientMsg::Subscribe {
            pair,
            symbols,
            interval,
            scan,
            watch,
        } => subscribe::apply(
            engine,
            leases,
            subscribe::Request {
                pair,
                symbols,
                interval,
                scan: scan.unwrap_or(false),
                watch: watch.unwrap_or_default(),
            },
        ),
        ClientMsg::Recompute { pair } => recompute::apply(engine, pair, current),
        ClientMsg::SetParams { pair, params } => set_params::apply(engine, pair, params, current),
    }
}

/// The pair a command names, or the session's; `what` names the command in
/// the refusal.
fn pair_or_current(
    pair: Option<PairId>,
    current: Option<&PairId>,
    what: &str,
) -> Result<PairId, String> {
    pair.or_else(|| current.cloned())
        .ok_or_else(|| format!("{what}: no pair given and none subscribed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_command_is_refused_in_words() {
        let e = parse(r#"{"type":"buy","qty":1}"#).unwrap_err();
        assert!(
            e.starts_with("invalid message: unknown variant `buy`"),
            "{e}"
        );
        assert_eq!(
            parse(r#"{"type":"ping","id":4}"#),
            Ok(ClientMsg::Ping { id: Some(4) })
        );
    }

    #[test]
    fn a_command_without_a_pair_takes_the_subscribed_one_or_is_refused() {
        let eth: PairId = "ETHUSDT/BTCUSDT".parse().unwrap();
        let sol: PairId = "SOLUSDT/BNBUSDT".parse().unwrap();
        assert_eq!(
            pair_or_current(None, Some(&eth), "x").ok(),
            Some(eth.clone())
        );
        assert_eq!(
            pair_or_current(Some(sol.clone()), Some(&eth), "x").ok(),
            Some(sol)
        );
        assert_eq!(
            pair_or_current(None, None, "recompute").unwrap_err(),
            "recompute: no pair given and none subscribed"
        );
    }

    #[test]
    fn a_ping_is_answered_with_its_id() {
        match ping::apply(Some(9)) {
            Outcome::Reply(b) => assert_eq!(*b, ServerBody::Pong { id: Some(9) }),
            _ => panic!("expected a pong"),
        }
    }
}
