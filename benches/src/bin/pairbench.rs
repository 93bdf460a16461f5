//! Times spreadwatch's incremental pair update on the workload of
//! `benches/python/reference_dashboard.py` (lookback 300, window 60) and
//! prints one JSON line, for the side-by-side in `benches/python/side_by_side.sh`.

use std::hint::black_box;
use std::time::Instant;

use spreadwatch_engine::core::pair::PairState;
use spreadwatch_proto::PairParams;

fn main() {
    let updates: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let params = PairParams {
        lookback: 300,
        window: 60,
        ..PairParams::default()
    };
    let mut st = PairState::new(
        "ETHUSDT/BTCUSDT".parse().expect("valid pair"),
        params,
        3_600,
    );
    let (mut x, mut u, mut s) = (43_000.0f64, 0.0f64, 7u64);
    let mut next = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    let mut step = || {
        x += next() * 10.0;
        u = 0.95 * u + next();
        (x, 0.055 * x - 60.0 + u)
    };
    for i in 0..300 {
        let (x, y) = step();
        st.commit(i, x, y);
    }
    // Each update is what the dashboard showed per refresh: OLS hedge,
    // spread, z and correlation over the window, and the Kalman state.
    let t0 = Instant::now();
    for i in 0..updates {
        let (x, y) = step();
        black_box(st.commit(300 + i as i64, x, y));
    }
    let us = t0.elapsed().as_secs_f64() * 1e6 / updates as f64;
    println!("{{\"updates\":{updates},\"lookback\":300,\"window\":60,\"per_update_us\":{us}}}");
}
