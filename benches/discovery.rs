//! Full discovery against a moto server: wall time, AWS calls and peak
//! memory for an account of 2,000 instances, 200 security groups and 50
//! APIs of 20 methods, concurrent (hoptrace's bound) against one call at a
//! time. Run with a server: `scripts/bench-discovery` (it starts moto), or
//! `HOPTRACE_MOTO_URL=http://127.0.0.1:PORT cargo bench --bench discovery`.
//! Without the server it says so and fails.

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

    let clients = Clients::with_interceptor(&conf, aws::account_header(&account));
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
    println!("peak memory of this process: {} MiB", peak_rss_mib());
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
