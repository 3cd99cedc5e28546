//! The world: a snapshot plus a petgraph of how its resources connect and id
//! indexes, so a trace looks things up instead of scanning collections.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use super::snapshot::Snapshot;

/// What a graph node stands for: the collection and the index in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Vpc(usize),
    Subnet(usize),
    Instance(usize),
    /// An ENI embedded in an instance: (instance, interface).
    InstanceEni(usize, usize),
    NetworkInterface(usize),
    SecurityGroup(usize),
    RouteTable(usize),
    NetworkAcl(usize),
    PrefixList(usize),
    VpcEndpoint(usize),
    Peering(usize),
    RestApi(usize),
    Stage(usize, usize),
    Deployment(usize, usize),
    /// (api, resource, method name)
    Method(usize, usize),
    Authorizer(usize, usize),
    VpcLink(usize),
    DomainName(usize),
    InstanceProfile(usize),
    Role(usize),
    /// A backend named by an integration URI (Lambda function, AWS service, HTTP URL).
    Backend(usize),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    /// The AWS id or a readable label (`GET /pets`).
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    HasInterface,
    InSubnet,
    InVpc,
    ProtectedBy,
    RoutedBy,
    FilteredBy,
    EndpointInterface,
    AssociatedEndpoint,
    HasStage,
    Deploys,
    HasMethod,
    Integrates,
    AuthorizedBy,
    UsesVpcLink,
    HasProfile,
    AssumesRole,
    Peers,
    MapsTo,
}

/// A snapshot with its graph and lookup indexes.
pub struct World {
    pub snap: Snapshot,
    pub graph: DiGraph<Node, EdgeKind>,
    pub node_of: HashMap<NodeKind, NodeIndex>,
    pub by_id: HashMap<String, NodeIndex>,
    idx: Indexes,
    /// Backend labels, indexed by `NodeKind::Backend`.
    pub backends: Vec<String>,
    /// Problems noticed while indexing (duplicate ids, dangling references).
    pub warnings: Vec<String>,
}

#[derive(Default)]
struct Indexes {
    vpc: HashMap<String, usize>,
    subnet: HashMap<String, usize>,
    instance: HashMap<String, usize>,
    eni: HashMap<String, usize>,
    sg: HashMap<String, usize>,
    route_table: HashMap<String, usize>,
    nacl: HashMap<String, usize>,
    prefix_list: HashMap<String, usize>,
    endpoint: HashMap<String, usize>,
    endpoint_by_dns: HashMap<String, usize>,
    peering: HashMap<String, usize>,
    dhcp: HashMap<String, usize>,
    api: HashMap<String, usize>,
    vpc_link: HashMap<String, usize>,
    domain: HashMap<String, Vec<usize>>,
    profile: HashMap<String, usize>,
    role: HashMap<String, usize>,
    managed_policy: HashMap<String, usize>,
    lambda_fn: HashMap<String, usize>,
    lambda_policy: HashMap<(String, Option<String>), usize>,
    subnet_rt: HashMap<String, usize>,
    main_rt: HashMap<String, usize>,
    subnet_nacl: HashMap<String, usize>,
    default_nacl: HashMap<String, usize>,
    default_sg: HashMap<String, usize>,
    vpc_endpoints: HashMap<String, Vec<usize>>,
    domain_assoc_by_vpce: HashMap<String, Vec<usize>>,
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

impl World {
    pub fn new(snap: Snapshot) -> World {
        let mut w = World {
            snap,
            graph: DiGraph::new(),
            node_of: HashMap::new(),
            by_id: HashMap::new(),
            idx: Indexes::default(),
            backends: Vec::new(),
            warnings: Vec::new(),
        };
        w.build_indexes();
        w.build_graph();
        w
    }

    fn build_indexes(&mut self) {
        let s = &self.snap;
        let ix = &mut self.idx;
        let wr = &mut self.warnings;
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
    }

    fn add_node(&mut self, kind: NodeKind, id: String) -> NodeIndex {
        let n = self.graph.add_node(Node {
            kind,
            id: id.clone(),
        });
        self.node_of.insert(kind, n);
        self.by_id.entry(id).or_insert(n);
        n
    }

    fn link(&mut self, from: NodeIndex, to_id: &str, kind: EdgeKind) {
        if let Some(&to) = self.by_id.get(to_id) {
            self.graph.add_edge(from, to, kind);
        }
    }

    fn build_graph(&mut self) {
        let n_nodes = self.snap.vpcs.len()
            + self.snap.subnets.len()
            + self.snap.instances.len() * 2
            + self.snap.security_groups.len()
            + self.snap.network_interfaces.len();
        self.graph.reserve_nodes(n_nodes);
        self.graph.reserve_edges(n_nodes * 3);

        // Nodes first, so edges can be resolved by id.
        macro_rules! nodes {
            ($coll:ident, $kind:ident, $id:ident) => {
                for i in 0..self.snap.$coll.len() {
                    let id = self.snap.$coll[i].$id.clone();
                    self.add_node(NodeKind::$kind(i), id);
                }
            };
        }
        nodes!(vpcs, Vpc, vpc_id);
        nodes!(subnets, Subnet, subnet_id);
        nodes!(security_groups, SecurityGroup, group_id);
        nodes!(route_tables, RouteTable, route_table_id);
        nodes!(network_acls, NetworkAcl, network_acl_id);
        nodes!(prefix_lists, PrefixList, prefix_list_id);
        nodes!(network_interfaces, NetworkInterface, network_interface_id);
        nodes!(vpc_endpoints, VpcEndpoint, vpc_endpoint_id);
        nodes!(vpc_peering_connections, Peering, vpc_peering_connection_id);
        nodes!(vpc_links, VpcLink, id);
        nodes!(roles, Role, arn);
        nodes!(instance_profiles, InstanceProfile, arn);
        nodes!(domain_names, DomainName, domain_name);
        nodes!(instances, Instance, instance_id);
        nodes!(rest_apis, RestApi, id);

        // Network edges.
        for i in 0..self.snap.subnets.len() {
            let from = self.node_of[&NodeKind::Subnet(i)];
            let vpc = self.snap.subnets[i].vpc_id.clone();
            let sid = self.snap.subnets[i].subnet_id.clone();
            self.link(from, &vpc, EdgeKind::InVpc);
            if let Some(rt) = self.route_table_for_subnet(&sid) {
                let id = self.snap.route_tables[rt].route_table_id.clone();
                self.link(from, &id, EdgeKind::RoutedBy);
            }
            if let Some(acl) = self.nacl_for_subnet(&sid) {
                let id = self.snap.network_acls[acl].network_acl_id.clone();
                self.link(from, &id, EdgeKind::FilteredBy);
            }
        }
        for i in 0..self.snap.security_groups.len() {
            let from = self.node_of[&NodeKind::SecurityGroup(i)];
            let vpc = self.snap.security_groups[i].vpc_id.clone();
            self.link(from, &vpc, EdgeKind::InVpc);
        }
        for i in 0..self.snap.network_interfaces.len() {
            let from = self.node_of[&NodeKind::NetworkInterface(i)];
            let eni = self.snap.network_interfaces[i].clone();
            self.link(from, &eni.subnet_id, EdgeKind::InSubnet);
            for g in &eni.groups {
                self.link(from, &g.group_id, EdgeKind::ProtectedBy);
            }
        }
        for i in 0..self.snap.instances.len() {
            let from = self.node_of[&NodeKind::Instance(i)];
            let inst = &self.snap.instances[i];
            let enis: Vec<(usize, String, Option<String>, Vec<String>)> = inst
                .network_interfaces
                .iter()
                .enumerate()
                .map(|(j, e)| {
                    (
                        j,
                        e.network_interface_id.clone(),
                        e.subnet_id.clone(),
                        e.groups.iter().map(|g| g.group_id.clone()).collect(),
                    )
                })
                .collect();
            let subnet = inst.subnet_id.clone();
            let profile = inst.iam_instance_profile.as_ref().map(|p| p.arn.clone());
            let sgs: Vec<String> = inst
                .security_groups
                .iter()
                .map(|g| g.group_id.clone())
                .collect();
            if let Some(sn) = &subnet {
                self.link(from, sn, EdgeKind::InSubnet);
            }
            for g in &sgs {
                self.link(from, g, EdgeKind::ProtectedBy);
            }
            for (j, eni_id, eni_subnet, groups) in enis {
                let en = match self.by_id.get(&eni_id) {
                    Some(&n) => n,
                    None => self.add_node(NodeKind::InstanceEni(i, j), eni_id),
                };
                self.graph.add_edge(from, en, EdgeKind::HasInterface);
                if let Some(sn) = eni_subnet.or_else(|| subnet.clone()) {
                    self.link(en, &sn, EdgeKind::InSubnet);
                }
                for g in groups {
                    self.link(en, &g, EdgeKind::ProtectedBy);
                }
            }
            if let Some(p) = profile {
                self.link(from, &p, EdgeKind::HasProfile);
            }
        }
        for i in 0..self.snap.instance_profiles.len() {
            let from = self.node_of[&NodeKind::InstanceProfile(i)];
            let roles: Vec<String> = self.snap.instance_profiles[i]
                .roles
                .iter()
                .map(|r| r.arn.clone())
                .collect();
            for r in roles {
                self.link(from, &r, EdgeKind::AssumesRole);
            }
        }
        for i in 0..self.snap.vpc_endpoints.len() {
            let from = self.node_of[&NodeKind::VpcEndpoint(i)];
            let ep = self.snap.vpc_endpoints[i].clone();
            self.link(from, &ep.vpc_id, EdgeKind::InVpc);
            for s in &ep.subnet_ids {
                self.link(from, s, EdgeKind::InSubnet);
            }
            for g in &ep.groups {
                self.link(from, &g.group_id, EdgeKind::ProtectedBy);
            }
            for e in &ep.network_interface_ids {
                self.link(from, e, EdgeKind::EndpointInterface);
            }
        }
        for i in 0..self.snap.vpc_peering_connections.len() {
            let from = self.node_of[&NodeKind::Peering(i)];
            let p = &self.snap.vpc_peering_connections[i];
            let (a, b) = (
                p.requester_vpc_info.vpc_id.clone(),
                p.accepter_vpc_info.vpc_id.clone(),
            );
            self.link(from, &a, EdgeKind::Peers);
            self.link(from, &b, EdgeKind::Peers);
        }

        // API edges.
        for a in 0..self.snap.rest_apis.len() {
            let api_node = self.node_of[&NodeKind::RestApi(a)];
            let api = self.snap.rest_apis[a].clone();
            for v in &api.endpoint_configuration.vpc_endpoint_ids {
                self.link(api_node, v, EdgeKind::AssociatedEndpoint);
            }
            let mut dep_nodes = HashMap::new();
            for (d, dep) in api.deployments.iter().enumerate() {
                let n = self.add_node(
                    NodeKind::Deployment(a, d),
                    format!("{}/deployment/{}", api.id, dep.id),
                );
                dep_nodes.insert(dep.id.clone(), n);
            }
            for (s, st) in api.stages.iter().enumerate() {
                let n = self.add_node(
                    NodeKind::Stage(a, s),
                    format!("{}/{}", api.id, st.stage_name),
                );
                self.graph.add_edge(api_node, n, EdgeKind::HasStage);
                if let Some(dn) = st.deployment_id.as_ref().and_then(|d| dep_nodes.get(d)) {
                    self.graph.add_edge(n, *dn, EdgeKind::Deploys);
                }
            }
            let mut auth_nodes = HashMap::new();
            for (z, au) in api.authorizers.iter().enumerate() {
                let n = self.add_node(
                    NodeKind::Authorizer(a, z),
                    format!("{}/authorizer/{}", api.id, au.id),
                );
                auth_nodes.insert(au.id.clone(), n);
            }
            for (r, res) in api.resources.iter().enumerate() {
                for (verb, m) in &res.resource_methods {
                    let label = format!("{} {} {}", api.id, verb, res.path);
                    let n = self.graph.add_node(Node {
                        kind: NodeKind::Method(a, r),
                        id: label,
                    });
                    self.graph.add_edge(api_node, n, EdgeKind::HasMethod);
                    if let Some(an) = m.authorizer_id.as_ref().and_then(|z| auth_nodes.get(z)) {
                        self.graph.add_edge(n, *an, EdgeKind::AuthorizedBy);
                    }
                    if let Some(integ) = &m.method_integration {
                        if let Some(link) = integ.connection_id.as_ref() {
                            self.link(n, link, EdgeKind::UsesVpcLink);
                        }
                        if let Some(uri) = &integ.uri {
                            let label = backend_label(uri);
                            let b = self.backend_node(label);
                            self.graph.add_edge(n, b, EdgeKind::Integrates);
                        }
                    }
                }
            }
        }
        for i in 0..self.snap.domain_names.len() {
            let from = self.node_of[&NodeKind::DomainName(i)];
            let maps: Vec<String> = self.snap.domain_names[i]
                .base_path_mappings
                .iter()
                .map(|m| m.rest_api_id.clone())
                .collect();
            for api in maps {
                self.link(from, &api, EdgeKind::MapsTo);
            }
        }
    }

    fn backend_node(&mut self, label: String) -> NodeIndex {
        if let Some(&n) = self.by_id.get(&label) {
            return n;
        }
        let i = self.backends.len();
        self.backends.push(label.clone());
        self.add_node(NodeKind::Backend(i), label)
    }

    // ---- lookups -------------------------------------------------------

    pub fn vpc(&self, id: &str) -> Option<&super::ec2::Vpc> {
        self.idx.vpc.get(id).map(|&i| &self.snap.vpcs[i])
    }
    pub fn dhcp_options(&self, id: &str) -> Option<&super::ec2::DhcpOptions> {
        self.idx.dhcp.get(id).map(|&i| &self.snap.dhcp_options[i])
    }
    pub fn subnet(&self, id: &str) -> Option<&super::ec2::Subnet> {
        self.idx.subnet.get(id).map(|&i| &self.snap.subnets[i])
    }
    pub fn instance(&self, id: &str) -> Option<&super::ec2::Instance> {
        self.idx.instance.get(id).map(|&i| &self.snap.instances[i])
    }
    pub fn network_interface(&self, id: &str) -> Option<&super::ec2::NetworkInterface> {
        self.idx
            .eni
            .get(id)
            .map(|&i| &self.snap.network_interfaces[i])
    }
    pub fn security_group(&self, id: &str) -> Option<&super::ec2::SecurityGroup> {
        self.idx.sg.get(id).map(|&i| &self.snap.security_groups[i])
    }
    pub fn default_security_group(&self, vpc_id: &str) -> Option<&super::ec2::SecurityGroup> {
        self.idx
            .default_sg
            .get(vpc_id)
            .map(|&i| &self.snap.security_groups[i])
    }
    pub fn prefix_list(&self, id: &str) -> Option<&super::ec2::ManagedPrefixList> {
        self.idx
            .prefix_list
            .get(id)
            .map(|&i| &self.snap.prefix_lists[i])
    }
    pub fn vpc_endpoint(&self, id: &str) -> Option<&super::ec2::VpcEndpoint> {
        self.idx
            .endpoint
            .get(id)
            .map(|&i| &self.snap.vpc_endpoints[i])
    }
    pub fn vpc_endpoint_by_dns(&self, name: &str) -> Option<&super::ec2::VpcEndpoint> {
        self.idx
            .endpoint_by_dns
            .get(&name.trim_end_matches('.').to_ascii_lowercase())
            .map(|&i| &self.snap.vpc_endpoints[i])
    }
    /// All VPC endpoints in a VPC, any service.
    pub fn endpoints_in_vpc(&self, vpc_id: &str) -> impl Iterator<Item = &super::ec2::VpcEndpoint> {
        self.idx
            .vpc_endpoints
            .get(vpc_id)
            .into_iter()
            .flatten()
            .map(|&i| &self.snap.vpc_endpoints[i])
    }
    pub fn peering(&self, id: &str) -> Option<&super::ec2::VpcPeeringConnection> {
        self.idx
            .peering
            .get(id)
            .map(|&i| &self.snap.vpc_peering_connections[i])
    }
    pub fn route_table(&self, id: &str) -> Option<&super::ec2::RouteTable> {
        self.idx
            .route_table
            .get(id)
            .map(|&i| &self.snap.route_tables[i])
    }
    fn route_table_for_subnet(&self, subnet_id: &str) -> Option<usize> {
        if let Some(&i) = self.idx.subnet_rt.get(subnet_id) {
            return Some(i);
        }
        let vpc = &self.snap.subnets[*self.idx.subnet.get(subnet_id)?].vpc_id;
        self.idx.main_rt.get(vpc).copied()
    }
    /// The subnet's route table and whether it is the VPC's main table (implicit association).
    pub fn subnet_route_table(&self, subnet_id: &str) -> Option<(&super::ec2::RouteTable, bool)> {
        if let Some(&i) = self.idx.subnet_rt.get(subnet_id) {
            return Some((&self.snap.route_tables[i], false));
        }
        let vpc = &self.subnet(subnet_id)?.vpc_id;
        self.idx
            .main_rt
            .get(vpc)
            .map(|&i| (&self.snap.route_tables[i], true))
    }
    fn nacl_for_subnet(&self, subnet_id: &str) -> Option<usize> {
        if let Some(&i) = self.idx.subnet_nacl.get(subnet_id) {
            return Some(i);
        }
        let vpc = &self.snap.subnets[*self.idx.subnet.get(subnet_id)?].vpc_id;
        self.idx.default_nacl.get(vpc).copied()
    }
    /// The subnet's network ACL and whether it is the VPC default (implicit association).
    pub fn subnet_nacl(&self, subnet_id: &str) -> Option<(&super::ec2::NetworkAcl, bool)> {
        if let Some(&i) = self.idx.subnet_nacl.get(subnet_id) {
            return Some((&self.snap.network_acls[i], false));
        }
        let vpc = &self.subnet(subnet_id)?.vpc_id;
        self.idx
            .default_nacl
            .get(vpc)
            .map(|&i| (&self.snap.network_acls[i], true))
    }
    pub fn rest_api(&self, id: &str) -> Option<&super::apigw::RestApi> {
        self.idx.api.get(id).map(|&i| &self.snap.rest_apis[i])
    }
    pub fn vpc_link(&self, id: &str) -> Option<&super::apigw::VpcLink> {
        self.idx.vpc_link.get(id).map(|&i| &self.snap.vpc_links[i])
    }
    pub fn domain_names(&self, name: &str) -> impl Iterator<Item = &super::apigw::DomainName> {
        self.idx
            .domain
            .get(&name.trim_end_matches('.').to_ascii_lowercase())
            .into_iter()
            .flatten()
            .map(|&i| &self.snap.domain_names[i])
    }
    pub fn domain_associations_for_vpce(
        &self,
        vpce: &str,
    ) -> impl Iterator<Item = &super::apigw::DomainNameAccessAssociation> {
        self.idx
            .domain_assoc_by_vpce
            .get(vpce)
            .into_iter()
            .flatten()
            .map(|&i| &self.snap.domain_name_access_associations[i])
    }
    pub fn instance_profile(&self, arn: &str) -> Option<&super::iam::InstanceProfile> {
        self.idx
            .profile
            .get(arn)
            .map(|&i| &self.snap.instance_profiles[i])
    }
    pub fn role(&self, arn: &str) -> Option<&super::iam::Role> {
        self.idx.role.get(arn).map(|&i| &self.snap.roles[i])
    }
    pub fn managed_policy(&self, arn: &str) -> Option<&super::iam::ManagedPolicy> {
        self.idx
            .managed_policy
            .get(arn)
            .map(|&i| &self.snap.managed_policies[i])
    }
    pub fn lambda_function(&self, arn: &str) -> Option<&super::iam::LambdaFunction> {
        self.idx
            .lambda_fn
            .get(arn)
            .map(|&i| &self.snap.lambda_functions[i])
    }
    pub fn lambda_policy(
        &self,
        arn: &str,
        qualifier: Option<&str>,
    ) -> Option<&super::iam::LambdaPolicy> {
        self.idx
            .lambda_policy
            .get(&(arn.to_string(), qualifier.map(str::to_string)))
            .map(|&i| &self.snap.lambda_policies[i])
    }

    /// Neighbours of a node with the edge kind, outgoing then incoming.
    pub fn edges_of(&self, n: NodeIndex) -> Vec<(EdgeKind, NodeIndex, bool)> {
        let mut out: Vec<(EdgeKind, NodeIndex, bool)> = self
            .graph
            .edges(n)
            .map(|e| (*e.weight(), e.target(), true))
            .collect();
        out.extend(
            self.graph
                .edges_directed(n, petgraph::Direction::Incoming)
                .map(|e| (*e.weight(), e.source(), false)),
        );
        out
    }
}

/// A short label for an integration URI: the Lambda function ARN, the AWS
/// service action, or the URL itself.
pub fn backend_label(uri: &str) -> String {
    if let Some(start) = uri.find("/functions/") {
        let rest = &uri[start + "/functions/".len()..];
        let end = rest.find("/invocations").unwrap_or(rest.len());
        return rest[..end].to_string();
    }
    uri.to_string()
}
