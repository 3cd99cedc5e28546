//! A deterministic synthetic world for benchmarks: many VPCs, each with
//! subnets, security groups, instances, an execute-api endpoint and APIs.

use std::collections::BTreeMap;

use crate::model::apigw::{
    Deployment, EndpointConfiguration, Method, MethodSnapshot, Resource, RestApi, Stage,
};
use crate::model::ec2::*;
use crate::model::{Snapshot, SNAPSHOT_SCHEMA};

#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub instances: usize,
    pub security_groups: usize,
    pub subnets: usize,
    pub endpoints: usize,
    pub apis: usize,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            instances: 50_000,
            security_groups: 10_000,
            subnets: 5_000,
            endpoints: 500,
            apis: 1_000,
        }
    }
}

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";

fn id(prefix: &str, n: usize) -> String {
    format!("{prefix}-{n:017x}")
}

/// The instance id, API id and URL of a trace that crosses the whole path.
pub fn sample_request(p: &Params) -> (String, String) {
    let vpcs = p.endpoints.max(1);
    let i = p.instances / 2;
    let v = i % vpcs;
    let api = api_id(v * p.apis.max(1) / vpcs);
    (
        id("i", i),
        format!("https://{api}.execute-api.{REGION}.amazonaws.com/prod/items/42"),
    )
}

fn api_id(n: usize) -> String {
    format!("{:010x}", 0xa0_0000_0000usize + n)
}

fn perm(proto: &str, from: i64, to: i64, cidrs: &[String], groups: &[String]) -> IpPermission {
    IpPermission {
        ip_protocol: proto.into(),
        from_port: Some(from),
        to_port: Some(to),
        ip_ranges: cidrs
            .iter()
            .map(|c| IpRange {
                cidr_ip: c.clone(),
                description: None,
            })
            .collect(),
        user_id_group_pairs: groups
            .iter()
            .map(|g| UserIdGroupPair {
                group_id: Some(g.clone()),
                user_id: Some(ACCOUNT.into()),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

pub fn generate(p: &Params) -> Snapshot {
    let vpcs_n = p.endpoints.max(1);
    let mut s = Snapshot {
        schema: SNAPSHOT_SCHEMA.into(),
        account: ACCOUNT.into(),
        region: REGION.into(),
        captured_at: "2026-11-28T00:00:00Z".into(),
        partition: "aws".into(),
        ..Default::default()
    };
    let subnets_per = (p.subnets / vpcs_n).max(2);
    let sgs_per = (p.security_groups / vpcs_n).max(2);
    for v in 0..vpcs_n {
        let vpc_id = id("vpc", v);
        // VPCs may share address space, as unconnected VPCs do.
        let vpc_cidr = format!("10.{}.0.0/16", v % 256);
        s.vpcs.push(Vpc {
            vpc_id: vpc_id.clone(),
            cidr_block: Some(vpc_cidr.clone()),
            enable_dns_support: Some(true),
            enable_dns_hostnames: Some(true),
            dhcp_options_id: Some("default".into()),
            ..Default::default()
        });
        let second = vpc_cidr.split('.').nth(1).unwrap_or("0").to_string();
        let mut subnet_ids = Vec::new();
        for k in 0..subnets_per {
            let sid = id("subnet", v * subnets_per + k);
            s.subnets.push(Subnet {
                subnet_id: sid.clone(),
                vpc_id: vpc_id.clone(),
                cidr_block: format!("10.{second}.{k}.0/24"),
                availability_zone: Some(
                    if k % 2 == 0 {
                        "us-east-1a"
                    } else {
                        "us-east-1b"
                    }
                    .into(),
                ),
                ..Default::default()
            });
            subnet_ids.push(sid);
        }
        s.route_tables.push(RouteTable {
            route_table_id: id("rtb", v),
            vpc_id: vpc_id.clone(),
            associations: vec![RouteTableAssociation {
                main: true,
                ..Default::default()
            }],
            routes: vec![
                Route {
                    destination_cidr_block: Some(vpc_cidr.clone()),
                    gateway_id: Some("local".into()),
                    state: Some("active".into()),
                    ..Default::default()
                },
                Route {
                    destination_cidr_block: Some("0.0.0.0/0".into()),
                    nat_gateway_id: Some(id("nat", v)),
                    state: Some("active".into()),
                    ..Default::default()
                },
            ],
        });
        let all = |egress: bool| NaclEntry {
            rule_number: 100,
            egress,
            protocol: "-1".into(),
            rule_action: "allow".into(),
            cidr_block: Some("0.0.0.0/0".into()),
            ..Default::default()
        };
        s.network_acls.push(NetworkAcl {
            network_acl_id: id("acl", v),
            vpc_id: vpc_id.clone(),
            is_default: true,
            associations: subnet_ids
                .iter()
                .map(|sn| NaclAssociation {
                    subnet_id: sn.clone(),
                    network_acl_association_id: None,
                })
                .collect(),
            entries: vec![all(false), all(true)],
        });
        let mut sg_ids = Vec::new();
        for k in 0..sgs_per {
            sg_ids.push(id("sg", v * sgs_per + k));
        }
        let ep_sg = sg_ids[0].clone();
        for (k, g) in sg_ids.iter().enumerate() {
            let ingress = if k == 0 {
                vec![perm(
                    "tcp",
                    443,
                    443,
                    std::slice::from_ref(&vpc_cidr),
                    &sg_ids[1..sg_ids.len().min(6)],
                )]
            } else {
                vec![
                    perm("tcp", 22, 22, &["10.255.0.0/16".into()], &[]),
                    perm("tcp", 8080, 8090, &[], &[sg_ids[(k + 1) % sgs_per].clone()]),
                ]
            };
            s.security_groups.push(SecurityGroup {
                group_id: g.clone(),
                group_name: Some(if k == 0 {
                    "execute-api".into()
                } else {
                    format!("app-{k}")
                }),
                vpc_id: vpc_id.clone(),
                owner_id: Some(ACCOUNT.into()),
                ip_permissions: ingress,
                ip_permissions_egress: vec![
                    perm("tcp", 5432, 5432, &["10.200.0.0/16".into()], &[]),
                    perm("-1", -1, -1, &["0.0.0.0/0".into()], &[]),
                ],
            });
        }
        let ep_id = id("vpce", v);
        let mut enis = Vec::new();
        for (z, subnet) in subnet_ids.iter().take(2).enumerate() {
            let eni = id("eni", 1_000_000 + v * 2 + z);
            s.network_interfaces.push(NetworkInterface {
                network_interface_id: eni.clone(),
                subnet_id: subnet.clone(),
                vpc_id: Some(vpc_id.clone()),
                private_ip_address: Some(format!("10.{second}.{z}.250")),
                groups: vec![GroupRef {
                    group_id: ep_sg.clone(),
                    group_name: None,
                }],
                interface_type: Some("vpc_endpoint".into()),
                ..Default::default()
            });
            enis.push(eni);
        }
        s.vpc_endpoints.push(VpcEndpoint {
            vpc_endpoint_id: ep_id.clone(),
            vpc_endpoint_type: "Interface".into(),
            vpc_id: vpc_id.clone(),
            service_name: format!("com.amazonaws.{REGION}.execute-api"),
            state: "available".into(),
            subnet_ids: subnet_ids[..2].to_vec(),
            groups: vec![GroupRef {
                group_id: ep_sg.clone(),
                group_name: None,
            }],
            private_dns_enabled: true,
            dns_entries: vec![DnsEntry {
                dns_name: format!("{ep_id}-abc123.execute-api.{REGION}.vpce.amazonaws.com"),
                hosted_zone_id: None,
            }],
            network_interface_ids: enis,
            ..Default::default()
        });
    }
    for i in 0..p.instances {
        let v = i % vpcs_n;
        let sub_k = 2 + (i / vpcs_n) % (subnets_per - 2).max(1);
        let sub_k = sub_k.min(subnets_per - 1);
        let subnet = &s.subnets[v * subnets_per + sub_k];
        let second = subnet
            .cidr_block
            .split('.')
            .nth(1)
            .unwrap_or("0")
            .to_string();
        let ip = format!(
            "10.{second}.{sub_k}.{}",
            4 + (i / vpcs_n / subnets_per) % 250
        );
        let g = id("sg", v * sgs_per + 1 + i % (sgs_per - 1));
        let iid = id("i", i);
        s.instances.push(Instance {
            instance_id: iid.clone(),
            state: InstanceState {
                name: "running".into(),
            },
            subnet_id: Some(subnet.subnet_id.clone()),
            vpc_id: Some(subnet.vpc_id.clone()),
            private_ip_address: Some(ip.clone()),
            security_groups: vec![GroupRef {
                group_id: g.clone(),
                group_name: None,
            }],
            network_interfaces: vec![InstanceEni {
                network_interface_id: id("eni", i),
                subnet_id: Some(subnet.subnet_id.clone()),
                groups: vec![GroupRef {
                    group_id: g,
                    group_name: None,
                }],
                private_ip_address: Some(ip),
                attachment: Some(EniAttachment {
                    device_index: Some(0),
                }),
                ..Default::default()
            }],
            platform_details: Some("Linux/UNIX".into()),
            ..Default::default()
        });
    }
    for a in 0..p.apis {
        let v = a * vpcs_n / p.apis.max(1);
        let api = api_id(a);
        let mut methods = BTreeMap::new();
        methods.insert(
            "GET".to_string(),
            Method {
                http_method: Some("GET".into()),
                authorization_type: Some("NONE".into()),
                api_key_required: Some(false),
                ..Default::default()
            },
        );
        let mut summary = BTreeMap::new();
        let mut snap = BTreeMap::new();
        snap.insert(
            "GET".to_string(),
            MethodSnapshot {
                authorization_type: Some("NONE".into()),
                api_key_required: Some(false),
            },
        );
        summary.insert("/items/{id}".to_string(), snap);
        s.rest_apis.push(RestApi {
            id: api.clone(),
            name: Some(format!("api-{a}")),
            endpoint_configuration: EndpointConfiguration {
                types: vec!["PRIVATE".into()],
                vpc_endpoint_ids: vec![id("vpce", v)],
                ip_address_type: Some("dualstack".into()),
            },
            policy: Some(format!(
                "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/*\"}}]}}"
            )),
            security_policy: Some("TLS_1_2".into()),
            stages: vec![Stage { stage_name: "prod".into(), deployment_id: Some("dep1".into()), ..Default::default() }],
            deployments: vec![Deployment { id: "dep1".into(), created_date: Some("2026-11-01T00:00:00Z".into()), description: None, api_summary: Some(summary) }],
            resources: vec![Resource { id: "r1".into(), path: "/items/{id}".into(), resource_methods: methods, ..Default::default() }],
            ..Default::default()
        });
    }
    s
}
