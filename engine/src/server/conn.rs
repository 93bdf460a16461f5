//! The TCP connection under a WebSocket session, and the watchdog that
//! drops it when the client went silent.
//!
//! actix polls a session only while the socket takes more bytes: a client
//! that stops reading (or half-closes) freezes its session, heartbeat timer
//! included, and `ctx.stop()` would wait on a flush that never comes. So each
//! connection keeps a duplicate of its socket (installed by [`on_connect`]),
//! and a watchdog task on the worker thread, which runs whether or not the
//! session can, resets the connection once the client has been silent for the
//! heartbeat timeout. The reset wakes the dispatcher with an error, which
//! drops the session and frees what was queued for the client.

use std::any::Any;
use std::cell::Cell;
use std::net::Shutdown;
use std::rc::{Rc, Weak};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::Extensions;
use actix_web::HttpRequest;

use super::hub::HubMetrics;

/// A duplicate of an accepted connection's socket, kept in its connection
/// data so handlers can shut the connection down from outside.
struct ConnSock(Rc<socket2::Socket>);

/// Keeps a handle to each plain TCP connection; pass it to
/// `HttpServer::on_connect`.
pub fn on_connect(io: &dyn Any, ext: &mut Extensions) {
    let Some(tcp) = io.downcast_ref::<actix_web::rt::net::TcpStream>() else {
        return;
    };
    if let Ok(dup) = socket2::SockRef::from(tcp).try_clone() {
        ext.insert(ConnSock(Rc::new(dup)));
    }
}

/// How often the watchdog looks.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// When a session's client was last heard, and the means to drop it.
pub struct Liveness {
    heard: Cell<Instant>,
    sock: Option<Weak<socket2::Socket>>,
    dropped: Cell<bool>,
    metrics: Arc<HubMetrics>,
}

impl Liveness {
    /// The liveness of the connection `req` came on. Without a socket handle
    /// (an app mounted elsewhere, TLS) only the session's own heartbeat acts.
    pub fn new(req: &HttpRequest, metrics: Arc<HubMetrics>) -> Rc<Self> {
        Rc::new(Liveness {
            heard: Cell::new(Instant::now()),
            sock: req.conn_data::<ConnSock>().map(|c| Rc::downgrade(&c.0)),
            dropped: Cell::new(false),
            metrics,
        })
    }

    /// Notes a frame from the client.
    pub fn hear(&self) {
        self.heard.set(Instant::now());
    }

    /// How long the client has been silent.
    pub fn silent_for(&self) -> Duration {
        self.heard.get().elapsed()
    }

    /// Drops the client for silence: counted once, and the connection reset
    /// so the bytes queued for it are freed at once.
    pub fn drop_silent(&self) {
        if self.dropped.replace(true) {
            return;
        }
        self.metrics.dropped_silent.fetch_add(1, Ordering::Relaxed);
        if let Some(s) = self.sock.as_ref().and_then(Weak::upgrade) {
            // Linger 0 makes the last close a reset, discarding the send queue.
            let _ = s.set_linger(Some(Duration::ZERO));
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// Watches the connection on the current worker thread until it closes,
    /// dropping the client once silent for `timeout`.
    pub fn watch(self: &Rc<Self>, timeout: Duration) {
        let Some(sock) = self.sock.clone() else {
            return;
        };
        let me = Rc::downgrade(self);
        actix_rt::spawn(async move {
            let mut tick = actix_rt::time::interval(WATCH_EVERY);
            loop {
                tick.tick().await;
                let Some(me) = me.upgrade().filter(|_| sock.strong_count() > 0) else {
                    return;
                };
                if me.dropped.get() {
                    return;
                }
                if me.silent_for() > timeout {
                    tracing::info!("dropping a WebSocket client silent for {timeout:?}");
                    me.drop_silent();
                    return;
                }
            }
        });
    }
}
