//! The world graph, or the part of it around some VPCs or APIs, as JSON
//! (`hoptrace.graph/v1`), Graphviz DOT or a Mermaid flowchart, with typed
//! nodes and edges.

use std::collections::{BTreeSet, VecDeque};
use std::fmt::Write;

use petgraph::dot::{Config, Dot, RankDir};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde::Serialize;

use super::{dot_label, mermaid_label};
use crate::model::world::{EdgeKind, NodeKind};
use crate::model::World;

pub const GRAPH_SCHEMA: &str = "hoptrace.graph/v1";

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub id: String,
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Scope {
    pub vpcs: Vec<String>,
    pub apis: Vec<String>,
}

/// A part of the world graph. Edges name their nodes by position in
/// `nodes` internally (`links`) and by id when serialized.
#[derive(Debug, Clone, Serialize)]
pub struct Graph {
    pub schema: &'static str,
    pub scope: Scope,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    #[serde(skip)]
    links: Vec<(usize, usize, EdgeKind)>,
}

/// The VPC a node sits in: a VPC itself, what has an `in-vpc` edge, what
/// sits in a subnet, and an instance's embedded interfaces.
fn home(w: &World, n: NodeIndex) -> Option<NodeIndex> {
    if matches!(w.graph[n], NodeKind::Vpc(_)) {
        return Some(n);
    }
    if let Some(v) = w.targets(n, EdgeKind::InVpc).next() {
        return Some(v);
    }
    if let Some(s) = w.targets(n, EdgeKind::InSubnet).next() {
        return w.targets(s, EdgeKind::InVpc).next();
    }
    let parent = w.sources(n, EdgeKind::HasInterface).into_iter().next()?;
    let s = w.targets(parent, EdgeKind::InSubnet).next()?;
    w.targets(s, EdgeKind::InVpc).next()
}

/// Everything in VPC `vpc`, and what its members point at or are pointed
/// at by one step out (instance profiles and their roles, peerings, the
/// APIs associated with its endpoints).
fn around_vpc(w: &World, vpc: NodeIndex, into: &mut BTreeSet<NodeIndex>) {
    let core: Vec<NodeIndex> = w
        .graph
        .node_indices()
        .filter(|&n| home(w, n) == Some(vpc))
        .collect();
    for &n in &core {
        into.insert(n);
        for (kind, m, _) in w.edges_of(n) {
            into.insert(m);
            if kind == EdgeKind::HasProfile {
                into.extend(w.targets(m, EdgeKind::AssumesRole));
            }
        }
    }
}

/// The API and everything under it (stages, deployments, resources,
/// methods, authorizers, integrations, backends, VPC links), the endpoints
/// it is associated with and the custom domain names that map to it.
fn around_api(w: &World, api: NodeIndex, into: &mut BTreeSet<NodeIndex>) {
    let NodeKind::RestApi(ai) = w.graph[api] else {
        return;
    };
    // Every item of the API, whether or not an edge leads to it (a
    // deployment no stage deploys, an authorizer no method uses).
    let mine = |k: NodeKind| match k {
        NodeKind::Stage(a, _)
        | NodeKind::Deployment(a, _)
        | NodeKind::Resource(a, _)
        | NodeKind::Authorizer(a, _)
        | NodeKind::Method(a, ..)
        | NodeKind::Integration(a, ..) => a == ai,
        _ => false,
    };
    let mut queue: VecDeque<NodeIndex> = std::iter::once(api)
        .chain(w.graph.node_indices().filter(|&n| mine(w.graph[n])))
        .collect();
    into.extend(queue.iter().copied());
    while let Some(n) = queue.pop_front() {
        // Endpoints and VPC links are the API's edge: not followed into their VPCs.
        if n != api && matches!(w.graph[n], NodeKind::VpcEndpoint(_) | NodeKind::VpcLink(_)) {
            continue;
        }
        for m in w.graph.neighbors_directed(n, Direction::Outgoing) {
            if into.insert(m) {
                queue.push_back(m);
            }
        }
    }
    into.extend(w.sources(api, EdgeKind::MapsTo));
}

/// `VPCs: a, b`, or `it has no VPCs`.
fn listing(what: &str, ids: &[&str]) -> String {
    if ids.is_empty() {
        format!("it has no {what}")
    } else {
        format!("{what}: {}", ids.join(", "))
    }
}

/// The part of `w` around `vpcs` and `apis` (all of it when both are empty).
pub fn select(w: &World, vpcs: &[String], apis: &[String]) -> Result<Graph, String> {
    let mut picked = BTreeSet::new();
    for v in vpcs {
        match w.node(v) {
            Some(n) if matches!(w.graph[n], NodeKind::Vpc(_)) => around_vpc(w, n, &mut picked),
            _ => {
                let known: Vec<&str> = w.snap.vpcs.iter().map(|v| v.vpc_id.as_str()).collect();
                return Err(format!(
                    "--vpc {v}: no such VPC in this world ({})",
                    listing("VPCs", &known)
                ));
            }
        }
    }
    for a in apis {
        match w.node(a) {
            Some(n) if matches!(w.graph[n], NodeKind::RestApi(_)) => around_api(w, n, &mut picked),
            _ => {
                let known: Vec<&str> = w.snap.rest_apis.iter().map(|a| a.id.as_str()).collect();
                return Err(format!(
                    "--api {a}: no such REST API in this world ({})",
                    listing("APIs", &known)
                ));
            }
        }
    }
    let all = vpcs.is_empty() && apis.is_empty();
    let order: Vec<NodeIndex> = if all {
        w.graph.node_indices().collect()
    } else {
        picked.into_iter().collect()
    };
    let mut pos = vec![usize::MAX; w.graph.node_count()];
    for (i, n) in order.iter().enumerate() {
        pos[n.index()] = i;
    }
    let nodes = order
        .iter()
        .map(|&n| {
            let id = w.node_id(n).into_owned();
            Node {
                name: w.display_name(&id).map(str::to_string),
                kind: w.graph[n].as_str(),
                id,
            }
        })
        .collect::<Vec<_>>();
    let mut links: Vec<(usize, usize, EdgeKind)> = w
        .graph
        .edge_references()
        .filter_map(|e| {
            let (a, b) = (pos[e.source().index()], pos[e.target().index()]);
            (a != usize::MAX && b != usize::MAX).then_some((a, b, *e.weight()))
        })
        .collect();
    links.sort_by_key(|&(a, b, k)| (a, b, k.as_str()));
    links.dedup();
    let edges = links
        .iter()
        .map(|&(a, b, k)| Edge {
            from: nodes[a].id.clone(),
            to: nodes[b].id.clone(),
            kind: k.as_str(),
        })
        .collect();
    Ok(Graph {
        schema: GRAPH_SCHEMA,
        scope: Scope {
            vpcs: vpcs.to_vec(),
            apis: apis.to_vec(),
        },
        nodes,
        edges,
        links,
    })
}

fn node_lines(n: &Node) -> Vec<String> {
    let mut l = vec![n.kind.to_string(), n.id.clone()];
    l.extend(n.name.clone());
    l
}

/// The DOT shape of a kind: network pieces as boxes, API pieces as rounded
/// boxes, identities as ellipses, backends as cylinders... kept to a few.
fn dot_shape(kind: &str) -> &'static str {
    match kind {
        "vpc" | "subnet" => "folder",
        "instance" => "box3d",
        "rest-api" | "stage" | "deployment" | "resource" | "method" | "integration"
        | "authorizer" | "domain-name" => "component",
        "role" | "instance-profile" => "ellipse",
        "backend" | "vpc-link" => "cylinder",
        _ => "box",
    }
}

impl Graph {
    pub fn dot(&self) -> String {
        let mut g: DiGraph<usize, &'static str> = DiGraph::new();
        let ix: Vec<NodeIndex> = (0..self.nodes.len()).map(|i| g.add_node(i)).collect();
        for &(a, b, k) in &self.links {
            g.add_edge(ix[a], ix[b], k.as_str());
        }
        let node_attrs = |_, (_, &i): (NodeIndex, &usize)| {
            let n = &self.nodes[i];
            let label = node_lines(n)
                .iter()
                .map(|l| dot_label(l))
                .collect::<Vec<_>>()
                .join("\\n");
            format!(
                "label=\"{label}\", shape={}, fontsize=10",
                dot_shape(n.kind)
            )
        };
        let edge_attrs = |_, e: petgraph::graph::EdgeReference<'_, &'static str>| {
            format!("label=\"{}\", fontsize=8", e.weight())
        };
        let dot = Dot::with_attr_getters(
            &g,
            &[
                Config::NodeNoLabel,
                Config::EdgeNoLabel,
                Config::RankDir(RankDir::LR),
            ],
            &edge_attrs,
            &node_attrs,
        );
        format!("{dot}")
    }

    pub fn mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        for (i, n) in self.nodes.iter().enumerate() {
            let label = node_lines(n)
                .iter()
                .map(|l| mermaid_label(l))
                .collect::<Vec<_>>()
                .join("<br/>");
            let _ = writeln!(out, "  n{i}[\"{label}\"]:::{}", n.kind.replace('-', "_"));
        }
        for &(a, b, k) in &self.links {
            let _ = writeln!(out, "  n{a} -->|{}| n{b}", k.as_str());
        }
        let classes: BTreeSet<&str> = self.nodes.iter().map(|n| n.kind).collect();
        for k in classes {
            let (fill, stroke) = match dot_shape(k) {
                "folder" => ("#e8f0fe", "#1a73e8"),
                "box3d" => ("#e6f4ea", "#1e8e3e"),
                "component" => ("#f3e8fd", "#9334e6"),
                "ellipse" => ("#fef7e0", "#e37400"),
                "cylinder" => ("#fce8e6", "#d93025"),
                _ => ("#f1f3f4", "#5f6368"),
            };
            let _ = writeln!(
                out,
                "  classDef {} fill:{fill},stroke:{stroke}",
                k.replace('-', "_")
            );
        }
        out
    }
}
