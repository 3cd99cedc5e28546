//! H3–H7: routing, security groups and network ACLs between the client ENI
//! and each endpoint ENI the name may resolve to.

use std::net::IpAddr;

use crate::model::ec2::{ManagedPrefixList, NetworkAcl, SecurityGroup, VpcEndpoint};
use crate::net::nacl::{self, NaclAction, RangeVerdict};
use crate::net::route::{self, RouteOutcome};
use crate::net::sg::{self, Peer, RefScope, SgOutcome};
use crate::net::AddrSet;

use super::client::{Client, Os};
use super::dns::{Candidate, Via};
use super::{Ctx, Hop, Verdict};

const NAMES: [&str; 5] = [
    "route",
    "sg-egress",
    "nacl-client",
    "nacl-endpoint",
    "sg-endpoint",
];

/// One candidate's result for one hop, before aggregation.
#[derive(Debug, Clone)]
struct Out {
    verdict: Verdict,
    check: &'static str,
    reason: String,
    deciding: String,
    resources: Vec<String>,
    symptom: Option<&'static str>,
}

impl Out {
    fn new(verdict: Verdict, check: &'static str, reason: String, deciding: String) -> Out {
        Out {
            verdict,
            check,
            reason,
            deciding,
            resources: Vec::new(),
            symptom: None,
        }
    }
    fn res(mut self, r: &str) -> Out {
        if !self.resources.iter().any(|x| x == r) {
            self.resources.push(r.to_string());
        }
        self
    }
    fn symptom(mut self, s: &'static str) -> Out {
        self.symptom = Some(s);
        self
    }
}

const TIMEOUT: &str = "TCP connect timeout (curl: Failed to connect ... Connection timed out)";
const RETURN_DROP: &str = "TCP connect timeout or a hanging TLS handshake: the reply is dropped (flow log REJECT for the return packet)";

fn all(verdict: Verdict, reason: &str) -> Vec<Hop> {
    NAMES
        .iter()
        .map(|n| Hop::new(n, verdict, "", reason.to_string()))
        .collect()
}

pub(super) fn h3_to_h7(ctx: &Ctx) -> Vec<Hop> {
    let Some(client) = ctx.client.as_ref() else {
        return all(Verdict::Unknown, "the client is not known (instance)");
    };
    let ep = match &ctx.dest.via {
        Via::Unresolved { skip: true, why } => {
            return all(Verdict::Skip, &format!("not evaluable: {why}"))
        }
        Via::Unresolved { skip: false, why } => {
            return all(Verdict::Unknown, &format!("destination unknown: {why}"))
        }
        Via::Public => return public_path(ctx, client),
        Via::Endpoint(ep) => *ep,
    };
    let cands: Vec<&Candidate> = ctx.dest.candidates.iter().collect();
    if cands.is_empty() {
        return all(
            Verdict::Unknown,
            &format!(
                "no ENI address or subnet of {} was captured",
                ep.vpc_endpoint_id
            ),
        );
    }
    let scope = ref_scope(ctx, client, ep, cands.iter().find_map(|c| c.addr.as_ref()));
    let mut outs: [Vec<(String, Out)>; 5] = Default::default();
    for c in &cands {
        let label = c
            .eni_id
            .clone()
            .unwrap_or_else(|| format!("ENI in {}", c.subnet_id));
        let Some(dst) = c.addr else {
            let o = Out::new(
                Verdict::Unknown,
                "H2",
                format!(
                    "the address of {label} is unknown: subnet {} not captured",
                    c.subnet_id
                ),
                format!("ec2:DescribeSubnets {} (missing)", c.subnet_id),
            );
            for v in outs.iter_mut() {
                v.push((label.clone(), o.clone()));
            }
            continue;
        };
        let src = match (dst.is_v4(), client.ipv4, client.ipv6) {
            (true, Some(ip), _) | (false, _, Some(ip)) => ip,
            _ => {
                let o = Out::new(
                    Verdict::Unknown,
                    "H1.2",
                    format!(
                        "the client has no {} address for {label}",
                        if dst.is_v4() { "IPv4" } else { "IPv6" }
                    ),
                    String::new(),
                );
                for v in outs.iter_mut() {
                    v.push((label.clone(), o.clone()));
                }
                continue;
            }
        };
        outs[0].push((label.clone(), route_hop(ctx, client, ep, c, &dst, src)));
        outs[1].push((label.clone(), sg_egress(ctx, client, ep, &dst, &scope)));
        outs[2].push((label.clone(), nacl_client(ctx, client, c, &dst)));
        outs[3].push((label.clone(), nacl_endpoint(ctx, client, c, src)));
        outs[4].push((label.clone(), sg_endpoint(ctx, client, ep, src, &scope)));
    }
    // A path is blocked when any of its hops denies. When every path is
    // blocked, no answer from DNS gets through: mixed hops are then denials.
    let n_paths = outs[0].len();
    let all_blocked = n_paths > 1
        && (0..n_paths).all(|k| {
            outs.iter()
                .any(|hop| hop.get(k).is_some_and(|(_, o)| o.verdict == Verdict::Deny))
        });
    let mut hops: Vec<Hop> = NAMES
        .iter()
        .zip(outs)
        .map(|(name, o)| aggregate(name, o, all_blocked))
        .collect();
    if ctx.dest.approximate {
        for h in hops.iter_mut() {
            if h.verdict != Verdict::Skip {
                h.notes.push("approximate: endpoint ENI addresses not captured, evaluated against the endpoint subnets' CIDRs".into());
            }
        }
    }
    hops
}

/// Combine per-ENI results: all allow → allow; all deny → deny; a mix → unknown.
fn aggregate(name: &'static str, outs: Vec<(String, Out)>, all_blocked: bool) -> Hop {
    let n = outs.len();
    let count = |v: Verdict| outs.iter().filter(|(_, o)| o.verdict == v).count();
    let (allow, deny, unknown, skip) = (
        count(Verdict::Allow),
        count(Verdict::Deny),
        count(Verdict::Unknown),
        count(Verdict::Skip),
    );
    let to_hop = |o: &Out, verdict: Verdict, reason: String| {
        let mut h = Hop::new(name, verdict, o.check, reason).deciding(o.deciding.clone());
        for (_, x) in &outs {
            for r in &x.resources {
                h = h.resource(r.clone());
            }
        }
        if verdict == Verdict::Deny {
            if let Some(s) = o.symptom {
                h = h.symptom(s);
            }
        }
        h
    };
    if skip == n {
        return to_hop(&outs[0].1, Verdict::Skip, outs[0].1.reason.clone());
    }
    let pick = |v: Verdict| outs.iter().find(|(_, o)| o.verdict == v).expect("counted");
    let mut hop = if deny == n {
        let (_, o) = pick(Verdict::Deny);
        to_hop(o, Verdict::Deny, o.reason.clone())
    } else if deny > 0 && (allow > 0 || skip > 0) {
        let (dl, o) = pick(Verdict::Deny);
        let ok: Vec<&str> = outs
            .iter()
            .filter(|(_, o)| matches!(o.verdict, Verdict::Allow | Verdict::Skip))
            .map(|(l, _)| l.as_str())
            .collect();
        if all_blocked {
            to_hop(
                o,
                Verdict::Deny,
                format!(
                    "blocked for {dl} ({}); {} pass here but are blocked at another hop, so no endpoint address gets through",
                    o.reason,
                    ok.join(", ")
                ),
            )
        } else {
            to_hop(
                o,
                Verdict::Unknown,
                format!(
                    "intermittent: blocked for {dl} ({}) but open for {}; DNS may return either",
                    o.reason,
                    ok.join(", ")
                ),
            )
        }
    } else if unknown > 0 {
        let (_, o) = pick(Verdict::Unknown);
        let mut h = to_hop(o, Verdict::Unknown, o.reason.clone());
        if deny > 0 {
            let (dl, d) = pick(Verdict::Deny);
            h = h.note(format!("blocked for {dl}: {}", d.reason));
        }
        h
    } else {
        let (_, o) = outs
            .iter()
            .find(|(_, o)| o.verdict == Verdict::Allow)
            .unwrap_or(&outs[0]);
        to_hop(o, Verdict::Allow, o.reason.clone())
    };
    if n > 1 && (hop.verdict == Verdict::Allow || hop.verdict == Verdict::Deny) {
        let labels: Vec<&str> = outs.iter().map(|(l, _)| l.as_str()).collect();
        hop = hop.note(format!(
            "same result for all {n} endpoint addresses: {}",
            labels.join(", ")
        ));
    }
    hop
}

/// Whether security group references can match across the path the packets
/// take: same VPC, or a same-region peering connection that the client's route
/// to the endpoint actually uses (never across a transit gateway here).
fn ref_scope(ctx: &Ctx, client: &Client, ep: &VpcEndpoint, first: Option<&AddrSet>) -> RefScope {
    if client.vpc_id == ep.vpc_id {
        return RefScope::SameVpc;
    }
    let w = ctx.world;
    let unresolvable = |why: String| RefScope::Unresolvable(why);
    let Some(dst) = first else {
        return unresolvable("the endpoint address is unknown".into());
    };
    let Some((rt, _)) = w.subnet_route_table(&client.subnet_id) else {
        return unresolvable(format!(
            "the route table of {} is not in the snapshot",
            client.subnet_id
        ));
    };
    let pl = pl_lookup(ctx);
    let target = match route::lookup(rt, dst, &pl) {
        RouteOutcome::Hit(h) => h.target,
        _ => {
            return unresolvable(format!(
                "the route from {} to {dst} is not known",
                client.subnet_id
            ))
        }
    };
    if !target.starts_with("pcx-") {
        return unresolvable(format!(
            "the path to {} goes through {target}; references are evaluated only across a same-region peering connection",
            ep.vpc_id
        ));
    }
    let Some(p) = w.peering(&target) else {
        return unresolvable(format!(
            "peering connection {target} is not in the snapshot"
        ));
    };
    let joins = (p.requester_vpc_info.vpc_id == client.vpc_id
        && p.accepter_vpc_info.vpc_id == ep.vpc_id)
        || (p.accepter_vpc_info.vpc_id == client.vpc_id
            && p.requester_vpc_info.vpc_id == ep.vpc_id);
    if !p.status.code.eq_ignore_ascii_case("active") || !joins {
        return unresolvable(format!(
            "{target} is not an active peering between {} and {}",
            client.vpc_id, ep.vpc_id
        ));
    }
    let home = &w.snap.region;
    let region_of = |r: &Option<String>| r.clone().unwrap_or_else(|| home.clone());
    let (a, b) = (
        region_of(&p.requester_vpc_info.region),
        region_of(&p.accepter_vpc_info.region),
    );
    if a != b {
        return unresolvable(format!(
            "{target} joins VPCs in {a} and {b}; security group references do not work across regions"
        ));
    }
    RefScope::Peered(target)
}

fn pl_lookup<'w>(ctx: &Ctx<'w>) -> impl Fn(&str) -> Option<&'w ManagedPrefixList> + 'w {
    let w = ctx.world;
    move |id: &str| w.prefix_list(id)
}

// ---- H3 -------------------------------------------------------------------

fn route_hop(
    ctx: &Ctx,
    client: &Client,
    ep: &VpcEndpoint,
    c: &Candidate,
    dst: &AddrSet,
    src: IpAddr,
) -> Out {
    let w = ctx.world;
    let pl = pl_lookup(ctx);
    let Some((rt, implicit)) = w.subnet_route_table(&client.subnet_id) else {
        return Out::new(
            Verdict::Unknown,
            "H3.1",
            format!("no route table for {} in the snapshot", client.subnet_id),
            format!(
                "ec2:DescribeRouteTables association.subnet-id={} (missing)",
                client.subnet_id
            ),
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
        RouteOutcome::Unknown { reason, field } => Out::new(Verdict::Unknown, "H3.2", reason, field),
        RouteOutcome::NoRoute => Out::new(
            Verdict::Deny,
            if same_vpc { "H3.2" } else { "H3.4" },
            format!("route table {rt_label} has no route to {dst}"),
            format!("ec2:DescribeRouteTables {} Routes (none matches {dst})", rt.route_table_id),
        )
        .symptom(TIMEOUT),
        RouteOutcome::Hit(h) if h.blackhole => Out::new(
            Verdict::Deny,
            "H3.3",
            format!("route {} -> {} in {rt_label} is a blackhole (target deleted)", h.destination, h.target),
            format!("{} State=blackhole", h.field),
        )
        .symptom(TIMEOUT),
        RouteOutcome::Hit(h) => {
            if same_vpc {
                if h.target == "local" {
                    Out::new(
                        Verdict::Allow,
                        "H3.2",
                        format!("local route {} in {rt_label} reaches {dst}", h.destination),
                        h.field.clone(),
                    )
                } else {
                    Out::new(
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
    .res(&rt.route_table_id);
    if fwd_out.verdict == Verdict::Deny {
        return fwd_out;
    }
    // The endpoint subnet needs a return route to the client: the local route
    // in the same VPC, a peering or transit gateway route across VPCs.
    let Some((ert, eimplicit)) = w.subnet_route_table(&c.subnet_id) else {
        return Out::new(
            Verdict::Unknown,
            "H3.4",
            format!(
                "{}; the route table of endpoint subnet {} is not in the snapshot",
                fwd_out.reason, c.subnet_id
            ),
            fwd_out.deciding,
        )
        .res(&rt.route_table_id);
    };
    let ert_label = format!(
        "{}{}",
        ert.route_table_id,
        if eimplicit { " (main)" } else { "" }
    );
    let back = AddrSet::Ip(src);
    let ret = match route::lookup(ert, &back, &pl) {
        RouteOutcome::Unknown { reason, field } => {
            Out::new(Verdict::Unknown, "H3.4", reason, field)
        }
        RouteOutcome::NoRoute => Out::new(
            Verdict::Deny,
            "H3.4",
            format!(
                "endpoint subnet {} has no return route to {src} in {ert_label}",
                c.subnet_id
            ),
            format!(
                "ec2:DescribeRouteTables {} Routes (none matches {src})",
                ert.route_table_id
            ),
        )
        .symptom(RETURN_DROP),
        RouteOutcome::Hit(h) if h.blackhole => Out::new(
            Verdict::Deny,
            "H3.3",
            format!(
                "return route {} -> {} in {ert_label} is a blackhole",
                h.destination, h.target
            ),
            format!("{} State=blackhole", h.field),
        )
        .symptom(RETURN_DROP),
        RouteOutcome::Hit(h) if same_vpc => {
            if h.target == "local" {
                Out::new(
                    Verdict::Allow,
                    "H3.2",
                    format!("return: local route {} in {ert_label}", h.destination),
                    h.field.clone(),
                )
            } else {
                Out::new(
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
                Out::new(
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
    .res(&ert.route_table_id);
    match (fwd_out.verdict, ret.verdict) {
        (_, Verdict::Deny) => ret.res(&rt.route_table_id),
        (Verdict::Unknown, _) => fwd_out.res(&ert.route_table_id),
        (_, Verdict::Unknown) => ret.res(&rt.route_table_id),
        _ if same_vpc => fwd_out.res(&ert.route_table_id),
        _ => Out::new(
            Verdict::Allow,
            "H3.4",
            format!("{}; return: {}", fwd_out.reason, ret.reason),
            format!("{}; {}", fwd_out.deciding, ret.deciding),
        )
        .res(&rt.route_table_id)
        .res(&ert.route_table_id),
    }
}

#[allow(clippy::too_many_arguments)]
fn cross_vpc_target(
    ctx: &Ctx,
    client: &Client,
    ep: &VpcEndpoint,
    target: &str,
    field: &str,
    destination: &str,
    dst: &AddrSet,
    rt_label: &str,
) -> Out {
    if target.starts_with("pcx-") {
        return match ctx.world.peering(target) {
            None => Out::new(
                Verdict::Unknown,
                "H3.4",
                format!("route {destination} -> {target} in {rt_label}: the peering connection is not in the snapshot"),
                field.to_string(),
            ),
            Some(p) => {
                let joins = |a: &str, b: &str| {
                    (p.requester_vpc_info.vpc_id == a && p.accepter_vpc_info.vpc_id == b)
                        || (p.requester_vpc_info.vpc_id == b && p.accepter_vpc_info.vpc_id == a)
                };
                if !p.status.code.eq_ignore_ascii_case("active") {
                    Out::new(
                        Verdict::Deny,
                        "H3.4",
                        format!("peering connection {target} is {}, not active", p.status.code),
                        format!("ec2:DescribeVpcPeeringConnections {target} Status.Code={}", p.status.code),
                    )
                    .symptom(TIMEOUT)
                } else if !joins(&client.vpc_id, &ep.vpc_id) {
                    Out::new(
                        Verdict::Deny,
                        "H3.4",
                        format!(
                            "route {destination} -> {target} in {rt_label}, but {target} does not join {} and {}",
                            client.vpc_id, ep.vpc_id
                        ),
                        field.to_string(),
                    )
                    .symptom(TIMEOUT)
                } else {
                    Out::new(
                        Verdict::Allow,
                        "H3.4",
                        format!("route {destination} -> {target} (active peering) in {rt_label} reaches {dst}"),
                        field.to_string(),
                    )
                    .res(target)
                }
            }
        };
    }
    if target.starts_with("tgw-") {
        return Out::new(
            Verdict::Unknown,
            "H3.4",
            format!("route {destination} -> {target} in {rt_label}: transit gateway route tables are not read"),
            field.to_string(),
        );
    }
    if target == "local" {
        return Out::new(
            Verdict::Deny,
            "H3.4",
            format!("{dst} falls in the local route of {rt_label}, but the endpoint is in another VPC (overlapping CIDRs)"),
            field.to_string(),
        )
        .symptom(TIMEOUT);
    }
    if target.starts_with("eni-") || target.starts_with("i-") || target.starts_with("vpce-") {
        return Out::new(
            Verdict::Unknown,
            "H3.4",
            format!("route {destination} -> {target} in {rt_label} goes through an appliance; its forwarding is not read"),
            field.to_string(),
        );
    }
    Out::new(
        Verdict::Deny,
        "H3.4",
        format!(
            "route {destination} -> {target} in {rt_label} does not lead to {} (needs a peering connection or transit gateway route)",
            ep.vpc_id
        ),
        field.to_string(),
    )
    .symptom(TIMEOUT)
}

/// H3.5 when the name resolved to public addresses; the other hops do not apply.
fn public_path(ctx: &Ctx, client: &Client) -> Vec<Hop> {
    let w = ctx.world;
    let skip = "the name resolves to public execute-api addresses, not to a VPC endpoint (dns)";
    let mut hops = all(Verdict::Skip, skip);
    let route = match w.subnet_route_table(&client.subnet_id) {
        None => Hop::new(
            "route",
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
                    "route",
                    Verdict::Deny,
                    "H3.5",
                    format!(
                        "no route to the public execute-api endpoint: {} has no 0.0.0.0/0 route",
                        rt.route_table_id
                    ),
                )
                .deciding(format!(
                    "ec2:DescribeRouteTables {} Routes (no 0.0.0.0/0)",
                    rt.route_table_id
                ))
                .resource(rt.route_table_id.clone())
                .symptom(TIMEOUT),
                Some((i, r)) => {
                    let target = route::target_of(r);
                    let field = format!(
                        "ec2:DescribeRouteTables {} Routes[{i}] 0.0.0.0/0 -> {target}",
                        rt.route_table_id
                    );
                    if r.state
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case("blackhole"))
                    {
                        Hop::new(
                            "route",
                            Verdict::Deny,
                            "H3.3",
                            format!("default route 0.0.0.0/0 -> {target} is a blackhole"),
                        )
                        .deciding(format!("{field} State=blackhole"))
                        .resource(rt.route_table_id.clone())
                        .symptom(TIMEOUT)
                    } else if ["tgw-", "eni-", "i-", "vpce-", "cagw-", "lgw-", "arn:"]
                        .iter()
                        .any(|p| target.starts_with(p))
                    {
                        Hop::new(
                            "route",
                            Verdict::Unknown,
                            "H3.5",
                            format!("default route 0.0.0.0/0 -> {target}: whether it reaches the internet depends on route tables or appliances that are not read"),
                        )
                        .deciding(field)
                        .resource(rt.route_table_id.clone())
                    } else if !["igw-", "nat-"].iter().any(|p| target.starts_with(p)) {
                        Hop::new(
                            "route",
                            Verdict::Deny,
                            "H3.5",
                            format!("no route to the public execute-api endpoint: the default route goes to {target}, not to a NAT or internet gateway"),
                        )
                        .deciding(field)
                        .resource(rt.route_table_id.clone())
                        .symptom(TIMEOUT)
                    } else {
                        Hop::new(
                            "route",
                            Verdict::Allow,
                            "H3.5",
                            format!("default route 0.0.0.0/0 -> {target} reaches the public execute-api endpoint (where a private API answers 403, see dns)"),
                        )
                        .deciding(field)
                        .resource(rt.route_table_id.clone())
                    }
                }
            }
        }
    };
    hops[0] = route;
    hops
}

// ---- H4 and H7 ------------------------------------------------------------

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

fn sg_outcome(
    ctx: &Ctx,
    ids: &[String],
    egress: bool,
    peer: &Peer,
    check_ok: &'static str,
    check_fail: &'static str,
    what: &str,
) -> Out {
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
        SgOutcome::Allow { group_id, field } => Out::new(
            Verdict::Allow,
            check_ok,
            format!("{group_id} {dir} allows tcp/{port} {what}"),
            field,
        ),
        SgOutcome::Unknown { reason, field } => Out::new(Verdict::Unknown, check_ok, reason, field),
        SgOutcome::Deny if !missing.is_empty() => Out::new(
            Verdict::Unknown,
            check_ok,
            format!(
                "{} not in the snapshot; the captured groups do not allow tcp/{port} {what}",
                missing.join(", ")
            ),
            format!("ec2:DescribeSecurityGroups {} (missing)", missing.join(",")),
        ),
        SgOutcome::Deny => Out::new(
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
            format!(
                "ec2:DescribeSecurityGroups {} {list} (no rule matches)",
                ids.join(",")
            ),
        )
        .symptom(TIMEOUT),
    };
    for id in ids {
        out = out.res(id);
    }
    out
}

fn sg_egress(ctx: &Ctx, client: &Client, ep: &VpcEndpoint, dst: &AddrSet, scope: &RefScope) -> Out {
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

fn sg_endpoint(ctx: &Ctx, client: &Client, ep: &VpcEndpoint, src: IpAddr, scope: &RefScope) -> Out {
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
        out.reason = format!(
            "{} has no security groups, so the VPC default group applies (H7.1): {}",
            ep.vpc_endpoint_id, out.reason
        );
        if ids.is_empty() {
            out = Out::new(
                Verdict::Unknown,
                "H7.1",
                format!(
                    "{} has no security groups and the default group of {} is not in the snapshot",
                    ep.vpc_endpoint_id, ep.vpc_id
                ),
                format!(
                    "ec2:DescribeSecurityGroups vpc-id={} group-name=default (missing)",
                    ep.vpc_id
                ),
            );
        }
    }
    out.res(&ep.vpc_endpoint_id)
}

// ---- H5 and H6 ------------------------------------------------------------

fn ranges_for(os: Os) -> Vec<(&'static str, u16, u16)> {
    let linux = ("Linux", 32768, 61000);
    let windows = ("Windows", 49152, 65535);
    match os {
        Os::Linux => vec![linux],
        Os::Windows => vec![windows],
        Os::Unknown => vec![linux, windows],
    }
}

fn fmt_ranges(r: &[(u16, u16)]) -> String {
    if r.is_empty() {
        return "none".into();
    }
    r.iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}–{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The return-path check over the client's ephemeral ports (H5.2, H6.2).
fn ephemeral(
    acl: &NetworkAcl,
    egress: bool,
    peer: &AddrSet,
    os: Os,
    check: &'static str,
    side: &str,
) -> Out {
    let mut verdicts = Vec::new();
    for (name, lo, hi) in ranges_for(os) {
        let v = nacl::summarize(nacl::coverage(acl, egress, peer, lo, hi));
        verdicts.push((name, lo, hi, v));
    }
    let dir = if egress { "outbound" } else { "inbound" };
    if verdicts
        .iter()
        .all(|v| matches!(v.3, RangeVerdict::AllAllowed(_)))
    {
        let RangeVerdict::AllAllowed(seg) = &verdicts[0].3 else {
            unreachable!()
        };
        let names: Vec<String> = verdicts
            .iter()
            .map(|v| format!("{} {}–{}", v.0, v.1, v.2))
            .collect();
        return Out::new(
            Verdict::Allow,
            check,
            format!(
                "{side} {dir} return traffic to the client's ephemeral ports ({}) allowed by rule {}",
                names.join(", "),
                seg.rule_number.map(|n| n.to_string()).unwrap_or_else(|| "*".into())
            ),
            seg.field.clone(),
        );
    }
    if verdicts
        .iter()
        .all(|v| matches!(v.3, RangeVerdict::AllDenied(_)))
    {
        let RangeVerdict::AllDenied(seg) = &verdicts[0].3 else {
            unreachable!()
        };
        return Out::new(
            Verdict::Deny,
            check,
            format!(
                "{side} {dir} rule {} denies return traffic to the client's ephemeral ports {}–{}",
                seg.rule_number
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "* (implicit deny)".into()),
                verdicts[0].1,
                verdicts[0].2
            ),
            seg.field.clone(),
        )
        .symptom(RETURN_DROP);
    }
    let mut parts = Vec::new();
    let mut deciding = String::new();
    let mut allowed_all = Vec::new();
    for (name, lo, hi, v) in &verdicts {
        match v {
            RangeVerdict::AllAllowed(_) => {
                parts.push(format!("{name} {lo}–{hi}: allowed"));
                allowed_all.push((*lo, *hi));
            }
            RangeVerdict::AllDenied(s) => {
                parts.push(format!("{name} {lo}–{hi}: denied"));
                if deciding.is_empty() {
                    deciding = s.field.clone();
                }
            }
            RangeVerdict::Mixed { allowed, segments } => {
                parts.push(format!(
                    "{name} {lo}–{hi}: only {} allowed",
                    fmt_ranges(allowed)
                ));
                allowed_all.extend(allowed.iter().copied());
                if deciding.is_empty() {
                    if let Some(s) = segments.iter().find(|s| s.action != NaclAction::Allow) {
                        deciding = s.field.clone();
                    }
                }
            }
        }
    }
    allowed_all.sort();
    allowed_all.dedup();
    Out::new(
        Verdict::Unknown,
        check,
        format!(
            "{side} {dir} return traffic allowed only for ports {}; depends on the client OS ephemeral range ({})",
            fmt_ranges(&allowed_all),
            parts.join("; ")
        ),
        deciding,
    )
}

fn nacl_single(
    acl: &NetworkAcl,
    egress: bool,
    peer: &AddrSet,
    port: u16,
    check: &'static str,
    what: String,
) -> Out {
    let seg = nacl::first_match(acl, egress, peer, port);
    let rule = seg
        .rule_number
        .map(|n| n.to_string())
        .unwrap_or_else(|| "* (implicit deny)".into());
    match seg.action {
        NaclAction::Allow => Out::new(Verdict::Allow, check, format!("{what} allowed by rule {rule}"), seg.field),
        NaclAction::Deny => Out::new(Verdict::Deny, check, format!("{what} denied by rule {rule}"), seg.field).symptom(TIMEOUT),
        NaclAction::Ambiguous => Out::new(
            Verdict::Unknown,
            check,
            format!("{what}: rule {rule} may or may not match (exact address not captured, or the rule has no port range)"),
            seg.field,
        ),
    }
}

fn combine_nacl(first: Out, second: Out) -> Out {
    let resources = first.resources.clone();
    let mut o = match (first.verdict, second.verdict) {
        (Verdict::Deny, Verdict::Deny) => Out {
            reason: format!("{}; and {}", first.reason, second.reason),
            ..first
        },
        (Verdict::Deny, _) => first,
        (_, Verdict::Deny) => second,
        (Verdict::Unknown, _) => first,
        (_, Verdict::Unknown) => second,
        _ => Out {
            reason: format!("{}; {}", first.reason, second.reason),
            deciding: format!("{}; {}", first.deciding, second.deciding),
            ..first
        },
    };
    for r in resources {
        o = o.res(&r);
    }
    o
}

fn nacl_client(ctx: &Ctx, client: &Client, c: &Candidate, dst: &AddrSet) -> Out {
    if c.subnet_id == client.subnet_id {
        return Out::new(
            Verdict::Skip,
            "H5",
            format!("client and endpoint ENI share {}; network ACLs apply only when traffic leaves or enters a subnet", c.subnet_id),
            String::new(),
        );
    }
    let Some((acl, implicit)) = ctx.world.subnet_nacl(&client.subnet_id) else {
        return Out::new(
            Verdict::Unknown,
            "H5",
            format!("no network ACL for {} in the snapshot", client.subnet_id),
            format!(
                "ec2:DescribeNetworkAcls association.subnet-id={} (missing)",
                client.subnet_id
            ),
        );
    };
    let side = format!(
        "{}{}",
        acl.network_acl_id,
        if implicit { " (default)" } else { "" }
    );
    let port = ctx.req.port;
    let out = nacl_single(
        acl,
        true,
        dst,
        port,
        "H5.1",
        format!("{side} outbound tcp/{port} to {dst}"),
    );
    let back = ephemeral(
        acl,
        false,
        dst,
        client.os,
        "H5.2",
        &format!("{side} (client subnet)"),
    );
    combine_nacl(out, back).res(&acl.network_acl_id)
}

fn nacl_endpoint(ctx: &Ctx, client: &Client, c: &Candidate, src: IpAddr) -> Out {
    if c.subnet_id == client.subnet_id {
        return Out::new(
            Verdict::Skip,
            "H6",
            format!(
                "client and endpoint ENI share {}; network ACLs do not apply",
                c.subnet_id
            ),
            String::new(),
        );
    }
    let Some((acl, implicit)) = ctx.world.subnet_nacl(&c.subnet_id) else {
        return Out::new(
            Verdict::Unknown,
            "H6",
            format!(
                "no network ACL for endpoint subnet {} in the snapshot",
                c.subnet_id
            ),
            format!(
                "ec2:DescribeNetworkAcls association.subnet-id={} (missing)",
                c.subnet_id
            ),
        );
    };
    let side = format!(
        "{}{}",
        acl.network_acl_id,
        if implicit { " (default)" } else { "" }
    );
    let port = ctx.req.port;
    let peer = AddrSet::Ip(src);
    let inbound = nacl_single(
        acl,
        false,
        &peer,
        port,
        "H6.1",
        format!("{side} inbound tcp/{port} from {src}"),
    );
    let back = ephemeral(
        acl,
        true,
        &peer,
        client.os,
        "H6.2",
        &format!("{side} (endpoint subnet)"),
    );
    combine_nacl(inbound, back).res(&acl.network_acl_id)
}
