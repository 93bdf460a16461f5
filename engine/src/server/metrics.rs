//! `GET /metrics` in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use spreadwatch_proto::StatusReport;

use super::hub::HubMetrics;
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
    ticks(&mut o, &st);
    gaps(&mut o, &st);
    drops(&mut o, &st);
    let _ = writeln!(o, "# HELP spreadwatch_reconnects_total Reconnects per source.\n# TYPE spreadwatch_reconnects_total counter");
    for (src, v) in &st.sources {
        let _ = writeln!(
            o,
            "spreadwatch_reconnects_total{{source=\"{}\"}} {}",
            esc(src),
            v.reconnects
        );
    }
    fanout(&mut o, s.hub.metrics());
    if let Some(scan) = &st.scan {
        scanner(&mut o, scan);
    }
    if let Some(c) = &st.cluster {
        super::cluster_metrics::render(&mut o, c);
    }
    o
}

/// The pair scanner: scans run and skipped, the last one's size and time.
fn scanner(o: &mut String, s: &spreadwatch_proto::scan::ScanStatus) {
    scalar(
        o,
        "scans_total",
        "counter",
        Some("Pair scans run."),
        s.scans,
    );
    let skipped = Some("Pair scans due while one still ran, so not started.");
    scalar(o, "scans_skipped_total", "counter", skipped, s.skipped);
    let took = Some("How long the last pair scan took.");
    scalar(o, "scan_duration_ms", "gauge", took, s.last_ms);
    let tested = Some("Pairs the last scan tested for cointegration.");
    scalar(o, "scan_candidates", "gauge", tested, s.candidates);
    let screened = Some("Pairs the last scan screened by correlation.");
    scalar(
        o,
        "scan_pairs_screened",
        "gauge",
        screened,
        s.pairs_screened,
    );
}

fn ticks(o: &mut String, st: &StatusReport) {
    let _ = writeln!(o, "# HELP spreadwatch_ticks_total Trades accepted per symbol.\n# TYPE spreadwatch_ticks_total counter");
    for (sym, v) in &st.symbols {
        let _ = writeln!(
            o,
            "spreadwatch_ticks_total{{symbol=\"{}\"}} {}",
            esc(sym),
            v.ticks
        );
    }
}

/// Gaps in trade ids (aggregate or raw) and what backfill made of them.
fn gaps(o: &mut String, st: &StatusReport) {
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
}

fn drops(o: &mut String, st: &StatusReport) {
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
        for (reason, n) in [("duplicate", v.duplicates), ("too_late", v.too_late)] {
            let _ = writeln!(
                o,
                "spreadwatch_drops_total{{source=\"engine\",symbol=\"{}\",reason=\"{reason}\"}} {n}",
                esc(sym),
            );
        }
    }
}

/// One unlabelled value, with its HELP line when it has one.
pub(super) fn scalar(o: &mut String, name: &str, kind: &str, help: Option<&str>, value: u64) {
    if let Some(help) = help {
        let _ = writeln!(o, "# HELP spreadwatch_{name} {help}");
    }
    let _ = writeln!(
        o,
        "# TYPE spreadwatch_{name} {kind}\nspreadwatch_{name} {value}"
    );
}

/// The WebSocket fan-out: clients, frames, refusals, backlog, latency.
fn fanout(o: &mut String, m: &HubMetrics) {
    let load = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    scalar(
        o,
        "ws_clients",
        "gauge",
        Some("Connected WebSocket clients."),
        load(&m.clients),
    );
    scalar(
        o,
        "ws_dropped_silent_total",
        "counter",
        Some("Clients dropped for silence (stalled or half-closed)."),
        load(&m.dropped_silent),
    );
    scalar(
        o,
        "ws_resyncs_total",
        "counter",
        Some("Fresh snapshots sent to clients that fell behind."),
        load(&m.resyncs),
    );
    scalar(
        o,
        "pairs_released_total",
        "counter",
        Some("Pairs clients started, stopped once no session wanted them (--pair-idle)."),
        load(&m.pairs_released),
    );
    scalar(o, "ws_frames_total", "counter", None, load(&m.frames));
    scalar(o, "ws_conflated_total", "counter", None, load(&m.conflated));
    let _ = writeln!(o, "# HELP spreadwatch_client_rejects_total Client input refused, by reason.\n# TYPE spreadwatch_client_rejects_total counter");
    for r in Reject::ALL {
        let _ = writeln!(
            o,
            "spreadwatch_client_rejects_total{{reason=\"{}\"}} {}",
            r.label(),
            m.rejected.get(r)
        );
    }
    scalar(
        o,
        "ws_queue_depth_max",
        "gauge",
        Some("Largest backlog a session found since the last scrape."),
        m.max_backlog.swap(0, Ordering::Relaxed),
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
}
