//! `GET /metrics` in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use super::rejects::Reject;
use super::ServerState;

/// One per-symbol counter of a source's status.
type SymbolCounter = fn(&spreadwatch_proto::SymbolStatus) -> u64;

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Renders every counter and the tick-to-send latency quantiles.
pub fn render(s: &ServerState) -> String {
    let st = s.hub.status_report(&s.engine);
    let mut o = String::new();
    let _ = writeln!(o, "# HELP spreadwatch_ticks_total Trades accepted per symbol.\n# TYPE spreadwatch_ticks_total counter");
    for (sym, v) in &st.symbols {
        let _ = writeln!(
            o,
            "spreadwatch_ticks_total{{symbol=\"{}\"}} {}",
            esc(sym),
            v.ticks
        );
    }
    // Gaps in trade ids (aggregate or raw) and what backfill made of them.
    let gap_counters: [(&str, &str, SymbolCounter); 5] = [
        ("gaps_total", "Jumps in trade ids", |s| s.gaps),
        ("missing_ids_total", "Trade ids the jumps skipped", |s| {
            s.missing_ids
        }),
        ("gaps_filled_total", "Gaps filled from REST", |s| {
            s.gaps_filled
        }),
        (
            "gaps_unfilled_total",
            "Gaps REST could not fill (reason in /api/status)",
            |s| s.gaps_unfilled,
        ),
        ("backfilled_total", "Trades recovered from REST", |s| {
            s.backfilled
        }),
    ];
    for (name, help, value) in gap_counters {
        let _ = writeln!(
            o,
            "# HELP spreadwatch_{name} {help}.\n# TYPE spreadwatch_{name} counter"
        );
        for (src, v) in &st.sources {
            for (sym, s) in &v.symbols {
                let _ = writeln!(
                    o,
                    "spreadwatch_{name}{{source=\"{}\",symbol=\"{}\"}} {}",
                    esc(src),
                    esc(sym),
                    value(s)
                );
            }
        }
    }
    let _ = writeln!(o, "# HELP spreadwatch_drops_total Frames or trades not used, by reason.\n# TYPE spreadwatch_drops_total counter");
    for (src, v) in &st.sources {
        for (r, n) in &v.drops {
            let _ = writeln!(
                o,
                "spreadwatch_drops_total{{source=\"{}\",reason=\"{}\"}} {}",
                esc(src),
                r.as_str(),
                n
            );
        }
    }
    for (sym, v) in &st.symbols {
        let _ = writeln!(
            o,
            "spreadwatch_drops_total{{source=\"engine\",symbol=\"{}\",reason=\"duplicate\"}} {}",
            esc(sym),
            v.duplicates
        );
        let _ = writeln!(
            o,
            "spreadwatch_drops_total{{source=\"engine\",symbol=\"{}\",reason=\"too_late\"}} {}",
            esc(sym),
            v.too_late
        );
    }
    let _ = writeln!(o, "# HELP spreadwatch_reconnects_total Reconnects per source.\n# TYPE spreadwatch_reconnects_total counter");
    for (src, v) in &st.sources {
        let _ = writeln!(
            o,
            "spreadwatch_reconnects_total{{source=\"{}\"}} {}",
            esc(src),
            v.reconnects
        );
    }
    let m = s.hub.metrics();
    let _ = writeln!(o, "# HELP spreadwatch_ws_clients Connected WebSocket clients.\n# TYPE spreadwatch_ws_clients gauge");
    let _ = writeln!(
        o,
        "spreadwatch_ws_clients {}",
        m.clients.load(Ordering::Relaxed)
    );
    let _ = writeln!(o, "# HELP spreadwatch_ws_dropped_silent_total Clients dropped for silence (stalled or half-closed).\n# TYPE spreadwatch_ws_dropped_silent_total counter");
    let _ = writeln!(
        o,
        "spreadwatch_ws_dropped_silent_total {}",
        m.dropped_silent.load(Ordering::Relaxed)
    );
    let _ = writeln!(o, "# HELP spreadwatch_ws_resyncs_total Fresh snapshots sent to clients that fell behind.\n# TYPE spreadwatch_ws_resyncs_total counter");
    let _ = writeln!(
        o,
        "spreadwatch_ws_resyncs_total {}",
        m.resyncs.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        o,
        "# TYPE spreadwatch_ws_frames_total counter\nspreadwatch_ws_frames_total {}",
        m.frames.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        o,
        "# TYPE spreadwatch_ws_conflated_total counter\nspreadwatch_ws_conflated_total {}",
        m.conflated.load(Ordering::Relaxed)
    );
    let _ = writeln!(o, "# HELP spreadwatch_client_rejects_total Client input refused, by reason.\n# TYPE spreadwatch_client_rejects_total counter");
    for r in Reject::ALL {
        let _ = writeln!(
            o,
            "spreadwatch_client_rejects_total{{reason=\"{}\"}} {}",
            r.label(),
            m.rejected.get(r)
        );
    }
    let _ = writeln!(o, "# HELP spreadwatch_ws_queue_depth_max Largest backlog a session found since the last scrape.\n# TYPE spreadwatch_ws_queue_depth_max gauge");
    let _ = writeln!(
        o,
        "spreadwatch_ws_queue_depth_max {}",
        m.max_backlog.swap(0, Ordering::Relaxed)
    );
    let h = m.latency_us.lock();
    let _ = writeln!(o, "# HELP spreadwatch_tick_to_send_us Tick receipt to WebSocket write, microseconds.\n# TYPE spreadwatch_tick_to_send_us summary");
    for q in [0.5, 0.9, 0.99, 0.999] {
        let _ = writeln!(
            o,
            "spreadwatch_tick_to_send_us{{quantile=\"{q}\"}} {}",
            h.value_at_quantile(q)
        );
    }
    let _ = writeln!(o, "spreadwatch_tick_to_send_us_count {}", h.len());
    let _ = writeln!(o, "spreadwatch_tick_to_send_us_max {}", h.max());
    o
}
