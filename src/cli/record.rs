//! `hoptrace snapshot record`: a full discovery of the live account, written
//! atomically to a snapshot file.

use std::path::Path;

use super::{CliError, RecordArgs};
use crate::discover::{self, Clients, Discovery};
use crate::model::Snapshot;

/// How many failed calls are listed on stderr; the rest are counted.
const ERRORS_LISTED: usize = 20;

pub fn run(args: RecordArgs) -> Result<i32, CliError> {
    // Refuse before reading the account, not after.
    if !args.force && args.out.symlink_metadata().is_ok() {
        return Err(CliError(format!(
            "{} already exists (use --force to replace it)",
            args.out.display()
        )));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError(format!("cannot start the async runtime: {e}")))?;
    let found = rt.block_on(async {
        let aws = &args.aws;
        let conf = discover::connect(
            aws.profile.as_deref(),
            aws.region.as_deref(),
            aws.endpoint_url.as_deref(),
        )
        .await?;
        Ok::<_, CliError>(discover::full(&Clients::new(&conf)).await?)
    })?;
    let mut found = found;
    if args.redact {
        let (red, _) = crate::model::redact::redact(&found.snapshot)?;
        found.snapshot = red;
    }
    let text = serde_json::to_vec_pretty(&found.snapshot)?;
    crate::model::snapshot::write_new_file(&args.out, &text, args.force)
        .map_err(|e| CliError(format!("cannot write {}: {e}", args.out.display())))?;
    for e in found.errors.iter().take(ERRORS_LISTED) {
        eprintln!("hoptrace: warning: {e}");
    }
    if found.errors.len() > ERRORS_LISTED {
        eprintln!(
            "hoptrace: warning: {} more failed calls (all are in the log file)",
            found.errors.len() - ERRORS_LISTED
        );
    }
    println!("{}", summary(&args.out, &found));
    Ok(0)
}

/// `recorded FILE (account A, region R): 1 vpcs, ... ; N AWS calls, M failed, T s`
pub(crate) fn summary(out: &Path, d: &Discovery) -> String {
    let counts: Vec<String> = counts(&d.snapshot)
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    format!(
        "recorded {} (account {}, {}): {}; {} AWS calls, {} failed, {:.1} s",
        out.display(),
        d.snapshot.account,
        d.snapshot.region,
        if counts.is_empty() {
            "nothing found".to_string()
        } else {
            counts.join(", ")
        },
        d.aws_calls,
        d.errors.len(),
        d.elapsed.as_secs_f64()
    )
}

/// Each collection of the snapshot with its length, in file order.
pub(crate) fn counts(s: &Snapshot) -> Vec<(&'static str, usize)> {
    vec![
        ("vpcs", s.vpcs.len()),
        ("dhcp_options", s.dhcp_options.len()),
        ("subnets", s.subnets.len()),
        ("instances", s.instances.len()),
        ("network_interfaces", s.network_interfaces.len()),
        ("route_tables", s.route_tables.len()),
        ("network_acls", s.network_acls.len()),
        ("security_groups", s.security_groups.len()),
        ("prefix_lists", s.prefix_lists.len()),
        ("vpc_endpoints", s.vpc_endpoints.len()),
        ("vpc_peering_connections", s.vpc_peering_connections.len()),
        ("flow_logs", s.flow_logs.len()),
        ("rest_apis", s.rest_apis.len()),
        ("vpc_links", s.vpc_links.len()),
        ("domain_names", s.domain_names.len()),
        (
            "domain_name_access_associations",
            s.domain_name_access_associations.len(),
        ),
        ("usage_plans", s.usage_plans.len()),
        ("api_keys", s.api_keys.len()),
        ("instance_profiles", s.instance_profiles.len()),
        ("roles", s.roles.len()),
        ("managed_policies", s.managed_policies.len()),
        ("lambda_functions", s.lambda_functions.len()),
        ("lambda_policies", s.lambda_policies.len()),
    ]
}
