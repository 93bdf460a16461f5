//! The engine under test: started as a child `spreadwatch serve` (or in
//! this process) against a mock Binance, and read from outside through
//! `/api/status` and `/proc`.

use std::net::TcpListener;
use std::path::PathBuf;

use anyhow::{Context, Result};

/// CPU seconds used so far and resident memory in MB of a process.
pub(crate) fn proc_stat(pid: u32) -> (f64, f64) {
    let tick = 100.0; // USER_HZ on Linux
    let cpu = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
            Some((rest.get(11)?.parse::<f64>().ok()? + rest.get(12)?.parse::<f64>().ok()?) / tick)
        })
        .unwrap_or(0.0);
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))?
                .split_whitespace()
                .nth(1)?
                .parse::<f64>()
                .ok()
        })
        .unwrap_or(0.0)
        / 1024.0;
    (cpu, rss)
}

/// A running engine under test: a child process (killed on drop) or a
/// server thread in this process.
pub struct Engine {
    /// Its HTTP base URL (a cluster's gateway).
    pub url: String,
    /// Where its ticks are counted (a cluster's shard; else `url`).
    pub status_url: String,
    /// Its process id (this process when in process; a cluster's shard).
    pub pid: u32,
    pub(crate) children: Vec<std::process::Child>,
}

impl Drop for Engine {
    fn drop(&mut self) {
        // The last started first: a cluster's broker goes last.
        for c in self.children.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Starts `spreadwatch serve --source binance` against `mock_url` tracking
/// `symbols` and the pair of the first two, as a child of `bin` or, for
/// `None`, in this process.
pub fn start_engine(bin: Option<&PathBuf>, mock_url: &str, symbols: &[String]) -> Result<Engine> {
    let pair = format!("{}/{}", symbols[1], symbols[0]);
    match bin {
        Some(bin) => start_child(bin, mock_url, &symbols.join(","), &pair),
        None => start_in_process(mock_url, symbols, pair),
    }
}

/// `spreadwatch serve` as a child, its URL read from its first line.
fn start_child(bin: &PathBuf, mock_url: &str, syms: &str, pair: &str) -> Result<Engine> {
    use std::io::BufRead;
    let mut child = std::process::Command::new(bin)
        .args(["serve", "--source", "binance", "--binance-url", mock_url])
        // The mock has no REST; no request leaves the machine.
        .args([
            "--binance-rest-url",
            "none",
            "--symbols",
            syms,
            "--pair",
            pair,
        ])
        .args(["--bind", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let out = child.stdout.take().context("engine stdout")?;
    let mut line = String::new();
    std::io::BufReader::new(out).read_line(&mut line)?;
    let url = spreadwatch_engine::server::announced_url(&line)
        .with_context(|| format!("unexpected engine output {line:?}"))?
        .to_string();
    Ok(Engine {
        status_url: url.clone(),
        url,
        pid: child.id(),
        children: vec![child],
    })
}

/// The engine and its server on a thread of this process.
fn start_in_process(mock_url: &str, symbols: &[String], pair: String) -> Result<Engine> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    let mut cfg = spreadwatch_engine::EngineConfig {
        source: spreadwatch_engine::sources::SourceSpec::Binance,
        symbols: symbols.iter().filter_map(|s| s.parse().ok()).collect(),
        pairs: pair.parse().ok().into_iter().collect(),
        ..Default::default()
    };
    cfg.binance.base_url = mock_url.to_string();
    cfg.binance.rest_url = None;
    std::thread::spawn(move || {
        actix_rt::System::new().block_on(async move {
            let Ok(engine) = spreadwatch_engine::Engine::start(cfg) else {
                return;
            };
            let server = spreadwatch_engine::server::ServerConfig::default();
            let pending = std::future::pending();
            let _ =
                spreadwatch_engine::server::run(listener, engine.handle(), server, pending).await;
        })
    });
    Ok(Engine {
        status_url: url.clone(),
        url,
        pid: std::process::id(),
        children: Vec::new(),
    })
}

/// The engine's `/api/status` (null when unreachable).
pub async fn status(http: &reqwest::Client, url: &str) -> serde_json::Value {
    match http.get(format!("{url}/api/status")).send().await {
        Ok(r) => r.json().await.unwrap_or_default(),
        Err(_) => serde_json::Value::Null,
    }
}

/// Ticks ingested over all symbols, from a status report.
pub fn ticks_of(s: &serde_json::Value) -> u64 {
    s["symbols"]
        .as_object()
        .map(|m| m.values().filter_map(|v| v["ticks"].as_u64()).sum())
        .unwrap_or(0)
}

/// Frames or trades dropped, all reasons, from a status report.
pub(crate) fn drops_of(s: &serde_json::Value) -> u64 {
    let src: u64 = s["sources"]
        .as_object()
        .map(|m| {
            m.values()
                .flat_map(|v| {
                    v["drops"]
                        .as_object()
                        .into_iter()
                        .flat_map(|d| d.values().filter_map(|n| n.as_u64()))
                })
                .sum()
        })
        .unwrap_or(0);
    let eng: u64 = s["symbols"]
        .as_object()
        .map(|m| {
            m.values()
                .map(|v| {
                    v["duplicates"].as_u64().unwrap_or(0) + v["too_late"].as_u64().unwrap_or(0)
                })
                .sum()
        })
        .unwrap_or(0);
    src + eng
}
