//! Feed health at any scale: the engine connection banner; a summary of
//! every stream (live, silent, reconnecting; total rate; gaps); the worst
//! streams first; and the full per-source table behind a toggle.

use std::collections::BTreeMap;
use std::rc::Rc;

use spreadwatch_proto::{FeedState, StatusReport, SymbolStatus};
use yew::prelude::*;

use crate::store::{opt_ptr_eq, Conn};

/// Streams listed before the toggle.
pub const WORST_SHOWN: usize = 8;

/// Props.
#[derive(Properties)]
pub struct HealthProps {
    /// The socket.
    pub conn: Conn,
    /// The last status.
    pub status: Option<Rc<StatusReport>>,
    /// Messages per second per source and per `source/symbol`.
    pub rates: Rc<BTreeMap<String, f64>>,
}

/// By identity: a status report is replaced whole once a second, and
/// comparing 550 streams' fields on every frame would cost more than the
/// render it saves.
impl PartialEq for HealthProps {
    fn eq(&self, o: &Self) -> bool {
        self.conn == o.conn
            && opt_ptr_eq(&self.status, &o.status)
            && Rc::ptr_eq(&self.rates, &o.rates)
    }
}

/// Counts over every stream of every source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Streams reported.
    pub streams: usize,
    /// Live, finished or simulated.
    pub live: usize,
    /// Silent past their limit.
    pub silent: usize,
    /// Connecting, reconnecting or stopped.
    pub down: usize,
    /// Messages per second, all sources.
    pub rate: f64,
    /// Trade-id gaps found.
    pub gaps: u64,
}

/// How bad a stream's state is: larger is worse.
fn badness(s: FeedState) -> u8 {
    match s {
        FeedState::Stopped | FeedState::Reconnecting => 3,
        FeedState::Silent => 2,
        FeedState::Connecting => 1,
        FeedState::Live | FeedState::Finished | FeedState::Simulated => 0,
    }
}

/// The summary of `st`, with source rates from `rates`.
pub fn summary(st: &StatusReport, rates: &BTreeMap<String, f64>) -> Summary {
    let mut out = Summary::default();
    for (name, src) in &st.sources {
        out.rate += rates.get(name).copied().unwrap_or(0.0);
        for s in src.symbols.values() {
            out.streams += 1;
            out.gaps += s.gaps;
            match badness(s.state) {
                0 => out.live += 1,
                2 => out.silent += 1,
                _ => out.down += 1,
            }
        }
    }
    out
}

/// One stream: its source, symbol and status.
pub type Stream<'a> = (&'a str, &'a str, &'a SymbolStatus);

/// Every stream, worst first: by state, then gaps, then the slowest.
pub fn worst_first<'a>(st: &'a StatusReport, rates: &BTreeMap<String, f64>) -> Vec<Stream<'a>> {
    let mut v: Vec<(Stream<'a>, f64)> = st
        .sources
        .iter()
        .flat_map(|(name, src)| {
            src.symbols.iter().map(move |(sym, s)| {
                let r = rates.get(&format!("{name}/{sym}")).copied().unwrap_or(0.0);
                ((name.as_str(), sym.as_str(), s), r)
            })
        })
        .collect();
    v.sort_by(|((_, _, a), ra), ((_, _, b), rb)| {
        badness(b.state)
            .cmp(&badness(a.state))
            .then(b.gaps.cmp(&a.gaps))
            .then(ra.total_cmp(rb))
    });
    v.into_iter().map(|(s, _)| s).collect()
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

/// Every source and stream.
fn full_table(st: &StatusReport, props: &HealthProps) -> Html {
    html! {
            <table class="sw-table" id="health-full">
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
    }
}

fn worst_table(st: &StatusReport, props: &HealthProps) -> Html {
    html! {
        <table class="sw-table" id="health-worst">
            <thead><tr><th>{ "stream" }</th><th>{ "state" }</th><th>{ "msg/s" }</th><th>{ "skew ms" }</th><th>{ "gaps (ids)" }</th></tr></thead>
            <tbody>
            { for worst_first(st, &props.rates).into_iter().take(WORST_SHOWN).map(|(name, sym, s)| html! {
                <tr class="sw-worst" data-symbol={sym.to_string()}>
                    <td>{ format!("{name} {sym}") }</td>
                    <td class={classes!("sw-state", state_name(s.state))}>{ state_name(s.state) }</td>
                    <td>{ rate_text(props.rates.get(&format!("{name}/{sym}")).copied()) }</td>
                    <td>{ s.receive_minus_event_ms.map(|v| v.to_string()).unwrap_or_else(|| "—".into()) }</td>
                    <td class={classes!((s.gaps > 0).then_some("sw-warn"))}>{ format!("{} ({})", s.gaps, s.missing_ids) }</td>
                </tr>
            }) }
            </tbody>
        </table>
    }
}

fn summary_line(s: &Summary) -> Html {
    html! {
        <p class="sw-health-summary" id="health-summary">
            <span class="sw-ok">{ format!("{} live", s.live) }</span>{ " · " }
            <span class={classes!((s.silent > 0).then_some("sw-warn"))}>{ format!("{} silent", s.silent) }</span>{ " · " }
            <span class={classes!((s.down > 0).then_some("sw-warn"))}>{ format!("{} reconnecting", s.down) }</span>
            { format!(" of {} streams · {} msg/s · ", s.streams, rate_text(Some(s.rate))) }
            <span class={classes!((s.gaps > 0).then_some("sw-warn"))}>{ format!("{} gaps", s.gaps) }</span>
        </p>
    }
}

/// The panel.
#[function_component]
pub fn Health(props: &HealthProps) -> Html {
    let open = use_state(|| false);
    let Some(st) = &props.status else {
        return html! { <section class="sw-panel" id="feed-health"><h3>{ "Feed" }</h3><p>{ "waiting for status…" }</p></section> };
    };
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    html! {
        <section class="sw-panel" id="feed-health">
            <h3>{ format!("Feed · {} clients · {} resyncs", st.ws.clients, st.ws.resyncs) }</h3>
            { summary_line(&summary(st, &props.rates)) }
            { worst_table(st, props) }
            <button id="health-toggle" onclick={toggle}>{ if *open { "Hide every stream" } else { "Every stream…" } }</button>
            if *open { { full_table(st, props) } }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spreadwatch_proto::SourceStatus;

    fn report() -> StatusReport {
        let mut src = SourceStatus::default();
        for (sym, state, gaps) in [
            ("AUSDT", FeedState::Live, 0),
            ("BUSDT", FeedState::Silent, 0),
            ("CUSDT", FeedState::Live, 3),
            ("DUSDT", FeedState::Reconnecting, 0),
        ] {
            let s = SymbolStatus {
                state,
                gaps,
                ..Default::default()
            };
            src.symbols.insert(sym.into(), s);
        }
        let mut st = StatusReport::default();
        st.sources.insert("binance".into(), src);
        st
    }

    #[test]
    fn the_summary_counts_every_stream_and_the_worst_lead() {
        let st = report();
        let rates: BTreeMap<String, f64> = [("binance".to_string(), 40.0)].into();
        let s = summary(&st, &rates);
        assert_eq!(
            (s.streams, s.live, s.silent, s.down, s.gaps),
            (4, 2, 1, 1, 3)
        );
        assert_eq!(s.rate, 40.0);
        let order: Vec<&str> = worst_first(&st, &rates).iter().map(|w| w.1).collect();
        assert_eq!(order, ["DUSDT", "BUSDT", "CUSDT", "AUSDT"]);
    }
}
