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

/// Why a trade-stream gap cannot be filled without a key.
const NEEDS_KEY: &str = "trade-stream gaps are filled from GET /fapi/v1/historicalTrades, which \
    Binance serves only with an API key: set --binance-api-key (or use the aggTrade stream)";

/// Fetches the trades of `gap` from `rest`.
pub async fn fill(
    http: &reqwest::Client,
    rest: &Rest,
    gap: Gap,
    stop: &CancellationToken,
) -> Filled {
    if gap.kind == StreamKind::Trade && rest.api_key.is_none() {
        let error = Some(NEEDS_KEY.to_string());
        return Filled {
            gap,
            ticks: Vec::new(),
            error,
        };
    }
    let base = rest.url.trim_end_matches('/');
    let kind = gap.kind;
    let mut paging = Paging::new(gap);
    let mut error = None;
    while !stop.is_cancelled() {
        let url = match paging.next_url(base) {
            Ok(Some(url)) => url,
            Ok(None) => break,
            Err(e) => {
                error = Some(e);
                break;
            }
        };
        match fetch_page(http, rest, &url, kind, stop).await {
            Ok(page) => {
                if !paging.take(&url, page) {
                    break;
                }
            }
            Err(e) => {
                error = e;
                break;
            }
        }
    }
    paging.finish(error)
}

/// What one request got.
enum Attempt {
    /// A page, read.
    Page(Vec<PageTrade>),
    /// An answer that cannot be read: asking again will not help.
    Unreadable(String),
    /// Ask again after a wait; the error to report if no attempt succeeds
    /// (none for a throttle, which is not a failure).
    Retry(Duration, Option<String>),
}

/// Asks for one page until it comes, up to [`ATTEMPTS`] times; the error
/// is the last failure's (none when stopped before any).
async fn fetch_page(
    http: &reqwest::Client,
    rest: &Rest,
    url: &str,
    kind: StreamKind,
    stop: &CancellationToken,
) -> Result<Vec<PageTrade>, Option<String>> {
    let mut error = None;
    for attempt in 1..=ATTEMPTS {
        let wait = match request(http, rest, url, kind, attempt).await {
            Attempt::Page(page) => return Ok(page),
            Attempt::Unreadable(e) => return Err(Some(e)),
            Attempt::Retry(wait, e) => {
                error = e.or(error);
                wait
            }
        };
        if attempt == ATTEMPTS {
            break;
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(wait) => {}
        }
    }
    Err(error)
}

async fn request(
    http: &reqwest::Client,
    rest: &Rest,
    url: &str,
    kind: StreamKind,
    attempt: u32,
) -> Attempt {
    let mut req = http.get(url);
    if let Some(k) = &rest.api_key {
        req = req.header("X-MBX-APIKEY", k);
    }
    let retry = Duration::from_millis(500 << attempt.min(5));
    match req.send().await {
        Ok(r) if r.status().is_success() => {
            let read = r.bytes().await.map_err(|e| e.to_string());
            match read.and_then(|b| page_ticks(kind, &b)) {
                Ok(page) => Attempt::Page(page),
                Err(e) => Attempt::Unreadable(format!("{url}: unreadable answer: {e}")),
            }
        }
        // Too many requests (429) or banned for ignoring them (418): wait
        // as told.
        Ok(r) if r.status().as_u16() == 429 || r.status().as_u16() == 418 => {
            let secs = r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
                .unwrap_or(1u64 << attempt.min(6));
            let status = r.status().as_u16();
            tracing::warn!(status, "backfill throttled; retrying in {secs} s");
            Attempt::Retry(Duration::from_secs(secs.min(300)), None)
        }
        Ok(r) => Attempt::Retry(retry, Some(format!("{url}: HTTP {}", r.status()))),
        Err(e) => Attempt::Retry(retry, Some(format!("{url}: {e}"))),
    }
}

/// Where a gap's paging stands: the next id to ask for and what came back.
/// Pure, so the paging rules are tested without a server.
#[derive(Debug)]
struct Paging {
    gap: Gap,
    from: u64,
    ticks: Vec<Tick>,
    /// A trade REST sent but that could not be read stays reported even
    /// when later pages come through.
    bad_trade: Option<String>,
    /// Trade ids also number the non-market trades, which REST leaves out:
    /// a trade gap is closed once the pages pass its last id.
    reached: bool,
}

impl Paging {
    fn new(gap: Gap) -> Self {
        Paging {
            from: gap.from,
            gap,
            ticks: Vec::new(),
            bad_trade: None,
            reached: false,
        }
    }

    /// The next page's URL; none once the gap is passed, an error once the
    /// most one gap is filled with is reached.
    fn next_url(&self, base: &str) -> Result<Option<String>, String> {
        let (gap, from) = (&self.gap, self.from);
        if from > gap.to {
            return Ok(None);
        }
        if self.ticks.len() >= MAX_FILL {
            return Err(format!(
                "a gap of {} trades: filled the first {MAX_FILL}, the most one gap is filled with",
                gap.to - gap.from + 1
            ));
        }
        Ok(Some(match gap.kind {
            StreamKind::AggTrade => format!(
                "{base}/fapi/v1/aggTrades?symbol={}&fromId={from}&limit={}",
                gap.symbol,
                (gap.to - from + 1).min(AGG_PAGE)
            ),
            StreamKind::Trade => format!(
                "{base}/fapi/v1/historicalTrades?symbol={}&fromId={from}&limit={TRADE_PAGE}",
                gap.symbol
            ),
        }))
    }

    /// Keeps a page's trades inside the gap; false when paging must stop
    /// (an empty page, or one that does not move forward).
    fn take(&mut self, url: &str, page: Vec<PageTrade>) -> bool {
        let Some(last) = page.last().map(|t| t.0) else {
            return false;
        };
        let (lo, hi) = (self.gap.from, self.gap.to);
        self.reached |= last >= hi;
        for (id, t) in page.into_iter().filter(|t| t.0 >= lo && t.0 <= hi) {
            match t {
                Ok(tick) => self.ticks.push(tick),
                Err(e) => self.bad_trade = Some(format!("{url}: trade {id}: {e}")),
            }
        }
        if last < self.from {
            return false;
        }
        self.from = last + 1;
        true
    }

    /// What was filled, and why it is short if it is.
    fn finish(self, error: Option<String>) -> Filled {
        let Paging {
            gap,
            ticks,
            bad_trade,
            reached,
            ..
        } = self;
        let wanted = gap.to - gap.from + 1;
        let complete = match gap.kind {
            StreamKind::AggTrade => ticks.len() as u64 == wanted,
            StreamKind::Trade => reached,
        };
        let mut error = error.or(bad_trade);
        if error.is_none() && !complete {
            error = Some(format!("REST returned {} of {wanted} trades", ticks.len()));
        }
        Filled { gap, ticks, error }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(kind: StreamKind, from: u64, to: u64) -> Gap {
        Gap {
            symbol: "BTCUSDT".into(),
            kind,
            from,
            to,
        }
    }

    fn trades(ids: impl IntoIterator<Item = u64>) -> Vec<PageTrade> {
        ids.into_iter()
            .map(|id| {
                let t = Tick {
                    time_ms: id as i64,
                    id,
                    first_id: id,
                    price: Fixed::parse("1").unwrap(),
                    qty: Fixed::parse("1").unwrap(),
                    count: 1,
                    buyer_maker: false,
                };
                (id, Ok(t))
            })
            .collect()
    }

    #[test]
    fn aggregate_pages_ask_for_what_is_left_and_stop_at_the_end() {
        let mut p = Paging::new(gap(StreamKind::AggTrade, 100, 1_599));
        let first = p.next_url("http://r").unwrap().unwrap();
        assert_eq!(
            first,
            "http://r/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=100&limit=1000"
        );
        assert!(p.take(&first, trades(100..1_100)));
        let second = p.next_url("http://r").unwrap().unwrap();
        assert!(second.ends_with("fromId=1100&limit=500"), "{second}");
        // The page runs past the gap: only ids inside it are kept.
        assert!(p.take(&second, trades(1_100..1_700)));
        assert_eq!(p.next_url("http://r"), Ok(None));
        let f = p.finish(None);
        assert_eq!((f.ticks.len(), f.error), (1_500, None));
    }

    #[test]
    fn a_short_aggregate_fill_says_how_much_came() {
        let mut p = Paging::new(gap(StreamKind::AggTrade, 1, 10));
        assert!(p.take("u", trades([1, 2, 3])));
        assert!(!p.take("u", Vec::new()));
        let f = p.finish(None);
        assert_eq!(f.error.as_deref(), Some("REST returned 3 of 10 trades"));
    }

    #[test]
    fn a_trade_gap_is_closed_once_the_pages_pass_it() {
        // Ids 5 and 6 were non-market trades REST leaves out.
        let mut p = Paging::new(gap(StreamKind::Trade, 3, 7));
        let url = p.next_url("http://r").unwrap().unwrap();
        assert!(url.ends_with("historicalTrades?symbol=BTCUSDT&fromId=3&limit=500"));
        assert!(p.take(&url, trades([3, 4, 7, 8])));
        assert_eq!(p.next_url("http://r"), Ok(None));
        let f = p.finish(None);
        assert_eq!(f.ticks.iter().map(|t| t.id).collect::<Vec<_>>(), [3, 4, 7]);
        assert_eq!(f.error, None);
    }

    #[test]
    fn a_page_that_goes_backwards_stops_the_paging() {
        let mut p = Paging::new(gap(StreamKind::AggTrade, 50, 60));
        assert!(p.take("u", trades([50, 51])));
        assert!(!p.take("u", trades([40, 41])));
    }

    #[test]
    fn an_unreadable_trade_is_reported_even_when_later_pages_come() {
        let mut p = Paging::new(gap(StreamKind::AggTrade, 1, 3));
        let mut page = trades([1, 2, 3]);
        page[1].1 = Err("price \"x\": not a number".into());
        assert!(p.take("http://r/p", page));
        let f = p.finish(None);
        assert_eq!(f.ticks.len(), 2);
        let e = f.error.unwrap();
        assert!(e.starts_with("http://r/p: trade 2: price"), "{e}");
    }

    #[test]
    fn a_request_error_outranks_a_bad_trade() {
        let mut p = Paging::new(gap(StreamKind::AggTrade, 1, 3));
        let mut page = trades([1]);
        page[0].1 = Err("bad".into());
        p.take("u", page);
        let f = p.finish(Some("u: HTTP 500".into()));
        assert_eq!(f.error.as_deref(), Some("u: HTTP 500"));
    }
}
