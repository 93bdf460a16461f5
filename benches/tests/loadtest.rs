//! A short load-test run: every client, timed or draining, gets every delta
//! in order, and the JSON result has every field. No timing is asserted.

use spreadwatch_benches::loadtest::{run, LoadOptions, LoadReport};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_run_delivers_every_delta_in_order() {
    let o = LoadOptions {
        rate: Some(2_000.0),
        symbols: 2,
        skew: 0.0,
        clients: 5,
        slow_clients: 1,
        measured: Some(3),
        pace: std::time::Duration::from_millis(1),
        duration: 3.0,
        warmup: 1.0,
        engine_bin: None,
        progress: false,
        cluster: false,
    };
    let r = run(&o).await.expect("load test runs");
    assert!(r.ticks > 1_000, "ticks ingested: {}", r.ticks);
    assert_eq!(r.seq_gaps, 0, "every client got every frame in order");
    assert_eq!(
        r.reader_resyncs, 0,
        "no reader needed a resync: it missed nothing"
    );
    assert_eq!(r.drops, 0);
    assert!(r.frames_per_s > 0.0);
    assert!(r.latency_us.p50 > 0 && r.latency_us.max >= r.latency_us.p99);
    delivery_is_measured(&r);
    draining_clients_get_every_frame(&r);
    every_field_is_in_the_json(&r);
}

/// 300 symbols (two Binance connections), the first trading most: every
/// symbol reaches the engine once, none twice, and the busiest takes the
/// share a Zipf market gives it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skewed_many_symbol_run_reaches_every_symbol_once() {
    let o = LoadOptions {
        rate: Some(3_000.0),
        symbols: 300,
        skew: 1.0,
        clients: 3,
        slow_clients: 0,
        measured: None,
        pace: std::time::Duration::from_millis(1),
        duration: 4.0,
        warmup: 2.0,
        engine_bin: None,
        progress: false,
        cluster: false,
    };
    let r = run(&o).await.expect("load test runs");
    assert_eq!(r.symbols_traded, 300, "every symbol's stream arrived");
    assert_eq!(
        r.drops, 0,
        "no trade came twice (each connection sends its own streams)"
    );
    assert_eq!(r.seq_gaps, 0);
    // Zipf with s = 1 over 300 symbols: the first takes 1 / H(300) ~ 16 %.
    assert!(
        (0.13..0.20).contains(&r.top_symbol_share),
        "busiest share {}",
        r.top_symbol_share
    );
    assert!(r.ticks > 5_000, "ticks ingested: {}", r.ticks);
}

fn delivery_is_measured(r: &LoadReport) {
    // A frame reaches the client's socket before the client reads it.
    let (d, l) = (&r.delivered_us, &r.latency_us);
    assert!(d.p50 > 0 && d.max >= d.p99);
    assert!(
        d.p50 <= l.p50 && d.p99 <= l.p99,
        "delivery {d:?} is not after the read {l:?}"
    );
    assert_eq!(r.pace_us, 1000);
    // The kernel stamped (nearly) every timed read: the delivery figures
    // are measured, not the read time again.
    assert!(r.timed_deltas > 1_000, "timed deltas: {}", r.timed_deltas);
    assert!(
        r.unstamped * 100 <= r.timed_deltas,
        "{} of {} timed deltas had no receive stamp",
        r.unstamped,
        r.timed_deltas
    );
}

fn draining_clients_get_every_frame(r: &LoadReport) {
    // 3 of the 5 readers are timed; the 2 draining ones get every frame too.
    assert_eq!(r.measured_clients, 3);
    let per_timed = (r.frames_per_s - r.drained_frames_per_s) / 3.0;
    let per_drained = r.drained_frames_per_s / 2.0;
    assert!(
        per_drained > 0.9 * per_timed && per_drained < 1.1 * per_timed,
        "a draining client gets what a timed one gets: {per_drained:.0} vs {per_timed:.0} frames/s"
    );
}

fn every_field_is_in_the_json(r: &LoadReport) {
    let v = serde_json::to_value(r).unwrap();
    for k in [
        "rate",
        "ticks",
        "ticks_per_s",
        "clients",
        "slow_clients",
        "measured_clients",
        "drained_frames_per_s",
        "pace_us",
        "latency_us",
        "delivered_us",
        "frames_per_s",
        "resyncs",
        "rss_mb",
        "cpu_pct",
    ] {
        assert!(v.get(k).is_some(), "field {k}");
    }
    for k in ["p50", "p90", "p99", "p999", "max"] {
        assert!(v["latency_us"].get(k).is_some(), "latency_us.{k}");
        assert!(v["delivered_us"].get(k).is_some(), "delivered_us.{k}");
    }
    for k in ["start", "max", "end"] {
        assert!(v["rss_mb"].get(k).is_some(), "rss_mb.{k}");
    }
}
