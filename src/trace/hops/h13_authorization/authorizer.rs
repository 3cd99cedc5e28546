//! Authorizers for H13: whether a Lambda (`TOKEN`/`REQUEST`) or Cognito
//! authorizer's identity source is in the request (a missing one is a 401
//! that is knowable offline), and the plumbing that lets API Gateway invoke
//! a Lambda authorizer at all (H13.6).

use crate::model::apigw::{Authorizer, RestApi};
use crate::policy::{self, Caller, Decision, ParseOptions, RequestContext};

use super::identity::role_decision;
use crate::trace::ctx::Ctx;
use crate::trace::evidence::{
    Deciding, PolicyEvidence, PolicyKind, ResourceKind as K, ResourceRef,
};

/// The first identity source the request lacks, when that makes API Gateway
/// answer 401 without calling the authorizer: a `TOKEN` authorizer's header,
/// any source of a `REQUEST` authorizer with caching on, the Cognito token.
pub fn missing_identity_source(ctx: &Ctx, a: Option<&Authorizer>, cognito: bool) -> Option<String> {
    let kind = a
        .and_then(|a| a.authorizer_type.as_deref())
        .unwrap_or(if cognito { "COGNITO_USER_POOLS" } else { "" })
        .to_ascii_uppercase();
    let sources = a
        .and_then(|a| a.identity_source.clone())
        .or_else(|| cognito.then(|| "method.request.header.Authorization".to_string()))?;
    let checked = match kind.as_str() {
        "TOKEN" | "COGNITO_USER_POOLS" => true,
        "REQUEST" => {
            a.and_then(|a| a.authorizer_result_ttl_in_seconds)
                .unwrap_or(300)
                > 0
        }
        _ => false,
    };
    if !checked {
        return None;
    }
    let query: Vec<(String, String)> = url::Url::parse(&ctx.req.url)
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    for s in sources.split(',').map(str::trim) {
        if let Some(h) = s.strip_prefix("method.request.header.") {
            if ctx.req.header(h).is_none_or(|v| v.trim().is_empty()) {
                return Some(format!("header {h}"));
            }
        } else if let Some(q) = s.strip_prefix("method.request.querystring.") {
            if !query.iter().any(|(k, v)| k == q && !v.is_empty()) {
                return Some(format!("query string parameter {q}"));
            }
        }
    }
    None
}

/// Whether API Gateway can invoke the authorizer's Lambda function.
pub enum Plumbing {
    Ok(String),
    /// (reason, deciding field)
    Broken(String, Deciding),
    Unknown(String, Deciding),
}

/// `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{fn}/invocations` → `{fn}`.
pub fn lambda_of_uri(uri: &str) -> Option<&str> {
    let start = uri.find("/functions/")? + "/functions/".len();
    let rest = &uri[start..];
    let end = rest.find("/invocations")?;
    Some(&rest[..end])
}

/// (unqualified function ARN, qualifier).
fn split_qualifier(fn_arn: &str) -> (String, Option<String>) {
    let parts: Vec<&str> = fn_arn.split(':').collect();
    if parts.len() == 8 {
        (parts[..7].join(":"), Some(parts[7].to_string()))
    } else {
        (fn_arn.to_string(), None)
    }
}

/// The plumbing, and every policy read to decide it (the credentials role's
/// trust and identity policies, the function's resource policy).
pub fn authorizer_plumbing(
    ctx: &Ctx,
    api: &RestApi,
    a: &Authorizer,
    account: &str,
) -> (Plumbing, Vec<PolicyEvidence>) {
    let mut evidence = Vec::new();
    let p = plumbing(ctx, api, a, account, &mut evidence);
    (p, evidence)
}

fn plumbing(
    ctx: &Ctx,
    api: &RestApi,
    a: &Authorizer,
    account: &str,
    evidence: &mut Vec<PolicyEvidence>,
) -> Plumbing {
    let w = ctx.world;
    let field = Deciding::field(
        "apigateway:GetAuthorizers",
        &api.id,
        format!("{} authorizerUri", a.id),
    );
    let Some(fn_arn) = a.authorizer_uri.as_deref().and_then(lambda_of_uri) else {
        return Plumbing::Unknown(
            format!(
                "authorizer {} has no Lambda function URI in the snapshot",
                a.id
            ),
            field,
        );
    };
    let source_arn = format!(
        "arn:{}:execute-api:{}:{account}:{}/authorizers/{}",
        w.snap.partition, ctx.region, api.id, a.id
    );
    if let Some(role_arn) = a.authorizer_credentials.as_deref() {
        let role_field = Deciding::field(
            "apigateway:GetAuthorizers",
            &api.id,
            format!("{} authorizerCredentials", a.id),
        );
        let Some(role) = w.role(role_arn) else {
            return Plumbing::Unknown(
                format!("the authorizer's credentials role {role_arn} is not in the snapshot"),
                Deciding::field("iam:GetRole", role_arn, "").missing(),
            );
        };
        let trust_field =
            Deciding::field("iam:GetRole", &role.role_name, "AssumeRolePolicyDocument");
        let trust = match role.assume_role_policy_document.as_deref() {
            Some(t) => t,
            None => {
                return Plumbing::Unknown(
                    format!("the trust policy of {role_arn} is not in the snapshot"),
                    trust_field.clone().missing(),
                )
            }
        };
        let p = match policy::parse(trust, &ParseOptions::default()) {
            Ok(p) => p,
            Err(e) => {
                return Plumbing::Unknown(
                    format!("the trust policy of {role_arn} cannot be read: {e}"),
                    trust_field,
                )
            }
        };
        let mut rc = RequestContext::new(
            "sts:AssumeRole",
            Some(role_arn),
            Caller::Service("apigateway.amazonaws.com".into()),
        );
        rc.set_unlisted_unknown(true)
            .set("aws:SourceArn", &source_arn)
            .set("aws:SourceAccount", account);
        let trust_eval = policy::evaluate(&p, &rc);
        let d = trust_eval.decision;
        evidence.push(PolicyEvidence::from_eval(
            PolicyKind::TrustPolicy,
            ResourceRef {
                kind: K::Role,
                id: role.arn.clone(),
                name: Some(role.role_name.clone()),
            },
            format!("trust policy of role {}", role.role_name),
            &p,
            &trust_eval,
            &rc,
        ));
        if d.is_denied() {
            return Plumbing::Broken(
                format!("API Gateway cannot assume the authorizer's credentials role {role_arn}: its trust policy does not allow apigateway.amazonaws.com sts:AssumeRole"),
                trust_field,
            );
        }
        if d.is_unknown() {
            return Plumbing::Unknown(
                format!("whether API Gateway may assume {role_arn} depends on its trust policy's conditions"),
                trust_field,
            );
        }
        let mut rc = RequestContext::new(
            "lambda:InvokeFunction",
            Some(fn_arn),
            Caller::role_session(role_arn, "apigateway"),
        );
        rc.set_unlisted_unknown(true);
        let id = role_decision(w, role, &[rc]);
        evidence.extend(id.evidence);
        return match id.decision {
            d if d.is_allow() => Plumbing::Ok(format!(
                "API Gateway assumes {role_arn}, which may invoke {fn_arn}"
            )),
            d if d.is_denied() => Plumbing::Broken(
                format!("the authorizer's credentials role {role_arn} is not allowed lambda:InvokeFunction on {fn_arn}"),
                id.deciding.unwrap_or_else(|| {
                    Deciding::field("iam:ListRolePolicies", &role.role_name, "")
                        .with_detail("(no statement allows lambda:InvokeFunction)")
                }),
            ),
            _ => Plumbing::Unknown(
                format!("whether {role_arn} may invoke {fn_arn} cannot be decided"),
                id.deciding.unwrap_or(role_field),
            ),
        };
    }
    let (unqualified, qualifier) = split_qualifier(fn_arn);
    let lp_field = Deciding::field(
        "lambda:GetPolicy",
        &unqualified,
        qualifier
            .as_deref()
            .map(|q| format!("Qualifier={q}"))
            .unwrap_or_default(),
    );
    let Some(lp) = w.lambda_policy(&unqualified, qualifier.as_deref()) else {
        return Plumbing::Unknown(
            format!(
                "the resource policy of the authorizer function {fn_arn} is not in the snapshot"
            ),
            lp_field.clone().missing(),
        );
    };
    let Some(text) = lp.policy.as_deref() else {
        return Plumbing::Broken(
            format!("the authorizer function {fn_arn} has no resource policy, so API Gateway may not invoke it"),
            lp_field.clone().with_detail("(no policy)"),
        );
    };
    let p = match policy::parse(text, &ParseOptions::default()) {
        Ok(p) => p,
        Err(e) => {
            return Plumbing::Unknown(
                format!("the resource policy of {fn_arn} cannot be read: {e}"),
                lp_field,
            )
        }
    };
    let mut rc = RequestContext::new(
        "lambda:InvokeFunction",
        Some(fn_arn),
        Caller::Service("apigateway.amazonaws.com".into()),
    );
    rc.set_unlisted_unknown(true)
        .set("aws:SourceArn", &source_arn)
        .set("aws:SourceAccount", account);
    let e = policy::evaluate(&p, &rc);
    let function_policy = PolicyEvidence::from_eval(
        PolicyKind::FunctionPolicy,
        ResourceRef::new(K::Lambda, &unqualified),
        format!("resource policy of the authorizer function {fn_arn}"),
        &p,
        &e,
        &rc,
    );
    let deciding = function_policy.deciding_field(&lp_field, "");
    evidence.push(function_policy);
    match e.decision {
        d if d == Decision::ALLOW => Plumbing::Ok(format!(
            "the resource policy of {fn_arn} lets apigateway.amazonaws.com invoke it from {source_arn}"
        )),
        d if d.is_denied() => Plumbing::Broken(
            format!("the resource policy of the authorizer function {fn_arn} does not let apigateway.amazonaws.com invoke it from {source_arn}"),
            deciding,
        ),
        _ => Plumbing::Unknown(
            format!(
                "whether the resource policy of {fn_arn} lets API Gateway invoke it depends on {}",
                policy::report(&p, &e, &rc).unknown.join(", ")
            ),
            deciding,
        ),
    }
}
