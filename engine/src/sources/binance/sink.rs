//! Where a shard's frames go: the ingest path ([`FeedWriter`]) or the
//! recorder.

use std::future::Future;
use std::time::Duration;

use crate::sources::feed::FeedWriter;

/// Something that consumes raw frames: the ingest path or the recorder.
pub trait FrameSink: Send {
    /// Handles one frame received at `recv_us` (µs since the epoch).
    fn frame(&mut self, text: &[u8], recv_us: i64);
    /// Sends or writes what is buffered.
    fn flush(&mut self) -> impl Future<Output = ()> + Send;
    /// Symbols with no trade for `after`.
    fn silent_symbols(&self, after: Duration) -> Vec<String>;
    /// Gaps in the ids found since the last call: (symbol, first, last).
    fn take_gaps(&mut self) -> Vec<(String, u64, u64)> {
        Vec::new()
    }
    /// Trades recovered from REST for a gap, and whether it is now whole.
    fn backfilled(&mut self, _symbol: &str, _ticks: &[crate::core::Tick], _complete: bool) {}
}

impl FrameSink for FeedWriter {
    fn frame(&mut self, text: &[u8], recv_us: i64) {
        self.handle(text, Some(recv_us / 1000));
    }
    async fn flush(&mut self) {
        FeedWriter::flush(self).await
    }
    fn silent_symbols(&self, after: Duration) -> Vec<String> {
        FeedWriter::silent_symbols(self, after)
    }
    fn take_gaps(&mut self) -> Vec<(String, u64, u64)> {
        FeedWriter::take_gaps(self)
    }
    fn backfilled(&mut self, symbol: &str, ticks: &[crate::core::Tick], complete: bool) {
        FeedWriter::backfilled(self, symbol, ticks, complete)
    }
}
