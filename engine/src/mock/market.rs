//! The mock's whole market: `GET /fapi/v1/exchangeInfo` and `GET
//! /fapi/v1/ticker/24hr` in Binance's exact JSON shape, over a list of
//! listings a test can change while the engine runs. The default list has
//! 560 USDT perpetuals trading, and the contracts a symbol filter must
//! leave out: USDC perpetuals, quarterlies, contracts settling or not
//! trading yet.

/// One contract of the mock market.
#[derive(Debug, Clone, PartialEq)]
pub struct MockListing {
    /// The symbol, e.g. `BTCUSDT` or `BTCUSDT_261225`.
    pub symbol: String,
    /// The base asset, e.g. `BTC`.
    pub base: String,
    /// The quote asset, e.g. `USDT`.
    pub quote: String,
    /// `PERPETUAL`, `CURRENT_QUARTER`, `NEXT_QUARTER`.
    pub contract_type: String,
    /// `TRADING`, `SETTLING`, `PENDING_TRADING`.
    pub status: String,
    /// 24 h quote volume.
    pub quote_volume: f64,
}

impl MockListing {
    /// A USDT perpetual, trading.
    pub fn perpetual(base: &str, quote_volume: f64) -> Self {
        MockListing {
            symbol: format!("{base}USDT"),
            base: base.to_string(),
            quote: "USDT".into(),
            contract_type: "PERPETUAL".into(),
            status: "TRADING".into(),
            quote_volume,
        }
    }
}

/// Real bases first (the busiest, in roughly real order), then made-up
/// ones that read like tickers.
const REAL: [&str; 40] = [
    "BTC", "ETH", "SOL", "XRP", "DOGE", "BNB", "SUI", "ADA", "1000PEPE", "LINK", "AVAX", "LTC",
    "WIF", "TRX", "DOT", "NEAR", "APT", "ARB", "OP", "FIL", "ATOM", "INJ", "TIA", "SEI", "AAVE",
    "UNI", "ETC", "BCH", "FET", "RNDR", "ORDI", "1000SHIB", "WLD", "JUP", "ENA", "PENDLE", "LDO",
    "STX", "IMX", "GALA",
];
const SYLLABLES: [&str; 24] = [
    "AR", "BO", "CE", "DA", "EX", "FO", "GI", "HU", "IO", "JA", "KE", "LU", "MO", "NI", "OR", "PY",
    "QU", "RA", "SO", "TE", "UM", "VI", "XO", "ZE",
];

/// The default market: 560 USDT perpetuals trading (volume falling with
/// rank, as a market's does), 12 USDC perpetuals, 6 quarterlies, 5
/// contracts settling and 3 pending.
pub fn default_market() -> Vec<MockListing> {
    let made_up = SYLLABLES
        .iter()
        .flat_map(|a| SYLLABLES.iter().map(move |b| format!("{a}{b}")));
    let bases: Vec<String> = REAL
        .iter()
        .map(|s| s.to_string())
        .chain(made_up)
        .take(560)
        .collect();
    let mut out: Vec<MockListing> = bases
        .iter()
        .enumerate()
        .map(|(i, b)| MockListing::perpetual(b, 5e9 / (i as f64 + 1.0)))
        .collect();
    out.extend(bases[..12].iter().map(|b| MockListing {
        quote: "USDC".into(),
        symbol: format!("{b}USDC"),
        ..MockListing::perpetual(b, 1e7)
    }));
    out.extend(quarterlies());
    out.extend(not_trading());
    out
}

/// Delivery contracts: listed, trading, and never perpetual.
fn quarterlies() -> Vec<MockListing> {
    let current = ["BTC", "ETH", "SOL", "XRP"].map(|b| (b, "CURRENT_QUARTER", "261225"));
    let next = ["BTC", "ETH"].map(|b| (b, "NEXT_QUARTER", "270326"));
    current
        .into_iter()
        .chain(next)
        .map(|(b, kind, date)| MockListing {
            symbol: format!("{b}USDT_{date}"),
            contract_type: kind.into(),
            ..MockListing::perpetual(b, 2e8)
        })
        .collect()
}

/// Perpetuals settling (being delisted) or not trading yet.
fn not_trading() -> Vec<MockListing> {
    let settling = ["OLDA", "OLDB", "OLDC", "OLDD", "OLDE"].map(|b| (b, "SETTLING"));
    let pending = ["NEWA", "NEWB", "NEWC"].map(|b| (b, "PENDING_TRADING"));
    settling
        .into_iter()
        .chain(pending)
        .map(|(b, status)| MockListing {
            status: status.into(),
            ..MockListing::perpetual(b, 0.0)
        })
        .collect()
}

/// `GET /fapi/v1/exchangeInfo`: every field Binance sends, in its order.
pub fn exchange_info_json(market: &[MockListing], server_time: i64) -> String {
    let symbols: Vec<String> = market.iter().map(symbol_json).collect();
    format!(
        concat!(
            r#"{{"timezone":"UTC","serverTime":{},"futuresType":"U_MARGINED","#,
            r#""rateLimits":[{{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":2400}},"#,
            r#"{{"rateLimitType":"ORDERS","interval":"MINUTE","intervalNum":1,"limit":1200}}],"#,
            r#""exchangeFilters":[],"assets":[{{"asset":"USDT","marginAvailable":true,"autoAssetExchange":"-10000"}},"#,
            r#"{{"asset":"USDC","marginAvailable":true,"autoAssetExchange":"-10000"}}],"symbols":[{}]}}"#
        ),
        server_time,
        symbols.join(",")
    )
}

fn symbol_json(l: &MockListing) -> String {
    let delivery = if l.contract_type == "PERPETUAL" {
        4_133_404_800_000i64
    } else {
        1_798_185_600_000
    };
    format!(
        concat!(
            r#"{{"symbol":"{}","pair":"{}","contractType":"{}","deliveryDate":{},"onboardDate":1569398400000,"#,
            r#""status":"{}","maintMarginPercent":"2.5000","requiredMarginPercent":"5.0000","baseAsset":"{}","#,
            r#""quoteAsset":"{}","marginAsset":"{}","pricePrecision":2,"quantityPrecision":3,"baseAssetPrecision":8,"#,
            r#""quotePrecision":8,"underlyingType":"COIN","underlyingSubType":[],"settlePlan":0,"triggerProtect":"0.0500","#,
            r#""liquidationFee":"0.012500","marketTakeBound":"0.05","maxMoveOrderLimit":10000,"filters":["#,
            r#"{{"minPrice":"0.10","maxPrice":"4529764","filterType":"PRICE_FILTER","tickSize":"0.10"}},"#,
            r#"{{"stepSize":"0.001","filterType":"LOT_SIZE","maxQty":"1000","minQty":"0.001"}},"#,
            r#"{{"notional":"100","filterType":"MIN_NOTIONAL"}}],"#,
            r#""orderTypes":["LIMIT","MARKET","STOP","STOP_MARKET","TAKE_PROFIT","TAKE_PROFIT_MARKET","TRAILING_STOP_MARKET"],"#,
            r#""timeInForce":["GTC","IOC","FOK","GTX","GTD"]}}"#
        ),
        l.symbol,
        l.symbol.split('_').next().unwrap_or(&l.symbol),
        l.contract_type,
        delivery,
        l.status,
        l.base,
        l.quote,
        l.quote
    )
}

/// `GET /fapi/v1/ticker/24hr` (no symbol): one object per contract
/// trading, every field Binance sends, in its order.
pub fn ticker_json(market: &[MockListing], now_ms: i64) -> String {
    let rows: Vec<String> = market
        .iter()
        .filter(|l| l.status == "TRADING")
        .map(|l| {
            let last = 10.0;
            let volume = l.quote_volume / last;
            format!(
                concat!(
                    r#"{{"symbol":"{}","priceChange":"0.100","priceChangePercent":"1.010","weightedAvgPrice":"{:.3}","#,
                    r#""lastPrice":"{:.3}","lastQty":"1.000","openPrice":"9.900","highPrice":"10.500","lowPrice":"9.500","#,
                    r#""volume":"{:.3}","quoteVolume":"{:.2}","openTime":{},"closeTime":{},"firstId":1,"lastId":1000,"count":1000}}"#
                ),
                l.symbol,
                last,
                last,
                volume,
                l.quote_volume,
                now_ms - 86_400_000,
                now_ms - 1
            )
        })
        .collect();
    format!("[{}]", rows.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_market_has_560_usdt_perpetuals_and_the_rest() {
        let m = default_market();
        let perps = m
            .iter()
            .filter(|l| {
                l.contract_type == "PERPETUAL" && l.status == "TRADING" && l.quote == "USDT"
            })
            .count();
        assert_eq!(perps, 560);
        assert!(m.len() > 580);
        let names: std::collections::HashSet<&str> = m.iter().map(|l| l.symbol.as_str()).collect();
        assert_eq!(names.len(), m.len(), "symbols are unique");
    }

    #[test]
    fn the_bodies_are_the_json_binance_sends() {
        let m = default_market();
        let info: serde_json::Value = serde_json::from_str(&exchange_info_json(&m, 5)).unwrap();
        assert_eq!(info["symbols"].as_array().unwrap().len(), m.len());
        assert_eq!(info["symbols"][0]["contractType"], "PERPETUAL");
        assert_eq!(info["symbols"][0]["symbol"], "BTCUSDT");
        let t: serde_json::Value = serde_json::from_str(&ticker_json(&m, 100_000_000)).unwrap();
        assert_eq!(t[0]["quoteVolume"], "5000000000.00");
    }
}
