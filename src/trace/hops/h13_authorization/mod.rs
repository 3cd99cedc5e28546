//! H13: the resource policy and the authorization workflow of the method
//! (rulebook H13.0–H13.6, APIGW-AUTHFLOW): which policy is in force, a
//! missing policy, principal shapes, `NONE`, `AWS_IAM` (Tables A and B),
//! `CUSTOM` and `COGNITO_USER_POOLS`, the private custom domain's policy.

use crate::policy::{self, Caller, Outcome, ParseOptions, Policy, PrincipalEntry, ShortForm};

use crate::trace::ctx::Ctx;
use crate::trace::evidence::{
    Deciding, PolicyEvidence, PolicyKind, ResourceKind as K, ResourceRef,
};
use crate::trace::hop::{Hop, Response, Verdict};
use crate::trace::hops::policy_context::{
    access_denied, evaluate_method, request_context, signed_caller,
};
use crate::trace::parsed::parsed;
use crate::trace::request::Auth;
use crate::trace::resolve::{domain_arn, private_route, Miss, Route};
use crate::trace::response::GatewayResponseType;

mod authorizer;
mod custom;
mod iam;
mod identity;

pub(super) use identity::role_decision;
mod policies;
mod shared;

use shared::{finding, missing, Rp, HOP};

pub(super) fn evaluate<'w>(ctx: &Ctx<'w>, route: &Result<Route<'w>, Box<Miss>>) -> Hop {
    let r = match private_route(HOP, "H13", ctx, route) {
        Ok(r) => r,
        Err(h) => return *h,
    };
    let api = r.api;
    let id = &api.id;
    let dep = &r.deployment.id;
    let sum_field = Deciding::field(
        "apigateway:GetDeployment",
        id,
        format!("{dep} apiSummary[{}][{}]", r.template, r.method_key),
    );
    let Some(auth) = r.snapshot.authorization_type.as_deref() else {
        return Hop::new(
            HOP,
            Verdict::Unknown,
            "H13.3",
            format!(
                "the deployed method {} {} has no authorizationType in the snapshot",
                r.method_key, r.template
            ),
        )
        .deciding(sum_field.deeper(".authorizationType").missing());
    };
    let auth = auth.to_ascii_uppercase();
    let verb = ctx.req.method.to_ascii_uppercase();
    let account = r
        .call
        .account
        .clone()
        .unwrap_or_else(|| ctx.world.snap.account.clone());
    let method_arn = r.call.method_arn(&verb).unwrap_or_default();
    let any_arn = if r.is_any() {
        r.call.method_arn("ANY")
    } else {
        None
    };
    let dom_arn = r.call.domain.map(|d| {
        domain_arn(d, &ctx.world.snap.partition, &ctx.region, &account).ok_or_else(|| {
            format!(
                "the domainNameId of {} is not in the snapshot",
                d.domain_name
            )
        })
    });
    let caller = if auth == "AWS_IAM" {
        signed_caller(ctx)
    } else {
        Caller::Anonymous
    };
    let rc = request_context(
        ctx,
        Some(&method_arn),
        &caller,
        Some(&account),
        dom_arn.as_ref(),
    );

    let rp_field = Deciding::field("apigateway:GetRestApi", id, "policy");
    let short = ShortForm {
        partition: ctx.world.snap.partition.clone(),
        region: ctx.region.clone(),
        account: account.clone(),
        api_id: id.clone(),
    };
    let rp_text = api
        .policy
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let cached = rp_text.map(|t| {
        parsed(
            ctx.world,
            t,
            &ParseOptions {
                short_form: Some(short),
            },
        )
    });
    let parsed: Option<Result<&Policy, String>> = cached
        .as_deref()
        .map(|c| c.as_ref().map_err(|e| e.to_string()));
    let evaluated = match &parsed {
        Some(Ok(p)) => Some(evaluate_method(p, rc.clone(), any_arn.as_deref())),
        _ => None,
    };

    let mut head = vec![format!(
        "{verb} {} reaches {} {} in deployment {dep} of stage {}: authorizationType {auth}",
        r.call.path, r.method_key, r.template, r.stage.stage_name
    )];
    if ctx.req.auth == Auth::Sigv4 && auth != "AWS_IAM" {
        head.push(format!(
            "the request is signed, but a {auth} method does not use the signature: the resource policy sees an anonymous caller"
        ));
    }

    let mut f = if auth == "AWS_IAM" && ctx.req.auth != Auth::Sigv4 {
        finding(
            Verdict::Deny,
            "H13.3",
            "the method is AWS_IAM and the request is not SigV4-signed".to_string(),
            sum_field
                .clone()
                .deeper(".authorizationType")
                .with_value("AWS_IAM"),
        )
        .respond(Response::http(
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
            Some(GatewayResponseType::MissingAuthenticationToken),
        ))
    } else {
        match (&parsed, &evaluated) {
            (None, _) => finding(
                Verdict::Deny,
                "H13.1",
                format!("private API {id} has no resource policy, so every call fails"),
                rp_field.clone().with_detail("(empty)"),
            )
            .respond(access_denied(&caller, &method_arn, "")),
            (Some(Err(e)), _) => finding(
                Verdict::Unknown,
                "H13",
                format!("the resource policy of {id} cannot be read: {e}"),
                rp_field.clone(),
            ),
            (Some(Ok(p)), Some(m)) => {
                let evidence = PolicyEvidence::from_eval(
                    PolicyKind::ResourcePolicy,
                    ResourceRef::new(K::RestApi, id),
                    format!("resource policy of {id}"),
                    p,
                    &m.eval,
                    &m.rc,
                );
                let rp = Rp {
                    p,
                    m,
                    field: rp_field.clone(),
                    arn: &method_arn,
                    evidence,
                };
                let mut f = match auth.as_str() {
                    "NONE" => none_method(&rp, &caller),
                    "AWS_IAM" => iam::iam_method(ctx, &rp, &caller, &account, any_arn.as_deref()),
                    "CUSTOM" => custom::authorizer_method(ctx, r, &rp, &caller, &account, false),
                    "COGNITO_USER_POOLS" => {
                        custom::authorizer_method(ctx, r, &rp, &caller, &account, true)
                    }
                    other => finding(
                        Verdict::Unknown,
                        "H13.3",
                        format!("authorizationType {other} is not one the rulebook describes"),
                        sum_field
                            .clone()
                            .deeper(".authorizationType")
                            .with_value(other),
                    ),
                };
                // The resource policy's statements first, then any the method added.
                let added = std::mem::take(&mut f.policies);
                f.policy(rp.evidence).policies(added)
            }
            (Some(Ok(_)), None) => finding(
                Verdict::Unknown,
                "H13",
                "the resource policy was not evaluated".into(),
                rp_field.clone(),
            ),
        }
    };

    if let Some(d) = r.call.domain {
        f = policies::domain_policy(ctx, f, d, &dom_arn, &caller, &account);
    }
    f = policies::policy_in_force(f, r);

    if let Some(Ok(p)) = &parsed {
        let vpc_keyed = p.statements.iter().any(|s| {
            s.conditions.iter().any(|c| {
                let k = c.key.to_ascii_lowercase();
                k == "aws:sourcevpc" || k == "aws:sourcevpce"
            })
        });
        let allows_all = p.statements.iter().any(|s| {
            s.effect == policy::Effect::Allow
                && s.principal
                    .as_ref()
                    .is_some_and(|b| !b.negated && b.entries.contains(&PrincipalEntry::Any))
        });
        let mut unknown_vpce: Vec<&str> = p
            .statements
            .iter()
            .flat_map(|s| &s.conditions)
            .filter(|c| c.key.eq_ignore_ascii_case("aws:SourceVpce"))
            .flat_map(|c| c.raw_values())
            .filter(|v| {
                v.starts_with("vpce-") && !v.contains('*') && ctx.world.vpc_endpoint(v).is_none()
            })
            .collect();
        unknown_vpce.sort_unstable();
        unknown_vpce.dedup();
        for v in unknown_vpce {
            f.notes.push(format!("the resource policy's aws:SourceVpce names {v}, which is not in this account's snapshot: another account's endpoint, or one that was deleted"));
        }
        if allows_all && !vpc_keyed {
            f.notes.push("H13.4: the resource policy allows * with no aws:SourceVpc or aws:SourceVpce condition: any VPC endpoint, in any account, can reach this API".into());
        }
    }
    if auth == "AWS_IAM" && ctx.req.auth == Auth::Sigv4 {
        f.notes.push("SCPs (and RCPs) of the caller's and the API owner's organizations are not evaluated: a member account cannot read them (rulebook §4.7)".into());
    }

    let mut read = vec![ResourceRef::new(K::RestApi, id)];
    if let Some(d) = r.call.domain {
        read.push(ResourceRef::new(K::DomainName, &d.domain_name));
    }
    read.extend(r.resources_read());
    if auth == "CUSTOM" || auth == "COGNITO_USER_POOLS" {
        if let Some(a) = r.live.and_then(|m| m.authorizer_id.as_deref()) {
            read.push(ResourceRef::new(K::Authorizer, a));
        }
    }
    if auth == "AWS_IAM" && ctx.req.auth == Auth::Sigv4 {
        if let Some(role) = ctx.client.as_ref().and_then(|c| c.role_arn.as_deref()) {
            read.push(ResourceRef::new(K::Role, role));
        }
    }
    let mut hop = f.preceded_by(read, head);
    // The client sees the response only when this hop blocks.
    match hop.response.take() {
        Some(resp) if hop.verdict == Verdict::Deny => hop.symptom(resp.symptom()).respond(*resp),
        _ => hop,
    }
}

/// `NONE`: the resource policy alone must explicitly allow (H13.3).
fn none_method(rp: &Rp, caller: &Caller) -> Hop {
    let arn = rp.arn;
    let f = match rp.m.decision.definite() {
        Some(Outcome::Allow) => finding(
            Verdict::Allow,
            "H13.3",
            format!(
                "the resource policy allows anonymous callers to invoke {arn} ({}); a NONE method needs nothing else",
                rp.label()
            ),
            rp.deciding(),
        ),
        Some(Outcome::ExplicitDeny) => finding(
            Verdict::Deny,
            "H13.3",
            format!("the resource policy denies {arn} to anonymous callers: {} applies", rp.label()),
            rp.deciding(),
        )
        .respond(access_denied(caller, arn, " with an explicit deny")),
        Some(Outcome::ImplicitDeny) => {
            let mut f = finding(
                Verdict::Deny,
                "H13.3",
                format!("no statement of the resource policy allows anonymous callers to invoke {arn}"),
                rp.deciding(),
            )
            .respond(access_denied(caller, arn, ""));
            if rp.aws_principals_only() {
                f = f.check_id("H13.2");
                f.notes.push("H13.2: the resource policy's Allow statements name AWS principals only, so every method that is not AWS_IAM fails, NONE included".into());
            }
            f
        }
        None => finding(
            Verdict::Unknown,
            "H13.3",
            format!(
                "whether the resource policy allows anonymous callers to invoke {arn} depends on {}",
                missing(rp.p, rp.m)
            ),
            rp.deciding(),
        ),
    };
    f.notes(rp.notes())
}
