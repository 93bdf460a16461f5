//! `GET /api/correlation?interval=1m&window=300[&symbols=A,B|&top=N]`: the
//! heatmap's matrix, over the symbols named, or the `top` (default
//! [`DEFAULT_TOP`]) with the highest quote volume in the window: a whole
//! market's 550 x 550 matrix is neither readable nor cheap.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use spreadwatch_proto::{Bar, Interval, Symbol};

use super::routes::json_error;
use super::ServerState;
use crate::core::corr_matrix::correlation_matrix;

/// The largest window served; more would only cost time.
const MAX_WINDOW: usize = 10_000;
/// Symbols in the matrix when none are named.
pub const DEFAULT_TOP: usize = 20;
/// The most symbols one matrix holds.
pub const MAX_SYMBOLS: usize = 64;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CorrelationQuery {
    interval: Option<String>,
    window: Option<usize>,
    symbols: Option<String>,
    top: Option<usize>,
}

/// Which symbols, and at most how many: named ones keep their order.
enum Pick {
    Named(Vec<Symbol>),
    Top(usize),
}

fn pick(q: &CorrelationQuery) -> Result<Pick, String> {
    if let Some(list) = q.symbols.as_deref().filter(|s| !s.is_empty()) {
        let mut named = Vec::new();
        for s in list.split(',') {
            let sym: Symbol = s.parse().map_err(|e| format!("symbols: {e}"))?;
            if !named.contains(&sym) {
                named.push(sym);
            }
        }
        if named.len() > MAX_SYMBOLS {
            return Err(format!(
                "symbols: {} named; at most {MAX_SYMBOLS}",
                named.len()
            ));
        }
        return Ok(Pick::Named(named));
    }
    match q.top.unwrap_or(DEFAULT_TOP) {
        n @ 2..=MAX_SYMBOLS => Ok(Pick::Top(n)),
        n => Err(format!("top {n} must be 2 to {MAX_SYMBOLS}")),
    }
}

/// Quote volume of bars: the sum of close x volume.
fn quote_volume(bars: &[Bar]) -> f64 {
    bars.iter()
        .map(|b| b.close.to_f64() * b.volume.to_f64())
        .sum()
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
    let pick = match pick(&q) {
        Ok(p) => p,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, e),
    };
    let symbols = match &pick {
        Pick::Named(v) => v.clone(),
        Pick::Top(_) => s.engine.symbols(),
    };
    let mut series = Vec::new();
    for sym in symbols {
        // The joined frame's last window + 1 rows hold only bars that are
        // among each symbol's own last window + 1, so only those are
        // copied out. A named symbol not tracked has none: a row of nulls.
        let tail = match s.engine.last_bars(&sym, iv, window + 1).await {
            Ok(b) => b,
            Err(e) => return json_error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
        };
        let closes = tail
            .iter()
            .map(|b| (b.start_ms, b.close.to_f64()))
            .collect();
        series.push((sym, closes, quote_volume(&tail)));
    }
    if let Pick::Top(n) = pick {
        // Busiest first; a tie keeps the symbols' order.
        series.sort_by(|a, b| b.2.total_cmp(&a.2));
        series.truncate(n);
    }
    let series: Vec<(Symbol, Vec<(i64, f64)>)> =
        series.into_iter().map(|(s, c, _)| (s, c)).collect();
    HttpResponse::Ok().json(correlation_matrix(iv, window, &series))
}
