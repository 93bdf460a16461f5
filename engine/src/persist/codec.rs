//! The compact, versioned encoding of stored ticks.
//!
//! A stored tick is postcard (varints) of [`TickRecord`]; the store records
//! [`FORMAT`] once, and a store written by another format is refused with a
//! clear error rather than misread.

use serde::{Deserialize, Serialize};
use spreadwatch_proto::Fixed;

use crate::core::tick::Tick;
use crate::error::{Error, Result};

/// The snapshot format this build writes and reads.
pub const FORMAT: u16 = 1;

/// One tick as stored: about 20 bytes for a typical aggTrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TickRecord {
    /// Trade time, ms.
    pub t: i64,
    /// Ordering id.
    pub id: u64,
    /// First exchange trade id, as an offset below `id` (usually small).
    pub f: u64,
    /// Price, 1e-8 units.
    pub p: i64,
    /// Quantity, 1e-8 units.
    pub q: i64,
    /// Exchange trades covered.
    pub n: u32,
    /// Buyer was the maker.
    pub m: bool,
}

impl From<&Tick> for TickRecord {
    fn from(t: &Tick) -> Self {
        TickRecord {
            t: t.time_ms,
            id: t.id,
            f: t.id.wrapping_sub(t.first_id),
            p: t.price.units(),
            q: t.qty.units(),
            n: t.count,
            m: t.buyer_maker,
        }
    }
}

impl From<TickRecord> for Tick {
    fn from(r: TickRecord) -> Self {
        Tick {
            time_ms: r.t,
            id: r.id,
            first_id: r.id.wrapping_sub(r.f),
            price: Fixed::from_units(r.p),
            qty: Fixed::from_units(r.q),
            count: r.n,
            buyer_maker: r.m,
        }
    }
}

/// Encodes a tick.
pub fn encode(t: &Tick) -> Vec<u8> {
    // A plain struct of integers always encodes.
    postcard::to_allocvec(&TickRecord::from(t)).unwrap_or_default()
}

/// Decodes a tick; garbage gets an error naming what was wrong.
pub fn decode(bytes: &[u8]) -> Result<Tick> {
    postcard::from_bytes::<TickRecord>(bytes)
        .map(Tick::from)
        .map_err(|e| Error::Store(format!("undecodable tick ({} bytes): {e}", bytes.len())))
}

/// The key of a tick: trade time then id, big-endian with the sign bit
/// flipped, so keys sort by time and pruning is a prefix range.
pub fn key(time_ms: i64, id: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&((time_ms as u64) ^ (1 << 63)).to_be_bytes());
    k[8..].copy_from_slice(&id.to_be_bytes());
    k
}

/// Checks a stored format number.
pub fn check_format(stored: &[u8]) -> Result<()> {
    let v = <[u8; 2]>::try_from(stored)
        .map(u16::from_be_bytes)
        .map_err(|_| Error::Store(format!("unreadable format marker {stored:?}")))?;
    if v != FORMAT {
        return Err(Error::Store(format!(
            "snapshot format {v}, but this build reads format {FORMAT}; use a matching spreadwatch or another --data-dir"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn ticks_round_trip(t in any::<i64>(), id in any::<u64>(), back in 0u64..1000, p in any::<i64>(), q in any::<i64>(), n in any::<u32>(), m in any::<bool>()) {
            let tick = Tick { time_ms: t, id, first_id: id.wrapping_sub(back), price: Fixed::from_units(p), qty: Fixed::from_units(q), count: n, buyer_maker: m };
            prop_assert_eq!(decode(&encode(&tick)).unwrap(), tick);
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn keys_sort_by_time_then_id(a in any::<i64>(), b in any::<i64>(), i in any::<u64>(), j in any::<u64>()) {
            prop_assert_eq!(key(a, i).cmp(&key(b, j)), (a, i).cmp(&(b, j)));
        }
    }

    #[test]
    fn a_typical_tick_is_small_and_other_formats_are_refused() {
        let tick = Tick {
            time_ms: 1_700_000_123_457,
            id: 7_000_000_000,
            first_id: 6_999_999_998,
            price: "43000.10".parse().unwrap(),
            qty: "0.024".parse().unwrap(),
            count: 3,
            buyer_maker: true,
        };
        assert!(encode(&tick).len() <= 24, "{} bytes", encode(&tick).len());
        assert!(check_format(&FORMAT.to_be_bytes()).is_ok());
        let e = check_format(&2u16.to_be_bytes()).unwrap_err().to_string();
        assert!(
            e.contains("format 2") && e.contains("reads format 1"),
            "{e}"
        );
        assert!(check_format(b"x").is_err());
    }
}
