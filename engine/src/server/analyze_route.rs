//! `POST /api/analyze`: a CSV upload, raw or multipart, analysed like
//! `spreadwatch analyze`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use spreadwatch_proto::{AnalyzeReport, Model};

use super::upload_job::{serve_upload, UploadQuery};
use super::upload_stream::ChannelReader;
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

pub(super) async fn analyze_upload(
    req: HttpRequest,
    s: web::Data<ServerState>,
    payload: web::Payload,
) -> HttpResponse {
    serve_upload(req, s, payload, run_analysis).await
}

impl UploadQuery for AnalyzeQuery {
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}
