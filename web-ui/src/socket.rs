//! The WebSocket to the engine: reconnects with backoff, re-subscribes on
//! every open (the server answers with a snapshot), and hands frames to the
//! store in one batch per animation frame, so the page renders at most once
//! per frame however fast the engine pushes.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo::timers::callback::Timeout;
use spreadwatch_proto::{ClientMsg, ServerMsg};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};
use yew::Callback;

use crate::store::{Action, Conn};

/// First retry delay; doubles to [`MAX_BACKOFF_MS`].
const MIN_BACKOFF_MS: u32 = 250;
const MAX_BACKOFF_MS: u32 = 5_000;
/// Frames held for the next animation frame before they are handed over at
/// once anyway (a hidden tab gets no animation frames).
const MAX_PENDING: usize = 2_000;

/// A JS callback kept alive for as long as the socket that calls it.
type Handler = Closure<dyn FnMut(JsValue)>;
/// The animation-frame callback, made once and reused.
type FrameHandler = Closure<dyn FnMut(f64)>;

struct Inner {
    url: String,
    dispatch: Callback<Action>,
    ws: RefCell<Option<WebSocket>>,
    hello: RefCell<Vec<ClientMsg>>,
    pending: RefCell<Vec<ServerMsg>>,
    scheduled: Cell<bool>,
    on_frame: RefCell<Option<FrameHandler>>,
    handlers: RefCell<Vec<Handler>>,
    backoff_ms: Cell<u32>,
    retry: RefCell<Option<Timeout>>,
    bad_frames: Cell<u64>,
}

/// A cloneable handle to the connection.
#[derive(Clone)]
pub struct Socket(Rc<Inner>);

impl PartialEq for Socket {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
}

impl Socket {
    /// Connects to `url` (ws:// or wss://) and keeps reconnecting.
    pub fn connect(url: String, dispatch: Callback<Action>) -> Self {
        let s = Socket(Rc::new(Inner {
            url,
            dispatch,
            ws: RefCell::new(None),
            hello: RefCell::new(Vec::new()),
            pending: RefCell::new(Vec::new()),
            scheduled: Cell::new(false),
            on_frame: RefCell::new(None),
            handlers: RefCell::new(Vec::new()),
            backoff_ms: Cell::new(MIN_BACKOFF_MS),
            retry: RefCell::new(None),
            bad_frames: Cell::new(0),
        }));
        let me = s.clone();
        *s.0.on_frame.borrow_mut() = Some(Closure::new(move |_ts: f64| me.flush()));
        s.open();
        s
    }

    /// The messages sent on every (re)connect, in order.
    pub fn set_hello(&self, msgs: Vec<ClientMsg>) {
        *self.0.hello.borrow_mut() = msgs;
    }

    /// Sends now if open; otherwise the next hello covers it.
    pub fn send(&self, msg: &ClientMsg) {
        if let (Some(ws), Ok(text)) = (self.0.ws.borrow().as_ref(), serde_json::to_string(msg)) {
            if ws.ready_state() == WebSocket::OPEN {
                let _ = ws.send_with_str(&text);
            }
        }
    }

    fn open(&self) {
        self.0.dispatch.emit(Action::Connection(Conn::Connecting));
        let ws = match WebSocket::new(&self.0.url) {
            Ok(ws) => ws,
            Err(_) => return self.retry_later(),
        };
        let mut handlers = self.0.handlers.borrow_mut();
        handlers.clear();
        let me = self.clone();
        let on_open = Handler::new(move |_| me.opened());
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        handlers.push(on_open);
        let me = self.clone();
        let on_msg = Handler::new(move |e: JsValue| {
            if let Some(text) = e.unchecked_into::<MessageEvent>().data().as_string() {
                me.received(&text);
            }
        });
        ws.set_onmessage(Some(on_msg.as_ref().unchecked_ref()));
        handlers.push(on_msg);
        let me = self.clone();
        let on_close = Handler::new(move |e: JsValue| {
            let _ = e.dyn_into::<CloseEvent>();
            me.retry_later();
        });
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        handlers.push(on_close);
        *self.0.ws.borrow_mut() = Some(ws);
    }

    fn opened(&self) {
        self.0.backoff_ms.set(MIN_BACKOFF_MS);
        self.0.dispatch.emit(Action::Connection(Conn::Open));
        for m in self.0.hello.borrow().iter() {
            self.send(m);
        }
    }

    fn received(&self, text: &str) {
        let t0 = now();
        let parsed = serde_json::from_str::<ServerMsg>(text);
        add_ms("swParseMs", now() - t0);
        match parsed {
            Ok(m) => self.0.pending.borrow_mut().push(m),
            Err(e) => {
                let n = self.0.bad_frames.get() + 1;
                self.0.bad_frames.set(n);
                // An error, not a warning: a frame the page cannot read is an
                // engine bug, and the browser tests fail on console errors.
                gloo::console::error!(format!("spreadwatch: unreadable frame #{n}: {e}"));
                return;
            }
        }
        if self.0.pending.borrow().len() >= MAX_PENDING {
            self.flush();
        } else if !self.0.scheduled.get() {
            self.0.scheduled.set(true);
            if let (Some(w), Some(f)) = (web_sys::window(), self.0.on_frame.borrow().as_ref()) {
                let _ = w.request_animation_frame(f.as_ref().unchecked_ref());
            }
        }
    }

    fn flush(&self) {
        self.0.scheduled.set(false);
        let frames = std::mem::take(&mut *self.0.pending.borrow_mut());
        if !frames.is_empty() {
            let t0 = now();
            self.0.dispatch.emit(Action::Frames(frames));
            add_ms("swRenderMs", now() - t0);
        }
    }

    fn retry_later(&self) {
        if let Some(ws) = self.0.ws.borrow_mut().take() {
            // Detach first: the old socket must not call closures that the
            // next open() drops.
            ws.set_onopen(None);
            ws.set_onmessage(None);
            ws.set_onclose(None);
            let _ = ws.close();
        }
        let base = self.0.backoff_ms.get();
        self.0.backoff_ms.set((base * 2).min(MAX_BACKOFF_MS));
        // Jitter keeps many dashboards from reconnecting in lockstep.
        let delay = base / 2 + (js_sys::Math::random() * f64::from(base / 2)) as u32;
        self.0
            .dispatch
            .emit(Action::Connection(Conn::Closed { retry_ms: delay }));
        let me = self.clone();
        *self.0.retry.borrow_mut() = Some(Timeout::new(delay, move || me.open()));
    }
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Adds to a `window` counter: the time spent parsing and rendering, which
/// the dashboard benchmark reads.
fn add_ms(key: &str, ms: f64) {
    let g = js_sys::global();
    let k = JsValue::from_str(key);
    let cur = js_sys::Reflect::get(&g, &k)
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    let _ = js_sys::Reflect::set(&g, &k, &(cur + ms).into());
}
