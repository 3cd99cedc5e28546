//! The request's path as a chain of boxes, for diagrams: instance → its
//! security groups → client subnet and NACL → route tables → endpoint ENI
//! and security group → VPC endpoint → API → stage → method → authorizer →
//! backend. Each box belongs to one or more hops, takes the worst verdict
//! among them, and names the resources those hops read.
//!
//! What the boxes show past the endpoint (the method the stage deploys, its
//! authorizer and integration) is recorded when the trace runs, in
//! [`PathFacts`], so a diagram needs the trace alone.

use std::collections::BTreeMap;

use serde::Serialize;

use super::ctx::{Ctx, Via};
use super::evidence::ResourceKind as K;
use super::hop::{Hop, HopId, Verdict};
use super::{resolve, Trace};

/// What a trace found about its path that its hops do not carry as
/// resources: where DNS sent the request and what the stage deploys for it.
#[derive(Debug, Clone, Default)]
pub struct PathFacts {
    /// The VPC endpoint the name resolved to, or why there is none
    /// (`public execute-api addresses`).
    pub endpoint: Option<String>,
    pub via_public: bool,
    /// The endpoint's interfaces the request may reach.
    pub endpoint_enis: Vec<String>,
    pub api: Option<String>,
    pub stage: Option<String>,
    /// `GET /pets/{id}`: the deployed method and its resource template.
    pub method: Option<String>,
    /// The deployed method's `authorizationType`.
    pub authorization_type: Option<String>,
    /// The method's authorizer: id and type.
    pub authorizer: Option<(String, Option<String>)>,
    /// The integration's type and what it names (a function ARN, a VPC
    /// link, a URL).
    pub integration: Option<(String, Option<String>)>,
    /// Display names by resource id, for every resource the path names
    /// (Name tags, group names, API and authorizer names).
    pub names: BTreeMap<String, String>,
}

/// Record what the boxes need once the hops have run in `ctx`.
pub(crate) fn facts(ctx: &Ctx, hops: &[Hop]) -> PathFacts {
    let mut f = PathFacts::default();
    match &ctx.dest.via {
        Via::Endpoint(ep) => {
            f.endpoint = Some(ep.vpc_endpoint_id.clone());
            f.endpoint_enis = ctx
                .dest
                .candidates
                .iter()
                .filter_map(|c| c.eni_id.clone())
                .collect();
        }
        Via::Public => f.via_public = true,
        Via::Unresolved { .. } => {}
    }
    let call = resolve::api_call(ctx);
    if let Ok(c) = &call {
        f.api = Some(c.api_id.clone());
        f.stage = Some(c.stage.clone());
    }
    if let Ok(route) = resolve::resolve(ctx, &call) {
        f.method = Some(format!("{} {}", route.method_key, route.template));
        f.authorization_type = route.snapshot.authorization_type.clone();
        if let Some(live) = route.live {
            if let Some(id) = live.authorizer_id.as_ref().filter(|id| !id.is_empty()) {
                let az = route.api.authorizers.iter().find(|a| &a.id == id);
                if let Some(name) = az.and_then(|a| a.name.clone()) {
                    f.names.insert(id.clone(), name);
                }
                f.authorizer = Some((id.clone(), az.and_then(|a| a.authorizer_type.clone())));
            }
            if let Some(i) = &live.method_integration {
                let ty = i.integration_type.clone().unwrap_or_default();
                let target = i
                    .connection_id
                    .clone()
                    .filter(|_| i.connection_type.as_deref() == Some("VPC_LINK"))
                    .or_else(|| i.uri.as_deref().map(crate::model::world::backend_label));
                f.integration = Some((ty, target));
            }
        }
    }
    let mut ids: Vec<&str> = hops
        .iter()
        .flat_map(|h| h.resources.iter().map(|r| r.id.as_str()))
        .collect();
    ids.extend(f.endpoint.as_deref());
    ids.extend(f.api.as_deref());
    ids.push(&ctx.req.from);
    for id in ids {
        if f.names.contains_key(id) {
            continue;
        }
        if let Some(n) = ctx.world.display_name(id) {
            f.names.insert(id.to_string(), n.to_string());
        }
    }
    for h in hops {
        for r in &h.resources {
            if let Some(n) = &r.name {
                f.names.entry(r.id.clone()).or_insert_with(|| n.clone());
            }
        }
    }
    f
}

/// One box of the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stop {
    Instance,
    SecurityGroups,
    ClientSubnet,
    RouteTables,
    EndpointEni,
    VpcEndpoint,
    Api,
    Stage,
    Method,
    Authorizer,
    Backend,
}

impl Stop {
    pub const ALL: [Stop; 11] = [
        Stop::Instance,
        Stop::SecurityGroups,
        Stop::ClientSubnet,
        Stop::RouteTables,
        Stop::EndpointEni,
        Stop::VpcEndpoint,
        Stop::Api,
        Stop::Stage,
        Stop::Method,
        Stop::Authorizer,
        Stop::Backend,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Stop::Instance => "instance",
            Stop::SecurityGroups => "security groups",
            Stop::ClientSubnet => "subnet · NACL",
            Stop::RouteTables => "route tables",
            Stop::EndpointEni => "endpoint ENI · SG",
            Stop::VpcEndpoint => "VPC endpoint",
            Stop::Api => "API",
            Stop::Stage => "stage",
            Stop::Method => "method",
            Stop::Authorizer => "authorizer",
            Stop::Backend => "backend",
        }
    }

    /// The hops whose verdicts colour this box, in request order.
    pub fn hops(self) -> &'static [HopId] {
        match self {
            Stop::Instance => &[HopId::Instance],
            Stop::SecurityGroups => &[HopId::SgEgress],
            Stop::ClientSubnet => &[HopId::NaclClient],
            Stop::RouteTables => &[HopId::Route],
            Stop::EndpointEni => &[HopId::NaclEndpoint, HopId::SgEndpoint],
            Stop::VpcEndpoint => &[HopId::Dns, HopId::Endpoint, HopId::EndpointPolicy],
            Stop::Api => &[HopId::Api],
            Stop::Stage => &[HopId::Stage, HopId::Waf],
            Stop::Method => &[HopId::ApiKey],
            Stop::Authorizer => &[HopId::Authorization],
            Stop::Backend => &[HopId::Integration],
        }
    }

    /// The box a hop belongs to.
    pub fn of(hop: HopId) -> Stop {
        Stop::ALL
            .into_iter()
            .find(|s| s.hops().contains(&hop))
            .unwrap_or(Stop::Instance)
    }
}

/// One box: what it stands for, the resources it names, and its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathBox {
    pub stop: Stop,
    /// The resource ids, one row per kind (the endpoint's ENIs, its ACL,
    /// its groups), in the order the hops read them.
    pub rows: Vec<Vec<String>>,
    /// Their display names, where they have one (`web-1`, `vpce-shop`).
    pub names: Vec<String>,
    /// The worst verdict among the box's hops: deny, then unknown, then
    /// allow; skip only when every hop skipped.
    pub verdict: Verdict,
    /// The hops this box stands for.
    pub hops: Vec<HopId>,
    /// This box holds the hop that decided the trace: the first that
    /// denies, else the first that is unknown.
    pub deciding: bool,
    /// In the deciding box: the resource of the deciding field, when the
    /// box names it.
    pub deciding_id: Option<String>,
    /// The row to show first where only one fits: the deciding resource's,
    /// else the row of the resource whose hop colours the box.
    pub lead: usize,
}

impl PathBox {
    /// Every id, row after row.
    pub fn ids(&self) -> impl Iterator<Item = &String> {
        self.rows.iter().flatten()
    }
    /// The rows as text, each with at most `max` ids and a count of the
    /// rest; the deciding resource first in its row and marked `▶`.
    pub fn row_lines(&self, max: usize) -> Vec<String> {
        if self.rows.is_empty() {
            return vec!["(none)".into()];
        }
        self.rows
            .iter()
            .map(|row| {
                let mut row: Vec<String> = row.clone();
                if let Some(d) = &self.deciding_id {
                    // `d` is an item of the row, as the box was built.
                    if let Some(i) = row.iter().position(|x| x == d) {
                        let x = row.remove(i);
                        row.insert(0, format!("▶ {x}"));
                    }
                }
                join_some(&row, max, "(none)")
            })
            .collect()
    }
    pub fn name_line(&self, max: usize) -> String {
        join_some(&self.names, max, "")
    }
}

fn join_some(items: &[String], max: usize, empty: &str) -> String {
    if items.is_empty() {
        return empty.to_string();
    }
    let max = max.max(1);
    let mut s = items
        .iter()
        .take(max)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > max {
        s.push_str(&format!(" +{}", items.len() - max));
    }
    s
}

/// `pets-api` in `arn:aws:lambda:us-east-1:1:function:pets-api`.
fn function_name(arn: &str) -> Option<&str> {
    let rest = arn.split_once(":function:")?.1;
    Some(rest.split(':').next().unwrap_or(rest))
}

/// How bad a verdict is: deny, then unknown, then allow, then skip.
fn rank(v: Verdict) -> u8 {
    match v {
        Verdict::Deny => 3,
        Verdict::Unknown => 2,
        Verdict::Allow => 1,
        Verdict::Skip => 0,
    }
}

fn worst(vs: impl Iterator<Item = Verdict>) -> Verdict {
    vs.max_by_key(|v| rank(*v)).unwrap_or(Verdict::Skip)
}

/// The hop that decided the trace: the first denying hop, else the first
/// unknown one; `None` for a reachable trace.
pub fn deciding_hop(t: &Trace) -> Option<HopId> {
    t.first_block.or_else(|| {
        t.hops
            .iter()
            .find(|h| h.verdict == Verdict::Unknown)
            .map(|h| h.hop)
    })
}

/// The chain of boxes for a trace.
pub fn boxes(t: &Trace) -> Vec<PathBox> {
    let f = &t.path;
    let hop = |id: HopId| t.hops.iter().find(|h| h.hop == id);
    let of = |id: HopId, kinds: &[K]| -> Vec<String> {
        hop(id).map_or_else(Vec::new, |h| {
            h.resources
                .iter()
                .filter(|r| kinds.contains(&r.kind))
                .map(|r| r.id.clone())
                .collect()
        })
    };
    let deciding = deciding_hop(t);
    let mut out = Vec::with_capacity(Stop::ALL.len());
    for stop in Stop::ALL {
        let rows: Vec<Vec<String>> = match stop {
            Stop::Instance => vec![vec![t.request.from.clone()]],
            Stop::SecurityGroups => {
                let g = of(HopId::SgEgress, &[K::SecurityGroup]);
                if g.is_empty() {
                    vec![of(HopId::Instance, &[K::SecurityGroup])]
                } else {
                    vec![g]
                }
            }
            Stop::ClientSubnet => {
                vec![
                    of(HopId::Instance, &[K::Subnet]),
                    of(HopId::NaclClient, &[K::Nacl]),
                ]
            }
            Stop::RouteTables => vec![of(HopId::Route, &[K::RouteTable, K::RouteTarget])],
            Stop::EndpointEni => {
                vec![
                    f.endpoint_enis.clone(),
                    of(HopId::NaclEndpoint, &[K::Nacl]),
                    of(HopId::SgEndpoint, &[K::SecurityGroup]),
                ]
            }
            Stop::VpcEndpoint => vec![match (&f.endpoint, f.via_public) {
                (Some(e), _) => vec![e.clone()],
                (None, true) => vec!["public execute-api addresses".into()],
                (None, false) => {
                    let mut v = of(HopId::Endpoint, &[K::VpcEndpoint]);
                    v.truncate(1);
                    v
                }
            }],
            Stop::Api => vec![f
                .api
                .clone()
                .map(|a| vec![a])
                .unwrap_or_else(|| of(HopId::Api, &[K::RestApi]))],
            Stop::Stage => {
                vec![
                    f.stage.iter().cloned().collect(),
                    of(HopId::Waf, &[K::WebAcl]),
                ]
            }
            Stop::Method => vec![f.method.iter().cloned().collect()],
            Stop::Authorizer => vec![
                match (&f.authorizer, &f.authorization_type) {
                    (Some((id, ty)), _) => {
                        let ty = ty.as_deref().unwrap_or("custom");
                        vec![format!("{id} ({ty})")]
                    }
                    (None, Some(ty)) if ty == "AWS_IAM" => vec!["AWS_IAM (SigV4)".into()],
                    (None, Some(ty)) if ty == "NONE" => vec!["NONE (no authorizer)".into()],
                    (None, Some(ty)) => vec![ty.clone()],
                    (None, None) => Vec::new(),
                },
                // The policies authorization evaluated: the resource policy,
                // the caller's identity policies, a function's policy.
                hop(HopId::Authorization).map_or_else(Vec::new, |h| {
                    h.policies.iter().map(|p| p.title.clone()).collect()
                }),
            ],
            Stop::Backend => {
                let read = of(HopId::Integration, &[K::Lambda, K::VpcLink]);
                vec![if !read.is_empty() {
                    read
                } else {
                    match &f.integration {
                        Some((ty, Some(target))) => vec![format!("{ty} {target}")],
                        Some((ty, None)) => vec![ty.clone()],
                        None => Vec::new(),
                    }
                }]
            }
        };
        // The row of the resource whose hop colours the box, before empty
        // rows go: a client subnet's NACL, the endpoint's ACL or group
        // (whichever fared worse), a stage's web ACL when it denies.
        let rank = |id: HopId| hop(id).map_or(0, |h| rank(h.verdict));
        let lead = match stop {
            Stop::ClientSubnet => 1,
            Stop::EndpointEni if rank(HopId::NaclEndpoint) > rank(HopId::SgEndpoint) => 1,
            Stop::EndpointEni => 2,
            Stop::Stage if rank(HopId::Waf) > rank(HopId::Stage) => 1,
            _ => 0,
        };
        let lead_ids = rows.get(lead).cloned().unwrap_or_default();
        let mut rows: Vec<Vec<String>> = rows.into_iter().filter(|r| !r.is_empty()).collect();
        for r in &mut rows {
            r.dedup();
        }
        let mut names: Vec<String> = rows
            .iter()
            .flatten()
            .filter_map(|id| {
                let key = id.split(' ').next().unwrap_or(id);
                f.names
                    .get(key)
                    .cloned()
                    .or_else(|| function_name(key).map(str::to_string))
            })
            .collect();
        names.dedup();
        let hops: Vec<HopId> = stop.hops().to_vec();
        let verdict = worst(
            t.hops
                .iter()
                .filter(|h| hops.contains(&h.hop))
                .map(|h| h.verdict),
        );
        let is_deciding = deciding.is_some_and(|d| hops.contains(&d));
        // The policy document whose statement decided, else the resource
        // of the deciding field: marked where the box names it (as an item
        // or a word of one: `auth1 (TOKEN)`, `resource policy of a1`), else
        // added to the box as a row of its own.
        let mut deciding_id = None;
        if let Some(h) = deciding
            .filter(|_| is_deciding)
            .and_then(|d| t.hops.iter().find(|h| h.hop == d))
        {
            let doc = h.deciding_statement().map(|(p, _)| p.title.clone());
            let res = h
                .deciding
                .resource()
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string();
            let names = |item: &str, want: &str| {
                item == want
                    || item
                        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',')
                        .any(|w| w == want)
            };
            let found = [doc, Some(res.clone())]
                .into_iter()
                .flatten()
                .filter(|w| !w.is_empty())
                .find_map(|w| rows.iter().flatten().find(|x| names(x, &w)).cloned());
            deciding_id = match found {
                Some(x) => Some(x),
                None if !res.is_empty() => {
                    rows.push(vec![res.clone()]);
                    Some(res)
                }
                None => None,
            };
        }
        let lead = rows
            .iter()
            .position(|r| deciding_id.as_ref().is_some_and(|d| r.contains(d)))
            .or_else(|| rows.iter().position(|r| *r == lead_ids))
            .unwrap_or(0);
        out.push(PathBox {
            stop,
            rows,
            names,
            verdict,
            deciding: is_deciding,
            lead,
            deciding_id,
            hops,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hop_has_exactly_one_box() {
        for h in HopId::ALL {
            let n = Stop::ALL.iter().filter(|s| s.hops().contains(&h)).count();
            assert_eq!(n, 1, "{h} is in {n} boxes");
            assert!(Stop::of(h).hops().contains(&h));
        }
    }

    #[test]
    fn worst_ranks_deny_over_unknown_over_allow_over_skip() {
        use Verdict::*;
        assert_eq!(worst([Allow, Skip].into_iter()), Allow);
        assert_eq!(worst([Allow, Unknown].into_iter()), Unknown);
        assert_eq!(worst([Unknown, Deny, Allow].into_iter()), Deny);
        assert_eq!(worst([Skip, Skip].into_iter()), Skip);
        assert_eq!(worst(std::iter::empty()), Skip);
    }

    #[test]
    fn long_id_lists_are_cut_with_a_count_and_the_deciding_id_leads() {
        let b = PathBox {
            stop: Stop::EndpointEni,
            rows: vec![
                vec!["eni-1".into()],
                vec!["sg-a".into(), "sg-b".into(), "sg-c".into()],
            ],
            names: Vec::new(),
            verdict: Verdict::Deny,
            hops: Stop::EndpointEni.hops().to_vec(),
            deciding: true,
            deciding_id: Some("sg-c".into()),
            lead: 1,
        };
        assert_eq!(b.row_lines(2), vec!["eni-1", "▶ sg-c, sg-a +1"]);
        let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(join_some(&ids, 2, "-"), "a, b +1");
        assert_eq!(join_some(&ids, 5, "-"), "a, b, c");
        assert_eq!(join_some(&[], 2, "-"), "-");
    }
}
