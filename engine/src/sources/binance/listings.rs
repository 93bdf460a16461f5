//! Following the whole market: the symbol list fetched at start and every
//! refresh, new listings added to the [`Fleet`], delistings removed. Without
//! a reachable exchange it says so on the board and keeps trying, backing
//! off as the connections do.

use std::time::Duration;

use spreadwatch_proto::status::ListingStatus;
use spreadwatch_proto::Symbol;
use tokio_util::sync::CancellationToken;

use super::fleet::Fleet;
use crate::sources::exchange_info::{fetch, UniverseConfig};
use crate::sources::universe::{changes, SymbolSet};
use crate::status::SourceBoard;

/// The longest wait between two tries of an unreachable exchange.
const RETRY_MAX: Duration = Duration::from_secs(60);

/// Keeps `fleet` streaming what `cfg` chooses from the market at `rest`,
/// and the `pinned` symbols (the pairs' legs) whatever it chooses, until
/// `stop`.
pub(crate) async fn follow(
    fleet: &mut Fleet,
    rest: &str,
    cfg: &UniverseConfig,
    pinned: &[Symbol],
    board: &SourceBoard,
    stop: &CancellationToken,
) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap_or_default();
    let (mut current, mut retry) = (Vec::<Symbol>::new(), Duration::from_secs(1));
    let mut wait = Duration::ZERO;
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        match fetch(&http, rest, cfg)
            .await
            .and_then(|l| plausible(l, &current))
        {
            Ok(mut list) => {
                list.extend(pinned.iter().cloned());
                list.sort();
                list.dedup();
                apply(fleet, &mut current, list, board, cfg).await;
                retry = Duration::from_secs(1);
                wait = cfg.refresh;
            }
            Err(e) => {
                let msg = format!("symbol list: {e}; trying again in {}s", retry.as_secs());
                tracing::warn!("{msg}");
                board.update(|s| s.last_error = Some(msg));
                wait = retry;
                retry = (retry * 2).min(RETRY_MAX);
            }
        }
    }
}

/// Refuses a list that would stop most of what is streamed (an exchange
/// answering during maintenance, say): delistings come a few at a time.
fn plausible(list: Vec<Symbol>, current: &[Symbol]) -> crate::error::Result<Vec<Symbol>> {
    let kept = current.iter().filter(|s| list.contains(s)).count();
    if list.is_empty() || (current.len() >= 10 && kept * 2 < current.len()) {
        return Err(crate::error::Error::Network(format!(
            "the exchange lists {} of the {} symbols streamed; keeping them until a later list agrees",
            kept,
            current.len()
        )));
    }
    Ok(list)
}

/// Streams the new listings, stops the delisted ones, and says so.
async fn apply(
    fleet: &mut Fleet,
    current: &mut Vec<Symbol>,
    list: Vec<Symbol>,
    board: &SourceBoard,
    cfg: &UniverseConfig,
) {
    let (added, removed) = changes(current, &list);
    let first = current.is_empty();
    if !first && !added.is_empty() {
        tracing::info!(symbols = ?added, "new listings");
    }
    if !removed.is_empty() {
        tracing::info!(symbols = ?removed, "delisted: their streams stop, their history stays");
    }
    fleet.add(&added).await;
    fleet.remove(&removed).await;
    *current = list;
    let streamed = fleet.symbols();
    let set = match cfg.set {
        SymbolSet::Top(n) => format!("top:{n}"),
        _ => "all".to_string(),
    };
    board.update(|s| {
        let l = s.listing.get_or_insert_with(ListingStatus::default);
        l.set = set;
        l.listed = streamed as u64;
        l.refreshes += 1;
        if !first {
            l.added += added.len() as u64;
            l.removed += removed.len() as u64;
        }
        l.refreshed_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_millis()).ok());
    });
}
