//! The load-test harness: a mock Binance at a chosen rate, the engine (a
//! child `spreadwatch serve`, or in process), N WebSocket clients, and
//! hdrhistogram latency from the mock's send to the client's receipt.
//!
//! Latency is matched by trade: the mock keeps the send instant of every
//! trade id, and each `bar` delta names the id of its newest trade
//! (`close_id`), so a delta's latency is receipt minus that trade's send.
//! Two receipts are kept: when the harness read the frame (`latency_us`) and
//! when the kernel put it in the client's socket (`delivered_us`, from the
//! socket's receive stamp, see [`crate::stamped`]); the gap between them is
//! the harness's own queueing on a shared machine.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use hdrhistogram::Histogram;
use serde::Serialize;
use spreadwatch_engine::mock::{MockBinance, MockConfig, SendTable, Synth};

use crate::client::{client, hist, Reading};
use crate::under_test::{drops_of, proc_stat};
pub use crate::under_test::{start_engine, status, ticks_of, Engine};

/// How to run.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Ticks per second (all symbols); `None` = as fast as possible.
    pub rate: Option<f64>,
    /// Symbols, 2 to 1,000 (the first two form the pair).
    pub symbols: usize,
    /// Zipf exponent of the rate per symbol (0: every symbol alike).
    pub skew: f64,
    /// Reading clients.
    pub clients: usize,
    /// Clients that never read.
    pub slow_clients: usize,
    /// Of the reading clients, how many are timed (spread evenly over the
    /// connection order); the rest drain their sockets every 2 ms without
    /// parsing, standing in for clients on other machines. `None`: all.
    pub measured: Option<usize>,
    /// How often the mock sends what is due (see [`Synth::pace`]).
    pub pace: Duration,
    /// Measured seconds.
    pub duration: f64,
    /// Seconds before measuring.
    pub warmup: f64,
    /// The engine binary; `None` runs the engine in this process.
    pub engine_bin: Option<PathBuf>,
    /// Show a progress bar.
    pub progress: bool,
    /// Run the engine as a NATS cluster (ingest, one shard, a gateway the
    /// clients use) instead of one `serve`.
    pub cluster: bool,
}

/// Latency quantiles, µs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Quantiles {
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest.
    pub max: u64,
}

/// RSS of the engine, MB.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rss {
    /// At the start of measuring.
    pub start: f64,
    /// Largest seen.
    pub max: f64,
    /// At the end.
    pub end: f64,
}

/// The `--json` result.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LoadReport {
    /// Target rate (ticks/s), or `"max"`.
    pub rate: serde_json::Value,
    /// The mock's send period, µs.
    pub pace_us: u64,
    /// Ticks the engine ingested while measuring.
    pub ticks: u64,
    /// Ingest rate while measuring.
    pub ticks_per_s: f64,
    /// Reading clients.
    pub clients: usize,
    /// Clients that never read.
    pub slow_clients: usize,
    /// Reading clients that were timed (the others drained).
    pub measured_clients: usize,
    /// Send-to-receipt latency of `bar` deltas, receipt being when the
    /// client read the frame.
    pub latency_us: Quantiles,
    /// Send-to-delivery latency of the same deltas, delivery being when the
    /// frame reached the client's socket (kernel receive stamp). An upper
    /// bound: a read of several frames carries the newest one's stamp.
    pub delivered_us: Quantiles,
    /// Timed deltas whose read carried no stamp (counted at read time).
    pub unstamped: u64,
    /// Timed deltas (in the histograms).
    pub timed_deltas: u64,
    /// Frames delivered to reading clients per second.
    pub frames_per_s: f64,
    /// Of those, frames delivered to the draining clients per second.
    pub drained_frames_per_s: f64,
    /// Resync snapshots the server sent.
    pub resyncs: u64,
    /// Frames or trades the engine dropped (all reasons).
    pub drops: u64,
    /// Engine RSS.
    pub rss_mb: Rss,
    /// RSS every 10 s of the measured run, MB (a soak's growth curve).
    pub rss_series_mb: Vec<f64>,
    /// Engine CPU while measuring, % of one core.
    pub cpu_pct: f64,
    /// Frames whose seq did not follow the previous one (must be 0 without resyncs).
    pub seq_gaps: u64,
    /// Deltas whose trade was no longer in the send table (not in the histogram).
    pub unmatched: u64,
    /// Resync snapshots received by the reading clients (0 means every
    /// reader got every delta).
    pub reader_resyncs: u64,
    /// The engine's own tick-receipt to socket-write latency (from
    /// `/metrics`, whole run), to tell engine time from harness time.
    pub server_latency_us: serde_json::Value,
    /// Symbols the engine took trades of (whole run).
    pub symbols_traded: usize,
    /// The busiest symbol's share of all trades (whole run): 1/N without
    /// skew.
    pub top_symbol_share: f64,
}

impl Quantiles {
    fn of(h: &Histogram<u64>) -> Self {
        Self {
            p50: h.value_at_quantile(0.5),
            p90: h.value_at_quantile(0.9),
            p99: h.value_at_quantile(0.99),
            p999: h.value_at_quantile(0.999),
            max: h.max(),
        }
    }
}

/// The mock exchange trading `names` at the run's rate and skew.
async fn start_mock(
    o: &LoadOptions,
    names: &[String],
    table: &Arc<SendTable>,
) -> Result<MockBinance> {
    let synth = Synth {
        symbols: names.to_vec(),
        skew: o.skew,
        rate: o.rate,
        pace: o.pace,
        table: table.clone(),
    };
    let cfg = MockConfig {
        synth: Some(synth),
        ..MockConfig::default()
    };
    Ok(MockBinance::start(cfg).await?)
}

/// Runs one load test.
pub async fn run(o: &LoadOptions) -> Result<LoadReport> {
    let names = symbol_names(o.symbols);
    // 4M send times in all (32 MB), however many symbols: each keeps far
    // more than the trades in flight to the clients.
    let per_symbol = ((1usize << 22) / names.len()).clamp(4_096, 1 << 20);
    let table = Arc::new(SendTable::new(names.len(), per_symbol));
    let mock = start_mock(o, &names, &table).await?;
    let engine = match (&o.engine_bin, o.cluster) {
        (Some(bin), true) => crate::cluster::start_cluster(bin, &mock.base_url(), &names)?,
        (None, true) => anyhow::bail!("--cluster runs the spreadwatch binary, not in process"),
        (bin, false) => start_engine(bin.as_ref(), &mock.base_url(), &names)?,
    };
    let http = reqwest::Client::new();
    // Slow clients connect first and never read.
    let slow = connect_slow(&engine, o.slow_clients).await?;
    let start = Instant::now();
    let measure_from = start + Duration::from_secs_f64(o.warmup);
    let until = measure_from + Duration::from_secs_f64(o.duration);
    let measured = o.measured.unwrap_or(o.clients).min(o.clients);
    let ws_url = engine.url.replacen("http", "ws", 1);
    let tasks: Vec<_> = (0..o.clients)
        .map(|i| {
            let reading = reading_of(i, measured, o.clients);
            let (url, table, names) = (ws_url.clone(), table.clone(), names.clone());
            let task = tokio::spawn(client(url, table, names, reading, measure_from, until));
            (reading, task)
        })
        .collect();
    let pb = o.progress.then(|| progress_bar(o.warmup + o.duration));
    tokio::time::sleep_until(measure_from.into()).await;
    let s0 = status(&http, &engine.status_url).await;
    let watch = watch_engine(&engine, until, |rss| {
        if let Some(pb) = &pb {
            pb.set_position(start.elapsed().as_secs());
            let sent = table.sent.load(std::sync::atomic::Ordering::Relaxed);
            pb.set_message(format!("rss {rss:.0} MB, sent {sent}"));
        }
    })
    .await;
    let s1 = status(&http, &engine.status_url).await;
    let server_latency = server_latency(&http, &engine.url).await;
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let totals = Totals::of(tasks).await?;
    drop(slow);
    let ticks = ticks_of(&s1).saturating_sub(ticks_of(&s0));
    Ok(report(
        o,
        measured,
        ticks,
        &watch,
        &totals,
        &s1,
        server_latency,
    ))
}

/// The first `n` (2 to 1,000) of the symbols the mock trades: eight
/// familiar ones, then the mock market's perpetuals, then made-up names.
fn symbol_names(n: usize) -> Vec<String> {
    let first = [
        "BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "DOGEUSDT", "ADAUSDT", "LINKUSDT",
    ]
    .map(String::from);
    let market = spreadwatch_engine::mock::market::default_market()
        .into_iter()
        .filter(|l| l.contract_type == "PERPETUAL" && l.status == "TRADING" && l.quote == "USDT")
        .map(|l| l.symbol)
        .filter(|s| !first.contains(s));
    let made_up = (0..).map(|i| format!("X{i:04}USDT"));
    first
        .clone()
        .into_iter()
        .chain(market)
        .chain(made_up)
        .take(n.clamp(2, 1_000))
        .collect()
}

/// Exactly `measured` of `clients` are timed, evenly spread over the spawn
/// order (clients connect concurrently, so the server's write order is
/// close to it but not the same); the others drain.
fn reading_of(i: usize, measured: usize, clients: usize) -> Reading {
    if i * measured / clients != (i + 1) * measured / clients {
        Reading::Measure
    } else {
        Reading::Drain(Duration::from_millis(2))
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Clients with a 4 KiB receive buffer that never read.
async fn connect_slow(engine: &Engine, n: usize) -> Result<Vec<Ws>> {
    let mut slow = Vec::new();
    for _ in 0..n {
        let sock = tokio::net::TcpSocket::new_v4()?;
        sock.set_recv_buffer_size(4096)?;
        let addr: std::net::SocketAddr = engine.url.trim_start_matches("http://").parse()?;
        let tcp = sock.connect(addr).await?;
        let req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
            format!("{}/ws", engine.url.replacen("http", "ws", 1)),
        )?;
        let plain = tokio_tungstenite::MaybeTlsStream::Plain(tcp);
        slow.push(tokio_tungstenite::client_async(req, plain).await?.0);
    }
    Ok(slow)
}

fn progress_bar(secs: f64) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::new(secs as u64);
    pb.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed}/{len}s {bar:30} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    pb
}

/// The engine's CPU and memory over the measured run.
struct Watch {
    wall: f64,
    cpu_pct: f64,
    rss: Rss,
    series: Vec<f64>,
}

/// Samples the engine's RSS every 250 ms (one in the series every 10 s)
/// until `until`, calling `tick` with each sample.
async fn watch_engine(engine: &Engine, until: Instant, mut tick: impl FnMut(f64)) -> Watch {
    let (cpu0, rss0) = proc_stat(engine.pid);
    let mut rss_max = rss0;
    let mut series = vec![rss0];
    let mut next_sample = Instant::now() + Duration::from_secs(10);
    let t0 = Instant::now();
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let (_, rss) = proc_stat(engine.pid);
        rss_max = rss_max.max(rss);
        if Instant::now() >= next_sample {
            series.push(rss);
            next_sample += Duration::from_secs(10);
        }
        tick(rss);
    }
    let wall = t0.elapsed().as_secs_f64();
    let (cpu1, rss1) = proc_stat(engine.pid);
    Watch {
        wall,
        cpu_pct: (cpu1 - cpu0) / wall * 100.0,
        rss: Rss {
            start: rss0,
            max: rss_max.max(rss1),
            end: rss1,
        },
        series,
    }
}

/// The engine's own tick-to-send quantiles, from `/metrics`.
async fn server_latency(http: &reqwest::Client, url: &str) -> serde_json::Value {
    let metrics = match http.get(format!("{url}/metrics")).send().await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let mut out = serde_json::Map::new();
    let quantiles = [
        ("0.5", "p50"),
        ("0.9", "p90"),
        ("0.99", "p99"),
        ("0.999", "p999"),
    ];
    for (q, name) in quantiles {
        let key = format!("spreadwatch_tick_to_send_us{{quantile=\"{q}\"}} ");
        if let Some(v) = metrics
            .lines()
            .find_map(|l| l.strip_prefix(key.as_str()))
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            out.insert(name.into(), v.into());
        }
    }
    serde_json::Value::Object(out)
}

/// What every reading client saw, summed.
struct Totals {
    read: Histogram<u64>,
    delivered: Histogram<u64>,
    frames: u64,
    drained: u64,
    gaps: u64,
    unmatched: u64,
    unstamped: u64,
    resyncs: u64,
}

impl Totals {
    async fn of(
        tasks: Vec<(
            Reading,
            tokio::task::JoinHandle<Result<crate::client::ClientResult>>,
        )>,
    ) -> Result<Self> {
        let mut t = Totals {
            read: hist(),
            delivered: hist(),
            frames: 0,
            drained: 0,
            gaps: 0,
            unmatched: 0,
            unstamped: 0,
            resyncs: 0,
        };
        for (reading, task) in tasks {
            let r = task.await.context("client task")??;
            t.read.add(&r.hist).ok();
            t.delivered.add(&r.delivered).ok();
            t.frames += r.frames;
            if reading != Reading::Measure {
                t.drained += r.frames;
            }
            t.gaps += r.gaps;
            t.unmatched += r.unmatched;
            t.unstamped += r.unstamped;
            t.resyncs += r.resyncs;
        }
        Ok(t)
    }
}

fn report(
    o: &LoadOptions,
    measured: usize,
    ticks: u64,
    w: &Watch,
    t: &Totals,
    status: &serde_json::Value,
    server_latency: serde_json::Value,
) -> LoadReport {
    let rate = o
        .rate
        .map_or_else(|| serde_json::json!("max"), |r| serde_json::json!(r));
    LoadReport {
        rate,
        pace_us: o.pace.as_micros() as u64,
        ticks,
        ticks_per_s: ticks as f64 / w.wall,
        clients: o.clients,
        slow_clients: o.slow_clients,
        measured_clients: measured,
        latency_us: Quantiles::of(&t.read),
        delivered_us: Quantiles::of(&t.delivered),
        unstamped: t.unstamped,
        timed_deltas: t.delivered.len(),
        frames_per_s: t.frames as f64 / w.wall,
        drained_frames_per_s: t.drained as f64 / w.wall,
        resyncs: status["ws"]["resyncs"].as_u64().unwrap_or(0),
        drops: drops_of(status),
        rss_series_mb: w.series.clone(),
        rss_mb: w.rss.clone(),
        cpu_pct: w.cpu_pct,
        seq_gaps: t.gaps,
        unmatched: t.unmatched,
        reader_resyncs: t.resyncs,
        server_latency_us: server_latency,
        symbols_traded: per_symbol(status).filter(|n| *n > 0).count(),
        top_symbol_share: {
            let total = per_symbol(status).sum::<u64>().max(1);
            per_symbol(status).max().unwrap_or(0) as f64 / total as f64
        },
    }
}

/// Each symbol's ticks, from a status report.
fn per_symbol(status: &serde_json::Value) -> impl Iterator<Item = u64> + '_ {
    status["symbols"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values().filter_map(|v| v["ticks"].as_u64()))
}

impl LoadReport {
    /// A human-readable table.
    pub fn table(&self) -> String {
        let l = &self.latency_us;
        let d = &self.delivered_us;
        format!(
            "rate        {} (sent every {} µs)\nticks       {} ({:.0}/s)\nclients     {} ({} timed, +{} never reading)\nlatency µs  p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  (read by the client)\ndelivered µs p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  (in the client's socket)\nserver µs   {}\nframes/s    {:.0}\nresyncs     {}\ndrops       {}\nrss MB      start {:.1}  max {:.1}  end {:.1}\ncpu %       {:.0}\nseq gaps    {}\n",
            self.rate, self.pace_us, self.ticks, self.ticks_per_s, self.clients, self.measured_clients, self.slow_clients, l.p50, l.p90, l.p99, l.p999, l.max, d.p50, d.p90, d.p99, d.p999, d.max, self.server_latency_us,
            self.frames_per_s, self.resyncs, self.drops, self.rss_mb.start, self.rss_mb.max, self.rss_mb.end, self.cpu_pct, self.seq_gaps
        )
    }
}
