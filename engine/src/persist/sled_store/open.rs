//! Opening a sled store directory: a store of another format is refused, a
//! directory another process holds is waited for and then refused, and a
//! damaged or foreign one is kept whole under a new name while a fresh store
//! starts.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{SledStore, FORMAT_KEY};
use crate::error::{Error, Result};
use crate::persist::codec::{check_format, decode_chunk, FORMAT};
use crate::persist::StateStore;

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

#[cfg(test)]
mod tests {
    use super::*;

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
        s.sync().unwrap();
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
