//! Which API, stage and deployed method a request reaches (rulebook §1.1,
//! §1.2, H11.3): the API id (or private custom domain and base path
//! mapping), the stage, the route in the deployed `apiSummary` (`{param}`
//! for one segment, `{proxy+}` greedy, `ANY` as the fallback method), and
//! the execute-api ARNs that policies see.
//!
//! A request that cannot be followed stops at a `Miss`, owned by the hop whose
//! check fails (H10 `api` or H11 `stage`): that hop reports it, the later hops
//! say they are not evaluable because of it.

use crate::model::apigw::{Deployment, DomainName, Method, MethodSnapshot, RestApi, Stage};
use crate::trace::response::GatewayResponseType;

use super::ctx::not_evaluable;
use super::ctx::{Ctx, Gate};
use super::evidence::{Deciding, ResourceKind as K, ResourceRef};
use super::hop::{Hop, HopId, Response, Verdict};
use super::request::target::Form;

/// Why the request cannot be followed to a method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    /// The hop whose check fails here: `api` (H10) or `stage` (H11).
    pub at: HopId,
    /// `Deny` when API Gateway refuses the request there, `Unknown` when the
    /// snapshot lacks what is needed to follow it.
    pub verdict: Verdict,
    pub check: &'static str,
    pub reason: String,
    pub deciding: Deciding,
    /// What the client gets when it is refused there.
    pub response: Option<Response>,
}

impl Miss {
    fn blocked(
        at: HopId,
        check: &'static str,
        reason: String,
        deciding: Deciding,
        response: Response,
    ) -> Box<Miss> {
        Box::new(Miss {
            at,
            verdict: Verdict::Deny,
            check,
            reason,
            deciding,
            response: Some(response),
        })
    }
    fn unknown(at: HopId, check: &'static str, reason: String, deciding: Deciding) -> Box<Miss> {
        Box::new(Miss {
            at,
            verdict: Verdict::Unknown,
            check,
            reason,
            deciding,
            response: None,
        })
    }

    /// The result of `hop`: the miss itself when `hop` owns it, else why
    /// `hop` cannot be evaluated.
    pub fn hop(&self, hop: HopId, check: &'static str) -> Hop {
        if hop == self.at {
            let h = Hop::new(hop, self.verdict, self.check, self.reason.clone())
                .deciding(self.deciding.clone());
            return match &self.response {
                Some(r) => h.symptom(r.symptom()).respond(r.clone()),
                None => h,
            };
        }
        match self.verdict {
            Verdict::Deny => not_evaluable(hop, &format!("{} ({})", self.reason, self.at)),
            _ => Hop::new(
                hop,
                Verdict::Unknown,
                check,
                format!("cannot evaluate: {}", self.reason),
            )
            .deciding(self.deciding.clone()),
        }
    }
}

/// 403 `{"message":"Forbidden"}`: a request API Gateway cannot place (a
/// wrong stage; an API that is not private or whose default endpoint is
/// off) (rulebook §6). No `x-amzn-ErrorType` or gateway response type is
/// documented for these; no stage's access log records a wrong stage.
pub fn forbidden() -> Response {
    Response {
        error_type: None,
        ..Response::http(403, "", "Forbidden", None).logged(Some(false))
    }
}

/// 403 `ForbiddenException` `{"message":"Forbidden"}`: the endpoint's own
/// DNS name with neither `Host` nor `x-apigw-api-id` (H10.1); no API is
/// identified, so nothing is logged.
pub fn forbidden_exception() -> Response {
    Response::http(403, "ForbiddenException", "Forbidden", None).logged(Some(false))
}

/// 403 `MissingAuthenticationTokenException`: no such resource or method in
/// the deployment (gateway response `MISSING_AUTHENTICATION_TOKEN`, H11.3).
pub fn missing_token() -> Response {
    Response::http(
        403,
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
        Some(GatewayResponseType::MissingAuthenticationToken),
    )
}

/// The API and stage a request names, before looking at the deployment.
#[derive(Debug, Clone)]
pub struct ApiCall<'w> {
    pub api_id: String,
    /// `None` when the API is not in the snapshot (another account?).
    pub api: Option<&'w RestApi>,
    /// The private custom domain (forms D and D').
    pub domain: Option<&'w DomainName>,
    pub stage: String,
    /// The resource path as requested, after the stage (or base path): `/pets/42`.
    pub path: String,
    /// The API owner's account, when known.
    pub account: Option<String>,
    pub partition: String,
    pub region: String,
}

impl ApiCall<'_> {
    /// `arn:{p}:execute-api:{region}:{acct}:{api}/{stage}/{VERB}/{path}`
    /// (rulebook §1.2; the root resource keeps its trailing slash).
    pub fn method_arn(&self, verb: &str) -> Option<String> {
        let acct = self.account.as_deref()?;
        Some(format!(
            "arn:{}:execute-api:{}:{}:{}/{}/{}/{}",
            self.partition,
            self.region,
            acct,
            self.api_id,
            self.stage,
            verb.to_ascii_uppercase(),
            self.path.trim_start_matches('/')
        ))
    }
}

/// The `execute-api-domain` resource of a private custom domain (SAR-EXECAPI):
/// `arn:{p}:execute-api:{region}:{acct}:/domainnames/{name}+{id}`.
pub fn domain_arn(d: &DomainName, partition: &str, region: &str, account: &str) -> Option<String> {
    let id = d.domain_name_id.as_deref()?;
    // The management ARN names the owner: arn:aws:apigateway:{region}:{acct}:/domainnames/...
    let owner = d
        .domain_name_arn
        .as_deref()
        .and_then(|a| a.split(':').nth(4))
        .filter(|a| !a.is_empty())
        .unwrap_or(account);
    Some(format!(
        "arn:{partition}:execute-api:{region}:{owner}:/domainnames/{}+{id}",
        d.domain_name
    ))
}

/// The API, stage and path the request names.
pub(crate) fn api_call<'w>(ctx: &Ctx<'w>) -> Result<ApiCall<'w>, Box<Miss>> {
    let w = ctx.world;
    let partition = w.snap.partition.clone();
    let region = ctx.region.clone();
    let segments: Vec<&str> = ctx
        .req
        .path
        .trim_start_matches('/')
        .splitn(2, '/')
        .collect();
    let first = segments.first().copied().unwrap_or("");
    let rest = format!("/{}", segments.get(1).copied().unwrap_or(""));
    if ctx.target.form.is_custom_domain() {
        let name = ctx.target.custom_domain.clone().unwrap_or_default();
        let Some(domain) = custom_domain(ctx) else {
            return Err(Miss::unknown(
                HopId::Api,
                "H10.4",
                format!(
                    "custom domain {name} is not in the snapshot, so the API behind it is unknown"
                ),
                Deciding::field("apigateway:GetDomainNames", &name, "").missing(),
            ));
        };
        // H10.4 (d): a multi-level base path needs routing rules, which are
        // not documented for private domains.
        if let Some(m) = domain.base_path_mappings.iter().find(|m| {
            m.base_path.as_deref().is_some_and(|b| {
                let b = b.trim_matches('/');
                let p = ctx.req.path.trim_start_matches('/');
                // Whole segments only: `v1/pets` covers `v1/pets/x`, not `v1/petsx`.
                b.contains('/')
                    && p.strip_prefix(b)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
        }) {
            return Err(Miss::unknown(
                HopId::Api,
                "H10.4",
                format!(
                    "{name} has the multi-level base path {}; how a private domain routes it is not documented",
                    m.base_path.as_deref().unwrap_or("")
                ),
                Deciding::field("apigateway:GetBasePathMappings", &name, "basePath")
                    .with_value(m.base_path.as_deref().unwrap_or("")),
            ));
        }
        let is_empty = |b: &Option<String>| {
            b.as_deref()
                .is_none_or(|b| b.is_empty() || b == "(none)" || b == "/")
        };
        let (mapping, path) = match domain
            .base_path_mappings
            .iter()
            .find(|m| !is_empty(&m.base_path) && m.base_path.as_deref() == Some(first))
        {
            Some(m) => (m, rest),
            None => match domain
                .base_path_mappings
                .iter()
                .find(|m| is_empty(&m.base_path))
            {
                Some(m) => (m, ctx.req.path.clone()),
                None if domain
                    .unread
                    .iter()
                    .any(|c| c == "apigateway:GetBasePathMappings") =>
                {
                    let why = ctx
                        .world
                        .snap
                        .why_unread("apigateway:GetBasePathMappings", &domain.domain_name);
                    return Err(Miss::unknown(
                        HopId::Api,
                        "H10.4",
                        format!("the base path mappings of {name} could not be read ({why}), so which API /{first} reaches is unknown"),
                        Deciding::field("apigateway:GetBasePathMappings", &name, "").missing(),
                    ));
                }
                None => {
                    return Err(Miss::blocked(
                        HopId::Api,
                        "H10.4",
                        format!("no base path mapping of {name} matches /{first}"),
                        Deciding::field("apigateway:GetBasePathMappings", &name, "basePath")
                            .with_detail(format!("(none matches /{first})")),
                        // No API is identified, so no stage logs it (§5.1).
                        missing_token().logged(Some(false)),
                    ));
                }
            },
        };
        let Some(stage) = mapping.stage.clone() else {
            return Err(Miss::unknown(
                HopId::Api,
                "H10.4",
                format!("the base path mapping of {name} names no stage"),
                Deciding::field("apigateway:GetBasePathMappings", &name, "stage").missing(),
            ));
        };
        let api = w.rest_api(&mapping.rest_api_id);
        return Ok(ApiCall {
            api_id: mapping.rest_api_id.clone(),
            api,
            domain: Some(domain),
            stage,
            path,
            account: api.map(|a| {
                a.owner_account
                    .clone()
                    .unwrap_or_else(|| w.snap.account.clone())
            }),
            partition,
            region,
        });
    }
    let Some(api_id) = ctx.target.api_id.clone().filter(|a| !a.is_empty()) else {
        if ctx.target.form == Form::APrime {
            // Documented only for the endpoint's own DNS name (forms C, C').
            return Err(Miss::unknown(
                HopId::Api,
                "H10.1",
                format!(
                    "{} names no API and the request has no x-apigw-api-id header; what API Gateway answers is not documented",
                    ctx.req.host
                ),
                Deciding::text("request header x-apigw-api-id (absent)"),
            ));
        }
        return Err(Miss::blocked(
            HopId::Api,
            "H10.1",
            "the request names no API".into(),
            Deciding::text(format!(
                "request host {} with no Host or x-apigw-api-id header naming an API",
                ctx.req.host
            )),
            forbidden_exception(),
        ));
    };
    if first.is_empty() {
        return Err(Miss::blocked(
            HopId::Stage,
            "H11.1",
            "the URL has no stage segment".into(),
            Deciding::text(format!("request URL path {}", ctx.req.path)),
            forbidden(),
        ));
    }
    let api = w.rest_api(&api_id);
    Ok(ApiCall {
        api_id,
        api,
        domain: None,
        stage: first.to_string(),
        path: rest,
        account: api.map(|a| {
            a.owner_account
                .clone()
                .unwrap_or_else(|| w.snap.account.clone())
        }),
        partition,
        region,
    })
}

/// The route `verb path` takes in a deployment's `apiSummary`: (template,
/// method key, deployed method). `None` when nothing matches.
pub fn route_in<'d>(
    d: &'d Deployment,
    path: &str,
    verb: &str,
) -> Option<(&'d str, &'d str, &'d MethodSnapshot)> {
    let summary = d.api_summary.as_ref()?;
    let template = match_template(summary.keys().map(String::as_str), path)?;
    let (key, _) = summary.get_key_value(template)?;
    let methods = &summary[template];
    let (k, m) = methods
        .get_key_value(verb)
        .or_else(|| methods.get_key_value("ANY"))?;
    Some((key.as_str(), k.as_str(), m))
}

/// The methods a request for `verb path` on `stage` of `api` may reach, as
/// (resource path, method key) pairs: the route in the `apiSummary` of the
/// stage's deployment and of its canary's, and, when one of those or its
/// `apiSummary` is not at hand, the route among the live resources (the
/// method named `verb`, else `ANY`). Discovery reads the integrations and
/// authorizers of these only.
pub fn methods_reached(
    api: &RestApi,
    stage: &str,
    path: &str,
    verb: &str,
) -> std::collections::BTreeSet<(String, String)> {
    let mut out = std::collections::BTreeSet::new();
    let verb = verb.to_ascii_uppercase();
    let Some(st) = api.stages.iter().find(|s| s.stage_name == stage) else {
        return out;
    };
    let deployed = st.deployment_id.iter().chain(
        st.canary_settings
            .iter()
            .flat_map(|cs| cs.deployment_id.iter()),
    );
    let mut live = false;
    for id in deployed {
        match api
            .deployments
            .iter()
            .find(|d| &d.id == id && d.api_summary.is_some())
        {
            Some(d) => {
                if let Some((template, key, _)) = route_in(d, path, &verb) {
                    out.insert((template.to_string(), key.to_string()));
                }
            }
            None => live = true,
        }
    }
    if live {
        let template = match_template(api.resources.iter().map(|r| r.path.as_str()), path);
        if let Some(r) = template.and_then(|t| api.resources.iter().find(|r| r.path == t)) {
            let key = [verb.as_str(), "ANY"]
                .into_iter()
                .find(|k| r.resource_methods.contains_key(*k));
            if let Some(k) = key {
                out.insert((r.path.clone(), k.to_string()));
            }
        }
    }
    out
}

/// The private custom domain a form D/D' request names. With several of that
/// name (one per owner account), the one associated with the endpoint the
/// request reaches.
pub(crate) fn custom_domain<'w>(ctx: &Ctx<'w>) -> Option<&'w DomainName> {
    let w = ctx.world;
    let name = ctx.target.custom_domain.as_deref()?;
    let domains: Vec<&DomainName> = w.domain_names(name).collect();
    let associated = |d: &&DomainName| match (ctx.gate(), d.domain_name_arn.as_deref()) {
        (Gate::Endpoint(ep), Some(arn)) => w
            .domain_associations_for_vpce(&ep.vpc_endpoint_id)
            .any(|a| a.domain_name_arn == arn),
        _ => false,
    };
    domains
        .iter()
        .find(|d| d.is_private() && associated(d))
        .or_else(|| domains.iter().find(|d| d.is_private()))
        .or(domains.first())
        .copied()
}

/// The deployed method a request reaches.
#[derive(Debug, Clone)]
pub struct Route<'w> {
    pub call: ApiCall<'w>,
    pub api: &'w RestApi,
    pub stage: &'w Stage,
    pub deployment: &'w Deployment,
    /// The resource template that matched: `/pets/{petId}`.
    pub template: String,
    /// The method key in `apiSummary`: the request verb or `ANY`.
    pub method_key: String,
    pub snapshot: &'w MethodSnapshot,
    /// The live method (`GetResources`), for what `apiSummary` lacks
    /// (`authorizerId`).
    pub live: Option<&'w Method>,
}

impl Route<'_> {
    /// The stage and deployment the request goes through (the API itself is
    /// recorded by each hop first).
    pub fn resources_read(&self) -> [ResourceRef; 2] {
        [
            ResourceRef {
                kind: K::Stage,
                id: format!("{}/{}", self.api.id, self.stage.stage_name),
                name: Some(self.stage.stage_name.clone()),
            },
            ResourceRef::new(K::Deployment, &self.deployment.id),
        ]
    }
    pub fn is_any(&self) -> bool {
        self.method_key == "ANY"
    }
}

/// Why an API is not in the world: not read (yet), or not in this account.
pub(crate) fn api_missing(ctx: &Ctx, id: &str) -> String {
    match ctx.unread("rest_apis", "apigateway:GetRestApis") {
        Some(unread) => format!("API {id} is not in the snapshot: {unread}"),
        None => format!("API {id} is not in the snapshot (it may belong to another account)"),
    }
}

/// Follow the request to its deployed method.
pub(crate) fn resolve<'w>(
    ctx: &Ctx<'w>,
    call: &Result<ApiCall<'w>, Box<Miss>>,
) -> Result<Route<'w>, Box<Miss>> {
    let call = call.clone()?;
    let Some(api) = call.api else {
        return Err(Miss::unknown(
            HopId::Api,
            "H10.2",
            api_missing(ctx, &call.api_id),
            Deciding::field("apigateway:GetRestApi", &call.api_id, "").missing(),
        ));
    };
    let id = &api.id;
    let Some(stage) = api.stages.iter().find(|s| s.stage_name == call.stage) else {
        // The stages could not be read: a missing one proves nothing.
        if api.unread.iter().any(|c| c == "apigateway:GetStages") {
            let why = ctx.world.snap.why_unread("apigateway:GetStages", id);
            return Err(Miss::unknown(
                HopId::Stage,
                "H11.1",
                format!(
                    "the stages of {id} could not be read ({why}), so whether stage {} exists is unknown",
                    call.stage
                ),
                Deciding::field("apigateway:GetStages", id, "").missing(),
            ));
        }
        return Err(Miss::blocked(
            HopId::Stage,
            "H11.1",
            format!("stage {} does not exist on {id}", call.stage),
            Deciding::field("apigateway:GetStages", id, "item[].stageName")
                .with_detail(format!("(no {})", call.stage)),
            forbidden(),
        ));
    };
    let Some(dep_id) = stage.deployment_id.as_deref() else {
        return Err(Miss::unknown(
            HopId::Stage,
            "H11.2",
            format!("stage {} of {id} names no deployment", call.stage),
            Deciding::field(
                "apigateway:GetStage",
                "",
                format!("{id}/{} deploymentId", call.stage),
            )
            .missing(),
        ));
    };
    let Some(deployment) = api.deployments.iter().find(|d| d.id == dep_id) else {
        return Err(Miss::unknown(
            HopId::Stage,
            "H11.2",
            format!("deployment {dep_id} of {id} is not in the snapshot"),
            Deciding::field("apigateway:GetDeployment", id, dep_id).missing(),
        ));
    };
    let Some(summary) = &deployment.api_summary else {
        return Err(Miss::unknown(
            HopId::Stage,
            "H11.2",
            format!("the apiSummary of deployment {dep_id} was not captured"),
            Deciding::field(
                "apigateway:GetDeployment",
                id,
                format!("{dep_id} apiSummary"),
            )
            .missing(),
        ));
    };
    let Some(template) = match_template(summary.keys().map(String::as_str), &call.path) else {
        return Err(Miss::blocked(
            HopId::Stage,
            "H11.3",
            format!("no resource matches {} in deployment {dep_id}", call.path),
            Deciding::field(
                "apigateway:GetDeployment",
                id,
                format!("{dep_id} apiSummary"),
            )
            .with_detail(format!("(no resource matches {})", call.path)),
            missing_token(),
        ));
    };
    let methods = &summary[template];
    let verb = ctx.req.method.to_ascii_uppercase();
    let (method_key, snapshot) = match methods.get(&verb) {
        Some(m) => (verb.clone(), m),
        None => match methods.get("ANY") {
            Some(m) => ("ANY".to_string(), m),
            None => {
                return Err(Miss::blocked(
                    HopId::Stage,
                    "H11.3",
                    format!("{template} has no {verb} or ANY method in deployment {dep_id}"),
                    Deciding::field(
                        "apigateway:GetDeployment",
                        id,
                        format!("{dep_id} apiSummary[{template}]"),
                    )
                    .with_detail(format!("(no {verb} or ANY)")),
                    missing_token(),
                ))
            }
        },
    };
    let live = api
        .resources
        .iter()
        .find(|r| r.path == template)
        .and_then(|r| r.resource_methods.get(&method_key));
    Ok(Route {
        template: template.to_string(),
        method_key,
        snapshot,
        live,
        api,
        stage,
        deployment,
        call,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Seg {
    Greedy,
    Param,
    Literal,
}

fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// How `template` matches `path`, segment by segment, or `None`.
fn match_one(template: &str, path: &[&str]) -> Option<Vec<Seg>> {
    let t = segments(template);
    let mut out = Vec::with_capacity(t.len());
    for (i, seg) in t.iter().enumerate() {
        if seg.starts_with('{') && seg.ends_with("+}") {
            // Greedy: the last segment, taking one or more path segments.
            return (i == t.len() - 1 && path.len() > i).then(|| {
                out.push(Seg::Greedy);
                out
            });
        }
        let p = path.get(i)?;
        if seg.starts_with('{') && seg.ends_with('}') {
            out.push(Seg::Param);
        } else if seg == p {
            out.push(Seg::Literal);
        } else {
            return None;
        }
    }
    (t.len() == path.len()).then_some(out)
}

/// The most specific resource template matching `path`: literal segments
/// beat `{param}`, which beats `{proxy+}`, from the left.
pub fn match_template<'a>(templates: impl Iterator<Item = &'a str>, path: &str) -> Option<&'a str> {
    let p = segments(path);
    templates
        .filter_map(|t| match_one(t, &p).map(|score| (score, t)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, t)| t)
}

/// The deployed route of a private API for hops 13 and 14, or the hop that
/// says why it cannot be evaluated (no endpoint, no route, not private).
pub(crate) fn private_route<'r, 'w>(
    hop: HopId,
    check: &'static str,
    ctx: &Ctx<'w>,
    route: &'r Result<Route<'w>, Box<Miss>>,
) -> Result<&'r Route<'w>, Box<Hop>> {
    if let Some(h) = ctx.gate().past_endpoint(hop) {
        return Err(Box::new(h));
    }
    let not_evaluable = |why: &str| not_evaluable(hop, why);
    let r = match route {
        Ok(r) => r,
        Err(m) => return Err(Box::new(m.hop(hop, check))),
    };
    if !r.api.is_private() {
        let id = &r.api.id;
        let h = if r.api.endpoint_configuration.types.is_empty() {
            not_evaluable(&format!("the endpoint type of {id} was not captured (api)"))
        } else {
            not_evaluable(&format!("{id} is not a private API (api)"))
        };
        return Err(Box::new(h.read(K::RestApi, id)));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::{match_template, methods_reached};
    use crate::model::apigw::{
        CanarySettings, Deployment, Method, MethodSnapshot, Resource, RestApi, Stage,
    };
    use std::collections::{BTreeMap, BTreeSet};

    fn deployment(id: &str, routes: Option<&[(&str, &str)]>) -> Deployment {
        let mut summary: BTreeMap<String, BTreeMap<String, MethodSnapshot>> = BTreeMap::new();
        for (path, verb) in routes.unwrap_or_default() {
            summary
                .entry(path.to_string())
                .or_default()
                .insert(verb.to_string(), MethodSnapshot::default());
        }
        Deployment {
            id: id.into(),
            api_summary: routes.map(|_| summary),
            ..Default::default()
        }
    }

    fn resource(path: &str, verbs: &[&str]) -> Resource {
        Resource {
            id: path.into(),
            path: path.into(),
            resource_methods: verbs
                .iter()
                .map(|v| (v.to_string(), Method::default()))
                .collect(),
            ..Default::default()
        }
    }

    fn set(v: &[(&str, &str)]) -> BTreeSet<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn methods_reached_follow_the_deployments_then_the_live_resources() {
        let mut api = RestApi {
            id: "a1".into(),
            stages: vec![Stage {
                stage_name: "prod".into(),
                deployment_id: Some("d1".into()),
                canary_settings: Some(CanarySettings {
                    deployment_id: Some("d2".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            deployments: vec![
                deployment("d1", Some(&[("/pets/{id}", "GET"), ("/{proxy+}", "ANY")])),
                deployment("d2", Some(&[("/pets/{id}", "ANY")])),
            ],
            // Live, /pets/mine exists now: not deployed, so not reached.
            resources: vec![
                resource("/pets/{id}", &["GET", "ANY"]),
                resource("/pets/mine", &["GET"]),
            ],
            ..Default::default()
        };
        // The stage's and the canary's deployed routes.
        assert_eq!(
            methods_reached(&api, "prod", "/pets/mine", "get"),
            set(&[("/pets/{id}", "GET"), ("/pets/{id}", "ANY")])
        );
        assert_eq!(methods_reached(&api, "dev", "/pets/1", "GET"), set(&[]));
        // A deployment without its apiSummary: the live route too.
        api.deployments[1] = deployment("d2", None);
        assert_eq!(
            methods_reached(&api, "prod", "/pets/mine", "GET"),
            set(&[("/pets/{id}", "GET"), ("/pets/mine", "GET")])
        );
        assert_eq!(
            methods_reached(&api, "prod", "/pets/1", "POST"),
            set(&[("/pets/{id}", "ANY")])
        );
    }

    #[test]
    fn templates() {
        let t = [
            "/",
            "/pets",
            "/pets/{petId}",
            "/pets/mine",
            "/{proxy+}",
            "/files/{key+}",
        ];
        let m = |p| match_template(t.iter().copied(), p);
        assert_eq!(m("/"), Some("/"));
        assert_eq!(m(""), Some("/"));
        assert_eq!(m("/pets"), Some("/pets"));
        assert_eq!(m("/pets/"), Some("/pets"));
        assert_eq!(m("/pets/42"), Some("/pets/{petId}"));
        assert_eq!(m("/pets/mine"), Some("/pets/mine"));
        assert_eq!(m("/pets/42/toys"), Some("/{proxy+}"));
        assert_eq!(m("/files/a/b"), Some("/files/{key+}"));
        assert_eq!(m("/other"), Some("/{proxy+}"));
        let t2 = ["/pets"];
        assert_eq!(match_template(t2.iter().copied(), "/dogs"), None);
    }
}
