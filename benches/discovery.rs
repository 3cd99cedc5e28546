//! Full discovery against a moto server: wall time, AWS calls and peak
//! memory for an account of 2,000 instances, 200 security groups and 50
//! APIs of 20 methods, concurrent (hoptrace's bound) against one call at a
//! time. Run with a server: `scripts/bench-discovery` (it starts moto), or
//! `HOPTRACE_MOTO_URL=http://127.0.0.1:PORT cargo bench --bench discovery`.
//! Without the server it says so and fails.
//!
//! On loopback, moto answers as fast as its one Python process can work, so
//! the calls queue on moto's CPU whatever the client does. AWS answers each
//! call after a network round trip (tens of milliseconds), which is what
//! concurrency hides. So each comparison runs twice: straight to moto, and
//! through a loopback proxy that holds every request for
//! `HOPTRACE_BENCH_LATENCY_MS` (default 50) before passing it on.

use std::time::Instant;

#[path = "../tests/support/aws.rs"]
mod aws;

use hoptrace::discover::{self, Clients};

const INSTANCES: i32 = 2_000;
const GROUPS: usize = 200;
const APIS: usize = 50;
const METHODS: usize = 20;

fn main() {
    let url = std::env::var("HOPTRACE_MOTO_URL").unwrap_or_else(|_| {
        eprintln!("HOPTRACE_MOTO_URL is not set: this benchmark reads a moto server; run scripts/bench-discovery");
        std::process::exit(2);
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(&url));
}

async fn run(url: &str) {
    let account = format!("7{:011}", std::process::id());
    let conf = aws::config(url).await;
    let admin = aws::Admin::new(&conf, &account);
    let t = Instant::now();
    let made = build(&admin).await;
    eprintln!(
        "built {made} resources in {:.1} s (account {account})",
        t.elapsed().as_secs_f64()
    );

    let latency: u64 = std::env::var("HOPTRACE_BENCH_LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    compare(&conf, &account, "straight to moto").await;
    let proxy = delaying_proxy(url, std::time::Duration::from_millis(latency)).await;
    let slow_conf = aws::config(&proxy).await;
    compare(
        &slow_conf,
        &account,
        &format!("through a proxy adding {latency} ms per request"),
    )
    .await;
    println!("peak memory of this process: {} MiB", peak_rss_mib());
}

/// A loopback proxy to `upstream` that holds each chunk a client sends for
/// `delay` before passing it on (a request is one chunk): an emulated
/// network round trip per call. Returns its URL.
async fn delaying_proxy(upstream: &str, delay: std::time::Duration) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let target = upstream
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("proxy listens");
    let addr = listener.local_addr().expect("proxy address");
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let target = target.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(&target).await else {
                    return;
                };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = cr.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        tokio::time::sleep(delay).await;
                        if sw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = sw.shutdown().await;
                };
                let down = async move {
                    let _ = tokio::io::copy(&mut sr, &mut cw).await;
                    let _ = cw.shutdown().await;
                };
                tokio::join!(up, down);
            });
        }
    });
    format!("http://{addr}")
}

/// Full discovery at hoptrace's bound and one call at a time, after a
/// warm-up, through `conf`'s endpoint.
async fn compare(conf: &aws_config::SdkConfig, account: &str, how: &str) {
    println!("== {how}");
    let clients = Clients::with_interceptor(conf, aws::account_header(account));
    // Warm moto's per-service start-up so neither run pays it.
    let _ = discover::full_with(&clients, discover::CONCURRENCY).await;
    let mut runs = Vec::new();
    for concurrency in [discover::CONCURRENCY, 1] {
        let before = clients.calls();
        let t = Instant::now();
        let d = discover::full_with(&clients, concurrency)
            .await
            .expect("discovery");
        let wall = t.elapsed();
        let calls = clients.calls() - before;
        println!(
            "full discovery, concurrency {concurrency}: {:.2} s, {calls} AWS calls, {} errors; {} instances, {} security groups, {} APIs",
            wall.as_secs_f64(),
            d.errors.len(),
            d.snapshot.instances.len(),
            d.snapshot.security_groups.len(),
            d.snapshot.rest_apis.len(),
        );
        runs.push((concurrency, wall, calls));
    }
    let (fast, slow) = (runs[0].1, runs[1].1);
    println!(
        "speed-up over one call at a time: {:.1}x (same calls: {})",
        slow.as_secs_f64() / fast.as_secs_f64().max(1e-9),
        runs[0].2 == runs[1].2
    );
}

/// 2,000 instances in 4 subnets, 200 security groups, 50 private APIs of
/// 20 MOCK methods each, deployed. Returns the number of resources.
async fn build(a: &aws::Admin) -> usize {
    let vpc = a
        .ec2
        .create_vpc()
        .cidr_block("10.50.0.0/16")
        .send()
        .await
        .expect("vpc")
        .vpc
        .and_then(|v| v.vpc_id)
        .expect("vpc id");
    let mut subnets = Vec::new();
    for i in 0..4 {
        let s = a
            .ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(format!("10.50.{}.0/20", i * 16))
            .send()
            .await
            .expect("subnet")
            .subnet
            .and_then(|s| s.subnet_id)
            .expect("subnet id");
        subnets.push(s);
    }
    for g in 0..GROUPS {
        a.ec2
            .create_security_group()
            .vpc_id(&vpc)
            .group_name(format!("bench-{g}"))
            .description("bench")
            .send()
            .await
            .expect("security group");
    }
    let per = INSTANCES / subnets.len() as i32;
    for s in &subnets {
        a.ec2
            .run_instances()
            .image_id("ami-12c6146b")
            .min_count(per)
            .max_count(per)
            .subnet_id(s)
            .send()
            .await
            .expect("instances");
    }
    for n in 0..APIS {
        let api = a
            .apigw
            .create_rest_api()
            .name(format!("bench-{n}"))
            .endpoint_configuration(
                aws_sdk_apigateway::types::EndpointConfiguration::builder()
                    .types(aws_sdk_apigateway::types::EndpointType::Private)
                    .build(),
            )
            .send()
            .await
            .expect("api");
        let id = api.id().expect("api id").to_string();
        let root = a
            .apigw
            .get_resources()
            .rest_api_id(&id)
            .send()
            .await
            .expect("resources")
            .items()
            .first()
            .and_then(|r| r.id().map(str::to_string))
            .expect("root");
        for m in 0..METHODS {
            let r = a
                .apigw
                .create_resource()
                .rest_api_id(&id)
                .parent_id(&root)
                .path_part(format!("r{m}"))
                .send()
                .await
                .expect("resource");
            let rid = r.id().expect("resource id").to_string();
            a.apigw
                .put_method()
                .rest_api_id(&id)
                .resource_id(&rid)
                .http_method("GET")
                .authorization_type("NONE")
                .send()
                .await
                .expect("method");
            a.apigw
                .put_integration()
                .rest_api_id(&id)
                .resource_id(&rid)
                .http_method("GET")
                .r#type(aws_sdk_apigateway::types::IntegrationType::Mock)
                .send()
                .await
                .expect("integration");
        }
        a.apigw
            .create_deployment()
            .rest_api_id(&id)
            .stage_name("prod")
            .send()
            .await
            .expect("deployment");
    }
    4 + GROUPS + INSTANCES as usize + APIS * (METHODS * 3 + 2)
}

fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb / 1024)
        .unwrap_or(0)
}
