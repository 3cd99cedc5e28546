//! The explorer's tree of the world: VPC → subnet → instances and endpoints
//! (plus the VPC's security groups, network ACLs and route tables), and
//! API → stage → resource → method → backend. Rows are computed only for
//! expanded nodes, so a 50,000-instance world stays cheap to show.

use std::collections::HashSet;

use petgraph::graph::NodeIndex;
use regex::Regex;

use crate::model::world::{EdgeKind, NodeKind, World};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Item {
    Vpcs,
    Apis,
    /// Instances and endpoints whose subnet is not in the snapshot.
    Unplaced,
    Vpc(usize),
    Subnet(usize),
    Instance(usize),
    Endpoint(usize),
    Sgs(usize),
    Sg(usize),
    Nacls(usize),
    Nacl(usize),
    Rts(usize),
    Rt(usize),
    Api(usize),
    Stage(usize, usize),
    /// (api, stage, resource)
    Resource(usize, usize, usize),
    /// (api, stage, resource, method index in the resource's sorted methods)
    Method(usize, usize, usize, usize),
    Backend(usize, usize, usize, usize),
}

#[derive(Debug, Clone)]
pub struct Filter {
    pub text: String,
    pub re: Regex,
    pub invert: bool,
}

impl Filter {
    /// `!` at the start inverts; matching is case-insensitive.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let (invert, pat) = match text.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, text),
        };
        let re = regex::RegexBuilder::new(pat)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| {
                format!(
                    "bad filter {pat:?}: {}",
                    e.to_string().lines().last().unwrap_or("invalid regex")
                )
            })?;
        Ok(Filter {
            text: text.to_string(),
            re,
            invert,
        })
    }
    pub fn matches(&self, s: &str) -> bool {
        self.re.is_match(s) != self.invert
    }
}

/// The nodes pointing at `of` with `edge`, as kinds, in snapshot order.
fn members(w: &World, of: NodeKind, edge: EdgeKind) -> Vec<NodeKind> {
    match w.node_of(of) {
        Some(n) => w.sources(n, edge).into_iter().map(|m| w.graph[m]).collect(),
        None => Vec::new(),
    }
}

/// The first node `of` points at with `edge`, as a kind.
fn target(w: &World, of: NodeKind, edge: EdgeKind) -> Option<NodeKind> {
    let n = w.node_of(of)?;
    w.targets(n, edge).map(|m| w.graph[m]).min()
}

fn vpc_index(w: &World, id: &str) -> Option<usize> {
    match w.kind_of(id)? {
        NodeKind::Vpc(v) => Some(v),
        _ => None,
    }
}

pub fn children(w: &World, item: Item) -> Vec<Item> {
    let s = &w.snap;
    match item {
        Item::Vpcs => (0..s.vpcs.len()).map(Item::Vpc).collect(),
        Item::Apis => (0..s.rest_apis.len()).map(Item::Api).collect(),
        Item::Unplaced => w
            .unplaced()
            .iter()
            .filter_map(|&n| match w.graph[n] {
                NodeKind::Instance(i) => Some(Item::Instance(i)),
                NodeKind::VpcEndpoint(i) => Some(Item::Endpoint(i)),
                _ => None,
            })
            .collect(),
        Item::Vpc(v) => {
            let mut out: Vec<Item> = members(w, NodeKind::Vpc(v), EdgeKind::InVpc)
                .into_iter()
                .filter_map(|k| match k {
                    NodeKind::Subnet(i) => Some(Item::Subnet(i)),
                    _ => None,
                })
                .collect();
            out.extend([Item::Sgs(v), Item::Nacls(v), Item::Rts(v)]);
            out
        }
        Item::Subnet(k) => members(w, NodeKind::Subnet(k), EdgeKind::InSubnet)
            .into_iter()
            .filter_map(|k| match k {
                NodeKind::Instance(i) => Some(Item::Instance(i)),
                NodeKind::VpcEndpoint(i) => Some(Item::Endpoint(i)),
                _ => None,
            })
            .collect(),
        Item::Sgs(v) => members(w, NodeKind::Vpc(v), EdgeKind::InVpc)
            .into_iter()
            .filter_map(|k| match k {
                NodeKind::SecurityGroup(i) => Some(Item::Sg(i)),
                _ => None,
            })
            .collect(),
        Item::Nacls(v) => w
            .network_acls_in_vpc(&s.vpcs[v].vpc_id)
            .iter()
            .map(|&i| Item::Nacl(i))
            .collect(),
        Item::Rts(v) => w
            .route_tables_in_vpc(&s.vpcs[v].vpc_id)
            .iter()
            .map(|&i| Item::Rt(i))
            .collect(),
        Item::Api(a) => (0..s.rest_apis[a].stages.len())
            .map(|st| Item::Stage(a, st))
            .collect(),
        Item::Stage(a, st) => (0..s.rest_apis[a].resources.len())
            .map(|r| Item::Resource(a, st, r))
            .collect(),
        Item::Resource(a, st, r) => (0..s.rest_apis[a].resources[r].resource_methods.len())
            .map(|m| Item::Method(a, st, r, m))
            .collect(),
        Item::Method(a, st, r, m) => {
            let has = method(w, a, r, m).is_some_and(|(_, m)| m.method_integration.is_some());
            if has {
                vec![Item::Backend(a, st, r, m)]
            } else {
                Vec::new()
            }
        }
        _ => Vec::new(),
    }
}

pub fn has_children(w: &World, item: Item) -> bool {
    match item {
        Item::Instance(_)
        | Item::Endpoint(_)
        | Item::Sg(_)
        | Item::Nacl(_)
        | Item::Rt(_)
        | Item::Backend(..) => false,
        _ => !children(w, item).is_empty(),
    }
}

pub fn parent(w: &World, item: Item) -> Option<Item> {
    let s = &w.snap;
    match item {
        Item::Vpcs | Item::Apis | Item::Unplaced => None,
        Item::Vpc(_) => Some(Item::Vpcs),
        Item::Subnet(k) => match target(w, NodeKind::Subnet(k), EdgeKind::InVpc) {
            Some(NodeKind::Vpc(v)) => Some(Item::Vpc(v)),
            _ => None,
        },
        Item::Instance(i) => Some(match target(w, NodeKind::Instance(i), EdgeKind::InSubnet) {
            Some(NodeKind::Subnet(k)) => Item::Subnet(k),
            _ => Item::Unplaced,
        }),
        // An endpoint in several subnets is listed under each; its home is the first.
        Item::Endpoint(i) => Some(
            s.vpc_endpoints[i]
                .subnet_ids
                .iter()
                .find_map(|id| match w.kind_of(id) {
                    Some(NodeKind::Subnet(k)) => Some(Item::Subnet(k)),
                    _ => None,
                })
                .unwrap_or(Item::Unplaced),
        ),
        Item::Sgs(v) | Item::Nacls(v) | Item::Rts(v) => Some(Item::Vpc(v)),
        Item::Sg(i) => match target(w, NodeKind::SecurityGroup(i), EdgeKind::InVpc) {
            Some(NodeKind::Vpc(v)) => Some(Item::Sgs(v)),
            _ => None,
        },
        Item::Nacl(i) => vpc_index(w, &s.network_acls[i].vpc_id).map(Item::Nacls),
        Item::Rt(i) => vpc_index(w, &s.route_tables[i].vpc_id).map(Item::Rts),
        Item::Api(_) => Some(Item::Apis),
        Item::Stage(a, _) => Some(Item::Api(a)),
        Item::Resource(a, st, _) => Some(Item::Stage(a, st)),
        Item::Method(a, st, r, _) => Some(Item::Resource(a, st, r)),
        Item::Backend(a, st, r, m) => Some(Item::Method(a, st, r, m)),
    }
}

/// The ancestors of `item`, root first.
pub fn path(w: &World, item: Item) -> Vec<Item> {
    let mut out = vec![item];
    let mut cur = item;
    while let Some(p) = parent(w, cur) {
        out.push(p);
        cur = p;
    }
    out.reverse();
    out
}

/// Visible rows (item, depth) given the expanded set and an optional filter.
pub fn rows(w: &World, expanded: &HashSet<Item>, filter: Option<&Filter>) -> Vec<(Item, usize)> {
    let mut out = Vec::new();
    let roots: &[Item] = if w.unplaced().is_empty() {
        &[Item::Vpcs, Item::Apis]
    } else {
        &[Item::Vpcs, Item::Apis, Item::Unplaced]
    };
    for &root in roots {
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
    out.push((item, depth));
    if expanded.contains(&item) {
        for c in children(w, item) {
            walk(w, c, depth + 1, expanded, out);
        }
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
    out.push((item, depth));
    let mut any = false;
    for c in children(w, item) {
        any |= walk_filtered(w, c, depth + 1, f, out);
    }
    let group = matches!(
        item,
        Item::Vpcs | Item::Apis | Item::Unplaced | Item::Sgs(_) | Item::Nacls(_) | Item::Rts(_)
    );
    let me = !group && f.matches(&label(w, item));
    if !any && !me {
        out.truncate(at);
    }
    any || me
}

pub fn method(
    w: &World,
    a: usize,
    r: usize,
    m: usize,
) -> Option<(&String, &crate::model::apigw::Method)> {
    w.snap
        .rest_apis
        .get(a)?
        .resources
        .get(r)?
        .resource_methods
        .iter()
        .nth(m)
}

fn name_tag(tags: &[crate::model::ec2::Tag]) -> String {
    tags.iter()
        .find(|t| t.key == "Name")
        .map(|t| format!(" {}", t.value))
        .unwrap_or_default()
}

/// The row text of an item.
pub fn label(w: &World, item: Item) -> String {
    let s = &w.snap;
    match item {
        Item::Vpcs => format!("VPCs ({})", s.vpcs.len()),
        Item::Apis => format!("APIs ({})", s.rest_apis.len()),
        Item::Unplaced => "outside the captured subnets".to_string(),
        Item::Vpc(v) => {
            let x = &s.vpcs[v];
            format!(
                "{}{} {}",
                x.vpc_id,
                name_tag(&x.tags),
                x.cidr_block.as_deref().unwrap_or("")
            )
        }
        Item::Subnet(k) => {
            let x = &s.subnets[k];
            format!(
                "{}{} {} {}",
                x.subnet_id,
                name_tag(&x.tags),
                x.cidr_block,
                x.availability_zone.as_deref().unwrap_or("")
            )
        }
        Item::Instance(i) => {
            let x = &s.instances[i];
            format!(
                "{}{} {} {}",
                x.instance_id,
                name_tag(&x.tags),
                x.private_ip_address.as_deref().unwrap_or(""),
                x.state.name
            )
        }
        Item::Endpoint(i) => {
            let x = &s.vpc_endpoints[i];
            let svc = x.service_name.rsplit('.').next().unwrap_or("");
            format!(
                "{} {svc} {}{}",
                x.vpc_endpoint_id,
                x.state,
                if x.private_dns_enabled {
                    " private-dns"
                } else {
                    ""
                }
            )
        }
        Item::Sgs(_) => format!("security groups ({})", children(w, item).len()),
        Item::Nacls(v) => format!(
            "network ACLs ({})",
            w.network_acls_in_vpc(&s.vpcs[v].vpc_id).len()
        ),
        Item::Rts(v) => format!(
            "route tables ({})",
            w.route_tables_in_vpc(&s.vpcs[v].vpc_id).len()
        ),
        Item::Sg(i) => {
            let g = &s.security_groups[i];
            format!("{} {}", g.group_id, g.group_name.as_deref().unwrap_or(""))
        }
        Item::Nacl(i) => {
            let a = &s.network_acls[i];
            format!(
                "{}{}",
                a.network_acl_id,
                if a.is_default { " (default)" } else { "" }
            )
        }
        Item::Rt(i) => {
            let r = &s.route_tables[i];
            let main = r.associations.iter().any(|a| a.main);
            format!("{}{}", r.route_table_id, if main { " (main)" } else { "" })
        }
        Item::Api(a) => {
            let x = &s.rest_apis[a];
            format!(
                "API {} {} [{}]",
                x.id,
                x.name.as_deref().unwrap_or(""),
                x.endpoint_configuration.types.join(",")
            )
        }
        Item::Stage(a, st) => {
            let x = &s.rest_apis[a].stages[st];
            format!(
                "stage {} → {}",
                x.stage_name,
                x.deployment_id.as_deref().unwrap_or("?")
            )
        }
        Item::Resource(a, _, r) => s.rest_apis[a].resources[r].path.clone(),
        Item::Method(a, _, r, m) => match method(w, a, r, m) {
            Some((verb, m)) => format!(
                "{verb} auth={}{}",
                m.authorization_type.as_deref().unwrap_or("?"),
                if m.api_key_required == Some(true) {
                    " api-key"
                } else {
                    ""
                }
            ),
            None => "?".into(),
        },
        Item::Backend(a, _, r, m) => {
            match method(w, a, r, m).and_then(|(_, m)| m.method_integration.as_ref()) {
                Some(i) => format!(
                    "→ {} {}",
                    i.integration_type.as_deref().unwrap_or("?"),
                    crate::model::world::backend_label(i.uri.as_deref().unwrap_or(""))
                ),
                None => "→ (no integration)".into(),
            }
        }
    }
}

/// The tree item for a graph node, where the tree shows it.
pub fn item_of(kind: NodeKind) -> Option<Item> {
    Some(match kind {
        NodeKind::Vpc(i) => Item::Vpc(i),
        NodeKind::Subnet(i) => Item::Subnet(i),
        NodeKind::Instance(i) => Item::Instance(i),
        NodeKind::SecurityGroup(i) => Item::Sg(i),
        NodeKind::RouteTable(i) => Item::Rt(i),
        NodeKind::NetworkAcl(i) => Item::Nacl(i),
        NodeKind::VpcEndpoint(i) => Item::Endpoint(i),
        NodeKind::RestApi(i) => Item::Api(i),
        NodeKind::Stage(a, s) => Item::Stage(a, s),
        _ => return None,
    })
}

/// The graph node of an item, for its edge list.
pub fn node(w: &World, item: Item) -> Option<NodeIndex> {
    let kind = match item {
        Item::Vpc(i) => NodeKind::Vpc(i),
        Item::Subnet(i) => NodeKind::Subnet(i),
        Item::Instance(i) => NodeKind::Instance(i),
        Item::Endpoint(i) => NodeKind::VpcEndpoint(i),
        Item::Sg(i) => NodeKind::SecurityGroup(i),
        Item::Nacl(i) => NodeKind::NetworkAcl(i),
        Item::Rt(i) => NodeKind::RouteTable(i),
        Item::Api(i) => NodeKind::RestApi(i),
        Item::Stage(a, st) => NodeKind::Stage(a, st),
        _ => return None,
    };
    w.node_of(kind)
}

/// The AWS id behind an item, for what-if edits.
pub fn resource_id(w: &World, item: Item) -> Option<String> {
    let s = &w.snap;
    Some(match item {
        Item::Vpc(i) => s.vpcs[i].vpc_id.clone(),
        Item::Subnet(i) => s.subnets[i].subnet_id.clone(),
        Item::Instance(i) => s.instances[i].instance_id.clone(),
        Item::Endpoint(i) => s.vpc_endpoints[i].vpc_endpoint_id.clone(),
        Item::Sg(i) => s.security_groups[i].group_id.clone(),
        Item::Nacl(i) => s.network_acls[i].network_acl_id.clone(),
        Item::Rt(i) => s.route_tables[i].route_table_id.clone(),
        Item::Api(i) => s.rest_apis[i].id.clone(),
        Item::Stage(a, st) => format!(
            "{}/{}",
            s.rest_apis[a].id, s.rest_apis[a].stages[st].stage_name
        ),
        _ => return None,
    })
}
