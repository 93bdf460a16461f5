//! Feed health: the engine connection banner, and per source and stream the
//! state, message rate, reconnects and skew.

use std::collections::BTreeMap;

use spreadwatch_proto::{FeedState, StatusReport};
use yew::prelude::*;

use crate::store::Conn;

/// Props.
#[derive(Properties, PartialEq)]
pub struct HealthProps {
    /// The socket.
    pub conn: Conn,
    /// The last status.
    pub status: Option<StatusReport>,
    /// Messages per second per source.
    pub rates: BTreeMap<String, f64>,
}

/// A rate from two status reports; a dash until there are two.
fn rate_text(r: Option<f64>) -> String {
    match r {
        Some(r) if r < 10.0 => format!("{r:.1}"),
        Some(r) => format!("{r:.0}"),
        None => "—".into(),
    }
}

fn state_name(s: FeedState) -> String {
    s.to_string()
}

/// The banner's props.
#[derive(Properties, PartialEq)]
pub struct ConnBannerProps {
    /// The socket.
    pub conn: Conn,
}

/// The banner shown while the engine is unreachable.
#[function_component]
pub fn ConnBanner(props: &ConnBannerProps) -> Html {
    match props.conn {
        Conn::Open => html! {},
        Conn::Connecting => html! {
            <div class="sw-banner sw-connecting" id="conn-banner">{ "Connecting to the engine…" }</div>
        },
        Conn::Closed { retry_ms } => html! {
            <div class="sw-banner sw-disconnected" id="conn-banner">
                { format!("Disconnected from the engine: reconnecting in {:.1} s; the charts resume from a fresh snapshot.", f64::from(retry_ms) / 1000.0) }
            </div>
        },
    }
}

/// The feed table.
#[function_component]
pub fn Health(props: &HealthProps) -> Html {
    let Some(st) = &props.status else {
        return html! { <section class="sw-panel" id="feed-health"><h3>{ "Feed" }</h3><p>{ "waiting for status…" }</p></section> };
    };
    html! {
        <section class="sw-panel" id="feed-health">
            <h3>{ format!("Feed · {} clients · {} resyncs", st.ws.clients, st.ws.resyncs) }</h3>
            <table class="sw-table">
                <thead><tr><th>{ "stream" }</th><th>{ "state" }</th><th>{ "msg/s" }</th><th>{ "reconnects" }</th><th>{ "skew ms" }</th><th>{ "gaps (ids)" }</th></tr></thead>
                <tbody>
                { for st.sources.iter().flat_map(|(name, src)| {
                    let rate = props.rates.get(name).copied();
                    let head = html! {
                        <tr class="sw-source">
                            <td>{ format!("{} {}", src.kind, src.target) }</td>
                            <td class={classes!("sw-state", state_name(src.state))}>{ state_name(src.state) }{ if src.simulated && src.state != FeedState::Simulated { " (simulated)" } else { "" } }</td>
                            <td>{ rate_text(rate) }</td>
                            <td>{ src.reconnects }</td>
                            <td></td>
                            <td></td>
                        </tr>
                    };
                    let rows = src.symbols.iter().map(|(sym, s)| html! {
                        <tr>
                            <td class="sw-indent">{ sym.clone() }</td>
                            <td class={classes!("sw-state", state_name(s.state))}>{ state_name(s.state) }</td>
                            <td title={format!("{} messages in all", s.messages)}>{ rate_text(props.rates.get(&format!("{name}/{sym}")).copied()) }</td>
                            <td></td>
                            <td>{ s.receive_minus_event_ms.map(|v| v.to_string()).unwrap_or_else(|| "—".into()) }</td>
                            <td class={classes!((s.gaps > 0).then_some("sw-warn"))}>{ format!("{} ({})", s.gaps, s.missing_ids) }</td>
                        </tr>
                    }).collect::<Vec<_>>();
                    std::iter::once(head).chain(rows)
                }) }
                </tbody>
            </table>
        </section>
    }
}
