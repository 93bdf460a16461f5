//! One actix-web-actors session per WebSocket connection. This is the only
//! module that knows actix-web-actors, so it can be swapped for another
//! WebSocket layer later.
//!
//! Life cycle: on start the session reads the hub's ring and sends a
//! `snapshot`; then every matching delta, each with the next `seq`. The
//! server pings every 5 s and drops a client silent for 15 s. Client frames
//! are limited to 64 KiB and to 50 a second (bursts of 100); abuse closes the
//! session with a reason.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web_actors::ws;
use spreadwatch_proto::{PairId, ServerBody, ServerMsg, Subscription, Symbol};

use super::cmd::{self, Outcome};
use super::conn::Liveness;
use super::hub::{conflate, Hub, Topic, WireEvent};
use super::interest::Registration;
use super::rejects::Reject;
use super::ring_reader::{batches, HubBatch};
use super::snapshot::build_snapshot;
pub use super::subscription::{resolve_subscription, MAX_SUB_SYMBOLS};
use crate::EngineHandle;

/// Server pings this often.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// A client silent this long is dropped.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);
/// Largest client frame.
pub const MAX_FRAME: usize = 64 * 1024;
/// Client messages per second, sustained.
pub const RATE_PER_SEC: f64 = 50.0;
/// Client message burst.
pub const RATE_BURST: f64 = 100.0;

/// Symbols not tracked yet that one session's subscription registers.
const MAX_UNTRACKED: usize = 16;

/// The state of one WebSocket connection.
pub struct WsSession {
    engine: EngineHandle,
    hub: Hub,
    sub: Subscription,
    /// Keeps the hub serialising what `sub` asks for while the session lives.
    interest: Option<Registration>,
    seq: u64,
    live: std::rc::Rc<Liveness>,
    /// A text message arriving in fragments, until its last frame.
    fragments: Option<Vec<u8>>,
    tokens: f64,
    refilled: Instant,
}

impl WsSession {
    /// A session with an initial subscription, on the connection `req`
    /// came on.
    pub fn new(
        req: &actix_web::HttpRequest,
        engine: EngineHandle,
        hub: Hub,
        sub: Subscription,
    ) -> Self {
        let live = Liveness::new(req, hub.metrics().clone());
        WsSession {
            engine,
            hub,
            sub,
            interest: None,
            seq: 0,
            live,
            fragments: None,
            tokens: RATE_BURST,
            refilled: Instant::now(),
        }
    }

    /// True when this session is sent event `e`. A pair that is only
    /// watched gets its committed stats, alerts and parameters, not every
    /// provisional update (a watchlist row needs one a bar, and 32 busy
    /// pairs' ticks would swamp a browser; a pair sampled by tick commits
    /// every trade, so its watchers get those), and never its resets.
    fn wants(&self, e: &WireEvent) -> bool {
        let shown = |p: &PairId| self.sub.pair.as_ref() == Some(p);
        match &e.topic {
            Topic::Bar(s, iv) => {
                self.sub.interval.is_some_and(|i| i == *iv) && self.sub.symbols.contains(s)
            }
            Topic::Pair(p) => shown(p) || (!e.conflate && self.sub.watch.contains(p)),
            Topic::Reset(p) => shown(p),
            Topic::Status => true,
            Topic::Scan => self.sub.scan,
        }
    }

    /// Registers the subscription's topics with the hub: the tracked
    /// symbols, and up to [`MAX_UNTRACKED`] not tracked yet (a replay or an
    /// `ingest` caller starts tracking a symbol at its first trade, and its
    /// bars must reach whoever asked before). The cap keeps a client naming
    /// a thousand made-up symbols from loading the table the actor threads
    /// read on every update.
    fn register(&mut self) {
        let tracked: std::collections::HashSet<Symbol> =
            self.engine.symbols().into_iter().collect();
        let mut sub = self.sub.clone();
        let mut untracked = 0;
        sub.symbols.retain(|s| {
            tracked.contains(s) || {
                untracked += 1;
                untracked <= MAX_UNTRACKED
            }
        });
        self.interest = Some(self.hub.register(&sub));
    }

    fn send_body(&mut self, ctx: &mut ws::WebsocketContext<Self>, body: ServerBody) {
        self.seq += 1;
        if let Ok(s) = serde_json::to_string(&ServerMsg {
            seq: self.seq,
            body,
        }) {
            ctx.text(s);
            self.hub.metrics().frames.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn send_raw(&mut self, ctx: &mut ws::WebsocketContext<Self>, json: &[u8]) {
        if json.len() < 2 {
            return;
        }
        self.seq += 1;
        // `{"seq":N,` + the pre-serialised body without its opening brace.
        let mut s = String::with_capacity(json.len() + 24);
        let _ = write!(s, "{{\"seq\":{},", self.seq);
        s.push_str(std::str::from_utf8(&json[1..]).unwrap_or("}"));
        ctx.text(s);
        self.hub.metrics().frames.fetch_add(1, Ordering::Relaxed);
    }

    fn send_snapshot(&mut self, ctx: &mut ws::WebsocketContext<Self>, resync: bool) {
        if resync {
            self.hub.metrics().resyncs.fetch_add(1, Ordering::Relaxed);
        }
        let fut = build_snapshot(
            self.engine.clone(),
            self.hub.clone(),
            self.sub.clone(),
            resync,
        );
        // Deltas wait until the snapshot is out, so it is always first.
        ctx.wait(
            fut.into_actor(self)
                .map(|body, act, ctx| act.send_body(ctx, body)),
        );
    }

    fn error(&mut self, ctx: &mut ws::WebsocketContext<Self>, message: String) {
        self.hub.metrics().rejected.count(Reject::WsMessage);
        self.send_body(ctx, ServerBody::Error { message });
    }

    fn handle_client(&mut self, ctx: &mut ws::WebsocketContext<Self>, text: &str) {
        let msg = match cmd::parse(text) {
            Ok(m) => m,
            Err(e) => return self.error(ctx, e),
        };
        match cmd::apply(msg, &self.engine, self.hub.leases(), self.sub.pair.as_ref()) {
            Outcome::Reply(body) => self.send_body(ctx, *body),
            Outcome::Subscribe(sub) => {
                self.sub = sub;
                self.register();
                self.send_snapshot(ctx, false);
            }
            Outcome::Later(work) => {
                ctx.spawn(work.into_actor(self).map(|r, act, ctx| {
                    if let Err(e) = r {
                        act.error(ctx, e);
                    }
                }));
            }
            Outcome::Refuse(e) => self.error(ctx, e),
        }
    }
}

impl Actor for WsSession {
    type Context = ws::WebsocketContext<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.hub.metrics().clients.fetch_add(1, Ordering::Relaxed);
        // The watchdog acts when this session cannot run (the client stopped
        // reading); the interval below, when it can.
        self.live.watch(CLIENT_TIMEOUT);
        ctx.run_interval(HEARTBEAT, |_, ctx| ctx.ping(b"sw"));
        // Looked at every second, so a session that can run closes with a
        // reason before the watchdog (a second later) would reset it.
        ctx.run_interval(Duration::from_secs(1), |act, ctx| {
            if act.live.silent_for() > CLIENT_TIMEOUT {
                act.live.drop_silent();
                ctx.close(Some(ws::CloseReason {
                    code: ws::CloseCode::Away,
                    description: Some("heartbeat timeout".into()),
                }));
                ctx.stop();
            }
        });
        self.register();
        ctx.add_stream(batches(self.hub.subscribe()));
        self.send_snapshot(ctx, false);
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        self.hub.metrics().clients.fetch_sub(1, Ordering::Relaxed);
        // A client that stopped reading would hold the connection open
        // behind the close frame: the watchdog resets it if so.
        self.live.session_stopped();
    }
}

impl StreamHandler<HubBatch> for WsSession {
    fn handle(&mut self, b: HubBatch, ctx: &mut Self::Context) {
        let events = match b {
            HubBatch::Lagged => return self.send_snapshot(ctx, true),
            HubBatch::Events(e) => e,
        };
        let m = self.hub.metrics().clone();
        m.max_backlog
            .fetch_max(events.len() as u64, Ordering::Relaxed);
        let mine: Vec<_> = events.into_iter().filter(|e| self.wants(e)).collect();
        // A pair that rebuilt its history needs a fresh snapshot, after the
        // deltas before it (its `params` frame among them).
        let reset = mine.iter().any(|e| matches!(e.topic, Topic::Reset(_)));
        let (mine, dropped) = conflate(mine);
        m.conflated.fetch_add(dropped, Ordering::Relaxed);
        {
            let mut lat = m.latency_us.lock();
            for e in mine.iter().filter(|e| !matches!(e.topic, Topic::Reset(_))) {
                self.send_raw(ctx, &e.json);
                let _ = lat.record(e.origin.elapsed().as_micros().max(1) as u64);
            }
        }
        if reset {
            self.send_snapshot(ctx, false);
        }
    }

    fn finished(&mut self, ctx: &mut Self::Context) {
        ctx.stop();
    }
}

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for WsSession {
    fn handle(&mut self, msg: Result<ws::Message, ws::ProtocolError>, ctx: &mut Self::Context) {
        self.live.hear();
        let msg = match msg {
            Ok(m) => m,
            Err(ws::ProtocolError::Overflow) => {
                self.hub.metrics().rejected.count(Reject::WsTooLarge);
                ctx.close(Some(ws::CloseReason {
                    code: ws::CloseCode::Size,
                    description: Some(format!("frame larger than {MAX_FRAME} bytes")),
                }));
                return ctx.stop();
            }
            Err(e) => {
                ctx.close(Some(ws::CloseReason {
                    code: ws::CloseCode::Protocol,
                    description: Some(e.to_string()),
                }));
                return ctx.stop();
            }
        };
        // Every frame the client starts counts; only the pongs answering
        // the server's pings and the close are free.
        if !matches!(
            msg,
            ws::Message::Pong(_) | ws::Message::Close(_) | ws::Message::Nop
        ) {
            let now = Instant::now();
            self.tokens = (self.tokens
                + now.duration_since(self.refilled).as_secs_f64() * RATE_PER_SEC)
                .min(RATE_BURST);
            self.refilled = now;
            if self.tokens < 1.0 {
                self.hub.metrics().rejected.count(Reject::WsRateLimited);
                ctx.close(Some(ws::CloseReason {
                    code: ws::CloseCode::Policy,
                    description: Some("rate limit exceeded: at most 50 messages a second".into()),
                }));
                return ctx.stop();
            }
            self.tokens -= 1.0;
        }
        match msg {
            ws::Message::Ping(p) => ctx.pong(&p),
            ws::Message::Pong(_) | ws::Message::Nop => {}
            ws::Message::Continuation(item) => self.continuation(ctx, item),
            ws::Message::Text(t) => self.handle_client(ctx, &t),
            ws::Message::Binary(_) => self.error(
                ctx,
                "binary frames are not supported; send JSON text".into(),
            ),
            ws::Message::Close(r) => {
                ctx.close(r);
                ctx.stop();
            }
        }
    }
}

impl WsSession {
    /// Gathers a message sent in fragments (RFC 6455 5.4) and handles it
    /// whole; together the fragments are held to [`MAX_FRAME`].
    fn continuation(&mut self, ctx: &mut ws::WebsocketContext<Self>, item: actix_http::ws::Item) {
        use actix_http::ws::Item;
        let (first, last, bytes) = match item {
            Item::FirstText(b) => (true, false, b),
            Item::FirstBinary(_) => {
                self.fragments = None;
                return self.error(
                    ctx,
                    "binary frames are not supported; send JSON text".into(),
                );
            }
            Item::Continue(b) => (false, false, b),
            Item::Last(b) => (false, true, b),
        };
        if first {
            self.fragments = Some(Vec::new());
        }
        let Some(buf) = self.fragments.as_mut() else {
            return; // the rest of a message already refused
        };
        if buf.len() + bytes.len() > MAX_FRAME {
            self.fragments = None;
            self.hub.metrics().rejected.count(Reject::WsTooLarge);
            ctx.close(Some(ws::CloseReason {
                code: ws::CloseCode::Size,
                description: Some(format!("message larger than {MAX_FRAME} bytes")),
            }));
            return ctx.stop();
        }
        buf.extend_from_slice(&bytes);
        if last {
            let whole = self.fragments.take().unwrap_or_default();
            match String::from_utf8(whole) {
                Ok(text) => self.handle_client(ctx, &text),
                Err(_) => self.error(ctx, "invalid message: not UTF-8 text".into()),
            }
        }
    }
}

/// Starts a session on an upgraded request.
pub fn start(
    req: &actix_web::HttpRequest,
    stream: actix_web::web::Payload,
    session: WsSession,
) -> Result<actix_web::HttpResponse, actix_web::Error> {
    ws::WsResponseBuilder::new(session, req, stream)
        .frame_size(MAX_FRAME)
        .start()
}
