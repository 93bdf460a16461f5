//! Snapshots survive `kill -9`: a real child killed mid-replay, restarted on
//! the same `--data-dir`, ends with the bars of an uninterrupted run.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::browser::feed;
use crate::support::{bin, get_json, spawn_serve};

async fn export(http: &reqwest::Client, url: &str, iv: &str) -> String {
    crate::support::get_text(http, format!("{url}/api/export?interval={iv}")).await
}

async fn wait_finished(http: &reqwest::Client, url: &str) {
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        let v = get_json(http, format!("{url}/api/status")).await;
        let srcs = v["sources"].as_object().cloned().unwrap_or_default();
        if !srcs.is_empty() && srcs.values().all(|s| s["state"] == "finished") {
            return;
        }
        assert!(Instant::now() < end, "the replay did not finish: {v}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends SIGTERM and waits (bounded) for the process to exit.
async fn sigterm_and_wait(child: &mut crate::support::ChildGuard) {
    crate::support::sigterm(
        child,
        Duration::from_secs(20),
        "serve did not exit on SIGTERM",
    )
    .await;
}

/// What a client sees of the pair: stats, alerts, every processed column.
async fn pair_state(
    http: &reqwest::Client,
    url: &str,
) -> (serde_json::Value, serde_json::Value, String) {
    let q = "pair=ETHUSDT/BTCUSDT";
    let csv = http
        .get(format!("{url}/api/export/pair?{q}"))
        .send()
        .await
        .unwrap();
    (
        get_json(http, format!("{url}/api/pair?{q}")).await,
        get_json(http, format!("{url}/api/alerts")).await,
        csv.text().await.unwrap(),
    )
}

/// Reads `f` until two reads 300 ms apart agree (the slow estimators land
/// up to 250 ms after the last point), at most 10 s.
async fn settled<T: PartialEq, F: std::future::Future<Output = T>>(f: impl Fn() -> F) -> T {
    let end = Instant::now() + Duration::from_secs(10);
    let mut last = f().await;
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = f().await;
        if now == last || Instant::now() > end {
            return now;
        }
        last = now;
    }
}

/// A temporary directory holding a cointegrated pair's feed of `seconds`
/// (5 trades a second) and the data dir the serve runs share.
struct Setup {
    dir: tempfile::TempDir,
    feed_path: std::path::PathBuf,
    /// `replay:<feed>`.
    source: String,
    /// The `--data-dir`.
    data_s: String,
}

fn setup(seconds: i64) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let feed_path = dir.path().join("pair.jsonl");
    std::fs::write(&feed_path, feed::cointegrated(seconds, 5).text).unwrap();
    Setup {
        source: format!("replay:{}", feed_path.display()),
        data_s: dir.path().join("data").display().to_string(),
        feed_path,
        dir,
    }
}

/// The uninterrupted run: `spreadwatch replay FEED --export-dir OUT`.
fn replay_export(feed: &Path, out: &Path) {
    let st = bin()
        .args(["replay", &feed.display().to_string(), "--export-dir"])
        .arg(out)
        .status()
        .unwrap();
    assert!(st.success());
}

fn serve_args<'a>(source: &'a str, speed: &'a str, data: &'a str) -> Vec<&'a str> {
    vec![
        "--source",
        source,
        "--speed",
        speed,
        "--pair",
        "ETHUSDT/BTCUSDT",
        "--data-dir",
        data,
        "--snapshot-interval",
        "200ms",
        "--ui-dir",
        "/nonexistent",
    ]
}

#[tokio::test]
async fn kill_9_mid_replay_then_restart_gives_the_uninterrupted_bars() {
    let Setup {
        dir,
        feed_path,
        source,
        data_s,
    } = setup(300);

    // The uninterrupted run.
    let whole = dir.path().join("whole");
    replay_export(&feed_path, &whole);
    let want = |iv: &str| std::fs::read_to_string(whole.join(format!("bars_{iv}.csv"))).unwrap();

    let http = reqwest::Client::new();
    // Killed mid-replay: 300 s of data at 20x is 15 s; kill after ~4 s.
    let (mut child, url) = spawn_serve(&serve_args(&source, "20", &data_s));
    tokio::time::sleep(Duration::from_secs(4)).await;
    let before = export(&http, &url, "1s").await;
    child.0.kill().unwrap(); // SIGKILL
    child.0.wait().unwrap();
    let seen = before.lines().count() - 1;
    assert!(
        seen > 30,
        "too little replayed before the kill: {seen} bars"
    );

    // Restarted with no source: only what the store held.
    let (child, url) = spawn_serve(&serve_args("none", "max", &data_s));
    let after = export(&http, &url, "1s").await;
    drop(child);
    let restored: Vec<&str> = after.lines().skip(1).collect();
    // At 20x, 200 ms between snapshots is 4 s of data, 4 bars for each of
    // the two symbols. The kill can land while a snapshot is being taken,
    // so up to two intervals (16 lines) may be missing.
    assert!(
        restored.len() + 16 >= seen,
        "restored {} closed 1 s bars, {seen} were there at the kill",
        restored.len()
    );
    let full = want("1s");
    for line in &restored {
        assert!(
            full.lines().any(|l| l == *line),
            "restored bar {line} differs from the uninterrupted run"
        );
    }

    // Restarted with the whole file: repeats are de-duplicated, the rest
    // fills in, and every interval equals the uninterrupted run.
    let (_child, url) = spawn_serve(&serve_args(&source, "max", &data_s));
    wait_finished(&http, &url).await;
    for iv in ["1s", "1m", "5m"] {
        assert_eq!(
            export(&http, &url, iv).await,
            want(iv),
            "{iv} bars after restart"
        );
    }
}

#[tokio::test]
async fn a_damaged_data_dir_is_moved_aside_and_the_engine_starts_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("conf"), b"not a sled config \xff").unwrap();
    std::fs::write(data.join("db"), vec![0x5a; 8192]).unwrap();
    let data_s = data.display().to_string();
    let (_child, url) = spawn_serve(&serve_args("sim", "max", &data_s));
    let http = reqwest::Client::new();
    assert_eq!(
        get_json(&http, format!("{url}/api/health")).await["ok"],
        true
    );
    let kept: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("data.corrupt-")
        })
        .collect();
    assert_eq!(kept.len(), 1, "moved aside, not deleted");
    assert_eq!(std::fs::read(kept[0].join("db")).unwrap(), vec![0x5a; 8192]);
    assert!(Path::new(&data).is_dir(), "a fresh store");
}

#[tokio::test]
async fn a_data_dir_of_one_stream_refuses_a_run_of_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let data_s = dir.path().join("data").display().to_string();
    // The simulator's ids are aggTrade ids.
    let (mut child, url) = spawn_serve(&serve_args("sim", "max", &data_s));
    let http = reqwest::Client::new();
    assert_eq!(
        get_json(&http, format!("{url}/api/health")).await["ok"],
        true
    );
    sigterm_and_wait(&mut child).await;
    let out = bin()
        .args([
            "serve",
            "--source",
            "binance",
            "--stream",
            "trade",
            "--symbols",
            "BTCUSDT",
            "--binance-url",
            "ws://127.0.0.1:9",
            "--data-dir",
            &data_s,
            "--bind",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("aggTrade stream") && err.contains("--stream aggTrade"),
        "{err}"
    );
}

#[tokio::test]
async fn sigterm_takes_a_last_snapshot_so_nothing_is_lost() {
    // `_dir` keeps the directory alive for the whole test.
    let Setup {
        dir: _dir,
        source,
        data_s,
        ..
    } = setup(120);
    let http = reqwest::Client::new();
    // A long interval: only the shutdown snapshot can hold the state.
    let mut args = serve_args(&source, "max", &data_s);
    args[9] = "1h";
    let (mut child, url) = spawn_serve(&args);
    wait_finished(&http, &url).await;
    let before = export(&http, &url, "1s").await;
    sigterm_and_wait(&mut child).await;
    let (_child, url) = spawn_serve(&serve_args("none", "max", &data_s));
    // The end of the file closed the last bars (a replay flushes); restored
    // from ticks they are forming again, so compare the rest.
    let last = before
        .lines()
        .last()
        .and_then(|l| l.split(',').next())
        .unwrap()
        .to_string();
    let closed: String = before
        .lines()
        .filter(|l| !l.starts_with(&format!("{last},")))
        .map(|l| format!("{l}\n"))
        .collect();
    let after = export(&http, &url, "1s").await;
    assert!(closed.lines().count() > 200, "too few bars to compare");
    assert!(
        after == closed,
        "restored bars differ ({} vs {} lines)",
        after.lines().count(),
        closed.lines().count()
    );
}

#[tokio::test]
async fn retention_prunes_on_a_bar_boundary_so_restored_bars_are_whole() {
    let Setup {
        dir,
        feed_path,
        source,
        data_s,
    } = setup(900);
    let whole = dir.path().join("whole");
    replay_export(&feed_path, &whole);
    let http = reqwest::Client::new();
    let mut args = serve_args(&source, "max", &data_s);
    args.extend(["--retain-ticks", "2m"]);
    let (mut child, url) = spawn_serve(&args);
    wait_finished(&http, &url).await;
    // The pair's estimator state reaches back past the retained ticks.
    let before = settled(|| pair_state(&http, &url)).await;
    sigterm_and_wait(&mut child).await;
    let (_child, url) = spawn_serve(&serve_args("none", "max", &data_s));
    let after = settled(|| pair_state(&http, &url)).await;
    assert!(
        before.0["stats"]["n"].as_u64().unwrap() > 800,
        "the pair committed the whole feed: {}",
        before.0
    );
    assert_eq!(
        after.0, before.0,
        "restored pair stats (count, OLS, Kalman, z, heavy estimators) equal the run before"
    );
    assert_eq!(after.1, before.1, "alert history restored");
    assert!(
        after.2 == before.2,
        "pair export differs after restore ({} vs {} lines)",
        after.2.lines().count(),
        before.2.lines().count()
    );
    let read = |iv: &str| std::fs::read_to_string(whole.join(format!("bars_{iv}.csv"))).unwrap();
    // 1 s bars are only rebuilt from the retained ticks: they start on the cut.
    let after = export(&http, &url, "1s").await;
    let full = read("1s");
    let restored: Vec<&str> = after.lines().skip(1).collect();
    let starts: Vec<i64> = restored
        .iter()
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    let (first, last) = (starts[0], *starts.last().unwrap());
    assert_eq!(
        first % 300_000,
        0,
        "the oldest 1 s bar starts on the 5 m cut"
    );
    assert!(
        last - first >= 2 * 60_000 - 1_000,
        "two minutes kept ({first}..{last})"
    );
    assert!(feed::T0 < first, "older ticks were pruned");
    for line in &restored {
        assert!(
            full.lines().any(|l| l == *line),
            "restored 1 s bar {line} is partial or wrong"
        );
    }
    // 1 m and 5 m bars older than the ticks come back from the bar store:
    // the whole history, less the bars still forming at the end.
    for iv in ["1m", "5m"] {
        let after = export(&http, &url, iv).await;
        let full = read(iv);
        let (got, want): (Vec<&str>, Vec<&str>) = (after.lines().collect(), full.lines().collect());
        assert!(
            got.len() >= want.len() - 2 && got.len() > 3,
            "{iv}: {} of {} lines",
            got.len(),
            want.len()
        );
        assert_eq!(
            got[..],
            want[..got.len()],
            "{iv}: restored history equals the uninterrupted run"
        );
    }
}
