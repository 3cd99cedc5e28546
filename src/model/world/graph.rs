//! Building the world graph. A node is only a [`NodeKind`]: which snapshot
//! collection and which position in it. Edges are resolved through the id
//! indexes for the kind the reference names (a security-group reference can
//! only land on a security group), so nothing is copied out of the snapshot.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

use super::index::Indexes;
use super::{EdgeKind, NodeKind};
use crate::model::snapshot::Snapshot;

/// The kinds that have exactly one node per snapshot item, in the order their
/// nodes are added: the nodes of slot `k` are `starts[k] .. starts[k] + len`.
pub(super) const FLAT: [fn(usize) -> NodeKind; 15] = [
    NodeKind::Vpc,
    NodeKind::Subnet,
    NodeKind::SecurityGroup,
    NodeKind::RouteTable,
    NodeKind::NetworkAcl,
    NodeKind::PrefixList,
    NodeKind::NetworkInterface,
    NodeKind::VpcEndpoint,
    NodeKind::Peering,
    NodeKind::VpcLink,
    NodeKind::Role,
    NodeKind::InstanceProfile,
    NodeKind::DomainName,
    NodeKind::Instance,
    NodeKind::RestApi,
];

fn flat_lens(s: &Snapshot) -> [usize; 15] {
    [
        s.vpcs.len(),
        s.subnets.len(),
        s.security_groups.len(),
        s.route_tables.len(),
        s.network_acls.len(),
        s.prefix_lists.len(),
        s.network_interfaces.len(),
        s.vpc_endpoints.len(),
        s.vpc_peering_connections.len(),
        s.vpc_links.len(),
        s.roles.len(),
        s.instance_profiles.len(),
        s.domain_names.len(),
        s.instances.len(),
        s.rest_apis.len(),
    ]
}

/// Where nodes are: the flat kinds by arithmetic, the nested API items
/// (stages, deployments, authorizers, resources, methods, integrations,
/// backends) by a map.
#[derive(Default)]
pub(super) struct NodeTable {
    pub starts: [usize; 15],
    pub nested: HashMap<NodeKind, NodeIndex>,
    /// Backend labels, indexed by `NodeKind::Backend`.
    pub backends: Vec<String>,
    /// Instances and endpoints in no subnet of the snapshot.
    pub unplaced: Vec<NodeIndex>,
}

impl NodeTable {
    /// Where a flat kind's node would be (the caller checks it exists).
    pub fn flat(&self, kind: NodeKind) -> Option<NodeIndex> {
        let (slot, i) = kind.flat_slot()?;
        Some(NodeIndex::new(self.starts[slot] + i))
    }
}

struct Builder<'a> {
    s: &'a Snapshot,
    ix: &'a Indexes,
    g: DiGraph<NodeKind, EdgeKind>,
    t: NodeTable,
    backend_of: HashMap<String, usize>,
}

pub(super) fn build(s: &Snapshot, ix: &Indexes) -> (DiGraph<NodeKind, EdgeKind>, NodeTable) {
    let lens = flat_lens(s);
    let flat: usize = lens.iter().sum();
    let mut b = Builder {
        s,
        ix,
        g: DiGraph::with_capacity(flat + s.instances.len(), flat * 3),
        t: NodeTable::default(),
        backend_of: HashMap::new(),
    };
    for (slot, len) in lens.into_iter().enumerate() {
        b.t.starts[slot] = b.g.node_count();
        for i in 0..len {
            b.g.add_node(FLAT[slot](i));
        }
    }
    b.network();
    b.instances();
    b.endpoints();
    b.apis();
    (b.g, b.t)
}

impl Builder<'_> {
    /// The node of a flat kind (always present: all flat nodes exist before edges).
    fn at(&self, kind: NodeKind) -> NodeIndex {
        self.t.flat(kind).expect("flat node")
    }

    fn edge(&mut self, from: NodeIndex, to: Option<NodeKind>, kind: EdgeKind) -> bool {
        match to {
            Some(k) => {
                let to = self.at(k);
                self.g.add_edge(from, to, kind);
                true
            }
            None => false,
        }
    }

    fn vpc(&self, id: &str) -> Option<NodeKind> {
        self.ix.vpc.get(id).map(|&i| NodeKind::Vpc(i))
    }
    fn subnet(&self, id: &str) -> Option<NodeKind> {
        self.ix.subnet.get(id).map(|&i| NodeKind::Subnet(i))
    }
    fn sg(&self, id: &str) -> Option<NodeKind> {
        self.ix.sg.get(id).map(|&i| NodeKind::SecurityGroup(i))
    }

    fn network(&mut self) {
        let s = self.s;
        for (i, sn) in s.subnets.iter().enumerate() {
            let from = self.at(NodeKind::Subnet(i));
            self.edge(from, self.vpc(&sn.vpc_id), EdgeKind::InVpc);
            let vpc = || Some(sn.vpc_id.as_str());
            let rt = self.ix.route_table_for(&sn.subnet_id, vpc);
            self.edge(
                from,
                rt.map(|r| NodeKind::RouteTable(r.0)),
                EdgeKind::RoutedBy,
            );
            let acl = self.ix.nacl_for(&sn.subnet_id, vpc);
            self.edge(
                from,
                acl.map(|a| NodeKind::NetworkAcl(a.0)),
                EdgeKind::FilteredBy,
            );
        }
        // Groups, route tables and ACLs belong to a VPC whether or not a
        // subnet uses them; the VPC's lists in the explorer walk these edges.
        for (i, g) in s.security_groups.iter().enumerate() {
            let from = self.at(NodeKind::SecurityGroup(i));
            self.edge(from, self.vpc(&g.vpc_id), EdgeKind::InVpc);
        }
        for (i, rt) in s.route_tables.iter().enumerate() {
            let from = self.at(NodeKind::RouteTable(i));
            self.edge(from, self.vpc(&rt.vpc_id), EdgeKind::InVpc);
        }
        for (i, acl) in s.network_acls.iter().enumerate() {
            let from = self.at(NodeKind::NetworkAcl(i));
            self.edge(from, self.vpc(&acl.vpc_id), EdgeKind::InVpc);
        }
        for (i, eni) in s.network_interfaces.iter().enumerate() {
            let from = self.at(NodeKind::NetworkInterface(i));
            self.edge(from, self.subnet(&eni.subnet_id), EdgeKind::InSubnet);
            for g in &eni.groups {
                self.edge(from, self.sg(&g.group_id), EdgeKind::ProtectedBy);
            }
        }
        for (i, p) in s.vpc_peering_connections.iter().enumerate() {
            let from = self.at(NodeKind::Peering(i));
            self.edge(
                from,
                self.vpc(&p.requester_vpc_info.vpc_id),
                EdgeKind::Peers,
            );
            self.edge(from, self.vpc(&p.accepter_vpc_info.vpc_id), EdgeKind::Peers);
        }
    }

    fn instances(&mut self) {
        let s = self.s;
        for (i, inst) in s.instances.iter().enumerate() {
            let from = self.at(NodeKind::Instance(i));
            // An instance without a subnet of its own sits in its first interface's.
            let home = inst.subnet_id.as_deref().or_else(|| {
                inst.network_interfaces
                    .first()
                    .and_then(|e| e.subnet_id.as_deref())
            });
            let placed =
                home.is_some_and(|sn| self.edge(from, self.subnet(sn), EdgeKind::InSubnet));
            if !placed {
                self.t.unplaced.push(from);
            }
            for g in &inst.security_groups {
                self.edge(from, self.sg(&g.group_id), EdgeKind::ProtectedBy);
            }
            for (j, e) in inst.network_interfaces.iter().enumerate() {
                let en = match self.ix.eni.get(&e.network_interface_id) {
                    Some(&k) => self.at(NodeKind::NetworkInterface(k)),
                    None => self.g.add_node(NodeKind::InstanceEni(i, j)),
                };
                self.g.add_edge(from, en, EdgeKind::HasInterface);
                if let Some(sn) = e.subnet_id.as_deref().or(inst.subnet_id.as_deref()) {
                    self.edge(en, self.subnet(sn), EdgeKind::InSubnet);
                }
                for g in &e.groups {
                    self.edge(en, self.sg(&g.group_id), EdgeKind::ProtectedBy);
                }
            }
            if let Some(p) = &inst.iam_instance_profile {
                let to = self
                    .ix
                    .profile
                    .get(&p.arn)
                    .map(|&k| NodeKind::InstanceProfile(k));
                self.edge(from, to, EdgeKind::HasProfile);
            }
        }
        for (i, p) in s.instance_profiles.iter().enumerate() {
            let from = self.at(NodeKind::InstanceProfile(i));
            for r in &p.roles {
                let to = self.ix.role.get(&r.arn).map(|&k| NodeKind::Role(k));
                self.edge(from, to, EdgeKind::AssumesRole);
            }
        }
    }

    fn endpoints(&mut self) {
        let s = self.s;
        for (i, ep) in s.vpc_endpoints.iter().enumerate() {
            let from = self.at(NodeKind::VpcEndpoint(i));
            self.edge(from, self.vpc(&ep.vpc_id), EdgeKind::InVpc);
            let mut placed = false;
            for sn in &ep.subnet_ids {
                placed |= self.edge(from, self.subnet(sn), EdgeKind::InSubnet);
            }
            if !placed {
                self.t.unplaced.push(from);
            }
            for g in &ep.groups {
                self.edge(from, self.sg(&g.group_id), EdgeKind::ProtectedBy);
            }
            for e in &ep.network_interface_ids {
                let to = self.ix.eni.get(e).map(|&k| NodeKind::NetworkInterface(k));
                self.edge(from, to, EdgeKind::EndpointInterface);
            }
        }
    }

    fn nested(&mut self, kind: NodeKind) -> NodeIndex {
        let n = self.g.add_node(kind);
        self.t.nested.insert(kind, n);
        n
    }

    fn apis(&mut self) {
        let s = self.s;
        for (a, api) in s.rest_apis.iter().enumerate() {
            let api_node = self.at(NodeKind::RestApi(a));
            for v in &api.endpoint_configuration.vpc_endpoint_ids {
                let to = self.ix.endpoint.get(v).map(|&k| NodeKind::VpcEndpoint(k));
                self.edge(api_node, to, EdgeKind::AssociatedEndpoint);
            }
            let mut deployments = HashMap::new();
            for (d, dep) in api.deployments.iter().enumerate() {
                let n = self.nested(NodeKind::Deployment(a, d));
                deployments.insert(dep.id.as_str(), n);
            }
            for (k, st) in api.stages.iter().enumerate() {
                let n = self.nested(NodeKind::Stage(a, k));
                self.g.add_edge(api_node, n, EdgeKind::HasStage);
                if let Some(&dn) = st.deployment_id.as_deref().and_then(|d| deployments.get(d)) {
                    self.g.add_edge(n, dn, EdgeKind::Deploys);
                }
            }
            let mut authorizers = HashMap::new();
            for (z, au) in api.authorizers.iter().enumerate() {
                let n = self.nested(NodeKind::Authorizer(a, z));
                authorizers.insert(au.id.as_str(), n);
            }
            // API → resource → method → integration → backend. Every
            // integration gets a node, a MOCK one (no URI, no backend) too.
            for (r, res) in api.resources.iter().enumerate() {
                let rn = self.nested(NodeKind::Resource(a, r));
                self.g.add_edge(api_node, rn, EdgeKind::HasResource);
                for (m, method) in res.resource_methods.values().enumerate() {
                    let n = self.nested(NodeKind::Method(a, r, m));
                    self.g.add_edge(rn, n, EdgeKind::HasMethod);
                    let auth = method.authorizer_id.as_deref();
                    if let Some(&an) = auth.and_then(|z| authorizers.get(z)) {
                        self.g.add_edge(n, an, EdgeKind::AuthorizedBy);
                    }
                    let Some(integ) = &method.method_integration else {
                        continue;
                    };
                    let i = self.nested(NodeKind::Integration(a, r, m));
                    self.g.add_edge(n, i, EdgeKind::HasIntegration);
                    if let Some(link) = &integ.connection_id {
                        let to = self.ix.vpc_link.get(link).map(|&k| NodeKind::VpcLink(k));
                        self.edge(i, to, EdgeKind::UsesVpcLink);
                    }
                    if let Some(uri) = &integ.uri {
                        let b = self.backend(backend_label(uri));
                        self.g.add_edge(i, b, EdgeKind::Integrates);
                    }
                }
            }
        }
        for (i, d) in s.domain_names.iter().enumerate() {
            let from = self.at(NodeKind::DomainName(i));
            for m in &d.base_path_mappings {
                let to = self
                    .ix
                    .api
                    .get(&m.rest_api_id)
                    .map(|&k| NodeKind::RestApi(k));
                self.edge(from, to, EdgeKind::MapsTo);
            }
        }
    }

    /// One node per distinct backend label, shared by every method that integrates it.
    fn backend(&mut self, label: String) -> NodeIndex {
        if let Some(&i) = self.backend_of.get(&label) {
            return self.t.nested[&NodeKind::Backend(i)];
        }
        let i = self.t.backends.len();
        self.t.backends.push(label.clone());
        self.backend_of.insert(label, i);
        self.nested(NodeKind::Backend(i))
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
