//! Which symbols "the whole market" is: `--symbols all` (every USD-M
//! perpetual trading against the quote assets, from `GET
//! /fapi/v1/exchangeInfo`) or `--symbols top:N` (the N of them with the
//! highest 24 h quote volume, from `GET /fapi/v1/ticker/24hr`). Pure: the
//! fetching is in [`super::exchange_info`].

use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;
use spreadwatch_proto::Symbol;

use crate::error::{Error, Result};

/// How the symbol list is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SymbolSet {
    /// These symbols.
    List(Vec<Symbol>),
    /// Every perpetual trading against `quote` assets.
    All,
    /// The `n` of them with the highest 24 h quote volume.
    Top(usize),
}

impl std::str::FromStr for SymbolSet {
    type Err = String;

    /// `all`, `top:N`, or a comma-separated list.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("all") {
            return Ok(SymbolSet::All);
        }
        if let Some(n) = s.strip_prefix("top:").or_else(|| s.strip_prefix("TOP:")) {
            return match n.trim().parse::<usize>() {
                Ok(n) if n > 0 => Ok(SymbolSet::Top(n)),
                _ => Err(format!("top:{n}: N must be a whole number above 0")),
            };
        }
        s.split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|p| p.parse::<Symbol>().map_err(|e| e.to_string()))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(SymbolSet::List)
    }
}

/// One contract of `exchangeInfo`, the fields the choice needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing {
    /// The symbol, e.g. `BTCUSDT`.
    pub symbol: String,
    /// `PERPETUAL`, `CURRENT_QUARTER`, …
    pub contract_type: String,
    /// `TRADING`, `SETTLING`, `PENDING_TRADING`, …
    pub status: String,
    /// `USDT`, `USDC`, …
    pub quote_asset: String,
}

#[derive(Deserialize)]
struct ExchangeInfo {
    symbols: Vec<Listing>,
}

/// The contracts of an `exchangeInfo` body.
///
/// # Errors
/// A body that is not `exchangeInfo`'s JSON, saying what was wrong.
pub fn parse_exchange_info(body: &str) -> Result<Vec<Listing>> {
    serde_json::from_str::<ExchangeInfo>(body)
        .map(|e| e.symbols)
        .map_err(|e| Error::Network(format!("exchangeInfo: unreadable answer: {e}")))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Ticker {
    symbol: String,
    quote_volume: String,
}

/// Each symbol's 24 h quote volume from a `ticker/24hr` body.
///
/// # Errors
/// A body that is not `ticker/24hr`'s JSON array.
pub fn parse_volumes(body: &str) -> Result<HashMap<String, f64>> {
    let rows: Vec<Ticker> = serde_json::from_str(body)
        .map_err(|e| Error::Network(format!("ticker/24hr: unreadable answer: {e}")))?;
    Ok(rows
        .into_iter()
        .map(|t| (t.symbol, t.quote_volume.parse().unwrap_or(0.0)))
        .collect())
}

/// The perpetuals trading against one of `quotes`, sorted; names that are
/// not symbols are left out.
pub fn tradable(listings: &[Listing], quotes: &[String]) -> Vec<Symbol> {
    let set: BTreeSet<Symbol> = listings
        .iter()
        .filter(|l| l.contract_type == "PERPETUAL" && l.status == "TRADING")
        .filter(|l| {
            quotes
                .iter()
                .any(|q| q.eq_ignore_ascii_case(&l.quote_asset))
        })
        .filter_map(|l| l.symbol.parse().ok())
        .collect();
    set.into_iter().collect()
}

/// The `n` of `symbols` with the highest volume (ties by name), sorted by
/// name.
pub fn top_by_volume(symbols: &[Symbol], volumes: &HashMap<String, f64>, n: usize) -> Vec<Symbol> {
    let vol = |s: &Symbol| volumes.get(s.as_str()).copied().unwrap_or(0.0);
    let mut ranked: Vec<&Symbol> = symbols.iter().collect();
    ranked.sort_by(|a, b| vol(b).total_cmp(&vol(a)).then(a.cmp(b)));
    let mut top: Vec<Symbol> = ranked.into_iter().take(n).cloned().collect();
    top.sort();
    top
}

/// What changed between two symbol lists: (listed, delisted).
pub fn changes(old: &[Symbol], new: &[Symbol]) -> (Vec<Symbol>, Vec<Symbol>) {
    let (o, n): (BTreeSet<&Symbol>, BTreeSet<&Symbol>) =
        (old.iter().collect(), new.iter().collect());
    (
        n.difference(&o).map(|s| (*s).clone()).collect(),
        o.difference(&n).map(|s| (*s).clone()).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(symbol: &str, contract: &str, status: &str, quote: &str) -> String {
        format!(
            r#"{{"symbol":"{symbol}","pair":"{symbol}","contractType":"{contract}","status":"{status}","quoteAsset":"{quote}","baseAsset":"X","filters":[]}}"#
        )
    }

    fn syms(v: &[&str]) -> Vec<Symbol> {
        v.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn all_is_the_trading_perpetuals_of_the_quotes() {
        let body = format!(
            r#"{{"timezone":"UTC","serverTime":1,"symbols":[{},{},{},{},{}]}}"#,
            listing("BTCUSDT", "PERPETUAL", "TRADING", "USDT"),
            listing("BTCUSDT_260327", "CURRENT_QUARTER", "TRADING", "USDT"),
            listing("ETHUSDC", "PERPETUAL", "TRADING", "USDC"),
            listing("OLDUSDT", "PERPETUAL", "SETTLING", "USDT"),
            listing("AAVEUSDT", "PERPETUAL", "TRADING", "USDT"),
        );
        let l = parse_exchange_info(&body).unwrap();
        assert_eq!(
            tradable(&l, &["USDT".into()]),
            syms(&["AAVEUSDT", "BTCUSDT"])
        );
        let both = tradable(&l, &["USDT".into(), "usdc".into()]);
        assert_eq!(both, syms(&["AAVEUSDT", "BTCUSDT", "ETHUSDC"]));
    }

    #[test]
    fn top_keeps_the_highest_quote_volumes() {
        let body = r#"[{"symbol":"AUSDT","quoteVolume":"10.5"},{"symbol":"BUSDT","quoteVolume":"300"},
            {"symbol":"CUSDT","quoteVolume":"20"},{"symbol":"DUSDT","quoteVolume":"300"}]"#;
        let v = parse_volumes(body).unwrap();
        let all = syms(&["AUSDT", "BUSDT", "CUSDT", "DUSDT", "EUSDT"]);
        assert_eq!(
            top_by_volume(&all, &v, 3),
            syms(&["BUSDT", "CUSDT", "DUSDT"])
        );
        assert_eq!(top_by_volume(&all, &v, 9).len(), 5);
    }

    #[test]
    fn the_flag_reads_all_top_and_lists() {
        assert_eq!("all".parse::<SymbolSet>(), Ok(SymbolSet::All));
        assert_eq!("top:50".parse::<SymbolSet>(), Ok(SymbolSet::Top(50)));
        assert!("top:0".parse::<SymbolSet>().is_err());
        assert!("top:x".parse::<SymbolSet>().is_err());
        assert_eq!(
            "btcusdt,ETHUSDT".parse::<SymbolSet>(),
            Ok(SymbolSet::List(syms(&["BTCUSDT", "ETHUSDT"])))
        );
    }

    #[test]
    fn changes_name_what_was_listed_and_delisted() {
        let (added, removed) = changes(&syms(&["AUSDT", "BUSDT"]), &syms(&["BUSDT", "CUSDT"]));
        assert_eq!((added, removed), (syms(&["CUSDT"]), syms(&["AUSDT"])));
    }

    #[test]
    fn a_bad_answer_is_an_error_naming_the_endpoint() {
        let e = parse_exchange_info("<html>").unwrap_err().to_string();
        assert!(e.contains("exchangeInfo"), "{e}");
        assert!(parse_volumes("{}")
            .unwrap_err()
            .to_string()
            .contains("ticker/24hr"));
    }
}
