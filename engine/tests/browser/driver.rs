//! Debian's chromium under chromedriver, for the dashboard tests.
//!
//! chromedriver runs in its own process group with a private TMPDIR (and
//! chromium's profile and downloads inside it); dropping the [`Driver`] kills
//! the whole group and deletes the directory, so no browser outlives a test.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::json;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A running chromedriver.
pub struct Driver {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

/// Whether the browser tests can run here: `Ok(None)` to run, `Ok(Some(why))`
/// to skip, `Err` when `SW_BROWSER_TESTS=1` demands them and something is
/// missing (so CI cannot pass by skipping).
pub fn available(dist: &Path) -> Result<Option<String>, String> {
    let missing = if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        Some("chromium and chromium-driver are not installed (make test installs them)".to_string())
    } else if !dist.join("index.html").is_file() {
        Some(format!(
            "{} has no built dashboard (run make ui)",
            dist.display()
        ))
    } else {
        None
    };
    match (
        missing,
        std::env::var("SW_BROWSER_TESTS").as_deref() == Ok("1"),
    ) {
        (Some(why), true) => Err(format!("SW_BROWSER_TESTS=1 but {why}")),
        (m, _) => Ok(m),
    }
}

impl Driver {
    /// Starts chromedriver and waits (bounded) for it to listen.
    pub fn start() -> Result<Driver, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .env("TMPDIR", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("start {CHROMEDRIVER}: {e}"))?;
        let d = Driver { child, port, dir };
        let end = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > end {
                return Err("chromedriver did not listen within 15 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(d)
    }

    /// Where the browser saves downloads.
    pub fn downloads(&self) -> PathBuf {
        self.dir.path().join("downloads")
    }

    /// A new headless session with a fresh profile.
    pub async fn session(&self, width: u32, height: u32) -> Result<Client, String> {
        let profile = self.dir.path().join("profile");
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--remote-debugging-pipe".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            // performance.memory unrounded and current, and window.gc(), so
            // a test can read the JS heap after a collection.
            "--enable-precise-memory-info".into(),
            "--js-flags=--expose-gc".into(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.display()),
        ];
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": args,
                "prefs": {
                    "download.default_directory": self.downloads().display().to_string(),
                    "download.prompt_for_download": false,
                },
            },
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!("a json! object")
        };
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .map_err(|e| format!("new session: {e}"))
    }
}

/// Processes whose process group is `pgid`, read from /proc.
fn group_members(pgid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            // Field 5 of /proc/PID/stat, after the parenthesised name.
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|st| {
                    let rest = &st[st.rfind(')')? + 2..];
                    rest.split(' ').nth(2)?.parse::<u32>().ok()
                })
                == Some(pgid)
        })
        .collect()
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group holds chromedriver and every chromium it started. Each
        // member is killed by its own pid, found by its group id, so nothing
        // outside the group can be touched.
        let pgid = self.child.id();
        for pid in group_members(pgid) {
            if pid != std::process::id() {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `f` every 100 ms until it gives `Some`, for at most `limit`.
pub async fn wait_for<T, F, Fut>(what: &str, limit: Duration, mut f: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let end = Instant::now() + limit;
    loop {
        if let Some(v) = f().await {
            return Ok(v);
        }
        if Instant::now() > end {
            return Err(format!("timed out after {limit:?} waiting for {what}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Saves a screenshot under `artifacts/browser/` at the repository root.
pub async fn screenshot(c: &Client, name: &str) -> Result<PathBuf, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../artifacts/browser");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let png = c
        .screenshot()
        .await
        .map_err(|e| format!("screenshot: {e}"))?;
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).map_err(|e| e.to_string())?;
    Ok(path)
}
