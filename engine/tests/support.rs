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
    spreadwatch(exe)
}

/// The release build `make test` names in `SW_RELEASE_BIN`, for the tests
/// an unoptimised engine would make too slow; `None` outside `make test`.
pub fn release_bin() -> Option<Command> {
    std::env::var("SW_RELEASE_BIN").ok().map(spreadwatch)
}

/// `exe` run as the tests run it: quiet, and blind to a user's config file.
fn spreadwatch(exe: String) -> Command {
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
    spawn_serve_of(bin(), args)
}

/// [`spawn_serve`] of another build of the binary (`cmd` names it).
pub fn spawn_serve_of(cmd: Command, args: &[&str]) -> (ChildGuard, String) {
    spawn_serve_at(cmd, "127.0.0.1:0", args)
}

/// [`spawn_serve_of`] on a given address (a restart on the same port).
pub fn spawn_serve_at(mut cmd: Command, bind: &str, args: &[&str]) -> (ChildGuard, String) {
    cmd.arg("serve").args(["--bind", bind]).args(args);
    spawn_announced(cmd)
}

/// Spawns `cmd` (a `spreadwatch` command that serves HTTP) and returns it
/// with the base URL its first line announces.
pub fn spawn_announced(mut cmd: Command) -> (ChildGuard, String) {
    use std::io::{BufRead, BufReader};
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn spreadwatch");
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
    get(http, &url)
        .await
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"))
}

/// Sends SIGTERM to `child` and waits up to `within` for it to exit,
/// panicking with `what` if it does not; returns how it exited.
pub async fn sigterm(
    child: &mut ChildGuard,
    within: std::time::Duration,
    what: &str,
) -> std::process::ExitStatus {
    let st = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success(), "kill -TERM");
    let end = std::time::Instant::now() + within;
    loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            return s;
        }
        assert!(std::time::Instant::now() < end, "{what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Posts a chunked multipart upload of 4 MB without a line break, with raw
/// HTTP, and returns the status the server answers with.
pub async fn endless_multipart(url: &str, token: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/analyze?y=A&x=B HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=zz\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("10000\r\n{}\r\n", "x".repeat(0x10000));
    for _ in 0..64 {
        // The server may answer and close before all is sent.
        if tcp.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = tcp.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0u8; 64];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), tcp.read(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let line = String::from_utf8_lossy(&answer[..n]).to_string();
    line.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("{line:?}"))
}

/// GETs a URL and returns the body as text, panicking with the URL on
/// failure.
pub async fn get_text(http: &reqwest::Client, url: String) -> String {
    get(http, &url)
        .await
        .text()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: body: {e}"))
}

/// Sends a GET, panicking with the URL if it cannot.
async fn get(http: &reqwest::Client, url: &str) -> reqwest::Response {
    http.get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// Runs `spreadwatch COMMAND --csv FILE ARGS…` for the golden case
/// `DIR/CASE.json` (`{"csv","args","expected"}`) and returns what the
/// command printed, as JSON, with the case's `expected`.
pub fn run_golden_case(
    command: &str,
    dir: &str,
    case: &str,
) -> (serde_json::Value, serde_json::Value) {
    let text = std::fs::read_to_string(data(&format!("{dir}/{case}.json"))).unwrap();
    let golden: serde_json::Value = serde_json::from_str(&text).unwrap();
    let csv = data(&format!("{dir}/{}", golden["csv"].as_str().unwrap()));
    let args: Vec<&str> = golden["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let o = bin()
        .args([command, "--csv"])
        .arg(&csv)
        .args(&args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{case}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let got = serde_json::from_slice(&o.stdout).unwrap();
    (got, golden["expected"].clone())
}
