//! The mock of Binance USD-M REST `GET /fapi/v1/aggTrades`,
//! `GET /fapi/v1/historicalTrades`, `GET /fapi/v1/exchangeInfo` and `GET
//! /fapi/v1/ticker/24hr` (the market in [`super::market`], which a test
//! can change while it runs): it serves the same trades as the mock
//! WebSocket (all of them, gaps included; market trades only for
//! `historicalTrades`, which also wants an `X-MBX-APIKEY` header), in
//! Binance's field order, and can answer the first requests with
//! `429 Too Many Requests` and `Retry-After` to test the client's manners.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::market::{default_market, exchange_info_json, ticker_json, MockListing};

/// A running mock REST server; stops when dropped.
pub struct MockRest {
    addr: SocketAddr,
    requests: Arc<AtomicU64>,
    book: Arc<Book>,
    stop: CancellationToken,
}

struct Book {
    /// Per symbol, (aggregate id, REST JSON object), in id order.
    trades: HashMap<String, Vec<(u64, String)>>,
    /// Per symbol, (trade id, `historicalTrades` JSON object), in id order.
    raw: HashMap<String, Vec<(u64, String)>>,
    throttle: u64,
    requests: Arc<AtomicU64>,
    /// The contracts `exchangeInfo` and `ticker/24hr` list.
    market: parking_lot::RwLock<Vec<MockListing>>,
}

impl MockRest {
    /// Serves the aggTrades found in `frames` (combined-stream or bare
    /// WebSocket frames); the first `throttle` requests get 429.
    pub async fn start(frames: &[String], throttle: u64) -> std::io::Result<Self> {
        let (trades, raw) = book_of(frames);
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(AtomicU64::new(0));
        let book = Arc::new(Book {
            trades,
            raw,
            throttle,
            requests: requests.clone(),
            market: parking_lot::RwLock::new(default_market()),
        });
        let stop = CancellationToken::new();
        tokio::spawn(accept_loop(listener, book.clone(), stop.clone()));
        Ok(MockRest {
            addr,
            requests,
            book,
            stop,
        })
    }

    /// Adds a contract to the market (a new listing).
    pub fn list(&self, listing: MockListing) {
        self.book.market.write().push(listing);
    }

    /// Removes a contract from the market (a delisting); true if it was
    /// listed.
    pub fn delist(&self, symbol: &str) -> bool {
        let mut m = self.book.market.write();
        let before = m.len();
        m.retain(|l| l.symbol != symbol);
        m.len() < before
    }

    /// The REST base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests answered so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for MockRest {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Per symbol, the REST objects of the frames' trades in id order:
/// aggregate trades, and market trades for `historicalTrades`.
type Objects = HashMap<String, Vec<(u64, String)>>;

fn book_of(frames: &[String]) -> (Objects, Objects) {
    let (mut trades, mut raw) = (Objects::new(), Objects::new());
    for f in frames {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(f) else {
            continue;
        };
        let d = v.get("data").unwrap_or(&v);
        if let (Some(sym), Some(t), Some("MARKET")) =
            (d["s"].as_str(), d["t"].as_u64(), d["X"].as_str())
        {
            raw.entry(sym.to_string())
                .or_default()
                .push((t, trade_object(d, t)));
            continue;
        }
        let (Some(sym), Some(a)) = (d["s"].as_str(), d["a"].as_u64()) else {
            continue;
        };
        // Binance's order: a, p, q, f, l, T, m.
        let obj = format!(
            r#"{{"a":{a},"p":{},"q":{},"f":{},"l":{},"T":{},"m":{}}}"#,
            d["p"], d["q"], d["f"], d["l"], d["T"], d["m"]
        );
        trades.entry(sym.to_string()).or_default().push((a, obj));
    }
    for list in trades.values_mut().chain(raw.values_mut()) {
        list.sort_by_key(|t| t.0);
        list.dedup_by_key(|t| t.0);
    }
    (trades, raw)
}

/// A `historicalTrades` object, in Binance's order: id, price, qty,
/// quoteQty, time, isBuyerMaker.
fn trade_object(d: &serde_json::Value, t: u64) -> String {
    let (p, q) = (
        d["p"].as_str().unwrap_or("0"),
        d["q"].as_str().unwrap_or("0"),
    );
    let quote = p.parse::<f64>().unwrap_or(0.0) * q.parse::<f64>().unwrap_or(0.0);
    format!(
        r#"{{"id":{t},"price":"{p}","qty":"{q}","quoteQty":"{quote}","time":{},"isBuyerMaker":{}}}"#,
        d["T"], d["m"]
    )
}

async fn accept_loop(listener: TcpListener, book: Arc<Book>, stop: CancellationToken) {
    loop {
        let (tcp, _) = tokio::select! {
            _ = stop.cancelled() => break,
            r = listener.accept() => match r { Ok(x) => x, Err(_) => continue },
        };
        let book = book.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let book = book.clone();
                async move { Ok::<_, Infallible>(answer(&book, &req)) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(tcp), svc)
                .await;
        });
    }
}

fn json(code: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = code;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

/// `exchangeInfo` and `ticker/24hr` of the market as it is now.
fn market_answer(book: &Book, path: &str) -> Option<Response<Full<Bytes>>> {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let market = book.market.read();
    match path {
        "/fapi/v1/exchangeInfo" => Some(json(StatusCode::OK, exchange_info_json(&market, now_ms))),
        "/fapi/v1/ticker/24hr" => Some(json(StatusCode::OK, ticker_json(&market, now_ms))),
        _ => None,
    }
}

fn answer<B>(book: &Book, req: &Request<B>) -> Response<Full<Bytes>> {
    // The market's routes are not the trades' and take no throttled slot.
    if let Some(r) = market_answer(book, req.uri().path()) {
        return r;
    }
    let n = book.requests.fetch_add(1, Ordering::SeqCst);
    let (books, max) = match req.uri().path() {
        "/fapi/v1/aggTrades" => (&book.trades, 1000),
        "/fapi/v1/historicalTrades" => {
            if !req.headers().contains_key("x-mbx-apikey") {
                return json(
                    StatusCode::UNAUTHORIZED,
                    r#"{"code":-2014,"msg":"API-key format invalid."}"#.into(),
                );
            }
            (&book.raw, 500)
        }
        _ => {
            return json(
                StatusCode::NOT_FOUND,
                r#"{"code":-1000,"msg":"Not found."}"#.into(),
            )
        }
    };
    if n < book.throttle {
        let mut r = json(
            StatusCode::TOO_MANY_REQUESTS,
            r#"{"code":-1003,"msg":"Too many requests; current limit is 2400 request weight per 1 MINUTE."}"#.into(),
        );
        r.headers_mut()
            .insert("retry-after", hyper::header::HeaderValue::from_static("1"));
        return r;
    }
    let q: HashMap<&str, &str> = req
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let Some(list) = q.get("symbol").and_then(|s| books.get(*s)) else {
        return json(
            StatusCode::BAD_REQUEST,
            r#"{"code":-1121,"msg":"Invalid symbol."}"#.into(),
        );
    };
    let from: u64 = q.get("fromId").and_then(|v| v.parse().ok()).unwrap_or(0);
    let limit: usize = q
        .get("limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(500)
        .min(max);
    let start = list.partition_point(|t| t.0 < from);
    let page: Vec<&str> = list[start..]
        .iter()
        .take(limit)
        .map(|t| t.1.as_str())
        .collect();
    json(StatusCode::OK, format!("[{}]", page.join(",")))
}
