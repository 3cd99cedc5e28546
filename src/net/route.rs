//! Route table lookup: longest prefix match over CIDR and prefix-list routes.

use super::Field;
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
    pub field: Field,
}

#[derive(Debug, Clone)]
pub enum RouteOutcome<'a> {
    Hit(RouteHit<'a>),
    NoRoute,
    Unknown { reason: String, field: Field },
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
    const PRIVATE4: [&str; 4] = [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
    ];
    if c.is_v4() {
        PRIVATE4
            .iter()
            .any(|p| Cidr::parse(p).map(|p| p.contains(c)).unwrap_or(false))
    } else {
        Cidr::parse("fc00::/7")
            .map(|p| p.contains(c))
            .unwrap_or(false)
    }
}

/// Find the route a packet to `dest` takes.
pub fn lookup<'a, 'p>(
    rt: &'a RouteTable,
    dest: &AddrSet,
    prefix_list: &dyn Fn(&str) -> Option<&'p ManagedPrefixList>,
) -> RouteOutcome<'a> {
    let mut best: Option<RouteHit<'a>> = None;
    let mut doubt: Option<(u8, String, Field)> = None;
    let v4 = dest.is_v4();
    for (i, r) in rt.routes.iter().enumerate() {
        // Built only for the routes that decide something.
        let field = |more: &str| {
            Field::new(
                "ec2:DescribeRouteTables",
                &rt.route_table_id,
                format!("Routes[{i}]{more}"),
            )
        };
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
                    let gateway_endpoint = r
                        .gateway_id
                        .as_deref()
                        .is_some_and(|g| g.starts_with("vpce-"));
                    if !(gateway_endpoint && is_private(&dest.as_cidr())) && doubt.is_none() {
                        doubt = Some((
                            129,
                            format!("route to prefix list {pl} whose entries were not captured may cover {dest}"),
                            field(&format!(".DestinationPrefixListId={pl}")),
                        ));
                    }
                }
            }
        }
        for (label, c) in cidrs {
            match dest.covered_by(&c) {
                Cover::All => {
                    let better = best.as_ref().is_none_or(|b| c.prefix_len() > b.prefix_len);
                    if better {
                        let target = target_of(r);
                        let blackhole = r
                            .state
                            .as_deref()
                            .is_some_and(|s| s.eq_ignore_ascii_case("blackhole"));
                        best = Some(RouteHit {
                            route: r,
                            index: i,
                            destination: label.clone(),
                            prefix_len: c.prefix_len(),
                            field: field(&format!(" {label} -> {target}")),
                            target,
                            blackhole,
                        });
                    }
                }
                Cover::Some => {
                    if doubt
                        .as_ref()
                        .is_none_or(|d| c.prefix_len() > d.0 && d.0 != 129)
                    {
                        doubt = Some((
                            c.prefix_len(),
                            format!(
                                "route {label} -> {} covers only part of {dest}",
                                target_of(r)
                            ),
                            field(&format!(" {label}")),
                        ));
                    }
                }
                Cover::None => {}
            }
        }
    }
    if let Some((len, reason, field)) = doubt {
        let beaten = best
            .as_ref()
            .is_some_and(|b| len != 129 && b.prefix_len >= len);
        if !beaten {
            return RouteOutcome::Unknown { reason, field };
        }
    }
    match best {
        Some(b) => RouteOutcome::Hit(b),
        None => RouteOutcome::NoRoute,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ec2::PrefixListEntry;

    fn route(dest: &str, target: &str) -> Route {
        let mut r = Route {
            destination_cidr_block: Some(dest.into()),
            state: Some("active".into()),
            ..Default::default()
        };
        if target.starts_with("pcx-") {
            r.vpc_peering_connection_id = Some(target.into());
        } else if target.starts_with("nat-") {
            r.nat_gateway_id = Some(target.into());
        } else {
            r.gateway_id = Some(target.into());
        }
        r
    }

    fn rt(routes: Vec<Route>) -> RouteTable {
        RouteTable {
            route_table_id: "rtb-1".into(),
            vpc_id: "vpc-1".into(),
            routes,
            ..Default::default()
        }
    }

    fn none(_: &str) -> Option<&'static ManagedPrefixList> {
        None
    }

    #[test]
    fn longest_prefix_wins() {
        let t = rt(vec![
            route("0.0.0.0/0", "nat-1"),
            route("10.0.0.0/16", "local"),
            route("10.0.10.0/24", "pcx-1"),
        ]);
        let ip = AddrSet::Ip("10.0.10.7".parse().unwrap());
        match lookup(&t, &ip, &none) {
            RouteOutcome::Hit(h) => assert_eq!((h.target.as_str(), h.prefix_len), ("pcx-1", 24)),
            other => panic!("{other:?}"),
        }
        let ip = AddrSet::Ip("10.0.3.7".parse().unwrap());
        match lookup(&t, &ip, &none) {
            RouteOutcome::Hit(h) => assert_eq!(h.target, "local"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_route_and_blackhole() {
        let mut r = route("10.1.0.0/16", "pcx-9");
        r.state = Some("blackhole".into());
        let t = rt(vec![route("10.0.0.0/16", "local"), r]);
        assert!(matches!(
            lookup(&t, &AddrSet::Ip("192.168.0.1".parse().unwrap()), &none),
            RouteOutcome::NoRoute
        ));
        match lookup(&t, &AddrSet::Ip("10.1.0.1".parse().unwrap()), &none) {
            RouteOutcome::Hit(h) => assert!(h.blackhole),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn prefix_list_routes() {
        let mut r = route("0.0.0.0/0", "tgw-1");
        r.destination_cidr_block = None;
        r.destination_prefix_list_id = Some("pl-1".into());
        r.transit_gateway_id = Some("tgw-1".into());
        r.gateway_id = None;
        let t = rt(vec![route("10.0.0.0/16", "local"), r]);
        let dest = AddrSet::Ip("10.1.0.5".parse().unwrap());
        // Entries not captured: the route may cover the destination.
        assert!(matches!(
            lookup(&t, &dest, &none),
            RouteOutcome::Unknown { .. }
        ));
        let pl = ManagedPrefixList {
            prefix_list_id: "pl-1".into(),
            entries: Some(vec![PrefixListEntry {
                cidr: "10.1.0.0/16".into(),
            }]),
            ..Default::default()
        };
        let pl: &'static ManagedPrefixList = Box::leak(Box::new(pl));
        let with = |id: &str| if id == "pl-1" { Some(pl) } else { None };
        match lookup(&t, &dest, &with) {
            RouteOutcome::Hit(h) => assert_eq!(h.target, "tgw-1"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn gateway_endpoint_prefix_lists_do_not_cover_private_space() {
        let mut r = route("0.0.0.0/0", "vpce-0s3");
        r.destination_cidr_block = None;
        r.destination_prefix_list_id = Some("pl-63a5400a".into());
        let t = rt(vec![route("10.0.0.0/16", "local"), r]);
        match lookup(&t, &AddrSet::Ip("10.0.10.5".parse().unwrap()), &none) {
            RouteOutcome::Hit(h) => assert_eq!(h.target, "local"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn more_specific_route_inside_an_approximate_block_is_unknown() {
        let t = rt(vec![
            route("10.0.0.0/16", "local"),
            route("10.0.10.128/25", "nat-1"),
        ]);
        let block = AddrSet::Block(crate::net::Cidr::parse("10.0.10.0/24").unwrap());
        assert!(matches!(
            lookup(&t, &block, &none),
            RouteOutcome::Unknown { .. }
        ));
    }
}
