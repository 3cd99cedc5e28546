//! H3–H7: routing, security groups and network ACLs between the client ENI
//! and each endpoint ENI the name may resolve to.

mod acls;
mod groups;
mod routes;
mod shared;

use shared::*;

use acls::{nacl_client, nacl_endpoint};
pub(crate) use groups::endpoint_ingress_reads;
use groups::{sg_egress, sg_endpoint};
use routes::{public_path, route_hop};

pub(super) fn evaluate(ctx: &Ctx) -> Vec<Hop> {
    evaluate_with(ctx, &mut Fresh)
}

/// What one per-address result of one hop depends on, beyond the world, the
/// request and the destination DNS gave: the key a shared evaluation
/// (`reach`) keeps it under. Client facts are interned ids ([`ClientIds`]);
/// `cand` is the endpoint address's position in DNS's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum PathKey {
    Route {
        subnet: u32,
        cand: u32,
        src: AddressClass,
    },
    SgEgress {
        groups: u32,
        cand: u32,
        scope: u32,
    },
    NaclClient {
        subnet: u32,
        os: Os,
        cand: u32,
    },
    NaclEndpoint {
        subnet: u32,
        os: Os,
        cand: u32,
        src: AddressClass,
    },
    SgEndpoint {
        /// Which of the groups the endpoint's rules reference the client carries.
        carried: u32,
        cand: u32,
        src: AddressClass,
        scope: u32,
    },
}

/// The client's subnet, security groups and reference scope as ids.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ClientIds {
    pub subnet: u32,
    pub groups: u32,
    /// The client's groups that the endpoint's ingress rules reference.
    pub carried: u32,
    /// The client addresses' classes among the blocks the endpoint's
    /// ingress rules name (the only addresses H7 compares).
    pub ingress_v4: Option<AddressClass>,
    pub ingress_v6: Option<AddressClass>,
    pub scope: u32,
}

/// What one endpoint address's results need (a few per trace, on the
/// stack of one call: their size does not matter).
#[allow(clippy::large_enum_variant)]
enum Plan {
    /// The address is not known.
    NoAddress,
    /// The client has no address of the family.
    NoSource(AddrSet),
    Path {
        dst: AddrSet,
        src: IpAddr,
        keys: [PathKey; 5],
    },
}

/// Where per-address results come from: computed, or reused.
pub(crate) trait PathCache {
    /// Ids for the client's facts (equal facts, equal ids).
    fn ids(&mut self, ctx: &Ctx, client: &Client, ep: &VpcEndpoint, scope: &RefScope) -> ClientIds;
    /// The result under `key`, computing it with `f` when it is not kept.
    fn get(&mut self, key: PathKey, f: &mut dyn FnMut() -> Hop) -> Hop;
}

/// A single trace: everything computed.
struct Fresh;

impl PathCache for Fresh {
    fn ids(&mut self, _: &Ctx, _: &Client, _: &VpcEndpoint, _: &RefScope) -> ClientIds {
        ClientIds::default()
    }
    fn get(&mut self, _: PathKey, f: &mut dyn FnMut() -> Hop) -> Hop {
        f()
    }
}

/// [`evaluate`], asking `cache` for each per-address result.
pub(crate) fn evaluate_with(ctx: &Ctx, cache: &mut dyn PathCache) -> Vec<Hop> {
    let Some(client) = ctx.client.as_ref() else {
        return all(Verdict::Unknown, "the client is not known (instance)");
    };
    let ep = match ctx.gate() {
        Gate::Failed(why) => return all(Verdict::Skip, &format!("not evaluable: {why}")),
        Gate::Unknown(why) => return all(Verdict::Unknown, &format!("destination unknown: {why}")),
        Gate::Public => return public_path(ctx, client),
        Gate::Endpoint(ep) => ep,
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
    let ids = cache.ids(ctx, client, ep, &scope);
    // What each endpoint address's results depend on, before any is computed.
    let plans: Vec<Plan> = cands
        .iter()
        .enumerate()
        .map(|(cand, c)| {
            let Some(dst) = c.addr else {
                return Plan::NoAddress;
            };
            let src = match (dst.is_v4(), client.ipv4, client.ipv6) {
                (true, Some(ip), _) | (false, _, Some(ip)) => ip,
                _ => return Plan::NoSource(dst),
            };
            let class = ctx.address_class(src);
            let ingress = match src {
                IpAddr::V4(_) => ids.ingress_v4,
                IpAddr::V6(_) => ids.ingress_v6,
            }
            .unwrap_or(class);
            let cand = cand as u32;
            Plan::Path {
                dst,
                src,
                keys: [
                    PathKey::Route {
                        subnet: ids.subnet,
                        cand,
                        src: class,
                    },
                    PathKey::SgEgress {
                        groups: ids.groups,
                        cand,
                        scope: ids.scope,
                    },
                    PathKey::NaclClient {
                        subnet: ids.subnet,
                        os: client.os,
                        cand,
                    },
                    PathKey::NaclEndpoint {
                        subnet: ids.subnet,
                        os: client.os,
                        cand,
                        src: class,
                    },
                    PathKey::SgEndpoint {
                        carried: ids.carried,
                        cand,
                        src: ingress,
                        scope: ids.scope,
                    },
                ],
            }
        })
        .collect();
    let mut outs: [Vec<(String, Hop)>; 5] = Default::default();
    for (c, plan) in cands.iter().zip(&plans) {
        let label = c
            .eni_id
            .clone()
            .unwrap_or_else(|| format!("ENI in {}", c.subnet_id));
        let (dst, src, keys) = match plan {
            Plan::NoAddress => {
                let o = path_result(
                    Verdict::Unknown,
                    "H2",
                    format!(
                        "the address of {label} is unknown: subnet {} not captured",
                        c.subnet_id
                    ),
                    Deciding::field("ec2:DescribeSubnets", &c.subnet_id, "").missing(),
                );
                for v in outs.iter_mut() {
                    v.push((label.clone(), o.clone()));
                }
                continue;
            }
            Plan::NoSource(dst) => {
                let o = path_result(
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
            Plan::Path { dst, src, keys } => (dst, *src, keys),
        };
        let [k_route, k_egress, k_nacl_c, k_nacl_e, k_sg_e] = *keys;
        let results = [
            cache.get(k_route, &mut || route_hop(ctx, client, ep, c, dst, src)),
            cache.get(k_egress, &mut || sg_egress(ctx, client, ep, dst, &scope)),
            cache.get(k_nacl_c, &mut || nacl_client(ctx, client, c, dst)),
            cache.get(k_nacl_e, &mut || nacl_endpoint(ctx, client, c, src)),
            cache.get(k_sg_e, &mut || sg_endpoint(ctx, client, ep, src, &scope)),
        ];
        for ((out, hop), result) in outs.iter_mut().zip(HOPS).zip(results) {
            out.push((label.clone(), result.renamed(hop)));
        }
    }
    // A path is blocked when any of its hops denies. When every path is
    // blocked, no answer from DNS gets through: mixed hops are then denials.
    let n_paths = outs[0].len();
    let all_blocked = n_paths > 1
        && (0..n_paths).all(|k| {
            outs.iter()
                .any(|hop| hop.get(k).is_some_and(|(_, o)| o.verdict == Verdict::Deny))
        });
    let mut hops: Vec<Hop> = HOPS
        .iter()
        .zip(outs)
        .map(|(hop, o)| aggregate(*hop, o, all_blocked))
        .collect();
    if ctx.dest.approximate {
        for h in hops.iter_mut() {
            if h.verdict != Verdict::Skip {
                h.notes.push("approximate: endpoint ENI addresses not captured or inconsistent, evaluated against the endpoint subnets' CIDRs".into());
            }
        }
    }
    hops
}

/// Combine per-ENI results: all allow → allow; all deny → deny; a mix → unknown.
fn aggregate(name: HopId, outs: Vec<(String, Hop)>, all_blocked: bool) -> Hop {
    let n = outs.len();
    let count = |v: Verdict| outs.iter().filter(|(_, o)| o.verdict == v).count();
    let (allow, deny, unknown, skip) = (
        count(Verdict::Allow),
        count(Verdict::Deny),
        count(Verdict::Unknown),
        count(Verdict::Skip),
    );
    let to_hop = |o: &Hop, verdict: Verdict, reason: String| {
        let mut h = Hop::new(name, verdict, o.check, reason).deciding(o.deciding.clone());
        for (_, x) in &outs {
            for r in &x.resources {
                h.add_resource(r.clone());
            }
        }
        if verdict == Verdict::Deny {
            if let Some(s) = &o.symptom {
                h = h.symptom(s.clone());
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
            let mut h = to_hop(
                o,
                Verdict::Deny,
                format!(
                    "blocked for {dl} ({}); {} pass here but are blocked at another hop, so no endpoint address gets through",
                    o.reason,
                    ok.join(", ")
                ),
            );
            h.partial = true;
            h
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
