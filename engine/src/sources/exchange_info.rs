//! Fetching "the whole market" from Binance REST: `exchangeInfo` for the
//! contracts, `ticker/24hr` for their volumes when only the top N are
//! wanted (the choice itself is [`super::universe`]'s).

use std::time::Duration;

use spreadwatch_proto::Symbol;

use super::universe::{parse_exchange_info, parse_volumes, top_by_volume, tradable, SymbolSet};
use crate::error::{Error, Result};

/// How the live source finds and refreshes its symbols.
#[derive(Debug, Clone, PartialEq)]
pub struct UniverseConfig {
    /// `All` or `Top(n)`.
    pub set: SymbolSet,
    /// Quote assets whose perpetuals count (`USDT` by default).
    pub quotes: Vec<String>,
    /// How often the list is fetched again (an hour by default).
    pub refresh: Duration,
}

impl Default for UniverseConfig {
    fn default() -> Self {
        UniverseConfig {
            set: SymbolSet::All,
            quotes: vec!["USDT".into()],
            refresh: Duration::from_secs(3600),
        }
    }
}

/// The symbols `cfg` chooses from the market at `rest_base` now.
///
/// # Errors
/// The exchange cannot be reached, answers with an error status, or
/// answers something that is not its JSON (`Error::Network`).
pub async fn fetch(
    http: &reqwest::Client,
    rest_base: &str,
    cfg: &UniverseConfig,
) -> Result<Vec<Symbol>> {
    let base = rest_base.trim_end_matches('/');
    let info = get(http, &format!("{base}/fapi/v1/exchangeInfo")).await?;
    let symbols = tradable(&parse_exchange_info(&info)?, &cfg.quotes);
    match cfg.set {
        SymbolSet::Top(n) => {
            let tickers = get(http, &format!("{base}/fapi/v1/ticker/24hr")).await?;
            Ok(top_by_volume(&symbols, &parse_volumes(&tickers)?, n))
        }
        _ => Ok(symbols),
    }
}

async fn get(http: &reqwest::Client, url: &str) -> Result<String> {
    let r = http
        .get(url)
        .send()
        .await
        .map_err(|e| Error::Network(format!("{url}: {e}")))?;
    let status = r.status();
    if !status.is_success() {
        return Err(Error::Network(format!("{url}: HTTP {status}")));
    }
    r.text()
        .await
        .map_err(|e| Error::Network(format!("{url}: {e}")))
}
