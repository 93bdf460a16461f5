//! Exact decimals with eight fractional digits.
//!
//! Binance sends prices and quantities as decimal strings ("43000.10").
//! Parsing them into `f64` would make bar volumes drift and open/close
//! comparisons fuzzy, so the engine keeps them as scaled integers: a
//! [`Fixed`] is an `i64` count of 1e-8 units (about ±92 billion), and a
//! [`Volume`] is an `i128` sum of them, which cannot overflow in practice.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Number of fractional digits kept by [`Fixed`] and [`Volume`].
pub const SCALE: u32 = 8;
const ONE: i64 = 100_000_000;

/// Why a decimal string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FixedError {
    /// The text is not a plain decimal number.
    #[error("not a decimal number: {0:?}")]
    Syntax(String),
    /// The number has more than eight fractional digits that are not zero.
    #[error("more than 8 decimal places: {0:?}")]
    Precision(String),
    /// The number does not fit in the fixed-point range.
    #[error("out of range: {0:?}")]
    Range(String),
}

/// An exact decimal with eight fractional digits, stored as `i64` units of 1e-8.
///
/// ```
/// use spreadwatch_proto::Fixed;
/// let q: Fixed = "0.0120".parse().unwrap();
/// assert_eq!(q.units(), 1_200_000);
/// assert_eq!(q.to_string(), "0.012");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fixed(i64);

impl Fixed {
    /// Zero.
    pub const ZERO: Fixed = Fixed(0);

    /// Builds a value from raw 1e-8 units.
    pub const fn from_units(units: i64) -> Self {
        Fixed(units)
    }

    /// Returns the raw 1e-8 units.
    pub const fn units(self) -> i64 {
        self.0
    }

    /// Converts to `f64` (for charts and statistics, never for bar arithmetic).
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / ONE as f64
    }

    /// Rounds an `f64` to the nearest multiple of `tick` (used by the simulator).
    pub fn from_f64_rounded(v: f64, tick: Fixed) -> Self {
        let t = tick.0.max(1) as f64;
        Fixed(((v * ONE as f64) / t).round() as i64 * tick.0.max(1))
    }

    /// Returns true when the value is above zero.
    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Parses a decimal string exactly; the fast path avoids any allocation.
    pub fn parse(s: &str) -> Result<Self, FixedError> {
        if let Some(v) = parse_fast(s.as_bytes()) {
            return Ok(Fixed(v));
        }
        // Exponents, a leading '+', or very long inputs go through rust_decimal.
        let d = Decimal::from_str_exact(s)
            .or_else(|_| Decimal::from_scientific(s))
            .map_err(|_| FixedError::Syntax(s.to_string()))?;
        decimal_to_units(d, s).map(Fixed)
    }
}

fn decimal_to_units(d: Decimal, s: &str) -> Result<i64, FixedError> {
    let n = d.normalize();
    if n.scale() > SCALE {
        return Err(FixedError::Precision(s.to_string()));
    }
    let mant = n.mantissa();
    let mul = 10i128.pow(SCALE - n.scale());
    mant.checked_mul(mul)
        .and_then(|v| i64::try_from(v).ok())
        .ok_or_else(|| FixedError::Range(s.to_string()))
}

/// Parses `[-]digits[.digits]` with at most 8 significant fractional digits.
/// Returns `None` for anything else so the caller can fall back.
fn parse_fast(b: &[u8]) -> Option<i64> {
    let (neg, b) = match b.first()? {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    if b.is_empty() || b.len() > 30 {
        return None;
    }
    let mut int: i64 = 0;
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        int = int.checked_mul(10)?.checked_add((b[i] - b'0') as i64)?;
        i += 1;
    }
    let int_digits = i;
    let mut frac: i64 = 0;
    let mut frac_digits = 0u32;
    if i < b.len() {
        if b[i] != b'.' {
            return None;
        }
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if frac_digits < SCALE {
                frac = frac * 10 + (b[i] - b'0') as i64;
                frac_digits += 1;
            } else if b[i] != b'0' {
                return None;
            }
            i += 1;
        }
        if i != b.len() || (i == start && int_digits == 0) {
            return None;
        }
    }
    if int_digits == 0 && frac_digits == 0 {
        return None;
    }
    let v = int
        .checked_mul(ONE)?
        .checked_add(frac * 10i64.pow(SCALE - frac_digits))?;
    Some(if neg { -v } else { v })
}

impl FromStr for Fixed {
    type Err = FixedError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fixed::parse(s)
    }
}

impl fmt::Display for Fixed {
    /// Writes the canonical form: no exponent, no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_units(self.0 as i128, f)
    }
}

fn fmt_units(units: i128, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let d = Decimal::try_from_i128_with_scale(units, SCALE).map_err(|_| fmt::Error)?;
    write!(f, "{}", d.normalize())
}

/// An exact sum of [`Fixed`] values (bar volume), stored as `i128` units of 1e-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Volume(i128);

impl Volume {
    /// Zero.
    pub const ZERO: Volume = Volume(0);

    /// Builds a volume from raw 1e-8 units.
    pub const fn from_units(units: i128) -> Self {
        Volume(units)
    }

    /// Returns the raw 1e-8 units.
    pub const fn units(self) -> i128 {
        self.0
    }

    /// Adds a quantity exactly.
    pub fn add(&mut self, q: Fixed) {
        self.0 += q.0 as i128;
    }

    /// Converts to `f64` (for charts).
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / ONE as f64
    }
}

impl fmt::Display for Volume {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_units(self.0, f)
    }
}

impl FromStr for Volume {
    type Err = FixedError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let d = Decimal::from_str_exact(s).map_err(|_| FixedError::Syntax(s.to_string()))?;
        let n = d.normalize();
        if n.scale() > SCALE {
            return Err(FixedError::Precision(s.to_string()));
        }
        n.mantissa()
            .checked_mul(10i128.pow(SCALE - n.scale()))
            .map(Volume)
            .ok_or_else(|| FixedError::Range(s.to_string()))
    }
}

// On the wire, values are JSON numbers: the shortest f64 text of an
// eight-decimal value reads back as the same decimal for every realistic
// price, and browsers can chart numbers directly. Strings are accepted too.
impl Serialize for Fixed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_f64())
    }
}

impl Serialize for Volume {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_f64())
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrStr {
    Num(f64),
    Str(String),
}

impl<'de> Deserialize<'de> for Fixed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match NumOrStr::deserialize(d)? {
            NumOrStr::Str(s) => s.parse().map_err(serde::de::Error::custom),
            NumOrStr::Num(v) => {
                let d = Decimal::from_f64_retain(v)
                    .ok_or_else(|| serde::de::Error::custom("number out of range"))?;
                Ok(Fixed((d * Decimal::from(ONE)).round().try_into().map_err(
                    |_| serde::de::Error::custom("number out of range"),
                )?))
            }
        }
    }
}

impl<'de> Deserialize<'de> for Volume {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match NumOrStr::deserialize(d)? {
            NumOrStr::Str(s) => s.parse().map_err(serde::de::Error::custom),
            NumOrStr::Num(v) => Ok(Volume((v * ONE as f64).round() as i128)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_binance_strings_exactly() {
        assert_eq!(Fixed::parse("43000.10").unwrap().units(), 4_300_010_000_000);
        assert_eq!(Fixed::parse("0.001").unwrap().units(), 100_000);
        assert_eq!(Fixed::parse("100").unwrap().units(), 10_000_000_000);
        assert_eq!(Fixed::parse("-1.5").unwrap().units(), -150_000_000);
        assert_eq!(Fixed::parse("1.000000000000").unwrap().units(), ONE);
        assert_eq!(Fixed::parse("1e2").unwrap().units(), 100 * ONE);
    }

    #[test]
    fn refuses_garbage_and_excess_precision() {
        for s in ["", "-", ".", "abc", "1.2.3", "1,5", " 1", "0x10"] {
            assert!(Fixed::parse(s).is_err(), "{s:?} should fail");
        }
        assert!(matches!(
            Fixed::parse("0.000000001"),
            Err(FixedError::Precision(_))
        ));
        assert!(matches!(
            Fixed::parse("99999999999999999999"),
            Err(FixedError::Range(_))
        ));
    }

    #[test]
    fn displays_canonically() {
        assert_eq!(Fixed::from_units(4_300_010_000_000).to_string(), "43000.1");
        assert_eq!(Fixed::from_units(0).to_string(), "0");
        assert_eq!(Fixed::from_units(10_000_000_000).to_string(), "100");
        assert_eq!(Volume::from_units(1_200_000).to_string(), "0.012");
    }

    #[test]
    fn wire_form_round_trips() {
        let p = Fixed::parse("43000.12").unwrap();
        let j = serde_json::to_string(&p).unwrap();
        assert_eq!(j, "43000.12");
        assert_eq!(serde_json::from_str::<Fixed>(&j).unwrap(), p);
        assert_eq!(
            serde_json::from_str::<Fixed>("\"0.5\"").unwrap().units(),
            ONE / 2
        );
    }

    proptest! {
        #[test]
        fn fast_path_agrees_with_rust_decimal(int in 0i64..10_000_000_000, frac in 0u64..100_000_000, digits in 0usize..9) {
            let s = if digits == 0 { int.to_string() } else {
                let f = format!("{frac:08}");
                format!("{int}.{}", &f[..digits])
            };
            let d = Decimal::from_str_exact(&s).unwrap();
            let want = decimal_to_units(d, &s).unwrap();
            prop_assert_eq!(Fixed::parse(&s).unwrap().units(), want);
            let back: Fixed = Fixed::from_units(want).to_string().parse().unwrap();
            prop_assert_eq!(back.units(), want);
        }
    }
}
