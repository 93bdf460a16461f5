//! `spreadwatch replay` reproduces the pandas-computed golden bars exactly.

use std::fs;
use std::io::Write;

use crate::support::{bin, data};

fn replay_and_compare(feed: &std::path::Path, kind: &str, extra: &[&str]) {
    let out = tempfile::tempdir().unwrap();
    let o = bin()
        .arg("replay")
        .arg(feed)
        .args(["--speed", "max", "--export-dir"])
        .arg(out.path())
        .args(extra)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "replay failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(
        summary.contains("ticks/s") && summary.contains("2 symbols"),
        "{summary}"
    );
    for iv in ["1s", "1m", "5m"] {
        let got = fs::read_to_string(out.path().join(format!("bars_{iv}.csv"))).unwrap();
        let want = fs::read_to_string(data(&format!("golden/{kind}/bars_{iv}.csv"))).unwrap();
        assert_eq!(
            got.lines().count(),
            want.lines().count(),
            "{kind} {iv} row count"
        );
        for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
            assert_eq!(g, w, "{kind} {iv} line {}", i + 1);
        }
    }
}

#[test]
fn aggtrade_feed_gives_the_golden_bars() {
    replay_and_compare(&data("golden/feed_aggtrade.jsonl"), "aggtrade", &[]);
}

#[test]
fn trade_feed_gives_the_golden_bars_and_counts_non_market_drops() {
    replay_and_compare(
        &data("golden/feed_trade.jsonl"),
        "trade",
        &["--stream", "trade"],
    );
    let out = tempfile::tempdir().unwrap();
    let o = bin()
        .arg("replay")
        .arg(data("golden/feed_trade.jsonl"))
        .arg("--export-dir")
        .arg(out.path())
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("non_market=30"), "{s}");
}

#[test]
fn gzip_feed_is_detected_and_gives_the_same_bars() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("feed.data"); // no .gz suffix: detection is by magic bytes
    let mut enc =
        flate2::write::GzEncoder::new(fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    enc.write_all(&fs::read(data("golden/feed_aggtrade.jsonl")).unwrap())
        .unwrap();
    enc.finish().unwrap();
    replay_and_compare(&gz, "aggtrade", &[]);
}

#[test]
fn symbols_filter_keeps_only_the_named_symbol() {
    let out = tempfile::tempdir().unwrap();
    let o = bin()
        .arg("replay")
        .arg(data("golden/feed_aggtrade.jsonl"))
        .args(["--symbols", "BTCUSDT", "--export-dir"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(o.status.success());
    let got = fs::read_to_string(out.path().join("bars_1m.csv")).unwrap();
    let want: Vec<&str> = include_str!("data/golden/aggtrade/bars_1m.csv")
        .lines()
        .filter(|l| l.starts_with("start_ms") || l.contains(",BTCUSDT,"))
        .collect();
    assert_eq!(got.lines().collect::<Vec<_>>(), want);
    assert!(String::from_utf8_lossy(&o.stdout).contains("filtered="));
}
