//! Authorizers for H13: whether a Lambda (`TOKEN`/`REQUEST`) or Cognito
//! authorizer's identity source is in the request (a missing one is a 401
//! that is knowable offline), and the plumbing that lets API Gateway invoke
//! a Lambda authorizer at all (H13.6).

use crate::model::apigw::{Authorizer, RestApi};

use crate::trace::ctx::Ctx;
use crate::trace::evidence::{Deciding, PolicyEvidence};
use crate::trace::hops::lambda::{lambda_of_uri, may_invoke, Invoker, Plumbing};

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
    let who = Invoker {
        role_owner: "the authorizer's",
        function: "the authorizer function",
        role_field: Deciding::field(
            "apigateway:GetAuthorizers",
            &api.id,
            format!("{} authorizerCredentials", a.id),
        ),
    };
    may_invoke(
        ctx,
        fn_arn,
        a.authorizer_credentials.as_deref(),
        &[source_arn],
        account,
        &who,
        evidence,
    )
}
