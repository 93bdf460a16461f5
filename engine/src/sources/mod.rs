//! Where trades come from: Binance live, a recorded file, or the simulator.
//! All three go through [`feed::FeedWriter`] into the same actor path.

#[cfg(feature = "binance")]
pub mod backfill;
#[cfg(feature = "binance")]
pub mod binance;
pub mod feed;
pub mod frame;
pub mod record;
pub mod replay;
pub mod sim;

use std::path::PathBuf;

/// Which source drives the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceSpec {
    /// Live Binance USD-M streams.
    Binance,
    /// The simulator.
    Sim,
    /// A recorded file.
    Replay(PathBuf),
    /// No source: trades come from [`crate::EngineHandle::ingest`].
    None,
}

impl std::str::FromStr for SourceSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "binance" => Ok(SourceSpec::Binance),
            "sim" => Ok(SourceSpec::Sim),
            "none" => Ok(SourceSpec::None),
            other => match other.strip_prefix("replay:") {
                Some(p) if !p.is_empty() => Ok(SourceSpec::Replay(PathBuf::from(p))),
                _ => Err(format!(
                    "unknown source {other:?}: expected binance, sim, none or replay:PATH"
                )),
            },
        }
    }
}

impl std::fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceSpec::Binance => f.write_str("binance"),
            SourceSpec::Sim => f.write_str("sim"),
            SourceSpec::None => f.write_str("none"),
            SourceSpec::Replay(p) => write!(f, "replay:{}", p.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        assert_eq!("sim".parse::<SourceSpec>().unwrap(), SourceSpec::Sim);
        assert_eq!(
            "replay:/tmp/a.jsonl".parse::<SourceSpec>().unwrap(),
            SourceSpec::Replay("/tmp/a.jsonl".into())
        );
        assert!("replay:".parse::<SourceSpec>().is_err());
        assert!("kraken".parse::<SourceSpec>().is_err());
    }
}
