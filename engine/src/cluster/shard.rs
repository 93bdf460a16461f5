//! Which shard owns a pair: rendezvous (highest random weight) hashing of
//! `Y/X` over the shards 1..=N. Every instance computes the same owner from
//! the pair and N alone, and going from N to N+1 shards moves only the pairs
//! whose new highest weight is the new shard's: about 1/(N+1) of them.

use spreadwatch_proto::{PairId, Symbol};
use twox_hash::XxHash64;

/// `--shard I/N`: this instance is shard I of N (1 ≤ I ≤ N).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    /// This shard, from 1.
    pub index: u32,
    /// Shards in all.
    pub count: u32,
}

impl std::str::FromStr for ShardSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("--shard {s:?}: expected I/N with 1 <= I <= N, e.g. 1/3");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(ShardSpec { index, count })
    }
}

impl std::fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A pair's weight on shard `index`: xxHash64 of `Y/X`, seeded by the
/// shard, so equal on every machine and build.
fn weight(pair: &PairId, index: u32) -> u64 {
    let key = format!("{}/{}", pair.y, pair.x);
    XxHash64::oneshot(u64::from(index), key.as_bytes())
}

/// The shard (1 to `count`) that owns `pair`.
///
/// ```
/// use spreadwatch_engine::cluster::owner;
/// let p = "ETHUSDT/BTCUSDT".parse().unwrap();
/// let o = owner(&p, 3);
/// assert!((1..=3).contains(&o));
/// assert_eq!(owner(&p, 1), 1);
/// ```
pub fn owner(pair: &PairId, count: u32) -> u32 {
    (1..=count.max(1))
        .max_by_key(|&i| (weight(pair, i), i))
        .unwrap_or(1)
}

impl ShardSpec {
    /// The pairs of `pairs` this shard owns, in their order.
    pub fn owned(&self, pairs: &[PairId]) -> Vec<PairId> {
        pairs
            .iter()
            .filter(|p| owner(p, self.count) == self.index)
            .cloned()
            .collect()
    }
}

/// What the NATS source reads as a shard.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardSource {
    /// Which shard.
    pub spec: ShardSpec,
    /// The pairs it owns.
    pub owned: Vec<PairId>,
    /// Pairs configured in all.
    pub configured: usize,
    /// The owned pairs' legs, whose subjects it reads.
    pub legs: Vec<Symbol>,
    /// How long the broker waits for an acknowledgement before delivering
    /// again: well above the save interval.
    pub ack_wait: std::time::Duration,
    /// `--pairs scan:N`: the pairs are this shard's share of the top N of
    /// the market ranking ingest publishes, so it reads every symbol.
    pub follow: Option<usize>,
}

impl ShardSource {
    /// Shard `spec` of the cluster running `pairs`.
    pub fn new(spec: ShardSpec, pairs: &[PairId]) -> Self {
        let owned = spec.owned(pairs);
        let mut legs: Vec<Symbol> = owned
            .iter()
            .flat_map(|p| [p.y.clone(), p.x.clone()])
            .collect();
        legs.sort();
        legs.dedup();
        ShardSource {
            spec,
            owned,
            configured: pairs.len(),
            legs,
            ack_wait: std::time::Duration::from_secs(30),
            follow: None,
        }
    }

    /// Shard `spec` owning its share of the ranking's top `n`, whatever
    /// they are at each scan.
    pub fn following(spec: ShardSpec, n: usize) -> Self {
        ShardSource {
            follow: Some(n),
            ..ShardSource::new(spec, &[])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pairs(n: usize) -> Vec<PairId> {
        (0..n)
            .map(|i| format!("S{i}USDT/B{}USDT", i * 7 % 13).parse().unwrap())
            .collect()
    }

    #[test]
    fn specs_parse_and_refuse_what_is_not_a_shard() {
        assert_eq!(
            "2/3".parse::<ShardSpec>().unwrap(),
            ShardSpec { index: 2, count: 3 }
        );
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", ""] {
            let e = bad.parse::<ShardSpec>().unwrap_err();
            assert!(e.contains("I/N"), "{bad}: {e}");
        }
    }

    #[test]
    fn every_pair_has_exactly_one_owner_and_shards_share_the_load() {
        let all = pairs(600);
        let shards: Vec<Vec<PairId>> = (1..=3)
            .map(|i| ShardSpec { index: i, count: 3 }.owned(&all))
            .collect();
        assert_eq!(shards.iter().map(Vec::len).sum::<usize>(), all.len());
        for s in &shards {
            assert!((120..280).contains(&s.len()), "uneven: {}", s.len());
        }
    }

    proptest! {
        #[test]
        fn adding_a_shard_moves_pairs_only_to_the_new_one(n in 1u32..8) {
            for p in pairs(200) {
                let before = owner(&p, n);
                let after = owner(&p, n + 1);
                prop_assert!(after == before || after == n + 1);
            }
        }
    }

    #[test]
    fn a_shard_reads_only_its_pairs_legs() {
        let all: Vec<PairId> = ["ETHUSDT/BTCUSDT", "SOLUSDT/BTCUSDT", "DOGEUSDT/XRPUSDT"]
            .iter()
            .map(|p| p.parse().unwrap())
            .collect();
        let spec = ShardSpec { index: 1, count: 1 };
        let s = ShardSource::new(spec, &all);
        assert_eq!(s.owned.len(), 3);
        let legs: Vec<&str> = s.legs.iter().map(|l| l.as_str()).collect();
        assert_eq!(
            legs,
            ["BTCUSDT", "DOGEUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"]
        );
    }
}
