//! The TCP connection under a WebSocket session, and the watchdog that
//! resets it when the client went silent or the session ended and the
//! connection did not.
//!
//! actix polls a session only while the socket takes more bytes: a client
//! that stops reading (or half-closes) freezes its session, heartbeat timer
//! included, and a session that stopped leaves its connection waiting on a
//! flush that never comes. So each connection records its socket (installed
//! by [`on_connect`]), and a watchdog task on the worker thread, which runs
//! whether or not the session can, resets the connection once the client
//! has been silent for the heartbeat timeout, or a few seconds after the
//! session stopped. The reset wakes the dispatcher with an error, which
//! drops the connection and frees what was queued for the client.

use std::any::Any;
use std::cell::Cell;
use std::net::Shutdown;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::rc::{Rc, Weak};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::Extensions;
use actix_web::HttpRequest;

use super::hub::HubMetrics;

/// An accepted connection's socket, and a token that lives exactly as
/// long as the connection: while it does, the descriptor is this
/// connection's (no second descriptor is held, so none can outlive it).
struct ConnSock {
    fd: RawFd,
    alive: Rc<()>,
}

/// Records each plain TCP connection's socket; pass it to
/// `HttpServer::on_connect`.
pub fn on_connect(io: &dyn Any, ext: &mut Extensions) {
    if let Some(tcp) = io.downcast_ref::<actix_web::rt::net::TcpStream>() {
        ext.insert(ConnSock {
            fd: tcp.as_raw_fd(),
            alive: Rc::new(()),
        });
    }
}

/// How often the watchdog looks.
const WATCH_EVERY: Duration = Duration::from_secs(1);
/// How long past the timeout the watchdog waits for a session that can
/// run to close with a reason itself (it looks every second).
const SILENT_GRACE: Duration = Duration::from_secs(1);
/// How long a connection may outlive its session (the close frame being
/// flushed) before it is reset.
const AFTER_STOP: Duration = Duration::from_secs(5);

/// When a session's client was last heard, and the means to drop it.
pub struct Liveness {
    heard: Cell<Instant>,
    sock: Option<(RawFd, Weak<()>)>,
    dropped: Cell<bool>,
    stopped: Cell<Option<Instant>>,
    metrics: Arc<HubMetrics>,
}

impl Liveness {
    /// The liveness of the connection `req` came on. Without a socket
    /// record (an app mounted elsewhere, TLS) only the session's own
    /// heartbeat acts.
    pub fn new(req: &HttpRequest, metrics: Arc<HubMetrics>) -> Rc<Self> {
        Rc::new(Liveness {
            heard: Cell::new(Instant::now()),
            sock: req
                .conn_data::<ConnSock>()
                .map(|c| (c.fd, Rc::downgrade(&c.alive))),
            dropped: Cell::new(false),
            stopped: Cell::new(None),
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

    /// Counts the client as dropped for silence, once.
    pub fn drop_silent(&self) {
        if !self.dropped.replace(true) {
            self.metrics.dropped_silent.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Notes that the session stopped: its connection has [`AFTER_STOP`]
    /// to close by itself.
    pub fn session_stopped(&self) {
        self.stopped.set(Some(Instant::now()));
    }

    /// Resets the connection if it is still open, discarding what is
    /// queued for the client (linger 0 makes the close a reset).
    fn reset(&self) {
        let Some((fd, alive)) = &self.sock else {
            return;
        };
        // The connection holds `alive` until it closes its descriptor, and
        // this runs on the connection's own thread: the descriptor is open.
        if alive.strong_count() > 0 {
            // SAFETY: see above; the borrow ends before this returns.
            let fd = unsafe { BorrowedFd::borrow_raw(*fd) };
            let sock = socket2::SockRef::from(&fd);
            let _ = sock.set_linger(Some(Duration::ZERO));
            let _ = sock.shutdown(Shutdown::Both);
        }
    }

    /// What the watchdog does now: nothing, reset, or stop watching.
    fn check(&self, timeout: Duration) -> Watch {
        let open = self
            .sock
            .as_ref()
            .is_some_and(|(_, a)| a.strong_count() > 0);
        if !open {
            return Watch::Done;
        }
        match self.stopped.get() {
            Some(at) if at.elapsed() > AFTER_STOP => Watch::Reset,
            Some(_) => Watch::Wait,
            None if self.silent_for() > timeout + SILENT_GRACE => {
                self.drop_silent();
                Watch::Reset
            }
            None => Watch::Wait,
        }
    }

    /// Watches the connection on the current worker thread until it
    /// closes, resetting it once the client is silent for `timeout` (the
    /// session could not act) or the session stopped and it stayed open.
    pub fn watch(self: &Rc<Self>, timeout: Duration) {
        if self.sock.is_none() {
            return;
        }
        let me = self.clone();
        actix_rt::spawn(async move {
            let mut tick = actix_rt::time::interval(WATCH_EVERY);
            loop {
                tick.tick().await;
                match me.check(timeout) {
                    Watch::Wait => {}
                    Watch::Done => return,
                    Watch::Reset => {
                        tracing::info!("resetting a WebSocket connection: client silent or gone");
                        me.reset();
                        return;
                    }
                }
            }
        });
    }
}

/// The watchdog's decision at one look.
enum Watch {
    Wait,
    Reset,
    Done,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// A connected pair on loopback: the server's side and the client's.
    fn pair() -> (std::net::TcpStream, std::net::TcpStream) {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        (l.accept().unwrap().0, client)
    }

    fn liveness(server: &std::net::TcpStream, alive: &Rc<()>) -> Liveness {
        Liveness {
            heard: Cell::new(Instant::now()),
            sock: Some((server.as_raw_fd(), Rc::downgrade(alive))),
            dropped: Cell::new(false),
            stopped: Cell::new(None),
            metrics: Arc::new(HubMetrics::default()),
        }
    }

    fn ago(s: u64) -> Instant {
        Instant::now() - Duration::from_secs(s)
    }

    #[test]
    fn the_watchdog_waits_then_resets_a_silent_or_orphaned_connection() {
        let (server, mut client) = pair();
        let alive = Rc::new(());
        let live = liveness(&server, &alive);
        let timeout = Duration::from_secs(15);
        assert!(matches!(live.check(timeout), Watch::Wait));
        // Silent past the timeout, when a running session would have closed
        // (so this one could not act): counted, reset.
        live.heard
            .set(Instant::now() - Duration::from_millis(15_500));
        assert!(matches!(live.check(timeout), Watch::Wait));
        live.heard.set(ago(17));
        assert!(matches!(live.check(timeout), Watch::Reset));
        assert_eq!(live.metrics.dropped_silent.load(Ordering::Relaxed), 1);
        // A session that stopped gives its connection AFTER_STOP to close.
        live.heard.set(Instant::now());
        live.stopped.set(Some(ago(1)));
        assert!(matches!(live.check(timeout), Watch::Wait));
        live.stopped.set(Some(ago(6)));
        assert!(matches!(live.check(timeout), Watch::Reset));
        // The reset shuts the connection down both ways: nothing more can
        // be written (the dispatcher wakes on that and drops it) and the
        // client reaches the end.
        live.reset();
        assert!(std::io::Write::write_all(&mut &server, b"more").is_err());
        let mut rest = Vec::new();
        let _ = client.read_to_end(&mut rest);
        assert!(rest.is_empty(), "{rest:?}");
        // Once the connection is gone, the watchdog stops and touches nothing.
        drop(alive);
        assert!(matches!(live.check(timeout), Watch::Done));
        live.reset();
    }
}
