//! Who is affected: one request traced from every running instance
//! (`reach --to`), or one instance traced to every deployed method it could
//! call (`reach --from`), grouped by verdict, the hop that decided and the
//! deciding field. Pure, like `trace`: threads, no I/O.
//!
//! Instances whose client facts (subnet, security groups, role, OS, H1's
//! verdict) are equal and whose addresses fall in the same class of the
//! world's CIDR blocks give the same verdicts, so one trace stands for the
//! whole class. A class whose deciding field names its representative's
//! own id, interface or address is traced member by member instead.

pub mod share;

use std::collections::HashMap;

use serde::Serialize;

use crate::model::ec2::Instance;
use crate::model::World;
use crate::trace::{self, HopId, Overall, Request, Trace, Verdict};
use share::Sensitivity;
use trace::shared::{Memo, Sharing};

pub const REACH_SCHEMA: &str = "hoptrace.reach/v1";

/// How one trace ended, as reach groups it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Outcome {
    pub verdict: Overall,
    /// The first hop that denies.
    pub first_block: Option<HopId>,
    /// The hop that decided the verdict: the first block, else the first
    /// unknown hop; `None` when reachable.
    pub hop: Option<HopId>,
    /// That hop's deciding field (its reason when it names no field).
    pub deciding: String,
    /// Which hops are unknown, deny, or deny for some addresses only:
    /// `check` needs them to tell whether a block at one hop could have
    /// happened at another; `reach` does not group by them.
    #[serde(skip)]
    pub sets: HopSets,
}

/// Sets of hops (bits of [`HopId::index`]) that decide where a request
/// may stop, beyond the verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct HopSets {
    /// Unknown, or skipped because an earlier hop failed (never worked out).
    pub unknown: u16,
    /// Deny.
    pub denies: u16,
    /// Deny for some of the endpoint's addresses only ([`trace::Hop::partial`]).
    pub partial: u16,
}

impl HopSets {
    /// The sets of a trace. What comes after the hop where the last
    /// address is blocked cannot matter and is left out, so that such
    /// outcomes group together.
    pub fn of(hops: &[trace::Hop]) -> HopSets {
        let bits = |keep: &dyn Fn(&trace::Hop) -> bool| {
            hops.iter()
                .filter(|h| keep(h))
                .fold(0u16, |set, h| set | 1 << h.hop.index())
        };
        let mut s = HopSets {
            unknown: bits(&|h| h.verdict == Verdict::Unknown || h.not_evaluated()),
            denies: bits(&|h| h.verdict == Verdict::Deny),
            partial: bits(&|h| h.verdict == Verdict::Deny && h.partial),
        };
        if let Some(first) = hops.iter().find(|h| h.verdict == Verdict::Deny) {
            // Where the last request stops: at the first deny; with denies
            // that differ by address (only ever among the network hops),
            // at the first hop that denies them all, else at the end of the
            // network hops, since every address is blocked there.
            let end = if first.partial {
                hops.iter()
                    .find(|h| h.verdict == Verdict::Deny && !h.partial)
                    .map_or(HopId::SgEndpoint, |h| h.hop.min(HopId::SgEndpoint))
            } else {
                first.hop
            };
            let upto = (1u16 << (end.index() + 1)) - 1;
            s.unknown &= upto;
            s.denies &= upto;
            s.partial &= upto;
        }
        s
    }
    pub fn unknown(&self, h: HopId) -> bool {
        self.unknown & (1 << h.index()) != 0
    }
    pub fn denies(&self, h: HopId) -> bool {
        self.denies & (1 << h.index()) != 0
    }
    pub fn partial(&self, h: HopId) -> bool {
        self.partial & (1 << h.index()) != 0
    }
    /// The first unknown hop before `h`.
    pub fn unknown_before(&self, h: HopId) -> Option<HopId> {
        HopId::ALL.into_iter().find(|&x| x < h && self.unknown(x))
    }
}

impl Outcome {
    pub fn of(t: &Trace) -> Outcome {
        Outcome::of_hops(&t.hops)
    }
    /// The outcome of a trace with these hops.
    pub fn of_hops(hops: &[trace::Hop]) -> Outcome {
        let verdict = trace::overall(hops);
        let decided = match verdict {
            Overall::Blocked => hops.iter().find(|h| h.verdict == Verdict::Deny),
            Overall::Undetermined => hops.iter().find(|h| h.verdict == Verdict::Unknown),
            Overall::Reachable => None,
        };
        Outcome {
            verdict,
            first_block: hops
                .iter()
                .find(|h| h.verdict == Verdict::Deny)
                .map(|h| h.hop),
            hop: decided.map(|h| h.hop),
            sets: HopSets::of(hops),
            deciding: decided
                .map(|h| {
                    if h.deciding.is_empty() {
                        h.reason.clone()
                    } else {
                        h.deciding.to_string()
                    }
                })
                .unwrap_or_default(),
        }
    }
}

/// A member's outcome, with the decisive hop's reason when the member was
/// traced itself (not stood for by its class's representative).
#[derive(Debug, Clone)]
pub struct Traced {
    pub outcome: Outcome,
    pub reason: Option<String>,
}

impl Traced {
    fn of(r: Result<Trace, trace::TraceError>) -> Traced {
        match r {
            Ok(t) => {
                let outcome = Outcome::of(&t);
                let reason = outcome
                    .hop
                    .map(|h| t.hops[h.index()].reason.clone())
                    .unwrap_or_default();
                Traced {
                    outcome,
                    reason: Some(reason),
                }
            }
            // Cannot happen for an instance of the world it came from, but
            // is never a verdict of its own.
            Err(e) => Traced {
                outcome: Outcome {
                    verdict: Overall::Undetermined,
                    first_block: None,
                    hop: Some(HopId::Instance),
                    deciding: e.to_string(),
                    sets: HopSets {
                        unknown: 1 << HopId::Instance.index(),
                        ..HopSets::default()
                    },
                },
                reason: Some(e.to_string()),
            },
        }
    }
}

/// One member of a group: an instance (`--to`) or a method (`--from`).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Member {
    Instance {
        instance: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        vpc: String,
        subnet: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        ip: Option<String>,
    },
    Method {
        api: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        api_name: Option<String>,
        stage: String,
        /// The method as deployed (`ANY` included).
        method: String,
        /// The deployed resource path (a template).
        resource: String,
        /// The method the request was traced with (`GET` for `ANY`).
        request_method: String,
        url: String,
    },
}

impl Member {
    /// The instance id or `METHOD url`: what identifies the member.
    pub fn label(&self) -> String {
        match self {
            Member::Instance { instance, .. } => instance.clone(),
            Member::Method {
                request_method,
                url,
                ..
            } => format!("{request_method} {url}"),
        }
    }
    /// The name to show beside the label.
    pub fn name(&self) -> Option<&str> {
        match self {
            Member::Instance { name, .. } => name.as_deref(),
            Member::Method { api_name, .. } => api_name.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub verdict: Overall,
    pub first_block: Option<HopId>,
    pub hop: Option<HopId>,
    pub deciding: String,
    /// The members' hop sets ([`Outcome::sets`]); always empty in
    /// `reach`'s own groups, which do not split by them.
    #[serde(skip)]
    pub sets: HopSets,
    /// One member traced on its own and the decisive hop's reason for it
    /// (reasons name the member's own address and id).
    #[serde(serialize_with = "example")]
    pub example: Option<(String, String)>,
    pub count: usize,
    pub members: Vec<Member>,
}

impl Group {
    /// `blocked at sg-endpoint`, `undetermined at stage`, `reachable`.
    pub fn title(&self) -> String {
        match (self.verdict, self.hop) {
            (Overall::Reachable, _) | (_, None) => self.verdict.as_str().to_string(),
            (v, Some(h)) => format!("{} at {h}", v.as_str()),
        }
    }
}

/// `1204` as `1,204`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn example<S: serde::Serializer>(e: &Option<(String, String)>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    match e {
        None => s.serialize_none(),
        Some((member, reason)) => {
            let mut m = s.serialize_map(Some(2))?;
            m.serialize_entry("member", member)?;
            m.serialize_entry("reason", reason)?;
            m.end()
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Query {
    /// Every running instance (in `vpcs`, when given) to one request.
    To {
        method: String,
        url: String,
        headers: Vec<(String, String)>,
        auth: &'static str,
        tls: &'static str,
        vpcs: Vec<String>,
    },
    /// One instance to every deployed method it could call.
    From { instance: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct Reach {
    pub schema: &'static str,
    pub query: Query,
    pub total: usize,
    /// Instances not traced because they are not running (`--to`).
    pub skipped_not_running: usize,
    pub groups: Vec<Group>,
    pub stats: ReachStats,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReachStats {
    /// Requests evaluated (members).
    pub traces: usize,
    /// Parts of the evaluation (DNS, each per-address network result, the
    /// API side) computed, and taken from another client's evaluation.
    pub parts_evaluated: usize,
    pub parts_reused: usize,
    pub threads: usize,
    pub elapsed_ms: u64,
}

impl Reach {
    /// Whether any member is blocked.
    pub fn any_blocked(&self) -> bool {
        self.groups.iter().any(|g| g.verdict == Overall::Blocked)
    }
    pub fn count(&self, v: Overall) -> usize {
        self.groups
            .iter()
            .filter(|g| g.verdict == v)
            .map(|g| g.count)
            .sum()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReachError {
    #[error("instance {0} is not in the snapshot")]
    UnknownInstance(String),
    #[error("VPC {0} is not in the snapshot")]
    UnknownVpc(String),
}

fn name_of(i: &Instance) -> Option<String> {
    i.tags
        .iter()
        .find(|t| t.key == "Name")
        .map(|t| t.value.clone())
}

pub fn vpc_of(world: &World, i: &Instance) -> String {
    i.vpc_id
        .clone()
        .or_else(|| {
            i.subnet_id
                .as_deref()
                .and_then(|s| world.subnet(s))
                .map(|s| s.vpc_id.clone())
        })
        .unwrap_or_default()
}

pub fn is_running(i: &Instance) -> bool {
    i.state.name.eq_ignore_ascii_case("running")
}

/// Trace `req` (its `from` is replaced) from every running instance, in
/// `vpcs` when not empty, and group them.
pub fn reach_to(world: &World, req: &Request, vpcs: &[String]) -> Result<Reach, ReachError> {
    reach_to_with(world, req, vpcs, share::threads())
}

/// [`reach_to`] on `threads` threads.
pub fn reach_to_with(
    world: &World,
    req: &Request,
    vpcs: &[String],
    threads: usize,
) -> Result<Reach, ReachError> {
    let started = std::time::Instant::now();
    let mut unique: Vec<String> = Vec::with_capacity(vpcs.len());
    for v in vpcs {
        if !unique.contains(v) {
            unique.push(v.clone());
        }
    }
    let vpcs = &unique[..];
    for v in vpcs {
        if world.vpc(v).is_none() {
            return Err(ReachError::UnknownVpc(v.clone()));
        }
    }
    let in_scope: Vec<&Instance> = world
        .snap
        .instances
        .iter()
        .filter(|i| vpcs.is_empty() || vpcs.contains(&vpc_of(world, i)))
        .collect();
    let sens = Sensitivity::of(world);
    let mut r = reach_scope(world, req, &in_scope, vpcs, threads, &sens, Purpose::Reach);
    // The whole computation, the world's sensitivity included.
    r.stats.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(r)
}

/// Trace `req` (its `from` is replaced) from each running instance of
/// `instances`, and group them, on all cores: what `hoptrace check` asks
/// for each intent's selected instances. `sens` is [`Sensitivity::of`]
/// the world, made once for many calls. The groups carry no example (no
/// member is traced a second time on its own), and members with different
/// hop sets are in different groups ([`Group::sets`]).
pub fn reach_instances(
    world: &World,
    req: &Request,
    instances: &[&Instance],
    sens: &Sensitivity,
) -> Reach {
    reach_scope(
        world,
        req,
        instances,
        &[],
        share::threads(),
        sens,
        Purpose::Check,
    )
}

/// Who the grouping is for: `reach` (an example trace per group, grouped
/// by outcome) or `check` (no examples, grouped by hop sets too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Reach,
    Check,
}

fn reach_scope(
    world: &World,
    req: &Request,
    in_scope: &[&Instance],
    vpcs: &[String],
    threads: usize,
    sens: &Sensitivity,
    purpose: Purpose,
) -> Reach {
    let started = std::time::Instant::now();
    let running: Vec<&Instance> = in_scope.iter().copied().filter(|i| is_running(i)).collect();
    let classes = |ip| sens.class(ip);
    let sharing = Sharing {
        classes: &classes,
        policies_read_address: sens.policies_read_address,
        session_named: sens.session_named,
    };
    // Neighbours share the most (same VPC and subnet): evaluate them one
    // after the other, so that they land on the same thread's memo.
    let mut order: Vec<usize> = (0..running.len()).collect();
    order.sort_by_cached_key(|&n| {
        let i = running[n];
        (vpc_of(world, i), i.subnet_id.clone())
    });
    let (sorted, counts) = share::par_map_with(
        &order,
        threads,
        || Memo::new(&sharing),
        |memo, &n| Outcome::of_hops(&trace::shared::hops_shared(world, req, running[n], memo)),
        |memo| (memo.evaluated, memo.reused),
    );
    let mut outcomes: Vec<Option<Outcome>> = vec![None; running.len()];
    for (n, o) in order.into_iter().zip(sorted) {
        outcomes[n] = Some(o);
    }
    let members = running.iter().zip(outcomes).map(|(i, o)| {
        let o = o.expect("every instance was evaluated");
        (
            Traced {
                outcome: o,
                reason: None,
            },
            Member::Instance {
                instance: i.instance_id.clone(),
                name: name_of(i),
                vpc: vpc_of(world, i),
                subnet: i.subnet_id.clone().unwrap_or_default(),
                ip: i.private_ip_address.clone(),
            },
        )
    });
    let mut groups = group(members, purpose == Purpose::Check);
    // Each group's example: its first member traced on its own, so the
    // reason names that member.
    let examples = share::par_map(&groups, threads, |g| {
        if g.verdict == Overall::Reachable || purpose == Purpose::Check {
            return None;
        }
        let mut r = req.clone();
        r.from = g.members[0].label();
        let t = Traced::of(trace::run(world, &r));
        t.reason.map(|why| (r.from, why))
    });
    for (g, e) in groups.iter_mut().zip(examples) {
        g.example = e;
    }
    Reach {
        schema: REACH_SCHEMA,
        query: Query::To {
            method: req.method.clone(),
            url: req.url.clone(),
            headers: req.headers.clone(),
            auth: req.auth.as_str(),
            tls: req.tls.as_str(),
            vpcs: vpcs.to_vec(),
        },
        total: running.len(),
        skipped_not_running: in_scope.len() - running.len(),
        groups,
        stats: ReachStats {
            traces: running.len(),
            parts_evaluated: counts.iter().map(|c| c.0).sum(),
            parts_reused: counts.iter().map(|c| c.1).sum(),
            threads,
            elapsed_ms: started.elapsed().as_millis() as u64,
        },
    }
}

/// A deployed method an instance could call: the request to trace and the member it stands for.
pub struct Target {
    pub request: Request,
    pub member: Member,
}

/// A concrete path for a deployed route template: each `{param}` and
/// greedy `{proxy+}` becomes `sample`.
pub fn sample_path(template: &str) -> String {
    template
        .split('/')
        .map(|seg| {
            if seg.starts_with('{') && seg.ends_with('}') {
                "sample"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every deployed method of every API in `world`, as requests from `from`:
/// each stage's deployment's routes (its `apiSummary`; the API's current
/// resources when the deployment's routes were not read).
pub fn targets(world: &World, from: &str) -> Vec<Target> {
    let region = &world.snap.region;
    let mut out = Vec::new();
    for api in &world.snap.rest_apis {
        for stage in &api.stages {
            let deployed = stage
                .deployment_id
                .as_deref()
                .and_then(|d| api.deployments.iter().find(|x| x.id == d))
                .and_then(|d| d.api_summary.as_ref());
            let routes: Vec<(String, String)> = match deployed {
                Some(summary) => summary
                    .iter()
                    .flat_map(|(path, methods)| {
                        methods.keys().map(move |m| (path.clone(), m.clone()))
                    })
                    .collect(),
                None => api
                    .resources
                    .iter()
                    .flat_map(|r| {
                        r.resource_methods
                            .keys()
                            .map(move |m| (r.path.clone(), m.clone()))
                    })
                    .collect(),
            };
            for (path, method) in routes {
                let verb = if method.eq_ignore_ascii_case("ANY") {
                    "GET".to_string()
                } else {
                    method.to_ascii_uppercase()
                };
                let sample = sample_path(&path);
                let url = format!(
                    "https://{}.execute-api.{region}.amazonaws.com/{}{}",
                    api.id,
                    stage.stage_name,
                    if sample == "/" { "" } else { sample.as_str() }
                );
                let Ok(request) =
                    Request::new(from, &verb, &url, &[], false, trace::TlsVersion::V1_2)
                else {
                    continue;
                };
                out.push(Target {
                    request,
                    member: Member::Method {
                        api: api.id.clone(),
                        api_name: api.name.clone(),
                        stage: stage.stage_name.clone(),
                        method,
                        resource: path,
                        request_method: verb,
                        url,
                    },
                });
            }
        }
    }
    out
}

/// Trace `from` to every deployed method it could call, and group them.
pub fn reach_from(world: &World, from: &str) -> Result<Reach, ReachError> {
    let started = std::time::Instant::now();
    if world.instance(from).is_none() {
        return Err(ReachError::UnknownInstance(from.to_string()));
    }
    let threads = share::threads();
    let targets = targets(world, from);
    let outs = share::par_map(&targets, threads, |t| {
        Traced::of(trace::run(world, &t.request))
    });
    let n = targets.len();
    let groups = group(
        outs.into_iter().zip(targets.into_iter().map(|t| t.member)),
        false,
    );
    Ok(Reach {
        schema: REACH_SCHEMA,
        query: Query::From {
            instance: from.to_string(),
        },
        total: n,
        skipped_not_running: 0,
        groups,
        stats: ReachStats {
            traces: n,
            parts_evaluated: 0,
            parts_reused: 0,
            threads,
            elapsed_ms: started.elapsed().as_millis() as u64,
        },
    })
}

/// Groups by outcome: blocked first, then undetermined, then reachable;
/// within each, the biggest group first; members sorted by label.
/// `s` with every whole occurrence of `token` (not part of a longer id or
/// address) replaced by `with`.
fn replace_token(s: &str, token: &str, with: &str) -> String {
    if token.is_empty() {
        return s.to_string();
    }
    let part = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':';
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(token) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + token.len()..].chars().next();
        out.push_str(&rest[..i]);
        if before.is_some_and(part) || after.is_some_and(part) {
            out.push_str(token);
        } else {
            out.push_str(with);
        }
        rest = &rest[i + token.len()..];
    }
    out.push_str(rest);
    out
}

/// The deciding field with the member's own instance id and address put
/// as `<instance>` and `<address>`, so that one cause read from each
/// member's own record ("i-0abc IamInstanceProfile (absent)", "no route
/// matches 10.1.1.20") is one group.
pub fn impersonal(mut o: Outcome, m: &Member) -> Outcome {
    if let Member::Instance { instance, ip, .. } = m {
        o.deciding = replace_token(&o.deciding, instance, "<instance>");
        if let Some(ip) = ip {
            o.deciding = replace_token(&o.deciding, ip, "<address>");
        }
    }
    o
}

/// Group members by outcome; by their hop sets too when `by_sets`.
fn group(items: impl Iterator<Item = (Traced, Member)>, by_sets: bool) -> Vec<Group> {
    let mut at: HashMap<Outcome, usize> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    for (Traced { outcome: o, reason }, m) in items {
        let mut o = impersonal(o, &m);
        if !by_sets {
            o.sets = HopSets::default();
        }
        match at.get(&o) {
            Some(&g) => {
                let g = &mut groups[g];
                if g.example.is_none() {
                    g.example = reason.map(|r| (m.label(), r));
                }
                g.count += 1;
                g.members.push(m);
            }
            None => {
                at.insert(o.clone(), groups.len());
                groups.push(Group {
                    verdict: o.verdict,
                    first_block: o.first_block,
                    hop: o.hop,
                    deciding: o.deciding,
                    sets: o.sets,
                    example: reason.map(|r| (m.label(), r)),
                    count: 1,
                    members: vec![m],
                });
            }
        }
    }
    let rank = |v: Overall| match v {
        Overall::Blocked => 0,
        Overall::Undetermined => 1,
        Overall::Reachable => 2,
    };
    for g in &mut groups {
        g.members.sort_by_key(|a| a.label());
    }
    groups.sort_by(|a, b| {
        rank(a.verdict)
            .cmp(&rank(b.verdict))
            .then(b.count.cmp(&a.count))
            .then(a.hop.cmp(&b.hop))
            .then(a.deciding.cmp(&b.deciding))
    });
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_replaced_only_whole() {
        assert_eq!(
            replace_token("no route matches 10.1.1.2 or 10.1.1.20", "10.1.1.2", "<a>"),
            "no route matches <a> or 10.1.1.20"
        );
        assert_eq!(
            replace_token("i-0abc IamInstanceProfile; i-0abcd", "i-0abc", "<i>"),
            "<i> IamInstanceProfile; i-0abcd"
        );
    }
}
