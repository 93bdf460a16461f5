//! Criterion benches of the ingest hot path: frame parsing, the bar
//! builder (three intervals with watermark) and the tick ring.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use spreadwatch_engine::core::{BarBook, SeriesLimits, Tick, TickRing};
use spreadwatch_engine::sources::frame::{parse_frame, StreamKind};

fn frames(n: u64, kind: StreamKind) -> Vec<String> {
    let mut v = Vec::new();
    spreadwatch_benches::synthetic_frames(n, 2, 200.0, kind, |l| v.push(l.to_string()));
    v
}

fn ticks(n: u64) -> Vec<Tick> {
    frames(n, StreamKind::AggTrade)
        .iter()
        .filter_map(|f| match parse_frame(f.as_bytes()) {
            spreadwatch_engine::sources::frame::Frame::Trade(t) if t.symbol == "BTCUSDT" => {
                Some(t.tick)
            }
            _ => None,
        })
        .collect()
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse_frame");
    for kind in [StreamKind::AggTrade, StreamKind::Trade] {
        let fs = frames(10_000, kind);
        g.throughput(Throughput::Elements(fs.len() as u64));
        g.bench_function(kind.suffix(), |b| {
            b.iter(|| {
                for f in &fs {
                    black_box(parse_frame(black_box(f.as_bytes())));
                }
            })
        });
    }
    g.finish();
}

fn bars(c: &mut Criterion) {
    let ts = ticks(20_000);
    let mut g = c.benchmark_group("bar_book");
    g.throughput(Throughput::Elements(ts.len() as u64));
    g.bench_function("update_3_intervals", |b| {
        b.iter(|| {
            let mut book = BarBook::new(SeriesLimits::default(), 250);
            for t in &ts {
                book.update(
                    t,
                    |_, u| {
                        black_box(u);
                    },
                    |_, b| {
                        black_box(b);
                    },
                );
            }
            book
        })
    });
    g.bench_function("ring_insert", |b| {
        b.iter(|| {
            let mut ring = TickRing::new(1_000_000);
            for t in &ts {
                black_box(ring.insert(*t));
            }
            ring
        })
    });
    g.finish();
}

criterion_group!(benches, parse, bars);
criterion_main!(benches);
