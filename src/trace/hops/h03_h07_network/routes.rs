//! H3: the route there and back, across VPCs, or to the public endpoint.

use super::shared::*;

pub(super) fn route_hop(
    ctx: &Ctx,
    client: &Client,
    ep: &VpcEndpoint,
    c: &Candidate,
    dst: &AddrSet,
    src: IpAddr,
) -> Hop {
    let w = ctx.world;
    let pl = pl_lookup(ctx);
    let Some((rt, implicit)) = w.subnet_route_table(&client.subnet_id) else {
        return path_result(
            Verdict::Unknown,
            "H3.1",
            format!(
                "no route table for {} in the snapshot{}",
                client.subnet_id,
                ctx.unread("route_tables", "ec2:DescribeRouteTables")
                    .map(|w| format!(" ({w})"))
                    .unwrap_or_default()
            ),
            Deciding::field(
                "ec2:DescribeRouteTables",
                "",
                format!("association.subnet-id={}", client.subnet_id),
            )
            .missing(),
        );
    };
    let rt_label = format!(
        "{}{}",
        rt.route_table_id,
        if implicit { " (main)" } else { "" }
    );
    let same_vpc = client.vpc_id == ep.vpc_id;
    let fwd = route::lookup(rt, dst, &pl);
    let fwd_out = match fwd {
        RouteOutcome::Unknown { reason, field } => path_result(Verdict::Unknown, "H3.2", reason, field),
        RouteOutcome::NoRoute => path_result(
            Verdict::Deny,
            if same_vpc { "H3.2" } else { "H3.4" },
            format!("route table {rt_label} has no route to {dst}"),
            Deciding::field("ec2:DescribeRouteTables", &rt.route_table_id, format!("Routes (none matches {dst})")),
        )
        .symptom(TIMEOUT),
        RouteOutcome::Hit(h) if h.blackhole => path_result(
            Verdict::Deny,
            "H3.3",
            format!("route {} -> {} in {rt_label} is a blackhole (target deleted)", h.destination, h.target),
            Deciding::from(&h.field).with_detail("State=blackhole"),
        )
        .symptom(TIMEOUT),
        RouteOutcome::Hit(h) => {
            if same_vpc {
                if h.target == "local" {
                    path_result(
                        Verdict::Allow,
                        "H3.2",
                        format!("local route {} in {rt_label} reaches {dst}", h.destination),
                        h.field.clone(),
                    )
                } else {
                    path_result(
                        Verdict::Unknown,
                        "H3.2",
                        format!(
                            "route {} -> {} in {rt_label} is more specific than the local route: a middlebox sits in the path to {dst}",
                            h.destination, h.target
                        ),
                        h.field.clone(),
                    )
                }
            } else {
                cross_vpc_target(ctx, client, ep, &h.target, &h.field, &h.destination, dst, &rt_label)
            }
        }
    }
    .read(K::RouteTable, &rt.route_table_id);
    if fwd_out.verdict == Verdict::Deny {
        return fwd_out;
    }
    // The endpoint subnet needs a return route to the client: the local route
    // in the same VPC, a peering or transit gateway route across VPCs.
    let Some((ert, eimplicit)) = w.subnet_route_table(&c.subnet_id) else {
        return path_result(
            Verdict::Unknown,
            "H3.4",
            format!(
                "{}; the route table of endpoint subnet {} is not in the snapshot",
                fwd_out.reason, c.subnet_id
            ),
            fwd_out.deciding,
        )
        .read(K::RouteTable, &rt.route_table_id);
    };
    let ert_label = format!(
        "{}{}",
        ert.route_table_id,
        if eimplicit { " (main)" } else { "" }
    );
    let back = AddrSet::Ip(src);
    let ret = match route::lookup(ert, &back, &pl) {
        RouteOutcome::Unknown { reason, field } => {
            path_result(Verdict::Unknown, "H3.4", reason, field)
        }
        RouteOutcome::NoRoute => path_result(
            Verdict::Deny,
            "H3.4",
            format!(
                "endpoint subnet {} has no return route to {src} in {ert_label}",
                c.subnet_id
            ),
            Deciding::field("ec2:DescribeRouteTables", &ert.route_table_id, format!("Routes (none matches {src})")),
        )
        .symptom(RETURN_DROP),
        RouteOutcome::Hit(h) if h.blackhole => path_result(
            Verdict::Deny,
            "H3.3",
            format!(
                "return route {} -> {} in {ert_label} is a blackhole",
                h.destination, h.target
            ),
            Deciding::from(&h.field).with_detail("State=blackhole"),
        )
        .symptom(RETURN_DROP),
        RouteOutcome::Hit(h) if same_vpc => {
            if h.target == "local" {
                path_result(
                    Verdict::Allow,
                    "H3.2",
                    format!("return: local route {} in {ert_label}", h.destination),
                    h.field.clone(),
                )
            } else {
                path_result(
                    Verdict::Unknown,
                    "H3.2",
                    format!(
                        "return route {} -> {} in {ert_label} is more specific than the local route: replies to {src} pass a middlebox",
                        h.destination, h.target
                    ),
                    h.field.clone(),
                )
            }
        }
        RouteOutcome::Hit(h) => {
            let o = cross_vpc_target(
                ctx,
                client,
                ep,
                &h.target,
                &h.field,
                &h.destination,
                &back,
                &ert_label,
            );
            if o.verdict == Verdict::Deny {
                path_result(
                    Verdict::Deny,
                    "H3.4",
                    format!("return path: {}", o.reason),
                    o.deciding,
                )
                .symptom(RETURN_DROP)
            } else {
                o
            }
        }
    }
    .read(K::RouteTable, &ert.route_table_id);
    match (fwd_out.verdict, ret.verdict) {
        (_, Verdict::Deny) => ret.read(K::RouteTable, &rt.route_table_id),
        (Verdict::Unknown, _) => fwd_out.read(K::RouteTable, &ert.route_table_id),
        (_, Verdict::Unknown) => ret.read(K::RouteTable, &rt.route_table_id),
        _ if same_vpc => fwd_out.read(K::RouteTable, &ert.route_table_id),
        _ => path_result(
            Verdict::Allow,
            "H3.4",
            format!("{}; return: {}", fwd_out.reason, ret.reason),
            format!("{}; {}", fwd_out.deciding, ret.deciding),
        )
        .read(K::RouteTable, &rt.route_table_id)
        .read(K::RouteTable, &ert.route_table_id),
    }
}

#[allow(clippy::too_many_arguments)]
fn cross_vpc_target(
    ctx: &Ctx,
    client: &Client,
    ep: &VpcEndpoint,
    target: &str,
    field: &Field,
    destination: &str,
    dst: &AddrSet,
    rt_label: &str,
) -> Hop {
    if target.starts_with("pcx-") {
        return match ctx.world.peering(target) {
            None => path_result(
                Verdict::Unknown,
                "H3.4",
                format!("route {destination} -> {target} in {rt_label}: the peering connection is not in the snapshot"),
                Deciding::from(field),
            ),
            Some(p) => {
                let joins = |a: &str, b: &str| {
                    (p.requester_vpc_info.vpc_id == a && p.accepter_vpc_info.vpc_id == b)
                        || (p.requester_vpc_info.vpc_id == b && p.accepter_vpc_info.vpc_id == a)
                };
                if !p.status.code.eq_ignore_ascii_case("active") {
                    path_result(
                        Verdict::Deny,
                        "H3.4",
                        format!("peering connection {target} is {}, not active", p.status.code),
                        Deciding::field("ec2:DescribeVpcPeeringConnections", target, format!("Status.Code={}", p.status.code)),
                    )
                    .symptom(TIMEOUT)
                } else if !joins(&client.vpc_id, &ep.vpc_id) {
                    path_result(
                        Verdict::Deny,
                        "H3.4",
                        format!(
                            "route {destination} -> {target} in {rt_label}, but {target} does not join {} and {}",
                            client.vpc_id, ep.vpc_id
                        ),
                        Deciding::from(field),
                    )
                    .symptom(TIMEOUT)
                } else {
                    path_result(
                        Verdict::Allow,
                        "H3.4",
                        format!("route {destination} -> {target} (active peering) in {rt_label} reaches {dst}"),
                        Deciding::from(field),
                    )
                    .read(K::RouteTarget, target)
                }
            }
        };
    }
    if target.starts_with("tgw-") {
        return path_result(
            Verdict::Unknown,
            "H3.4",
            format!("route {destination} -> {target} in {rt_label}: transit gateway route tables are not read"),
            Deciding::from(field),
        );
    }
    if target == "local" {
        return path_result(
            Verdict::Deny,
            "H3.4",
            format!("{dst} falls in the local route of {rt_label}, but the endpoint is in another VPC (overlapping CIDRs)"),
            Deciding::from(field),
        )
        .symptom(TIMEOUT);
    }
    if target.starts_with("eni-") || target.starts_with("i-") || target.starts_with("vpce-") {
        return path_result(
            Verdict::Unknown,
            "H3.4",
            format!("route {destination} -> {target} in {rt_label} goes through an appliance; its forwarding is not read"),
            Deciding::from(field),
        );
    }
    path_result(
        Verdict::Deny,
        "H3.4",
        format!(
            "route {destination} -> {target} in {rt_label} does not lead to {} (needs a peering connection or transit gateway route)",
            ep.vpc_id
        ),
        Deciding::from(field),
    )
    .symptom(TIMEOUT)
}

/// H3.5 when the name resolved to public addresses; the other hops do not apply.
pub(super) fn public_path(ctx: &Ctx, client: &Client) -> Vec<Hop> {
    let w = ctx.world;
    let route = match w.subnet_route_table(&client.subnet_id) {
        None => Hop::new(
            HopId::Route,
            Verdict::Unknown,
            "H3.5",
            format!("no route table for {} in the snapshot", client.subnet_id),
        ),
        Some((rt, _)) => {
            let default = rt
                .routes
                .iter()
                .enumerate()
                .find(|(_, r)| r.destination_cidr_block.as_deref() == Some("0.0.0.0/0"));
            match default {
                None => Hop::new(
                    HopId::Route,
                    Verdict::Deny,
                    "H3.5",
                    format!(
                        "no route to the public execute-api endpoint: {} has no 0.0.0.0/0 route",
                        rt.route_table_id
                    ),
                )
                .deciding(Deciding::field(
                    "ec2:DescribeRouteTables",
                    &rt.route_table_id,
                    "Routes (no 0.0.0.0/0)",
                ))
                .read(K::RouteTable, &rt.route_table_id)
                .symptom(TIMEOUT),
                Some((i, r)) => {
                    let target = route::target_of(r);
                    let field = Deciding::field(
                        "ec2:DescribeRouteTables",
                        &rt.route_table_id,
                        format!("Routes[{i}] 0.0.0.0/0 -> {target}"),
                    );
                    if r.state
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case("blackhole"))
                    {
                        Hop::new(
                            HopId::Route,
                            Verdict::Deny,
                            "H3.3",
                            format!("default route 0.0.0.0/0 -> {target} is a blackhole"),
                        )
                        .deciding(field.clone().with_detail("State=blackhole"))
                        .read(K::RouteTable, &rt.route_table_id)
                        .symptom(TIMEOUT)
                    } else if ["tgw-", "eni-", "i-", "vpce-", "cagw-", "lgw-", "arn:"]
                        .iter()
                        .any(|p| target.starts_with(p))
                    {
                        Hop::new(
HopId::Route,
                            Verdict::Unknown,
                            "H3.5",
                            format!("default route 0.0.0.0/0 -> {target}: whether it reaches the internet depends on route tables or appliances that are not read"),
                        )
                        .deciding(field)
                        .read(K::RouteTable, &rt.route_table_id)
                    } else if !["igw-", "nat-"].iter().any(|p| target.starts_with(p)) {
                        Hop::new(
HopId::Route,
                            Verdict::Deny,
                            "H3.5",
                            format!("no route to the public execute-api endpoint: the default route goes to {target}, not to a NAT or internet gateway"),
                        )
                        .deciding(field)
                        .read(K::RouteTable, &rt.route_table_id)
                        .symptom(TIMEOUT)
                    } else {
                        Hop::new(
HopId::Route,
                            Verdict::Allow,
                            "H3.5",
                            format!("default route 0.0.0.0/0 -> {target} reaches the public execute-api endpoint (where a private API answers 403, see dns)"),
                        )
                        .deciding(field)
                        .read(K::RouteTable, &rt.route_table_id)
                    }
                }
            }
        }
    };
    // The route decides; the security groups and ACLs of an endpoint do not apply.
    HOPS.iter()
        .map(|&h| match h {
            HopId::Route => route.clone(),
            other => Hop::new(other, Verdict::Skip, "", PUBLIC),
        })
        .collect()
}
