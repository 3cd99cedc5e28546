//! What the H13 modules share: the hop's result constructor, the resource
//! policy as evaluated for the request, and the Tables A/B columns.

use crate::policy::{self, Decision, Outcome, Policy, PrincipalEntry};
use crate::trace::evidence::{Deciding, PolicyEvidence};
use crate::trace::hop::{Hop, HopId, Verdict};
use crate::trace::hops::policy_context::MethodEval;

pub(super) const HOP: HopId = HopId::Authorization;

/// A result for the authorization hop, before the notes common to every
/// method are added.
pub(super) fn finding(
    verdict: Verdict,
    check: &'static str,
    reason: String,
    deciding: impl Into<Deciding>,
) -> Hop {
    Hop::new(HOP, verdict, check, reason).deciding(deciding)
}

/// Whether a verdict was reached without consulting the resource policy (so
/// which policy is in force, H13.0, does not matter): an unsigned call to an
/// `AWS_IAM` method, a missing identity source (401), a broken authorizer
/// (H13.6), or the private custom domain's own policy denying (H13.5).
pub(super) fn decided_before_resource_policy(h: &Hop) -> bool {
    h.verdict == Verdict::Deny
        && (h.check == "H13.5"
            || h.check == "H13.6"
            || h.response.as_ref().is_some_and(|r| {
                r.status == Some(401)
                    || r.error_type.as_deref() == Some("MissingAuthenticationTokenException")
            }))
}

/// A column of Tables A and B.
pub(super) fn column(d: Decision) -> &'static str {
    match d.definite() {
        Some(Outcome::Allow) => "Allow",
        Some(Outcome::ExplicitDeny) => "Deny",
        Some(Outcome::ImplicitDeny) => "Neither",
        None => "unknown",
    }
}

/// The inputs an undecided evaluation waits for.
pub(super) fn missing(p: &Policy, m: &MethodEval) -> String {
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
pub(super) struct Rp<'a> {
    pub(super) p: &'a Policy,
    pub(super) m: &'a MethodEval,
    pub(super) field: Deciding,
    pub(super) arn: &'a str,
    /// The resource policy statement by statement, as evaluated.
    pub(super) evidence: PolicyEvidence,
}

impl Rp<'_> {
    pub(super) fn deciding(&self) -> Deciding {
        self.evidence
            .deciding_field(&self.field, format!("(no statement allows {})", self.arn))
    }
    pub(super) fn label(&self) -> String {
        self.m
            .eval
            .deciding
            .map(|i| policy::statement_label(self.p, i))
            .unwrap_or_else(|| "a statement".into())
    }
    pub(super) fn notes(&self) -> Vec<String> {
        let mut n = self.evidence.notes("resource policy");
        if self.m.verb_matters {
            n.push("the resource policy answers differently for the request verb and for ANY: which one an ANY method presents is not documented (rulebook §1.2)".into());
        }
        n
    }
    /// H13.2: the Allow statements name AWS principals only.
    pub(super) fn aws_principals_only(&self) -> bool {
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
