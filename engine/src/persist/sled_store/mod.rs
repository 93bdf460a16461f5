//! [`StateStore`] on sled 0.34: one tree per symbol holding one chunk of
//! ticks per snapshot, keyed by the chunk's newest (time, id), and the format
//! marker and pairs in the default tree. sled is
//! log-structured and crash-safe: after `sync`, a `kill -9` loses nothing
//! written, and never leaves a torn store. Opening a directory (a damaged
//! one set aside, a locked one waited for) is in `open.rs`; this module and
//! it are the only code that names sled.

mod open;

pub use open::open_dir;

use spreadwatch_proto::{Bar, Interval, PairId, PairParams, Symbol};

use super::codec::{decode_chunk, encode_chunk, key};
use super::StateStore;
use crate::core::tick::Tick;
use crate::error::{Error, Result};

const FORMAT_KEY: &[u8] = b"format";
const PAIRS_KEY: &[u8] = b"pairs";
/// The Binance stream (`trade` or `aggTrade`) the ticks came from.
const STREAM_KEY: &[u8] = b"stream";
/// The pair scanner's latest ranking, JSON.
const SCAN_KEY: &[u8] = b"scan";
const TICKS: &str = "ticks/";
/// Closed bars per symbol and interval, keyed by start.
const BARS: &str = "bars/";
/// Per symbol, the last prune cut (ms, i64 big-endian).
const PRUNED: &str = "pruned/";
/// Per pair: the saved estimator state.
const PAIR_STATE: &str = "pair_state/";

/// A sled database in a directory.
pub struct SledStore {
    db: sled::Db,
}

fn store_err(e: impl std::fmt::Display) -> Error {
    Error::Store(e.to_string())
}

impl SledStore {
    fn pruned_before(&self, symbol: &Symbol) -> Result<Option<i64>> {
        let v = self
            .db
            .get(format!("{PRUNED}{symbol}"))
            .map_err(store_err)?;
        Ok(v.and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok().map(i64::from_be_bytes)))
    }

    fn bar_tree(&self, symbol: &Symbol, interval: Interval) -> Result<sled::Tree> {
        self.db
            .open_tree(format!("{BARS}{symbol}/{interval}"))
            .map_err(store_err)
    }

    fn tree(&self, symbol: &Symbol) -> Result<sled::Tree> {
        self.db
            .open_tree(format!("{TICKS}{symbol}"))
            .map_err(store_err)
    }
}

impl StateStore for SledStore {
    fn append_ticks(&self, symbol: &Symbol, ticks: &[Tick]) -> Result<()> {
        let (Some(newest), Some(last)) = (ticks.iter().map(|t| t.time_ms).max(), ticks.last())
        else {
            return Ok(());
        };
        self.tree(symbol)?
            .insert(key(newest, last.id), encode_chunk(ticks))
            .map(|_| ())
            .map_err(store_err)
    }

    fn ticks(&self, symbol: &Symbol) -> Result<Vec<Tick>> {
        let mut out = Vec::new();
        for kv in self.tree(symbol)?.iter() {
            let (_, v) = kv.map_err(store_err)?;
            // A damaged chunk costs its own ticks, not the symbol's others.
            match decode_chunk(&v) {
                Ok(c) => out.extend(c),
                Err(e) => tracing::error!(%symbol, "a stored tick chunk is skipped: {e}"),
            }
        }
        // A chunk that straddled the last prune cut still holds older ticks,
        // but not all of them: leave them out so no rebuilt bar is partial.
        if let Some(cut) = self.pruned_before(symbol)? {
            out.retain(|t| t.time_ms >= cut);
        }
        // Chunks are in time order, the ring in id order: restore in id order.
        out.sort_by_key(|t| t.id);
        out.dedup_by_key(|t| t.id);
        Ok(out)
    }

    fn last_id(&self, symbol: &Symbol) -> Result<Option<u64>> {
        // Chunks sort by their newest time; ids grow with time but not
        // strictly, so look at the newest few.
        let mut max = None;
        for kv in self.tree(symbol)?.iter().rev().take(4) {
            let (_, v) = kv.map_err(store_err)?;
            let Ok(chunk) = decode_chunk(&v) else {
                continue;
            };
            if let Some(id) = chunk.iter().map(|t| t.id).max() {
                max = Some(max.map_or(id, |m: u64| m.max(id)));
            }
        }
        Ok(max)
    }

    fn symbols(&self) -> Result<Vec<Symbol>> {
        Ok(self
            .db
            .tree_names()
            .iter()
            .filter_map(|n| {
                std::str::from_utf8(n)
                    .ok()?
                    .strip_prefix(TICKS)
                    .map(str::to_string)
            })
            .filter_map(|s| Symbol::new(&s).ok())
            .collect())
    }

    fn put_pairs(&self, pairs: &[(PairId, PairParams)]) -> Result<()> {
        let json = serde_json::to_vec(pairs).map_err(store_err)?;
        self.db
            .insert(PAIRS_KEY, json)
            .map(|_| ())
            .map_err(store_err)
    }

    fn pairs(&self) -> Result<Vec<(PairId, PairParams)>> {
        match self.db.get(PAIRS_KEY).map_err(store_err)? {
            None => Ok(Vec::new()),
            Some(v) => serde_json::from_slice(&v)
                .map_err(|e| Error::Store(format!("stored pairs unreadable: {e}"))),
        }
    }

    fn put_scan(&self, scan: &[u8]) -> Result<()> {
        self.db
            .insert(SCAN_KEY, scan)
            .map(|_| ())
            .map_err(store_err)
    }

    fn scan(&self) -> Result<Option<Vec<u8>>> {
        let v = self.db.get(SCAN_KEY).map_err(store_err)?;
        Ok(v.map(|v| v.to_vec()))
    }

    fn put_stream(&self, stream: &str) -> Result<()> {
        self.db
            .insert(STREAM_KEY, stream.as_bytes())
            .map(|_| ())
            .map_err(store_err)
    }

    fn stream(&self) -> Result<Option<String>> {
        match self.db.get(STREAM_KEY).map_err(store_err)? {
            None => Ok(None),
            Some(v) => String::from_utf8(v.to_vec())
                .map(Some)
                .map_err(|e| Error::Store(format!("stored stream unreadable: {e}"))),
        }
    }

    fn put_pair_state(&self, pair: &PairId, state: &[u8]) -> Result<()> {
        self.db
            .insert(format!("{PAIR_STATE}{pair}"), state)
            .map(|_| ())
            .map_err(store_err)
    }

    fn pair_state(&self, pair: &PairId) -> Result<Option<Vec<u8>>> {
        self.db
            .get(format!("{PAIR_STATE}{pair}"))
            .map(|v| v.map(|v| v.to_vec()))
            .map_err(store_err)
    }

    /// Drops whole chunks whose newest tick is older than `before_ms`.
    fn prune(&self, symbol: &Symbol, before_ms: i64) -> Result<u64> {
        if self.pruned_before(symbol)?.is_some_and(|c| c >= before_ms) {
            return Ok(0);
        }
        self.db
            .insert(format!("{PRUNED}{symbol}"), &before_ms.to_be_bytes())
            .map_err(store_err)?;
        let tree = self.tree(symbol)?;
        let mut batch = sled::Batch::default();
        let mut n = 0;
        for kv in tree.range(..key(before_ms, 0)) {
            let (k, v) = kv.map_err(store_err)?;
            n += decode_chunk(&v).map_or(0, |c| c.len() as u64);
            batch.remove(k);
        }
        tree.apply_batch(batch).map_err(store_err)?;
        Ok(n)
    }

    fn sync(&self) -> Result<()> {
        self.db.flush().map(|_| ()).map_err(store_err)
    }

    fn append_bars(&self, symbol: &Symbol, interval: Interval, bars: &[Bar]) -> Result<()> {
        let tree = self.bar_tree(symbol, interval)?;
        let mut batch = sled::Batch::default();
        for b in bars {
            batch.insert(
                &key(b.start_ms, 0),
                serde_json::to_vec(b).map_err(store_err)?,
            );
        }
        tree.apply_batch(batch).map_err(store_err)
    }

    fn bars(&self, symbol: &Symbol, interval: Interval) -> Result<Vec<Bar>> {
        let mut out = Vec::new();
        for kv in self.bar_tree(symbol, interval)?.iter() {
            let (_, v) = kv.map_err(store_err)?;
            out.push(
                serde_json::from_slice(&v)
                    .map_err(|e| Error::Store(format!("stored {interval} bar of {symbol}: {e}")))?,
            );
        }
        Ok(out)
    }

    fn prune_bars(&self, symbol: &Symbol, interval: Interval, before_ms: i64) -> Result<()> {
        let tree = self.bar_tree(symbol, interval)?;
        let mut batch = sled::Batch::default();
        for kv in tree.range(..key(before_ms, 0)) {
            batch.remove(kv.map_err(store_err)?.0);
        }
        tree.apply_batch(batch).map_err(store_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::open_dir;
    use spreadwatch_proto::Fixed;

    fn tick(t: i64, id: u64) -> Tick {
        Tick {
            time_ms: t,
            id,
            first_id: id,
            price: Fixed::from_units(100 * 100_000_000 + id as i64),
            qty: Fixed::from_units(1),
            count: 1,
            buyer_maker: false,
        }
    }

    #[test]
    fn ticks_pairs_prune_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d");
        let s = open_dir(&path).unwrap();
        let sym = Symbol::new("BTCUSDT").unwrap();
        s.append_ticks(&sym, &[tick(1000, 1)]).unwrap();
        // This chunk straddles the cut below: its 1500 ms tick is kept on
        // disk but never returned.
        s.append_ticks(&sym, &[tick(1500, 2), tick(2000, 3), tick(3000, 4)])
            .unwrap();
        let pair: PairId = "ETHUSDT/BTCUSDT".parse().unwrap();
        s.put_pairs(&[(pair.clone(), PairParams::default())])
            .unwrap();
        s.sync().unwrap();
        assert_eq!(s.last_id(&sym).unwrap(), Some(4));
        assert_eq!(s.prune(&sym, 2000).unwrap(), 1);
        assert_eq!(s.prune(&sym, 1000).unwrap(), 0, "the cut never moves back");
        drop(s);
        let s = open_dir(&path).unwrap();
        assert_eq!(s.symbols().unwrap(), vec![sym.clone()]);
        assert_eq!(s.ticks(&sym).unwrap(), vec![tick(2000, 3), tick(3000, 4)]);
        assert_eq!(s.pairs().unwrap(), vec![(pair, PairParams::default())]);
    }
}
