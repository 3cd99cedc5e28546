//! The explorer's tree of the world: VPC → subnet → instances and endpoints
//! (plus the VPC's security groups, network ACLs and route tables), and
//! API → stage → resource → method → backend. Rows are computed only for
//! expanded nodes, so a 50,000-instance world stays cheap to show.

use std::collections::{HashMap, HashSet};

use regex::Regex;

use crate::model::world::{NodeKind, World};

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

/// Precomputed child lists.
#[derive(Debug, Default)]
pub struct Tree {
    vpc_subnets: Vec<Vec<usize>>,
    vpc_sgs: Vec<Vec<usize>>,
    vpc_nacls: Vec<Vec<usize>>,
    vpc_rts: Vec<Vec<usize>>,
    subnet_instances: Vec<Vec<usize>>,
    subnet_endpoints: Vec<Vec<usize>>,
    subnet_vpc: Vec<Option<usize>>,
    instance_subnet: Vec<Option<usize>>,
    endpoint_subnet: Vec<Option<usize>>,
    endpoint_vpc: Vec<Option<usize>>,
    sg_vpc: Vec<Option<usize>>,
    nacl_vpc: Vec<Option<usize>>,
    rt_vpc: Vec<Option<usize>>,
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

impl Tree {
    pub fn new(w: &World) -> Tree {
        let s = &w.snap;
        let vpc_ix: HashMap<&str, usize> = s
            .vpcs
            .iter()
            .enumerate()
            .map(|(i, v)| (v.vpc_id.as_str(), i))
            .collect();
        let subnet_ix: HashMap<&str, usize> = s
            .subnets
            .iter()
            .enumerate()
            .map(|(i, v)| (v.subnet_id.as_str(), i))
            .collect();
        let nv = s.vpcs.len();
        let ns = s.subnets.len();
        let mut t = Tree {
            vpc_subnets: vec![Vec::new(); nv],
            vpc_sgs: vec![Vec::new(); nv],
            vpc_nacls: vec![Vec::new(); nv],
            vpc_rts: vec![Vec::new(); nv],
            subnet_instances: vec![Vec::new(); ns],
            subnet_endpoints: vec![Vec::new(); ns],
            subnet_vpc: vec![None; ns],
            instance_subnet: vec![None; s.instances.len()],
            endpoint_subnet: vec![None; s.vpc_endpoints.len()],
            endpoint_vpc: vec![None; s.vpc_endpoints.len()],
            sg_vpc: vec![None; s.security_groups.len()],
            nacl_vpc: vec![None; s.network_acls.len()],
            rt_vpc: vec![None; s.route_tables.len()],
        };
        for (i, sn) in s.subnets.iter().enumerate() {
            if let Some(&v) = vpc_ix.get(sn.vpc_id.as_str()) {
                t.vpc_subnets[v].push(i);
                t.subnet_vpc[i] = Some(v);
            }
        }
        for (i, inst) in s.instances.iter().enumerate() {
            let sn = inst.subnet_id.as_deref().or_else(|| {
                inst.network_interfaces
                    .first()
                    .and_then(|e| e.subnet_id.as_deref())
            });
            if let Some(&k) = sn.and_then(|sn| subnet_ix.get(sn)) {
                t.subnet_instances[k].push(i);
                t.instance_subnet[i] = Some(k);
            }
        }
        for (i, ep) in s.vpc_endpoints.iter().enumerate() {
            t.endpoint_vpc[i] = vpc_ix.get(ep.vpc_id.as_str()).copied();
            for sn in &ep.subnet_ids {
                if let Some(&k) = subnet_ix.get(sn.as_str()) {
                    t.subnet_endpoints[k].push(i);
                    t.endpoint_subnet[i].get_or_insert(k);
                }
            }
        }
        for (i, g) in s.security_groups.iter().enumerate() {
            if let Some(&v) = vpc_ix.get(g.vpc_id.as_str()) {
                t.vpc_sgs[v].push(i);
                t.sg_vpc[i] = Some(v);
            }
        }
        for (i, a) in s.network_acls.iter().enumerate() {
            if let Some(&v) = vpc_ix.get(a.vpc_id.as_str()) {
                t.vpc_nacls[v].push(i);
                t.nacl_vpc[i] = Some(v);
            }
        }
        for (i, r) in s.route_tables.iter().enumerate() {
            if let Some(&v) = vpc_ix.get(r.vpc_id.as_str()) {
                t.vpc_rts[v].push(i);
                t.rt_vpc[i] = Some(v);
            }
        }
        t
    }

    pub fn children(&self, w: &World, item: Item) -> Vec<Item> {
        let s = &w.snap;
        match item {
            Item::Vpcs => (0..s.vpcs.len()).map(Item::Vpc).collect(),
            Item::Apis => (0..s.rest_apis.len()).map(Item::Api).collect(),
            Item::Unplaced => self
                .instance_subnet
                .iter()
                .enumerate()
                .filter(|(_, k)| k.is_none())
                .map(|(i, _)| Item::Instance(i))
                .chain(
                    self.endpoint_subnet
                        .iter()
                        .enumerate()
                        .filter(|(_, k)| k.is_none())
                        .map(|(i, _)| Item::Endpoint(i)),
                )
                .collect(),
            Item::Vpc(v) => {
                let mut out: Vec<Item> = self.vpc_subnets[v]
                    .iter()
                    .map(|&i| Item::Subnet(i))
                    .collect();
                out.extend([Item::Sgs(v), Item::Nacls(v), Item::Rts(v)]);
                out
            }
            Item::Subnet(k) => self.subnet_instances[k]
                .iter()
                .map(|&i| Item::Instance(i))
                .chain(self.subnet_endpoints[k].iter().map(|&i| Item::Endpoint(i)))
                .collect(),
            Item::Sgs(v) => self.vpc_sgs[v].iter().map(|&i| Item::Sg(i)).collect(),
            Item::Nacls(v) => self.vpc_nacls[v].iter().map(|&i| Item::Nacl(i)).collect(),
            Item::Rts(v) => self.vpc_rts[v].iter().map(|&i| Item::Rt(i)).collect(),
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

    pub fn has_children(&self, w: &World, item: Item) -> bool {
        match item {
            Item::Instance(_)
            | Item::Endpoint(_)
            | Item::Sg(_)
            | Item::Nacl(_)
            | Item::Rt(_)
            | Item::Backend(..) => false,
            Item::Subnet(k) => {
                !self.subnet_instances[k].is_empty() || !self.subnet_endpoints[k].is_empty()
            }
            _ => !self.children(w, item).is_empty(),
        }
    }

    pub fn parent(&self, item: Item) -> Option<Item> {
        match item {
            Item::Vpcs | Item::Apis | Item::Unplaced => None,
            Item::Vpc(_) => Some(Item::Vpcs),
            Item::Subnet(k) => self.subnet_vpc[k].map(Item::Vpc),
            Item::Instance(i) => Some(
                self.instance_subnet[i]
                    .map(Item::Subnet)
                    .unwrap_or(Item::Unplaced),
            ),
            Item::Endpoint(i) => Some(
                self.endpoint_subnet[i]
                    .map(Item::Subnet)
                    .unwrap_or(Item::Unplaced),
            ),
            Item::Sgs(v) | Item::Nacls(v) | Item::Rts(v) => Some(Item::Vpc(v)),
            Item::Sg(i) => self.sg_vpc[i].map(Item::Sgs),
            Item::Nacl(i) => self.nacl_vpc[i].map(Item::Nacls),
            Item::Rt(i) => self.rt_vpc[i].map(Item::Rts),
            Item::Api(_) => Some(Item::Apis),
            Item::Stage(a, _) => Some(Item::Api(a)),
            Item::Resource(a, st, _) => Some(Item::Stage(a, st)),
            Item::Method(a, st, r, _) => Some(Item::Resource(a, st, r)),
            Item::Backend(a, st, r, m) => Some(Item::Method(a, st, r, m)),
        }
    }

    /// The ancestors of `item`, root first.
    pub fn path(&self, item: Item) -> Vec<Item> {
        let mut out = vec![item];
        let mut cur = item;
        while let Some(p) = self.parent(cur) {
            out.push(p);
            cur = p;
        }
        out.reverse();
        out
    }

    /// Visible rows (item, depth) given the expanded set and an optional filter.
    pub fn rows(
        &self,
        w: &World,
        expanded: &HashSet<Item>,
        filter: Option<&Filter>,
    ) -> Vec<(Item, usize)> {
        let mut out = Vec::new();
        let unplaced = self.instance_subnet.iter().any(Option::is_none)
            || self.endpoint_subnet.iter().any(Option::is_none);
        let roots: &[Item] = if unplaced {
            &[Item::Vpcs, Item::Apis, Item::Unplaced]
        } else {
            &[Item::Vpcs, Item::Apis]
        };
        for &root in roots {
            match filter {
                None => self.walk(w, root, 0, expanded, &mut out),
                Some(f) => {
                    self.walk_filtered(w, root, 0, f, &mut out);
                }
            }
        }
        out
    }

    fn walk(
        &self,
        w: &World,
        item: Item,
        depth: usize,
        expanded: &HashSet<Item>,
        out: &mut Vec<(Item, usize)>,
    ) {
        out.push((item, depth));
        if expanded.contains(&item) {
            for c in self.children(w, item) {
                self.walk(w, c, depth + 1, expanded, out);
            }
        }
    }

    /// Keep matching items and their ancestors. Returns whether anything below matched.
    fn walk_filtered(
        &self,
        w: &World,
        item: Item,
        depth: usize,
        f: &Filter,
        out: &mut Vec<(Item, usize)>,
    ) -> bool {
        let at = out.len();
        out.push((item, depth));
        let mut any = false;
        for c in self.children(w, item) {
            any |= self.walk_filtered(w, c, depth + 1, f, out);
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
        Item::Sgs(v) => format!(
            "security groups ({})",
            s.security_groups
                .iter()
                .filter(|g| g.vpc_id == s.vpcs[v].vpc_id)
                .count()
        ),
        Item::Nacls(v) => format!(
            "network ACLs ({})",
            s.network_acls
                .iter()
                .filter(|g| g.vpc_id == s.vpcs[v].vpc_id)
                .count()
        ),
        Item::Rts(v) => format!(
            "route tables ({})",
            s.route_tables
                .iter()
                .filter(|g| g.vpc_id == s.vpcs[v].vpc_id)
                .count()
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

/// The AWS id behind an item, for graph lookups and what-if edits.
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
