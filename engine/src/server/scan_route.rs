//! The pair scanner over HTTP: `GET /api/scan` (the live scanner's latest
//! ranking, JSON or `?format=csv`) and `POST /api/scan` (an uploaded
//! long-format CSV scanned like `spreadwatch scan`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use spreadwatch_proto::scan::{LiveScan, ScanParams, ScanReport};

use super::routes::{bad, json_error};
use super::upload_job::{serve_upload, UploadQuery};
use super::upload_stream::ChannelReader;
use super::ServerState;
use crate::analyze::read_long_all_from;
use crate::analyze::scan::scan_market;
use crate::error::Error;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanQuery {
    lookback: Option<usize>,
    min_corr: Option<f64>,
    max_candidates: Option<usize>,
    top: Option<usize>,
    window: Option<usize>,
    /// The file's name for messages, when the body is the raw file.
    name: Option<String>,
}

impl UploadQuery for ScanQuery {
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl ScanQuery {
    fn params(&self) -> ScanParams {
        let d = ScanParams::default();
        ScanParams {
            lookback: self.lookback.unwrap_or(d.lookback),
            min_corr: self.min_corr.unwrap_or(d.min_corr),
            max_candidates: self.max_candidates.unwrap_or(d.max_candidates),
            top: self.top.unwrap_or(d.top),
            window: self.window.unwrap_or(d.window),
        }
    }
}

/// Bar times an uploaded scan may use: the live default's window a week
/// over, so one request cannot hold the machine.
const SERVER_MAX_LOOKBACK: usize = 10_080;
/// Candidates an uploaded scan may test (twice the live default).
const SERVER_MAX_CANDIDATES: usize = 10_000;

/// Parses the stream and scans it (on a blocking thread).
fn run_scan(name: &str, data: ChannelReader, q: &ScanQuery) -> Result<ScanReport, Error> {
    let params = q.params();
    params.validate().map_err(Error::Config)?;
    if params.lookback > SERVER_MAX_LOOKBACK {
        return Err(Error::Config(format!(
            "lookback {} is more than the server scans: at most {SERVER_MAX_LOOKBACK} \
             (`spreadwatch scan` takes any)",
            params.lookback
        )));
    }
    if params.max_candidates > SERVER_MAX_CANDIDATES {
        return Err(Error::Config(format!(
            "max_candidates {} is more than the server tests: at most {SERVER_MAX_CANDIDATES} \
             (`spreadwatch scan` takes any)",
            params.max_candidates
        )));
    }
    let market = read_long_all_from(name, data)?;
    scan_market(&market, &params, name)
}

pub(super) async fn scan_upload(
    req: HttpRequest,
    s: web::Data<ServerState>,
    payload: web::Payload,
) -> HttpResponse {
    serve_upload(req, s, payload, run_scan).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LatestQuery {
    format: Option<String>,
}

/// The live scanner's latest ranking.
pub(super) async fn latest(s: web::Data<ServerState>, q: web::Query<LatestQuery>) -> HttpResponse {
    let Some(scan) = s.engine.latest_scan() else {
        return json_error(
            StatusCode::NOT_FOUND,
            "no scan has run yet: the scanner runs on the 1 m bar close (see --scan-every)",
        );
    };
    match q.format.as_deref() {
        None | Some("json") => HttpResponse::Ok().json(&*scan),
        Some("csv") => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(scan_csv(&scan)),
        Some(other) => bad(format!("format {other:?}: json or csv")),
    }
}

/// The ranking as CSV, one row per pair, empty cells for nulls.
fn scan_csv(scan: &LiveScan) -> Vec<u8> {
    let cell = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut w = csv::Writer::from_writer(Vec::new());
    let head = [
        "rank",
        "y",
        "x",
        "corr",
        "coint_stat",
        "coint_pvalue",
        "beta",
        "alpha",
        "half_life",
        "z",
        "n",
    ];
    let _ = w.write_record(head);
    for (i, r) in scan.report.results.iter().enumerate() {
        let _ = w.write_record([
            (i + 1).to_string(),
            r.y.to_string(),
            r.x.to_string(),
            r.corr.to_string(),
            cell(r.coint.stat),
            r.coint.pvalue.to_string(),
            r.beta.to_string(),
            r.alpha.to_string(),
            cell(r.half_life),
            cell(r.z),
            r.n.to_string(),
        ]);
    }
    w.into_inner().unwrap_or_default()
}
