//! Whether API Gateway may invoke a Lambda function: through a credentials
//! role (its trust policy and permissions) or through the function's own
//! resource policy, for the source ARN(s) API Gateway presents. Shared by the
//! Lambda authorizer (H13.6) and the Lambda integration (H15.1).

use crate::model::iam::Role;
use crate::policy::{self, Caller, Decision, RequestContext};
use crate::trace::ctx::Ctx;
use crate::trace::evidence::{
    Deciding, PolicyEvidence, PolicyKind, ResourceKind as K, ResourceRef,
};
use crate::trace::parsed::parsed_default;

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

/// When the function's own configuration read failed and nothing else in
/// the snapshot shows it exists (a resource policy returned for it), why:
/// the failed call and its error. Such a function is not "missing".
fn existence_unread(ctx: &Ctx, fn_arn: &str) -> Option<String> {
    let w = ctx.world;
    let (unqualified, qualifier) = split_qualifier(fn_arn);
    let failed = w.snap.failed(GET_CONFIGURATION, &unqualified)?;
    let has_policy = |q: Option<&str>| {
        w.lambda_policy(&unqualified, q)
            .is_some_and(|p| p.policy.is_some())
    };
    let shown = w.lambda_function(&unqualified).is_some()
        || has_policy(qualifier.as_deref())
        || has_policy(None);
    (!shown).then(|| failed.to_string())
}

const GET_CONFIGURATION: &str = "lambda:GetFunctionConfiguration";

/// Why the resource policy of `fn_arn` is not in the snapshot: its
/// `GetPolicy` failed (the error), else it was not read.
fn policy_unread(ctx: &Ctx, fn_arn: &str) -> String {
    let (unqualified, qualifier) = split_qualifier(fn_arn);
    let qualified = match qualifier {
        Some(q) => format!("{unqualified}:{q}"),
        None => unqualified,
    };
    match ctx.world.snap.failed("lambda:GetPolicy", &qualified) {
        Some(e) => format!("could not be read ({e})"),
        None => "is not in the snapshot".into(),
    }
}

/// `lambda:GetPolicy {function} Qualifier={q}`
fn policy_field(unqualified: &str, qualifier: Option<&str>) -> Deciding {
    Deciding::field(
        "lambda:GetPolicy",
        unqualified,
        qualifier
            .map(|q| format!("Qualifier={q}"))
            .unwrap_or_default(),
    )
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
    if let Some(role_arn) = credentials {
        let role_field = who.role_field.clone();
        let role = match assume_role(ctx, role_arn, who, evidence) {
            Ok(role) => role,
            Err(p) => return p,
        };
        let mut rc = RequestContext::new(
            "lambda:InvokeFunction",
            Some(fn_arn),
            Caller::role_session(role_arn, "apigateway"),
        );
        rc.set_unlisted_unknown(true);
        let id = role_decision(w, role, std::slice::from_ref(&rc));
        let because = id.undecided_because();
        evidence.extend(id.evidence);
        return match id.decision {
            d if d.is_allow() => {
                match function_policy_for_role(ctx, fn_arn, role_arn, &rc, who, evidence) {
                    Some(p) => p,
                    None => allowed(
                        ctx,
                        fn_arn,
                        who,
                        format!("API Gateway assumes {role_arn}, which may invoke {fn_arn}"),
                        id.deciding.clone().unwrap_or_else(|| role_field.clone()),
                    ),
                }
            }
            d if d.is_denied() => Plumbing::Broken(
                format!("{} credentials role {role_arn} is not allowed lambda:InvokeFunction on {fn_arn}", who.role_owner),
                id.deciding.unwrap_or_else(|| {
                    Deciding::field("iam:ListRolePolicies", &role.role_name, "")
                        .with_detail("(no statement allows lambda:InvokeFunction)")
                }),
            ),
            _ => Plumbing::Unknown(
                format!(
                    "whether {role_arn} may invoke {fn_arn} cannot be decided: {because}"
                ),
                id.deciding.unwrap_or(role_field),
            ),
        };
    }
    let (unqualified, qualifier) = split_qualifier(fn_arn);
    let lp_field = policy_field(&unqualified, qualifier.as_deref());
    let Some(lp) = w.lambda_policy(&unqualified, qualifier.as_deref()) else {
        return Plumbing::Unknown(
            format!(
                "the resource policy of {} {fn_arn} {}",
                who.function,
                policy_unread(ctx, fn_arn)
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
    let parsed = parsed_default(ctx.world, text);
    let p = match parsed.as_ref() {
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
    let evals: Vec<_> = contexts.iter().map(|rc| policy::evaluate(p, rc)).collect();
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
        p,
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
        d if d == Decision::ALLOW => allowed(
            ctx,
            fn_arn,
            who,
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
                policy::report(p, e, rc).unknown.join(", ")
            ),
            deciding,
        ),
    }
}

/// API Gateway may invoke `fn_arn` (`text` says why), unless the function's
/// own read failed: it may then not exist, so the answer is unknown. (A
/// refusal holds either way, so only an allow is checked.)
fn allowed(ctx: &Ctx, fn_arn: &str, who: &Invoker, text: String, field: Deciding) -> Plumbing {
    match existence_unread(ctx, fn_arn) {
        Some(why) => {
            let (unqualified, _) = split_qualifier(fn_arn);
            Plumbing::Unknown(
                format!(
                    "{text}, but whether {} {fn_arn} exists is unknown: {why}",
                    who.function
                ),
                Deciding::field(GET_CONFIGURATION, &unqualified, "").missing(),
            )
        }
        None => Plumbing::Ok(text, field),
    }
}

/// API Gateway assumes a credentials role: the role must be in the snapshot
/// and its trust policy must let `apigateway.amazonaws.com` call
/// `sts:AssumeRole`. The trust policy read is added to `evidence`.
pub fn assume_role<'w>(
    ctx: &Ctx<'w>,
    role_arn: &str,
    who: &Invoker,
    evidence: &mut Vec<PolicyEvidence>,
) -> Result<&'w Role, Plumbing> {
    let Some(role) = ctx.world.role(role_arn) else {
        return Err(Plumbing::Unknown(
            format!(
                "{} credentials role {role_arn} is not in the snapshot",
                who.role_owner
            ),
            Deciding::field("iam:GetRole", role_arn, "").missing(),
        ));
    };
    let trust_field = Deciding::field("iam:GetRole", &role.role_name, "AssumeRolePolicyDocument");
    let Some(trust) = role.assume_role_policy_document.as_deref() else {
        return Err(Plumbing::Unknown(
            format!("the trust policy of {role_arn} is not in the snapshot"),
            trust_field.missing(),
        ));
    };
    let parsed = parsed_default(ctx.world, trust);
    let p = match parsed.as_ref() {
        Ok(p) => p,
        Err(e) => {
            return Err(Plumbing::Unknown(
                format!("the trust policy of {role_arn} cannot be read: {e}"),
                trust_field,
            ))
        }
    };
    let mut rc = RequestContext::new(
        "sts:AssumeRole",
        Some(role_arn),
        Caller::Service("apigateway.amazonaws.com".into()),
    );
    // Which source keys API Gateway presents when it assumes a
    // credentials role is not documented: conditions on them stay unknown.
    rc.set_unlisted_unknown(true);
    let trust_eval = policy::evaluate(p, &rc);
    let d = trust_eval.decision;
    evidence.push(PolicyEvidence::from_eval(
        PolicyKind::TrustPolicy,
        ResourceRef {
            kind: K::Role,
            id: role.arn.clone(),
            name: Some(role.role_name.clone()),
        },
        format!("trust policy of role {}", role.role_name),
        p,
        &trust_eval,
        &rc,
    ));
    if d.is_denied() {
        return Err(Plumbing::Broken(
            format!("API Gateway cannot assume {} credentials role {role_arn}: its trust policy does not allow apigateway.amazonaws.com sts:AssumeRole", who.role_owner),
            trust_field,
        ));
    }
    if d.is_unknown() {
        return Err(Plumbing::Unknown(
            format!("whether API Gateway may assume {role_arn} depends on its trust policy's conditions"),
            trust_field,
        ));
    }
    Ok(role)
}

/// With a credentials role, the function's own resource policy still counts:
/// an explicit deny there refuses the role, and a function in another account
/// must allow the role too (rulebook §4.1, §4.6). `None` when it does not
/// change the role's answer.
fn function_policy_for_role(
    ctx: &Ctx,
    fn_arn: &str,
    role_arn: &str,
    rc: &RequestContext,
    who: &Invoker,
    evidence: &mut Vec<PolicyEvidence>,
) -> Option<Plumbing> {
    let (unqualified, qualifier) = split_qualifier(fn_arn);
    let field = policy_field(&unqualified, qualifier.as_deref());
    let account_of = |arn: &str| arn.split(':').nth(4).unwrap_or("").to_string();
    let cross = account_of(fn_arn) != account_of(role_arn);
    let entry = ctx.world.lambda_policy(&unqualified, qualifier.as_deref());
    // Not read at all (no entry): an explicit Deny there would refuse the
    // role, so the answer stays open. Read and absent: no policy.
    let Some(entry) = entry else {
        return Some(Plumbing::Unknown(
            format!(
                "the resource policy of {fn_arn} {}: an explicit deny there would refuse {role_arn}{}",
                policy_unread(ctx, fn_arn),
                if cross { ", and as the function is in another account it must allow the role too" } else { "" }
            ),
            field.clone().missing(),
        ));
    };
    let Some(text) = entry.policy.as_deref() else {
        return cross.then(|| {
            Plumbing::Unknown(
                format!(
                    "{fn_arn} is in another account than {role_arn}: its resource policy must allow the role too, and it is not in the snapshot"
                ),
                field.clone().missing(),
            )
        });
    };
    let parsed = parsed_default(ctx.world, text);
    let p = match parsed.as_ref() {
        Ok(p) => p,
        Err(e) => {
            return Some(Plumbing::Unknown(
                format!("the resource policy of {fn_arn} cannot be read: {e}"),
                field,
            ))
        }
    };
    let e = policy::evaluate(p, rc);
    let ev = PolicyEvidence::from_eval(
        PolicyKind::FunctionPolicy,
        ResourceRef::new(K::Lambda, &unqualified),
        format!("resource policy of {} {fn_arn}", who.function),
        p,
        &e,
        rc,
    );
    let deciding = ev.deciding_field(&field, "");
    evidence.push(ev);
    match e.decision.definite() {
        Some(policy::Outcome::ExplicitDeny) => Some(Plumbing::Broken(
            format!("the resource policy of {fn_arn} explicitly denies {role_arn}"),
            deciding,
        )),
        Some(policy::Outcome::Allow) => None,
        Some(policy::Outcome::ImplicitDeny) if cross => Some(Plumbing::Broken(
            format!(
                "{fn_arn} is in another account and its resource policy does not allow {role_arn}"
            ),
            deciding,
        )),
        Some(policy::Outcome::ImplicitDeny) => None,
        None => Some(Plumbing::Unknown(
            format!(
                "whether the resource policy of {fn_arn} lets {role_arn} invoke it depends on {}",
                policy::report(p, &e, rc).unknown.join(", ")
            ),
            deciding,
        )),
    }
}
