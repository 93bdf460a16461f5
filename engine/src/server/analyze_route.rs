//! `POST /api/analyze`: a CSV upload, raw or multipart, analysed like
//! `spreadwatch analyze`.

// Handlers return early with a ready response, as in `routes`.
#![allow(clippy::result_large_err)]

use std::cell::Cell;
use std::rc::Rc;

use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use spreadwatch_proto::Model;

use super::rejects::Reject;
use super::routes::{bad, json_error};
use super::upload_stream::{release_memory, ChannelReader, ChunkWriter};
use super::ServerState;
use crate::analyze::{analyze, read_long_from, Aligned, AnalyzeOptions};
use crate::core::adf::default_maxlag;
use crate::error::Error;
use spreadwatch_proto::AnalyzeReport;
use tokio::sync::mpsc;

/// Room for a multipart form's boundaries and part headers beside the
/// file itself.
const FORM_SLACK: usize = 64 * 1024;

/// The request body, ending in an error once it passes `limit` bytes (and
/// setting `over`): the one bound on what an upload may hold, whatever its
/// Content-Length said. The multipart parser buffers a preamble or part
/// header until it finds its end, so it relies on this too.
fn capped(
    payload: web::Payload,
    limit: usize,
    over: Rc<Cell<bool>>,
) -> impl Stream<Item = Result<Bytes, PayloadError>> {
    let mut seen = 0usize;
    payload.map(move |chunk| {
        let chunk = chunk?;
        seen = seen.saturating_add(chunk.len());
        if seen > limit {
            over.set(true);
            return Err(PayloadError::Overflow);
        }
        Ok(chunk)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnalyzeQuery {
    y: String,
    x: String,
    window: Option<usize>,
    last: Option<usize>,
    model: Option<Model>,
    kalman_delta: Option<f64>,
    kalman_r: Option<f64>,
    z: Option<f64>,
    hysteresis: Option<f64>,
    maxlag: Option<usize>,
    /// Include `ts`, `x`, `y` for charting.
    series: Option<bool>,
    /// The file's name for messages, when the body is the raw file.
    name: Option<String>,
}

/// The most lags the server searches beyond statsmodels' default: the ADF
/// lag search holds a rows x (maxlag + 3) design, so an unbounded
/// `maxlag` would let one request take the machine's memory.
const SERVER_MAXLAG: usize = 100;

fn check_maxlag(maxlag: Option<usize>, rows: usize) -> Result<(), Error> {
    let default = default_maxlag(rows);
    let allowed = default.max(SERVER_MAXLAG);
    match maxlag {
        Some(m) if m > allowed => Err(Error::Analysis(format!(
            "maxlag {m} is more than the server searches for {rows} rows: at most {allowed} \
             (statsmodels' default here is {default}; `spreadwatch analyze` takes any)"
        ))),
        _ => Ok(()),
    }
}

/// The upload's file as it arrives: a raw body, or the first file field of
/// a multipart form (the form stays alive while its field is read).
enum UploadBody<S> {
    Raw(std::pin::Pin<Box<S>>),
    /// The form (held so its parser outlives the field read from it) and
    /// the file's field.
    Form(Box<(actix_multipart::Multipart, actix_multipart::Field)>),
}

/// Opens the upload: its name and its body, or the refusal to send.
async fn open_upload(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
    raw_name: String,
    over: Rc<Cell<bool>>,
) -> Result<
    (
        String,
        UploadBody<impl Stream<Item = Result<Bytes, PayloadError>>>,
    ),
    HttpResponse,
> {
    let multipart = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    // A form carries its boundaries and part headers beside the file.
    let body_limit = if multipart {
        limit.saturating_add(FORM_SLACK)
    } else {
        limit
    };
    if req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > body_limit)
    {
        return Err(too_big(limit));
    }
    let body = capped(payload, body_limit, over.clone());
    if !multipart {
        return Ok((raw_name, UploadBody::Raw(Box::pin(body))));
    }
    let mut mp = actix_multipart::Multipart::new(req.headers(), body);
    while let Some(field) = mp.next().await {
        let field = field.map_err(|e| refusal(&over, limit, format!("multipart: {e}")))?;
        let name = field
            .content_disposition()
            .and_then(|d| d.get_filename().map(str::to_string));
        if let Some(name) = name {
            return Ok((name, UploadBody::Form(Box::new((mp, field)))));
        }
    }
    Err(bad("multipart form has no file field"))
}

/// A raw upload's file name for messages: `?name=`, or `upload.csv`.
fn raw_name(q: &AnalyzeQuery) -> String {
    q.name
        .as_deref()
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect::<String>()
        })
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "upload.csv".to_string())
}

fn too_big(limit: usize) -> HttpResponse {
    json_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("upload larger than {limit} bytes"),
    )
}

/// The answer to a body that failed: 413 past the cap, 400 otherwise.
fn refusal(over: &Cell<bool>, limit: usize, what: String) -> HttpResponse {
    if over.get() {
        too_big(limit)
    } else {
        bad(what)
    }
}

/// The longest wait for the next piece of an upload's body.
const BODY_IDLE: std::time::Duration = std::time::Duration::from_secs(10);
/// The longest an upload's whole body may take.
const BODY_TOTAL: std::time::Duration = std::time::Duration::from_secs(300);

/// Sends the upload's bytes to the parser as they come, until the end, a
/// failure (sent on as an error), or the parser stopping early.
async fn pump(
    body: UploadBody<impl Stream<Item = Result<Bytes, PayloadError>>>,
    limit: usize,
    tx: mpsc::Sender<Result<Bytes, String>>,
) {
    let mut sent = 0usize;
    let mut body = body;
    let deadline = tokio::time::Instant::now() + BODY_TOTAL;
    loop {
        // A body trickled in (or stalled) would hold an analysis slot.
        let wait = BODY_IDLE.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
        let chunk = match tokio::time::timeout(wait, next_chunk(&mut body)).await {
            Ok(Some(c)) => c,
            Ok(None) => return,
            Err(_) => Err(format!(
                "upload too slow: at most {} s between pieces and {} s in all",
                BODY_IDLE.as_secs(),
                BODY_TOTAL.as_secs()
            )),
        };
        let chunk = chunk.and_then(|c| {
            sent = sent.saturating_add(c.len());
            if sent > limit {
                Err(format!("upload larger than {limit} bytes"))
            } else {
                Ok(c)
            }
        });
        let failed = chunk.is_err();
        if tx.send(chunk).await.is_err() || failed {
            return;
        }
    }
}

async fn next_chunk<S: Stream<Item = Result<Bytes, PayloadError>>>(
    b: &mut UploadBody<S>,
) -> Option<Result<Bytes, String>> {
    match b {
        UploadBody::Raw(s) => s
            .next()
            .await
            .map(|c| c.map_err(|e| format!("upload: {e}"))),
        UploadBody::Form(form) => form
            .1
            .next()
            .await
            .map(|c| c.map_err(|e| format!("multipart: {e}"))),
    }
}

fn options(q: &AnalyzeQuery) -> AnalyzeOptions {
    let d = AnalyzeOptions::default();
    AnalyzeOptions {
        window: q.window.unwrap_or(d.window),
        last: q.last,
        model: q.model.unwrap_or(d.model),
        kalman_delta: q.kalman_delta.unwrap_or(d.kalman_delta),
        kalman_r: q.kalman_r.unwrap_or(d.kalman_r),
        z: q.z.unwrap_or(d.z),
        hysteresis: q.hysteresis.unwrap_or(d.hysteresis),
        maxlag: q.maxlag,
    }
}

/// Parses the stream and runs the estimators (on a blocking thread).
fn run_analysis(name: &str, data: ChannelReader, q: &AnalyzeQuery) -> Result<AnalyzeReport, Error> {
    let opts = options(q);
    let (ym, xm) = read_long_from(name, data, &q.y, &q.x)?;
    let data = Aligned::join(&ym, &xm);
    drop((ym, xm));
    check_maxlag(
        opts.maxlag,
        opts.last.map_or(data.len(), |l| l.min(data.len())),
    )?;
    if !q.series.unwrap_or(false) {
        return analyze(data, &opts, name);
    }
    let mut d = data.clone();
    let mut r = analyze(data, &opts, name)?;
    if let Some(n) = opts.last {
        d.keep_last(n);
    }
    (r.ts, r.x, r.y) = (d.ts, d.x, d.y);
    Ok(r)
}

fn busy() -> HttpResponse {
    let mut r = json_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "too many analyses running at once (see --max-uploads); retry shortly",
    );
    r.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from_static("2"),
    );
    r
}

pub(super) async fn analyze_upload(
    req: HttpRequest,
    s: web::Data<ServerState>,
    payload: web::Payload,
) -> HttpResponse {
    let rejected = &s.hub.metrics().rejected;
    let q = match web::Query::<AnalyzeQuery>::from_query(req.query_string()) {
        Ok(q) => q.into_inner(),
        Err(e) => {
            rejected.count(Reject::UploadBadRequest);
            return bad(format!("query: {e}"));
        }
    };
    let Some(permit) = s.uploads.try_take() else {
        rejected.count(Reject::UploadBusy);
        return busy();
    };
    let over = Rc::new(Cell::new(false));
    let (name, body) =
        match open_upload(&req, payload, s.max_upload, raw_name(&q), over.clone()).await {
            Ok(v) => v,
            Err(r) => {
                rejected.count(if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Reject::UploadTooLarge
                } else {
                    Reject::UploadBadRequest
                });
                return r;
            }
        };
    let (tx, rx) = mpsc::channel(4);
    let (ready_tx, ready) = tokio::sync::oneshot::channel();
    let (mut out, body_out) = ChunkWriter::new();
    // The estimators are CPU work: keep them off the server's thread. The
    // parse starts at once and reads the body as it arrives; the report
    // is sent as it is serialised.
    actix_web::rt::task::spawn_blocking(move || {
        match run_analysis(&name, ChannelReader::new(rx), &q) {
            Err(e) => drop(ready_tx.send(Err(e))),
            Ok(report) => {
                let _ = ready_tx.send(Ok(()));
                if serde_json::to_writer(&mut out, &report).is_ok() {
                    let _ = std::io::Write::flush(&mut out);
                }
            }
        }
        release_memory();
        drop(permit);
    });
    pump(body, s.max_upload, tx).await;
    let res = ready.await;
    if over.get() {
        rejected.count(Reject::UploadTooLarge);
        return too_big(s.max_upload);
    }
    match res {
        Ok(Ok(())) => HttpResponse::Ok()
            .content_type("application/json")
            .streaming(body_out),
        Ok(Err(e)) => refused_analysis(e, rejected),
        Err(_) => json_error(StatusCode::INTERNAL_SERVER_ERROR, "the analysis stopped"),
    }
}

/// The answer to an analysis the data or parameters did not allow.
fn refused_analysis(e: Error, rejected: &super::rejects::Rejects) -> HttpResponse {
    match &e {
        Error::Input {
            file,
            line,
            column,
            reason,
        } => {
            rejected.count(Reject::UploadBadCsv);
            HttpResponse::BadRequest().json(serde_json::json!({
                "error": e.to_string(), "file": file, "line": line, "column": column, "reason": reason,
            }))
        }
        _ => {
            rejected.count(Reject::UploadBadRequest);
            bad(e.to_string())
        }
    }
}
