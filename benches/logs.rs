//! Log throughput: parse and correlate access-log lines (in the demo
//! stage's JSON format and in CLF) against a demo trace, one core. The
//! issue's bar is 200,000 lines per second.
//!
//! Run: `cargo bench --bench logs`.

use std::time::SystemTime;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use hoptrace::logs::evidence::Tagger;
use hoptrace::logs::{LogLine, SourceKind};

const LINES: usize = 10_000;

fn access_lines() -> Vec<LogLine> {
    (0..LINES)
        .map(|i| {
            let status = if i % 10 == 0 { "403" } else { "200" };
            LogLine {
                source: SourceKind::Access,
                group: "/apigw/pets".into(),
                at: SystemTime::UNIX_EPOCH,
                text: format!(
                    r#"{{"requestId":"6b0a{i:04}-0000-4001-8007-5eed00010001","extendedRequestId":"cQ2x{i}=","vpce":"vpce-0a1b2c3d4e5f60001","vpc":"vpc-0a11ce5e00000a001","ip":"10.0.1.{}","caller":"-","method":"GET","resourcePath":"/pets","stage":"prod","status":"{status}","errType":"-","errMsg":"-","authorize":"200","authorizeErr":"-","waf":"-","integStatus":"200","integErr":"-","latency":"48","tls":"TLSv1.2"}}"#,
                    i % 250
                ),
                hop: None,
                hops: Vec::new(),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let world = hoptrace::demo::world().expect("demo world");
    let req = hoptrace::trace::Request::new(
        "i-0a0000000000web01",
        "GET",
        "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets",
        &[],
        false,
        hoptrace::trace::TlsVersion::V1_2,
    )
    .expect("request");
    let trace = hoptrace::trace::run(&world, &req).expect("trace");
    let lines = access_lines();
    let mut g = c.benchmark_group("access-log");
    g.throughput(Throughput::Elements(LINES as u64));
    g.bench_function("parse+correlate (stage JSON format)", |b| {
        b.iter_batched(
            || (Tagger::new(&world, &trace, None), lines.clone()),
            |(mut tagger, lines)| {
                for l in lines {
                    black_box(tagger.tag(l));
                }
            },
            criterion::BatchSize::LargeInput,
        )
    });
    let stage_format = world
        .rest_api("a1b2c3d4e5")
        .and_then(|a| a.stages.iter().find(|s| s.stage_name == "prod"))
        .and_then(|s| s.access_log_settings.as_ref()?.format.clone())
        .expect("the demo stage's format");
    let json = hoptrace::logs::access::AccessFormat::compile(&stage_format).expect("compiles");
    g.bench_function("parse only (stage JSON format)", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(json.parse(black_box(&l.text)).ok());
            }
        })
    });
    let clf = hoptrace::logs::access::AccessFormat::compile(hoptrace::logs::access::CLF_FORMAT)
        .expect("CLF compiles");
    let clf_lines: Vec<String> = (0..LINES)
        .map(|i| {
            format!(
                r#"10.0.1.{} - - [04/Dec/2026:14:00:00 +0000] "GET /pets HTTP/1.1" 200 512 6b0a{i:04}-0000-4001-8007-5eed00010001"#,
                i % 250
            )
        })
        .collect();
    g.bench_function("parse (CLF)", |b| {
        b.iter(|| {
            for l in &clf_lines {
                black_box(clf.parse(black_box(l)).ok());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
