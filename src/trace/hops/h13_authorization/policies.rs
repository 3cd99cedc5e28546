//! H13.0 (which resource policy is in force) and H13.5 (a private custom
//! domain's own policy).

use crate::model::apigw::DomainName;
use crate::policy::{self, Caller, Outcome};
use crate::trace::parsed::parsed_default;

use super::shared::{decided_before_resource_policy, finding};
use crate::trace::ctx::Ctx;
use crate::trace::evidence::{
    Deciding, PolicyEvidence, PolicyKind, ResourceKind as K, ResourceRef,
};
use crate::trace::hop::{Hop, Verdict};
use crate::trace::hops::policy_context::{access_denied, request_context};
use crate::trace::resolve::Route;

/// H13.5: a private custom domain's own policy must allow too.
pub(super) fn domain_policy(
    ctx: &Ctx,
    f: Hop,
    d: &DomainName,
    dom_arn: &Option<Result<String, String>>,
    caller: &Caller,
    account: &str,
) -> Hop {
    let name = &d.domain_name;
    let field = Deciding::field("apigateway:GetDomainName", name, "policy");
    let unknown = |f: Hop, why: String, field: Deciding| -> Hop {
        if f.verdict == Verdict::Deny {
            let mut f = f;
            f.notes.push(format!("H13.5: {why}"));
            return f;
        }
        let mut u = finding(Verdict::Unknown, "H13.5", why, field);
        u.notes.push(format!(
            "the method's own authorization: {}: {}",
            f.verdict.as_str(),
            f.reason
        ));
        u.notes.extend(f.notes);
        u.policies(f.policies)
    };
    let arn = match dom_arn {
        Some(Ok(a)) => a.clone(),
        Some(Err(e)) => {
            return unknown(
                f,
                e.clone(),
                Deciding::field("apigateway:GetDomainName", name, "domainNameId").missing(),
            )
        }
        None => return f,
    };
    let Some(text) = d.policy.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
        return unknown(
            f,
            format!("the policy of private custom domain {name} is not in the snapshot"),
            field.clone().missing(),
        );
    };
    let parsed = parsed_default(ctx.world, text);
    let p = match parsed.as_ref() {
        Ok(p) => p,
        Err(e) => {
            return unknown(
                f,
                format!("the policy of private custom domain {name} cannot be read: {e}"),
                field,
            )
        }
    };
    let rc = request_context(ctx, Some(&arn), caller, Some(account), dom_arn.as_ref());
    let e = policy::evaluate(p, &rc);
    let evidence = PolicyEvidence::from_eval(
        PolicyKind::DomainPolicy,
        ResourceRef::new(K::DomainName, name),
        format!("policy of private custom domain {name}"),
        p,
        &e,
        &rc,
    );
    let at = evidence.deciding_field(&field, format!("(no statement allows {arn})"));
    let notes = evidence.notes("domain policy");
    match e.decision.definite() {
        Some(Outcome::Allow) => {
            let mut f = f;
            f.notes.push(format!(
                "H13.5: the policy of private custom domain {name} allows {arn}"
            ));
            f.notes.extend(notes);
            f.policy(evidence)
        }
        Some(o) => {
            let mut g = finding(
                Verdict::Deny,
                "H13.5",
                format!("the policy of private custom domain {name} does not allow execute-api:Invoke on {arn}"),
                at,
            )
            .respond(access_denied(
                caller,
                &arn,
                if o == Outcome::ExplicitDeny { " with an explicit deny" } else { "" },
            ));
            g.notes.push(format!(
                "the method's own authorization: {}: {}",
                f.verdict.as_str(),
                f.reason
            ));
            g.notes.extend(notes);
            g.policies(f.policies).policy(evidence)
        }
        None => {
            let why = format!(
                "whether the policy of private custom domain {name} allows {arn} depends on {}",
                policy::report(p, &e, &rc).unknown.join(", ")
            );
            let mut u = unknown(f, why, at);
            u.notes.extend(notes);
            u.policy(evidence)
        }
    }
}

/// H13.0: a resource policy saved after the stage's deployment is not in
/// force; the runtime keeps the deployed one.
pub(super) fn policy_in_force(f: Hop, r: &Route) -> Hop {
    if decided_before_resource_policy(&f) {
        return f;
    }
    let api = r.api;
    let dep = &r.deployment;
    let t0 = dep.created_date.as_deref();
    let Some(t1) = api.policy_changed_at.as_deref() else {
        let mut f = f;
        f.notes.push(format!(
            "H13.0: the policy in force is the one deployed with {} ({}); without CloudTrail the tool cannot tell whether the saved policy changed since",
            dep.id,
            t0.unwrap_or("date unknown")
        ));
        return f;
    };
    let after = match (
        policy::parse_date_millis(t1),
        t0.and_then(policy::parse_date_millis),
    ) {
        // Equal times (to the second) cannot be ordered: treated as after.
        (Some(a), Some(b)) => Some(a >= b),
        _ => None,
    };
    match after {
        Some(false) => {
            let mut f = f;
            f.notes.push(format!(
                "H13.0: the resource policy last changed at {t1}, before deployment {} ({}): it is the one in force",
                dep.id,
                t0.unwrap_or("")
            ));
            f
        }
        _ => {
            let when = t0.unwrap_or("an unknown time");
            let mut u = finding(
                Verdict::Unknown,
                "H13.0",
                match after {
                    Some(_) => format!(
                        "the resource policy changed at {t1}, after the stage's deployment {} at {when}: with the saved policy the answer is {}, but the runtime still uses the policy as of {when}, which cannot be read, so the answer may be either",
                        dep.id,
                        f.verdict.as_str()
                    ),
                    None => format!(
                        "the resource policy changed at {t1}, and the deployment time of {} cannot be compared with it: with the saved policy the answer is {}, with the deployed one it cannot be known",
                        dep.id,
                        f.verdict.as_str()
                    ),
                },
                Deciding::field("apigateway:GetRestApi", &api.id, format!("policyChangedAt={t1} vs apigateway:GetDeployment {} createdDate={}", dep.id, t0.unwrap_or("(missing)"))),
            );
            u.notes.push(format!(
                "with the current (saved) policy the answer would be {}: {}",
                f.verdict.as_str(),
                f.reason
            ));
            u.notes.extend(f.notes);
            u.policies(f.policies)
        }
    }
}
