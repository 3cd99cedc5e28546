//! Identity-side evaluation of an IAM role (rulebook §4.6, §4.7): its inline
//! and managed policies together, limited by its permissions boundary. Used
//! for `AWS_IAM` callers (H13) and for the roles API Gateway assumes
//! (authorizer credentials, H13.6).

use crate::model::iam::Role;
use crate::model::World;
use crate::policy::{self, Decision, Outcome, RequestContext};
use crate::trace::evidence::{
    Deciding, PolicyEvidence, PolicyKind, ResourceKind as K, ResourceRef,
};
use crate::trace::parsed::parsed_default;

/// What a role's identity policies decide.
pub struct IdentityEval {
    pub decision: Decision,
    /// The document and statement that decided, as an AWS field.
    pub deciding: Option<Deciding>,
    /// Each document that was read, statement by statement (for the first
    /// request context when there are several).
    pub evidence: Vec<PolicyEvidence>,
    /// One line per document.
    pub notes: Vec<String>,
    /// Documents the snapshot lacks or that cannot be read.
    pub missing: Vec<String>,
    /// What the permissions boundary alone decides, when the role has one.
    pub boundary: Option<Decision>,
}

impl IdentityEval {
    /// What an undecided answer waits for: the documents the snapshot
    /// lacks, else each document's own answer (naming the conditions).
    pub fn undecided_because(&self) -> String {
        if !self.missing.is_empty() {
            return format!("the snapshot lacks {}", self.missing.join(", "));
        }
        if self.notes.is_empty() {
            return "inputs the snapshot lacks".into();
        }
        self.notes.join("; ")
    }
}

struct Doc<'a> {
    /// `inline policy invoke-workflows`.
    label: String,
    /// `iam:GetRolePolicy web-app-role invoke-workflows`.
    field: Deciding,
    text: Option<&'a str>,
    kind: PolicyKind,
    /// The role's name.
    role: &'a str,
    role_arn: &'a str,
    /// The policy's name (inline) or ARN (managed, boundary).
    document: String,
}

/// What one document decides.
struct DocEval {
    decision: Decision,
    deciding: Option<Deciding>,
    note: String,
    missing: Option<String>,
    evidence: Option<PolicyEvidence>,
}

/// Evaluate one document against every context (several for an `ANY`
/// method's two possible verbs); the decision holds every outcome seen.
fn eval_doc(world: &World, doc: &Doc, contexts: &[RequestContext]) -> DocEval {
    let Some(text) = doc.text else {
        return DocEval {
            decision: Decision::ANY,
            deciding: None,
            note: format!("{}: not in the snapshot, so unknown", doc.label),
            missing: Some(format!("{} (missing)", doc.field)),
            evidence: None,
        };
    };
    let parsed = parsed_default(world, text);
    let p = match parsed.as_ref() {
        Ok(p) => p,
        Err(e) => {
            return DocEval {
                decision: Decision::ANY,
                deciding: None,
                note: format!("{}: cannot be read: {e}", doc.label),
                missing: Some(format!("{} ({e})", doc.field)),
                evidence: None,
            }
        }
    };
    let mut decision: Option<Decision> = None;
    let evals: Vec<_> = contexts.iter().map(|rc| policy::evaluate(p, rc)).collect();
    for e in &evals {
        decision = Some(decision.map_or(e.decision, |d| d.union(e.decision)));
    }
    // Show (and cite) the first evaluation in which a statement decided.
    let shown = evals.iter().position(|e| e.deciding.is_some());
    let k = shown.unwrap_or(0);
    let evidence = evals.get(k).map(|e| {
        PolicyEvidence::from_eval(
            doc.kind,
            ResourceRef {
                kind: K::Role,
                id: doc.role_arn.to_string(),
                name: Some(doc.role.to_string()),
            },
            format!("{} of role {}", doc.label, doc.role),
            p,
            e,
            &contexts[k],
        )
        .with_document(doc.document.clone())
    });
    let (deciding, why) = match (shown, &evidence) {
        (Some(k), Some(ev)) => {
            let why = evals[k]
                .deciding
                .and_then(|i| ev.statements.iter().find(|s| s.index == i))
                .map(|s| s.why.clone())
                .unwrap_or_default();
            (Some(ev.deciding_field(&doc.field, "")), why)
        }
        _ => (None, String::new()),
    };
    let decision = decision.unwrap_or(Decision::IMPLICIT_DENY);
    let text = match decision.definite() {
        Some(Outcome::ImplicitDeny) => format!("{}: no statement applies", doc.label),
        _ => format!("{}: {} ({why})", doc.label, decision.as_str()),
    };
    DocEval {
        decision,
        deciding,
        note: text,
        missing: None,
        evidence,
    }
}

/// The role's identity policies for the request(s) in `contexts`.
pub fn role_decision(world: &World, role: &Role, contexts: &[RequestContext]) -> IdentityEval {
    let name = &role.role_name;
    let mut docs: Vec<Doc> = role
        .inline_policies
        .iter()
        .map(|p| Doc {
            label: format!("inline policy {}", p.policy_name),
            field: Deciding::field("iam:GetRolePolicy", name, &p.policy_name),
            text: Some(p.policy_document.as_str()),
            kind: PolicyKind::IdentityPolicy,
            role: name,
            role_arn: &role.arn,
            document: p.policy_name.clone(),
        })
        .collect();
    for a in &role.attached_policies {
        docs.push(Doc {
            label: format!("managed policy {}", a.policy_arn),
            field: Deciding::field("iam:GetPolicyVersion", &a.policy_arn, ""),
            kind: PolicyKind::IdentityPolicy,
            role: name,
            role_arn: &role.arn,
            document: a.policy_arn.clone(),
            text: world
                .managed_policy(&a.policy_arn)
                .map(|m| m.document.as_str()),
        });
    }
    // Policies whose read failed: each stands for a document that may hold
    // anything, a Deny included, so the answer stays open.
    for call in &role.unread {
        let (api, what) = call.split_once(' ').unwrap_or((call.as_str(), ""));
        let api: &'static str = match api {
            "iam:GetRolePolicy" => "iam:GetRolePolicy",
            "iam:ListAttachedRolePolicies" => "iam:ListAttachedRolePolicies",
            "iam:ListRolePolicies" => "iam:ListRolePolicies",
            _ => "iam:GetRole",
        };
        docs.push(Doc {
            label: format!("a policy the snapshot could not read ({call})"),
            field: Deciding::field(api, name, what),
            kind: PolicyKind::IdentityPolicy,
            role: name,
            role_arn: &role.arn,
            document: call.clone(),
            text: None,
        });
    }
    let mut out = IdentityEval {
        decision: Decision::IMPLICIT_DENY,
        deciding: None,
        evidence: Vec::new(),
        notes: Vec::new(),
        missing: Vec::new(),
        boundary: None,
    };
    let mut allow_field = None;
    for d in &docs {
        let DocEval {
            decision: dec,
            deciding: field,
            note,
            missing,
            evidence,
        } = eval_doc(world, d, contexts);
        out.evidence.extend(evidence);
        out.decision = out.decision.merge(dec);
        if dec == Decision::EXPLICIT_DENY && out.deciding.is_none() {
            out.deciding = field.clone();
        }
        if dec.is_allow() && allow_field.is_none() {
            allow_field = field;
        }
        out.notes.push(format!("role {name}: {note}"));
        out.missing.extend(missing);
    }
    if docs.is_empty() {
        out.notes
            .push(format!("role {name} has no identity policies"));
    }
    if let Some(b) = &role.permissions_boundary {
        let doc = Doc {
            label: format!("permissions boundary {}", b.permissions_boundary_arn),
            field: Deciding::field(
                "iam:GetRole",
                name,
                format!("PermissionsBoundary {}", b.permissions_boundary_arn),
            ),
            kind: PolicyKind::PermissionsBoundary,
            role: name,
            role_arn: &role.arn,
            document: b.permissions_boundary_arn.clone(),
            text: world
                .managed_policy(&b.permissions_boundary_arn)
                .map(|m| m.document.as_str()),
        };
        let DocEval {
            decision: dec,
            deciding: field,
            note,
            missing,
            evidence,
        } = eval_doc(world, &doc, contexts);
        out.evidence.extend(evidence);
        out.boundary = Some(dec);
        let before = out.decision;
        out.decision = out.decision.intersect(dec);
        if before.contains(Outcome::Allow) && dec.is_denied() && out.deciding.is_none() {
            out.deciding = Some(field.unwrap_or_else(|| doc.field.clone()));
        }
        out.notes.push(format!("role {name}: {note}"));
        out.missing.extend(missing);
    }
    if out.deciding.is_none() && out.decision.is_allow() {
        out.deciding = allow_field;
    }
    out
}
