//! Benchmarks: loading and indexing the 50,000-instance synthetic world, and
//! one trace on it and on the demo world.
//!
//! Run: `cargo bench --bench trace`. Peak memory of a load is measured with
//! `hoptrace synth --out big.json && hoptrace snapshot check big.json`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};

use hoptrace::model::{Snapshot, World};
use hoptrace::synth::{generate, sample_request, Params};
use hoptrace::trace::{self, Request, TlsVersion};

fn synthetic(c: &mut Criterion) {
    let p = Params::default();
    let bytes = serde_json::to_vec(&generate(&p)).expect("serialize");
    let mut g = c.benchmark_group("synthetic-50k");
    g.sample_size(10);
    g.bench_function("load+index", |b| {
        b.iter(|| {
            let snap = Snapshot::from_slice(&bytes, Path::new("synthetic")).expect("load");
            World::new(snap)
        })
    });
    let world = World::new(Snapshot::from_slice(&bytes, Path::new("synthetic")).expect("load"));
    let (from, url) = sample_request(&p);
    let req = Request::new(&from, "GET", &url, &[], false, TlsVersion::V1_2).expect("request");
    g.sample_size(100);
    g.bench_function("trace", |b| {
        b.iter(|| trace::run(&world, &req).expect("trace"))
    });
    g.finish();
}

fn demo(c: &mut Criterion) {
    let world = hoptrace::demo::world().expect("demo");
    let req = Request::new(
        "i-0a0000000000web01",
        "GET",
        "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets",
        &[],
        false,
        TlsVersion::V1_2,
    )
    .expect("request");
    c.bench_function("demo/trace", |b| {
        b.iter(|| trace::run(&world, &req).expect("trace"))
    });
}

criterion_group!(benches, demo, synthetic);
criterion_main!(benches);
