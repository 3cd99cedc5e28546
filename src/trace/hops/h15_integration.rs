//! H15: the integration behind the deployed method (rulebook H15). A MOCK
//! answers by itself; a Lambda integration needs API Gateway to be allowed
//! to invoke the function (its resource policy for the method's source ARN,
//! or a credentials role); an HTTP integration over the internet cannot
//! reach a private address. What cannot be decided offline (a backend's
//! health, a VPC link's load balancer, a service integration's role) is
//! `unknown`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::model::apigw::{Integration, RestApi};
use crate::policy::{Caller, RequestContext};
use crate::trace::ctx::Ctx;
use crate::trace::evidence::{Deciding, ResourceKind as K, ResourceRef};
use crate::trace::hop::{Hop, HopId, Response, Verdict};
use crate::trace::hops::h13_authorization::role_decision;
use crate::trace::hops::lambda::{
    assume_role, lambda_of_uri, may_invoke, split_qualifier, Invoker, Plumbing,
};
use crate::trace::resolve::{private_route, Miss, Route};
use crate::trace::response::GatewayResponseType;

const HOP: HopId = HopId::Integration;

/// 500 `{"message": "Internal server error"}`: API Gateway cannot invoke the
/// backend (gateway response `API_CONFIGURATION_ERROR`, rulebook §6).
fn internal_error() -> Response {
    Response::http(
        500,
        "InternalServerErrorException",
        "Internal server error",
        Some(GatewayResponseType::ApiConfigurationError),
    )
}

pub(super) fn evaluate<'w>(ctx: &Ctx<'w>, route: &Result<Route<'w>, Box<Miss>>) -> Hop {
    let r = match private_route(HOP, "H15", ctx, route) {
        Ok(r) => r,
        Err(h) => return *h,
    };
    let api = &r.api.id;
    let field = Deciding::field(
        "apigateway:GetResources",
        api,
        format!("{} {} methodIntegration", r.template, r.method_key),
    );
    let Some(integ) = r.live.and_then(|m| m.method_integration.as_ref()) else {
        return Hop::new(
            HOP,
            Verdict::Unknown,
            "H15",
            format!(
                "the integration of {} {} is not in the snapshot",
                r.method_key, r.template
            ),
        )
        .deciding(field.missing())
        .read(K::RestApi, api);
    };
    let Some(kind) = integ
        .integration_type
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(str::to_ascii_uppercase)
    else {
        return Hop::new(
            HOP,
            Verdict::Unknown,
            "H15",
            "the integration's type was not captured",
        )
        .deciding(field.with_subpath("type").missing())
        .read(K::RestApi, api);
    };
    // Stage variables in the URI or the VPC link id are resolved from the
    // stage; a canary may override them for its share of the requests.
    let resolved = match with_stage_variables(integ, &r.stage.variables) {
        Ok(i) => i,
        Err(name) => return undefined_variable(r, &kind, integ, &name, field),
    };
    let hop = backend(ctx, r, &resolved, &kind, field.clone());
    let hop = match canary_variant(r, integ) {
        Some((pct, Ok(canary))) if canary.uri != resolved.uri
            || canary.connection_id != resolved.connection_id =>
        {
            let other = backend(ctx, r, &canary, &kind, field.clone());
            let overrides = Deciding::field(
                "apigateway:GetStage",
                format!("{}/{}", r.api.id, r.stage.stage_name),
                "canarySettings.stageVariableOverrides",
            );
            with_canary(hop, other, &pct, &canary, overrides, backend_check(&kind, integ))
        }
        Some((pct, Err(name))) => hop
            .decide(Verdict::Unknown, backend_check(&kind, integ))
            .reason(format!(
                "intermittent: the canary ({pct}) overrides the stage variables, and ${{stageVariables.{name}}} is then undefined"
            )),
        _ => hop,
    };
    let hop = if kind == "AWS" || kind == "HTTP" {
        hop.note("H15.5: a non-proxy integration maps the backend's answer through integration and method responses; a status with no mapping gives 500 (not checked)")
    } else {
        hop
    };
    let read = vec![
        ResourceRef::new(K::RestApi, api),
        ResourceRef::new(
            K::Integration,
            format!("{api}/{}{}", r.method_key, r.template),
        ),
    ];
    hop.preceded_by(read, Vec::new())
        .note("the integration is read from the live method (GetResources); a change not yet deployed to the stage is not told apart")
}

/// The backend behind one (resolved) integration.
fn backend(ctx: &Ctx, r: &Route, integ: &Integration, kind: &str, field: Deciding) -> Hop {
    let uri = integ.uri.as_deref().unwrap_or("");
    match kind {
        "MOCK" => Hop::new(
            HOP,
            Verdict::Allow,
            "H15",
            format!(
                "{} {} has a MOCK integration: API Gateway answers without a backend",
                r.method_key, r.template
            ),
        )
        .deciding(field.with_subpath("type").with_value("MOCK")),
        "AWS_PROXY" | "AWS" if lambda_of_uri(uri).is_some() => {
            lambda(ctx, r, integ, lambda_of_uri(uri).unwrap_or_default(), field)
        }
        "AWS_PROXY" => Hop::new(
            HOP,
            Verdict::Unknown,
            "H15.1",
            format!("an AWS_PROXY integration whose URI is not a Lambda invocation URI: {uri:?}"),
        )
        .deciding(field.with_subpath("uri").with_value(uri)),
        "HTTP" | "HTTP_PROXY" => http(ctx, r.api, integ, field),
        "AWS" => aws_service(ctx, integ, field),
        other => Hop::new(
            HOP,
            Verdict::Unknown,
            "H15",
            format!("integration type {other:?} is not one the rulebook describes"),
        )
        .deciding(field.with_subpath("type").with_value(other)),
    }
}

/// The rulebook check for an integration of this type: Lambda (H15.1),
/// HTTP and VPC links (H15.3), AWS services (H15.4).
fn backend_check(kind: &str, integ: &Integration) -> &'static str {
    match kind {
        _ if lambda_of_uri(integ.uri.as_deref().unwrap_or("")).is_some() => "H15.1",
        "AWS_PROXY" => "H15.1",
        "AWS" => "H15.4",
        "HTTP" | "HTTP_PROXY" => "H15.3",
        _ => "H15",
    }
}

/// `${stageVariables.name}` in the URI and the connection id, replaced by
/// the stage's values; `Err(name)` for a variable the stage does not define.
fn with_stage_variables(
    integ: &Integration,
    vars: &BTreeMap<String, String>,
) -> Result<Integration, String> {
    let mut out = integ.clone();
    for slot in [&mut out.uri, &mut out.connection_id] {
        if let Some(text) = slot.as_deref() {
            *slot = Some(substitute(text, vars)?);
        }
    }
    Ok(out)
}

/// `text` with each `${stageVariables.name}` replaced; `Err(name)` for the
/// first variable `vars` does not define.
pub fn substitute(text: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    const OPEN: &str = "${stageVariables.";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i]);
        let after = &rest[i + OPEN.len()..];
        let Some(close) = after.find('}') else {
            // Not a complete reference: keep it as written.
            out.push_str(&rest[i..]);
            return Ok(out);
        };
        let name = &after[..close];
        out.push_str(vars.get(name).ok_or_else(|| name.to_string())?);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn undefined_variable(
    r: &Route,
    kind: &str,
    integ: &Integration,
    name: &str,
    field: Deciding,
) -> Hop {
    Hop::new(
        HOP,
        Verdict::Unknown,
        backend_check(kind, integ),
        format!(
            "the integration uses ${{stageVariables.{name}}}, which stage {} does not define; what API Gateway then calls is not documented",
            r.stage.stage_name
        ),
    )
    .deciding(
        Deciding::field(
            "apigateway:GetStage",
            format!("{}/{}", r.api.id, r.stage.stage_name),
            format!("variables.{name}"),
        )
        .missing(),
    )
    .note(format!("the integration is {}", field))
    .read(K::Stage, format!("{}/{}", r.api.id, r.stage.stage_name))
}

/// The integration as the canary's requests see it, when the stage has a
/// canary that overrides stage variables.
fn canary_variant(r: &Route, integ: &Integration) -> Option<(String, Result<Integration, String>)> {
    let c = r.stage.canary_settings.as_ref()?;
    if c.stage_variable_overrides.is_empty() {
        return None;
    }
    let mut vars = r.stage.variables.clone();
    vars.extend(c.stage_variable_overrides.clone());
    let pct = c
        .percent_traffic
        .map(|p| format!("{p}% of requests"))
        .unwrap_or_else(|| "a share of requests not captured".into());
    Some((pct, with_stage_variables(integ, &vars)))
}

/// The stage's and the canary's answers: the same verdict stands; different
/// ones make the hop intermittent.
fn with_canary(
    main: Hop,
    canary: Hop,
    pct: &str,
    integ: &Integration,
    overrides: Deciding,
    check: &'static str,
) -> Hop {
    let target = integ
        .connection_id
        .as_deref()
        .filter(|_| integ.connection_type.as_deref() == Some("VPC_LINK"))
        .or(integ.uri.as_deref())
        .unwrap_or("");
    if main.verdict == canary.verdict {
        return main.note(format!(
            "the canary ({pct}) overrides stage variables and calls {target}: {} too ({})",
            canary.verdict.as_str(),
            canary.reason
        ));
    }
    let reason = format!(
        "intermittent: with the stage's variables this hop is {} ({}); the canary's {pct} call {target} and it is {} ({})",
        main.verdict.as_str(),
        main.reason,
        canary.verdict.as_str(),
        canary.reason
    );
    main.decide(Verdict::Unknown, check)
        .reason(reason)
        .deciding(overrides)
}

/// H15.1: API Gateway must be allowed to invoke the function.
fn lambda(ctx: &Ctx, r: &Route, integ: &Integration, fn_arn: &str, field: Deciding) -> Hop {
    let w = ctx.world;
    let account = r
        .call
        .account
        .clone()
        .unwrap_or_else(|| w.snap.account.clone());
    // The source ARN names the resource template; its region is the
    // function's when the two differ.
    let fn_region = fn_arn
        .split(':')
        .nth(3)
        .filter(|x| !x.is_empty())
        .unwrap_or(&ctx.region);
    let template = r.template.trim_start_matches('/');
    let source = |verb: &str| {
        format!(
            "arn:{}:execute-api:{fn_region}:{account}:{}/{}/{verb}/{template}",
            w.snap.partition, r.api.id, r.stage.stage_name
        )
    };
    let verb = ctx.req.method.to_ascii_uppercase();
    // An ANY method: which verb API Gateway presents is disputed (H15.1).
    let sources = if r.is_any() {
        vec![source(&verb), source("ANY")]
    } else {
        vec![source(&r.method_key)]
    };
    let who = Invoker {
        role_owner: "the integration's",
        function: "the function",
        role_field: field.clone().with_subpath("credentials"),
    };
    if let Some(h) = missing_function(ctx, fn_arn, &field) {
        return h;
    }
    let mut evidence = Vec::new();
    let plumbing = match integ.credentials.as_deref() {
        Some(c) if c.contains(":user/*") => Plumbing::Unknown(
            format!("the integration passes the caller's identity through ({c}): the caller's permission to invoke {fn_arn} is not evaluated"),
            field.clone().with_subpath("credentials").with_value(c),
        ),
        creds => may_invoke(ctx, fn_arn, creds, &sources, &account, &who, &mut evidence),
    };
    let (unqualified, _) = split_qualifier(fn_arn);
    let hop = match plumbing {
        Plumbing::Ok(text, f) => Hop::new(HOP, Verdict::Allow, "H15.1", text).deciding(f),
        Plumbing::Broken(reason, f) => Hop::new(
            HOP,
            Verdict::Deny,
            "H15.1",
            format!("API Gateway cannot invoke Lambda: {reason}"),
        )
        .deciding(f)
        .symptom(internal_error().symptom())
        .respond(internal_error())
        .note(if reason.contains("cannot assume") {
            format!("execution log: Execution failed due to configuration error: API Gateway does not have permission to assume the provided role {}; access log $context.error.responseType API_CONFIGURATION_ERROR", integ.credentials.as_deref().unwrap_or(""))
        } else {
            "execution log: Execution failed due to configuration error: Invalid permissions on Lambda function; access log $context.error.responseType API_CONFIGURATION_ERROR".to_string()
        }),
        Plumbing::Unknown(reason, f) => {
            Hop::new(HOP, Verdict::Unknown, "H15.1", reason).deciding(f)
        }
    };
    let hop = hop.read(K::Lambda, &unqualified).policies(evidence);
    let hop = match integ.credentials.as_deref() {
        Some(c) if !c.contains(":user/*") => hop.note("SCPs (and RCPs) of the role's organization are not evaluated: a member account cannot read them (rulebook §4.7)"),
        _ => hop,
    };
    timeout_note(ctx, hop, integ, &unqualified)
}

/// The integration names a function in this account and region that the
/// snapshot does not hold, although it holds the account's functions: the
/// invocation fails (500).
fn missing_function(ctx: &Ctx, fn_arn: &str, field: &Deciding) -> Option<Hop> {
    let w = ctx.world;
    let (unqualified, qualifier) = split_qualifier(fn_arn);
    let mut parts = unqualified.split(':');
    let (region, account) = (parts.nth(3)?, parts.next()?);
    let here = region == w.snap.region && account == w.snap.account;
    let absent = w.lambda_function(&unqualified).is_none()
        && w.lambda_policy(&unqualified, qualifier.as_deref())
            .is_none()
        && w.lambda_policy(&unqualified, None).is_none();
    // A failed Lambda read (AccessDenied, throttling) is not a missing
    // function: this function's own read, recorded with its ARN (the
    // invocation hop then says which call failed), or any Lambda read in
    // older snapshots whose errors name no function.
    let lambda_failed = w.snap.errors.iter().any(|e| {
        e.call.starts_with("lambda:")
            && e.resource
                .as_deref()
                .is_none_or(|r| split_qualifier(r).0 == unqualified)
    });
    if !here || !absent || w.snap.lambda_functions.is_empty() || lambda_failed {
        return None;
    }
    Some(
        Hop::new(
            HOP,
            Verdict::Deny,
            "H15.1",
            format!(
                "the integration invokes {fn_arn}, but account {account} has no such function in {region} (the snapshot lists its {} functions)",
                w.snap.lambda_functions.len()
            ),
        )
        .deciding(field.clone().with_subpath("uri").with_value(fn_arn))
        .symptom(internal_error().symptom())
        .respond(internal_error())
        .read(K::Lambda, &unqualified),
    )
}

/// H15.2: a function allowed to run longer than the integration waits.
fn timeout_note(ctx: &Ctx, hop: Hop, integ: &Integration, fn_arn: &str) -> Hop {
    let Some(f) = ctx.world.lambda_function(fn_arn) else {
        let why = match ctx
            .world
            .snap
            .failed("lambda:GetFunctionConfiguration", fn_arn)
        {
            Some(e) => format!("could not be read ({e})"),
            None => "is not in the snapshot".into(),
        };
        return hop.note(format!(
            "H15.2: {fn_arn} {why}, so its timeout is not compared with the integration's"
        ));
    };
    let limit = integ.timeout_in_millis.unwrap_or(29_000);
    match f.timeout {
        Some(t) if t.saturating_mul(1000) > limit => hop.note(format!(
            "H15.2: the function may run {t} s but the integration waits {limit} ms: a slow call ends in 504 {{\"message\": \"Endpoint request timed out\"}}"
        )),
        Some(_) => hop,
        None => hop.note(format!(
            "H15.2: the function's timeout was not captured (lambda:GetFunctionConfiguration {fn_arn} Timeout), so it is not compared with the integration's {limit} ms"
        )),
    }
}

/// H15.3: HTTP integrations.
fn http(ctx: &Ctx, api: &RestApi, integ: &Integration, field: Deciding) -> Hop {
    let uri = integ.uri.as_deref().unwrap_or("");
    let conn = integ
        .connection_type
        .as_deref()
        .unwrap_or("INTERNET")
        .to_ascii_uppercase();
    if conn == "VPC_LINK" {
        return vpc_link(ctx, api, integ, field);
    }
    let host = url::Url::parse(uri)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let private = host
        .trim_matches(['[', ']'])
        .parse::<IpAddr>()
        .ok()
        .is_some_and(|ip| match ip {
            IpAddr::V4(v) => {
                v.is_private()
                    || v.is_loopback()
                    || v.is_link_local()
                    || (v.octets()[0] == 100 && (64..128).contains(&v.octets()[1]))
            }
            IpAddr::V6(v) => {
                v.is_loopback()
                    || (v.segments()[0] & 0xfe00) == 0xfc00
                    || (v.segments()[0] & 0xffc0) == 0xfe80
            }
        });
    if private {
        return Hop::new(
            HOP,
            Verdict::Deny,
            "H15.3",
            format!(
                "the HTTP integration calls {host} over the internet, but that address is private: a private backend needs a VPC link"
            ),
        )
        .deciding(field.with_subpath("connectionType").with_value(conn))
        .symptom("a 5xx from API Gateway (504 or 500; the exact status is not documented)");
    }
    if uri.is_empty() {
        return Hop::new(
            HOP,
            Verdict::Unknown,
            "H15.3",
            "the HTTP integration's URI was not captured",
        )
        .deciding(field.with_subpath("uri").missing());
    }
    Hop::new(
        HOP,
        Verdict::Unknown,
        "H15.3",
        format!("HTTP integration over the internet to {uri}: the backend's reachability and health are not read"),
    )
    .deciding(field.with_subpath("uri").with_value(uri))
}

/// H15.3, `connectionType=VPC_LINK`: the link must exist and be AVAILABLE,
/// and its load balancer must belong to the API's account. The load
/// balancer's listeners, targets and security groups are not read, so a
/// healthy link still leaves the hop unknown.
fn vpc_link(ctx: &Ctx, api: &RestApi, integ: &Integration, field: Deciding) -> Hop {
    let uri = integ.uri.as_deref().unwrap_or("");
    let Some(id) = integ.connection_id.as_deref().filter(|l| !l.is_empty()) else {
        return Hop::new(
            HOP,
            Verdict::Unknown,
            "H15.3",
            "a VPC_LINK integration with no connectionId in the snapshot",
        )
        .deciding(field.with_subpath("connectionId").missing());
    };
    let link_field = Deciding::field("apigateway:GetVpcLink", id, "status");
    let account = api
        .owner_account
        .as_deref()
        .unwrap_or(&ctx.world.snap.account);
    let owner_of = |arn: &str| arn.split(':').nth(4).unwrap_or("").to_string();
    let foreign = |t: &&str| {
        let o = owner_of(t);
        !o.is_empty() && o != account
    };
    // A VPC link V2 is named by the integration's integrationTarget (an ALB
    // or NLB); a V1 link carries its NLB in targetArns.
    let v2_target = integ
        .integration_target
        .as_deref()
        .filter(|t| !t.is_empty());
    if let Some(t) = v2_target.filter(foreign) {
        let f = field.with_subpath("integrationTarget").with_value(t);
        return cross_account_target(id, "", t, account, f);
    }
    let Some(link) = ctx.world.vpc_link(id) else {
        let hop = Hop::new(
            HOP,
            Verdict::Unknown,
            "H15.3",
            format!("VPC link {id} is not in the snapshot, so its status and load balancer are not known"),
        )
        .deciding(link_field.missing())
        .read(K::VpcLink, id);
        return match v2_target {
            Some(t) => hop.note(format!(
                "the integration targets {t} (a VPC link V2 for REST APIs; V2 links are read with apigatewayv2:GetVpcLink, which the snapshot does not hold)"
            )),
            None => hop,
        };
    };
    let name = link
        .name
        .as_deref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let status = link.status.as_deref().unwrap_or("").to_ascii_uppercase();
    let why = link
        .status_message
        .as_deref()
        .filter(|m| !m.is_empty())
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    let hop = match status.as_str() {
        "AVAILABLE" => None,
        "" => Some(
            Hop::new(
                HOP,
                Verdict::Unknown,
                "H15.3",
                format!("the status of VPC link {id}{name} was not captured"),
            )
            .deciding(link_field.clone().missing()),
        ),
        "PENDING" => Some(
            Hop::new(
                HOP,
                Verdict::Unknown,
                "H15.3",
                format!("VPC link {id}{name} is PENDING: it serves once it becomes AVAILABLE"),
            )
            .deciding(link_field.clone().with_value("PENDING")),
        ),
        other if other != "FAILED" && other != "DELETING" => Some(
            Hop::new(
                HOP,
                Verdict::Unknown,
                "H15.3",
                format!("VPC link {id}{name} is {other}, a status the API Gateway model does not list (AVAILABLE, PENDING, DELETING, FAILED)"),
            )
            .deciding(link_field.clone().with_value(other)),
        ),
        other => Some(
            Hop::new(
                HOP,
                Verdict::Deny,
                "H15.3",
                format!("VPC link {id}{name} is {other}{why}: API Gateway cannot reach the private backend"),
            )
            .deciding(link_field.clone().with_value(other))
            .symptom("a 5xx from API Gateway (500 or 504; the exact status is not documented)")
            .note("the stage's access log records the failure in $context.integration.error / $context.integrationErrorMessage"),
        ),
    };
    if let Some(h) = hop {
        return h.read(K::VpcLink, id);
    }
    let targets: Vec<&str> = match v2_target {
        Some(t) => vec![t],
        None => link.target_arns.iter().map(String::as_str).collect(),
    };
    if let Some(t) = targets.iter().find(|t| foreign(t)) {
        let f = Deciding::field("apigateway:GetVpcLink", id, "targetArns").with_value(*t);
        return cross_account_target(id, &name, t, account, f);
    }
    let target = if targets.is_empty() {
        "its load balancer (not captured)".to_string()
    } else {
        targets.join(", ")
    };
    let mut hop = Hop::new(
        HOP,
        Verdict::Unknown,
        "H15.3",
        format!(
            "VPC link {id}{name} is AVAILABLE and leads to {target}; the load balancer's listeners, target health and security groups are not read"
        ),
    )
    .deciding(link_field.with_value("AVAILABLE"))
    .read(K::VpcLink, id)
    .note(format!("the integration calls {uri} through the link"));
    if uri.starts_with("https://")
        && integ
            .tls_config
            .as_ref()
            .and_then(|t| t.insecure_skip_verification)
            != Some(true)
    {
        hop = hop.note("HTTPS through a VPC link: the backend's certificate must come from a supported CA and match the host in the URI (tlsConfig.insecureSkipVerification is off)");
    }
    hop
}

/// H15.3: the link's load balancer must be in the API's account.
fn cross_account_target(id: &str, name: &str, target: &str, account: &str, f: Deciding) -> Hop {
    Hop::new(
        HOP,
        Verdict::Deny,
        "H15.3",
        format!("VPC link {id}{name} targets {target}, which belongs to another account than the API ({account}); the link and its load balancer must be in the same account"),
    )
    .deciding(f)
    .symptom("a 5xx from API Gateway (the exact status is not documented)")
    .read(K::VpcLink, id)
}

/// H15.4: an AWS service integration acts with its credentials role, which
/// API Gateway must be able to assume and which needs the service action.
fn aws_service(ctx: &Ctx, integ: &Integration, field: Deciding) -> Hop {
    let uri = integ.uri.as_deref().unwrap_or("");
    let uri_field = field.clone().with_subpath("uri").with_value(uri);
    // arn:aws:apigateway:{region}:{service}:action/{Action} or :path/{...}
    let mut parts = uri.splitn(6, ':');
    let service = parts.nth(4).unwrap_or("");
    let how = parts.next().unwrap_or("");
    let Some(action) = how
        .strip_prefix("action/")
        .map(|a| a.split(['&', '?', '/']).next().unwrap_or(a))
        .filter(|a| !a.is_empty() && !service.is_empty())
    else {
        return Hop::new(
            HOP,
            Verdict::Unknown,
            "H15.4",
            format!("AWS service integration {uri:?}: a path-style (or unreadable) URI, whose service action depends on the request; not evaluated"),
        )
        .deciding(uri_field);
    };
    let iam_action = iam_action(service, action);
    let Some(role_arn) = integ.credentials.as_deref().filter(|c| !c.is_empty()) else {
        return Hop::new(
            HOP,
            Verdict::Deny,
            "H15.4",
            format!("the AWS service integration ({iam_action}) has no credentials role, so API Gateway has no identity to call {service} with"),
        )
        .deciding(field.with_subpath("credentials").missing())
        .symptom(internal_error().symptom())
        .respond(internal_error());
    };
    if role_arn.contains(":user/*") {
        return Hop::new(
            HOP,
            Verdict::Unknown,
            "H15.4",
            format!("the integration passes the caller's identity through ({role_arn}): the caller's permission for {iam_action} is not evaluated"),
        )
        .deciding(field.with_subpath("credentials").with_value(role_arn));
    }
    let who = Invoker {
        role_owner: "the integration's",
        function: "the service",
        role_field: field
            .clone()
            .with_subpath("credentials")
            .with_value(role_arn),
    };
    let mut evidence = Vec::new();
    let role = match assume_role(ctx, role_arn, &who, &mut evidence) {
        Ok(role) => role,
        Err(Plumbing::Broken(reason, f)) => {
            return Hop::new(HOP, Verdict::Deny, "H15.4", reason)
                .deciding(f)
                .symptom(internal_error().symptom())
                .respond(internal_error())
                .note(format!("execution log: Execution failed due to configuration error: API Gateway does not have permission to assume the provided role {role_arn}"))
                .policies(evidence)
                .read(K::Role, role_arn);
        }
        Err(Plumbing::Unknown(reason, f)) | Err(Plumbing::Ok(reason, f)) => {
            return Hop::new(HOP, Verdict::Unknown, "H15.4", reason)
                .deciding(f)
                .policies(evidence)
                .read(K::Role, role_arn);
        }
    };
    // The resource (which state machine, queue or table) comes from the
    // request mapping template, which is not read: the resource is unknown,
    // so only a permission on every resource can allow.
    let mut rc = RequestContext::new(
        &iam_action,
        None,
        Caller::role_session(role_arn, "apigateway"),
    );
    rc.set_unlisted_unknown(true);
    let id = role_decision(ctx.world, role, std::slice::from_ref(&rc));
    let because = id.undecided_because();
    evidence.extend(id.evidence);
    let deciding = id.deciding.unwrap_or_else(|| who.role_field.clone());
    let hop = match id.decision {
        d if d.is_allow() => Hop::new(
            HOP,
            Verdict::Allow,
            "H15.4",
            format!("API Gateway assumes {role_arn}, which may call {iam_action}"),
        ),
        d if d.is_denied() => Hop::new(
            HOP,
            Verdict::Deny,
            "H15.4",
            format!("the credentials role {role_arn} is not allowed {iam_action}: {service} refuses the call"),
        )
        .symptom("the service's AccessDenied passes through the integration response mapping: a 4xx or 5xx whose exact status is not documented"),
        _ => Hop::new(
            HOP,
            Verdict::Unknown,
            "H15.4",
            format!("whether {role_arn} may call {iam_action} cannot be decided: the resource comes from the request mapping template (not read); {because}"),
        ),
    };
    hop.deciding(deciding)
        .policies(evidence)
        .read(K::Role, role_arn)
        .note("SCPs (and RCPs) of the role's organization are not evaluated: a member account cannot read them (rulebook §4.7)")
}

/// The IAM action an integration's service action needs: mostly the API
/// operation under the service's prefix (Lambda's `Invoke` is
/// `lambda:InvokeFunction`).
fn iam_action(service: &str, action: &str) -> String {
    match (iam_prefix(service), action) {
        ("lambda", "Invoke") => "lambda:InvokeFunction".into(),
        (prefix, action) => format!("{prefix}:{action}"),
    }
}

/// The IAM action prefix of the service an integration URI names (the
/// URI uses the service's endpoint name).
fn iam_prefix(service: &str) -> &str {
    match service {
        "monitoring" => "cloudwatch",
        "email" => "ses",
        "runtime.sagemaker" => "sagemaker",
        "runtime.lex" => "lex",
        other => other,
    }
}
