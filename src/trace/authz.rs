//! H13: the resource policy and the authorization workflow of the method
//! (rulebook H13.0–H13.6, APIGW-AUTHFLOW): which policy is in force, a
//! missing policy, principal shapes, `NONE`, `AWS_IAM` (Tables A and B),
//! `CUSTOM` and `COGNITO_USER_POOLS`, the private custom domain's policy.

use crate::model::apigw::DomainName;
use crate::policy::{
    self, Caller, Decision, Outcome, ParseOptions, Policy, PrincipalEntry, ShortForm,
};

use super::authorizer::{authorizer_plumbing, missing_identity_source, Plumbing};
use super::endpoint_policy::off_endpoint;
use super::identity::role_decision;
use super::reqctx::{
    access_denied, evaluate_method, request_context, signed_caller, statement_notes, symptom_of,
    MethodEval,
};
use super::request::Auth;
use super::route::{domain_arn, Miss, Route};
use super::{Ctx, Hop, Response, Verdict};

const HOP: &str = "authorization";

/// A verdict being built.
struct Finding {
    verdict: Verdict,
    check: &'static str,
    reason: String,
    deciding: String,
    notes: Vec<String>,
    response: Option<Response>,
    /// The verdict rests on the resource policy (so H13.0 applies).
    uses_rp: bool,
}

impl Finding {
    fn new(verdict: Verdict, check: &'static str, reason: String, deciding: String) -> Finding {
        Finding {
            verdict,
            check,
            reason,
            deciding,
            notes: Vec::new(),
            response: None,
            uses_rp: true,
        }
    }
    fn respond(mut self, r: Response) -> Finding {
        self.response = Some(r);
        self
    }
    fn notes(mut self, n: Vec<String>) -> Finding {
        self.notes.extend(n);
        self
    }
}

/// A column of Tables A and B.
fn column(d: Decision) -> &'static str {
    match d.definite() {
        Some(Outcome::Allow) => "Allow",
        Some(Outcome::ExplicitDeny) => "Deny",
        Some(Outcome::ImplicitDeny) => "Neither",
        None => "unknown",
    }
}

/// The inputs an undecided evaluation waits for.
fn missing(p: &Policy, m: &MethodEval) -> String {
    let mut v = policy::report(p, &m.eval, &m.rc).unknown;
    if m.verb_matters {
        v.push("the verb an ANY method presents (undocumented, rulebook §1.2)".into());
    }
    if v.is_empty() {
        v.push("inputs the snapshot lacks".into());
    }
    v.join(", ")
}

/// The resource policy and its evaluation for this request.
struct Rp<'a> {
    p: &'a Policy,
    m: &'a MethodEval,
    field: String,
    arn: &'a str,
}

impl Rp<'_> {
    fn deciding(&self) -> String {
        match self.m.eval.deciding {
            Some(i) => format!("{} {}", self.field, policy::statement_label(self.p, i)),
            None => format!("{} (no statement allows {})", self.field, self.arn),
        }
    }
    fn label(&self) -> String {
        self.m
            .eval
            .deciding
            .map(|i| policy::statement_label(self.p, i))
            .unwrap_or_else(|| "a statement".into())
    }
    fn notes(&self) -> Vec<String> {
        let mut n = statement_notes("resource policy", self.p, &self.m.eval, &self.m.rc);
        if self.m.verb_matters {
            n.push("the resource policy answers differently for the request verb and for ANY: which one an ANY method presents is not documented (rulebook §1.2)".into());
        }
        n
    }
    /// H13.2: the Allow statements name AWS principals only.
    fn aws_principals_only(&self) -> bool {
        let allows: Vec<_> = self
            .p
            .statements
            .iter()
            .filter(|s| s.effect == policy::Effect::Allow)
            .collect();
        !allows.is_empty()
            && allows.iter().all(|s| {
                s.principal
                    .as_ref()
                    .is_some_and(|b| !b.negated && !b.entries.contains(&PrincipalEntry::Any))
            })
    }
}

pub(super) fn h13_authorization<'w>(
    ctx: &Ctx<'w>,
    route: &Result<Route<'w>, Miss>,
) -> (Hop, Option<Response>) {
    if let Some(h) = off_endpoint(HOP, ctx) {
        return (h, None);
    }
    let r = match route {
        Ok(r) => r,
        Err(Miss::Skip(why)) => {
            return (
                Hop::new(HOP, Verdict::Skip, "", format!("not evaluable: {why}")),
                None,
            )
        }
        Err(Miss::Unknown(why, field)) => {
            return (
                Hop::new(
                    HOP,
                    Verdict::Unknown,
                    "H13",
                    format!("cannot evaluate: {why}"),
                )
                .deciding(field.clone()),
                None,
            )
        }
    };
    let api = r.api;
    let id = &api.id;
    if !api.is_private() {
        return (
            Hop::new(
                HOP,
                Verdict::Skip,
                "",
                format!("not evaluable: {id} is not a private API (api)"),
            )
            .resource(id.clone()),
            None,
        );
    }
    let dep = &r.deployment.id;
    let sum_field = format!(
        "apigateway:GetDeployment {id} {dep} apiSummary[{}][{}]",
        r.template, r.method_key
    );
    let Some(auth) = r.snapshot.authorization_type.as_deref() else {
        return (
            Hop::new(
                HOP,
                Verdict::Unknown,
                "H13.3",
                format!(
                    "the deployed method {} {} has no authorizationType in the snapshot",
                    r.method_key, r.template
                ),
            )
            .deciding(format!("{sum_field}.authorizationType (missing)")),
            None,
        );
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

    let rp_field = format!("apigateway:GetRestApi {id} policy");
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
    let parsed: Option<Result<Policy, String>> = rp_text.map(|t| {
        policy::parse(
            t,
            &ParseOptions {
                short_form: Some(short),
            },
        )
        .map_err(|e| e.to_string())
    });
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
        let mut f = Finding::new(
            Verdict::Deny,
            "H13.3",
            format!("the method is AWS_IAM and the request is not SigV4-signed"),
            format!("{sum_field}.authorizationType=AWS_IAM"),
        )
        .respond(Response {
            status: 403,
            error_type: "MissingAuthenticationTokenException".into(),
            message: "Missing Authentication Token".into(),
        });
        f.uses_rp = false;
        f
    } else {
        match (&parsed, &evaluated) {
            (None, _) => Finding::new(
                Verdict::Deny,
                "H13.1",
                format!("private API {id} has no resource policy, so every call fails"),
                format!("{rp_field} (empty)"),
            )
            .respond(access_denied(&caller, &method_arn, "")),
            (Some(Err(e)), _) => Finding::new(
                Verdict::Unknown,
                "H13",
                format!("the resource policy of {id} cannot be read: {e}"),
                rp_field.clone(),
            ),
            (Some(Ok(p)), Some(m)) => {
                let rp = Rp {
                    p,
                    m,
                    field: rp_field.clone(),
                    arn: &method_arn,
                };
                match auth.as_str() {
                    "NONE" => none_method(&rp, &caller),
                    "AWS_IAM" => iam_method(ctx, &rp, &caller, &account, any_arn.as_deref()),
                    "CUSTOM" => authorizer_method(ctx, r, &rp, &caller, &account, false),
                    "COGNITO_USER_POOLS" => authorizer_method(ctx, r, &rp, &caller, &account, true),
                    other => Finding::new(
                        Verdict::Unknown,
                        "H13.3",
                        format!("authorizationType {other} is not one the rulebook describes"),
                        format!("{sum_field}.authorizationType={other}"),
                    ),
                }
            }
            (Some(Ok(_)), None) => Finding::new(
                Verdict::Unknown,
                "H13",
                "the resource policy was not evaluated".into(),
                rp_field.clone(),
            ),
        }
    };

    if let Some(d) = r.call.domain {
        f = domain_policy(ctx, f, d, &dom_arn, &caller, &account);
    }
    f = policy_in_force(f, r);

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
        if allows_all && !vpc_keyed {
            f.notes.push("H13.4: the resource policy allows * with no aws:SourceVpc or aws:SourceVpce condition: any VPC endpoint, in any account, can reach this API".into());
        }
    }
    if auth == "AWS_IAM" && ctx.req.auth == Auth::Sigv4 {
        f.notes.push("SCPs (and RCPs) of the caller's and the API owner's organizations are not evaluated: a member account cannot read them (rulebook §4.7)".into());
    }

    let mut hop = Hop::new(HOP, f.verdict, f.check, f.reason)
        .deciding(f.deciding)
        .resource(id.clone());
    if let Some(d) = r.call.domain {
        hop = hop.resource(d.domain_name.clone());
    }
    for n in head.into_iter().chain(f.notes) {
        hop = hop.note(n);
    }
    if let Some(resp) = &f.response {
        if f.verdict == Verdict::Deny {
            hop = hop.symptom(symptom_of(resp));
        }
    }
    let response = if f.verdict == Verdict::Deny {
        f.response
    } else {
        None
    };
    (hop, response)
}

/// `NONE`: the resource policy alone must explicitly allow (H13.3).
fn none_method(rp: &Rp, caller: &Caller) -> Finding {
    let arn = rp.arn;
    let f = match rp.m.decision.definite() {
        Some(Outcome::Allow) => Finding::new(
            Verdict::Allow,
            "H13.3",
            format!(
                "the resource policy allows anonymous callers to invoke {arn} ({}); a NONE method needs nothing else",
                rp.label()
            ),
            rp.deciding(),
        ),
        Some(Outcome::ExplicitDeny) => Finding::new(
            Verdict::Deny,
            "H13.3",
            format!("the resource policy denies {arn} to anonymous callers: {} applies", rp.label()),
            rp.deciding(),
        )
        .respond(access_denied(caller, arn, " with an explicit deny")),
        Some(Outcome::ImplicitDeny) => {
            let mut f = Finding::new(
                Verdict::Deny,
                "H13.3",
                format!("no statement of the resource policy allows anonymous callers to invoke {arn}"),
                rp.deciding(),
            )
            .respond(access_denied(caller, arn, ""));
            if rp.aws_principals_only() {
                f.check = "H13.2";
                f.notes.push("H13.2: the resource policy's Allow statements name AWS principals only, so every method that is not AWS_IAM fails, NONE included".into());
            }
            f
        }
        None => Finding::new(
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

/// `AWS_IAM`: the caller's identity policies and the resource policy,
/// combined per Table A (same account) or Table B (cross-account).
fn iam_method(
    ctx: &Ctx,
    rp: &Rp,
    caller: &Caller,
    account: &str,
    any_arn: Option<&str>,
) -> Finding {
    let arn = rp.arn;
    let c = match caller {
        Caller::Iam(c) => c,
        Caller::Unknown(why) => {
            return Finding::new(
                Verdict::Unknown,
                "H13.3",
                format!("the SigV4 identity is unknown: {why}"),
                format!("ec2:DescribeInstances {} IamInstanceProfile", ctx.req.from),
            )
            .notes(rp.notes())
        }
        _ => {
            return Finding::new(
                Verdict::Unknown,
                "H13.3",
                "the caller is not an IAM identity".into(),
                rp.field.clone(),
            )
        }
    };
    let role_arn = c.role_arn.clone().unwrap_or_else(|| c.arn.clone());
    let mut contexts = vec![rp.m.rc.clone()];
    if let Some(a) = any_arn {
        let mut alt = rp.m.rc.clone();
        alt.set_resource(Some(a));
        contexts.push(alt);
    }
    let mut notes = Vec::new();
    let (identity, id_deciding) = match ctx.world.role(&role_arn) {
        Some(role) => {
            let e = role_decision(ctx.world, role, &contexts);
            notes.extend(e.notes);
            for m in e.missing {
                notes.push(format!("missing from the snapshot: {m}"));
            }
            (e.decision, e.deciding)
        }
        None => {
            notes.push(format!(
                "role {role_arn} is not in the snapshot: its identity policies are unknown"
            ));
            (
                Decision::ANY,
                Some(format!("iam:GetRole {role_arn} (missing)")),
            )
        }
    };
    let same = c.account == account;
    let mut rp_col = rp.m.decision;
    if same && rp.m.eval.allow_only_via_account() && rp_col.contains(Outcome::Allow) {
        rp_col = rp_col.union(Decision::IMPLICIT_DENY);
        notes.push(format!(
            "{} allows by naming account {} (its root): whether API Gateway counts that as a resource-policy Allow in Table A is not documented (rulebook §4.4), so that column is unknown",
            rp.label(),
            c.account
        ));
    }
    let (combined, table) = if same {
        (
            identity.merge(rp_col),
            format!("Table A (caller and API in account {account})"),
        )
    } else {
        (
            identity.intersect(rp_col),
            format!(
                "Table B (caller in {}, API in {account}: both must allow)",
                c.account
            ),
        )
    };
    let cols = format!(
        "identity policies {}, resource policy {} → {}",
        column(identity),
        column(rp_col),
        combined.as_str()
    );
    let id_field = id_deciding.clone().unwrap_or_else(|| {
        format!(
            "iam:ListRolePolicies/ListAttachedRolePolicies {} (no statement allows {arn})",
            role_arn.rsplit('/').next().unwrap_or(&role_arn)
        )
    });
    let who = &c.arn;
    let f = match combined.definite() {
        Some(Outcome::Allow) => Finding::new(
            Verdict::Allow,
            "H13.3",
            format!("{who} may invoke {arn}: {cols} under {table}"),
            if identity.is_allow() {
                id_field
            } else {
                rp.deciding()
            },
        ),
        Some(Outcome::ExplicitDeny) => Finding::new(
            Verdict::Deny,
            "H13.3",
            format!("{who} is explicitly denied {arn}: {cols} under {table}"),
            if identity == Decision::EXPLICIT_DENY {
                id_field
            } else {
                rp.deciding()
            },
        )
        .respond(access_denied(caller, arn, " with an explicit deny")),
        Some(Outcome::ImplicitDeny) => Finding::new(
            Verdict::Deny,
            "H13.3",
            format!("nothing allows {who} to invoke {arn}: {cols} under {table}"),
            if same || identity.is_denied() {
                id_field
            } else {
                rp.deciding()
            },
        )
        .respond(access_denied(caller, arn, "")),
        None => Finding::new(
            Verdict::Unknown,
            "H13.3",
            format!("whether {who} may invoke {arn} cannot be decided: {cols} under {table}"),
            if identity.is_unknown() {
                id_field
            } else {
                rp.deciding()
            },
        ),
    };
    f.notes(notes).notes(rp.notes())
}

/// `CUSTOM` (Lambda authorizer) and `COGNITO_USER_POOLS`.
fn authorizer_method(
    ctx: &Ctx,
    r: &Route,
    rp: &Rp,
    caller: &Caller,
    account: &str,
    cognito: bool,
) -> Finding {
    let arn = rp.arn;
    let api = r.api;
    let authz = r
        .live
        .and_then(|m| m.authorizer_id.as_deref())
        .and_then(|aid| api.authorizers.iter().find(|a| a.id == aid));
    let a_field = match authz {
        Some(a) => format!("apigateway:GetAuthorizers {} {}", api.id, a.id),
        None => format!(
            "apigateway:GetResources {} {} {} authorizerId",
            api.id, r.template, r.method_key
        ),
    };
    let a_name = authz
        .map(|a| format!("{} ({})", a.name.as_deref().unwrap_or(&a.id), a.id))
        .unwrap_or_else(|| "(not in the snapshot)".into());
    let unauthorized = |src: String| {
        let mut f = Finding::new(
            Verdict::Deny,
            "H13.3",
            format!("the {} authorizer {a_name} reads {src}, which the request does not carry: API Gateway answers 401 without calling it", if cognito { "Cognito" } else { "Lambda" }),
            format!("{a_field} identitySource"),
        )
        .respond(Response {
            status: 401,
            error_type: "UnauthorizedException".into(),
            message: "Unauthorized".into(),
        });
        f.uses_rp = false;
        f
    };
    if cognito {
        // The JWT is validated before the resource policy (APIGW-AUTHFLOW).
        if let Some(src) = missing_identity_source(ctx, authz, true) {
            return unauthorized(src);
        }
    }
    let d = rp.m.decision;
    if d == Decision::EXPLICIT_DENY {
        return Finding::new(
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
    if d.contains(Outcome::ExplicitDeny) {
        return Finding::new(
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
            Some(Outcome::ImplicitDeny) => Finding::new(
                Verdict::Unknown,
                "H13.3",
                format!("the resource policy neither allows nor denies {arn}: for COGNITO_USER_POOLS methods the documentation contradicts itself (APIGW-AUTHFLOW's text requires an explicit allow; its Table A allows Cognito-allow with a silent resource policy)"),
                rp.deciding(),
            ),
            _ => Finding::new(
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
    match authz {
        Some(a) => match authorizer_plumbing(ctx, api, a, account) {
            Plumbing::Broken(reason, field) => {
                let mut f = Finding::new(Verdict::Deny, "H13.6", reason, field).respond(Response {
                    status: 500,
                    error_type: "AuthorizerConfigurationException".into(),
                    message:
                        "(body not documented; gateway response AUTHORIZER_CONFIGURATION_ERROR)"
                            .into(),
                });
                f.uses_rp = false;
                f.notes.push("execution log: Execution failed due to configuration error: Invalid permissions on Lambda function / Authorizer error".into());
                return f;
            }
            Plumbing::Unknown(reason, field) => notes.push(format!("H13.6: {reason} ({field})")),
            Plumbing::Ok(text) => notes.push(format!("H13.6: {text}")),
        },
        None => notes
            .push("the method's authorizerId does not name an authorizer in the snapshot".into()),
    }
    notes.push(format!(
        "resource policy for anonymous callers: {}; under Table A an authorizer Allow gives {}, an authorizer Deny an explicit deny",
        column(d),
        Decision::ALLOW.merge(d).as_str()
    ));
    if rp.aws_principals_only() {
        notes.push("H13.2: the resource policy's Allow statements name AWS principals only; API Gateway documents that methods other than AWS_IAM then fail".into());
    }
    Finding::new(
        Verdict::Unknown,
        "H13.3",
        format!("the Lambda authorizer {a_name} decides, and its answer cannot be known offline (rulebook §7.7)"),
        a_field,
    )
    .notes(notes)
    .notes(rp.notes())
}

/// H13.5: a private custom domain's own policy must allow too.
fn domain_policy(
    ctx: &Ctx,
    f: Finding,
    d: &DomainName,
    dom_arn: &Option<Result<String, String>>,
    caller: &Caller,
    account: &str,
) -> Finding {
    let name = &d.domain_name;
    let field = format!("apigateway:GetDomainName {name} policy");
    let unknown = |f: Finding, why: String, field: String| -> Finding {
        if f.verdict == Verdict::Deny {
            let mut f = f;
            f.notes.push(format!("H13.5: {why}"));
            return f;
        }
        let mut u = Finding::new(Verdict::Unknown, "H13.5", why, field);
        u.notes.push(format!(
            "the method's own authorization: {}: {}",
            f.verdict.as_str(),
            f.reason
        ));
        u.notes.extend(f.notes);
        u
    };
    let arn = match dom_arn {
        Some(Ok(a)) => a.clone(),
        Some(Err(e)) => {
            return unknown(
                f,
                e.clone(),
                format!("apigateway:GetDomainName {name} domainNameId (missing)"),
            )
        }
        None => return f,
    };
    let Some(text) = d.policy.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
        return unknown(
            f,
            format!("the policy of private custom domain {name} is not in the snapshot"),
            format!("{field} (missing)"),
        );
    };
    let p = match policy::parse(text, &ParseOptions::default()) {
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
    let e = policy::evaluate(&p, &rc);
    let at = e
        .deciding
        .map(|i| format!("{field} {}", policy::statement_label(&p, i)))
        .unwrap_or_else(|| format!("{field} (no statement allows {arn})"));
    let notes = statement_notes("domain policy", &p, &e, &rc);
    match e.decision.definite() {
        Some(Outcome::Allow) => {
            let mut f = f;
            f.notes.push(format!(
                "H13.5: the policy of private custom domain {name} allows {arn}"
            ));
            f.notes.extend(notes);
            f
        }
        Some(o) => {
            let mut g = Finding::new(
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
            g.uses_rp = false;
            g.notes.push(format!(
                "the method's own authorization: {}: {}",
                f.verdict.as_str(),
                f.reason
            ));
            g.notes.extend(notes);
            g
        }
        None => {
            let why = format!(
                "whether the policy of private custom domain {name} allows {arn} depends on {}",
                policy::report(&p, &e, &rc).unknown.join(", ")
            );
            let mut u = unknown(f, why, at);
            u.notes.extend(notes);
            u
        }
    }
}

/// H13.0: a resource policy saved after the stage's deployment is not in
/// force; the runtime keeps the deployed one.
fn policy_in_force(f: Finding, r: &Route) -> Finding {
    if !f.uses_rp {
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
        (Some(a), Some(b)) => Some(a > b),
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
            let mut u = Finding::new(
                Verdict::Unknown,
                "H13.0",
                match after {
                    Some(_) => format!(
                        "the resource policy changed at {t1}, after the stage's deployment {} at {when}: the runtime still uses the policy as of {when}",
                        dep.id
                    ),
                    None => format!(
                        "the resource policy changed at {t1}, and the deployment time of {} cannot be compared with it",
                        dep.id
                    ),
                },
                format!(
                    "apigateway:GetRestApi {} policyChangedAt={t1} vs apigateway:GetDeployment {} createdDate={}",
                    api.id,
                    dep.id,
                    t0.unwrap_or("(missing)")
                ),
            );
            u.notes.push(format!(
                "with the current (saved) policy the answer would be {}: {}",
                f.verdict.as_str(),
                f.reason
            ));
            u.notes.extend(f.notes);
            u
        }
    }
}
