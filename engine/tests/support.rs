//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The repository's test data directory.
pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// The `spreadwatch` binary built for this test run (or `SW_TEST_BIN`, which
/// the benchmarks point at the release build).
pub fn bin() -> Command {
    let exe =
        std::env::var("SW_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_spreadwatch").into());
    let mut c = Command::new(exe);
    c.env("RUST_LOG", "warn").env_remove("SPREADWATCH_CONFIG");
    c
}

/// A child process killed on drop, so a failing test leaks nothing.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns `spreadwatch serve` on port 0 and returns it with its base URL.
pub fn spawn_serve(args: &[&str]) -> (ChildGuard, String) {
    use std::io::{BufRead, BufReader};
    let mut child = bin()
        .arg("serve")
        .args(["--bind", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn spreadwatch serve");
    let out = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(out)
        .read_line(&mut line)
        .expect("read address line");
    let url = spreadwatch_engine::server::announced_url(&line)
        .unwrap_or_default()
        .to_string();
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "unexpected first line {line:?}"
    );
    (ChildGuard(child), url)
}

/// GETs a URL and parses the JSON body, panicking with the URL on failure.
pub async fn get_json(http: &reqwest::Client, url: String) -> serde_json::Value {
    let r = http
        .get(&url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    r.json()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"))
}
