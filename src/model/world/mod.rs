//! The world: the snapshot, held once, with id indexes and a graph of how its
//! resources connect. A graph node is a [`NodeKind`], the collection and the
//! position of a snapshot item, never a copy of it. The explorer's tree and
//! edge list walk this graph, and so will path diagrams and reach queries.

mod graph;
mod index;
mod lookup;

use std::borrow::Cow;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use super::snapshot::Snapshot;

/// An id index and the node kind its positions stand for.
type IdSlot<'a> = (
    &'a std::collections::HashMap<String, usize>,
    fn(usize) -> NodeKind,
);
pub use graph::backend_label;

/// What a graph node stands for: the collection and the position in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    Vpc(usize),
    Subnet(usize),
    Instance(usize),
    /// An ENI embedded in an instance and not listed on its own: (instance, interface).
    InstanceEni(usize, usize),
    NetworkInterface(usize),
    SecurityGroup(usize),
    RouteTable(usize),
    NetworkAcl(usize),
    PrefixList(usize),
    VpcEndpoint(usize),
    Peering(usize),
    RestApi(usize),
    /// (api, stage)
    Stage(usize, usize),
    /// (api, deployment)
    Deployment(usize, usize),
    /// (api, resource)
    Resource(usize, usize),
    /// (api, resource, method in the resource's method map order)
    Method(usize, usize, usize),
    /// The integration of a method: (api, resource, method), as in `Method`.
    Integration(usize, usize, usize),
    /// (api, authorizer)
    Authorizer(usize, usize),
    VpcLink(usize),
    DomainName(usize),
    InstanceProfile(usize),
    Role(usize),
    /// A backend named by an integration URI (Lambda function, AWS service, HTTP URL).
    Backend(usize),
}

impl NodeKind {
    /// The kind's name in exports (`security-group`, `method`).
    pub fn as_str(self) -> &'static str {
        use NodeKind as K;
        match self {
            K::Vpc(_) => "vpc",
            K::Subnet(_) => "subnet",
            K::Instance(_) => "instance",
            K::InstanceEni(..) | K::NetworkInterface(_) => "network-interface",
            K::SecurityGroup(_) => "security-group",
            K::RouteTable(_) => "route-table",
            K::NetworkAcl(_) => "network-acl",
            K::PrefixList(_) => "prefix-list",
            K::VpcEndpoint(_) => "vpc-endpoint",
            K::Peering(_) => "peering",
            K::RestApi(_) => "rest-api",
            K::Stage(..) => "stage",
            K::Deployment(..) => "deployment",
            K::Resource(..) => "resource",
            K::Method(..) => "method",
            K::Integration(..) => "integration",
            K::Authorizer(..) => "authorizer",
            K::VpcLink(_) => "vpc-link",
            K::DomainName(_) => "domain-name",
            K::InstanceProfile(_) => "instance-profile",
            K::Role(_) => "role",
            K::Backend(_) => "backend",
        }
    }

    /// For kinds with one node per snapshot item: the slot in [`graph::FLAT`]
    /// and the position.
    fn flat_slot(self) -> Option<(usize, usize)> {
        use NodeKind as K;
        Some(match self {
            K::Vpc(i) => (0, i),
            K::Subnet(i) => (1, i),
            K::SecurityGroup(i) => (2, i),
            K::RouteTable(i) => (3, i),
            K::NetworkAcl(i) => (4, i),
            K::PrefixList(i) => (5, i),
            K::NetworkInterface(i) => (6, i),
            K::VpcEndpoint(i) => (7, i),
            K::Peering(i) => (8, i),
            K::VpcLink(i) => (9, i),
            K::Role(i) => (10, i),
            K::InstanceProfile(i) => (11, i),
            K::DomainName(i) => (12, i),
            K::Instance(i) => (13, i),
            K::RestApi(i) => (14, i),
            _ => return None,
        })
    }
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
    HasResource,
    HasMethod,
    HasIntegration,
    Integrates,
    AuthorizedBy,
    UsesVpcLink,
    HasProfile,
    AssumesRole,
    Peers,
    MapsTo,
}

impl EdgeKind {
    /// The edge's name in exports (`in-subnet`).
    pub fn as_str(self) -> &'static str {
        use EdgeKind as E;
        match self {
            E::HasInterface => "has-interface",
            E::InSubnet => "in-subnet",
            E::InVpc => "in-vpc",
            E::ProtectedBy => "protected-by",
            E::RoutedBy => "routed-by",
            E::FilteredBy => "filtered-by",
            E::EndpointInterface => "endpoint-interface",
            E::AssociatedEndpoint => "associated-endpoint",
            E::HasStage => "has-stage",
            E::Deploys => "deploys",
            E::HasResource => "has-resource",
            E::HasMethod => "has-method",
            E::HasIntegration => "has-integration",
            E::Integrates => "integrates",
            E::AuthorizedBy => "authorized-by",
            E::UsesVpcLink => "uses-vpc-link",
            E::HasProfile => "has-profile",
            E::AssumesRole => "assumes-role",
            E::Peers => "peers",
            E::MapsTo => "maps-to",
        }
    }
}

/// A snapshot with its graph and lookup indexes.
pub struct World {
    pub snap: Snapshot,
    pub graph: DiGraph<NodeKind, EdgeKind>,
    nodes: graph::NodeTable,
    idx: index::Indexes,
    /// Problems noticed while indexing (duplicate ids, dangling references).
    pub warnings: Vec<String>,
    /// What a layer above derives from the snapshot and keeps with it (the
    /// trace's parsed policies). Type-erased so that `model` depends on
    /// nothing above it; built on first use.
    derived: std::sync::OnceLock<Box<dyn std::any::Any + Send + Sync>>,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("account", &self.snap.account)
            .field("region", &self.snap.region)
            .field("nodes", &self.graph.node_count())
            .field("edges", &self.graph.edge_count())
            .finish_non_exhaustive()
    }
}

impl World {
    pub fn new(snap: Snapshot) -> World {
        let mut warnings = Vec::new();
        let idx = index::Indexes::build(&snap, &mut warnings);
        let (graph, nodes) = graph::build(&snap, &idx);
        World {
            snap,
            graph,
            nodes,
            idx,
            warnings,
            derived: std::sync::OnceLock::new(),
        }
    }

    /// The data of type `T` derived from this world, made on first use.
    /// `None` when another type holds the slot (one layer uses it).
    pub fn derived<T: std::any::Any + Send + Sync + Default>(&self) -> Option<&T> {
        self.derived
            .get_or_init(|| Box::new(T::default()))
            .downcast_ref::<T>()
    }

    // ---- the graph ---------------------------------------------------------

    /// The node of a snapshot item.
    pub fn node_of(&self, kind: NodeKind) -> Option<NodeIndex> {
        let n = match kind {
            NodeKind::InstanceEni(i, _) => {
                // Embedded interfaces hang off their instance.
                let inst = self.node_of(NodeKind::Instance(i))?;
                return self
                    .targets(inst, EdgeKind::HasInterface)
                    .find(|&n| self.graph[n] == kind);
            }
            k if k.flat_slot().is_some() => self.nodes.flat(k)?,
            k => *self.nodes.nested.get(&k)?,
        };
        (self.graph.node_weight(n) == Some(&kind)).then_some(n)
    }

    /// What an id names, among the items with a node of their own: VPCs,
    /// subnets, groups, route tables, ACLs, prefix lists, interfaces,
    /// endpoints, peerings, VPC links, roles and profiles (ARN), domain names,
    /// instances and REST APIs.
    pub fn kind_of(&self, id: &str) -> Option<NodeKind> {
        let ix = &self.idx;
        let flat: [IdSlot; 14] = [
            (&ix.vpc, NodeKind::Vpc),
            (&ix.subnet, NodeKind::Subnet),
            (&ix.sg, NodeKind::SecurityGroup),
            (&ix.route_table, NodeKind::RouteTable),
            (&ix.nacl, NodeKind::NetworkAcl),
            (&ix.prefix_list, NodeKind::PrefixList),
            (&ix.eni, NodeKind::NetworkInterface),
            (&ix.endpoint, NodeKind::VpcEndpoint),
            (&ix.peering, NodeKind::Peering),
            (&ix.vpc_link, NodeKind::VpcLink),
            (&ix.role, NodeKind::Role),
            (&ix.profile, NodeKind::InstanceProfile),
            (&ix.instance, NodeKind::Instance),
            (&ix.api, NodeKind::RestApi),
        ];
        flat.iter()
            .find_map(|(map, kind)| map.get(id).map(|&i| kind(i)))
            .or_else(|| {
                let i = *ix.domain.get(&id.to_ascii_lowercase())?.first()?;
                Some(NodeKind::DomainName(i))
            })
    }

    /// The node of an item named by id (see [`World::kind_of`]).
    pub fn node(&self, id: &str) -> Option<NodeIndex> {
        self.node_of(self.kind_of(id)?)
    }

    /// The AWS id of a node, or a readable label for items without one
    /// (`api/stage`, `api GET /pets`, a backend's function ARN).
    pub fn node_id(&self, n: NodeIndex) -> Cow<'_, str> {
        use NodeKind as K;
        let s = &self.snap;
        let api = |a: usize| &s.rest_apis[a];
        Cow::Borrowed(match self.graph[n] {
            K::Vpc(i) => &s.vpcs[i].vpc_id,
            K::Subnet(i) => &s.subnets[i].subnet_id,
            K::Instance(i) => &s.instances[i].instance_id,
            K::InstanceEni(i, j) => &s.instances[i].network_interfaces[j].network_interface_id,
            K::NetworkInterface(i) => &s.network_interfaces[i].network_interface_id,
            K::SecurityGroup(i) => &s.security_groups[i].group_id,
            K::RouteTable(i) => &s.route_tables[i].route_table_id,
            K::NetworkAcl(i) => &s.network_acls[i].network_acl_id,
            K::PrefixList(i) => &s.prefix_lists[i].prefix_list_id,
            K::VpcEndpoint(i) => &s.vpc_endpoints[i].vpc_endpoint_id,
            K::Peering(i) => &s.vpc_peering_connections[i].vpc_peering_connection_id,
            K::RestApi(a) => &api(a).id,
            K::VpcLink(i) => &s.vpc_links[i].id,
            K::DomainName(i) => &s.domain_names[i].domain_name,
            K::InstanceProfile(i) => &s.instance_profiles[i].arn,
            K::Role(i) => &s.roles[i].arn,
            K::Backend(i) => &self.nodes.backends[i],
            K::Stage(a, k) => {
                return Cow::Owned(format!("{}/{}", api(a).id, api(a).stages[k].stage_name))
            }
            K::Deployment(a, d) => {
                return Cow::Owned(format!(
                    "{}/deployment/{}",
                    api(a).id,
                    api(a).deployments[d].id
                ))
            }
            K::Authorizer(a, z) => {
                return Cow::Owned(format!(
                    "{}/authorizer/{}",
                    api(a).id,
                    api(a).authorizers[z].id
                ))
            }
            K::Resource(a, r) => {
                let res = &api(a).resources[r];
                return Cow::Owned(format!("{}/resource/{} {}", api(a).id, res.id, res.path));
            }
            K::Method(a, r, m) | K::Integration(a, r, m) => {
                let res = &api(a).resources[r];
                let verb = res
                    .resource_methods
                    .keys()
                    .nth(m)
                    .map_or("?", |v| v.as_str());
                let what = if matches!(self.graph[n], K::Integration(..)) {
                    " integration"
                } else {
                    ""
                };
                return Cow::Owned(format!("{} {verb} {}{what}", api(a).id, res.path));
            }
        })
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
                .edges_directed(n, Direction::Incoming)
                .map(|e| (*e.weight(), e.source(), false)),
        );
        out
    }

    /// The nodes `n` points at with an `edge` edge (a subnet's VPC, an instance's groups).
    pub fn targets(&self, n: NodeIndex, edge: EdgeKind) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph
            .edges(n)
            .filter(move |e| *e.weight() == edge)
            .map(|e| e.target())
    }

    /// The nodes that point at `n` with an `edge` edge (a VPC's subnets, a
    /// subnet's instances), in snapshot order, each once.
    pub fn sources(&self, n: NodeIndex, edge: EdgeKind) -> Vec<NodeIndex> {
        let mut out: Vec<NodeIndex> = self
            .graph
            .edges_directed(n, Direction::Incoming)
            .filter(|e| *e.weight() == edge)
            .map(|e| e.source())
            .collect();
        out.sort_by_key(|&m| self.graph[m]);
        out.dedup();
        out
    }

    /// Instances and endpoints in no subnet of the snapshot, instances first.
    pub fn unplaced(&self) -> &[NodeIndex] {
        &self.nodes.unplaced
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_slots_match_the_build_order() {
        for (slot, make) in graph::FLAT.iter().enumerate() {
            assert_eq!(make(7).flat_slot(), Some((slot, 7)));
        }
    }

    #[test]
    fn nodes_round_trip_through_ids() {
        let w = crate::demo::world().unwrap();
        for n in w.graph.node_indices() {
            let kind = w.graph[n];
            assert_eq!(w.node_of(kind), Some(n), "{kind:?}");
            if kind.flat_slot().is_some() {
                assert_eq!(w.node(&w.node_id(n)), Some(n), "{kind:?}");
            }
        }
    }
}
