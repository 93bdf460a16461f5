//! `GET /api/correlation?interval=1m&window=300`: the heatmap's matrix.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use spreadwatch_proto::Interval;

use super::routes::json_error;
use super::ServerState;
use crate::core::corr_matrix::correlation_matrix;

/// The largest window served; more would only cost time.
const MAX_WINDOW: usize = 10_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CorrelationQuery {
    interval: Option<String>,
    window: Option<usize>,
}

pub(super) async fn correlation(
    s: web::Data<ServerState>,
    q: web::Query<CorrelationQuery>,
) -> HttpResponse {
    let iv: Interval = match q.interval.as_deref().unwrap_or("1m").parse() {
        Ok(v) => v,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, format!("interval: {e}")),
    };
    let window = q.window.unwrap_or(300);
    if !(2..=MAX_WINDOW).contains(&window) {
        return json_error(
            StatusCode::BAD_REQUEST,
            format!("window {window} must be 2 to {MAX_WINDOW}"),
        );
    }
    let mut series = Vec::new();
    for sym in s.engine.symbols() {
        let bars = match s.engine.bars(&sym, iv, i64::MIN, i64::MAX, false).await {
            Ok(b) => b,
            Err(e) => return json_error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
        };
        // The joined frame's last window + 1 rows hold only bars that are
        // among each symbol's own last window + 1.
        let tail = &bars[bars.len().saturating_sub(window + 1)..];
        let closes = tail
            .iter()
            .map(|b| (b.start_ms, b.close.to_f64()))
            .collect();
        series.push((sym, closes));
    }
    HttpResponse::Ok().json(correlation_matrix(iv, window, &series))
}
