//! What a WebSocket session subscribes to: the defaults a client may leave
//! out, and the bound on what it may name.

use spreadwatch_proto::{Interval, PairId, Subscription, Symbol};

use crate::EngineHandle;

/// Symbols one subscription may name (more than Binance lists USD-M
/// contracts); repeats count once.
pub const MAX_SUB_SYMBOLS: usize = 1024;

/// Fills in defaults (the engine's default pair, its legs, 1 s bars; with no pair,
/// the first [`MAX_SUB_SYMBOLS`] tracked symbols) and drops repeated
/// symbols.
///
/// # Errors
/// A list of more than [`MAX_SUB_SYMBOLS`] distinct symbols.
pub fn resolve_subscription(
    engine: &EngineHandle,
    pair: Option<PairId>,
    symbols: Option<Vec<Symbol>>,
    interval: Option<Interval>,
) -> Result<Subscription, String> {
    let pair = pair.or_else(|| engine.default_pair());
    let mut symbols = symbols.unwrap_or_else(|| match &pair {
        Some(p) => vec![p.y.clone(), p.x.clone()],
        None => engine.symbols().into_iter().take(MAX_SUB_SYMBOLS).collect(),
    });
    let mut seen = std::collections::HashSet::with_capacity(symbols.len());
    symbols.retain(|s| seen.insert(s.clone()));
    if symbols.len() > MAX_SUB_SYMBOLS {
        return Err(format!(
            "subscribe: {} symbols; at most {MAX_SUB_SYMBOLS}",
            symbols.len()
        ));
    }
    Ok(Subscription {
        pair,
        symbols,
        interval: Some(interval.unwrap_or(Interval::S1)),
    })
}
