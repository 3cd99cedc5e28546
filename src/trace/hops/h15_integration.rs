//! H15: the integration behind the deployed method (rulebook H15). A MOCK
//! answers by itself; a Lambda integration needs API Gateway to be allowed
//! to invoke the function (its resource policy for the method's source ARN,
//! or a credentials role); an HTTP integration over the internet cannot
//! reach a private address. What cannot be decided offline (a backend's
//! health, a VPC link's load balancer, a service integration's role) is
//! `unknown`.

use std::net::IpAddr;

use crate::model::apigw::Integration;
use crate::trace::ctx::Ctx;
use crate::trace::evidence::{Deciding, ResourceKind as K, ResourceRef};
use crate::trace::hop::{Hop, HopId, Response, Verdict};
use crate::trace::hops::lambda::{lambda_of_uri, may_invoke, split_qualifier, Invoker, Plumbing};
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
    let uri = integ.uri.as_deref().unwrap_or("");
    if uri.contains("${stageVariables.") {
        return Hop::new(
            HOP,
            Verdict::Unknown,
            "H15.3",
            format!("the integration URI {uri} uses a stage variable, which is not resolved from the stage's variables yet"),
        )
        .deciding(field.with_subpath("uri").with_value(uri))
        .read(K::RestApi, api);
    }
    let hop = match kind.as_str() {
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
        "HTTP" | "HTTP_PROXY" => http(integ, field),
        "AWS" => Hop::new(
            HOP,
            Verdict::Unknown,
            "H15.4",
            format!(
                "an AWS service integration ({}): the credentials role and its service permission are not evaluated yet",
                integ.uri.as_deref().unwrap_or("no uri")
            ),
        )
        .deciding(field.with_subpath("uri").with_value(integ.uri.as_deref().unwrap_or(""))),
        other => Hop::new(
            HOP,
            Verdict::Unknown,
            "H15",
            format!("integration type {other:?} is not one the rulebook describes"),
        )
        .deciding(field.with_subpath("type").with_value(other)),
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
        .note("execution log: Execution failed due to configuration error: Invalid permissions on Lambda function; access log $context.error.responseType API_CONFIGURATION_ERROR"),
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

/// H15.2: a function allowed to run longer than the integration waits.
fn timeout_note(ctx: &Ctx, hop: Hop, integ: &Integration, fn_arn: &str) -> Hop {
    let Some(f) = ctx.world.lambda_function(fn_arn) else {
        return hop.note(format!(
            "H15.2: {fn_arn} is not in the snapshot, so its timeout is not compared with the integration's"
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
fn http(integ: &Integration, field: Deciding) -> Hop {
    let uri = integ.uri.as_deref().unwrap_or("");
    let conn = integ
        .connection_type
        .as_deref()
        .unwrap_or("INTERNET")
        .to_ascii_uppercase();
    if conn == "VPC_LINK" {
        let Some(link) = integ.connection_id.as_deref().filter(|l| !l.is_empty()) else {
            return Hop::new(
                HOP,
                Verdict::Unknown,
                "H15.3",
                "a VPC_LINK integration with no connectionId in the snapshot",
            )
            .deciding(field.with_subpath("connectionId").missing());
        };
        return Hop::new(
            HOP,
            Verdict::Unknown,
            "H15.3",
            format!(
                "HTTP integration through VPC link {link} to {uri}: the link's status, its load balancer's listeners, targets and security groups are not evaluated"
            ),
        )
        .deciding(field.with_subpath("connectionId").with_value(link))
        .read(K::VpcLink, link);
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
