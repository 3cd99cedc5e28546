//! EC2 reads (rulebook §0.4) and their mapping into `model::ec2`, field by field.

use std::collections::BTreeSet;

use aws_sdk_ec2::types as t;
use aws_sdk_ec2::Client;

use super::calls::{all, each, Calls};
use crate::model::ec2 as m;

mod network;

pub(super) use network::{
    flow_logs, network_acls, peering_connections, prefix_list_entries, prefix_lists,
    referenced_prefix_lists, route_tables, security_groups,
};

/// Everything EC2 gives a snapshot.
#[derive(Default)]
pub(super) struct Ec2 {
    pub vpcs: Vec<m::Vpc>,
    pub dhcp_options: Vec<m::DhcpOptions>,
    pub subnets: Vec<m::Subnet>,
    pub instances: Vec<m::Instance>,
    pub network_interfaces: Vec<m::NetworkInterface>,
    pub route_tables: Vec<m::RouteTable>,
    pub network_acls: Vec<m::NetworkAcl>,
    pub security_groups: Vec<m::SecurityGroup>,
    pub prefix_lists: Vec<m::ManagedPrefixList>,
    pub vpc_endpoints: Vec<m::VpcEndpoint>,
    pub vpc_peering_connections: Vec<m::VpcPeeringConnection>,
    pub flow_logs: Vec<m::FlowLog>,
}

impl Ec2 {
    /// Hand everything read to a progressive discovery's partial snapshot.
    pub fn land(&self, p: &super::Progress) {
        p.land("vpcs", &self.vpcs);
        p.land("dhcp_options", &self.dhcp_options);
        p.land("subnets", &self.subnets);
        p.land("instances", &self.instances);
        p.land("network_interfaces", &self.network_interfaces);
        p.land("route_tables", &self.route_tables);
        p.land("network_acls", &self.network_acls);
        p.land("security_groups", &self.security_groups);
        p.land("prefix_lists", &self.prefix_lists);
        p.land("vpc_endpoints", &self.vpc_endpoints);
        p.land("vpc_peering_connections", &self.vpc_peering_connections);
        p.land("flow_logs", &self.flow_logs);
    }
}

/// How many ids one filtered `Describe*` call names.
const IDS_PER_CALL: usize = 100;

/// Every `Describe*` of the region, then what depends on them: the VPC DNS
/// attributes, the endpoints' ENIs and the entries of referenced prefix lists.
pub(super) async fn read(c: &Client, calls: &Calls) -> Ec2 {
    let all = &[];
    let (vpcs, dhcp_options, subnets, instances, route_tables, network_acls) = tokio::join!(
        vpcs(c, calls, all),
        dhcp_options(c, calls, all),
        subnets(c, calls, all),
        instances(c, calls, all),
        route_tables(c, calls, all),
        network_acls(c, calls, all),
    );
    let (security_groups, prefix_lists, vpc_endpoints, vpc_peering_connections, flow_logs) = tokio::join!(
        security_groups(c, calls, all),
        prefix_lists(c, calls, all),
        vpc_endpoints(c, calls, all),
        peering_connections(c, calls, all),
        flow_logs(c, calls, all),
    );
    let mut out = Ec2 {
        vpcs,
        dhcp_options,
        subnets,
        instances,
        network_interfaces: Vec::new(),
        route_tables,
        network_acls,
        security_groups,
        prefix_lists,
        vpc_endpoints,
        vpc_peering_connections,
        flow_logs,
    };
    let referenced = referenced_prefix_lists(&out);
    let eni_ids = endpoint_enis(&out.vpc_endpoints);
    let next = calls.then();
    let (attrs, enis, entries) = tokio::join!(
        vpc_attributes(c, &next, &out.vpcs),
        network_interfaces(c, &next, eni_ids),
        prefix_list_entries(c, &next, &out.prefix_lists, &referenced),
    );
    for (vpc, (support, hostnames)) in out.vpcs.iter_mut().zip(attrs) {
        vpc.enable_dns_support = support;
        vpc.enable_dns_hostnames = hostnames;
    }
    out.network_interfaces = enis;
    for (pl, e) in out.prefix_lists.iter_mut().zip(entries) {
        pl.entries = e;
    }
    out
}

/// The ENIs of `endpoints`, each once.
pub(super) fn endpoint_enis(endpoints: &[m::VpcEndpoint]) -> Vec<String> {
    endpoints
        .iter()
        .flat_map(|e| e.network_interface_ids.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

pub(super) fn s(v: Option<&str>) -> Option<String> {
    v.map(str::to_string)
}

/// `name` in `values`: one filter of a `Describe*` call.
pub(super) fn filter<I, S>(name: &str, values: I) -> t::Filter
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    t::Filter::builder()
        .name(name)
        .set_values(Some(values.into_iter().map(Into::into).collect()))
        .build()
}

/// The filters of a call: `None` (everything) when there are none.
pub(super) fn filters(f: &[t::Filter]) -> Option<Vec<t::Filter>> {
    (!f.is_empty()).then(|| f.to_vec())
}

fn tags(v: &[t::Tag]) -> Vec<m::Tag> {
    v.iter()
        .filter_map(|t| {
            Some(m::Tag {
                key: t.key()?.to_string(),
                value: t.value().unwrap_or_default().to_string(),
            })
        })
        .collect()
}

/// (address, primary) pairs of an instance's or an ENI's private addresses.
fn private_ips<'a>(v: impl Iterator<Item = (Option<&'a str>, Option<bool>)>) -> Vec<m::PrivateIp> {
    v.filter_map(|(addr, primary)| {
        Some(m::PrivateIp {
            private_ip_address: addr?.to_string(),
            primary,
        })
    })
    .collect()
}

fn ipv6_addrs<'a>(v: impl Iterator<Item = Option<&'a str>>) -> Vec<m::Ipv6Addr> {
    v.flatten()
        .map(|a| m::Ipv6Addr {
            ipv6_address: a.to_string(),
        })
        .collect()
}

fn group_ref(g: &t::GroupIdentifier) -> Option<m::GroupRef> {
    Some(m::GroupRef {
        group_id: g.group_id()?.to_string(),
        group_name: s(g.group_name()),
    })
}

pub(super) async fn vpcs(c: &Client, calls: &Calls, f: &[t::Filter]) -> Vec<m::Vpc> {
    let req = c
        .describe_vpcs()
        .set_filters(filters(f))
        .into_paginator()
        .send();
    calls
        .items("ec2:DescribeVpcs", req, |p| p.vpcs(), vpc)
        .await
        .unwrap_or_default()
}

/// The blocks of `(cidr, state)` pairs that are associated (or associating).
fn associated<'a>(v: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Vec<String> {
    v.filter(|(_, state)| !matches!(state, Some("disassociated" | "disassociating")))
        .filter_map(|(cidr, _)| cidr.map(str::to_string))
        .collect()
}

fn vpc(v: &t::Vpc) -> Option<m::Vpc> {
    let v4 = v.cidr_block_association_set().iter().map(|a| {
        let state = a.cidr_block_state().and_then(|s| s.state());
        (a.cidr_block(), state.map(|s| s.as_str()))
    });
    let v6 = v.ipv6_cidr_block_association_set().iter().map(|a| {
        let state = a.ipv6_cidr_block_state().and_then(|s| s.state());
        (a.ipv6_cidr_block(), state.map(|s| s.as_str()))
    });
    Some(m::Vpc {
        vpc_id: v.vpc_id()?.to_string(),
        cidr_block: s(v.cidr_block()),
        cidr_block_association_set: associated(v4)
            .into_iter()
            .map(|cidr_block| m::CidrAssociation { cidr_block })
            .collect(),
        ipv6_cidr_block_association_set: associated(v6)
            .into_iter()
            .map(|ipv6_cidr_block| m::Ipv6CidrAssociation { ipv6_cidr_block })
            .collect(),
        enable_dns_support: None,
        enable_dns_hostnames: None,
        dhcp_options_id: s(v.dhcp_options_id()),
        owner_id: s(v.owner_id()),
        tags: tags(v.tags()),
    })
}

/// `(enableDnsSupport, enableDnsHostnames)` per VPC, in order; `None` where a call failed.
pub(super) async fn vpc_attributes(
    c: &Client,
    calls: &Calls,
    vpcs: &[m::Vpc],
) -> Vec<(Option<bool>, Option<bool>)> {
    let futs = vpcs
        .iter()
        .map(|v| {
            let (c, calls, id) = (c.clone(), calls.clone(), v.vpc_id.clone());
            async move {
                let call = "ec2:DescribeVpcAttribute";
                let support = c
                    .describe_vpc_attribute()
                    .vpc_id(&id)
                    .attribute(t::VpcAttributeName::EnableDnsSupport)
                    .send();
                let hostnames = c
                    .describe_vpc_attribute()
                    .vpc_id(&id)
                    .attribute(t::VpcAttributeName::EnableDnsHostnames)
                    .send();
                let (support, hostnames) =
                    tokio::join!(calls.one(call, support), calls.one(call, hostnames));
                (
                    support.and_then(|o| o.enable_dns_support().and_then(|a| a.value())),
                    hostnames.and_then(|o| o.enable_dns_hostnames().and_then(|a| a.value())),
                )
            }
        })
        .collect();
    let got = each(calls, futs).await;
    got.into_iter().map(|a| a.unwrap_or_default()).collect()
}

pub(super) async fn dhcp_options(
    c: &Client,
    calls: &Calls,
    f: &[t::Filter],
) -> Vec<m::DhcpOptions> {
    let req = c
        .describe_dhcp_options()
        .set_filters(filters(f))
        .into_paginator()
        .send();
    calls
        .items(
            "ec2:DescribeDhcpOptions",
            req,
            |p| p.dhcp_options(),
            |d| {
                Some(m::DhcpOptions {
                    dhcp_options_id: d.dhcp_options_id()?.to_string(),
                    domain_name_servers: d
                        .dhcp_configurations()
                        .iter()
                        .filter(|c| c.key() == Some("domain-name-servers"))
                        .flat_map(|c| c.values())
                        .filter_map(|v| s(v.value()))
                        .collect(),
                })
            },
        )
        .await
        .unwrap_or_default()
}

pub(super) async fn subnets(c: &Client, calls: &Calls, f: &[t::Filter]) -> Vec<m::Subnet> {
    let req = c
        .describe_subnets()
        .set_filters(filters(f))
        .into_paginator()
        .send();
    calls
        .items(
            "ec2:DescribeSubnets",
            req,
            |p| p.subnets(),
            |sn| {
                Some(m::Subnet {
                    subnet_id: sn.subnet_id()?.to_string(),
                    vpc_id: sn.vpc_id()?.to_string(),
                    cidr_block: sn.cidr_block()?.to_string(),
                    ipv6_cidr_block_association_set: sn
                        .ipv6_cidr_block_association_set()
                        .iter()
                        .filter_map(|a| {
                            Some(m::Ipv6CidrAssociation {
                                ipv6_cidr_block: a.ipv6_cidr_block()?.to_string(),
                            })
                        })
                        .collect(),
                    availability_zone: s(sn.availability_zone()),
                    availability_zone_id: s(sn.availability_zone_id()),
                    tags: tags(sn.tags()),
                })
            },
        )
        .await
        .unwrap_or_default()
}

pub(super) async fn instances(c: &Client, calls: &Calls, f: &[t::Filter]) -> Vec<m::Instance> {
    let call = "ec2:DescribeInstances";
    let req = c
        .describe_instances()
        .set_filters(filters(f))
        .into_paginator()
        .send();
    let page = |p: &aws_sdk_ec2::operation::describe_instances::DescribeInstancesOutput| {
        p.reservations()
            .iter()
            .flat_map(|r| r.instances())
            .filter_map(instance)
            .collect()
    };
    calls.mapped(call, req, page).await.unwrap_or_default()
}

fn instance(i: &t::Instance) -> Option<m::Instance> {
    Some(m::Instance {
        instance_id: i.instance_id()?.to_string(),
        state: m::InstanceState {
            name: i
                .state()
                .and_then(|s| s.name())
                .map(|n| n.as_str().to_string())
                .unwrap_or_default(),
        },
        subnet_id: s(i.subnet_id()),
        vpc_id: s(i.vpc_id()),
        private_ip_address: s(i.private_ip_address()),
        ipv6_address: s(i.ipv6_address()),
        security_groups: i.security_groups().iter().filter_map(group_ref).collect(),
        network_interfaces: i
            .network_interfaces()
            .iter()
            .filter_map(|n| {
                Some(m::InstanceEni {
                    network_interface_id: n.network_interface_id()?.to_string(),
                    subnet_id: s(n.subnet_id()),
                    groups: n.groups().iter().filter_map(group_ref).collect(),
                    private_ip_address: s(n.private_ip_address()),
                    private_ip_addresses: private_ips(
                        n.private_ip_addresses()
                            .iter()
                            .map(|p| (p.private_ip_address(), p.primary())),
                    ),
                    ipv6_addresses: ipv6_addrs(n.ipv6_addresses().iter().map(|a| a.ipv6_address())),
                    attachment: n.attachment().map(|a| m::EniAttachment {
                        device_index: a.device_index().map(i64::from),
                    }),
                })
            })
            .collect(),
        iam_instance_profile: i.iam_instance_profile().and_then(|p| p.arn()).map(|arn| {
            m::IamInstanceProfileRef {
                arn: arn.to_string(),
            }
        }),
        platform: i.platform().map(|p| p.as_str().to_string()),
        platform_details: s(i.platform_details()),
        tags: tags(i.tags()),
    })
}

pub(super) async fn vpc_endpoints(
    c: &Client,
    calls: &Calls,
    f: &[t::Filter],
) -> Vec<m::VpcEndpoint> {
    let req = c
        .describe_vpc_endpoints()
        .set_filters(filters(f))
        .into_paginator()
        .send();
    calls
        .items(
            "ec2:DescribeVpcEndpoints",
            req,
            |p| p.vpc_endpoints(),
            vpc_endpoint,
        )
        .await
        .unwrap_or_default()
}

pub(super) fn vpc_endpoint(e: &t::VpcEndpoint) -> Option<m::VpcEndpoint> {
    Some(m::VpcEndpoint {
        vpc_endpoint_id: e.vpc_endpoint_id()?.to_string(),
        vpc_endpoint_type: e
            .vpc_endpoint_type()
            .map(|v| v.as_str().to_string())
            .unwrap_or_default(),
        vpc_id: e.vpc_id()?.to_string(),
        service_name: e.service_name()?.to_string(),
        state: e
            .state()
            .map(|v| v.as_str().to_string())
            .unwrap_or_default(),
        policy_document: s(e.policy_document()),
        subnet_ids: e.subnet_ids().to_vec(),
        groups: e
            .groups()
            .iter()
            .filter_map(|g| {
                Some(m::GroupRef {
                    group_id: g.group_id()?.to_string(),
                    group_name: s(g.group_name()),
                })
            })
            .collect(),
        private_dns_enabled: e.private_dns_enabled().unwrap_or(false),
        dns_entries: e
            .dns_entries()
            .iter()
            .filter_map(|d| {
                Some(m::DnsEntry {
                    dns_name: d.dns_name()?.to_string(),
                    hosted_zone_id: s(d.hosted_zone_id()),
                })
            })
            .collect(),
        network_interface_ids: e.network_interface_ids().to_vec(),
        ip_address_type: e.ip_address_type().map(|v| v.as_str().to_string()),
        dns_options: e.dns_options().map(|d| m::DnsOptions {
            dns_record_ip_type: d.dns_record_ip_type().map(|v| v.as_str().to_string()),
        }),
        owner_id: s(e.owner_id()),
        last_error: e.last_error().map(|l| m::LastError {
            code: s(l.code()),
            message: s(l.message()),
        }),
        tags: tags(e.tags()),
    })
}

/// The endpoints named by `ids` (`VpcEndpointIds`): one call. When AWS
/// refuses the list because an id does not exist here (another account's
/// endpoint, or a deleted one), one call per id in the next round; the
/// missing ones are left out (not a failed call).
pub(super) async fn vpc_endpoints_by_id(
    c: &Client,
    calls: &Calls,
    ids: &[String],
) -> Vec<m::VpcEndpoint> {
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    const CALL: &str = "ec2:DescribeVpcEndpoints";
    fn missing<E: ProvideErrorMetadata>(e: &E) -> bool {
        e.code()
            .is_some_and(|c| c.starts_with("InvalidVpcEndpointId"))
    }
    let one = |calls: Calls, ids: Vec<String>| {
        let c = c.clone();
        async move {
            let req = c
                .describe_vpc_endpoints()
                .set_vpc_endpoint_ids(Some(ids))
                .send();
            calls.one_or(CALL, req, missing).await
        }
    };
    let mapped =
        |out: &aws_sdk_ec2::operation::describe_vpc_endpoints::DescribeVpcEndpointsOutput| {
            out.vpc_endpoints()
                .iter()
                .filter_map(vpc_endpoint)
                .collect::<Vec<_>>()
        };
    if ids.is_empty() {
        return Vec::new();
    }
    match one(calls.clone(), ids.to_vec()).await {
        Some(Ok(out)) => mapped(&out),
        Some(Err(_)) if ids.len() > 1 => {
            let next = calls.then();
            let futs = ids
                .iter()
                .map(|id| one(next.clone(), vec![id.clone()]))
                .collect();
            all(calls, futs)
                .await
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .flat_map(|out| mapped(&out))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The ENIs named by `ids` (the endpoints' interfaces), by filter so that an
/// interface deleted meanwhile does not fail the whole call.
pub(super) async fn network_interfaces(
    c: &Client,
    calls: &Calls,
    ids: Vec<String>,
) -> Vec<m::NetworkInterface> {
    let futs = ids
        .chunks(IDS_PER_CALL)
        .map(|chunk| {
            let (c, calls) = (c.clone(), calls.clone());
            let filter = t::Filter::builder()
                .name("network-interface-id")
                .set_values(Some(chunk.to_vec()))
                .build();
            async move {
                let call = "ec2:DescribeNetworkInterfaces";
                let req = c
                    .describe_network_interfaces()
                    .filters(filter)
                    .into_paginator()
                    .send();
                let pages = calls.pages(call, req).await.unwrap_or_default();
                pages
                    .iter()
                    .flat_map(|p| p.network_interfaces())
                    .filter_map(network_interface)
                    .collect::<Vec<_>>()
            }
        })
        .collect();
    all(calls, futs).await.into_iter().flatten().collect()
}

fn network_interface(n: &t::NetworkInterface) -> Option<m::NetworkInterface> {
    Some(m::NetworkInterface {
        network_interface_id: n.network_interface_id()?.to_string(),
        subnet_id: n.subnet_id()?.to_string(),
        vpc_id: s(n.vpc_id()),
        availability_zone: s(n.availability_zone()),
        private_ip_address: s(n.private_ip_address()),
        private_ip_addresses: private_ips(
            n.private_ip_addresses()
                .iter()
                .map(|p| (p.private_ip_address(), p.primary())),
        ),
        ipv6_addresses: ipv6_addrs(n.ipv6_addresses().iter().map(|a| a.ipv6_address())),
        groups: n.groups().iter().filter_map(group_ref).collect(),
        interface_type: n.interface_type().map(|v| v.as_str().to_string()),
        description: s(n.description()),
    })
}
