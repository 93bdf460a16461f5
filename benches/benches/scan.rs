//! The pair scanner on a synthetic whole market: 550 symbols x 1,440 1 m
//! bars, 150,975 pairs screened, 5,000 candidates tested both ways (target
//! at most 2 s on one core), and the screen alone.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use spreadwatch_benches::market::synthetic_market;
use spreadwatch_engine::core::scan::scan;
use spreadwatch_engine::core::scan_grid::Grid;
use spreadwatch_proto::scan::ScanParams;

fn whole_market(c: &mut Criterion) {
    let market = synthetic_market(550, 1_440, 40, 7);
    let p = ScanParams::default();
    let mut g = c.benchmark_group("scan");
    g.sample_size(10);
    g.bench_function("550x1440 full scan", |b| {
        b.iter(|| black_box(scan(black_box(&market), &p)))
    });
    g.bench_function("550x1440 screen only", |b| {
        b.iter(|| {
            let grid = Grid::new(black_box(&market), p.lookback);
            black_box(grid.screen(720).len())
        })
    });
    g.finish();
}

criterion_group!(benches, whole_market);
criterion_main!(benches);
