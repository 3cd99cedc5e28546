//! The explorer's tree of the world: VPC → subnet → instances and endpoints
//! (plus the VPC's security groups, network ACLs and route tables, all found
//! through their `InVpc` edges), and API → stage → resource → method →
//! backend (see [`api`]).
//!
//! Items are named by resource id, not by position, so a new world (a
//! refresh, a what-if edit) keeps what was expanded and selected. The tree
//! keeps no index of its own: children and parents are walked from the world
//! graph when needed, and rows are computed only for expanded items, so a
//! 50,000-instance world stays cheap to show.

mod api;
mod filter;
mod label;

pub use filter::Filter;
pub use label::label;

use std::collections::HashSet;
use std::mem::discriminant;

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::model::apigw;
use crate::model::world::{EdgeKind, NodeKind, World};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Item {
    Vpcs,
    Apis,
    /// Instances and endpoints whose subnet is not in the snapshot.
    Unplaced,
    Vpc(String),
    Subnet(String),
    Instance(String),
    Endpoint(String),
    /// A VPC's security groups (by VPC id), and one of them.
    Sgs(String),
    Sg(String),
    Nacls(String),
    Nacl(String),
    Rts(String),
    Rt(String),
    Api(String),
    /// (API id, stage name)
    Stage(String, String),
    /// (API id, stage name, resource id)
    Resource(String, String, String),
    /// (API id, stage name, resource id, HTTP method)
    Method(String, String, String, String),
    /// The integration behind a method.
    Backend(String, String, String, String),
}

impl Item {
    /// The AWS id the item stands for (for a stage, `api/stage`), not for groups.
    pub fn id(&self) -> Option<String> {
        match self {
            Item::Vpc(id)
            | Item::Subnet(id)
            | Item::Instance(id)
            | Item::Endpoint(id)
            | Item::Sg(id)
            | Item::Nacl(id)
            | Item::Rt(id)
            | Item::Api(id) => Some(id.clone()),
            Item::Stage(api, stage) => Some(format!("{api}/{stage}")),
            _ => None,
        }
    }

    /// A heading row that only groups others.
    pub fn is_group(&self) -> bool {
        matches!(
            self,
            Item::Vpcs | Item::Apis | Item::Unplaced | Item::Sgs(_) | Item::Nacls(_) | Item::Rts(_)
        )
    }
}

/// The kind and node of the item an id names, if it is of kind `want`.
fn node_as(w: &World, id: &str, want: fn(usize) -> NodeKind) -> Option<(NodeKind, NodeIndex)> {
    let kind = w.kind_of(id)?;
    if discriminant(&kind) != discriminant(&want(0)) {
        return None;
    }
    Some((kind, w.node_of(kind)?))
}

/// Which tree item a node kind becomes in a list, if that list shows it.
type Pick = fn(NodeKind) -> Option<fn(String) -> Item>;

/// The items pointing at `n` with `edge`, converted by `pick` (which drops
/// the kinds the tree does not show there, before their ids are read).
fn members(w: &World, n: Option<NodeIndex>, edge: EdgeKind, pick: Pick) -> Vec<Item> {
    let Some(n) = n else { return Vec::new() };
    w.sources(n, edge)
        .into_iter()
        .filter_map(|m| Some(pick(w.graph[m])?(w.node_id(m).into_owned())))
        .collect()
}

fn node(w: &World, id: &str, want: fn(usize) -> NodeKind) -> Option<NodeIndex> {
    node_as(w, id, want).map(|(_, n)| n)
}

/// The item a node is shown as in the tree, if it is shown.
pub fn item_of(w: &World, n: NodeIndex) -> Option<Item> {
    let id = || w.node_id(n).into_owned();
    Some(match w.graph[n] {
        NodeKind::Vpc(_) => Item::Vpc(id()),
        NodeKind::Subnet(_) => Item::Subnet(id()),
        NodeKind::Instance(_) => Item::Instance(id()),
        NodeKind::SecurityGroup(_) => Item::Sg(id()),
        NodeKind::RouteTable(_) => Item::Rt(id()),
        NodeKind::NetworkAcl(_) => Item::Nacl(id()),
        NodeKind::VpcEndpoint(_) => Item::Endpoint(id()),
        NodeKind::RestApi(_) => Item::Api(id()),
        NodeKind::Stage(a, s) => {
            let api = &w.snap.rest_apis[a];
            Item::Stage(api.id.clone(), api.stages[s].stage_name.clone())
        }
        _ => return None,
    })
}

/// The graph node of an item, for its edge list.
pub fn node_of(w: &World, item: &Item) -> Option<NodeIndex> {
    match item {
        Item::Vpc(id) => node(w, id, NodeKind::Vpc),
        Item::Subnet(id) => node(w, id, NodeKind::Subnet),
        Item::Instance(id) => node(w, id, NodeKind::Instance),
        Item::Endpoint(id) => node(w, id, NodeKind::VpcEndpoint),
        Item::Sg(id) => node(w, id, NodeKind::SecurityGroup),
        Item::Nacl(id) => node(w, id, NodeKind::NetworkAcl),
        Item::Rt(id) => node(w, id, NodeKind::RouteTable),
        Item::Api(id) => node(w, id, NodeKind::RestApi),
        Item::Stage(api, stage) => {
            let (NodeKind::RestApi(a), _) = node_as(w, api, NodeKind::RestApi)? else {
                return None;
            };
            let k = w.snap.rest_apis[a]
                .stages
                .iter()
                .position(|s| &s.stage_name == stage)?;
            w.node_of(NodeKind::Stage(a, k))
        }
        _ => None,
    }
}

pub fn resource<'w>(w: &'w World, api: &str, res: &str) -> Option<&'w apigw::Resource> {
    w.rest_api(api)?.resources.iter().find(|r| r.id == res)
}

pub fn method<'w>(w: &'w World, api: &str, res: &str, verb: &str) -> Option<&'w apigw::Method> {
    resource(w, api, res)?.resource_methods.get(verb)
}

fn subnet_item(k: NodeKind) -> Option<fn(String) -> Item> {
    matches!(k, NodeKind::Subnet(_)).then_some(Item::Subnet)
}

fn sg_item(k: NodeKind) -> Option<fn(String) -> Item> {
    matches!(k, NodeKind::SecurityGroup(_)).then_some(Item::Sg)
}

fn nacl_item(k: NodeKind) -> Option<fn(String) -> Item> {
    matches!(k, NodeKind::NetworkAcl(_)).then_some(Item::Nacl)
}

fn rt_item(k: NodeKind) -> Option<fn(String) -> Item> {
    matches!(k, NodeKind::RouteTable(_)).then_some(Item::Rt)
}

/// What a subnet lists: its instances, then its endpoints (interfaces are not rows).
fn placed_item(k: NodeKind) -> Option<fn(String) -> Item> {
    match k {
        NodeKind::Instance(_) => Some(Item::Instance),
        NodeKind::VpcEndpoint(_) => Some(Item::Endpoint),
        _ => None,
    }
}

/// The VPC node of a VPC id, for the lists that hang from it.
fn vpc_node(w: &World, id: &str) -> Option<NodeIndex> {
    node(w, id, NodeKind::Vpc)
}

pub fn children(w: &World, item: &Item) -> Vec<Item> {
    if let Some(out) = api::children(w, item) {
        return out;
    }
    let s = &w.snap;
    match item {
        Item::Vpcs => s.vpcs.iter().map(|v| Item::Vpc(v.vpc_id.clone())).collect(),
        Item::Apis => s
            .rest_apis
            .iter()
            .map(|a| Item::Api(a.id.clone()))
            .collect(),
        Item::Unplaced => w
            .unplaced()
            .iter()
            .filter_map(|&n| Some(placed_item(w.graph[n])?(w.node_id(n).into_owned())))
            .collect(),
        Item::Vpc(id) => {
            let vpc = vpc_node(w, id);
            let mut out = members(w, vpc, EdgeKind::InVpc, subnet_item);
            out.extend([
                Item::Sgs(id.clone()),
                Item::Nacls(id.clone()),
                Item::Rts(id.clone()),
            ]);
            out
        }
        Item::Subnet(id) => members(
            w,
            node(w, id, NodeKind::Subnet),
            EdgeKind::InSubnet,
            placed_item,
        ),
        Item::Sgs(vpc) => members(w, vpc_node(w, vpc), EdgeKind::InVpc, sg_item),
        Item::Nacls(vpc) => members(w, vpc_node(w, vpc), EdgeKind::InVpc, nacl_item),
        Item::Rts(vpc) => members(w, vpc_node(w, vpc), EdgeKind::InVpc, rt_item),
        _ => Vec::new(),
    }
}

/// How many nodes point at `n` with `edge` and are kept by `keep` (edges
/// are counted, not sorted or named: this runs for every row drawn).
fn count_members(w: &World, n: Option<NodeIndex>, edge: EdgeKind, keep: Pick) -> usize {
    let Some(n) = n else { return 0 };
    w.graph
        .edges_directed(n, Direction::Incoming)
        .filter(|e| *e.weight() == edge && keep(w.graph[e.source()]).is_some())
        .count()
}

/// How many rows an item would open to. Cheap for the rows drawn each frame.
pub fn child_count(w: &World, item: &Item) -> usize {
    if let Some(n) = api::child_count(w, item) {
        return n;
    }
    match item {
        Item::Instance(_) | Item::Endpoint(_) | Item::Sg(_) | Item::Nacl(_) | Item::Rt(_) => 0,
        Item::Vpcs => w.snap.vpcs.len(),
        Item::Apis => w.snap.rest_apis.len(),
        Item::Vpc(id) => {
            let vpc = node(w, id, NodeKind::Vpc);
            count_members(w, vpc, EdgeKind::InVpc, subnet_item) + 3
        }
        Item::Subnet(id) => count_members(
            w,
            node(w, id, NodeKind::Subnet),
            EdgeKind::InSubnet,
            placed_item,
        ),
        Item::Sgs(vpc) => count_members(w, vpc_node(w, vpc), EdgeKind::InVpc, sg_item),
        Item::Nacls(vpc) => count_members(w, vpc_node(w, vpc), EdgeKind::InVpc, nacl_item),
        Item::Rts(vpc) => count_members(w, vpc_node(w, vpc), EdgeKind::InVpc, rt_item),
        _ => children(w, item).len(),
    }
}

pub fn has_children(w: &World, item: &Item) -> bool {
    child_count(w, item) > 0
}

/// The first node `n` points at with `edge`, if it is of kind `want`.
fn target_id(
    w: &World,
    n: Option<NodeIndex>,
    edge: EdgeKind,
    want: fn(usize) -> NodeKind,
) -> Option<String> {
    let t = w.targets(n?, edge).min_by_key(|&t| w.graph[t])?;
    let same = discriminant(&w.graph[t]) == discriminant(&want(0));
    same.then(|| w.node_id(t).into_owned())
}

pub fn parent(w: &World, item: &Item) -> Option<Item> {
    Some(match item {
        Item::Vpcs | Item::Apis | Item::Unplaced => return None,
        Item::Vpc(_) => Item::Vpcs,
        Item::Subnet(id) => {
            let n = node(w, id, NodeKind::Subnet);
            Item::Vpc(target_id(w, n, EdgeKind::InVpc, NodeKind::Vpc)?)
        }
        Item::Instance(id) => {
            let n = Some(node(w, id, NodeKind::Instance)?);
            match target_id(w, n, EdgeKind::InSubnet, NodeKind::Subnet) {
                Some(sn) => Item::Subnet(sn),
                None => Item::Unplaced,
            }
        }
        // An endpoint in several subnets is listed under each; its home is the first.
        Item::Endpoint(id) => {
            let ep = w.vpc_endpoint(id)?;
            match ep.subnet_ids.iter().find(|s| w.subnet(s).is_some()) {
                Some(sn) => Item::Subnet(sn.clone()),
                None => Item::Unplaced,
            }
        }
        Item::Sgs(vpc) | Item::Nacls(vpc) | Item::Rts(vpc) => Item::Vpc(vpc.clone()),
        Item::Sg(id) => {
            let n = node(w, id, NodeKind::SecurityGroup);
            Item::Sgs(target_id(w, n, EdgeKind::InVpc, NodeKind::Vpc)?)
        }
        Item::Nacl(id) => {
            let n = node(w, id, NodeKind::NetworkAcl);
            Item::Nacls(target_id(w, n, EdgeKind::InVpc, NodeKind::Vpc)?)
        }
        Item::Rt(id) => {
            let n = node(w, id, NodeKind::RouteTable);
            Item::Rts(target_id(w, n, EdgeKind::InVpc, NodeKind::Vpc)?)
        }
        Item::Api(_) => Item::Apis,
        Item::Stage(api, _) => Item::Api(api.clone()),
        Item::Resource(api, st, _) => Item::Stage(api.clone(), st.clone()),
        Item::Method(api, st, r, _) => Item::Resource(api.clone(), st.clone(), r.clone()),
        Item::Backend(api, st, r, m) => Item::Method(api.clone(), st.clone(), r.clone(), m.clone()),
    })
}

/// The ancestors of `item`, root first, ending with the item.
pub fn path(w: &World, item: &Item) -> Vec<Item> {
    let mut out = vec![item.clone()];
    while let Some(p) = parent(w, out.last().expect("not empty")) {
        out.push(p);
    }
    out.reverse();
    out
}

/// Visible rows (item, depth) given the expanded set and an optional filter.
pub fn rows(w: &World, expanded: &HashSet<Item>, filter: Option<&Filter>) -> Vec<(Item, usize)> {
    let mut out = Vec::new();
    let mut roots = vec![Item::Vpcs, Item::Apis];
    if !w.unplaced().is_empty() {
        roots.push(Item::Unplaced);
    }
    for root in roots {
        match filter {
            None => walk(w, root, 0, expanded, &mut out),
            Some(f) => {
                walk_filtered(w, root, 0, f, &mut out);
            }
        }
    }
    out
}

fn walk(
    w: &World,
    item: Item,
    depth: usize,
    expanded: &HashSet<Item>,
    out: &mut Vec<(Item, usize)>,
) {
    let open = expanded.contains(&item);
    let kids = if open { children(w, &item) } else { Vec::new() };
    out.push((item, depth));
    for c in kids {
        walk(w, c, depth + 1, expanded, out);
    }
}

/// Keep matching items and their ancestors. Returns whether anything below matched.
fn walk_filtered(
    w: &World,
    item: Item,
    depth: usize,
    f: &Filter,
    out: &mut Vec<(Item, usize)>,
) -> bool {
    let at = out.len();
    let kids = children(w, &item);
    let me = !item.is_group() && f.matches(&label(w, &item));
    out.push((item, depth));
    let mut any = false;
    for c in kids {
        any |= walk_filtered(w, c, depth + 1, f, out);
    }
    if !any && !me {
        out.truncate(at);
    }
    any || me
}

#[cfg(test)]
mod tests;
