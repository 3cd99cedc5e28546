//! The request context policies see for a call through an execute-api VPC
//! endpoint (rulebook §1.3), the caller (H9.2, H1.3), and the client-visible
//! error responses of the authorization hops (§6).

use crate::policy::{Caller, Evaluation, Policy, RequestContext, Tri};

use crate::trace::ctx::{Ctx, Gate};
use crate::trace::hop::Response;
use crate::trace::request::Auth;
use crate::trace::response::GatewayResponseType;

pub const INVOKE: &str = "execute-api:Invoke";

/// The caller as the endpoint policy and an `AWS_IAM` method see it: the
/// instance role's session for a SigV4-signed request, anonymous otherwise
/// (a bearer token or Basic credentials count as anonymous, H9.2).
pub fn signed_caller(ctx: &Ctx) -> Caller {
    if ctx.req.auth != Auth::Sigv4 {
        return Caller::Anonymous;
    }
    match ctx.client.as_ref().and_then(|c| c.role_arn.as_deref()) {
        Some(role) => {
            let mut caller = Caller::role_session(role, ctx.from());
            if let Caller::Iam(c) = &mut caller {
                c.boundary = Some(match ctx.world.role(role) {
                    Some(r) => Tri::from_bool(r.permissions_boundary.is_some()),
                    None => Tri::Unknown,
                });
            }
            caller
        }
        None => Caller::Unknown(format!(
            "the request is signed, but {} has no instance profile role in the snapshot",
            ctx.from()
        )),
    }
}

/// The context keys of §1.3. Keys named nowhere are unknown: the tool does
/// not claim to know what API Gateway puts in the context beyond these.
pub fn request_context(
    ctx: &Ctx,
    resource: Option<&str>,
    caller: &Caller,
    api_account: Option<&str>,
    via_domain_arn: Option<&Result<String, String>>,
) -> RequestContext {
    let mut rc = RequestContext::new(INVOKE, resource, caller.clone());
    rc.set_unlisted_unknown(true);
    match ctx.gate() {
        Gate::Endpoint(ep) => {
            rc.set("aws:SourceVpce", &ep.vpc_endpoint_id)
                .set("aws:SourceVpc", &ep.vpc_id);
        }
        _ => {
            rc.set_unknown("aws:SourceVpce")
                .set_unknown("aws:SourceVpc");
        }
    }
    match ctx.client.as_ref().and_then(|c| c.ipv4.or(c.ipv6)) {
        Some(ip) => rc.set("aws:VpcSourceIp", &ip.to_string()),
        None => rc.set_unknown("aws:VpcSourceIp"),
    };
    // The endpoint rewrites the source: aws:SourceIp is absent (IAM-KEYS).
    rc.set_absent("aws:SourceIp");
    rc.set("aws:SecureTransport", "true");
    match crate::policy::parse_date_millis(&ctx.world.snap.captured_at) {
        Some(ms) => {
            let secs = ms.div_euclid(1000);
            let t = chrono::DateTime::from_timestamp(secs, 0)
                .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default();
            rc.set("aws:CurrentTime", &t)
                .set("aws:EpochTime", &secs.to_string());
        }
        None => {
            rc.set_unknown("aws:CurrentTime")
                .set_unknown("aws:EpochTime");
        }
    }
    match ctx.req.header("referer") {
        Some(v) => rc.set("aws:Referer", v),
        None => rc.set_absent("aws:Referer"),
    };
    // HTTP clients add a User-Agent of their own: unknown unless given.
    if let Some(v) = ctx.req.header("user-agent") {
        rc.set("aws:UserAgent", v);
    }
    if let Some(a) = api_account {
        rc.set("aws:ResourceAccount", a);
    }
    match via_domain_arn {
        Some(Ok(arn)) => rc.set("execute-api:viaDomainArn", arn),
        Some(Err(_)) => rc.set_unknown("execute-api:viaDomainArn"),
        None => rc.set_absent("execute-api:viaDomainArn"),
    };
    match caller {
        Caller::Iam(c) => {
            rc.set(
                "aws:PrincipalArn",
                c.role_arn.as_deref().unwrap_or(c.arn.as_str()),
            )
            .set("aws:PrincipalAccount", &c.account)
            .set(
                "aws:PrincipalType",
                if c.role_arn.is_some() {
                    "AssumedRole"
                } else {
                    "User"
                },
            )
            .set("aws:PrincipalIsAWSService", "false")
            .set_unknown_prefix("aws:PrincipalTag/");
            if c.role_arn.is_some() {
                rc.set_absent("aws:username");
            }
        }
        Caller::Anonymous => {
            // Present only for signed requests (APIGW-RPKEYS); the account
            // key's anonymous value is not documented for API Gateway.
            rc.set_absent("aws:PrincipalArn")
                .set_absent("aws:PrincipalOrgID")
                .set_absent("aws:PrincipalOrgPaths")
                .set_absent("aws:username")
                .set_unknown("aws:PrincipalAccount")
                .set("aws:PrincipalIsAWSService", "false")
                .set_unknown_prefix("aws:PrincipalTag/");
        }
        _ => {}
    }
    rc
}

/// 403 `AccessDeniedException`, worded as API Gateway words it (§6).
pub fn access_denied(caller: &Caller, arn: &str, tail: &str) -> Response {
    let who = match caller {
        Caller::Iam(c) => c.arn.clone(),
        _ => "anonymous".to_string(),
    };
    Response::http(
        403,
        "AccessDeniedException",
        format!(
            "User: {who} is not authorized to perform: execute-api:Invoke on resource: {arn}{tail}"
        ),
        Some(GatewayResponseType::AccessDenied),
    )
}

/// One policy evaluated for the method: with the request's verb, and, for
/// an `ANY` method, with `ANY` as the verb too. The ARN an `ANY` method
/// presents is not documented (rulebook §1.2): when the two disagree the
/// decision holds both outcomes, which makes it unknown.
pub struct MethodEval {
    pub decision: crate::policy::Decision,
    pub eval: Evaluation,
    pub rc: RequestContext,
    /// The two verbs give different decisions.
    pub verb_matters: bool,
}

pub fn evaluate_method(policy: &Policy, rc: RequestContext, any_arn: Option<&str>) -> MethodEval {
    let eval = crate::policy::evaluate(policy, &rc);
    let mut decision = eval.decision;
    let mut verb_matters = false;
    if let Some(alt) = any_arn {
        let mut rc2 = rc.clone();
        rc2.set_resource(Some(alt));
        let d2 = crate::policy::evaluate(policy, &rc2).decision;
        if d2 != decision {
            verb_matters = true;
            decision = decision.union(d2);
        }
    }
    MethodEval {
        decision,
        eval,
        rc,
        verb_matters,
    }
}
