//! Flags, environment variables and the config file, merged.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use spreadwatch_engine::config::FileConfig;
use spreadwatch_engine::core::SeriesLimits;
use spreadwatch_engine::sources::exchange_info::UniverseConfig;
use spreadwatch_engine::sources::frame::StreamKind;
use spreadwatch_engine::sources::replay::Speed;
use spreadwatch_engine::sources::universe::SymbolSet;
use spreadwatch_engine::sources::SourceSpec;
use spreadwatch_engine::EngineConfig;
use spreadwatch_proto::{PairId, Symbol};

/// Real-time pair-trading analytics for Binance USD-M futures.
#[derive(Debug, Parser)]
#[command(name = "spreadwatch", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
// Parsed once at start-up and matched at once: the size is irrelevant.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Run the pipeline and the HTTP server.
    Serve(ServeArgs),
    /// Replay a recorded file through the pipeline and export bars as CSV.
    Replay(ReplayArgs),
    /// Record live Binance frames to a file (gzip if it ends in .gz).
    Record(RecordArgs),
    /// Run the pair estimators on OHLCV CSV data and print JSON.
    Analyze(super::analyze::AnalyzeArgs),
    /// Rank every pair of an OHLCV CSV by cointegration and print JSON.
    Scan(super::scan::ScanArgs),
    /// Publish every accepted trade of a source to the cluster's NATS
    /// JetStream tick stream (feature `nats`; docs/scaling.md).
    Ingest(super::ingest::IngestArgs),
    /// Serve /ws, REST and the dashboard for every pair of a NATS cluster,
    /// from its shards (feature `nats`; docs/scaling.md).
    Gateway(super::gateway::GatewayArgs),
}

/// Settings shared by every command that runs the pipeline.
#[derive(Debug, Args, Clone)]
pub struct PipelineArgs {
    /// Trade stream: aggTrade or trade.
    #[arg(long, env = "SPREADWATCH_STREAM")]
    pub stream: Option<StreamKind>,
    /// Symbols, comma separated (e.g. BTCUSDT,ETHUSDT); or `all` (every USD-M
    /// perpetual trading against --quote) or `top:N` (the N of them with the highest 24 h
    /// quote volume), read from Binance REST and refreshed every --symbols-refresh.
    #[arg(long, env = "SPREADWATCH_SYMBOLS")]
    pub symbols: Option<SymbolSet>,
    /// Quote assets of `--symbols all|top:N`, comma separated.
    #[arg(
        long,
        env = "SPREADWATCH_QUOTE",
        value_delimiter = ',',
        default_value = "USDT"
    )]
    pub quote: Vec<String>,
    /// How often `--symbols all|top:N` fetches the market's list again.
    #[arg(long, env = "SPREADWATCH_SYMBOLS_REFRESH", default_value = "1h", value_parser = humantime::parse_duration)]
    pub symbols_refresh: Duration,
    /// Base URL of Binance's market streams.
    #[arg(long, env = "SPREADWATCH_BINANCE_URL")]
    pub binance_url: Option<String>,
    /// Binance REST base that gaps are filled from (default
    /// `https://fapi.binance.com`), or `none` to leave gaps unfilled.
    #[arg(long, env = "SPREADWATCH_BINANCE_REST_URL")]
    pub binance_rest_url: Option<String>,
    /// Binance API key, sent only to REST when filling gaps in the `trade`
    /// stream (`historicalTrades` needs one; aggTrade gaps do not).
    #[arg(long, env = "SPREADWATCH_BINANCE_API_KEY", hide_env_values = true)]
    pub binance_api_key: Option<String>,
    /// Flag a stream (and reconnect a connection) silent this long, e.g. 30s.
    #[arg(long, env = "SPREADWATCH_SILENT_AFTER", value_parser = humantime::parse_duration)]
    pub silent_after: Option<Duration>,
    /// How far the bar watermark trails the newest trade time, in ms.
    #[arg(long, env = "SPREADWATCH_GRACE_MS")]
    pub grace_ms: Option<i64>,
    /// Ticks kept per symbol in the ring buffer, at most.
    #[arg(long, env = "SPREADWATCH_RING_CAPACITY")]
    pub ring_capacity: Option<usize>,
    /// Ticks kept in memory by all symbols together: a count (40M) or bytes (2.5GB);
    /// past it, the symbols that trade give back their oldest ticks (bars are kept).
    #[arg(long, env = "SPREADWATCH_TICK_BUDGET", value_parser = spreadwatch_engine::core::tick_budget::parse_budget)]
    pub tick_budget: Option<usize>,
    /// TOML config file (unknown keys are errors).
    #[arg(long, env = "SPREADWATCH_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// binance, sim, none or replay:PATH.
    #[arg(long, env = "SPREADWATCH_SOURCE")]
    pub source: Option<SourceSpec>,
    /// Replay pacing: a multiple of real time by E, or max.
    #[arg(long, env = "SPREADWATCH_SPEED")]
    pub speed: Option<Speed>,
    /// Pairs to analyse, Y/X (repeatable); their legs are tracked.
    #[arg(long = "pair", env = "SPREADWATCH_PAIRS", value_delimiter = ',')]
    pub pairs: Option<Vec<PairId>>,
    /// Listen address.
    #[arg(long, env = "SPREADWATCH_BIND")]
    pub bind: Option<String>,
    /// Require this token: `Authorization: Bearer T` on REST, `?token=T` on /ws.
    #[arg(long, env = "SPREADWATCH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Extra allowed WebSocket origins (repeatable), e.g. `https://desk.example.com`.
    #[arg(
        long = "allow-origin",
        env = "SPREADWATCH_ALLOW_ORIGIN",
        value_delimiter = ','
    )]
    pub allow_origin: Vec<String>,
    /// Host names served besides the bound address and localhost
    /// (repeatable), e.g. `desk.example.com` behind a proxy; other `Host`
    /// headers get 421 (DNS rebinding).
    #[arg(
        long = "allow-host",
        env = "SPREADWATCH_ALLOW_HOST",
        value_delimiter = ','
    )]
    pub allow_host: Vec<String>,
    /// The built dashboard (Trunk's dist/).
    #[arg(long, env = "SPREADWATCH_UI_DIR", default_value = "dist")]
    pub ui_dir: std::path::PathBuf,
    /// Largest POST /api/analyze upload, in MB.
    #[arg(long, env = "SPREADWATCH_MAX_UPLOAD_MB", default_value_t = 50, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=4096))]
    pub max_upload_mb: usize,
    /// Analyses (POST /api/analyze) run at once; more get 503 with Retry-After.
    #[arg(long, env = "SPREADWATCH_MAX_UPLOADS", default_value_t = 2, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
    pub max_uploads: usize,
    /// HTTP worker threads.
    #[arg(long, env = "SPREADWATCH_WORKERS", default_value_t = 2, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=256))]
    pub workers: usize,
    /// Kernel send buffer per connection, KiB (bounds what a stalled client holds).
    #[arg(long, env = "SPREADWATCH_SOCKET_BUFFER_KB", default_value_t = 256, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(16..=65_536))]
    pub socket_buffer_kb: usize,
    /// A pair a client started (by showing or watching it) stops once no
    /// session has wanted it this long; `0s` keeps every one.
    #[arg(long, env = "SPREADWATCH_PAIR_IDLE", default_value = "10m", value_parser = humantime::parse_duration)]
    pub pair_idle: std::time::Duration,
    /// Updates the WebSocket fan-out ring holds; a client further behind resyncs.
    #[arg(long, env = "SPREADWATCH_WS_RING", default_value_t = 8192, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(16..=1_048_576))]
    pub ws_ring: usize,
    /// Publish every update to a broker: `nats:nats://host:4222` (feature `nats`).
    #[arg(long, env = "SPREADWATCH_PUBLISH")]
    pub publish: Option<String>,
    /// Run as analytics shard I of N (e.g. 1/3) of a NATS cluster: own the
    /// --pair entries that hash to I, read their legs from the tick stream
    /// through a durable consumer (needs --source nats:URL and --data-dir),
    /// and publish updates to the same broker. Feature `nats`.
    #[arg(long, env = "SPREADWATCH_SHARD")]
    pub shard: Option<String>,
    /// With --shard: `scan:N` follows the market ranking an ingest instance
    /// publishes and owns its share of the top N pairs, instead of --pair.
    #[arg(long = "pairs", env = "SPREADWATCH_SHARD_PAIRS")]
    pub shard_pairs: Option<String>,
    /// Save the state here and restore it on start (none: state is lost on exit).
    #[arg(long, env = "SPREADWATCH_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Time between saves (a final one on SIGINT/SIGTERM); `--snapshot-interval` is its old name.
    #[arg(long, alias = "snapshot-interval", env = "SPREADWATCH_SAVE_INTERVAL", default_value = "1s", value_parser = humantime::parse_duration)]
    pub save_interval: std::time::Duration,
    /// Stored ticks older than this behind each symbol's newest trade (data time) are pruned.
    #[arg(long, env = "SPREADWATCH_RETAIN_TICKS", default_value = "24h", value_parser = humantime::parse_duration)]
    pub retain_ticks: std::time::Duration,
    #[command(flatten)]
    pub scan: super::scan_flags::ScanFlags,
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The recorded file (plain or gzip).
    pub path: PathBuf,
    /// Pacing: a multiple of real time by E, or max.
    #[arg(long, default_value = "max")]
    pub speed: Speed,
    /// Where to write bars_1s.csv, bars_1m.csv and bars_5m.csv.
    #[arg(long)]
    pub export_dir: PathBuf,
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The output file; gzip when it ends in .gz.
    #[arg(long)]
    pub out: PathBuf,
    /// Stop after this long (e.g. 10m); default: until Ctrl-C.
    #[arg(long, value_parser = humantime::parse_duration)]
    pub duration: Option<Duration>,
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

/// The merged settings of a run.
pub struct Resolved {
    pub engine: EngineConfig,
    pub bind: String,
    pub pairs: Vec<PairId>,
}

fn load_file(p: &PipelineArgs) -> Result<FileConfig> {
    match &p.config {
        Some(path) => Ok(FileConfig::load(path)?),
        None => Ok(FileConfig::default()),
    }
}

fn parse_list<T: std::str::FromStr>(what: &str, v: Option<Vec<String>>) -> Result<Option<Vec<T>>>
where
    T::Err: std::fmt::Display,
{
    v.map(|xs| {
        xs.iter()
            .map(|x| {
                x.parse::<T>()
                    .map_err(|e| anyhow::anyhow!("config {what}: {e}"))
            })
            .collect()
    })
    .transpose()
}

/// Merges flags (and env, which clap folded in) over the file over defaults.
pub fn resolve(
    p: &PipelineArgs,
    source: Option<SourceSpec>,
    speed: Option<Speed>,
    pairs: Option<Vec<PairId>>,
    bind: Option<String>,
) -> Result<Resolved> {
    let file = load_file(p)?;
    let mut e = EngineConfig {
        source: flag_or_file(source, &file.source, "source", SourceSpec::Binance)?,
        ..EngineConfig::default()
    };
    e.speed = flag_or_file(speed, &file.speed, "speed", Speed::Max)?;
    e.stream = flag_or_file(p.stream, &file.stream, "stream", StreamKind::AggTrade)?;
    let pairs = match pairs {
        Some(v) => v,
        None => parse_list::<PairId>("pairs", file.pairs.clone())?.unwrap_or_default(),
    };
    let (mut symbols, universe) = symbol_set(p, &file)?;
    anyhow::ensure!(
        universe.is_none() || e.source == SourceSpec::Binance,
        "--symbols all or top:N follows Binance's listings: it needs --source binance"
    );
    e.universe = universe;
    // A pair's legs are tracked whether or not they were listed.
    for s in pairs.iter().flat_map(|pr| [&pr.y, &pr.x]) {
        if !symbols.contains(s) {
            symbols.push(s.clone());
        }
    }
    e.symbols = symbols;
    e.pairs = pairs.clone();
    binance_settings(p, &file, &mut e.binance)?;
    symbol_settings(p, &file, &mut e.symbol)?;
    if e.universe.is_some() && file.history_1s.is_none() {
        // Most of a whole market trades every second: a day of 1 s bars
        // for 550 symbols would be ~4 GB, an hour is ~180 MB.
        let m = e.symbol.limits.max_closed;
        e.symbol.limits = SeriesLimits::from_history_ms([
            3_600_000,
            (m[1] as i64).saturating_mul(60_000),
            (m[2] as i64).saturating_mul(300_000),
        ]);
    }
    if let Some(r) = file.sim_rate {
        anyhow::ensure!(
            r > 0.0 && r <= 100_000.0,
            "config sim_rate {r} must be above zero and at most 100000 trades/s per symbol"
        );
        e.sim_rate = r;
    }
    let bind = bind
        .or(file.bind.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".to_string());
    Ok(Resolved {
        engine: e,
        bind,
        pairs,
    })
}

/// The symbols listed (flag, else file), or the whole market to follow.
fn symbol_set(
    p: &PipelineArgs,
    file: &FileConfig,
) -> Result<(Vec<Symbol>, Option<UniverseConfig>)> {
    let set = match &p.symbols {
        Some(set) => set.clone(),
        None => SymbolSet::List(
            parse_list::<Symbol>("symbols", file.symbols.clone())?.unwrap_or_default(),
        ),
    };
    Ok(match set {
        SymbolSet::List(v) => (v, None),
        set => {
            anyhow::ensure!(
                !p.quote.is_empty() && !p.symbols_refresh.is_zero(),
                "--symbols {set:?} needs --quote and a --symbols-refresh above zero"
            );
            let u = UniverseConfig {
                set,
                quotes: p
                    .quote
                    .iter()
                    .map(|q| q.trim().to_ascii_uppercase())
                    .collect(),
                refresh: p.symbols_refresh,
            };
            (Vec::new(), Some(u))
        }
    })
}

/// The flag's value, else the file's (parsed, naming `what` if it cannot
/// be), else `default`.
fn flag_or_file<T: std::str::FromStr<Err = String>>(
    flag: Option<T>,
    file: &Option<String>,
    what: &str,
    default: T,
) -> Result<T> {
    match (flag, file) {
        (Some(v), _) => Ok(v),
        (None, Some(s)) => s
            .parse()
            .map_err(|m: String| anyhow::anyhow!("config {what}: {m}")),
        (None, None) => Ok(default),
    }
}

/// The live source's URLs, key and silence limit.
fn binance_settings(
    p: &PipelineArgs,
    file: &FileConfig,
    b: &mut spreadwatch_engine::sources::binance::BinanceConfig,
) -> Result<()> {
    if let Some(u) = p.binance_url.clone().or(file.binance_url.clone()) {
        if !(u.starts_with("ws://") || u.starts_with("wss://")) {
            anyhow::bail!("--binance-url {u:?}: expected a ws:// or wss:// URL");
        }
        b.base_url = u;
    }
    if let Some(u) = p.binance_rest_url.clone().or(file.binance_rest_url.clone()) {
        b.rest_url = match u.as_str() {
            "none" => None,
            u if u.starts_with("http://") || u.starts_with("https://") => Some(u.to_string()),
            _ => anyhow::bail!("--binance-rest-url {u:?}: expected an http(s):// URL or none"),
        };
    }
    if let Some(k) = p.binance_api_key.clone().or(file.binance_api_key.clone()) {
        anyhow::ensure!(
            !k.trim().is_empty() && k.is_ascii(),
            "--binance-api-key: expected a non-empty ASCII key"
        );
        b.api_key = Some(k.trim().to_string());
    }
    if let Some(d) = p.silent_after.or(file.silent_after) {
        anyhow::ensure!(!d.is_zero(), "--silent-after must be above zero");
        b.silent_after = d;
    }
    Ok(())
}

/// Each symbol actor's grace, ring and history.
fn symbol_settings(
    p: &PipelineArgs,
    file: &FileConfig,
    s: &mut spreadwatch_engine::actors::SymbolConfig,
) -> Result<()> {
    if let Some(b) = p.tick_budget {
        s.tick_budget = b;
    }
    if let Some(g) = p.grace_ms.or(file.grace_ms) {
        anyhow::ensure!(
            (0..=3_600_000).contains(&g),
            "--grace-ms {g}: expected 0 to 3600000"
        );
        s.grace_ms = g;
    }
    if let Some(c) = p.ring_capacity.or(file.ring_capacity) {
        anyhow::ensure!(c > 0, "--ring-capacity must be above zero");
        s.ring_capacity = c;
    }
    let d = SeriesLimits::default();
    let hist = |v: Option<Duration>, iv: usize| match v {
        Some(h) => (h.as_millis() as i64).max(1),
        None => (d.max_closed[iv] as i64).saturating_mul([1_000, 60_000, 300_000][iv]),
    };
    s.limits = SeriesLimits::from_history_ms([
        hist(file.history_1s, 0),
        hist(file.history_1m, 1),
        hist(file.history_5m, 2),
    ]);
    Ok(())
}

/// Refuses a recording path that is missing or not a file, saying which.
pub fn check_recording(p: &std::path::Path) -> Result<()> {
    if p.is_dir() {
        anyhow::bail!("{}: is a directory, expected a recorded file", p.display());
    }
    anyhow::ensure!(p.is_file(), "{}: no such file", p.display());
    Ok(())
}

impl ReplayArgs {
    pub fn resolve(&self) -> Result<Resolved> {
        check_recording(&self.path)?;
        let mut r = resolve(
            &self.pipeline,
            Some(SourceSpec::Replay(self.path.clone())),
            Some(self.speed),
            Some(vec![]),
            None,
        )
        .context("replay settings")?;
        // A finite replay exports its whole history; ranking pairs is
        // `serve`'s (or `scan`'s) work.
        r.engine.symbol.limits = SeriesLimits::unbounded();
        r.engine.scan = None;
        Ok(r)
    }
}
