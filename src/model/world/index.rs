//! Id → position maps over the snapshot's collections, built once per world.

use std::collections::HashMap;

use crate::model::snapshot::Snapshot;

#[derive(Default)]
pub(super) struct Indexes {
    pub vpc: HashMap<String, usize>,
    pub subnet: HashMap<String, usize>,
    pub instance: HashMap<String, usize>,
    pub eni: HashMap<String, usize>,
    pub sg: HashMap<String, usize>,
    pub route_table: HashMap<String, usize>,
    pub nacl: HashMap<String, usize>,
    pub prefix_list: HashMap<String, usize>,
    pub endpoint: HashMap<String, usize>,
    pub endpoint_by_dns: HashMap<String, usize>,
    pub peering: HashMap<String, usize>,
    pub dhcp: HashMap<String, usize>,
    pub api: HashMap<String, usize>,
    pub vpc_link: HashMap<String, usize>,
    pub domain: HashMap<String, Vec<usize>>,
    pub profile: HashMap<String, usize>,
    pub role: HashMap<String, usize>,
    pub managed_policy: HashMap<String, usize>,
    pub lambda_fn: HashMap<String, usize>,
    pub lambda_policy: HashMap<(String, Option<String>), usize>,
    pub subnet_rt: HashMap<String, usize>,
    pub main_rt: HashMap<String, usize>,
    pub subnet_nacl: HashMap<String, usize>,
    pub default_nacl: HashMap<String, usize>,
    /// VPCs whose default NACL lists its subnets in `Associations` (as
    /// DescribeNetworkAcls does): there a subnet listed nowhere was not
    /// captured, rather than implicitly on the default.
    pub default_nacl_listed: std::collections::HashSet<String>,
    pub default_sg: HashMap<String, usize>,
    pub vpc_endpoints: HashMap<String, Vec<usize>>,
    pub domain_assoc_by_vpce: HashMap<String, Vec<usize>>,
}

fn insert_unique(
    map: &mut HashMap<String, usize>,
    key: &str,
    i: usize,
    what: &str,
    warnings: &mut Vec<String>,
) {
    if map.insert(key.to_string(), i).is_some() {
        warnings.push(format!("duplicate {what} id {key}; the last one wins"));
    }
}

impl Indexes {
    /// The subnet's route table: its explicit association, else the main
    /// table of its VPC (`vpc` is asked only then). `true` means the main table.
    pub fn route_table_for<'a>(
        &self,
        subnet_id: &str,
        vpc: impl FnOnce() -> Option<&'a str>,
    ) -> Option<(usize, bool)> {
        if let Some(&i) = self.subnet_rt.get(subnet_id) {
            return Some((i, false));
        }
        self.main_rt.get(vpc()?).map(|&i| (i, true))
    }

    /// The subnet's network ACL: its association, else the VPC default
    /// when the snapshot does not list the default's associations (a
    /// snapshot that lists them but not this subnet lacks its NACL: `None`).
    pub fn nacl_for<'a>(
        &self,
        subnet_id: &str,
        vpc: impl FnOnce() -> Option<&'a str>,
    ) -> Option<(usize, bool)> {
        if let Some(&i) = self.subnet_nacl.get(subnet_id) {
            return Some((i, false));
        }
        let vpc = vpc()?;
        if self.default_nacl_listed.contains(vpc) {
            return None;
        }
        self.default_nacl.get(vpc).map(|&i| (i, true))
    }

    pub fn build(s: &Snapshot, wr: &mut Vec<String>) -> Indexes {
        let mut ix = Indexes::default();
        for (i, v) in s.vpcs.iter().enumerate() {
            insert_unique(&mut ix.vpc, &v.vpc_id, i, "VPC", wr);
        }
        for (i, d) in s.dhcp_options.iter().enumerate() {
            insert_unique(&mut ix.dhcp, &d.dhcp_options_id, i, "DHCP options", wr);
        }
        for (i, v) in s.subnets.iter().enumerate() {
            insert_unique(&mut ix.subnet, &v.subnet_id, i, "subnet", wr);
        }
        for (i, v) in s.instances.iter().enumerate() {
            insert_unique(&mut ix.instance, &v.instance_id, i, "instance", wr);
        }
        for (i, v) in s.network_interfaces.iter().enumerate() {
            insert_unique(
                &mut ix.eni,
                &v.network_interface_id,
                i,
                "network interface",
                wr,
            );
        }
        for (i, v) in s.security_groups.iter().enumerate() {
            insert_unique(&mut ix.sg, &v.group_id, i, "security group", wr);
            if v.group_name.as_deref() == Some("default") {
                ix.default_sg.insert(v.vpc_id.clone(), i);
            }
        }
        for (i, v) in s.route_tables.iter().enumerate() {
            insert_unique(&mut ix.route_table, &v.route_table_id, i, "route table", wr);
            for a in &v.associations {
                if a.main {
                    ix.main_rt.insert(v.vpc_id.clone(), i);
                }
                if let Some(sn) = &a.subnet_id {
                    ix.subnet_rt.insert(sn.clone(), i);
                }
            }
        }
        for (i, v) in s.network_acls.iter().enumerate() {
            insert_unique(&mut ix.nacl, &v.network_acl_id, i, "network ACL", wr);
            if v.is_default {
                ix.default_nacl.insert(v.vpc_id.clone(), i);
                if !v.associations.is_empty() {
                    ix.default_nacl_listed.insert(v.vpc_id.clone());
                }
            }
            for a in &v.associations {
                ix.subnet_nacl.insert(a.subnet_id.clone(), i);
            }
        }
        for (i, v) in s.prefix_lists.iter().enumerate() {
            insert_unique(&mut ix.prefix_list, &v.prefix_list_id, i, "prefix list", wr);
        }
        for (i, v) in s.vpc_endpoints.iter().enumerate() {
            insert_unique(&mut ix.endpoint, &v.vpc_endpoint_id, i, "VPC endpoint", wr);
            for d in &v.dns_entries {
                ix.endpoint_by_dns
                    .insert(d.dns_name.trim_end_matches('.').to_ascii_lowercase(), i);
            }
            ix.vpc_endpoints
                .entry(v.vpc_id.clone())
                .or_default()
                .push(i);
        }
        for (i, v) in s.vpc_peering_connections.iter().enumerate() {
            insert_unique(
                &mut ix.peering,
                &v.vpc_peering_connection_id,
                i,
                "peering connection",
                wr,
            );
        }
        for (i, v) in s.rest_apis.iter().enumerate() {
            insert_unique(&mut ix.api, &v.id, i, "REST API", wr);
        }
        for (i, v) in s.vpc_links.iter().enumerate() {
            insert_unique(&mut ix.vpc_link, &v.id, i, "VPC link", wr);
        }
        for (i, v) in s.domain_names.iter().enumerate() {
            ix.domain
                .entry(v.domain_name.to_ascii_lowercase())
                .or_default()
                .push(i);
        }
        for (i, a) in s.domain_name_access_associations.iter().enumerate() {
            ix.domain_assoc_by_vpce
                .entry(a.access_association_source.clone())
                .or_default()
                .push(i);
        }
        for (i, v) in s.instance_profiles.iter().enumerate() {
            insert_unique(&mut ix.profile, &v.arn, i, "instance profile", wr);
        }
        for (i, v) in s.roles.iter().enumerate() {
            insert_unique(&mut ix.role, &v.arn, i, "role", wr);
        }
        for (i, v) in s.managed_policies.iter().enumerate() {
            insert_unique(&mut ix.managed_policy, &v.arn, i, "managed policy", wr);
        }
        for (i, v) in s.lambda_functions.iter().enumerate() {
            insert_unique(&mut ix.lambda_fn, &v.function_arn, i, "Lambda function", wr);
        }
        for (i, v) in s.lambda_policies.iter().enumerate() {
            ix.lambda_policy
                .insert((v.function_arn.clone(), v.qualifier.clone()), i);
        }
        ix
    }
}
