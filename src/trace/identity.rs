//! Identity-side evaluation of an IAM role (rulebook §4.6, §4.7): its inline
//! and managed policies together, limited by its permissions boundary. Used
//! for `AWS_IAM` callers (H13) and for the roles API Gateway assumes
//! (authorizer credentials, H13.6).

use crate::model::iam::Role;
use crate::model::World;
use crate::policy::{self, Decision, Outcome, ParseOptions, RequestContext};

/// What a role's identity policies decide.
pub struct IdentityEval {
    pub decision: Decision,
    /// The document and statement that decided, as an AWS field.
    pub deciding: Option<String>,
    /// One line per document.
    pub notes: Vec<String>,
    /// Documents the snapshot lacks or that cannot be read.
    pub missing: Vec<String>,
    /// What the permissions boundary alone decides, when the role has one.
    pub boundary: Option<Decision>,
}

struct Doc<'a> {
    /// `inline policy invoke-workflows`.
    label: String,
    /// `iam:GetRolePolicy web-app-role invoke-workflows`.
    field: String,
    text: Option<&'a str>,
}

/// Evaluate one document against every context (several for an `ANY`
/// method's two possible verbs); the decision holds every outcome seen.
fn eval_doc(
    doc: &Doc,
    contexts: &[RequestContext],
) -> (Decision, Option<String>, String, Option<String>) {
    let Some(text) = doc.text else {
        return (
            Decision::ANY,
            None,
            format!("{}: not in the snapshot, so unknown", doc.label),
            Some(format!("{} (missing)", doc.field)),
        );
    };
    let p = match policy::parse(text, &ParseOptions::default()) {
        Ok(p) => p,
        Err(e) => {
            return (
                Decision::ANY,
                None,
                format!("{}: cannot be read: {e}", doc.label),
                Some(format!("{} ({e})", doc.field)),
            )
        }
    };
    let mut decision: Option<Decision> = None;
    let mut deciding = None;
    let mut why = String::new();
    for rc in contexts {
        let e = policy::evaluate(&p, rc);
        decision = Some(decision.map_or(e.decision, |d| d.union(e.decision)));
        if deciding.is_none() {
            if let Some(i) = e.deciding {
                deciding = Some(format!("{} {}", doc.field, policy::statement_label(&p, i)));
                why = policy::why(&p, &e.statements[i], rc);
            }
        }
    }
    let decision = decision.unwrap_or(Decision::IMPLICIT_DENY);
    let text = match decision.definite() {
        Some(Outcome::ImplicitDeny) => format!("{}: no statement applies", doc.label),
        _ => format!("{}: {} ({why})", doc.label, decision.as_str()),
    };
    (decision, deciding, text, None)
}

/// The role's identity policies for the request(s) in `contexts`.
pub fn role_decision(world: &World, role: &Role, contexts: &[RequestContext]) -> IdentityEval {
    let name = &role.role_name;
    let mut docs: Vec<Doc> = role
        .inline_policies
        .iter()
        .map(|p| Doc {
            label: format!("inline policy {}", p.policy_name),
            field: format!("iam:GetRolePolicy {name} {}", p.policy_name),
            text: Some(p.policy_document.as_str()),
        })
        .collect();
    for a in &role.attached_policies {
        docs.push(Doc {
            label: format!("managed policy {}", a.policy_arn),
            field: format!("iam:GetPolicyVersion {}", a.policy_arn),
            text: world
                .managed_policy(&a.policy_arn)
                .map(|m| m.document.as_str()),
        });
    }
    let mut out = IdentityEval {
        decision: Decision::IMPLICIT_DENY,
        deciding: None,
        notes: Vec::new(),
        missing: Vec::new(),
        boundary: None,
    };
    let mut allow_field = None;
    for d in &docs {
        let (dec, field, note, missing) = eval_doc(d, contexts);
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
            field: format!(
                "iam:GetRole {name} PermissionsBoundary {}",
                b.permissions_boundary_arn
            ),
            text: world
                .managed_policy(&b.permissions_boundary_arn)
                .map(|m| m.document.as_str()),
        };
        let (dec, field, note, missing) = eval_doc(&doc, contexts);
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
