//! `hoptrace snapshot check` and the hidden synthetic-world generator
//! (`snapshot record` is in `record.rs`).

use std::time::Instant;

use serde::Serialize;

use super::{CliError, Output, SnapshotCommand, SynthArgs};
use crate::model::{Snapshot, World};

#[derive(Serialize)]
struct CheckReport {
    file: String,
    schema: String,
    account: String,
    region: String,
    captured_at: String,
    counts: Vec<(&'static str, usize)>,
    graph_nodes: usize,
    graph_edges: usize,
    warnings: Vec<String>,
    load_ms: u128,
    index_ms: u128,
    peak_rss_mib: Option<u64>,
}

/// Peak resident memory of this process (Linux), in MiB.
pub fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

pub fn run(cmd: SnapshotCommand) -> Result<i32, CliError> {
    match cmd {
        SnapshotCommand::Check { file, output } => {
            let t0 = Instant::now();
            let snap = Snapshot::load(&file)?;
            let load_ms = t0.elapsed().as_millis();
            let t1 = Instant::now();
            let world = World::new(snap);
            let index_ms = t1.elapsed().as_millis();
            let s = &world.snap;
            let report = CheckReport {
                file: file.display().to_string(),
                schema: s.schema.clone(),
                account: s.account.clone(),
                region: s.region.clone(),
                captured_at: s.captured_at.clone(),
                counts: vec![
                    ("vpcs", s.vpcs.len()),
                    ("subnets", s.subnets.len()),
                    ("instances", s.instances.len()),
                    ("security_groups", s.security_groups.len()),
                    ("network_acls", s.network_acls.len()),
                    ("route_tables", s.route_tables.len()),
                    ("vpc_endpoints", s.vpc_endpoints.len()),
                    ("rest_apis", s.rest_apis.len()),
                    ("roles", s.roles.len()),
                ],
                graph_nodes: world.graph.node_count(),
                graph_edges: world.graph.edge_count(),
                warnings: world
                    .warnings
                    .iter()
                    .cloned()
                    .chain(content_warnings(s))
                    .collect(),
                load_ms,
                index_ms,
                peak_rss_mib: peak_rss_mib(),
            };
            let text = match output {
                Output::Json => serde_json::to_string_pretty(&report)? + "\n",
                Output::Table => {
                    let mut t = format!(
                        "{}: {} account {} region {} captured {}\n",
                        report.file,
                        report.schema,
                        report.account,
                        report.region,
                        report.captured_at
                    );
                    for (k, v) in &report.counts {
                        t += &format!("  {k:<16} {v}\n");
                    }
                    t += &format!(
                        "  graph            {} nodes, {} edges\n",
                        report.graph_nodes, report.graph_edges
                    );
                    t += &format!(
                        "  loaded in {} ms, indexed in {} ms, peak memory {} MiB\n",
                        report.load_ms,
                        report.index_ms,
                        report
                            .peak_rss_mib
                            .map(|m| m.to_string())
                            .unwrap_or_else(|| "?".into())
                    );
                    for w in &report.warnings {
                        t += &format!("  warning: {w}\n");
                    }
                    t
                }
            };
            super::emit(&text)?;
            Ok(0)
        }
        SnapshotCommand::Record(args) => super::record::run(args),
    }
}

/// What loads but cannot be used: policy documents the parser rejects and
/// CIDR blocks that are not CIDR blocks (the hops that read them answer
/// `unknown`; the check says so up front).
fn content_warnings(s: &Snapshot) -> Vec<String> {
    use crate::net::cidr::Cidr;
    use crate::policy::{parse, ParseOptions};
    let mut out = Vec::new();
    let mut policy = |what: String, text: Option<&str>| {
        if let Some(t) = text.filter(|t| !t.trim().is_empty()) {
            if let Err(e) = parse(t, &ParseOptions::default()) {
                out.push(format!("{what}: the policy cannot be read: {e}"));
            }
        }
    };
    for e in &s.vpc_endpoints {
        policy(
            format!("vpc endpoint {} PolicyDocument", e.vpc_endpoint_id),
            e.policy_document.as_deref(),
        );
    }
    for a in &s.rest_apis {
        policy(format!("rest api {} policy", a.id), a.policy.as_deref());
    }
    for d in &s.domain_names {
        policy(
            format!("domain name {} policy", d.domain_name),
            d.policy.as_deref(),
        );
    }
    for r in &s.roles {
        policy(
            format!("role {} AssumeRolePolicyDocument", r.role_name),
            r.assume_role_policy_document.as_deref(),
        );
        for p in &r.inline_policies {
            policy(
                format!("role {} inline policy {}", r.role_name, p.policy_name),
                Some(&p.policy_document),
            );
        }
    }
    for m in &s.managed_policies {
        policy(format!("managed policy {}", m.arn), Some(&m.document));
    }
    for l in &s.lambda_policies {
        policy(
            format!("lambda policy of {}", l.function_arn),
            l.policy.as_deref(),
        );
    }
    let mut cidr = |what: String, c: &str| {
        if let Err(e) = Cidr::parse(c) {
            out.push(format!("{what}: {c:?} is not a CIDR block ({e})"));
        }
    };
    for v in &s.vpcs {
        if let Some(c) = &v.cidr_block {
            cidr(format!("vpc {} CidrBlock", v.vpc_id), c);
        }
    }
    for sn in &s.subnets {
        cidr(format!("subnet {} CidrBlock", sn.subnet_id), &sn.cidr_block);
    }
    for n in &s.network_acls {
        for e in &n.entries {
            if let Some(c) = &e.cidr_block {
                cidr(
                    format!("network acl {} rule {}", n.network_acl_id, e.rule_number),
                    c,
                );
            }
        }
    }
    for g in &s.security_groups {
        for p in g.ip_permissions.iter().chain(&g.ip_permissions_egress) {
            for r in &p.ip_ranges {
                cidr(format!("security group {} rule", g.group_id), &r.cidr_ip);
            }
        }
    }
    out
}

pub fn synth(args: SynthArgs) -> Result<i32, CliError> {
    let p = crate::synth::Params {
        instances: args.instances,
        security_groups: args.security_groups,
        subnets: args.subnets,
        endpoints: args.endpoints,
        apis: args.apis,
    };
    if p.instances == 0
        || p.endpoints == 0
        || p.subnets < 2 * p.endpoints
        || p.security_groups < 2 * p.endpoints
    {
        return Err(CliError("synth needs instances > 0, endpoints > 0, and at least 2 subnets and 2 security groups per endpoint".into()));
    }
    let snap = crate::synth::generate(&p);
    let text = serde_json::to_vec(&snap)?;
    crate::model::snapshot::write_new_file(&args.out, &text, args.force)
        .map_err(|e| CliError(format!("cannot write {}: {e}", args.out.display())))?;
    let (inst, url) = crate::synth::sample_request(&p);
    eprintln!(
        "wrote {} ({} MiB)\ntry: hoptrace trace --snapshot {} --from {inst} {url}",
        args.out.display(),
        text.len() / (1024 * 1024),
        args.out.display()
    );
    Ok(0)
}
