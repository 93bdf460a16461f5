//! Where trades come from: Binance live, a recorded file, the simulator,
//! NATS (feature `nats`), or none (trades given to `EngineHandle::ingest`).
//! All go through [`feed::FeedWriter`] into the same actor path.

pub mod accepted;
#[cfg(feature = "binance")]
pub mod backfill;
#[cfg(feature = "binance")]
pub mod binance;
#[cfg(feature = "binance")]
pub mod exchange_info;
pub mod feed;
pub mod frame;
#[cfg(feature = "nats")]
pub mod nats;
pub mod record;
pub mod replay;
pub(crate) mod runner;
pub mod sim;
pub mod universe;

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
    /// Binance frames from a NATS server (`nats:nats://host:4222`), on the
    /// subjects `spreadwatch.ticks.<SYMBOL>` (feature `nats`).
    Nats(String),
}

impl std::str::FromStr for SourceSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "binance" => Ok(SourceSpec::Binance),
            "sim" => Ok(SourceSpec::Sim),
            "none" => Ok(SourceSpec::None),
            other => match (other.strip_prefix("replay:"), other.strip_prefix("nats:")) {
                (Some(p), _) if !p.is_empty() => Ok(SourceSpec::Replay(PathBuf::from(p))),
                (_, Some(u)) if !u.is_empty() => Ok(SourceSpec::Nats(u.to_string())),
                _ => Err(format!(
                    "unknown source {other:?}: expected binance, sim, none, replay:PATH or nats:URL"
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
            SourceSpec::Nats(u) => write!(f, "nats:{u}"),
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
