//! Whether API Gateway may invoke a Lambda function: through a credentials
//! role (its trust policy and permissions) or through the function's own
//! resource policy, for the source ARN(s) API Gateway presents. Shared by the
//! Lambda authorizer (H13.6) and the Lambda integration (H15.1).

use crate::policy::{self, Caller, Decision, ParseOptions, RequestContext};
use crate::trace::ctx::Ctx;
use crate::trace::evidence::{
    Deciding, PolicyEvidence, PolicyKind, ResourceKind as K, ResourceRef,
};

use super::h13_authorization::role_decision;

/// Whether API Gateway can invoke the function.
pub enum Plumbing {
    /// (what allows it, the deciding field)
    Ok(String, Deciding),
    /// (reason, deciding field)
    Broken(String, Deciding),
    Unknown(String, Deciding),
}

/// Who invokes, as the reasons name it.
pub struct Invoker<'a> {
    /// `the authorizer's` (credentials role).
    pub role_owner: &'a str,
    /// `the authorizer function`.
    pub function: &'a str,
    /// Where the credentials role is configured.
    pub role_field: Deciding,
}

/// `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{fn}/invocations` → `{fn}`.
pub fn lambda_of_uri(uri: &str) -> Option<&str> {
    let start = uri.find("/functions/")? + "/functions/".len();
    let rest = &uri[start..];
    let end = rest.find("/invocations")?;
    Some(&rest[..end])
}

/// (unqualified function ARN, qualifier).
pub fn split_qualifier(fn_arn: &str) -> (String, Option<String>) {
    let parts: Vec<&str> = fn_arn.split(':').collect();
    if parts.len() == 8 {
        (parts[..7].join(":"), Some(parts[7].to_string()))
    } else {
        (fn_arn.to_string(), None)
    }
}

/// Whether API Gateway may invoke `fn_arn` presenting each of `source_arns`;
/// every policy read is added to `evidence`.
pub fn may_invoke(
    ctx: &Ctx,
    fn_arn: &str,
    credentials: Option<&str>,
    source_arns: &[String],
    account: &str,
    who: &Invoker,
    evidence: &mut Vec<PolicyEvidence>,
) -> Plumbing {
    let w = ctx.world;
    let source_arn = source_arns.join(" or ");
    let first_source = source_arns.first().map(String::as_str).unwrap_or("");
    if let Some(role_arn) = credentials {
        let role_field = who.role_field.clone();
        let Some(role) = w.role(role_arn) else {
            return Plumbing::Unknown(
                format!(
                    "{} credentials role {role_arn} is not in the snapshot",
                    who.role_owner
                ),
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
            .set("aws:SourceArn", first_source)
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
                format!("API Gateway cannot assume {} credentials role {role_arn}: its trust policy does not allow apigateway.amazonaws.com sts:AssumeRole", who.role_owner),
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
            d if d.is_allow() => Plumbing::Ok(
                format!("API Gateway assumes {role_arn}, which may invoke {fn_arn}"),
                id.deciding.clone().unwrap_or_else(|| role_field.clone()),
            ),
            d if d.is_denied() => Plumbing::Broken(
                format!("{} credentials role {role_arn} is not allowed lambda:InvokeFunction on {fn_arn}", who.role_owner),
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
                "the resource policy of {} {fn_arn} is not in the snapshot",
                who.function
            ),
            lp_field.clone().missing(),
        );
    };
    let Some(text) = lp.policy.as_deref() else {
        return Plumbing::Broken(
            format!(
                "{} {fn_arn} has no resource policy, so API Gateway may not invoke it",
                who.function
            ),
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
    // One context per source ARN API Gateway may present (two for an ANY
    // method, whose verb is not documented); the decision holds all outcomes.
    let contexts: Vec<RequestContext> = source_arns
        .iter()
        .map(|src| {
            let mut rc = RequestContext::new(
                "lambda:InvokeFunction",
                Some(fn_arn),
                Caller::Service("apigateway.amazonaws.com".into()),
            );
            rc.set_unlisted_unknown(true)
                .set("aws:SourceArn", src)
                .set("aws:SourceAccount", account);
            rc
        })
        .collect();
    let evals: Vec<_> = contexts.iter().map(|rc| policy::evaluate(&p, rc)).collect();
    let decision = evals
        .iter()
        .map(|e| e.decision)
        .reduce(|a, b| a.union(b))
        .unwrap_or(Decision::IMPLICIT_DENY);
    // Show (and cite) the evaluation that refuses, else the first.
    let k = evals
        .iter()
        .position(|e| e.decision.is_denied())
        .unwrap_or(0);
    let (e, rc) = (&evals[k], &contexts[k]);
    let function_policy = PolicyEvidence::from_eval(
        PolicyKind::FunctionPolicy,
        ResourceRef::new(K::Lambda, &unqualified),
        format!("resource policy of {} {fn_arn}", who.function),
        &p,
        e,
        rc,
    );
    let deciding = function_policy.deciding_field(&lp_field, "");
    evidence.push(function_policy);
    let verbs_differ = evals.len() > 1
        && evals.iter().any(|e| e.decision == Decision::ALLOW)
        && evals.iter().any(|e| e.decision.is_denied());
    if verbs_differ {
        return Plumbing::Unknown(
            format!(
                "the resource policy of {fn_arn} allows one of {source_arn} but not the other; which verb API Gateway presents for an ANY method is not documented (a permission with verb * covers both)"
            ),
            deciding,
        );
    }
    match decision {
        d if d == Decision::ALLOW => Plumbing::Ok(
            format!(
                "the resource policy of {fn_arn} lets apigateway.amazonaws.com invoke it from {source_arn}"
            ),
            deciding,
        ),
        d if d.is_denied() => Plumbing::Broken(
            format!("the resource policy of {} {fn_arn} does not let apigateway.amazonaws.com invoke it from {source_arn}", who.function),
            deciding,
        ),
        _ => Plumbing::Unknown(
            format!(
                "whether the resource policy of {fn_arn} lets API Gateway invoke it depends on {}",
                policy::report(&p, e, rc).unknown.join(", ")
            ),
            deciding,
        ),
    }
}
