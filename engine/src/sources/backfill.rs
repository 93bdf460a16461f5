//! Filling gaps from Binance REST, paged by id until the gap is closed:
//! aggregate trades from `GET /fapi/v1/aggTrades?symbol=&fromId=&limit=1000`,
//! trades (the `@trade` stream) from `GET /fapi/v1/historicalTrades?symbol=&fromId=&limit=500`,
//! which Binance serves only with an API key (`X-MBX-APIKEY`). A 429 or 418
//! is honoured: the request waits for `Retry-After` (or backs off) before
//! it is tried again.

use std::time::Duration;

use serde::Deserialize;
use spreadwatch_proto::Fixed;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::frame::StreamKind;
use crate::core::tick::Tick;

/// Aggregate trades per page (Binance's maximum).
const AGG_PAGE: u64 = 1000;
/// Trades per page of `historicalTrades` (Binance's maximum).
const TRADE_PAGE: u64 = 500;
/// Attempts per page before the gap is given up.
const ATTEMPTS: u32 = 6;
/// Trades fetched for one gap at most (about 50 MB): a gap of days after
/// a long outage is reported with what was filled rather than held whole.
const MAX_FILL: usize = 1_000_000;

/// Where gaps are filled from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rest {
    /// Base URL, e.g. `https://fapi.binance.com`.
    pub url: String,
    /// Sent as `X-MBX-APIKEY`; trade-stream gaps need one.
    pub api_key: Option<String>,
}

/// A run of ids never received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The symbol.
    pub symbol: String,
    /// Which ids: aggregate (`aggTrade`) or trade (`trade`).
    pub kind: StreamKind,
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

/// One trade of `historicalTrades`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RestTrade {
    id: u64,
    price: String,
    qty: String,
    time: i64,
    is_buyer_maker: bool,
}

impl RestTrade {
    fn tick(&self) -> Result<Tick, String> {
        let price =
            Fixed::parse(&self.price).map_err(|e| format!("price {:?}: {e}", self.price))?;
        let qty = Fixed::parse(&self.qty).map_err(|e| format!("quantity {:?}: {e}", self.qty))?;
        Ok(Tick {
            time_ms: self.time,
            id: self.id,
            first_id: self.id,
            price,
            qty,
            count: 1,
            buyer_maker: self.is_buyer_maker,
        })
    }
}

/// One trade of a page: its id, and its tick or why it is unusable.
type PageTrade = (u64, Result<Tick, String>);

/// A page of either answer, in id order.
fn page_ticks(kind: StreamKind, body: &[u8]) -> Result<Vec<PageTrade>, String> {
    let e = |e: serde_json::Error| e.to_string();
    Ok(match kind {
        StreamKind::AggTrade => serde_json::from_slice::<Vec<RestAggTrade>>(body)
            .map_err(e)?
            .iter()
            .map(|t| (t.a, t.tick()))
            .collect(),
        StreamKind::Trade => serde_json::from_slice::<Vec<RestTrade>>(body)
            .map_err(e)?
            .iter()
            .map(|t| (t.id, t.tick()))
            .collect(),
    })
}

/// Starts the backfill worker: gaps in, filled gaps out, one at a time (so
/// the request weight stays low).
pub fn spawn(rest: Rest, stop: CancellationToken) -> (mpsc::Sender<Gap>, mpsc::Receiver<Filled>) {
    let (gap_tx, mut gap_rx) = mpsc::channel::<Gap>(1024);
    let (done_tx, done_rx) = mpsc::channel::<Filled>(64);
    tokio::spawn(async move {
        let http = match reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("backfill disabled: no HTTP client: {e}");
                return;
            }
        };
        while let Some(g) = gap_rx.recv().await {
            let f = fill(&http, &rest, g, &stop).await;
            if done_tx.send(f).await.is_err() {
                break;
            }
        }
    });
    (gap_tx, done_rx)
}

/// Fetches the trades of `gap` from `rest`.
pub async fn fill(
    http: &reqwest::Client,
    rest: &Rest,
    gap: Gap,
    stop: &CancellationToken,
) -> Filled {
    let mut ticks = Vec::new();
    let mut from = gap.from;
    let mut error = None;
    // A trade REST sent but that could not be read stays reported even
    // when later pages come through.
    let mut bad_trade = None;
    let base = rest.url.trim_end_matches('/');
    if gap.kind == StreamKind::Trade && rest.api_key.is_none() {
        let error = Some(
            "trade-stream gaps are filled from GET /fapi/v1/historicalTrades, which Binance \
             serves only with an API key: set --binance-api-key (or use the aggTrade stream)"
                .to_string(),
        );
        return Filled { gap, ticks, error };
    }
    // Trade ids also number the non-market trades, which REST leaves out:
    // a trade gap is closed once the pages pass its last id.
    let mut reached = false;
    'pages: while from <= gap.to && !stop.is_cancelled() {
        if ticks.len() >= MAX_FILL {
            error = Some(format!(
                "a gap of {} trades: filled the first {MAX_FILL}, the most one gap is filled with",
                gap.to - gap.from + 1
            ));
            break;
        }
        let url = match gap.kind {
            StreamKind::AggTrade => format!(
                "{base}/fapi/v1/aggTrades?symbol={}&fromId={from}&limit={}",
                gap.symbol,
                (gap.to - from + 1).min(AGG_PAGE)
            ),
            StreamKind::Trade => format!(
                "{base}/fapi/v1/historicalTrades?symbol={}&fromId={from}&limit={TRADE_PAGE}",
                gap.symbol
            ),
        };
        let mut attempt = 0;
        let page = loop {
            attempt += 1;
            let mut req = http.get(&url);
            if let Some(k) = &rest.api_key {
                req = req.header("X-MBX-APIKEY", k);
            }
            let wait = match req.send().await {
                Ok(r) if r.status().is_success() => {
                    match r
                        .bytes()
                        .await
                        .map_err(|e| e.to_string())
                        .and_then(|b| page_ticks(gap.kind, &b))
                    {
                        Ok(v) => break v,
                        Err(e) => {
                            error = Some(format!("{url}: unreadable answer: {e}"));
                            break 'pages;
                        }
                    }
                }
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
        let Some(last) = page.last().map(|t| t.0) else {
            break;
        };
        reached |= last >= gap.to;
        for (id, t) in page
            .into_iter()
            .filter(|t| t.0 >= gap.from && t.0 <= gap.to)
        {
            match t {
                Ok(tick) => ticks.push(tick),
                Err(e) => bad_trade = Some(format!("{url}: trade {id}: {e}")),
            }
        }
        if last < from {
            break;
        }
        from = last + 1;
    }
    let complete = match gap.kind {
        StreamKind::AggTrade => ticks.len() as u64 == gap.to - gap.from + 1,
        StreamKind::Trade => reached,
    };
    error = error.or(bad_trade);
    if error.is_none() && !complete {
        error = Some(format!(
            "REST returned {} of {} trades",
            ticks.len(),
            gap.to - gap.from + 1
        ));
    }
    Filled { gap, ticks, error }
}
