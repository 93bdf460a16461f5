//! `spreadwatch replay PATH --export-dir DIR`.

use std::fs::File;
use std::io::{BufWriter, IsTerminal};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use spreadwatch_engine::export::write_bars_csv;
use spreadwatch_engine::Engine;
use spreadwatch_proto::{FeedState, Interval};

use super::args::ReplayArgs;

pub fn run(a: ReplayArgs) -> Result<()> {
    let mut r = a.resolve()?;
    std::fs::create_dir_all(&a.export_dir)
        .with_context(|| format!("cannot create {}", a.export_dir.display()))?;
    let size = std::fs::metadata(&a.path).map(|m| m.len()).unwrap_or(0);
    let bar = progress_bar(size);
    if let Some(pb) = bar.clone() {
        // Compressed files decompress to more bytes than their size; the bar
        // then simply fills early.
        r.engine.progress = Some(Arc::new(move |b| pb.set_position(b.min(size))));
    }
    let started = Instant::now();
    let export_dir = a.export_dir.clone();
    let summary = actix_rt::System::new().block_on(async move {
        let engine = Engine::start(r.engine)?;
        let summary = replay_and_export(&engine, &export_dir).await;
        engine.shutdown().await;
        summary
    });
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    let s = summary?;
    let wall = started.elapsed().as_secs_f64();
    let reasons: Vec<String> = s
        .by_reason
        .iter()
        .map(|(r, n)| format!("{r}={n}"))
        .collect();
    println!(
        "replayed {} ticks, {} symbols, {} drops{}, {wall:.3} s, {:.0} ticks/s",
        s.ticks,
        s.symbols,
        s.drops,
        if reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", reasons.join(" "))
        },
        s.ticks as f64 / wall.max(1e-9)
    );
    Ok(())
}

/// A progress bar on a terminal; nothing in a pipe or a log.
fn progress_bar(size: u64) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = ProgressBar::new(size);
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} {bytes}/{total_bytes} {bar:40} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    Some(pb)
}

/// What a replay took in and dropped.
struct Summary {
    ticks: u64,
    symbols: usize,
    drops: u64,
    by_reason: std::collections::BTreeMap<spreadwatch_proto::DropReason, u64>,
}

/// Waits for the file to end, then writes every interval's bars.
async fn replay_and_export(engine: &Engine, dir: &std::path::Path) -> Result<Summary> {
    let h = engine.handle();
    h.source_finished().await;
    h.close_forming().await;
    let status = h.status();
    let src = status.sources.get("replay").cloned().unwrap_or_default();
    if src.state != FeedState::Finished {
        anyhow::bail!(
            "replay failed: {}",
            src.last_error.unwrap_or_else(|| "unknown error".into())
        );
    }
    for iv in Interval::ALL {
        let bars = h.all_bars(iv).await?;
        let path = dir.join(format!("bars_{iv}.csv"));
        let f = File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
        write_bars_csv(BufWriter::new(f), &bars)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let ticks: u64 = status.symbols.values().map(|s| s.ticks).sum();
    let refused: u64 = status
        .symbols
        .values()
        .map(|s| s.duplicates + s.too_late)
        .sum();
    Ok(Summary {
        ticks,
        symbols: status.symbols.len(),
        drops: src.drops.values().sum::<u64>() + refused,
        by_reason: src.drops,
    })
}
