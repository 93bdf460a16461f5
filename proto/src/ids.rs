//! Names of the things the engine tracks: symbols, pairs and bar intervals.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a symbol, pair or interval name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// A symbol must be 1 to 32 ASCII letters or digits.
    #[error("invalid symbol {0:?}: expected 1-32 letters or digits, like BTCUSDT")]
    Symbol(String),
    /// A pair is written `Y/X` with two different symbols.
    #[error("invalid pair {0:?}: expected Y/X, like ETHUSDT/BTCUSDT")]
    Pair(String),
    /// Intervals are `1s`, `1m` and `5m`.
    #[error("invalid interval {0:?}: expected 1s, 1m or 5m")]
    Interval(String),
}

/// An exchange symbol in upper case, such as `BTCUSDT`.
///
/// ```
/// use spreadwatch_proto::Symbol;
/// let s: Symbol = "btcusdt".parse().unwrap();
/// assert_eq!(s.as_str(), "BTCUSDT");
/// assert_eq!(s.stream_name("aggTrade"), "btcusdt@aggTrade");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Symbol(String);

impl Symbol {
    /// Validates and upper-cases a symbol name.
    pub fn new(s: &str) -> Result<Self, IdError> {
        let ok = !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_alphanumeric());
        if ok {
            Ok(Symbol(s.to_ascii_uppercase()))
        } else {
            Err(IdError::Symbol(s.to_string()))
        }
    }

    /// Returns the upper-case name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns the Binance stream name, e.g. `btcusdt@trade`.
    pub fn stream_name(&self, kind: &str) -> String {
        format!("{}@{}", self.0.to_ascii_lowercase(), kind)
    }
}

impl FromStr for Symbol {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Symbol::new(s.trim())
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Symbol {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Symbol::new(&s).map_err(serde::de::Error::custom)
    }
}

/// A traded pair: `y` is regressed on `x`. Written `Y/X`.
///
/// ```
/// use spreadwatch_proto::PairId;
/// let p: PairId = "ETHUSDT/BTCUSDT".parse().unwrap();
/// assert_eq!(p.y.as_str(), "ETHUSDT");
/// assert_eq!(p.to_string(), "ETHUSDT/BTCUSDT");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PairId {
    /// The dependent leg.
    pub y: Symbol,
    /// The regressor leg.
    pub x: Symbol,
}

impl FromStr for PairId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (y, x) = s
            .split_once('/')
            .ok_or_else(|| IdError::Pair(s.to_string()))?;
        let y = Symbol::new(y.trim()).map_err(|_| IdError::Pair(s.to_string()))?;
        let x = Symbol::new(x.trim()).map_err(|_| IdError::Pair(s.to_string()))?;
        if x == y {
            return Err(IdError::Pair(s.to_string()));
        }
        Ok(PairId { y, x })
    }
}

impl fmt::Display for PairId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.y, self.x)
    }
}

impl Serialize for PairId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PairId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A bar interval. Buckets are aligned to the Unix epoch in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Interval {
    /// One second.
    #[serde(rename = "1s")]
    S1,
    /// One minute.
    #[serde(rename = "1m")]
    M1,
    /// Five minutes.
    #[serde(rename = "5m")]
    M5,
}

impl Interval {
    /// Every interval, shortest first.
    pub const ALL: [Interval; 3] = [Interval::S1, Interval::M1, Interval::M5];

    /// Length in milliseconds.
    pub const fn millis(self) -> i64 {
        match self {
            Interval::S1 => 1_000,
            Interval::M1 => 60_000,
            Interval::M5 => 300_000,
        }
    }

    /// Start of the left-closed bucket that holds time `t_ms`.
    pub const fn bucket_start(self, t_ms: i64) -> i64 {
        t_ms.div_euclid(self.millis()) * self.millis()
    }

    /// The short name: `1s`, `1m` or `5m`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Interval::S1 => "1s",
            Interval::M1 => "1m",
            Interval::M5 => "5m",
        }
    }

    /// Position in [`Interval::ALL`].
    pub const fn index(self) -> usize {
        match self {
            Interval::S1 => 0,
            Interval::M1 => 1,
            Interval::M5 => 2,
        }
    }
}

impl FromStr for Interval {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "1s" => Ok(Interval::S1),
            "1m" => Ok(Interval::M1),
            "5m" => Ok(Interval::M5),
            other => Err(IdError::Interval(other.to_string())),
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_epoch_aligned_and_left_closed() {
        assert_eq!(
            Interval::S1.bucket_start(1_700_000_000_999),
            1_700_000_000_000
        );
        assert_eq!(
            Interval::S1.bucket_start(1_700_000_001_000),
            1_700_000_001_000
        );
        assert_eq!(Interval::M5.bucket_start(299_999), 0);
        assert_eq!(Interval::M1.bucket_start(-1), -60_000);
    }

    #[test]
    fn names_validate() {
        assert!("BTC-USDT".parse::<Symbol>().is_err());
        assert!("ETHUSDT/ETHUSDT".parse::<PairId>().is_err());
        assert!("ETHUSDT".parse::<PairId>().is_err());
        assert_eq!("5m".parse::<Interval>().unwrap(), Interval::M5);
        assert!("2m".parse::<Interval>().is_err());
        let p: PairId = serde_json::from_str("\"ethusdt/btcusdt\"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"ETHUSDT/BTCUSDT\"");
    }
}
