//! `spreadwatch scan` ranks the golden market as pandas and statsmodels do
//! (scripts/golden/gen_scan.py), and refuses bad input clearly.

use serde_json::Value;

use crate::analyze::close;
use crate::support::{bin, run_golden_case};

fn num(v: &Value, what: &str) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number: {v}"))
}

/// Compares one field of a ranked pair, null with null.
fn field(case: &str, pair: &str, got: &Value, want: &Value, path: &str, rel: f64, abs: f64) {
    let (g, w) = (got.pointer(path), want.pointer(path));
    match (g, w) {
        (Some(Value::Null), Some(Value::Null)) => {}
        (Some(g), Some(w)) => {
            let (x, y) = (num(g, path), num(w, path));
            assert!(
                close(x, y, rel, abs),
                "{case} {pair}{path}: got {x}, want {y}"
            );
        }
        _ => panic!("{case} {pair}{path}: got {g:?}, want {w:?}"),
    }
}

fn key(r: &Value) -> String {
    format!("{}/{}", r["y"].as_str().unwrap(), r["x"].as_str().unwrap())
}

fn run(case: &str) -> (Value, Value) {
    run_golden_case("scan", "scan", case)
}

fn check_case(case: &str) {
    let (got, want) = run(case);
    for k in ["symbols", "pairs_screened", "candidates"] {
        assert_eq!(got[k], want[k], "{case}: {k}");
    }
    assert!(got["elapsed_ms"].is_u64(), "{case}: elapsed_ms");
    let (g, w) = (
        got["results"].as_array().unwrap(),
        want["results"].as_array().unwrap(),
    );
    assert_eq!(g.len(), w.len(), "{case}: results");
    let pos = |k: &str| g.iter().position(|r| key(r) == k);
    for want_row in w {
        let k = key(want_row);
        let got_row = &g[pos(&k).unwrap_or_else(|| panic!("{case}: {k} missing"))];
        assert_eq!(got_row["n"], want_row["n"], "{case} {k}: n");
        for (path, rel, abs) in [
            ("/corr", 1e-9, 0.0),
            ("/beta", 1e-9, 0.0),
            ("/alpha", 1e-9, 1e-12),
            ("/coint/stat", 1e-8, 0.0),
            ("/coint/pvalue", 1e-6, 1e-15),
            ("/half_life", 1e-7, 0.0),
            ("/z", 1e-8, 1e-12),
        ] {
            field(case, &k, got_row, want_row, path, rel, abs);
        }
    }
    // The same order wherever neighbouring p-values are more than 1e-6 apart.
    for pair in w.windows(2) {
        let (p0, p1) = (
            num(&pair[0]["coint"]["pvalue"], "p"),
            num(&pair[1]["coint"]["pvalue"], "p"),
        );
        if (p1 - p0).abs() > 1e-6 {
            let (a, b) = (key(&pair[0]), key(&pair[1]));
            assert!(pos(&a) < pos(&b), "{case}: {a} ranks before {b}");
        }
    }
}

#[test]
fn the_default_scan_ranks_the_planted_pairs_first_as_statsmodels_does() {
    check_case("defaults");
    let (got, _) = run("defaults");
    let top: Vec<String> = got["results"].as_array().unwrap()[..3]
        .iter()
        .map(key)
        .collect();
    assert_eq!(
        top,
        [
            "ALPHAUSDT/BRAVOUSDT",
            "KILOUSDT/LIMAUSDT",
            "CHARLUSDT/DELTAUSDT"
        ]
    );
}

#[test]
fn a_loose_screen_tests_the_correlated_cluster_and_ranks_it_below() {
    check_case("loose");
}

#[test]
fn candidates_and_the_ranking_are_capped() {
    check_case("capped");
}

fn scan_err(csv: &str, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.csv");
    std::fs::write(&path, csv).unwrap();
    let o = bin()
        .args(["scan", "--csv"])
        .arg(&path)
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "exit code 2 for bad input");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn bad_input_is_refused_naming_what_was_wrong() {
    let e = scan_err("open_time,symbol,close\n", &[]);
    assert!(e.contains("no data rows"), "{e}");
    let e = scan_err("open_time,symbol,close\n1,AAAUSDT,1\n2,AAAUSDT,2\n", &[]);
    assert!(
        e.contains("at least two symbols") && e.contains("AAAUSDT"),
        "{e}"
    );
    let e = scan_err("open_time,symbol,close\n1,AAAUSDT,1\n2,B-B,2\n", &[]);
    assert!(e.contains("line 3") && e.contains("symbol"), "{e}");
    let e = scan_err("open_time,symbol,close\n1,AAAUSDT,x\n", &[]);
    assert!(e.contains("line 2") && e.contains("close"), "{e}");
    let e = scan_err(
        "open_time,symbol,close\n1,AAAUSDT,1\n1,BBBUSDT,2\n",
        &["--min-corr", "2"],
    );
    assert!(e.contains("min-corr 2"), "{e}");
}
