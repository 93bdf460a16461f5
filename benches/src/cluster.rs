//! The engine under test as a NATS cluster (`loadtest --cluster`): Debian's
//! `nats-server -js`, `spreadwatch ingest` from the mock Binance, one
//! analytics shard owning the pair, and a gateway the clients connect to.
//! Latency is then from the mock's send, through the broker twice, to the
//! gateway's client.

use std::io::BufRead;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::under_test::Engine;

/// A free port on 127.0.0.1.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts `bin` with `args` and reads the URL its first line announces.
fn announced(bin: &Path, args: &[&str]) -> Result<(Child, String)> {
    let mut child = Command::new(bin)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let mut line = String::new();
    let out = child.stdout.take().context("stdout")?;
    std::io::BufReader::new(out).read_line(&mut line)?;
    let url = spreadwatch_engine::server::announced_url(&line)
        .with_context(|| format!("unexpected output {line:?}"))?
        .to_string();
    Ok((child, url))
}

/// The broker, listening, with a store in `dir`.
fn broker(dir: &Path) -> Result<(Child, String)> {
    let port = free_port()?;
    let child = Command::new("nats-server")
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(dir.join("js"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start nats-server (scripts/deps.sh installs it)")?;
    let end = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(Instant::now() < end, "nats-server did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok((child, format!("nats://127.0.0.1:{port}")))
}

/// The cluster over `mock_url`'s `symbols`, the pair of the first two.
pub fn start_cluster(bin: &Path, mock_url: &str, symbols: &[String]) -> Result<Engine> {
    let dir = std::env::temp_dir().join(format!("sw-loadtest-cluster-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let (nats, url) = broker(&dir)?;
    let publish = format!("nats:{url}");
    let syms = symbols.join(",");
    let ingest = [
        "ingest",
        "--source",
        "binance",
        "--binance-url",
        mock_url,
        "--binance-rest-url",
        "none",
        "--symbols",
        &syms,
        "--publish",
        &publish,
        "--bind",
        "127.0.0.1:0",
    ];
    let ingest = announced(bin, &ingest)?.0;
    let (shard, status_url) = shard(bin, &publish, &symbols[..2], &dir)?;
    let pid = shard.id();
    let gateway = [
        "gateway",
        "--nats",
        &url,
        "--bind",
        "127.0.0.1:0",
        "--ui-dir",
        "/nonexistent",
    ];
    let (gateway, url) = announced(bin, &gateway)?;
    // The gateway asks the shards for their pairs every 2 s.
    std::thread::sleep(Duration::from_secs(3));
    Ok(Engine {
        url,
        status_url,
        pid,
        children: vec![nats, ingest, shard, gateway],
    })
}

/// Shard 1/1 of the pair `legs[1]/legs[0]`, saving under `dir`.
fn shard(bin: &Path, source: &str, legs: &[String], dir: &Path) -> Result<(Child, String)> {
    let pair = format!("{}/{}", legs[1], legs[0]);
    let data = dir.join("shard").display().to_string();
    let args = [
        "serve",
        "--source",
        source,
        "--shard",
        "1/1",
        "--pair",
        &pair,
        "--data-dir",
        &data,
        "--bind",
        "127.0.0.1:0",
        "--ui-dir",
        "/nonexistent",
    ];
    announced(bin, &args)
}
