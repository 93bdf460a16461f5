//! Any bytes as an uploaded CSV: reading and analysing never panic; errors
//! name the upload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spreadwatch_engine::analyze::{analyze, read_klines, read_long, Aligned, AnalyzeOptions};

fuzz_target!(|data: &[u8]| {
    let _ = read_klines("k.csv", data);
    match read_long("u.csv", data, "A", "B") {
        Ok((y, x)) => {
            let opts = AnalyzeOptions { window: 3, ..AnalyzeOptions::default() };
            if let Err(e) = analyze(Aligned::join(&y, &x), &opts, "u.csv") {
                let msg = e.to_string();
                assert!(!msg.is_empty());
            }
        }
        Err(e) => assert!(e.to_string().contains("u.csv")),
    }
});
