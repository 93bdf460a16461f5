//! The command line: clear errors for bad input, a serving `serve`, and a
//! graceful SIGTERM.

use std::time::{Duration, Instant};

use crate::support::{bin, data, get_json, sigterm, spawn_serve};

fn stderr_of(args: &[&str]) -> (i32, String) {
    let o = bin().args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn missing_file_bad_flag_and_bad_config_are_clear_errors() {
    let (code, err) = stderr_of(&[
        "replay",
        "/nonexistent/feed.jsonl",
        "--export-dir",
        "/tmp/x",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("/nonexistent/feed.jsonl") && err.contains("no such file"),
        "{err}"
    );

    let (code, err) = stderr_of(&["serve", "--speed", "fast"]);
    assert_eq!(code, 2);
    assert!(err.contains("fast"), "{err}");
    let many: Vec<String> = (0..201).map(|i| format!("S{i}USDT")).collect();
    // Refused before the file is created.
    let out = "/nonexistent/rec.jsonl";
    let (code, err) = stderr_of(&["record", "--symbols", &many.join(","), "--out", out]);
    assert_eq!(code, 2);
    assert!(
        err.contains("at most 200 symbols") && err.contains("201"),
        "{err}"
    );
    let (code, err) = stderr_of(&["serve", "--ws-ring", "1000000000000"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--ws-ring") && err.contains("1048576"),
        "{err}"
    );
    let (code, err) = stderr_of(&["serve", "--speed", "1e-20"]);
    assert_eq!(code, 2);
    assert!(err.contains("1e-20") && err.contains("0.001"), "{err}");

    let (code, err) = stderr_of(&["serve", "--pair", "ETHUSDT"]);
    assert_eq!(code, 2);
    assert!(err.contains("Y/X"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "source = \"sim\"\nsymbolz = [\"BTCUSDT\"]\n").unwrap();
    let (code, err) = stderr_of(&["serve", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("symbolz") && err.contains("bad.toml"), "{err}");
}

#[tokio::test]
async fn serve_replays_reports_status_and_stops_on_sigterm() {
    let feed = data("golden/feed_aggtrade.jsonl");
    let (mut child, url) = spawn_serve(&[
        "--source",
        &format!("replay:{}", feed.display()),
        "--speed",
        "max",
    ]);
    let http = reqwest::Client::new();
    let health: serde_json::Value = get_json(&http, format!("{url}/api/health")).await;
    assert_eq!(health["ok"], true);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        let s: serde_json::Value = get_json(&http, format!("{url}/api/status")).await;
        if s["sources"]["replay"]["state"] == "finished" {
            break s;
        }
        assert!(Instant::now() < deadline, "replay did not finish: {s}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status["sources"]["replay"]["messages"], 4128);
    assert_eq!(
        status["symbols"]["BTCUSDT"]["ticks"].as_u64().unwrap()
            + status["symbols"]["ETHUSDT"]["ticks"].as_u64().unwrap(),
        4128
    );
    assert!(
        status["symbols"]["BTCUSDT"]["revisions"].as_u64().unwrap() > 0,
        "late frames revise bars"
    );
    let e_minus_t = &status["sources"]["replay"]["symbols"]["ETHUSDT"]["event_minus_trade_ms"];
    assert!(e_minus_t.is_i64(), "{status}");
    // An open dashboard does not hold the shutdown up.
    let _dashboard = crate::server::connect(&url, "").await;

    let code = sigterm(&mut child, Duration::from_secs(10), "serve ignored SIGTERM").await;
    assert!(code.success(), "exit {code:?}");
}

/// An aggTrade frame of `sym` with event time `e`.
pub(crate) fn agg(sym: &str, id: u64, e: i64) -> String {
    format!(
        r#"{{"stream":"{l}@aggTrade","data":{{"e":"aggTrade","E":{e},"s":"{sym}","a":{id},"p":"100.0","q":"1","f":{id},"l":{id},"T":{e},"m":false}}}}"#,
        l = sym.to_ascii_lowercase()
    )
}

#[tokio::test]
async fn a_paced_replay_skips_bad_times_and_stops_inside_a_quiet_hour() {
    let dir = tempfile::tempdir().unwrap();
    let t = 1_700_000_000_000;
    // A line whose E the parser refuses must not pace; then an hour's gap.
    let lines = [
        agg("BTCUSDT", 1, t),
        agg("BTCUSDT", 2, 99_999_999_999_999),
        agg("BTCUSDT", 3, t + 10),
        agg("BTCUSDT", 4, t + 3_600_000),
    ];
    let feed = dir.path().join("quiet.jsonl");
    std::fs::write(&feed, lines.join("\n") + "\n").unwrap();
    let (mut child, url) = spawn_serve(&[
        "--source",
        &format!("replay:{}", feed.display()),
        "--speed",
        "1",
    ]);
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s: serde_json::Value = get_json(&http, format!("{url}/api/status")).await;
        let ticks = s["symbols"]["BTCUSDT"]["ticks"].as_u64().unwrap_or(0);
        if ticks == 2 {
            assert_eq!(s["sources"]["replay"]["state"], "live", "{s}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the bad line stalled the replay: {s}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Now inside the hour: SIGTERM ends the wait and the process.
    let code = sigterm(
        &mut child,
        Duration::from_secs(10),
        "serve waited out the quiet hour",
    )
    .await;
    assert!(code.success(), "exit {code:?}");
}

#[tokio::test]
async fn serve_with_the_simulator_labels_it_simulated() {
    let (_child, url) = spawn_serve(&["--source", "sim"]);
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let s: serde_json::Value = get_json(&http, format!("{url}/api/status")).await;
        let sim = &s["sources"]["sim"];
        assert_eq!(sim["state"], "simulated");
        assert_eq!(sim["simulated"], true);
        if s["symbols"]["ETHUSDT"]["ticks"].as_u64().unwrap_or(0) > 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "simulator produced no trades: {s}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn the_cluster_commands_say_what_they_need() {
    let pair = "ETHUSDT/BTCUSDT";
    let ingest = [
        "ingest",
        "--source",
        "sim",
        "--publish",
        "nats:nats://127.0.0.1:1",
    ];
    let shard = ["serve", "--source", "sim", "--shard", "1/2", "--pair", pair];
    let (code, err) = stderr_of(&["serve", "--source", "sim", "--pairs", "scan:5"]);
    assert_eq!(code, 2);
    assert!(err.contains("--shard I/N"), "{err}");
    if cfg!(feature = "nats") {
        let (code, err) = stderr_of(&shard);
        assert_eq!(code, 2);
        assert!(err.contains("--source nats:URL"), "{err}");
        let broker = "nats:nats://127.0.0.1:1";
        let (code, err) = stderr_of(&[
            "serve", "--source", broker, "--shard", "1/2", "--pair", pair,
        ]);
        assert_eq!(code, 2);
        assert!(err.contains("--data-dir"), "{err}");
        let (code, err) = stderr_of(&[
            "serve", "--source", broker, "--shard", "3/2", "--pair", pair,
        ]);
        assert_eq!(code, 2);
        assert!(err.contains("I/N"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().display().to_string();
        let bad = [
            "serve", "--source", broker, "--shard", "1/2", "--pairs", "top5",
        ];
        let (code, err) = stderr_of(&[&bad[..], &["--data-dir", &data]].concat());
        assert_eq!(code, 2);
        assert!(err.contains("scan:N"), "{err}");
        let (code, err) = stderr_of(&["ingest", "--source", broker, "--publish", broker]);
        assert_eq!(code, 2);
        assert!(err.contains("binance, sim or replay"), "{err}");
    } else {
        for args in [&ingest[..], &shard[..]] {
            let (code, err) = stderr_of(args);
            assert_eq!(code, 2, "{args:?}");
            assert!(err.contains("`nats` feature"), "{args:?}: {err}");
        }
    }
}
