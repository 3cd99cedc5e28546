//! Benchmark: `reach --to` over the 50,000-instance synthetic world, the
//! computation alone (the world is loaded once), on every core and on one.
//!
//! Run: `cargo bench --bench reach`. The whole process, load included, is
//! timed with `hoptrace synth --out big.json` and
//! `hoptrace reach --snapshot big.json --to URL`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};

use hoptrace::model::{Snapshot, World};
use hoptrace::reach;
use hoptrace::synth::{generate, sample_request, Params};
use hoptrace::trace::{Request, TlsVersion};

fn reach_to(c: &mut Criterion) {
    let p = Params::default();
    let bytes = serde_json::to_vec(&generate(&p)).expect("serialize");
    let world = World::new(Snapshot::from_slice(&bytes, Path::new("synthetic")).expect("load"));
    let (_, url) = sample_request(&p);
    let req = Request::new("", "GET", &url, &[], false, TlsVersion::V1_2).expect("request");
    let r = reach::reach_to(&world, &req, &[]).expect("reach");
    eprintln!(
        "reach --to over {} instances: {} groups, {} parts evaluated, {} reused, on {} threads",
        r.total,
        r.groups.len(),
        r.stats.parts_evaluated,
        r.stats.parts_reused,
        r.stats.threads
    );
    let mut g = c.benchmark_group("reach-50k");
    g.sample_size(10);
    g.bench_function("to/all-cores", |b| {
        b.iter(|| reach::reach_to(&world, &req, &[]).expect("reach"))
    });
    g.bench_function("to/one-thread", |b| {
        b.iter(|| reach::reach_to_with(&world, &req, &[], 1).expect("reach"))
    });
    g.finish();
}

criterion_group!(benches, reach_to);
criterion_main!(benches);
