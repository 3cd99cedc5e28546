//! H9: the VPC endpoint policy. Evaluated before API Gateway's own
//! authorization, against `execute-api:Invoke` on the method ARN (and, for a
//! private custom domain, on the domain's `execute-api-domain` ARN with
//! `execute-api:viaDomainArn`), with the caller the `Authorization` header
//! makes (H9.2).

use crate::policy::{self, Decision, Outcome, PrincipalEntry};
use crate::trace::parsed::parsed_default;

use crate::trace::ctx::{Ctx, Gate};
use crate::trace::evidence::{
    Deciding, PolicyEvidence, PolicyKind, ResourceKind as K, ResourceRef,
};
use crate::trace::hop::{Hop, HopId, Verdict};
use crate::trace::hops::policy_context::{
    access_denied, evaluate_method, request_context, signed_caller, MethodEval,
};
use crate::trace::resolve::{domain_arn, ApiCall, Miss, Route};

const HOP: HopId = HopId::EndpointPolicy;

pub(super) fn evaluate<'w>(
    ctx: &Ctx<'w>,
    call: &Result<ApiCall<'w>, Box<Miss>>,
    route: &Result<Route<'w>, Box<Miss>>,
) -> Hop {
    if let Some(h) = ctx.gate().past_endpoint(HOP) {
        return h;
    }
    let Gate::Endpoint(ep) = ctx.gate() else {
        return Hop::new(
            HOP,
            Verdict::Unknown,
            "H9",
            "the endpoint the request reaches is unknown, so its policy is too",
        );
    };
    let id = &ep.vpc_endpoint_id;
    let field = Deciding::field("ec2:DescribeVpcEndpoints", id, "PolicyDocument");
    let Some(doc) = ep
        .policy_document
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    else {
        let evidence = PolicyEvidence::implicit_full_access(
            PolicyKind::EndpointPolicy,
            ResourceRef::new(K::VpcEndpoint, id),
            format!("endpoint policy of {id} (none set: the default full-access policy)"),
        );
        let mut deciding = field.with_detail("(absent: full access)");
        if let Some(r) = evidence.deciding_ref() {
            deciding = deciding.with_statement(r);
        }
        return Hop::new(
            HOP,
            Verdict::Allow,
            "H9.1",
            format!("{id} has no endpoint policy: full access (the default)"),
        )
        .deciding(deciding)
        .read(K::VpcEndpoint, id)
        .policy(evidence);
    };
    let parsed = parsed_default(ctx.world, doc);
    let p = match parsed.as_ref() {
        Ok(p) => p,
        Err(e) => {
            return Hop::new(
                HOP,
                Verdict::Unknown,
                "H9.3",
                format!("the endpoint policy of {id} cannot be read: {e}"),
            )
            .deciding(field)
            .read(K::VpcEndpoint, id)
        }
    };
    let default_policy = p.statements.len() == 1 && {
        let s = &p.statements[0];
        s.effect == policy::Effect::Allow
            && s.conditions.is_empty()
            && s.action.raw == ["*"]
            && s.principal
                .as_ref()
                .is_some_and(|b| !b.negated && b.entries == [PrincipalEntry::Any])
            && s.resource.as_ref().is_some_and(|r| {
                !r.negated && r.patterns.len() == 1 && r.patterns[0].written == "*"
            })
    };

    let caller = signed_caller(ctx);
    let verb = ctx.req.method.as_str();
    let call_ok = call.as_ref().ok();
    let method_arn = call_ok.and_then(|c| c.method_arn(verb));
    let any_arn = route
        .as_ref()
        .ok()
        .filter(|r| r.is_any())
        .and_then(|r| r.call.method_arn("ANY"));
    let account = call_ok.and_then(|c| c.account.clone());
    let dom_arn = call_ok.and_then(|c| c.domain).map(|d| {
        domain_arn(
            d,
            &ctx.world.snap.partition,
            &ctx.region,
            &ctx.world.snap.account,
        )
        .ok_or_else(|| {
            format!(
                "the domainNameId of {} is not in the snapshot",
                d.domain_name
            )
        })
    });
    let rc = request_context(
        ctx,
        method_arn.as_deref(),
        &caller,
        account.as_deref(),
        dom_arn.as_ref(),
    );
    let method = evaluate_method(p, rc, any_arn.as_deref());
    // Form D: the domain resource must be allowed too (APIGW-VPCEPOL example 5).
    let domain = match &dom_arn {
        Some(Ok(arn)) => {
            let rc = request_context(
                ctx,
                Some(arn),
                &caller,
                account.as_deref(),
                dom_arn.as_ref(),
            );
            Some((arn.clone(), evaluate_method(p, rc, None)))
        }
        Some(Err(_)) => None,
        None => None,
    };
    let mut decision = method.decision;
    if let Some((_, d)) = &domain {
        decision = decision.intersect(d.decision);
    }
    if matches!(dom_arn, Some(Err(_))) {
        decision = decision.intersect(Decision::ANY);
    }

    // Explain the evaluation that decides: the domain's when it denies.
    let (arn, focus): (String, &MethodEval) = match &domain {
        Some((a, d))
            if d.decision.is_denied()
                || (!method.decision.is_denied() && d.decision.is_unknown()) =>
        {
            (a.clone(), d)
        }
        _ => (
            method_arn
                .clone()
                .unwrap_or_else(|| "(unknown method ARN)".into()),
            &method,
        ),
    };
    let who = caller.describe();
    let label = |i: usize| policy::statement_label(p, i);
    // The policy as evaluated; through a private custom domain it is
    // evaluated twice, for the method and for the domain, and both are shown.
    let evaluated = |resource: &str, m: &MethodEval| {
        let e = PolicyEvidence::from_eval(
            PolicyKind::EndpointPolicy,
            ResourceRef::new(K::VpcEndpoint, id),
            match &domain {
                Some(_) => format!("endpoint policy of {id}, for {resource}"),
                None => format!("endpoint policy of {id}"),
            },
            p,
            &m.eval,
            &m.rc,
        );
        match &domain {
            Some(_) => e.with_document(format!("{id} {resource}")),
            None => e,
        }
    };
    let evidence = evaluated(&arn, focus);
    let other = domain.as_ref().map(|(a, d)| {
        if std::ptr::eq(focus, d) {
            evaluated(
                method_arn.as_deref().unwrap_or("(unknown method ARN)"),
                &method,
            )
        } else {
            evaluated(a, d)
        }
    });
    let deciding = evidence.deciding_field(&field, format!("(no statement allows {arn})"));
    let (verdict, reason, response) = match decision.definite() {
        Some(Outcome::Allow) => (
            Verdict::Allow,
            if default_policy {
                format!("{id} has the default full-access endpoint policy")
            } else {
                format!("the endpoint policy of {id} allows execute-api:Invoke on {arn} for {who}")
            },
            None,
        ),
        Some(Outcome::ExplicitDeny) => (
            Verdict::Deny,
            format!(
                "the endpoint policy of {id} denies execute-api:Invoke on {arn} for {who}: {} applies",
                focus.eval.deciding.map(label).unwrap_or_else(|| "a Deny statement".into())
            ),
            Some(access_denied(
                &caller,
                &arn,
                " with an explicit deny in a VPC endpoint policy",
            )),
        ),
        Some(Outcome::ImplicitDeny) => (
            Verdict::Deny,
            format!(
                "the endpoint policy of {id} does not allow execute-api:Invoke on {arn} for {who}: no statement allows it"
            ),
            Some(access_denied(
                &caller,
                &arn,
                " because no VPC endpoint policy allows the execute-api:Invoke action",
            )),
        ),
        None => {
            let mut missing = policy::report(p, &focus.eval, &focus.rc).unknown;
            if focus.verb_matters {
                missing.push("the verb an ANY method presents (undocumented, rulebook §1.2)".into());
            }
            if matches!(dom_arn, Some(Err(_))) {
                missing.push("the custom domain's domainNameId".into());
            }
            if missing.is_empty() {
                missing.push("an input the snapshot lacks".into());
            }
            (
                Verdict::Unknown,
                format!(
                    "the endpoint policy of {id} may or may not allow execute-api:Invoke on {arn}: it depends on {}",
                    missing.join(", ")
                ),
                None,
            )
        }
    };
    let check = if default_policy { "H9.1" } else { "H9.3" };
    let mut hop = Hop::new(HOP, verdict, check, reason)
        .deciding(if default_policy && verdict == Verdict::Allow {
            // The one statement decides; the text names the default instead.
            let mut d = field.with_detail("(the default: Allow * on * to *)");
            if let Some(r) = evidence.deciding_ref() {
                d = d.with_statement(r);
            }
            d
        } else {
            deciding
        })
        .read(K::VpcEndpoint, id);
    if !default_policy {
        hop = hop.notes(evidence.notes("endpoint policy"));
    }
    hop = hop.policy(evidence).policies(other);
    if let Ok(r) = route {
        let auth = r.snapshot.authorization_type.as_deref().unwrap_or("");
        let names_principals = p.statements.iter().any(|s| {
            s.effect == policy::Effect::Allow
                && s.principal
                    .as_ref()
                    .is_some_and(|b| !b.entries.contains(&PrincipalEntry::Any))
        });
        if names_principals && (auth == "CUSTOM" || auth == "COGNITO_USER_POOLS") {
            hop = hop.note(format!(
                "H9.4: the endpoint policy restricts by IAM principal, but this {auth} method is called with a token, which the endpoint policy sees as anonymous"
            ));
        }
    }
    match response {
        // Neither the gateway response type of an endpoint-policy refusal
        // nor whether the access log records it is documented (H9).
        Some(mut resp) => {
            resp.gateway_response = None;
            let resp = resp.logged(None);
            hop.symptom(resp.symptom()).respond(resp)
        }
        None => hop,
    }
}
