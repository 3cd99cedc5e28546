//! Route table lookup: longest prefix match over CIDR and prefix-list routes.

use crate::model::ec2::{ManagedPrefixList, Route, RouteTable};

use super::cidr::{AddrSet, Cidr, Cover};

#[derive(Debug, Clone)]
pub struct RouteHit<'a> {
    pub route: &'a Route,
    pub index: usize,
    pub destination: String,
    pub prefix_len: u8,
    pub target: String,
    pub blackhole: bool,
    pub field: String,
}

#[derive(Debug, Clone)]
pub enum RouteOutcome<'a> {
    Hit(RouteHit<'a>),
    NoRoute,
    Unknown { reason: String, field: String },
}

pub fn target_of(r: &Route) -> String {
    [
        &r.gateway_id,
        &r.nat_gateway_id,
        &r.transit_gateway_id,
        &r.vpc_peering_connection_id,
        &r.network_interface_id,
        &r.instance_id,
        &r.egress_only_internet_gateway_id,
        &r.local_gateway_id,
        &r.carrier_gateway_id,
        &r.core_network_arn,
    ]
    .into_iter()
    .flatten()
    .next()
    .cloned()
    .unwrap_or_else(|| "(no target)".into())
}

fn is_private(c: &Cidr) -> bool {
    const PRIVATE4: [&str; 4] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];
    if c.is_v4() {
        PRIVATE4.iter().any(|p| Cidr::parse(p).map(|p| p.contains(c)).unwrap_or(false))
    } else {
        Cidr::parse("fc00::/7").map(|p| p.contains(c)).unwrap_or(false)
    }
}

/// Find the route a packet to `dest` takes.
pub fn lookup<'a, 'p>(
    rt: &'a RouteTable,
    dest: &AddrSet,
    prefix_list: &dyn Fn(&str) -> Option<&'p ManagedPrefixList>,
) -> RouteOutcome<'a> {
    let mut best: Option<RouteHit<'a>> = None;
    let mut doubt: Option<(u8, String, String)> = None;
    let v4 = dest.is_v4();
    for (i, r) in rt.routes.iter().enumerate() {
        let field = format!("ec2:DescribeRouteTables {} Routes[{}]", rt.route_table_id, i);
        let mut cidrs: Vec<(String, Cidr)> = Vec::new();
        if v4 {
            if let Some(c) = &r.destination_cidr_block {
                if let Ok(p) = Cidr::parse(c) {
                    cidrs.push((c.clone(), p));
                }
            }
        } else if let Some(c) = &r.destination_ipv6_cidr_block {
            if let Ok(p) = Cidr::parse(c) {
                cidrs.push((c.clone(), p));
            }
        }
        if let Some(pl) = &r.destination_prefix_list_id {
            match prefix_list(pl).and_then(|p| p.entries.as_ref()) {
                Some(entries) => {
                    for e in entries {
                        if let Ok(p) = Cidr::parse(&e.cidr) {
                            if p.is_v4() == v4 {
                                cidrs.push((format!("{pl} ({})", e.cidr), p));
                            }
                        }
                    }
                }
                None => {
                    // Gateway endpoints (S3, DynamoDB) route public AWS ranges only.
                    let gateway_endpoint = r.gateway_id.as_deref().is_some_and(|g| g.starts_with("vpce-"));
                    if !(gateway_endpoint && is_private(&dest.as_cidr())) && doubt.is_none() {
                        doubt = Some((
                            129,
                            format!("route to prefix list {pl} whose entries were not captured may cover {dest}"),
                            format!("{field}.DestinationPrefixListId={pl}"),
                        ));
                    }
                }
            }
        }
        for (label, c) in cidrs {
            match dest.covered_by(&c) {
                Cover::All => {
                    let better = best.as_ref().is_none_or(|b| c.len() > b.prefix_len);
                    if better {
                        let target = target_of(r);
                        let blackhole = r.state.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("blackhole"));
                        best = Some(RouteHit {
                            route: r,
                            index: i,
                            destination: label.clone(),
                            prefix_len: c.len(),
                            field: format!("{field} {label} -> {target}"),
                            target,
                            blackhole,
                        });
                    }
                }
                Cover::Some => {
                    if doubt.as_ref().is_none_or(|d| c.len() > d.0 && d.0 != 129) {
                        doubt = Some((
                            c.len(),
                            format!("route {label} -> {} covers only part of {dest}", target_of(r)),
                            format!("{field} {label}"),
                        ));
                    }
                }
                Cover::None => {}
            }
        }
    }
    if let Some((len, reason, field)) = doubt {
        let beaten = best.as_ref().is_some_and(|b| len != 129 && b.prefix_len >= len);
        if !beaten {
            return RouteOutcome::Unknown { reason, field };
        }
    }
    match best {
        Some(b) => RouteOutcome::Hit(b),
        None => RouteOutcome::NoRoute,
    }
}
