//! `--symbols all` and `top:N` against the mock exchange: the symbol list
//! comes from `exchangeInfo` (and `ticker/24hr`), is streamed 200 to a
//! connection, and follows a listing added and one removed while the engine
//! runs; an unreachable exchange is said plainly and tried again.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::Value;
use spreadwatch_engine::mock::market::MockListing;
use spreadwatch_engine::mock::{MockBinance, MockConfig, MockRest};

use crate::live_source::wait_until;
use crate::support::{get_json, spawn_serve, ChildGuard};

/// The streams each WebSocket connection asked for, in connection order.
fn requested(mock: &MockBinance) -> Vec<BTreeSet<String>> {
    mock.stats()
        .requests
        .lock()
        .iter()
        .map(|p| {
            let q = p.split_once("streams=").map_or("", |(_, q)| q);
            q.split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// Polls `/api/status` until `ok` holds (20 s at most).
async fn status_until(url: &str, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let http = reqwest::Client::new();
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let v = get_json(&http, format!("{url}/api/status")).await;
        if ok(&v) {
            return v;
        }
        assert!(Instant::now() < end, "{what}: {}", v["sources"]);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The symbols the engine tracks (an actor each).
async fn tracked(url: &str) -> BTreeSet<String> {
    let v = get_json(&reqwest::Client::new(), format!("{url}/api/pairs")).await;
    let list = v["symbols"].as_array().unwrap();
    list.iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn listing(v: &Value) -> &Value {
    &v["sources"]["binance"]["listing"]
}

fn serve(mock: &MockBinance, rest: &str, symbols: &str, extra: &[&str]) -> (ChildGuard, String) {
    let ws = mock.base_url();
    let mut args = vec![
        "--source",
        "binance",
        "--binance-url",
        &ws,
        "--binance-rest-url",
        rest,
        "--symbols",
        symbols,
        "--symbols-refresh",
        "1s",
        "--scan-every",
        "0s",
    ];
    args.extend(extra);
    spawn_serve(&args)
}

#[tokio::test]
async fn the_whole_market_is_followed_as_it_lists_and_delists() {
    let mock = MockBinance::start(MockConfig::default()).await.unwrap();
    let rest = MockRest::start(&[], 0).await.unwrap();
    let (_child, url) = serve(&mock, &rest.url(), "all", &[]);
    status_until(&url, "560 perpetuals", |v| listing(v)["listed"] == 560).await;
    let symbols = tracked(&url).await;
    assert_eq!(symbols.len(), 560, "an actor per symbol");
    assert!(symbols.contains("BTCUSDT") && !symbols.contains("ETHUSDC"));
    // 560 streams: three connections of at most 200.
    let ten = Duration::from_secs(10);
    wait_until("three connections", ten, || requested(&mock).len() >= 3).await;
    let first = requested(&mock);
    let sizes: Vec<usize> = first.iter().map(BTreeSet::len).collect();
    assert_eq!(sizes, [200, 200, 160]);
    assert!(first.iter().flatten().all(|s| s.ends_with("usdt@aggTrade")));
    // A listing arrives and one on the second connection goes.
    let gone = first[1].iter().next().unwrap().clone();
    let gone_symbol = gone.trim_end_matches("@aggTrade").to_ascii_uppercase();
    rest.list(MockListing::perpetual("NEWCOIN", 1e6));
    assert!(rest.delist(&gone_symbol));
    let st = status_until(&url, "the change", |v| {
        listing(v)["added"] == 1 && listing(v)["removed"] == 1
    })
    .await;
    assert_eq!(listing(&st)["listed"], 560);
    let symbols = tracked(&url).await;
    assert!(
        symbols.contains("NEWCOINUSDT"),
        "the new listing has its actor"
    );
    assert!(
        symbols.contains(&gone_symbol),
        "the delisted symbol's history stays"
    );
    wait_until("two new connections", ten, || requested(&mock).len() >= 5).await;
    let later: Vec<BTreeSet<String>> = requested(&mock).split_off(3);
    let new_one: BTreeSet<String> = ["newcoinusdt@aggTrade".to_string()].into();
    assert!(
        later.contains(&new_one),
        "a connection for the new listing: {later:?}"
    );
    let mut second = first[1].clone();
    second.remove(&gone);
    assert!(
        later.contains(&second),
        "the second shard again, without {gone}"
    );
    assert_eq!(later.len(), 2, "the other shards kept their connections");
}

#[tokio::test]
async fn top_n_keeps_the_busiest_and_an_unreachable_exchange_is_said_plainly() {
    let mock = MockBinance::start(MockConfig::default()).await.unwrap();
    let rest = MockRest::start(&[], 0).await.unwrap();
    // A pair's legs are streamed whether or not the top 25 has them.
    let pair = ["--pair", "ETHUSDC/BTCUSDT"];
    let (_child, url) = serve(&mock, &rest.url(), "top:25", &pair);
    let st = status_until(&url, "the top 25", |v| listing(v)["listed"] == 26).await;
    let symbols = tracked(&url).await;
    assert_eq!(symbols.len(), 26);
    assert!(
        symbols.contains("ETHUSDC"),
        "the pair's leg outside the list"
    );
    // The mock's busiest, in falling volume: the first 25 of its real names.
    for s in [
        "BTCUSDT",
        "ETHUSDT",
        "SOLUSDT",
        "1000PEPEUSDT",
        "ATOMUSDT",
        "AAVEUSDT",
    ] {
        assert!(symbols.contains(s), "{s} in {symbols:?}");
    }
    assert!(!symbols.contains("UNIUSDT"), "the 26th busiest is left out");
    assert_eq!(listing(&st)["set"], "top:25");
    // No exchange at all: the engine stays up and says why it has no symbols.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let (_child, url) = serve(&mock, &closed, "all", &[]);
    let st = status_until(&url, "the error", |v| {
        v["sources"]["binance"]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("symbol list"))
    })
    .await;
    let e = st["sources"]["binance"]["last_error"].as_str().unwrap();
    assert!(
        e.contains("exchangeInfo") && e.contains("trying again"),
        "{e}"
    );
}
