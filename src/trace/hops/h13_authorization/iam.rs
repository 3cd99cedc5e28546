//! H13 for `AWS_IAM` methods: the caller's identity policies and the
//! resource policy, combined per Table A (same account) or Table B
//! (cross-account) (APIGW-AUTHFLOW, rulebook H13.3, §4.4, §4.6, §4.7).

use crate::policy::{Caller, Decision, Outcome};

use super::identity::role_decision;
use super::shared::{column, finding, Rp};
use crate::trace::ctx::Ctx;
use crate::trace::evidence::Deciding;
use crate::trace::hop::{Hop, Verdict};
use crate::trace::hops::policy_context::access_denied;

/// `AWS_IAM`: the caller's identity policies and the resource policy,
/// combined per Table A (same account) or Table B (cross-account).
pub(super) fn iam_method(
    ctx: &Ctx,
    rp: &Rp,
    caller: &Caller,
    account: &str,
    any_arn: Option<&str>,
) -> Hop {
    let arn = rp.arn;
    let c = match caller {
        Caller::Iam(c) => c,
        Caller::Unknown(why) => {
            return finding(
                Verdict::Unknown,
                "H13.3",
                format!("the SigV4 identity is unknown: {why}"),
                Deciding::field("ec2:DescribeInstances", ctx.from(), "IamInstanceProfile"),
            )
            .notes(rp.notes())
        }
        _ => {
            return finding(
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
    let mut evidence = Vec::new();
    let mut boundary = None;
    let (identity, id_deciding) = match ctx.world.role(&role_arn) {
        Some(role) => {
            let e = role_decision(ctx.world, role, &contexts);
            notes.extend(e.notes);
            evidence = e.evidence;
            for m in e.missing {
                notes.push(format!("missing from the snapshot: {m}"));
            }
            boundary = e
                .boundary
                .zip(role.permissions_boundary.as_ref())
                .map(|(d, b)| (d, b.permissions_boundary_arn.clone()));
            (e.decision, e.deciding)
        }
        None => {
            notes.push(format!(
                "role {role_arn} is not in the snapshot: its identity policies are unknown"
            ));
            (
                Decision::ANY,
                Some(Deciding::field("iam:GetRole", &role_arn, "").missing()),
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
    // IAM permissions boundaries: within an account, a boundary that does
    // not allow limits a resource-policy grant to the role ARN, but not one
    // to the role session ARN.
    let mut limit = String::new();
    if let Some((bd, b_arn)) = &boundary {
        let rp_allows_only = rp_col.contains(Outcome::Allow) && !identity.is_allow();
        if same
            && !bd.is_allow()
            && *bd != Decision::EXPLICIT_DENY
            && rp_allows_only
            && !rp.m.eval.allow_only_via_session()
        {
            rp_col = rp_col.union(Decision::IMPLICIT_DENY);
            limit = format!(
                "; the permissions boundary {b_arn} of {role_arn} does not allow execute-api:Invoke on {arn} ({}), and IAM limits a resource-policy grant to the role ARN by the boundary but not one to the role session ARN, so whether the resource-policy Allow counts is unknown",
                bd.as_str()
            );
        }
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
        Deciding::field(
            "iam:ListRolePolicies/ListAttachedRolePolicies",
            role_arn.rsplit('/').next().unwrap_or(&role_arn),
            "",
        )
        .with_detail(format!("(no statement allows {arn})"))
    });
    let who = &c.arn;
    let f = match combined.definite() {
        Some(Outcome::Allow) => finding(
            Verdict::Allow,
            "H13.3",
            format!("{who} may invoke {arn}: {cols} under {table}"),
            if identity.is_allow() {
                id_field
            } else {
                rp.deciding()
            },
        ),
        Some(Outcome::ExplicitDeny) => finding(
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
        Some(Outcome::ImplicitDeny) => finding(
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
        None => finding(
            Verdict::Unknown,
            "H13.3",
            format!(
                "whether {who} may invoke {arn} cannot be decided: {cols} under {table}{limit}"
            ),
            if identity.is_unknown() {
                id_field
            } else {
                rp.deciding()
            },
        ),
    };
    f.notes(notes).notes(rp.notes()).policies(evidence)
}
