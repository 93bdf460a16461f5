//! REST routes: bars, exports, pairs, alerts, analysis, status, health.

// Handlers return early with a ready response; boxing it would only add
// noise to every call site.
#![allow(clippy::result_large_err)]

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use spreadwatch_proto::{Interval, PairId, Symbol};

use super::ServerState;
use crate::export::write_bars_csv;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health))
        .route("/status", web::get().to(status))
        .route("/bars", web::get().to(bars))
        .route("/export", web::get().to(export))
        .route("/export/pair", web::get().to(export_pair))
        .route("/pair", web::get().to(pair))
        .route("/pairs", web::get().to(pairs))
        .route("/alerts", web::get().to(alerts))
        .route(
            "/correlation",
            web::get().to(super::correlation::correlation),
        )
        .route(
            "/analyze",
            web::post().to(super::analyze_route::analyze_upload),
        )
        .route("/scan", web::get().to(super::scan_route::latest))
        .route("/scan", web::post().to(super::scan_route::scan_upload));
}

/// A JSON error body with a status code.
pub(super) fn json_error(code: StatusCode, message: impl Into<String>) -> HttpResponse {
    HttpResponse::build(code).json(serde_json::json!({ "error": message.into() }))
}

pub(super) fn bad(message: impl Into<String>) -> HttpResponse {
    json_error(StatusCode::BAD_REQUEST, message)
}

fn csv_response(name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
}

async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "ok": true }))
}

async fn status(s: web::Data<ServerState>) -> HttpResponse {
    HttpResponse::Ok().json(s.hub.status_report(&s.engine))
}

#[derive(Deserialize)]
struct BarsQuery {
    symbol: String,
    interval: String,
    from: Option<i64>,
    to: Option<i64>,
    format: Option<String>,
}

async fn bars(s: web::Data<ServerState>, q: web::Query<BarsQuery>) -> HttpResponse {
    let sym: Symbol = match q.symbol.parse() {
        Ok(v) => v,
        Err(e) => return bad(format!("symbol: {e}")),
    };
    let iv: Interval = match q.interval.parse() {
        Ok(v) => v,
        Err(e) => return bad(format!("interval: {e}")),
    };
    if !s.engine.symbols().contains(&sym) {
        return json_error(
            StatusCode::NOT_FOUND,
            format!("symbol {sym} is not tracked"),
        );
    }
    let list = match s
        .engine
        .bars(
            &sym,
            iv,
            q.from.unwrap_or(i64::MIN),
            q.to.unwrap_or(i64::MAX),
            false,
        )
        .await
    {
        Ok(b) => b,
        Err(e) => return json_error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    };
    match q.format.as_deref() {
        None | Some("json") => HttpResponse::Ok().json(list),
        Some("csv") => {
            let mut out = Vec::new();
            match write_bars_csv(&mut out, &list) {
                Ok(()) => csv_response(&format!("bars_{sym}_{iv}.csv"), out),
                Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            }
        }
        Some(other) => bad(format!("format {other:?}: expected json or csv")),
    }
}

#[derive(Deserialize)]
struct ExportQuery {
    interval: String,
}

async fn export(s: web::Data<ServerState>, q: web::Query<ExportQuery>) -> HttpResponse {
    let iv: Interval = match q.interval.parse() {
        Ok(v) => v,
        Err(e) => return bad(format!("interval: {e}")),
    };
    let list = match s.engine.all_bars(iv).await {
        Ok(b) => b,
        Err(e) => return json_error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    };
    let mut out = Vec::new();
    match write_bars_csv(&mut out, &list) {
        Ok(()) => csv_response(&format!("bars_{iv}.csv"), out),
        Err(e) => json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

#[derive(Deserialize)]
struct PairQuery {
    pair: String,
}

fn parse_pair(s: &ServerState, raw: &str) -> Result<PairId, HttpResponse> {
    let p: PairId = raw
        .parse()
        .map_err(|e: spreadwatch_proto::IdError| bad(e.to_string()))?;
    if !s.engine.pairs().contains(&p) {
        return Err(json_error(
            StatusCode::NOT_FOUND,
            format!("pair {p} is not tracked"),
        ));
    }
    Ok(p)
}

async fn export_pair(s: web::Data<ServerState>, q: web::Query<PairQuery>) -> HttpResponse {
    let p = match parse_pair(&s, &q.pair) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let snap = match s.engine.pair_snapshot(&p).await {
        Ok(v) => v,
        Err(e) => return json_error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let head = [
        "time",
        "x",
        "y",
        "ols_beta",
        "ols_alpha",
        "huber_beta",
        "theil_sen_beta",
        "kalman_beta",
        "kalman_alpha",
        "spread",
        "spread_mean",
        "spread_std",
        "z",
        "corr",
        "alert",
    ];
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let mut ok = w.write_record(head).is_ok();
    for pt in &snap.points {
        let alert = match pt.alert {
            Some(spreadwatch_proto::Side::Above) => "above",
            Some(spreadwatch_proto::Side::Below) => "below",
            None => "",
        };
        ok &= w
            .write_record([
                pt.ts.to_string(),
                pt.x.to_string(),
                pt.y.to_string(),
                opt(pt.ols_beta),
                opt(pt.ols_alpha),
                opt(pt.huber_beta),
                opt(pt.theil_sen_beta),
                pt.kalman_beta.to_string(),
                pt.kalman_alpha.to_string(),
                opt(pt.spread),
                opt(pt.spread_mean),
                opt(pt.spread_std),
                opt(pt.z),
                opt(pt.corr),
                alert.to_string(),
            ])
            .is_ok();
    }
    match (ok, w.into_inner()) {
        (true, Ok(body)) => csv_response(&format!("pair_{}_{}.csv", p.y, p.x), body),
        _ => json_error(StatusCode::INTERNAL_SERVER_ERROR, "csv encoding failed"),
    }
}

async fn pair(s: web::Data<ServerState>, q: web::Query<PairQuery>) -> HttpResponse {
    let p = match parse_pair(&s, &q.pair) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match s.engine.pair_snapshot(&p).await {
        Ok(v) => HttpResponse::Ok().json(serde_json::json!({
            "pair": v.pair, "params": v.params, "stats": v.latest,
        })),
        Err(e) => json_error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

async fn pairs(s: web::Data<ServerState>) -> HttpResponse {
    HttpResponse::Ok()
        .json(serde_json::json!({ "pairs": s.engine.pairs(), "symbols": s.engine.symbols() }))
}

async fn alerts(s: web::Data<ServerState>) -> HttpResponse {
    let mut all = Vec::new();
    for p in s.engine.pairs() {
        if let Ok(v) = s.engine.pair_snapshot(&p).await {
            all.extend(v.alerts);
        }
    }
    all.sort_by_key(|a| a.ts);
    HttpResponse::Ok().json(all)
}
