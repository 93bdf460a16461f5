//! An uploaded CSV worked on as it arrives (`POST /api/analyze`, `POST
//! /api/scan`): the query read, an upload slot taken, the body streamed
//! into a parser on a blocking thread, and the JSON answer streamed back.

// Handlers return early with a ready response, as in `routes`.
#![allow(clippy::result_large_err)]

use std::cell::Cell;
use std::rc::Rc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::mpsc;

use super::rejects::{Reject, Rejects};
use super::routes::{bad, json_error};
use super::upload_body::{open_upload, pump, too_big};
use super::upload_stream::{release_memory, ChannelReader, ChunkWriter};
use super::ServerState;
use crate::error::Error;

/// What a job's query says of the file: its name for messages when the
/// body is the raw file.
pub(super) trait UploadQuery {
    fn name(&self) -> Option<&str>;
}

/// The work on one upload: the file's name, its rows as they arrive, the
/// query.
pub(super) type Job<Q, R> = fn(&str, ChannelReader, &Q) -> Result<R, Error>;

/// A raw upload's file name for messages: `?name=`, or `upload.csv`.
fn raw_name(q: &impl UploadQuery) -> String {
    q.name()
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect::<String>()
        })
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "upload.csv".to_string())
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

/// Serves one upload with `job`.
pub(super) async fn serve_upload<Q, R>(
    req: HttpRequest,
    s: web::Data<ServerState>,
    payload: web::Payload,
    job: Job<Q, R>,
) -> HttpResponse
where
    Q: UploadQuery + DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
{
    let rejected = &s.hub.metrics().rejected;
    let q = match web::Query::<Q>::from_query(req.query_string()) {
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
    let (ready, body_out) = spawn_job(name, ChannelReader::new(rx), q, permit, job);
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
        Ok(Err(e)) => refused(e, rejected),
        Err(_) => json_error(StatusCode::INTERNAL_SERVER_ERROR, "the analysis stopped"),
    }
}

/// Runs the job on a blocking thread (the estimators are CPU work): the
/// parse starts at once and reads the body as it arrives, and the answer is
/// sent as it is serialised, to a client that keeps reading (the writer
/// gives up on one that stops). The slot is held to the last byte. Returns
/// when the answer is ready (or why there is none) and its body.
fn spawn_job<Q, R>(
    name: String,
    data: ChannelReader,
    q: Q,
    permit: tokio::sync::OwnedSemaphorePermit,
    job: Job<Q, R>,
) -> (
    tokio::sync::oneshot::Receiver<Result<(), Error>>,
    impl futures_util::Stream<Item = std::io::Result<bytes::Bytes>>,
)
where
    Q: Send + 'static,
    R: Serialize + Send + 'static,
{
    let (ready_tx, ready) = tokio::sync::oneshot::channel();
    let (mut out, body_out) = ChunkWriter::new();
    actix_web::rt::task::spawn_blocking(move || {
        match job(&name, data, &q) {
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

/// The answer to a job the data or parameters did not allow.
fn refused(e: Error, rejected: &Rejects) -> HttpResponse {
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
