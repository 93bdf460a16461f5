//! What a WebSocket session subscribes to: the defaults a client may leave
//! out, and the bound on what it may name.

use spreadwatch_proto::{Interval, PairId, PairParams, Subscription, Symbol};

use super::leases::Leases;
use crate::EngineHandle;

/// Pairs clients may have the engine track by subscribing or watching
/// (configured ones count): room for a full watchlist beside the configured
/// pairs and the one shown. A started pair no session wants stops after
/// the idle time (see [`Leases`]).
pub const MAX_PAIRS: usize = 64;

/// Pairs one subscription may watch.
pub const MAX_WATCH: usize = 32;

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
    scan: bool,
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
        scan,
        watch: Vec::new(),
    })
}

/// The watched pairs asked for, repeats dropped, in the order asked.
///
/// # Errors
/// More than [`MAX_WATCH`] distinct pairs.
pub fn distinct_watch(watch: Vec<PairId>) -> Result<Vec<PairId>, String> {
    let mut seen = std::collections::HashSet::with_capacity(watch.len());
    let watch: Vec<PairId> = watch
        .into_iter()
        .filter(|p| seen.insert(p.clone()))
        .collect();
    if watch.len() > MAX_WATCH {
        return Err(format!(
            "subscribe: {} watched pairs; at most {MAX_WATCH}",
            watch.len()
        ));
    }
    Ok(watch)
}

/// The watched pairs that run: each is started as [`ensure_pair`] starts
/// one, and one that cannot be (a leg not tracked, [`MAX_PAIRS`] running)
/// is left out, so a watchlist saved against another market does not
/// refuse the whole subscription.
pub fn start_watch(engine: &EngineHandle, leases: &Leases, watch: Vec<PairId>) -> Vec<PairId> {
    watch
        .into_iter()
        .filter(|p| ensure_pair(engine, leases, p).is_ok())
        .collect()
}

/// Makes sure `pair` is analysed, starting it when both legs are tracked
/// (the dashboard lets a trader pick any two) and fewer than
/// [`MAX_PAIRS`] run, which keeps a client from making the engine track
/// without bound. A pair started here is noted in `leases`, so it stops
/// once no session wants it.
///
/// # Errors
/// A leg not tracked, or the limit reached, in words for the client.
pub fn ensure_pair(engine: &EngineHandle, leases: &Leases, pair: &PairId) -> Result<(), String> {
    let pairs = engine.pairs();
    if pairs.contains(pair) {
        return Ok(());
    }
    let symbols = engine.symbols();
    if !(symbols.contains(&pair.y) && symbols.contains(&pair.x)) {
        return Err(format!(
            "unknown pair {pair}; tracked pairs: {}; tracked symbols: {} \
             (up to {MAX_PAIRS} pairs of tracked symbols are added on request)",
            list(&pairs),
            list(&symbols)
        ));
    }
    engine
        .add_pair_within(pair, PairParams::default(), MAX_PAIRS)
        .map_err(|e| e.to_string())?;
    leases.started(pair);
    Ok(())
}

fn list<T: std::fmt::Display>(v: &[T]) -> String {
    if v.is_empty() {
        return "none".into();
    }
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
