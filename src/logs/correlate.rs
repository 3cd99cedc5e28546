//! Which hops a parsed log line is evidence for, and when it contradicts a
//! hop's static verdict. Pure: the facts of the traced path come in as
//! [`PathFacts`]; no AWS call is made here.
//!
//! A line gives [`Finding`]s, each a [`Claim`] about a set of hops:
//!
//! * `Passed`: the request got through every hop of the set (a deny on one of
//!   them is contradicted);
//! * `Blocked`: one hop of the set stopped it (an allow is contradicted only
//!   when every hop of the set was judged allow or skipped; an `unknown`
//!   could be the one);
//! * `Seen`: the line concerns these hops and proves neither.
//!
//! The tables below name the rulebook section each row follows.

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::access::AccessRecord;
use super::execution::{ExecEvent, ExecRecord};
use super::flow::{FlowAction, FlowRecord};
use super::lambda::LambdaRecord;
use super::parsed::Parsed;
use crate::trace::{HopId, Verdict};

/// What the trace knows about its path, for matching log lines to it. Empty
/// lists mean "not known": lines are then not filtered on that fact.
#[derive(Debug, Clone, Default)]
pub struct PathFacts {
    /// The execute-api endpoints the request goes through (`vpce-…`).
    pub vpce_ids: Vec<String>,
    /// Their network interfaces (`eni-…`).
    pub vpce_enis: Vec<String>,
    /// Their private addresses.
    pub vpce_ips: Vec<IpAddr>,
    /// The client instance's network interfaces.
    pub client_enis: Vec<String>,
    /// The client instance's private addresses.
    pub client_ips: Vec<IpAddr>,
    pub api_id: Option<String>,
    pub stage: Option<String>,
    /// The traced request's method and resource (template `/pets/{petId}`
    /// or actual path `/pets/42`); a success for the same method and
    /// resource proves the API-side hops.
    pub method: Option<String>,
    pub resource_path: Option<String>,
    pub path: Option<String>,
    /// Lambda request ids of authorizer invocations
    /// (`$context.authorizer.requestId` from access lines): Lambda lines with
    /// these ids are authorization evidence, the others integration.
    pub authorizer_request_ids: RecentIds,
    /// API Gateway request ids of this client's lines for this method and
    /// resource (from access lines): only their execution-log lines can
    /// block or prove a hop; other requests' lines are only seen.
    pub request_ids: RecentIds,
    /// The integration request ids of those lines
    /// (`$context.integration.requestId`): for a Lambda backend, its
    /// invocation ids, so the function's lines of this request are told apart.
    pub integration_request_ids: RecentIds,
}

/// The newest ids seen (a thousand), for telling a line's request apart.
#[derive(Debug, Clone, Default)]
pub struct RecentIds {
    set: std::collections::HashSet<String>,
    order: std::collections::VecDeque<String>,
}

impl RecentIds {
    const KEEP: usize = 1_000;

    pub fn contains(&self, id: &str) -> bool {
        self.set.contains(id)
    }

    /// Remember `id`; the oldest is forgotten past a thousand.
    pub fn insert(&mut self, id: &str) {
        if self.set.contains(id) {
            return;
        }
        if self.order.len() >= Self::KEEP {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        self.set.insert(id.to_string());
        self.order.push_back(id.to_string());
    }
}

impl<S: AsRef<str>> FromIterator<S> for RecentIds {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> RecentIds {
        let mut ids = RecentIds::default();
        for id in iter {
            ids.insert(id.as_ref());
        }
        ids
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    Passed,
    Blocked,
    Seen,
}

/// One thing a line says about a set of hops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub claim: Claim,
    pub hops: Vec<HopId>,
    /// The rulebook section the finding follows (`§5.4`).
    pub rule: &'static str,
    /// One sentence, naming the line's values.
    pub why: String,
}

/// A finding's sentence, or nothing when only its claim is wanted (the
/// sentence is written only for a line that contradicts a verdict).
macro_rules! w {
    ($on:expr, $($arg:tt)*) => {
        if $on { format!($($arg)*) } else { String::new() }
    };
}

fn finding(claim: Claim, hops: &[HopId], rule: &'static str, why: String) -> Finding {
    Finding {
        claim,
        hops: hops.to_vec(),
        rule,
        why,
    }
}

use HopId as H;

/// Gateway response types (rulebook §5.3, §6) → the hops one of which
/// produced them, and whether that is a block by configuration (`Blocked`) or
/// only something that happened there (`Seen`: backend health, validation,
/// fallbacks, which a static trace does not decide, §7.8).
const RESPONSE_TYPES: &[(&str, Claim, &[HopId])] = &[
    (
        "ACCESS_DENIED",
        Claim::Blocked,
        &[H::EndpointPolicy, H::Authorization],
    ),
    ("API_CONFIGURATION_ERROR", Claim::Blocked, &[H::Integration]),
    (
        "AUTHORIZER_CONFIGURATION_ERROR",
        Claim::Blocked,
        &[H::Authorization],
    ),
    ("AUTHORIZER_FAILURE", Claim::Blocked, &[H::Authorization]),
    ("EXPIRED_TOKEN", Claim::Blocked, &[H::Authorization]),
    ("INVALID_SIGNATURE", Claim::Blocked, &[H::Authorization]),
    ("UNAUTHORIZED", Claim::Blocked, &[H::Authorization]),
    (
        "MISSING_AUTHENTICATION_TOKEN",
        Claim::Blocked,
        &[H::Stage, H::Authorization],
    ),
    ("INVALID_API_KEY", Claim::Blocked, &[H::ApiKey]),
    ("QUOTA_EXCEEDED", Claim::Blocked, &[H::ApiKey]),
    ("THROTTLED", Claim::Seen, &[H::ApiKey]),
    ("WAF_FILTERED", Claim::Blocked, &[H::Waf]),
    ("INTEGRATION_FAILURE", Claim::Seen, &[H::Integration]),
    ("INTEGRATION_TIMEOUT", Claim::Seen, &[H::Integration]),
    ("RESOURCE_NOT_FOUND", Claim::Seen, &[H::Stage]),
];

/// Access-log variables (by prefix) → the hops they describe (§5.1 table).
const ACCESS_FIELDS: &[(&str, &[HopId])] = &[
    ("context.identity.vpceId", &[H::Endpoint]),
    ("context.identity.vpcId", &[H::Endpoint]),
    ("context.identity.sourceIp", &[H::Endpoint]),
    ("context.tlsVersion", &[H::Endpoint]),
    ("context.domainName", &[H::Api]),
    ("context.apiId", &[H::Api]),
    ("context.stage", &[H::Stage]),
    ("context.resourcePath", &[H::Stage]),
    ("context.waf", &[H::Waf]),
    ("context.webaclArn", &[H::Waf]),
    ("context.authorize.", &[H::Authorization]),
    ("context.authenticate.", &[H::Authorization]),
    ("context.authorizer.", &[H::Authorization]),
    ("context.identity.apiKey", &[H::ApiKey]),
    ("context.integration", &[H::Integration]),
    ("context.awsEndpointRequestId", &[H::Integration]),
];

/// Everything a parsed line says about the path's hops.
pub fn findings(record: &Parsed, path: &PathFacts) -> Vec<Finding> {
    findings_with(record, path, true)
}

/// As [`findings`], without the sentences of access-line findings (their
/// claims and hops only): the fast path for lines that contradict nothing.
pub fn claims(record: &Parsed, path: &PathFacts) -> Vec<Finding> {
    findings_with(record, path, false)
}

fn findings_with(record: &Parsed, path: &PathFacts, why: bool) -> Vec<Finding> {
    match record {
        Parsed::Access(r) => access_findings(r, path, why),
        Parsed::Execution(r) => {
            let mut out = execution_findings(r);
            if !path.request_ids.contains(&r.request_id) {
                for f in &mut out {
                    f.claim = Claim::Seen;
                }
            }
            out
        }
        Parsed::Flow(r) => flow_findings(r, path),
        Parsed::Lambda(r) => lambda_findings(r, path),
        Parsed::Raw { .. } => Vec::new(),
    }
}

/// The hops a line is evidence for (sorted, each once).
pub fn hops_for(record: &Parsed, path: &PathFacts) -> Vec<HopId> {
    let set: BTreeSet<HopId> = findings(record, path)
        .into_iter()
        .flat_map(|f| f.hops)
        .collect();
    set.into_iter().collect()
}

/// Whether `record` contradicts the verdict the trace gave `hop`. `verdict_of`
/// answers for every hop of the trace (a `Blocked` finding is a contradiction
/// only if none of its hops could be the one that blocked). Returns the
/// sentence to show next to the hop.
pub fn contradicts(
    hop: HopId,
    verdict_of: impl Fn(HopId) -> Verdict,
    record: &Parsed,
    path: &PathFacts,
) -> Option<String> {
    contradiction_in(&findings(record, path), hop, verdict_of)
}

/// As [`contradicts`], over findings already made (a line's findings are
/// made once and asked about each of its hops).
pub fn contradiction_in(
    findings: &[Finding],
    hop: HopId,
    verdict_of: impl Fn(HopId) -> Verdict,
) -> Option<String> {
    let verdict = verdict_of(hop);
    findings.iter().find_map(|f| {
        if !f.hops.contains(&hop) {
            return None;
        }
        match (f.claim, verdict) {
            (Claim::Passed, Verdict::Deny) => {
                Some(format!("the trace says deny, but {} ({})", f.why, f.rule))
            }
            (Claim::Blocked, Verdict::Allow)
                if f.hops
                    .iter()
                    .all(|&h| matches!(verdict_of(h), Verdict::Allow | Verdict::Skip)) =>
            {
                Some(format!("the trace says allow, but {} ({})", f.why, f.rule))
            }
            _ => None,
        }
    })
}

fn ip_listed(list: &[IpAddr], s: Option<&str>) -> Option<bool> {
    let ip: IpAddr = s?.parse().ok()?;
    Some(list.contains(&ip))
}

fn access_findings(r: &AccessRecord, path: &PathFacts, why: bool) -> Vec<Finding> {
    let l = LineFacts::of(r);
    // Lines of another endpoint, API or stage are not about this path.
    if let Some(v) = l.vpce {
        if !path.vpce_ids.is_empty() && !path.vpce_ids.iter().any(|x| x == v) {
            return Vec::new();
        }
    }
    if let (Some(a), Some(b)) = (l.api, &path.api_id) {
        if a != b {
            return Vec::new();
        }
    }
    if let (Some(a), Some(b)) = (l.stage, &path.stage) {
        if a != b {
            return Vec::new();
        }
    }
    let mut out = Vec::new();
    let via = l.vpce.unwrap_or("an unlogged endpoint");
    let from_client = l.is_from_client(path);
    let our_vpce = l.our_vpce(path);

    // §5.1 interpretation rule: a logged request reached API Gateway, so the
    // stateful request-direction hops let it through. (NACLs and routes are
    // also on the return path, so a line does not prove them.)
    // The endpoint hop also judges the request's shape (TLS version, the
    // URL form under STRICT access mode), so only a line of this very
    // request proves it; another request through it is only seen.
    if our_vpce && from_client {
        out.push(finding(
            Claim::Seen,
            &[H::Endpoint],
            "§5.1",
            w!(why, "the access log shows a request arriving through {via}"),
        ));
        out.push(finding(
            Claim::Passed,
            &[H::SgEgress, H::SgEndpoint],
            "§5.1",
            w!(
                why,
                "the access log shows {} reaching API Gateway through {via}",
                l.ip.unwrap_or("the client")
            ),
        ));
    } else if our_vpce {
        out.push(finding(
            Claim::Seen,
            &[H::Endpoint],
            "§5.1",
            w!(why, "the access log shows a request arriving through {via}"),
        ));
    }

    // Another method or resource of the same stage (the client also sent a
    // POST, or asked for another path) proves the network side above but
    // says nothing about this request's API-side hops.
    let other_method = matches!(
        (&path.method, l.method),
        (Some(m), Some(rm)) if !m.eq_ignore_ascii_case(rm)
    );
    let other_path = match (path.path.as_deref(), l.path, l.resource_path) {
        (Some(p), Some(lp), _) => p != lp,
        // A resource path without parameters is the path itself.
        (Some(p), None, Some(rp)) if !rp.contains('{') => p != rp,
        _ => false,
    };
    if other_method || other_path {
        return out;
    }

    // Another client's lines (or lines whose client is not logged) prove
    // and block nothing here: another role or address may be treated
    // differently by every policy on the way.
    let ours = from_client || path.client_ips.is_empty();
    if !ours {
        for f in &mut out {
            f.claim = Claim::Seen;
        }
        out.extend(seen_fields(r));
        return out;
    }

    // A success for the traced method and resource proves the API side.
    let same_request = match (&path.method, l.method) {
        (Some(m), Some(rm)) => {
            m.eq_ignore_ascii_case(rm)
                && ((path.resource_path.is_some()
                    && path.resource_path.as_deref() == l.resource_path)
                    || (path.path.is_some() && path.path.as_deref() == l.path))
        }
        _ => false,
    };
    let status = r.status();
    if our_vpce && same_request && status.is_some_and(|s| (200..400).contains(&s)) {
        out.push(finding(
            Claim::Passed,
            &[
                H::Endpoint,
                H::EndpointPolicy,
                H::Api,
                H::Stage,
                H::Waf,
                H::Authorization,
                H::ApiKey,
                H::Integration,
            ],
            "§5.1",
            w!(
                why,
                "the access log shows {} {} answered {} through {via}",
                r.http_method().unwrap_or("?"),
                r.resource_path().or(r.path()).unwrap_or("?"),
                status.unwrap_or(0)
            ),
        ));
    }

    // §5.3: the gateway response that was sent.
    if let Some(ty) = r.error_response_type() {
        if let Some((_, claim, hops)) = RESPONSE_TYPES.iter().find(|(t, ..)| *t == ty) {
            let mut hops: &[HopId] = hops;
            // §6: the message tells the endpoint policy from the resource
            // policy, IAM and authorizer denials.
            if ty == "ACCESS_DENIED" {
                let msg = r.error_message().unwrap_or("");
                if msg.contains("VPC endpoint policy") {
                    hops = &[H::EndpointPolicy];
                } else if msg.contains("resource-based policy")
                    || msg.contains("identity-based policy")
                    || msg.contains("not authorized to access this resource")
                {
                    hops = &[H::Authorization];
                }
            }
            let status = status.map_or(std::borrow::Cow::Borrowed("-"), |s| s.to_string().into());
            let msg = r
                .error_message()
                .filter(|_| why)
                .map(|m| format!(" ({m})"))
                .unwrap_or_default();
            out.push(finding(
                *claim,
                hops,
                "§5.3",
                w!(why, "the access log shows {via} getting {status} {ty}{msg}"),
            ));
        }
    }

    // §5.1 H13 row: the authorisation steps' own results.
    for (step, st, err) in [
        ("authorize", r.authorize_status(), r.authorize_error()),
        (
            "authenticate",
            r.authenticate_status(),
            r.authenticate_error(),
        ),
        ("authorizer", r.authorizer_status(), r.authorizer_error()),
    ] {
        if st.is_some_and(|s| s >= 400) || err.is_some() {
            let st = st.map_or(std::borrow::Cow::Borrowed("-"), |s| s.to_string().into());
            out.push(finding(
                Claim::Blocked,
                &[H::Authorization],
                "§5.1",
                w!(
                    why,
                    "the access log shows the {step} step failing with {st} {}",
                    err.unwrap_or("")
                )
                .trim_end()
                .to_string(),
            ));
        }
    }
    // §5.1 H12 row.
    if matches!(r.waf_status(), Some("WAF_BLOCK")) {
        out.push(finding(
            Claim::Blocked,
            &[H::Waf],
            "§5.1",
            "the access log shows WAF_BLOCK".into(),
        ));
    }

    out.extend(seen_fields(r));
    out
}

/// Whether an access line is this client's request for the traced method
/// and resource through the path's endpoint (its request id then ties
/// execution-log lines to this request).
pub fn is_this_request(r: &AccessRecord, path: &PathFacts) -> bool {
    let l = LineFacts::of(r);
    let same_method =
        matches!((&path.method, l.method), (Some(m), Some(rm)) if m.eq_ignore_ascii_case(rm));
    let same_path = (path.resource_path.is_some()
        && path.resource_path.as_deref() == l.resource_path)
        || (path.path.is_some() && path.path.as_deref() == l.path);
    l.our_vpce(path)
        && l.is_from_client(path)
        && same_method
        && same_path
        && l.api
            .is_none_or(|a| path.api_id.as_deref().is_none_or(|b| a == b))
        && l.stage
            .is_none_or(|a| path.stage.as_deref().is_none_or(|b| a == b))
}

/// The values of an access line the correlation reads more than once,
/// looked up once.
struct LineFacts<'r> {
    vpce: Option<&'r str>,
    ip: Option<&'r str>,
    api: Option<&'r str>,
    stage: Option<&'r str>,
    method: Option<&'r str>,
    resource_path: Option<&'r str>,
    path: Option<&'r str>,
}

impl<'r> LineFacts<'r> {
    fn of(r: &'r AccessRecord) -> LineFacts<'r> {
        LineFacts {
            vpce: r.vpce_id(),
            ip: r.source_ip(),
            api: r.api_id(),
            stage: r.stage(),
            method: r.http_method(),
            resource_path: r.resource_path(),
            path: r.path(),
        }
    }

    fn our_vpce(&self, path: &PathFacts) -> bool {
        self.vpce
            .is_some_and(|v| path.vpce_ids.iter().any(|x| x == v))
    }

    fn is_from_client(&self, path: &PathFacts) -> bool {
        !path.client_ips.is_empty() && ip_listed(&path.client_ips, self.ip) == Some(true)
    }
}

/// Every variable an access line has: evidence for its hop (§5.1 table).
fn seen_fields(r: &AccessRecord) -> Option<Finding> {
    // The fields and the prefixes are both sorted: one walk over the two
    // finds each prefix some field starts with.
    static SORTED: std::sync::OnceLock<Vec<(&'static str, &'static [HopId])>> =
        std::sync::OnceLock::new();
    let prefixes = SORTED.get_or_init(|| {
        let mut v = ACCESS_FIELDS.to_vec();
        v.sort_by_key(|(p, _)| *p);
        v
    });
    let mut seen: BTreeSet<HopId> = BTreeSet::new();
    let mut keys = r.fields.keys().peekable();
    for (prefix, hops) in prefixes {
        while keys.peek().is_some_and(|k| &***k < *prefix) {
            keys.next();
        }
        if keys.peek().is_some_and(|k| k.starts_with(prefix)) {
            seen.extend(hops.iter().copied());
        }
    }
    (!seen.is_empty()).then(|| Finding {
        claim: Claim::Seen,
        hops: seen.into_iter().collect(),
        rule: "§5.1",
        why: "the access log has values for these hops".into(),
    })
}

/// Execution-log events (rulebook §5.2) → hops. Authorizer lines go to
/// authorization, API key and usage plan lines to the API key hop, the rest
/// to the integration.
fn execution_findings(r: &ExecRecord) -> Vec<Finding> {
    use ExecEvent as E;
    let id = &r.request_id;
    let (claim, hops, why): (Claim, &[HopId], String) = match &r.event {
        E::InvalidLambdaPermissions => (
            Claim::Blocked,
            &[H::Integration, H::Authorization],
            format!("request {id}: API Gateway may not invoke the Lambda function"),
        ),
        E::CannotAssumeRole { role_arn } => (
            Claim::Blocked,
            &[H::Integration, H::Authorization],
            format!(
                "request {id}: API Gateway cannot assume {}",
                role_arn.as_deref().unwrap_or("the credentials role")
            ),
        ),
        E::AuthorizerConfigError(m) => (
            Claim::Blocked,
            &[H::Authorization],
            format!("request {id}: authorizer configuration error: {m}"),
        ),
        E::AuthorizerDenied => (
            Claim::Seen,
            &[H::Authorization],
            format!("request {id}: the authorizer refused the request"),
        ),
        E::AuthorizerStarted { .. } | E::AuthorizerSucceeded => (
            Claim::Seen,
            &[H::Authorization],
            format!("request {id}: authorizer step"),
        ),
        E::UsagePlanVerifying
        | E::ApiKeyCheck {
            authorized: true, ..
        } => (
            Claim::Seen,
            &[H::ApiKey],
            format!("request {id}: API key / usage plan step"),
        ),
        E::UsagePlanCheck { ok, detail } => (
            Claim::Seen,
            &[H::ApiKey],
            format!(
                "request {id}: usage plan check {} {detail}",
                if *ok { "succeeded" } else { "failed" }
            ),
        ),
        E::ApiKeyCheck {
            authorized: false,
            detail,
        } => (
            Claim::Blocked,
            &[H::ApiKey],
            format!("request {id}: {detail}"),
        ),
        E::Timeout => (
            Claim::Seen,
            &[H::Integration],
            format!("request {id}: the integration timed out"),
        ),
        E::MethodCompleted { status } => (
            Claim::Seen,
            &[H::Integration],
            format!("request {id}: method completed with status {status}"),
        ),
        _ => (
            Claim::Seen,
            &[H::Integration],
            format!("request {id}: integration step"),
        ),
    };
    vec![finding(claim, hops, "§5.2", why)]
}

/// Flow records (rulebook §5.4) → network hops, by ENI and direction.
fn flow_findings(r: &FlowRecord, path: &PathFacts) -> Vec<Finding> {
    if !r.has_traffic() || !r.is_tcp() {
        return Vec::new();
    }
    let Some(action) = r.action else {
        return Vec::new();
    };
    let eni = r.interface_id.as_deref().unwrap_or("");
    let on_vpce = !eni.is_empty() && path.vpce_enis.iter().any(|e| e == eni);
    let on_client = !eni.is_empty() && path.client_enis.iter().any(|e| e == eni);
    let is_vpce = |a: Option<IpAddr>| a.is_some_and(|a| path.vpce_ips.contains(&a));
    let is_client = |a: Option<IpAddr>| a.is_some_and(|a| path.client_ips.contains(&a));
    // Request: client → endpoint:443. Reply: endpoint:443 → client.
    let request = r.dstport == Some(443)
        && (is_vpce(r.dstaddr) || (on_vpce && path.vpce_ips.is_empty()))
        && (path.client_ips.is_empty() || is_client(r.srcaddr));
    let reply = r.srcport == Some(443)
        && (is_vpce(r.srcaddr) || (on_vpce && path.vpce_ips.is_empty()))
        && (path.client_ips.is_empty() || is_client(r.dstaddr));
    if !request && !reply {
        return Vec::new();
    }
    let flow = format!(
        "{} {}:{} → {}:{} {}",
        if eni.is_empty() { "?" } else { eni },
        r.srcaddr
            .map(|a| a.to_string())
            .unwrap_or_else(|| "-".into()),
        r.srcport
            .map(|p| p.to_string())
            .unwrap_or_else(|| "-".into()),
        r.dstaddr
            .map(|a| a.to_string())
            .unwrap_or_else(|| "-".into()),
        r.dstport
            .map(|p| p.to_string())
            .unwrap_or_else(|| "-".into()),
        if action == FlowAction::Accept {
            "ACCEPT"
        } else {
            "REJECT"
        },
    );
    // (on the endpoint ENI?, on the client ENI?, request?, action) → what
    // the record proves. NACLs and routes work on both directions, so a
    // request that got through proves them only once its reply did too.
    let table: &[(Claim, &[HopId])] = match (on_vpce, on_client, request, action) {
        // §5.4: a REJECT of the request on the endpoint ENI is its subnet's
        // NACL inbound (H6.1) or its security group (H7).
        (true, _, true, FlowAction::Reject) => {
            &[(Claim::Blocked, &[H::NaclEndpoint, H::SgEndpoint])]
        }
        (true, _, true, FlowAction::Accept) => &[
            (Claim::Passed, &[H::SgEndpoint]),
            (Claim::Seen, &[H::Route, H::NaclEndpoint]),
        ],
        // §5.4: a REJECT of the reply leaving the endpoint is the endpoint
        // subnet's NACL outbound (H6.2); security groups are stateful.
        (true, _, false, FlowAction::Reject) => &[(Claim::Blocked, &[H::NaclEndpoint])],
        (true, _, false, FlowAction::Accept) => {
            &[(Claim::Passed, &[H::NaclEndpoint, H::SgEndpoint])]
        }
        // On the client ENI: the request leaving is its SG egress (H4) or its
        // subnet's NACL outbound (H5.1); the reply arriving is the client
        // NACL inbound (H5.2).
        (false, true, true, FlowAction::Reject) => {
            &[(Claim::Blocked, &[H::SgEgress, H::NaclClient])]
        }
        (false, true, true, FlowAction::Accept) => &[
            (Claim::Passed, &[H::SgEgress]),
            (Claim::Seen, &[H::Route, H::NaclClient]),
        ],
        (false, true, false, FlowAction::Reject) => &[(Claim::Blocked, &[H::NaclClient])],
        (false, true, false, FlowAction::Accept) => {
            &[(Claim::Passed, &[H::Route, H::SgEgress, H::NaclClient])]
        }
        // An ENI not known to be on the path, but addresses that are: the
        // record is about this path's traffic and proves nothing by itself.
        (false, false, _, _) => &[(
            Claim::Seen,
            &[
                H::Route,
                H::SgEgress,
                H::NaclClient,
                H::NaclEndpoint,
                H::SgEndpoint,
            ],
        )],
    };
    let what = if request { "request" } else { "reply" };
    table
        .iter()
        .map(|(claim, hops)| {
            finding(
                *claim,
                hops,
                "§5.4",
                format!("the flow log shows the {what} {flow}"),
            )
        })
        .collect()
}

/// Lambda lines → the integration hop, or authorization for an authorizer's
/// invocation (by request id).
fn lambda_findings(r: &LambdaRecord, path: &PathFacts) -> Vec<Finding> {
    let authorizer = r
        .request_id
        .as_ref()
        .is_some_and(|id| path.authorizer_request_ids.contains(id));
    let hop = if authorizer {
        H::Authorization
    } else {
        H::Integration
    };
    // This request's own invocation of its backend: API Gateway could
    // invoke the function (H15), whatever the function then did.
    let ours = !authorizer
        && r.request_id
            .as_ref()
            .is_some_and(|id| path.integration_request_ids.contains(id));
    let what = if authorizer {
        "authorizer "
    } else if ours {
        "this request's "
    } else {
        ""
    };
    let why = match (&r.request_id, r.is_failure()) {
        (Some(id), true) => format!("{what}invocation {id} failed"),
        (None, true) => "the function failed".to_string(),
        (Some(id), false) => format!("{what}invocation {id}"),
        (None, false) => "function log".to_string(),
    };
    let claim = if ours { Claim::Passed } else { Claim::Seen };
    let why = if ours {
        format!("the function's log shows {why}: API Gateway invoked it")
    } else {
        why
    };
    vec![finding(claim, &[hop], "§5.2", why)]
}

#[cfg(test)]
#[path = "correlate_tests.rs"]
mod tests;
