//! H13 for `CUSTOM` (Lambda authorizer) and `COGNITO_USER_POOLS` methods
//! (APIGW-AUTHFLOW, rulebook H13.3, H13.6): the resource policy's explicit
//! deny first, a missing identity source (401), the authorizer's plumbing,
//! then the answer no offline tool can know.

use crate::policy::{Caller, Decision, Outcome};

use super::authorizer::{authorizer_plumbing, missing_identity_source};
use super::shared::{column, finding, missing, Rp};
use crate::trace::ctx::Ctx;
use crate::trace::evidence::{Deciding, PolicyEvidence};
use crate::trace::hop::{Hop, Response, Verdict};
use crate::trace::hops::lambda::Plumbing;
use crate::trace::hops::policy_context::access_denied;
use crate::trace::resolve::Route;
use crate::trace::response::GatewayResponseType;

const GET_AUTHORIZERS: &str = "apigateway:GetAuthorizers";

/// `CUSTOM` (Lambda authorizer) and `COGNITO_USER_POOLS`.
pub(super) fn authorizer_method(
    ctx: &Ctx,
    r: &Route,
    rp: &Rp,
    caller: &Caller,
    account: &str,
    cognito: bool,
) -> Hop {
    let arn = rp.arn;
    let api = r.api;
    let aid = r.live.and_then(|m| m.authorizer_id.as_deref());
    let authz = aid.and_then(|aid| api.authorizers.iter().find(|a| a.id == aid));
    // The API's authorizers could not be read: the one the method names
    // may well exist, so its absence decides nothing.
    let unread = (authz.is_none() && api.unread.iter().any(|c| c == GET_AUTHORIZERS))
        .then(|| ctx.world.snap.why_unread(GET_AUTHORIZERS, &api.id));
    let a_field = match (authz, &unread) {
        (Some(a), _) => Deciding::field(GET_AUTHORIZERS, &api.id, &a.id),
        (None, Some(_)) => Deciding::field(GET_AUTHORIZERS, &api.id, aid.unwrap_or("")).missing(),
        (None, None) => Deciding::field(
            "apigateway:GetResources",
            &api.id,
            format!("{} {} authorizerId", r.template, r.method_key),
        ),
    };
    let a_name = match (authz, &unread) {
        (Some(a), _) => format!("{} ({})", a.name.as_deref().unwrap_or(&a.id), a.id),
        (None, Some(why)) => format!("{} (not read: {why})", aid.unwrap_or("(no authorizerId)")),
        (None, None) => "(not in the snapshot)".into(),
    };
    let unauthorized = |src: String| {
        let f = finding(
            Verdict::Deny,
            "H13.3",
            format!("the {} authorizer {a_name} reads {src}, which the request does not carry: API Gateway answers 401 without calling it", if cognito { "Cognito" } else { "Lambda" }),
            a_field.clone().with_detail("identitySource"),
        )
        .respond(Response::http(
            401,
            "UnauthorizedException",
            "Unauthorized",
            Some(GatewayResponseType::Unauthorized),
        ));
        f
    };
    if cognito {
        // Unread, the authorizer's identity source is unknown: whether a
        // 401 comes before the resource policy cannot be told.
        if let Some(why) = &unread {
            return finding(
                Verdict::Unknown,
                "H13.3",
                format!("the method's Cognito authorizer {} could not be read ({why}): which token it reads, and so whether API Gateway answers 401 before the resource policy, is unknown", aid.unwrap_or("(no authorizerId)")),
                a_field,
            )
            .notes(rp.notes());
        }
        // The JWT is validated before the resource policy (APIGW-AUTHFLOW).
        if let Some(src) = missing_identity_source(ctx, authz, true) {
            return unauthorized(src);
        }
    }
    let d = rp.m.decision;
    if d == Decision::EXPLICIT_DENY {
        return finding(
            Verdict::Deny,
            "H13.3",
            format!(
                "the resource policy denies {arn} to anonymous callers: {} applies{}",
                rp.label(),
                if cognito {
                    ""
                } else {
                    "; the Lambda authorizer is not called"
                }
            ),
            rp.deciding(),
        )
        .respond(access_denied(caller, arn, " with an explicit deny"))
        .notes(rp.notes());
    }
    if rp.aws_principals_only() {
        // H13.2 (APIGW-RPATTACH): with Allow statements naming AWS
        // principals only, every method that is not AWS_IAM fails.
        return finding(
            Verdict::Deny,
            "H13.2",
            format!(
                "the resource policy's Allow statements name AWS principals only, so this {} method fails authorization: API Gateway documents that every method that is not AWS_IAM then fails",
                if cognito { "COGNITO_USER_POOLS" } else { "CUSTOM" }
            ),
            rp.deciding(),
        )
        .respond(access_denied(caller, arn, ""))
        .notes(rp.notes());
    }
    if d.contains(Outcome::ExplicitDeny) {
        return finding(
            Verdict::Unknown,
            "H13.3",
            format!(
                "whether the resource policy's explicit deny applies to {arn} depends on {}",
                missing(rp.p, rp.m)
            ),
            rp.deciding(),
        )
        .notes(rp.notes());
    }
    if cognito {
        let f = match d.definite() {
            Some(Outcome::ImplicitDeny) => finding(
                Verdict::Unknown,
                "H13.3",
                format!("the resource policy neither allows nor denies {arn}: for COGNITO_USER_POOLS methods the documentation contradicts itself (APIGW-AUTHFLOW's text requires an explicit allow; its Table A allows Cognito-allow with a silent resource policy)"),
                rp.deciding(),
            ),
            _ => finding(
                Verdict::Unknown,
                "H13.3",
                format!("the resource policy allows {arn}; the Cognito user pool token's validity cannot be checked offline (rulebook §7.7)"),
                a_field.clone(),
            ),
        };
        return f.notes(rp.notes());
    }
    if let Some(src) = missing_identity_source(ctx, authz, false) {
        return unauthorized(src);
    }
    let mut notes = Vec::new();
    let mut plumbing_evidence = Vec::new();
    match authz {
        Some(a) => {
            let (plumbing, evidence) = authorizer_plumbing(ctx, api, a, account);
            match plumbing {
                Plumbing::Broken(reason, field) => {
                    return broken_authorizer(reason, field, evidence)
                }
                Plumbing::Unknown(reason, field) => {
                    notes.push(format!("H13.6: {reason} ({field})"))
                }
                Plumbing::Ok(text, _) => notes.push(format!("H13.6: {text}")),
            }
            plumbing_evidence = evidence;
        }
        None => notes.push(match &unread {
            Some(why) => format!("H13.6: whether API Gateway can invoke the authorizer is unknown: the API's authorizers could not be read ({why})"),
            None => "the method's authorizerId does not name an authorizer in the snapshot".into(),
        }),
    }
    notes.push(format!(
        "resource policy for anonymous callers: {}; under Table A an authorizer Allow gives {}, an authorizer Deny an explicit deny",
        column(d),
        Decision::ALLOW.merge(d).as_str()
    ));
    finding(
        Verdict::Unknown,
        "H13.3",
        format!("the Lambda authorizer {a_name} decides, and its answer cannot be known offline (rulebook §7.7)"),
        a_field,
    )
    .notes(notes)
    .notes(rp.notes())
    .policies(plumbing_evidence)
}

/// H13.6: API Gateway cannot invoke the authorizer (500).
fn broken_authorizer(reason: String, field: Deciding, evidence: Vec<PolicyEvidence>) -> Hop {
    finding(Verdict::Deny, "H13.6", reason, field)
        .respond(Response {
            // The body of this gateway response is not documented.
            message: None,
            ..Response::http(
                500,
                "AuthorizerConfigurationException",
                "",
                Some(GatewayResponseType::AuthorizerConfigurationError),
            )
        })
        .note("execution log: Execution failed due to configuration error: Invalid permissions on Lambda function / Authorizer error")
        .policies(evidence)
}
