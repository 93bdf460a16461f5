//! Per-tick pair update: OLS over the lookback, a Kalman step, z-score and
//! correlation over the window (target ≤ 1 µs), and the slow estimators.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use spreadwatch_engine::core::heavy::compute_heavy;
use spreadwatch_engine::core::pair::PairState;
use spreadwatch_proto::{Model, PairParams};

fn series(n: usize) -> Vec<(f64, f64)> {
    let (mut x, mut u, mut s) = (43_000.0f64, 0.0f64, 7u64);
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    (0..n)
        .map(|_| {
            x += next() * 10.0;
            u = 0.95 * u + next();
            (x, 0.055 * x - 60.0 + u)
        })
        .collect()
}

fn state(model: Model) -> PairState {
    let params = PairParams {
        model,
        ..PairParams::default()
    };
    let mut st = PairState::new("ETHUSDT/BTCUSDT".parse().unwrap(), params, 3_600);
    for (i, (x, y)) in series(1_000).into_iter().enumerate() {
        st.commit(i as i64 * 1_000, x, y);
    }
    st
}

fn per_tick(c: &mut Criterion) {
    let mut g = c.benchmark_group("pair_update");
    let ticks = series(1_100);
    for model in [Model::Ols, Model::Kalman] {
        let st = state(model);
        let mut i = 0usize;
        g.bench_function(format!("provisional_{model}"), |b| {
            b.iter(|| {
                i = (i + 1) % 100;
                let (x, y) = ticks[1_000 + i];
                black_box(st.provisional(1_000_000, black_box(x), black_box(y)))
            })
        });
    }
    let mut st = state(Model::Ols);
    let mut i = 0usize;
    g.bench_function("commit_ols", |b| {
        b.iter(|| {
            i += 1;
            let (x, y) = ticks[1_000 + i % 100];
            black_box(st.commit(1_000_000 + i as i64, x, y))
        })
    });
    let input = state(Model::Ols).heavy_input();
    g.sample_size(20);
    g.bench_function("heavy_lookback_300", |b| {
        b.iter(|| black_box(compute_heavy(&input)))
    });
    g.finish();
}

criterion_group!(benches, per_tick);
criterion_main!(benches);
