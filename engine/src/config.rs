//! The TOML configuration file. Unknown keys are errors, so a typo never
//! silently falls back to a default. Precedence: flags, then
//! `SPREADWATCH_*` environment variables, then this file, then defaults.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// Everything the file may set. Most keys mirror a command-line flag;
/// `history_*` and `sim_rate` exist only here.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// `binance`, `sim`, `none` or `replay:PATH`.
    pub source: Option<String>,
    /// Replay pacing: a multiple of real time, or `max`.
    pub speed: Option<String>,
    /// `aggTrade` or `trade`.
    pub stream: Option<String>,
    /// Symbols to track.
    pub symbols: Option<Vec<String>>,
    /// Pairs `Y/X`.
    pub pairs: Option<Vec<String>>,
    /// Listen address.
    pub bind: Option<String>,
    /// Base URL of the Binance market streams.
    pub binance_url: Option<String>,
    /// Binance REST base for gap backfill, or `none`.
    pub binance_rest_url: Option<String>,
    /// Binance API key for trade-stream gap backfill (`historicalTrades`).
    pub binance_api_key: Option<String>,
    /// Watchdog: a stream or connection silent this long is flagged.
    #[serde(default, with = "humantime_serde")]
    pub silent_after: Option<std::time::Duration>,
    /// Bar watermark grace, ms.
    pub grace_ms: Option<i64>,
    /// Ticks kept per symbol.
    pub ring_capacity: Option<usize>,
    /// History of closed 1 s bars.
    #[serde(default, with = "humantime_serde")]
    pub history_1s: Option<std::time::Duration>,
    /// History of closed 1 m bars.
    #[serde(default, with = "humantime_serde")]
    pub history_1m: Option<std::time::Duration>,
    /// History of closed 5 m bars.
    #[serde(default, with = "humantime_serde")]
    pub history_5m: Option<std::time::Duration>,
    /// Simulator trades per second per symbol.
    pub sim_rate: Option<f64>,
}

impl FileConfig {
    /// Reads and checks a TOML file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text, path)
    }

    /// Parses TOML text; `path` names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors() {
        let e = FileConfig::parse("symbolz = [\"BTCUSDT\"]\n", Path::new("x.toml")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("x.toml") && msg.contains("symbolz"), "{msg}");
    }

    #[test]
    fn durations_and_lists_parse() {
        let c = FileConfig::parse(
            "symbols = [\"BTCUSDT\", \"ETHUSDT\"]\nsilent_after = \"45s\"\nhistory_1s = \"2h\"\n",
            Path::new("x.toml"),
        )
        .unwrap();
        assert_eq!(c.symbols.unwrap().len(), 2);
        assert_eq!(c.silent_after, Some(std::time::Duration::from_secs(45)));
        assert_eq!(c.history_1s, Some(std::time::Duration::from_secs(7200)));
    }
}
