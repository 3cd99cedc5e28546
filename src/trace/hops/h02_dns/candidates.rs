//! The endpoint ENI addresses a name may resolve to (the candidates the
//! network hops check one by one).

use super::shared::*;

pub fn execute_api_service(region: &str) -> String {
    format!("com.amazonaws.{region}.execute-api")
}

/// The addresses of an endpoint's ENIs, restricted to one zone for a zonal name.
pub fn endpoint_candidates(
    ctx: &Ctx,
    ep: &VpcEndpoint,
    client: Option<&Client>,
    zone: Option<&str>,
) -> (Vec<Candidate>, bool) {
    let w = ctx.world;
    let mut out = Vec::new();
    let mut approximate = false;
    let mut covered_subnets = Vec::new();
    let want_v6 = client.and_then(|c| c.ipv6).is_some()
        && ep
            .ip_address_type
            .as_deref()
            .is_some_and(|t| t == "dualstack" || t == "ipv6")
        && ep
            .dns_options
            .as_ref()
            .and_then(|d| d.dns_record_ip_type.as_deref())
            .is_some_and(|t| t != "ipv4");
    let want_v4 = client.and_then(|c| c.ipv4).is_some() || !want_v6;
    for eni_id in &ep.network_interface_ids {
        let Some(eni) = w.network_interface(eni_id) else {
            continue;
        };
        let az = eni.availability_zone.clone().or_else(|| {
            w.subnet(&eni.subnet_id)
                .and_then(|s| s.availability_zone.clone())
        });
        if zone.is_some() && az.as_deref() != zone {
            continue;
        }
        covered_subnets.push(eni.subnet_id.clone());
        let v4 = eni.private_ip_address.clone().or_else(|| {
            eni.private_ip_addresses
                .first()
                .map(|p| p.private_ip_address.clone())
        });
        if want_v4 {
            let ip = v4.and_then(|s| s.parse::<IpAddr>().ok());
            // An address outside the ENI's own subnet is inconsistent data
            // (AWS never assigns one): check the subnet's block instead.
            let addr = match (ip, outside_subnet(w, &eni.subnet_id, ip)) {
                (_, Some(block)) => {
                    approximate = true;
                    Some(AddrSet::Block(block))
                }
                (ip, None) => ip.map(AddrSet::Ip),
            };
            out.push(Candidate {
                eni_id: Some(eni_id.clone()),
                subnet_id: eni.subnet_id.clone(),
                addr,
                az: az.clone(),
            });
        }
        if want_v6 {
            if let Some(a) = eni
                .ipv6_addresses
                .first()
                .and_then(|a| a.ipv6_address.parse::<IpAddr>().ok())
            {
                out.push(Candidate {
                    eni_id: Some(eni_id.clone()),
                    subnet_id: eni.subnet_id.clone(),
                    addr: Some(AddrSet::Ip(a)),
                    az,
                });
            } else {
                // DNS answers AAAA too, but the ENI's IPv6 address was not
                // captured: check the subnet's IPv6 block instead.
                approximate = true;
                out.push(Candidate {
                    eni_id: Some(eni_id.clone()),
                    subnet_id: eni.subnet_id.clone(),
                    addr: subnet_v6(w, &eni.subnet_id),
                    az,
                });
            }
        }
    }
    for sn in &ep.subnet_ids {
        if covered_subnets.contains(sn) {
            continue;
        }
        let subnet = w.subnet(sn);
        let az = subnet.and_then(|s| s.availability_zone.clone());
        if zone.is_some() && az.as_deref() != zone {
            continue;
        }
        approximate = true;
        if want_v4 {
            out.push(Candidate {
                eni_id: None,
                subnet_id: sn.clone(),
                addr: subnet
                    .and_then(|s| Cidr::parse(&s.cidr_block).ok())
                    .map(AddrSet::Block),
                az: az.clone(),
            });
        }
        if want_v6 {
            out.push(Candidate {
                eni_id: None,
                subnet_id: sn.clone(),
                addr: subnet_v6(w, sn),
                az,
            });
        }
    }
    (out, approximate)
}

/// The subnet's IPv4 block when `ip` (an IPv4 address) lies outside it.
fn outside_subnet(w: &crate::model::World, subnet_id: &str, ip: Option<IpAddr>) -> Option<Cidr> {
    let ip = ip.filter(IpAddr::is_ipv4)?;
    let block = Cidr::parse(&w.subnet(subnet_id)?.cidr_block).ok()?;
    (!block.contains_ip(ip)).then_some(block)
}

/// Notes for the endpoint ENIs whose recorded address lies outside their
/// own subnet: the data is inconsistent, so the subnet's block is checked.
pub fn inconsistent_enis(ctx: &Ctx, ep: &VpcEndpoint) -> Vec<String> {
    let w = ctx.world;
    ep.network_interface_ids
        .iter()
        .filter_map(|id| {
            let eni = w.network_interface(id)?;
            let ip = eni
                .private_ip_address
                .as_deref()
                .and_then(|s| s.parse::<IpAddr>().ok());
            let block = outside_subnet(w, &eni.subnet_id, ip)?;
            Some(format!(
                "inconsistent data: {id} has address {} outside its subnet {} ({block}); the network hops check the subnet's block instead",
                ip.map(|i| i.to_string()).unwrap_or_default(),
                eni.subnet_id
            ))
        })
        .collect()
}

/// The subnet's IPv6 block as an address set, when captured.
pub(super) fn subnet_v6(w: &crate::model::World, subnet_id: &str) -> Option<AddrSet> {
    w.subnet(subnet_id)?
        .ipv6_cidr_block_association_set
        .first()
        .and_then(|a| Cidr::parse(&a.ipv6_cidr_block).ok())
        .map(AddrSet::Block)
}
