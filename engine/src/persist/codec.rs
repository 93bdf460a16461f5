//! The compact, versioned encoding of stored ticks.
//!
//! Ticks are stored in chunks (one per symbol per snapshot): postcard
//! varints of each tick's fields as differences from the tick before, so a
//! typical aggTrade costs a few bytes. The store records [`FORMAT`] once,
//! and a store written by another format is refused with a clear error
//! rather than misread.

use serde::{Deserialize, Serialize};
use spreadwatch_proto::Fixed;

use crate::core::tick::Tick;
use crate::error::{Error, Result};

/// The snapshot format this build writes and reads.
pub const FORMAT: u16 = 1;

/// One tick as stored, relative to the tick before it in its chunk (the
/// first is relative to zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TickRecord {
    /// Trade time change, ms.
    pub dt: i64,
    /// Id change (ids rise within a chunk, but a wrap is still read back).
    pub did: i64,
    /// `id − first_id`.
    pub f: u64,
    /// Price change, 1e-8 units.
    pub dp: i64,
    /// Quantity, 1e-8 units.
    pub q: i64,
    /// Exchange trades covered.
    pub n: u32,
    /// Buyer was the maker.
    pub m: bool,
}

/// Encodes a chunk of ticks.
pub fn encode_chunk(ticks: &[Tick]) -> Vec<u8> {
    let mut prev = (0i64, 0u64, 0i64);
    let recs: Vec<TickRecord> = ticks
        .iter()
        .map(|t| {
            let r = TickRecord {
                dt: t.time_ms.wrapping_sub(prev.0),
                did: t.id.wrapping_sub(prev.1) as i64,
                f: t.id.wrapping_sub(t.first_id),
                dp: t.price.units().wrapping_sub(prev.2),
                q: t.qty.units(),
                n: t.count,
                m: t.buyer_maker,
            };
            prev = (t.time_ms, t.id, t.price.units());
            r
        })
        .collect();
    // A vector of plain integer structs always encodes.
    postcard::to_allocvec(&recs).unwrap_or_default()
}

/// Decodes a chunk; garbage gets an error naming what was wrong.
pub fn decode_chunk(bytes: &[u8]) -> Result<Vec<Tick>> {
    let recs: Vec<TickRecord> = postcard::from_bytes(bytes).map_err(|e| {
        Error::Store(format!(
            "undecodable tick chunk ({} bytes): {e}",
            bytes.len()
        ))
    })?;
    let mut prev = (0i64, 0u64, 0i64);
    Ok(recs
        .into_iter()
        .map(|r| {
            let (t, id, p) = (
                prev.0.wrapping_add(r.dt),
                prev.1.wrapping_add(r.did as u64),
                prev.2.wrapping_add(r.dp),
            );
            prev = (t, id, p);
            Tick {
                time_ms: t,
                id,
                first_id: id.wrapping_sub(r.f),
                price: Fixed::from_units(p),
                qty: Fixed::from_units(r.q),
                count: r.n,
                buyer_maker: r.m,
            }
        })
        .collect())
}

/// The key of a chunk: its newest trade time then its last id, big-endian
/// with the sign bit flipped, so keys sort by time and pruning is a range.
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

    fn arb_tick() -> impl Strategy<Value = Tick> {
        (
            any::<i64>(),
            any::<u64>(),
            0u64..1000,
            any::<i64>(),
            any::<i64>(),
            any::<u32>(),
            any::<bool>(),
        )
            .prop_map(|(t, id, back, p, q, n, m)| Tick {
                time_ms: t,
                id,
                first_id: id.wrapping_sub(back),
                price: Fixed::from_units(p),
                qty: Fixed::from_units(q),
                count: n,
                buyer_maker: m,
            })
    }

    proptest! {
        #[test]
        fn chunks_round_trip(ticks in proptest::collection::vec(arb_tick(), 0..40)) {
            prop_assert_eq!(decode_chunk(&encode_chunk(&ticks)).unwrap(), ticks);
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_chunk(&bytes);
        }

        #[test]
        fn keys_sort_by_time_then_id(a in any::<i64>(), b in any::<i64>(), i in any::<u64>(), j in any::<u64>()) {
            prop_assert_eq!(key(a, i).cmp(&key(b, j)), (a, i).cmp(&(b, j)));
        }
    }

    #[test]
    fn a_second_of_aggtrades_is_a_few_bytes_each_and_other_formats_are_refused() {
        let ticks: Vec<Tick> = (0..20)
            .map(|i| Tick {
                time_ms: 1_700_000_123_457 + i * 50,
                id: 7_000_000_000 + i as u64,
                first_id: 6_999_999_998 + i as u64,
                price: Fixed::from_units(4_300_010_000_000 + (i % 3) * 1_000_000),
                qty: "0.024".parse().unwrap(),
                count: 3,
                buyer_maker: i % 2 == 0,
            })
            .collect();
        let bytes = encode_chunk(&ticks).len();
        assert!(bytes <= 20 * 14, "{bytes} bytes for 20 ticks");
        assert!(check_format(&FORMAT.to_be_bytes()).is_ok());
        let e = check_format(&2u16.to_be_bytes()).unwrap_err().to_string();
        assert!(
            e.contains("format 2") && e.contains("reads format 1"),
            "{e}"
        );
        assert!(check_format(b"x").is_err());
    }
}
