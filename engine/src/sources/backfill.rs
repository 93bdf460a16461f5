//! Filling gaps from Binance REST: `GET /fapi/v1/aggTrades?symbol=&fromId=&limit=1000`,
//! paged until the gap is closed. A 429 or 418 is honoured: the request
//! waits for `Retry-After` (or backs off) before it is tried again.

use std::time::Duration;

use serde::Deserialize;
use spreadwatch_proto::Fixed;
use tokio_util::sync::CancellationToken;

use crate::core::tick::Tick;

/// Trades per page (Binance's maximum).
const PAGE: u64 = 1000;
/// Attempts per page before the gap is given up.
const ATTEMPTS: u32 = 6;

/// A run of ids never received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The symbol.
    pub symbol: String,
    /// First missing id.
    pub from: u64,
    /// Last missing id.
    pub to: u64,
}

/// What a backfill got.
#[derive(Debug, Clone, PartialEq)]
pub struct Filled {
    /// The gap.
    pub gap: Gap,
    /// Trades inside it, in id order.
    pub ticks: Vec<Tick>,
    /// Why it stopped short, if it did.
    pub error: Option<String>,
}

/// One trade of the REST answer.
#[derive(Debug, Deserialize)]
struct RestAggTrade {
    a: u64,
    p: String,
    q: String,
    f: u64,
    l: u64,
    #[serde(rename = "T")]
    t: i64,
    m: bool,
}

impl RestAggTrade {
    fn tick(&self) -> Result<Tick, String> {
        let price = Fixed::parse(&self.p).map_err(|e| format!("price {:?}: {e}", self.p))?;
        let qty = Fixed::parse(&self.q).map_err(|e| format!("quantity {:?}: {e}", self.q))?;
        Ok(Tick {
            time_ms: self.t,
            id: self.a,
            first_id: self.f,
            price,
            qty,
            count: u32::try_from(self.l.saturating_sub(self.f) + 1).unwrap_or(u32::MAX),
            buyer_maker: self.m,
        })
    }
}

/// Fetches the trades of `gap` from `rest_url` (e.g. `https://fapi.binance.com`).
pub async fn fill(
    http: &reqwest::Client,
    rest_url: &str,
    gap: Gap,
    stop: &CancellationToken,
) -> Filled {
    let mut ticks = Vec::new();
    let mut from = gap.from;
    let mut error = None;
    'pages: while from <= gap.to && !stop.is_cancelled() {
        let limit = (gap.to - from + 1).min(PAGE);
        let url = format!(
            "{}/fapi/v1/aggTrades?symbol={}&fromId={from}&limit={limit}",
            rest_url.trim_end_matches('/'),
            gap.symbol
        );
        let mut attempt = 0;
        let page: Vec<RestAggTrade> = loop {
            attempt += 1;
            let wait = match http.get(&url).send().await {
                Ok(r) if r.status().is_success() => match r.json().await {
                    Ok(v) => break v,
                    Err(e) => {
                        error = Some(format!("{url}: unreadable answer: {e}"));
                        break 'pages;
                    }
                },
                // Too many requests (429) or banned for ignoring them (418):
                // wait as told.
                Ok(r) if r.status().as_u16() == 429 || r.status().as_u16() == 418 => {
                    let secs = r
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
                        .unwrap_or(1u64 << attempt.min(6));
                    tracing::warn!(
                        status = r.status().as_u16(),
                        "backfill throttled; retrying in {secs} s"
                    );
                    Duration::from_secs(secs.min(300))
                }
                Ok(r) => {
                    error = Some(format!("{url}: HTTP {}", r.status()));
                    Duration::from_millis(500 << attempt.min(5))
                }
                Err(e) => {
                    error = Some(format!("{url}: {e}"));
                    Duration::from_millis(500 << attempt.min(5))
                }
            };
            if attempt >= ATTEMPTS {
                break 'pages;
            }
            tokio::select! {
                _ = stop.cancelled() => break 'pages,
                _ = tokio::time::sleep(wait) => {}
            }
        };
        error = None;
        let Some(last) = page.last().map(|t| t.a) else {
            break;
        };
        for t in page.iter().filter(|t| t.a >= gap.from && t.a <= gap.to) {
            match t.tick() {
                Ok(tick) => ticks.push(tick),
                Err(e) => error = Some(format!("{url}: trade {}: {e}", t.a)),
            }
        }
        if last < from {
            break;
        }
        from = last + 1;
    }
    if error.is_none() && (ticks.len() as u64) < gap.to - gap.from + 1 {
        error = Some(format!(
            "REST returned {} of {} trades",
            ticks.len(),
            gap.to - gap.from + 1
        ));
    }
    Filled { gap, ticks, error }
}
