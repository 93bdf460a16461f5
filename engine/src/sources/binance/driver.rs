//! The async side of a shard: connections, the sink, the board and the
//! gap filler. Every decision is the [`Shard`]'s; this only carries its
//! commands out and feeds it what happened.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use spreadwatch_proto::FeedState;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::connection::{connection, Backoff, ConnEvent};
use super::shard::{Cmd, ConnId, Event, Shard, Timing};
use super::{stream_url, BinanceConfig, FrameSink, DEFAULT_BASE_URL};
use crate::sources::backfill::{self, Filled, Gap, Rest};
use crate::status::{sym_entry, SourceBoard};

/// Events taken from the queue before the sink is flushed once.
const BATCH: usize = 1024;

/// Carries out one shard's commands.
pub(super) struct Driver<'a, S: FrameSink> {
    cfg: BinanceConfig,
    url: String,
    sink: &'a mut S,
    board: SourceBoard,
    stop: CancellationToken,
    shard: Shard,
    tokens: HashMap<ConnId, CancellationToken>,
    tx: mpsc::Sender<ConnEvent>,
    gaps: Option<mpsc::Sender<Gap>>,
}

impl<'a, S: FrameSink> Driver<'a, S> {
    /// Creates the driver; its first connection opens on the first tick.
    pub(super) fn new(
        cfg: BinanceConfig,
        sink: &'a mut S,
        board: SourceBoard,
        stop: CancellationToken,
        tx: mpsc::Sender<ConnEvent>,
        gaps: Option<mpsc::Sender<Gap>>,
    ) -> Self {
        let timing = Timing {
            silent_after: cfg.silent_after,
            max_age: cfg.max_age,
            overlap: cfg.overlap,
        };
        let backoff = Backoff::new(cfg.backoff_min, cfg.backoff_max, cfg.jitter);
        board.update(|s| {
            for sym in &cfg.symbols {
                sym_entry(s, sym.as_str());
            }
        });
        Driver {
            url: stream_url(&cfg.base_url, &cfg.symbols, cfg.kind),
            shard: Shard::new(timing, backoff, Instant::now()),
            cfg,
            sink,
            board,
            stop,
            tokens: HashMap::new(),
            tx,
            gaps,
        }
    }

    /// When the next connection is due, if one is.
    pub(super) fn reconnect_at(&self) -> Option<Instant> {
        self.shard.reconnect_at()
    }

    /// Checks the shard's clocks.
    pub(super) fn tick(&mut self) {
        let silent_after = self.cfg.silent_after;
        let sink = &*self.sink;
        let cmds = self
            .shard
            .on_tick(Instant::now(), || sink.silent_symbols(silent_after));
        self.execute(cmds);
    }

    /// Handles `first` and whatever else is queued (up to a batch), then
    /// flushes the sink once and asks for the gaps it found.
    pub(super) async fn events(&mut self, first: ConnEvent, rx: &mut mpsc::Receiver<ConnEvent>) {
        let mut next = Some(first);
        let mut handled = 0;
        while let Some(ev) = next.take() {
            self.event(ev);
            handled += 1;
            if handled < BATCH {
                next = rx.try_recv().ok();
            }
        }
        self.sink.flush().await;
        self.send_gaps();
    }

    /// Hands REST's trades for a gap to the sink.
    pub(super) async fn filled(&mut self, f: Filled) {
        let Gap {
            symbol, from, to, ..
        } = &f.gap;
        if let Some(e) = &f.error {
            tracing::warn!(symbol = %symbol, "gap {from}..={to} not filled: {e}");
            self.board
                .update(|s| s.last_error = Some(format!("backfill {symbol}: {e}")));
        } else {
            tracing::info!(symbol = %symbol, "gap {from}..={to} filled from REST");
        }
        self.sink.backfilled(symbol, &f.ticks, f.error.is_none());
        self.sink.flush().await;
    }

    /// Closes every connection and flushes what is left.
    pub(super) async fn finish(mut self) {
        let cmds = self.shard.stop();
        self.execute(cmds);
        self.sink.flush().await;
        self.board.set_state(FeedState::Stopped);
    }

    fn event(&mut self, ev: ConnEvent) {
        if self.stop.is_cancelled() {
            let cmds = self.shard.stop();
            self.execute(cmds);
        }
        let ev = match ev {
            ConnEvent::Connected(id) => Event::Connected(id),
            ConnEvent::Frame(id, text, recv_us) => {
                self.sink.frame(&text, recv_us);
                Event::Data(id)
            }
            ConnEvent::Ping => return self.board.update(|s| s.pongs += 1),
            ConnEvent::Closed(id, reason) => {
                self.tokens.remove(&id);
                Event::Closed(id, reason)
            }
        };
        let cmds = self.shard.on_event(ev, Instant::now());
        self.execute(cmds);
    }

    fn send_gaps(&mut self) {
        for (symbol, from, to) in self.sink.take_gaps() {
            let gap = Gap {
                symbol: symbol.clone(),
                kind: self.cfg.kind,
                from,
                to,
            };
            let sent = self
                .gaps
                .as_ref()
                .is_some_and(|tx| tx.try_send(gap).is_ok());
            if !sent {
                self.sink.backfilled(&symbol, &[], false);
            }
        }
    }

    fn execute(&mut self, cmds: Vec<Cmd>) {
        for cmd in cmds {
            match cmd {
                Cmd::Open(id) => self.open(id),
                Cmd::Close(id) => {
                    if let Some(t) = self.tokens.remove(&id) {
                        t.cancel();
                    }
                }
                Cmd::State(s) => self.board.set_state(s),
                Cmd::Streams { silent, newly } => self.flag_streams(&silent, &newly),
                other => self.report(other),
            }
        }
    }

    fn open(&mut self, id: ConnId) {
        let child = self.stop.child_token();
        self.tokens.insert(id, child.clone());
        let (url, timeout) = (self.url.clone(), self.cfg.connect_timeout);
        tokio::spawn(connection(id, url, timeout, self.tx.clone(), child));
    }

    /// Logs and counts what only needs telling.
    fn report(&self, cmd: Cmd) {
        let url = &self.url;
        match cmd {
            Cmd::Connected(id) => {
                self.board.update(|s| s.connects += 1);
                tracing::info!(url = %url, conn = id, "connected");
            }
            Cmd::Reconnect { reason, delay } => {
                tracing::warn!(url = %url, "{reason}; reconnecting in {delay:?}");
                self.board.update(|s| {
                    s.reconnects += 1;
                    s.last_error = Some(reason);
                });
            }
            Cmd::Silent { .. } => {
                let msg = format!(
                    "connected to {url} but no data for {:?}: wrong route or stalled feed (USD-M streams live under {DEFAULT_BASE_URL})",
                    self.cfg.silent_after
                );
                tracing::error!("{msg}");
                self.board.update(|s| {
                    s.last_error = Some(msg);
                    s.reconnects += 1;
                });
            }
            Cmd::RollOver(_) => tracing::info!(url = %url, "rolling over before the 24 h limit"),
            Cmd::SuccessorFailed { id, reason } => {
                tracing::warn!(conn = id, "rollover connection failed: {reason}")
            }
            Cmd::Open(_) | Cmd::Close(_) | Cmd::State(_) | Cmd::Streams { .. } => {}
        }
    }

    /// Streams that stay silent while the connection is healthy.
    fn flag_streams(&self, silent: &[String], newly: &[String]) {
        self.board.update(|s| {
            for sym in s.symbols.values_mut() {
                if sym.state == FeedState::Silent {
                    sym.state = FeedState::Live;
                }
            }
            for name in silent {
                sym_entry(s, name).state = FeedState::Silent;
            }
        });
        for name in newly {
            tracing::warn!(symbol = %name, "stream silent for {:?}", self.cfg.silent_after);
        }
    }
}

/// Starts the gap filler when a REST base is set.
pub(super) fn spawn_backfill(
    cfg: &BinanceConfig,
    stop: &CancellationToken,
) -> (Option<mpsc::Sender<Gap>>, Option<mpsc::Receiver<Filled>>) {
    let Some(url) = &cfg.rest_url else {
        return (None, None);
    };
    let rest = Rest {
        url: url.clone(),
        api_key: cfg.api_key.clone(),
    };
    let (gaps, filled) = backfill::spawn(rest, stop.clone());
    (Some(gaps), Some(filled))
}

/// How often the shard's clocks are checked.
pub(super) const TICK: Duration = Duration::from_millis(200);
