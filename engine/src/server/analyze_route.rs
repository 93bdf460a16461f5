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
use super::ServerState;
use crate::analyze::{analyze, read_long, Aligned, AnalyzeOptions};
use crate::core::adf::default_maxlag;
use crate::error::Error;

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

/// Reads the upload: a raw body, or the first file of a multipart form.
async fn read_upload(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<(String, Vec<u8>), HttpResponse> {
    let too_big = || {
        json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("upload larger than {limit} bytes"),
        )
    };
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
        return Err(too_big());
    }
    let over = Rc::new(Cell::new(false));
    let body = capped(payload, body_limit, over.clone());
    let failed = |what: String| if over.get() { too_big() } else { bad(what) };
    if multipart {
        let mut mp = actix_multipart::Multipart::new(req.headers(), body);
        while let Some(field) = mp.next().await {
            let mut field = field.map_err(|e| failed(format!("multipart: {e}")))?;
            let name = field
                .content_disposition()
                .and_then(|d| d.get_filename().map(str::to_string));
            let Some(name) = name else { continue };
            let mut buf = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| failed(format!("multipart: {e}")))?;
                if buf.len() + chunk.len() > limit {
                    return Err(too_big());
                }
                buf.extend_from_slice(&chunk);
            }
            return Ok((name, buf));
        }
        return Err(bad("multipart form has no file field"));
    }
    let mut body = std::pin::pin!(body);
    let mut buf = Vec::new();
    while let Some(chunk) = body.next().await {
        buf.extend_from_slice(&chunk.map_err(|e| failed(format!("upload: {e}")))?);
    }
    Ok(("upload.csv".to_string(), buf))
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
    let (name, body) = match read_upload(&req, payload, s.max_upload).await {
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
    let d = AnalyzeOptions::default();
    let opts = AnalyzeOptions {
        window: q.window.unwrap_or(d.window),
        last: q.last,
        model: q.model.unwrap_or(d.model),
        kalman_delta: q.kalman_delta.unwrap_or(d.kalman_delta),
        kalman_r: q.kalman_r.unwrap_or(d.kalman_r),
        z: q.z.unwrap_or(d.z),
        hysteresis: q.hysteresis.unwrap_or(d.hysteresis),
        maxlag: q.maxlag,
    };
    let series = q.series.unwrap_or(false);
    // The estimators are CPU work: keep them off the server's thread.
    let res = web::block(move || -> Result<_, Error> {
        let (ym, xm) = read_long(&name, &body, &q.y, &q.x)?;
        let data = Aligned::join(&ym, &xm);
        check_maxlag(
            opts.maxlag,
            opts.last.map_or(data.len(), |l| l.min(data.len())),
        )?;
        let mut r = analyze(data.clone(), &opts, &name)?;
        if series {
            let mut d = data;
            if let Some(n) = opts.last {
                d.keep_last(n);
            }
            (r.ts, r.x, r.y) = (d.ts, d.x, d.y);
        }
        Ok(r)
    })
    .await;
    match res {
        Ok(Ok(r)) => HttpResponse::Ok().json(r),
        Ok(Err(Error::Input {
            file,
            line,
            column,
            reason,
        })) => {
            rejected.count(Reject::UploadBadCsv);
            let message = Error::Input {
                file: file.clone(),
                line,
                column: column.clone(),
                reason: reason.clone(),
            }
            .to_string();
            HttpResponse::BadRequest().json(serde_json::json!({
                "error": message, "file": file, "line": line, "column": column, "reason": reason,
            }))
        }
        Ok(Err(e)) => {
            rejected.count(Reject::UploadBadRequest);
            bad(e.to_string())
        }
        Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
