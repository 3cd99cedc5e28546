//! The API half of the tree: API → stage → resource → method → backend.
//! Each level is read from the world graph's edges (`HasStage`,
//! `HasResource`, `HasMethod`, `HasIntegration`); the snapshot is only
//! consulted to turn a node back into the names an [`Item`] carries.
//!
//! A stage lists its API's resources: the snapshot holds the API's current
//! resources, not what each deployment froze, so every stage shows the same.

use petgraph::graph::NodeIndex;

use super::{item_of, node, node_of, Item};
use crate::model::world::{EdgeKind, NodeKind, World};

/// The nodes `n` points at with `edge`, in snapshot order, each once.
fn targets_sorted(w: &World, n: NodeIndex, edge: EdgeKind) -> Vec<NodeIndex> {
    let mut out: Vec<NodeIndex> = w.targets(n, edge).collect();
    out.sort_by_key(|&m| w.graph[m]);
    out.dedup();
    out
}

/// The API node a stage item hangs from (through its `HasStage` edge).
fn api_of_stage(w: &World, stage: &Item) -> Option<NodeIndex> {
    let st = node_of(w, stage)?;
    w.sources(st, EdgeKind::HasStage).first().copied()
}

/// The verb of a method node, read from its resource's method map.
fn verb(w: &World, n: NodeIndex) -> Option<&str> {
    let NodeKind::Method(a, r, m) = w.graph[n] else {
        return None;
    };
    let res = &w.snap.rest_apis[a].resources[r];
    res.resource_methods.keys().nth(m).map(String::as_str)
}

/// The node of the resource with id `res` under the API `api` (the first
/// one, should the snapshot repeat an id).
fn resource_node(w: &World, api: &str, res: &str) -> Option<NodeIndex> {
    let api = node(w, api, NodeKind::RestApi)?;
    w.targets(api, EdgeKind::HasResource)
        .filter(|&n| match w.graph[n] {
            NodeKind::Resource(a, r) => w.snap.rest_apis[a].resources[r].id == res,
            _ => false,
        })
        .min_by_key(|&n| w.graph[n])
}

fn method_node(w: &World, api: &str, res: &str, wanted: &str) -> Option<NodeIndex> {
    let r = resource_node(w, api, res)?;
    w.targets(r, EdgeKind::HasMethod)
        .find(|&n| verb(w, n) == Some(wanted))
}

/// The children of an API-side item, or `None` for other items.
pub(super) fn children(w: &World, item: &Item) -> Option<Vec<Item>> {
    Some(match item {
        Item::Api(id) => match node(w, id, NodeKind::RestApi) {
            Some(n) => targets_sorted(w, n, EdgeKind::HasStage)
                .into_iter()
                .filter_map(|s| item_of(w, s))
                .collect(),
            None => Vec::new(),
        },
        Item::Stage(api, stage) => match api_of_stage(w, item) {
            Some(n) => targets_sorted(w, n, EdgeKind::HasResource)
                .into_iter()
                .filter_map(|r| match w.graph[r] {
                    NodeKind::Resource(a, k) => Some(Item::Resource(
                        api.clone(),
                        stage.clone(),
                        w.snap.rest_apis[a].resources[k].id.clone(),
                    )),
                    _ => None,
                })
                .collect(),
            None => Vec::new(),
        },
        Item::Resource(api, stage, res) => match resource_node(w, api, res) {
            Some(n) => targets_sorted(w, n, EdgeKind::HasMethod)
                .into_iter()
                .filter_map(|m| {
                    let v = verb(w, m)?.to_string();
                    Some(Item::Method(api.clone(), stage.clone(), res.clone(), v))
                })
                .collect(),
            None => Vec::new(),
        },
        Item::Method(api, stage, res, v) => {
            let m = method_node(w, api, res, v);
            let integrated =
                m.is_some_and(|m| w.targets(m, EdgeKind::HasIntegration).next().is_some());
            if integrated {
                vec![Item::Backend(
                    api.clone(),
                    stage.clone(),
                    res.clone(),
                    v.clone(),
                )]
            } else {
                Vec::new()
            }
        }
        _ => return None,
    })
}

/// How many rows an API-side item opens to, counted from edges without
/// building the rows; `None` for other items.
pub(super) fn child_count(w: &World, item: &Item) -> Option<usize> {
    let count = |n: Option<NodeIndex>, edge| n.map_or(0, |n| w.targets(n, edge).count());
    Some(match item {
        Item::Api(id) => count(node(w, id, NodeKind::RestApi), EdgeKind::HasStage),
        Item::Stage(..) => count(api_of_stage(w, item), EdgeKind::HasResource),
        Item::Resource(api, _, res) => count(resource_node(w, api, res), EdgeKind::HasMethod),
        Item::Method(api, _, res, v) => {
            count(method_node(w, api, res, v), EdgeKind::HasIntegration).min(1)
        }
        Item::Backend(..) => 0,
        _ => return None,
    })
}
