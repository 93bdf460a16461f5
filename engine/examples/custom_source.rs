//! Feeds the engine from your own source: here a random walk for two
//! symbols, pushed with `EngineHandle::ingest`, while printing closed bars.
//!
//! `cargo run -p spreadwatch-engine --example custom_source`

use std::time::{SystemTime, UNIX_EPOCH};

use spreadwatch_engine::actors::EngineEvent;
use spreadwatch_engine::Engine;
use spreadwatch_proto::{BarKind, Fixed, Interval, Trade};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::builder()
        .manual()
        .pair("AAAUSDT/BBBUSDT".parse()?)
        .start()?;
    let mut updates = engine.subscribe();
    let t0 = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as i64;
    let mut a = 100.0f64;
    // Three seconds of data time, one trade per leg every 10 ms.
    for i in 0..300u64 {
        a += ((i * 7919 % 13) as f64 - 6.0) * 0.01;
        let b = 2.0 * a + ((i * 104_729 % 11) as f64 - 5.0) * 0.01;
        for (sym, px) in [("AAAUSDT", a), ("BBBUSDT", b)] {
            let t = t0 + i as i64 * 10;
            engine
                .ingest(&Trade {
                    symbol: sym.parse()?,
                    id: i + 1,
                    first_id: i + 1,
                    last_id: i + 1,
                    price: Fixed::from_f64_rounded(px, "0.01".parse()?),
                    qty: "1".parse()?,
                    time_ms: t,
                    event_ms: t,
                    buyer_maker: i % 2 == 0,
                })
                .await?;
        }
    }
    engine.close_forming().await;
    let mut closed = 0;
    while let Ok(u) = updates.try_recv() {
        if let EngineEvent::Bar {
            bar,
            kind: BarKind::Closed,
        } = u.event
        {
            if bar.interval == Interval::S1 {
                println!(
                    "{} {} o={} h={} l={} c={} v={}",
                    bar.symbol, bar.start_ms, bar.open, bar.high, bar.low, bar.close, bar.volume
                );
                closed += 1;
            }
        }
    }
    let snap = engine.pair_snapshot(&"AAAUSDT/BBBUSDT".parse()?).await?;
    println!("pair points: {}", snap.points.len());
    engine.shutdown().await;
    if closed == 0 {
        return Err("no closed bars".into());
    }
    Ok(())
}
