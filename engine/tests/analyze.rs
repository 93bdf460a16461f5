//! `spreadwatch analyze` equals statsmodels, scipy, pykalman and pandas on
//! the golden cases, and refuses bad input with file, line and column.

use serde_json::Value;

use crate::support::{bin, data, run_golden_case};

/// Relative closeness with a floor for values at or near zero.
pub fn close(got: f64, want: f64, rel: f64, abs: f64) -> bool {
    (got - want).abs() <= rel * want.abs().max(got.abs()) + abs
}

fn num(v: &Value, what: &str) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number: {v}"))
}

fn check(case: &str, got: &Value, want: &Value, path: &str, rel: f64, abs: f64) {
    let (g, w) = (
        &got.pointer(path).unwrap_or(&Value::Null),
        want.pointer(path).unwrap_or(&Value::Null),
    );
    match (g, w) {
        (Value::Array(ga), Value::Array(wa)) => {
            assert_eq!(ga.len(), wa.len(), "{case}{path}: length");
            for (i, (a, b)) in ga.iter().zip(wa).enumerate() {
                match (a, b) {
                    (Value::Null, Value::Null) => {}
                    _ => {
                        let (x, y) = (num(a, path), num(b, path));
                        assert!(
                            close(x, y, rel, abs),
                            "{case}{path}[{i}]: got {x}, want {y}"
                        );
                    }
                }
            }
        }
        (Value::Null, Value::Null) => {}
        _ => {
            let (x, y) = (num(g, path), num(w, path));
            assert!(close(x, y, rel, abs), "{case}{path}: got {x}, want {y}");
        }
    }
}

fn run_case(case: &str) {
    let (got, want) = run_golden_case("analyze", "analytics", case);
    let want = &want;
    let keys: Vec<&String> = got.as_object().unwrap().keys().collect();
    let wkeys: Vec<&String> = want.as_object().unwrap().keys().collect();
    assert_eq!(
        keys, wkeys,
        "{case}: the JSON has exactly the documented keys"
    );
    assert_eq!(got["n"], want["n"], "{case}: n");
    // With delta 1e-4 the Kalman spread is ~1e-4 on prices ~2300: its z
    // carries ~5e-9 of cancellation noise in any implementation.
    let zrel = if case == "synthetic_kalman" {
        1e-8
    } else {
        1e-9
    };
    for p in [
        "/regression/ols/beta",
        "/regression/ols/alpha",
        "/regression/ols/r2",
        "/kalman/beta",
        "/kalman/alpha",
        "/corr",
    ] {
        check(case, &got, want, p, 1e-9, 0.0);
    }
    check(case, &got, want, "/zscore", zrel, 0.0);
    // The spread is a difference of numbers near y: compare on y's scale.
    let ymax = 1e5;
    check(case, &got, want, "/spread", 1e-9, 1e-11 * ymax);
    for p in ["/regression/huber/beta", "/regression/huber/alpha"] {
        check(case, &got, want, p, 1e-7, 0.0);
    }
    for p in ["/regression/theil_sen/beta", "/regression/theil_sen/alpha"] {
        assert_eq!(
            got.pointer(p),
            want.pointer(p),
            "{case}{p}: Theil-Sen is exact"
        );
    }
    check(case, &got, want, "/adf/stat", 1e-8, 0.0);
    check(case, &got, want, "/adf/pvalue", 1e-6, 1e-15);
    for p in ["/adf/crit/1%", "/adf/crit/5%", "/adf/crit/10%"] {
        check(case, &got, want, p, 1e-9, 0.0);
    }
    assert_eq!(
        got["adf"]["used_lag"], want["adf"]["used_lag"],
        "{case}: used lag"
    );
    assert_eq!(got["adf"]["nobs"], want["adf"]["nobs"], "{case}: nobs");
    check(case, &got, want, "/coint/stat", 1e-6, 0.0);
    check(case, &got, want, "/coint/pvalue", 1e-6, 1e-15);
    check(case, &got, want, "/half_life", 1e-7, 0.0);
    let (ga, wa) = (
        got["alerts"].as_array().unwrap(),
        want["alerts"].as_array().unwrap(),
    );
    let idx = |a: &Vec<Value>| {
        a.iter()
            .map(|x| {
                (
                    x["index"].as_u64().unwrap(),
                    x["ts"].as_i64().unwrap(),
                    x["side"].as_str().unwrap().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(idx(ga), idx(wa), "{case}: alert indices, times and sides");
    for (a, b) in ga.iter().zip(wa) {
        assert!(
            close(num(&a["z"], "z"), num(&b["z"], "z"), zrel, 0.0),
            "{case}: alert z"
        );
    }
}

#[test]
fn synthetic_ols_matches_statsmodels() {
    run_case("synthetic_ols");
}

#[test]
fn synthetic_kalman_matches_pykalman() {
    run_case("synthetic_kalman");
}

#[test]
fn synthetic_huber_last_with_hysteresis() {
    run_case("synthetic_huber_last");
}

#[test]
fn synthetic_theil_sen_with_maxlag() {
    run_case("synthetic_theil_maxlag");
}

#[test]
fn crude_oil_ols_matches_statsmodels() {
    run_case("crude_ols");
}

#[test]
fn crude_oil_kalman_matches_pykalman() {
    run_case("crude_kalman");
}

#[test]
fn binance_kline_files_per_symbol_are_joined() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("analytics/synthetic.csv")).unwrap();
    for sym in ["ETHUSDT", "BTCUSDT"] {
        let mut out = String::from("open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n");
        for line in text.lines().skip(1).filter(|l| l.contains(sym)) {
            let f: Vec<&str> = line.split(',').collect();
            out.push_str(&format!(
                "{},{},{},{},{},{},0,0,0,0,0,0\n",
                f[0], f[2], f[3], f[4], f[5], f[6]
            ));
        }
        std::fs::write(dir.path().join(format!("{sym}.csv")), out).unwrap();
    }
    let arg = |s: &str| format!("{s}={}", dir.path().join(format!("{s}.csv")).display());
    let o = bin()
        .args([
            "analyze",
            "--csv",
            &arg("ETHUSDT"),
            "--csv",
            &arg("BTCUSDT"),
            "--y",
            "ETHUSDT",
            "--x",
            "BTCUSDT",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got: Value = serde_json::from_slice(&o.stdout).unwrap();
    let golden: Value = serde_json::from_str(
        &std::fs::read_to_string(data("analytics/synthetic_ols.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(got["n"], golden["expected"]["n"]);
    check(
        "klines",
        &got,
        &golden["expected"],
        "/regression/ols/beta",
        1e-12,
        0.0,
    );
}

#[test]
fn bad_input_exits_2_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.display().to_string()
    };
    let short = (0..10)
        .map(|i| {
            format!(
                "{},A,{}\n{},B,{}\n",
                1_700_000_000 + i,
                10 + i,
                1_700_000_000 + i,
                20 + i * i
            )
        })
        .collect::<String>();
    let cases = [
        (
            write("nocol.csv", "time,symbol,price\n1,A,1\n"),
            vec![],
            "missing column \"close\"",
        ),
        (
            write(
                "badnum.csv",
                "time,symbol,close\n1700000000,A,1\n1700000000,B,x1\n",
            ),
            vec![],
            "line 3, column close",
        ),
        (
            write("badtime.csv", "date,symbol,close\n2020-13-45,A,1\n"),
            vec![],
            "line 2, column date",
        ),
        (
            write("unknown.csv", "time,symbol,close\n1,A,1\n1,C,2\n"),
            vec![],
            "unknown symbol B",
        ),
        (
            write("short.csv", &format!("time,symbol,close\n{short}")),
            vec!["--window", "60"],
            "fewer aligned rows (10) than the window (60)",
        ),
        (
            write(
                "const.csv",
                &format!(
                    "time,symbol,close\n{}",
                    (0..10)
                        .map(|i| format!("{i},A,{i}\n{i},B,5\n"))
                        .collect::<String>()
                ),
            ),
            vec!["--window", "5"],
            "x is constant",
        ),
    ];
    for (path, extra, want) in cases {
        let o = bin()
            .args(["analyze", "--csv", &path, "--y", "A", "--x", "B"])
            .args(&extra)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{path}: {err}");
        assert!(
            err.contains(&path) && err.contains(want),
            "{path}: {err:?} should name {want:?}"
        );
    }
}
