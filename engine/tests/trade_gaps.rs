//! Gaps in the `@trade` stream: trade ids are consecutive per symbol over
//! every kind of trade, so the non-market trades the X filter drops still
//! count as seen, and a jump is trades never received. They are filled
//! from `historicalTrades`, which Binance serves only with an API key.

use std::time::Duration;

use spreadwatch_engine::mock::MockConfig;
use spreadwatch_engine::sources::frame::StreamKind;
use spreadwatch_engine::Engine;

use crate::gaps::{assert_unbroken, closed_1s, gapped_feed, two_symbol_frames};
use crate::live_source::wait_until;

/// Ids whose trade is not a market trade (insurance fund, ADL).
fn non_market(i: u64) -> bool {
    [150, 151, 300].contains(&i)
}

fn trade_frames(n: u64, skip: impl Fn(&str, u64) -> bool) -> Vec<String> {
    two_symbol_frames(StreamKind::Trade, n, skip, non_market)
}

/// Runs the broken feed (BTCUSDT never sends 101..=180, which holds two
/// non-market trades) against REST, with or without an API key; returns
/// the engine's BTCUSDT feed status and closed 1 s bars.
async fn run(
    api_key: Option<&str>,
) -> (
    spreadwatch_proto::SymbolStatus,
    Vec<spreadwatch_proto::Bar>,
    u64,
) {
    let whole = trade_frames(400, |_, _| false);
    let broken = trade_frames(400, |s, i| s == "BTCUSDT" && (101..=180).contains(&i));
    let feed = MockConfig {
        frames: broken,
        ..MockConfig::default()
    };
    let (_rest, _mock, mut cfg) = gapped_feed(&whole, feed, StreamKind::Trade, 0).await;
    cfg.binance.api_key = api_key.map(str::to_string);
    let engine = Engine::start(cfg).unwrap();
    let h = engine.handle();
    wait_until("the gap settled", Duration::from_secs(20), || {
        let s = h.status();
        let settled = s
            .sources
            .get("binance")
            .and_then(|b| b.symbols.get("BTCUSDT"))
            .is_some_and(|x| x.gaps_filled + x.gaps_unfilled == 1);
        let eth = s.symbols.get("ETHUSDT").is_some_and(|x| x.ticks == 397);
        settled && eth
    })
    .await;
    let status = h.status().sources["binance"].symbols["BTCUSDT"].clone();
    let ticks = h.status().symbols["BTCUSDT"].ticks;
    let bars = closed_1s(&h, &["BTCUSDT"]).await.remove(0);
    engine.shutdown().await;
    (status, bars, ticks)
}

#[test]
fn a_trade_stream_gap_is_found_past_non_market_trades_and_filled_with_a_key() {
    actix_rt::System::new().block_on(async {
        let (btc, live, ticks) = run(Some("test-key")).await;
        // One gap of 80 ids; the non-market id 300, received, is not one.
        assert_eq!(
            (btc.gaps, btc.missing_ids, btc.last_gap),
            (1, 80, Some((101, 180))),
            "{btc:?}"
        );
        // 78 market trades came back (150 and 151 were not market trades).
        assert_eq!((btc.gaps_filled, btc.backfilled), (1, 78), "{btc:?}");
        assert_eq!(ticks, 397, "every market trade once");
        assert_unbroken(&live, &trade_frames(400, |_, _| false)).await;
    });
}

#[test]
fn without_a_key_a_trade_stream_gap_is_reported_unfilled() {
    actix_rt::System::new().block_on(async {
        let (btc, _, ticks) = run(None).await;
        assert_eq!((btc.gaps, btc.missing_ids), (1, 80), "{btc:?}");
        assert_eq!(
            (btc.gaps_filled, btc.gaps_unfilled, btc.backfilled),
            (0, 1, 0)
        );
        assert_eq!(ticks, 397 - 78);
    });
}
