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
    let bar = if std::io::stderr().is_terminal() {
        let pb = ProgressBar::new(size);
        pb.set_style(
            ProgressStyle::with_template(
                "{spinner} {bytes}/{total_bytes} {bar:40} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(pb)
    } else {
        None
    };
    if let Some(pb) = bar.clone() {
        // Compressed files decompress to more bytes than their size; the bar
        // then simply fills early.
        r.engine.progress = Some(Arc::new(move |b| pb.set_position(b.min(size))));
    }
    let started = Instant::now();
    let summary = actix_rt::System::new().block_on(async move {
        let engine = Engine::start(r.engine)?;
        let h = engine.handle();
        h.source_finished().await;
        h.flush().await;
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
            let path = a.export_dir.join(format!("bars_{iv}.csv"));
            let f =
                File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
            write_bars_csv(BufWriter::new(f), &bars)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        let ticks: u64 = status.symbols.values().map(|s| s.ticks).sum();
        let drops: u64 = src.drops.values().sum::<u64>()
            + status
                .symbols
                .values()
                .map(|s| s.duplicates + s.too_late)
                .sum::<u64>();
        engine.shutdown().await;
        Ok((ticks, status.symbols.len(), drops, src.drops))
    });
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    let (ticks, symbols, drops, by_reason) = summary?;
    let wall = started.elapsed().as_secs_f64();
    let reasons: Vec<String> = by_reason.iter().map(|(r, n)| format!("{r}={n}")).collect();
    println!(
        "replayed {ticks} ticks, {symbols} symbols, {drops} drops{}, {wall:.3} s, {:.0} ticks/s",
        if reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", reasons.join(" "))
        },
        ticks as f64 / wall.max(1e-9)
    );
    Ok(())
}
