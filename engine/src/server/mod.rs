//! The HTTP and WebSocket server.
//!
//! [`configure`] mounts every route into an actix-web app (so it can live
//! inside another service); [`run`] serves on a listener until a shutdown
//! future resolves, so tests bind port 0 and stop cleanly.

mod analyze_route;
pub mod auth;
mod cluster_metrics;
mod cmd;
mod conn;
mod correlation;
pub mod hub;
pub mod interest;
pub mod leases;
mod metrics;
pub mod rejects;
mod ring_reader;
mod routes;
mod scan_route;
mod snapshot;
mod subscription;
mod upload_body;
mod upload_job;
mod upload_stream;
mod watch;
pub mod ws_session;

use std::future::Future;
use std::net::TcpListener;
use std::path::PathBuf;

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use spreadwatch_proto::{Interval, PairId, Subscription, Symbol};

pub use auth::Access;
pub use hub::Hub;

use crate::EngineHandle;

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Token and origins.
    pub access: Access,
    /// The built UI (Trunk's `dist/`); `/` explains how to build it if absent.
    pub ui_dir: Option<PathBuf>,
    /// Largest `POST /api/analyze` body, bytes.
    pub max_upload: usize,
    /// Analyses that may run at once; more get 503 with `Retry-After`.
    /// Shared by every worker (and every clone of this config).
    pub uploads: UploadSlots,
    /// HTTP worker threads.
    pub workers: usize,
    /// Events the fan-out ring holds before a slow client must resync.
    pub ring: usize,
    /// A pair a client started stops once no session wanted it this long
    /// (zero: never).
    pub pair_idle: std::time::Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            access: Access::default(),
            ui_dir: Some(PathBuf::from("dist")),
            max_upload: 50 * 1024 * 1024,
            uploads: UploadSlots::new(2),
            workers: 2,
            ring: 8192,
            pair_idle: leases::DEFAULT_IDLE,
        }
    }
}

/// The analyses allowed to run at once, shared by all workers.
#[derive(Debug, Clone)]
pub struct UploadSlots(std::sync::Arc<tokio::sync::Semaphore>);

impl UploadSlots {
    /// Room for `n` analyses at once (at least one).
    pub fn new(n: usize) -> Self {
        UploadSlots(std::sync::Arc::new(tokio::sync::Semaphore::new(n.max(1))))
    }

    /// A slot, held until dropped; `None` when all are taken.
    pub fn try_take(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.0.clone().try_acquire_owned().ok()
    }
}

/// What handlers share.
pub struct ServerState {
    /// The engine.
    pub engine: EngineHandle,
    /// The fan-out hub.
    pub hub: Hub,
    /// Upload limit.
    pub max_upload: usize,
    /// Analyses allowed at once.
    pub uploads: UploadSlots,
    access: Access,
}

/// The answer to a request whose `Host` this server does not serve.
fn host_refused(req: &HttpRequest) -> HttpResponse {
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("?");
    let host: String = host.chars().take(100).collect();
    routes::json_error(
        StatusCode::MISDIRECTED_REQUEST,
        format!("host {host:?} is not served here (see --allow-host)"),
    )
}

/// The REST guard: the `Host` check, then the bearer token.
async fn require_token(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let refused = req.app_data::<web::Data<ServerState>>().and_then(|s| {
        if !s.access.host_ok(req.request()) {
            Some(host_refused(req.request()))
        } else if !s.access.token_ok(req.request(), false) {
            Some(routes::json_error(
                StatusCode::UNAUTHORIZED,
                "missing or wrong bearer token",
            ))
        } else {
            None
        }
    });
    if let Some(res) = refused {
        return Ok(req.into_response(res).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[derive(serde::Deserialize)]
struct WsQuery {
    pair: Option<PairId>,
    symbols: Option<String>,
    interval: Option<Interval>,
    /// The pair scanner's rankings too.
    scan: Option<bool>,
    #[allow(dead_code)]
    token: Option<String>,
}

async fn ws_route(
    req: HttpRequest,
    stream: web::Payload,
    s: web::Data<ServerState>,
) -> Result<HttpResponse, actix_web::Error> {
    if !s.access.host_ok(&req) {
        return Ok(host_refused(&req));
    }
    if !s.access.token_ok(&req, true) {
        return Ok(routes::json_error(
            StatusCode::UNAUTHORIZED,
            "missing or wrong token (use ?token=)",
        ));
    }
    if !s.access.origin_ok(&req) {
        return Ok(routes::json_error(
            StatusCode::FORBIDDEN,
            "origin not allowed (see --allow-origin)",
        ));
    }
    let sub = match ws_subscription(&req, &s.engine) {
        Ok(sub) => sub,
        Err(e) => return Ok(routes::json_error(StatusCode::BAD_REQUEST, e)),
    };
    ws_session::start(
        &req,
        stream,
        ws_session::WsSession::new(&req, s.engine.clone(), s.hub.clone(), sub),
    )
}

/// The subscription a `/ws` address asks for, with the defaults filled in.
fn ws_subscription(req: &HttpRequest, engine: &EngineHandle) -> Result<Subscription, String> {
    let q = web::Query::<WsQuery>::from_query(req.query_string())
        .map_err(|e| format!("query: {e}"))?
        .into_inner();
    let symbols = q
        .symbols
        .map(|v| {
            v.split(',')
                .map(str::parse)
                .collect::<Result<Vec<Symbol>, _>>()
        })
        .transpose()
        .map_err(|e| format!("symbols: {e}"))?;
    if let Some(p) = q.pair.as_ref().filter(|p| !engine.pairs().contains(p)) {
        return Err(format!(
            "unknown pair {p} (subscribe to it on the socket to have it tracked)"
        ));
    }
    ws_session::resolve_subscription(engine, q.pair, symbols, q.interval, q.scan.unwrap_or(false))
}

async fn metrics_route(s: web::Data<ServerState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(metrics::render(&s))
}

const NO_UI: &str = r#"<!doctype html><meta charset="utf-8"><title>spreadwatch</title>
<h1>spreadwatch is running</h1>
<p>The dashboard is not built. Build it with <code>make ui</code> (Trunk), then restart
<code>spreadwatch serve</code> (or pass <code>--ui-dir</code>).</p>
<p>The API works without it: <a href="api/status">/api/status</a>, <a href="api/health">/api/health</a>,
<a href="metrics">/metrics</a>, and the WebSocket at <code>/ws</code>.</p>"#;

struct UiDir(PathBuf, Access);

/// Serves a file of the UI bundle. The path is percent-decoded first and
/// refused (404) if any segment starts with `.` (`..`, dotfiles such as
/// `.git`) or hides a separator, and the resolved file must lie inside the
/// bundle: `/%2e%2e/` tricks get 404.
async fn ui_file(req: HttpRequest, dir: web::Data<UiDir>) -> HttpResponse {
    if !dir.1.host_ok(&req) {
        return host_refused(&req);
    }
    let not_found = || routes::json_error(StatusCode::NOT_FOUND, "not found");
    let raw = req.uri().path();
    let Ok(decoded) = percent_encoding::percent_decode_str(raw).decode_utf8() else {
        return not_found();
    };
    let mut path = dir.0.clone();
    for seg in decoded.split('/').filter(|s| !s.is_empty()) {
        if seg.starts_with('.') || seg.contains('\\') || seg.contains('\0') {
            return not_found();
        }
        path.push(seg);
    }
    if path.is_dir() {
        path.push("index.html");
    }
    let (Ok(root), Ok(file)) = (dir.0.canonicalize(), path.canonicalize()) else {
        return not_found();
    };
    if !file.starts_with(&root) || !file.is_file() {
        return not_found();
    }
    match actix_files::NamedFile::open(&file) {
        Ok(f) => f.into_response(&req),
        Err(_) => not_found(),
    }
}

async fn no_ui(req: HttpRequest, s: web::Data<ServerState>) -> HttpResponse {
    if !s.access.host_ok(&req) {
        return host_refused(&req);
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(NO_UI)
}

/// Mounts every route (`/api/*`, `/ws`, `/metrics`, the UI) into an app.
pub fn configure(
    engine: EngineHandle,
    hub: Hub,
    cfg: ServerConfig,
) -> impl FnOnce(&mut web::ServiceConfig) + Clone {
    move |c: &mut web::ServiceConfig| {
        let state = web::Data::new(ServerState {
            engine,
            hub,
            max_upload: cfg.max_upload,
            uploads: cfg.uploads.clone(),
            access: cfg.access.clone(),
        });
        c.app_data(state)
            .app_data(web::PayloadConfig::new(cfg.max_upload))
            .app_data(web::QueryConfig::default().error_handler(|e, _| {
                let res = routes::json_error(StatusCode::BAD_REQUEST, format!("query: {e}"));
                actix_web::error::InternalError::from_response(e, res).into()
            }))
            .service(
                web::scope("/api")
                    .wrap(from_fn(require_token))
                    .configure(|s| {
                        routes::configure(s);
                    }),
            )
            .route("/ws", web::get().to(ws_route))
            .service(
                web::resource("/metrics")
                    .wrap(from_fn(require_token))
                    .route(web::get().to(metrics_route)),
            );
        match cfg.ui_dir.filter(|d| d.join("index.html").is_file()) {
            Some(dir) => {
                let dir = web::Data::new(UiDir(dir, cfg.access.clone()));
                c.app_data(dir).default_service(web::get().to(ui_file));
            }
            None => {
                c.route("/", web::get().to(no_ui));
            }
        }
    }
}

/// Caps the kernel send buffer of `listener` (accepted sockets inherit it),
/// so a client that stops reading holds at most this much kernel memory and
/// falls behind on the hub ring instead.
pub fn limit_send_buffer(listener: TcpListener, bytes: usize) -> std::io::Result<TcpListener> {
    let s = socket2::Socket::from(listener);
    s.set_send_buffer_size(bytes)?;
    Ok(s.into())
}

/// The first line `spreadwatch serve` prints on stdout: its address, so
/// scripts and tests that bind port 0 can find it (read it back with
/// [`announced_url`]).
pub fn announcement(addr: std::net::SocketAddr) -> String {
    format!("spreadwatch listening on http://{addr}")
}

/// The base URL in a line made by [`announcement`].
///
/// ```
/// use spreadwatch_engine::server::{announced_url, announcement};
/// let line = announcement("127.0.0.1:8080".parse().unwrap());
/// assert_eq!(announced_url(&line), Some("http://127.0.0.1:8080"));
/// assert_eq!(announced_url("something else"), None);
/// ```
pub fn announced_url(line: &str) -> Option<&str> {
    line.trim()
        .strip_prefix("spreadwatch listening on ")
        .filter(|u| u.starts_with("http://"))
}

/// Serves on `listener` until `shutdown` resolves. Call inside an actix system.
pub async fn run(
    listener: TcpListener,
    engine: EngineHandle,
    cfg: ServerConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut cfg = cfg;
    cfg.access.bound = listener.local_addr().ok();
    let hub = Hub::start(&engine, cfg.ring, cfg.pair_idle);
    let workers = cfg.workers.max(1);
    let server = HttpServer::new(move || {
        App::new().configure(configure(engine.clone(), hub.clone(), cfg.clone()))
    })
    .on_connect(conn::on_connect)
    .workers(workers)
    .tcp_nodelay(true)
    .disable_signals()
    .listen(listener)?
    .run();
    let h = server.handle();
    tokio::select! {
        r = server => r,
        _ = shutdown => {
            h.stop(true).await;
            Ok(())
        }
    }
}
