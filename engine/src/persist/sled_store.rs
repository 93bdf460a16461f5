//! [`SnapshotStore`] on sled 0.34: one tree per symbol holding one chunk of
//! ticks per snapshot, keyed by the chunk's newest (time, id), and the format
//! marker and pairs in the default tree. sled is
//! log-structured and crash-safe: after `flush`, a `kill -9` loses nothing
//! written, and never leaves a torn store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use spreadwatch_proto::{Bar, Interval, PairId, PairParams, Symbol};

use super::codec::{check_format, decode_chunk, encode_chunk, key, FORMAT};
use super::SnapshotStore;
use crate::core::tick::Tick;
use crate::error::{Error, Result};

const FORMAT_KEY: &[u8] = b"format";
const PAIRS_KEY: &[u8] = b"pairs";
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

/// Why a directory could not be used.
enum OpenError {
    /// Written by another format: refuse, never misread or move.
    Format(Error),
    /// In use by another process (or one still shutting down): wait, then
    /// refuse; never move.
    Locked,
    /// Damaged or not a store: move it aside.
    Unreadable(String),
}

impl SledStore {
    fn open(path: &Path) -> std::result::Result<SledStore, OpenError> {
        // sled can panic on some damage; a damaged store must not take the
        // engine down.
        let opened = std::panic::catch_unwind(|| sled::open(path))
            .map_err(|_| OpenError::Unreadable("the store panicked while opening".into()))?
            .map_err(|e| {
                // sled locks its directory: another process has it open.
                if e.to_string().contains("could not acquire lock") {
                    OpenError::Locked
                } else {
                    OpenError::Unreadable(e.to_string())
                }
            })?;
        let store = SledStore { db: opened };
        let marker = store
            .db
            .get(FORMAT_KEY)
            .map_err(|e| OpenError::Unreadable(e.to_string()))?;
        match marker {
            Some(v) => check_format(&v).map_err(OpenError::Format)?,
            None if store.db.tree_names().len() > 1 => {
                return Err(OpenError::Unreadable(
                    "ticks without a format marker".into(),
                ))
            }
            None => {
                store
                    .db
                    .insert(FORMAT_KEY, &FORMAT.to_be_bytes())
                    .map_err(|e| OpenError::Unreadable(e.to_string()))?;
            }
        }
        // Every tree's newest tick must decode: a cheap check that the data
        // is ours and whole.
        for s in store
            .symbols()
            .map_err(|e| OpenError::Unreadable(e.to_string()))?
        {
            let tree = store
                .tree(&s)
                .map_err(|e| OpenError::Unreadable(e.to_string()))?;
            if let Some((_, v)) = tree
                .last()
                .map_err(|e| OpenError::Unreadable(e.to_string()))?
            {
                decode_chunk(&v).map_err(|e| OpenError::Unreadable(e.to_string()))?;
            }
        }
        Ok(store)
    }

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

/// Opens (or creates) the store in `dir`. A damaged or foreign directory is
/// moved aside, kept whole under `<dir>.corrupt-<unix seconds>`, and a fresh
/// store is started; a store of another format is refused with an error.
pub fn open_dir(dir: &Path) -> Result<Arc<SledStore>> {
    // A store closed a moment ago (a quick restart) may still hold its lock
    // while sled's threads wind down: wait up to 2 s before refusing.
    let mut opened = SledStore::open(dir);
    for _ in 0..20 {
        match &opened {
            Err(OpenError::Locked) => {
                std::thread::sleep(std::time::Duration::from_millis(100));
                opened = SledStore::open(dir);
            }
            _ => break,
        }
    }
    match opened {
        Ok(s) => Ok(Arc::new(s)),
        Err(OpenError::Format(e)) => Err(Error::Store(format!("{}: {e}", dir.display()))),
        Err(OpenError::Locked) => Err(locked(dir)),
        Err(OpenError::Unreadable(why)) => {
            let aside = aside_path(dir);
            std::fs::rename(dir, &aside).map_err(|e| Error::Io {
                path: dir.to_path_buf(),
                source: e,
            })?;
            tracing::warn!(
                "data dir {} is unreadable ({why}); moved it to {} and starting fresh",
                dir.display(),
                aside.display()
            );
            SledStore::open(dir).map(Arc::new).map_err(|e| match e {
                OpenError::Format(e) => e,
                OpenError::Locked => locked(dir),
                OpenError::Unreadable(w) => Error::Store(format!("{}: {w}", dir.display())),
            })
        }
    }
}

fn locked(dir: &Path) -> Error {
    Error::Store(format!(
        "{}: in use by another spreadwatch (or one still shutting down)",
        dir.display()
    ))
}

fn aside_path(dir: &Path) -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let name = dir
        .file_name()
        .map_or_else(|| "data".into(), |n| n.to_string_lossy().into_owned());
    let mut p = dir.with_file_name(format!("{name}.corrupt-{secs}"));
    let mut n = 1;
    while p.exists() {
        p = dir.with_file_name(format!("{name}.corrupt-{secs}-{n}"));
        n += 1;
    }
    p
}

impl SnapshotStore for SledStore {
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
            out.extend(decode_chunk(&v)?);
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
            if let Some(id) = decode_chunk(&v)?.iter().map(|t| t.id).max() {
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

    fn flush(&self) -> Result<()> {
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
        s.flush().unwrap();
        assert_eq!(s.last_id(&sym).unwrap(), Some(4));
        assert_eq!(s.prune(&sym, 2000).unwrap(), 1);
        assert_eq!(s.prune(&sym, 1000).unwrap(), 0, "the cut never moves back");
        drop(s);
        let s = open_dir(&path).unwrap();
        assert_eq!(s.symbols().unwrap(), vec![sym.clone()]);
        assert_eq!(s.ticks(&sym).unwrap(), vec![tick(2000, 3), tick(3000, 4)]);
        assert_eq!(s.pairs().unwrap(), vec![(pair, PairParams::default())]);
    }

    #[test]
    fn a_damaged_dir_is_moved_aside_and_another_format_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("conf"), b"\x00garbage\xff").unwrap();
        std::fs::write(path.join("db"), vec![0xAB; 4096]).unwrap();
        let s = open_dir(&path).unwrap();
        assert!(s.symbols().unwrap().is_empty());
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("d.corrupt-"))
            .collect();
        assert_eq!(aside.len(), 1, "kept, not deleted");
        assert_eq!(
            std::fs::read(aside[0].path().join("conf")).unwrap(),
            b"\x00garbage\xff"
        );
        s.db.insert(FORMAT_KEY, &9u16.to_be_bytes()).unwrap();
        s.flush().unwrap();
        drop(s);
        // sled's threads may hold the lock a moment after the drop.
        let mut e = String::new();
        for _ in 0..100 {
            e = open_dir(&path).err().expect("refused").to_string();
            if !e.contains("in use") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(e.contains("format 9"), "{e}");
    }
}
