//! EC2 reads of the network's filters: route tables, network ACLs,
//! security groups, prefix lists (with the entries of those a rule or route
//! names) and peering connections.

use std::collections::BTreeSet;

use aws_sdk_ec2::types as t;
use aws_sdk_ec2::Client;

use super::{filters, s, Ec2};
use crate::discover::calls::{each, Calls};
use crate::model::ec2 as m;

pub(in crate::discover) async fn route_tables(
    c: &Client,
    calls: &Calls,
    f: &[t::Filter],
) -> Vec<m::RouteTable> {
    let req = c
        .describe_route_tables()
        .set_filters(filters(f))
        .into_paginator()
        .send();
    calls
        .items(
            "ec2:DescribeRouteTables",
            req,
            |p| p.route_tables(),
            |rt| {
                Some(m::RouteTable {
                    route_table_id: rt.route_table_id()?.to_string(),
                    vpc_id: rt.vpc_id()?.to_string(),
                    associations: rt
                        .associations()
                        .iter()
                        .map(|a| m::RouteTableAssociation {
                            main: a.main().unwrap_or(false),
                            subnet_id: s(a.subnet_id()),
                            gateway_id: s(a.gateway_id()),
                        })
                        .collect(),
                    routes: rt.routes().iter().map(route).collect(),
                })
            },
        )
        .await
        .unwrap_or_default()
}

fn route(r: &t::Route) -> m::Route {
    m::Route {
        destination_cidr_block: s(r.destination_cidr_block()),
        destination_ipv6_cidr_block: s(r.destination_ipv6_cidr_block()),
        destination_prefix_list_id: s(r.destination_prefix_list_id()),
        gateway_id: s(r.gateway_id()),
        nat_gateway_id: s(r.nat_gateway_id()),
        transit_gateway_id: s(r.transit_gateway_id()),
        vpc_peering_connection_id: s(r.vpc_peering_connection_id()),
        network_interface_id: s(r.network_interface_id()),
        instance_id: s(r.instance_id()),
        egress_only_internet_gateway_id: s(r.egress_only_internet_gateway_id()),
        local_gateway_id: s(r.local_gateway_id()),
        carrier_gateway_id: s(r.carrier_gateway_id()),
        core_network_arn: s(r.core_network_arn()),
        state: r.state().map(|st| st.as_str().to_string()),
    }
}

pub(in crate::discover) async fn network_acls(
    c: &Client,
    calls: &Calls,
    f: &[t::Filter],
) -> Vec<m::NetworkAcl> {
    let req = c
        .describe_network_acls()
        .set_filters(filters(f))
        .into_paginator()
        .send();
    calls
        .items(
            "ec2:DescribeNetworkAcls",
            req,
            |p| p.network_acls(),
            |acl| {
                Some(m::NetworkAcl {
                    network_acl_id: acl.network_acl_id()?.to_string(),
                    vpc_id: acl.vpc_id()?.to_string(),
                    is_default: acl.is_default().unwrap_or(false),
                    associations: acl
                        .associations()
                        .iter()
                        .filter_map(|a| {
                            Some(m::NaclAssociation {
                                subnet_id: a.subnet_id()?.to_string(),
                                network_acl_association_id: s(a.network_acl_association_id()),
                            })
                        })
                        .collect(),
                    entries: acl.entries().iter().flat_map(nacl_entries).collect(),
                })
            },
        )
        .await
        .unwrap_or_default()
}

/// A NACL entry as the model holds it. An entry AWS returned with a field
/// missing is kept, never dropped (a dropped deny would let a later allow
/// decide): an unknown action counts as a deny, an unknown protocol makes
/// the entry ambiguous, an unknown direction puts it on both sides. Only an
/// entry without a rule number, which cannot be ordered, is left out.
fn nacl_entries(e: &t::NetworkAclEntry) -> Vec<m::NaclEntry> {
    let Some(rule_number) = e.rule_number() else {
        return Vec::new();
    };
    let base = m::NaclEntry {
        rule_number: rule_number.into(),
        egress: false,
        protocol: e.protocol().unwrap_or("(not returned)").to_string(),
        rule_action: e
            .rule_action()
            .map(|a| a.as_str().to_string())
            .unwrap_or_else(|| "(not returned)".into()),
        cidr_block: s(e.cidr_block()),
        ipv6_cidr_block: s(e.ipv6_cidr_block()),
        port_range: e.port_range().map(|p| m::PortRange {
            from: p.from().map(i64::from),
            to: p.to().map(i64::from),
        }),
    };
    match e.egress() {
        Some(egress) => vec![m::NaclEntry { egress, ..base }],
        None => vec![
            m::NaclEntry {
                egress: true,
                ..base.clone()
            },
            base,
        ],
    }
}

pub(in crate::discover) async fn security_groups(
    c: &Client,
    calls: &Calls,
    f: &[t::Filter],
) -> Vec<m::SecurityGroup> {
    let req = c
        .describe_security_groups()
        .set_filters(filters(f))
        .into_paginator()
        .send();
    calls
        .items(
            "ec2:DescribeSecurityGroups",
            req,
            |p| p.security_groups(),
            |g| {
                Some(m::SecurityGroup {
                    group_id: g.group_id()?.to_string(),
                    group_name: s(g.group_name()),
                    vpc_id: g.vpc_id()?.to_string(),
                    owner_id: s(g.owner_id()),
                    ip_permissions: g.ip_permissions().iter().filter_map(permission).collect(),
                    ip_permissions_egress: g
                        .ip_permissions_egress()
                        .iter()
                        .filter_map(permission)
                        .collect(),
                })
            },
        )
        .await
        .unwrap_or_default()
}

fn permission(p: &t::IpPermission) -> Option<m::IpPermission> {
    Some(m::IpPermission {
        ip_protocol: p.ip_protocol()?.to_string(),
        from_port: p.from_port().map(i64::from),
        to_port: p.to_port().map(i64::from),
        ip_ranges: p
            .ip_ranges()
            .iter()
            .filter_map(|r| {
                Some(m::IpRange {
                    cidr_ip: r.cidr_ip()?.to_string(),
                    description: s(r.description()),
                })
            })
            .collect(),
        ipv6_ranges: p
            .ipv6_ranges()
            .iter()
            .filter_map(|r| {
                Some(m::Ipv6Range {
                    cidr_ipv6: r.cidr_ipv6()?.to_string(),
                    description: s(r.description()),
                })
            })
            .collect(),
        prefix_list_ids: p
            .prefix_list_ids()
            .iter()
            .filter_map(|r| {
                Some(m::PrefixListRef {
                    prefix_list_id: r.prefix_list_id()?.to_string(),
                })
            })
            .collect(),
        user_id_group_pairs: p
            .user_id_group_pairs()
            .iter()
            .map(|g| m::UserIdGroupPair {
                group_id: s(g.group_id()),
                user_id: s(g.user_id()),
                vpc_id: s(g.vpc_id()),
                vpc_peering_connection_id: s(g.vpc_peering_connection_id()),
                peering_status: s(g.peering_status()),
            })
            .collect(),
    })
}

pub(in crate::discover) async fn prefix_lists(
    c: &Client,
    calls: &Calls,
    f: &[t::Filter],
) -> Vec<m::ManagedPrefixList> {
    let req = c
        .describe_managed_prefix_lists()
        .set_filters(filters(f))
        .into_paginator()
        .send();
    calls
        .items(
            "ec2:DescribeManagedPrefixLists",
            req,
            |p| p.prefix_lists(),
            |pl| {
                Some(m::ManagedPrefixList {
                    prefix_list_id: pl.prefix_list_id()?.to_string(),
                    prefix_list_name: s(pl.prefix_list_name()),
                    address_family: s(pl.address_family()),
                    entries: None,
                })
            },
        )
        .await
        .unwrap_or_default()
}

pub(in crate::discover) async fn flow_logs(
    c: &Client,
    calls: &Calls,
    f: &[t::Filter],
) -> Vec<m::FlowLog> {
    let req = c
        .describe_flow_logs()
        .set_filter(filters(f))
        .into_paginator()
        .send();
    calls
        .items(
            "ec2:DescribeFlowLogs",
            req,
            |p| p.flow_logs(),
            |fl| {
                Some(m::FlowLog {
                    flow_log_id: fl.flow_log_id()?.to_string(),
                    resource_id: s(fl.resource_id()),
                    log_destination_type: fl.log_destination_type().map(|d| d.as_str().to_string()),
                    log_group_name: s(fl.log_group_name()),
                    log_destination: s(fl.log_destination()),
                    log_format: s(fl.log_format()),
                    traffic_type: fl.traffic_type().map(|t| t.as_str().to_string()),
                    flow_log_status: s(fl.flow_log_status()),
                    deliver_logs_status: s(fl.deliver_logs_status()),
                    deliver_logs_error_message: s(fl.deliver_logs_error_message()),
                })
            },
        )
        .await
        .unwrap_or_default()
}

/// Prefix lists named by a security group rule or a route.
pub(in crate::discover) fn referenced_prefix_lists(e: &Ec2) -> BTreeSet<String> {
    let from_groups = e.security_groups.iter().flat_map(|g| {
        g.ip_permissions
            .iter()
            .chain(&g.ip_permissions_egress)
            .flat_map(|p| p.prefix_list_ids.iter().map(|r| r.prefix_list_id.clone()))
    });
    let from_routes = e
        .route_tables
        .iter()
        .flat_map(|rt| rt.routes.iter())
        .filter_map(|r| r.destination_prefix_list_id.clone());
    from_groups.chain(from_routes).collect()
}

/// The entries of each referenced list, in the order of `lists`; `None`
/// for lists nothing references and where the call failed.
pub(in crate::discover) async fn prefix_list_entries(
    c: &Client,
    calls: &Calls,
    lists: &[m::ManagedPrefixList],
    referenced: &BTreeSet<String>,
) -> Vec<Option<Vec<m::PrefixListEntry>>> {
    let futs = lists
        .iter()
        .map(|pl| {
            let wanted = referenced.contains(&pl.prefix_list_id);
            let (c, calls, id) = (c.clone(), calls.clone(), pl.prefix_list_id.clone());
            async move {
                if !wanted {
                    return None;
                }
                let call = "ec2:GetManagedPrefixListEntries";
                let req = c
                    .get_managed_prefix_list_entries()
                    .prefix_list_id(id)
                    .into_paginator()
                    .send();
                let pages = calls.pages(call, req).await?;
                Some(
                    pages
                        .iter()
                        .flat_map(|p| p.entries())
                        .filter_map(|e| {
                            Some(m::PrefixListEntry {
                                cidr: e.cidr()?.to_string(),
                            })
                        })
                        .collect(),
                )
            }
        })
        .collect();
    let got = each(calls, futs).await;
    got.into_iter().map(Option::flatten).collect()
}

pub(in crate::discover) async fn peering_connections(
    c: &Client,
    calls: &Calls,
    f: &[t::Filter],
) -> Vec<m::VpcPeeringConnection> {
    let call = "ec2:DescribeVpcPeeringConnections";
    let req = c
        .describe_vpc_peering_connections()
        .set_filters(filters(f))
        .into_paginator()
        .send();
    let info = |i: &t::VpcPeeringConnectionVpcInfo| -> Option<m::PeeringVpcInfo> {
        Some(m::PeeringVpcInfo {
            vpc_id: i.vpc_id()?.to_string(),
            owner_id: s(i.owner_id()),
            region: s(i.region()),
            cidr_block: s(i.cidr_block()),
        })
    };
    let page = |p: &aws_sdk_ec2::operation::describe_vpc_peering_connections::DescribeVpcPeeringConnectionsOutput| -> Vec<m::VpcPeeringConnection> {
        p.vpc_peering_connections()
        .iter()
        .filter_map(|pc| {
            Some(m::VpcPeeringConnection {
                vpc_peering_connection_id: pc.vpc_peering_connection_id()?.to_string(),
                requester_vpc_info: info(pc.requester_vpc_info()?)?,
                accepter_vpc_info: info(pc.accepter_vpc_info()?)?,
                status: m::PeeringStatus {
                    code: pc
                        .status()
                        .and_then(|s| s.code())
                        .map(|c| c.as_str().to_string())
                        .unwrap_or_default(),
                },
            })
        })
        .collect()
    };
    calls.mapped(call, req, page).await.unwrap_or_default()
}
