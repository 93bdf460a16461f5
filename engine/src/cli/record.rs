//! `spreadwatch record --symbols … --out FILE[.gz]`.

use std::time::Duration;

use anyhow::{Context, Result};
use spreadwatch_engine::sources::binance::{
    install_crypto, run_shard, BinanceConfig, FrameSink, MAX_STREAMS_PER_CONNECTION,
};
use spreadwatch_engine::sources::frame::{parse_frame, Frame};
use spreadwatch_engine::sources::record::Recorder;
use spreadwatch_engine::status::StatusBoard;
use tokio_util::sync::CancellationToken;

use super::args::{resolve, RecordArgs};

/// Writes frames as received, minus the overlap of two connections.
struct RecordSink {
    rec: Recorder,
    last: std::collections::HashMap<String, u64>,
    error: Option<std::io::Error>,
}

impl FrameSink for RecordSink {
    fn frame(&mut self, text: &[u8], recv_us: i64) {
        if let Frame::Trade(t) = parse_frame(text) {
            let last = self.last.entry(t.symbol.to_string()).or_insert(0);
            if t.tick.id <= *last {
                return;
            }
            *last = t.tick.id;
        }
        if let Err(e) = self.rec.write(text, recv_us) {
            self.error.get_or_insert(e);
        }
    }
    async fn flush(&mut self) {
        if let Err(e) = self.rec.flush() {
            self.error.get_or_insert(e);
        }
    }
    fn silent_symbols(&self, _: Duration) -> Vec<String> {
        Vec::new()
    }
}

pub fn run(a: RecordArgs) -> Result<()> {
    let r = resolve(&a.pipeline, None, None, None, None)?;
    anyhow::ensure!(!r.engine.symbols.is_empty(), "record needs --symbols");
    // One file is written from one connection, and Binance serves at most
    // this many streams on one.
    anyhow::ensure!(
        r.engine.symbols.len() <= MAX_STREAMS_PER_CONNECTION,
        "record takes at most {MAX_STREAMS_PER_CONNECTION} symbols (one Binance connection), got {}; \
         run one recorder per {MAX_STREAMS_PER_CONNECTION} symbols",
        r.engine.symbols.len()
    );
    install_crypto();
    let rec = Recorder::create(&a.out)?;
    let cfg = BinanceConfig {
        symbols: r.engine.symbols.clone(),
        kind: r.engine.stream,
        ..r.engine.binance.clone()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let sink = rt.block_on(async move {
        let stop = CancellationToken::new();
        let s2 = stop.clone();
        let limit = a.duration;
        tokio::spawn(async move {
            match limit {
                Some(d) => tokio::select! { _ = tokio::time::sleep(d) => {}, _ = super::shutdown_signal() => {} },
                None => super::shutdown_signal().await,
            }
            s2.cancel();
        });
        let board = StatusBoard::new().source("binance", "binance", &cfg.base_url, false);
        let mut sink = RecordSink { rec, last: Default::default(), error: None };
        run_shard(cfg, &mut sink, board, stop).await;
        sink
    });
    if let Some(e) = sink.error {
        return Err(e).context(format!("writing {}", a.out.display()));
    }
    let lines = sink.rec.lines();
    sink.rec
        .finish()
        .with_context(|| format!("closing {}", a.out.display()))?;
    println!("recorded {lines} frames to {}", a.out.display());
    Ok(())
}
