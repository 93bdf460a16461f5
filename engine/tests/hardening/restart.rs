//! A restart on the same data dir: the simulator goes on after what is
//! stored.

use std::time::{Duration, Instant};

use crate::support::{get_json, spawn_serve};

/// A symbol's accepted ticks and duplicates, from `/api/status`.
async fn ticks_and_duplicates(http: &reqwest::Client, url: &str) -> (u64, u64) {
    let s = get_json(http, format!("{url}/api/status")).await;
    let e = &s["symbols"]["ETHUSDT"];
    (
        e["ticks"].as_u64().unwrap_or(0),
        e["duplicates"].as_u64().unwrap_or(0),
    )
}

#[tokio::test]
async fn the_simulator_goes_on_after_a_kill_and_restart_on_its_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let args = [
        "--source",
        "sim",
        "--data-dir",
        data,
        "--snapshot-interval",
        "200ms",
    ];
    let http = reqwest::Client::new();
    let (child, url) = spawn_serve(&args);
    let s = get_json(&http, format!("{url}/api/status")).await;
    assert_eq!(s["sources"]["sim"]["restart_ids"], "fresh", "{s}");
    // Long enough for the stored ids to reach well past where a simulator
    // starting afresh begins.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (before, _) = ticks_and_duplicates(&http, &url).await;
    assert!(before > 40, "only {before} ticks in 5 s");
    drop(child); // SIGKILL: no last snapshot
    let (_child, url) = spawn_serve(&args);
    // The source starts (and says how its ids meet the stored ones) just
    // after the server does.
    let end = Instant::now() + Duration::from_secs(2);
    loop {
        let s = get_json(&http, format!("{url}/api/status")).await;
        if s["sources"]["sim"]["restart_ids"] == "continued" {
            break;
        }
        assert!(Instant::now() < end, "{s}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (restored, _) = ticks_and_duplicates(&http, &url).await;
    let end = Instant::now() + Duration::from_secs(2);
    loop {
        let (now, dups) = ticks_and_duplicates(&http, &url).await;
        assert_eq!(dups, 0, "trades taken for repeats after the restart");
        if now >= restored + 10 {
            break;
        }
        assert!(
            Instant::now() < end,
            "2 s after the restart ETHUSDT has {now} ticks, {restored} on start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
