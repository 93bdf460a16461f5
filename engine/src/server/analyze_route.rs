//! `POST /api/analyze`: a CSV upload, raw or multipart, analysed like
//! `spreadwatch analyze`.

// Handlers return early with a ready response, as in `routes`.
#![allow(clippy::result_large_err)]

use std::cell::Cell;
use std::rc::Rc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use spreadwatch_proto::{AnalyzeReport, Model};
use tokio::sync::mpsc;

use super::rejects::Reject;
use super::routes::{bad, json_error};
use super::upload_body::{open_upload, pump, too_big};
use super::upload_stream::{release_memory, ChannelReader, ChunkWriter};
use super::ServerState;
use crate::analyze::{analyze, read_long_from, Aligned, AnalyzeOptions};
use crate::core::adf::default_maxlag;
use crate::error::Error;

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
    let over = Rc::new(Cell::new(false));
    let opened = open_upload(&req, payload, s.max_upload, raw_name(&q), over.clone()).await;
    let (name, body) = match opened {
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
    // Taken once the file begins, so a form that never gets there holds
    // no slot.
    let Some(permit) = s.uploads.try_take() else {
        rejected.count(Reject::UploadBusy);
        return busy();
    };
    let (tx, rx) = mpsc::channel(4);
    let (ready, body_out) = spawn_analysis(name, ChannelReader::new(rx), q, permit);
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

/// Runs the analysis on a blocking thread (the estimators are CPU work):
/// the parse starts at once and reads the body as it arrives, and the
/// report is sent as it is serialised, to a client that keeps reading (the
/// writer gives up on one that stops). The slot is held to the last byte.
/// Returns when the report is ready (or why there is none) and its body.
fn spawn_analysis(
    name: String,
    data: ChannelReader,
    q: AnalyzeQuery,
    permit: tokio::sync::OwnedSemaphorePermit,
) -> (
    tokio::sync::oneshot::Receiver<Result<(), Error>>,
    impl futures_util::Stream<Item = std::io::Result<bytes::Bytes>>,
) {
    let (ready_tx, ready) = tokio::sync::oneshot::channel();
    let (mut out, body_out) = ChunkWriter::new();
    actix_web::rt::task::spawn_blocking(move || {
        match run_analysis(&name, data, &q) {
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
    (ready, body_out)
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
