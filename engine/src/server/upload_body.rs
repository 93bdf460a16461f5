//! An upload's body on its way to the parser: opened (a raw body, or the
//! first file of a multipart form), capped in size, timed against a client
//! that trickles or stalls, and passed on a piece at a time.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::routes::{bad, json_error};
use super::upload_stream::Piece;

/// Room for a multipart form's boundaries and part headers beside the
/// file itself.
const FORM_SLACK: usize = 64 * 1024;
/// The longest wait for the next piece of an upload's body (or for a
/// form's file to begin).
pub(super) const BODY_IDLE: Duration = Duration::from_secs(10);
/// The longest the client may take to send a whole body, counting only
/// the time spent waiting on it.
pub(super) const BODY_TOTAL: Duration = Duration::from_secs(300);

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

/// The upload's file as it arrives: a raw body, or the first file field of
/// a multipart form.
pub(super) enum UploadBody<S> {
    Raw(std::pin::Pin<Box<S>>),
    /// The form (held so its parser outlives the field read from it) and
    /// the file's field.
    Form(Box<(actix_multipart::Multipart, actix_multipart::Field)>),
}

/// Opens the upload: its name and its body, or the refusal to send. A form
/// whose file does not begin within [`BODY_IDLE`] is refused.
pub(super) async fn open_upload(
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
    let declared = req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > body_limit) {
        return Err(too_big(limit));
    }
    let body = capped(payload, body_limit, over.clone());
    if !multipart {
        return Ok((raw_name, UploadBody::Raw(Box::pin(body))));
    }
    let mp = actix_multipart::Multipart::new(req.headers(), body);
    match tokio::time::timeout(BODY_IDLE, first_file(mp, &over, limit)).await {
        Ok(r) => r,
        Err(_) => Err(bad(too_slow())),
    }
}

/// Reads a form up to its first file field.
async fn first_file<S: Stream<Item = Result<Bytes, PayloadError>>>(
    mut mp: actix_multipart::Multipart,
    over: &Cell<bool>,
    limit: usize,
) -> Result<(String, UploadBody<S>), HttpResponse> {
    while let Some(field) = mp.next().await {
        let field = field.map_err(|e| refusal(over, limit, format!("multipart: {e}")))?;
        let name = field
            .content_disposition()
            .and_then(|d| d.get_filename().map(str::to_string));
        if let Some(name) = name {
            return Ok((name, UploadBody::Form(Box::new((mp, field)))));
        }
    }
    Err(bad("multipart form has no file field"))
}

/// The 413 an upload past the limit gets.
pub(super) fn too_big(limit: usize) -> HttpResponse {
    json_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("upload larger than {limit} bytes"),
    )
}

fn too_slow() -> String {
    format!(
        "upload too slow: at most {} s between pieces and {} s in all",
        BODY_IDLE.as_secs(),
        BODY_TOTAL.as_secs()
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

/// Sends the upload's bytes to the parser as they come, then the end
/// marker; a failure (too big, too slow, broken) is sent on as an error.
/// Stops early when the parser does.
pub(super) async fn pump(
    body: UploadBody<impl Stream<Item = Result<Bytes, PayloadError>>>,
    limit: usize,
    tx: mpsc::Sender<Piece>,
) {
    let (mut body, mut sent, mut waited) = (body, 0usize, Duration::ZERO);
    loop {
        // A body trickled in (or stalled) would hold an analysis slot.
        let wait = BODY_IDLE.min(BODY_TOTAL.saturating_sub(waited));
        let asked = Instant::now();
        let next = tokio::time::timeout(wait, next_chunk(&mut body)).await;
        waited += asked.elapsed();
        let piece = match next {
            Ok(None) => Ok(None),
            Ok(Some(Ok(c))) if sent.saturating_add(c.len()) > limit => {
                Err(format!("upload larger than {limit} bytes"))
            }
            Ok(Some(Ok(c))) => {
                sent += c.len();
                Ok(Some(c))
            }
            Ok(Some(Err(e))) => Err(e),
            Err(_) => Err(too_slow()),
        };
        let last = !matches!(piece, Ok(Some(_)));
        if tx.send(piece).await.is_err() || last {
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
