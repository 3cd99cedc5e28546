//! H4 and H7: the security groups on both sides.

use super::shared::*;

/// Resolve group ids; the missing ones are returned separately.
fn groups<'w>(ctx: &Ctx<'w>, ids: &[String]) -> (Vec<&'w SecurityGroup>, Vec<String>) {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for id in ids {
        match ctx.world.security_group(id) {
            Some(g) => found.push(g),
            None => missing.push(id.clone()),
        }
    }
    (found, missing)
}

/// The endpoint's groups, or the VPC default group when it has none (H7.1).
fn endpoint_group_ids(ctx: &Ctx, ep: &VpcEndpoint) -> (Vec<String>, bool) {
    if !ep.groups.is_empty() {
        return (
            ep.groups.iter().map(|g| g.group_id.clone()).collect(),
            false,
        );
    }
    match ctx.world.default_security_group(&ep.vpc_id) {
        Some(g) => (vec![g.group_id.clone()], true),
        None => (Vec::new(), true),
    }
}

/// What the H7 check reads of the client, per endpoint: the groups the
/// endpoint's ingress rules reference (sorted; the check asks only which of
/// them the client carries) and every CIDR block the rules and their prefix
/// lists name (the check asks only which of them hold the client address).
pub(crate) fn endpoint_ingress_reads(ctx: &Ctx, ep: &VpcEndpoint) -> (Vec<String>, Vec<Cidr>) {
    let (ids, _) = endpoint_group_ids(ctx, ep);
    let (found, _) = groups(ctx, &ids);
    let mut refs = Vec::new();
    let mut blocks = Vec::new();
    for p in found.iter().flat_map(|g| g.ip_permissions.iter()) {
        refs.extend(
            p.user_id_group_pairs
                .iter()
                .filter_map(|p| p.group_id.clone()),
        );
        let cidrs = p
            .ip_ranges
            .iter()
            .map(|r| r.cidr_ip.as_str())
            .chain(p.ipv6_ranges.iter().map(|r| r.cidr_ipv6.as_str()));
        blocks.extend(cidrs.filter_map(|c| Cidr::parse(c).ok()));
        for pl in &p.prefix_list_ids {
            let entries = ctx
                .world
                .prefix_list(&pl.prefix_list_id)
                .and_then(|l| l.entries.as_ref());
            for e in entries.into_iter().flatten() {
                blocks.extend(Cidr::parse(&e.cidr).ok());
            }
        }
    }
    refs.sort_unstable();
    refs.dedup();
    (refs, blocks)
}

fn sg_outcome(
    ctx: &Ctx,
    ids: &[String],
    egress: bool,
    peer: &Peer,
    check_ok: &'static str,
    check_fail: &'static str,
    what: &str,
) -> Hop {
    let (found, missing) = groups(ctx, ids);
    let pl = pl_lookup(ctx);
    let port = ctx.req.port;
    let dir = if egress { "egress" } else { "ingress" };
    let list = if egress {
        "IpPermissionsEgress"
    } else {
        "IpPermissions"
    };
    let mut out = match sg::evaluate(&found, egress, port, peer, &pl) {
        SgOutcome::Allow { group_id, field } => path_result(
            Verdict::Allow,
            check_ok,
            format!("{group_id} {dir} allows tcp/{port} {what}"),
            field,
        ),
        SgOutcome::Unknown { reason, field } => {
            path_result(Verdict::Unknown, check_ok, reason, field)
        }
        SgOutcome::Deny if !missing.is_empty() => path_result(
            Verdict::Unknown,
            check_ok,
            format!(
                "{} not in the snapshot{}; the captured groups do not allow tcp/{port} {what}",
                missing.join(", "),
                ctx.unread("security_groups", "ec2:DescribeSecurityGroups")
                    .map(|w| format!(" ({w})"))
                    .unwrap_or_default()
            ),
            Deciding::field("ec2:DescribeSecurityGroups", missing.join(","), "").missing(),
        ),
        SgOutcome::Deny => path_result(
            Verdict::Deny,
            check_fail,
            format!(
                "no {dir} rule in {} allows tcp/{port} {what}",
                if ids.is_empty() {
                    "(no security groups)".to_string()
                } else {
                    ids.join(", ")
                }
            ),
            Deciding::field(
                "ec2:DescribeSecurityGroups",
                ids.join(","),
                format!("{list} (no rule matches)"),
            ),
        )
        .symptom(TIMEOUT),
    };
    for id in ids {
        out = out.read(K::SecurityGroup, id);
    }
    out
}

pub(super) fn sg_egress(
    ctx: &Ctx,
    client: &Client,
    ep: &VpcEndpoint,
    dst: &AddrSet,
    scope: &RefScope,
) -> Hop {
    let (ep_groups, _) = endpoint_group_ids(ctx, ep);
    let peer = Peer {
        addr: *dst,
        groups: &ep_groups,
        scope: scope.clone(),
    };
    sg_outcome(
        ctx,
        &client.groups,
        true,
        &peer,
        "H4.1",
        "H4.1",
        &format!("to {dst} ({})", ep.vpc_endpoint_id),
    )
}

pub(super) fn sg_endpoint(
    ctx: &Ctx,
    client: &Client,
    ep: &VpcEndpoint,
    src: IpAddr,
    scope: &RefScope,
) -> Hop {
    let (ids, defaulted) = endpoint_group_ids(ctx, ep);
    let peer = Peer {
        addr: AddrSet::Ip(src),
        groups: &client.groups,
        scope: scope.clone(),
    };
    let mut out = sg_outcome(
        ctx,
        &ids,
        false,
        &peer,
        "H7.2",
        "H7.3",
        &format!("from {src} ({})", client.instance.instance_id),
    );
    if defaulted {
        let reason = format!(
            "{} has no security groups, so the VPC default group applies (H7.1): {}",
            ep.vpc_endpoint_id, out.reason
        );
        out = out.reason(reason);
        if ids.is_empty() {
            out = path_result(
                Verdict::Unknown,
                "H7.1",
                format!(
                    "{} has no security groups and the default group of {} is not in the snapshot",
                    ep.vpc_endpoint_id, ep.vpc_id
                ),
                Deciding::field(
                    "ec2:DescribeSecurityGroups",
                    "",
                    format!("vpc-id={} group-name=default", ep.vpc_id),
                )
                .missing(),
            );
        }
    }
    out.read(K::VpcEndpoint, &ep.vpc_endpoint_id)
}
