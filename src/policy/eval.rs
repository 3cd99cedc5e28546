//! The decision (IAM-EVAL, rulebook §4.1): a statement applies when its
//! principal, action, resource and every condition match; any applying Deny
//! is an explicit deny, else any applying Allow allows, else the implicit
//! deny. With unknowns, the decision is the set of outcomes still possible.

use super::arn::{match_action, ArnPattern};
use super::ast::{Effect, Policy, ResourceBlock, Statement};
use super::condition::eval_condition;
pub use super::condition::CondCause;
use super::context::RequestContext;
use super::principal::match_principal;
use super::vars::Unresolved;
use super::{Decision, Outcome, Tri};

/// A statement element other than a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    Principal,
    NotPrincipal,
    Action,
    NotAction,
    Resource,
    NotResource,
}

impl Element {
    pub fn as_str(&self) -> &'static str {
        match self {
            Element::Principal => "Principal",
            Element::NotPrincipal => "NotPrincipal",
            Element::Action => "Action",
            Element::NotAction => "NotAction",
            Element::Resource => "Resource",
            Element::NotResource => "NotResource",
        }
    }
}

/// Why a statement applies, does not, or may.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    Applies,
    /// The first element that did not match (or could not be decided).
    Element(Element),
    /// A policy variable in `Resource`/`NotResource` (pattern `index`).
    ResourceVar {
        element: Element,
        index: usize,
        cause: CondCause,
    },
    /// The first condition (in document order) that failed or is unknown.
    Condition {
        index: usize,
        cause: CondCause,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementEval {
    pub index: usize,
    pub effect: Effect,
    pub applies: Tri,
    pub why: Why,
    /// It applies only because its principal names the caller's account.
    pub via_account_principal: bool,
    /// It applies only because its principal names the caller's
    /// assumed-role session ARN.
    pub via_session_principal: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub decision: Decision,
    pub statements: Vec<StatementEval>,
    /// The statement that decided: the first applying Deny (explicit deny),
    /// the first applying Allow (allow), the first undecided statement
    /// (unknown), or none (implicit deny).
    pub deciding: Option<usize>,
}

impl Evaluation {
    fn tri_of(&self, effect: Effect) -> Tri {
        self.statements
            .iter()
            .filter(|s| s.effect == effect)
            .fold(Tri::False, |acc, s| acc.or(s.applies))
    }
    /// Does some Deny statement apply?
    pub fn explicit_deny(&self) -> Tri {
        self.tri_of(Effect::Deny)
    }
    /// Does some Allow statement apply?
    pub fn any_allow(&self) -> Tri {
        self.tri_of(Effect::Allow)
    }
    /// The allow rests only on statements naming the caller's account.
    pub fn allow_only_via_account(&self) -> bool {
        let mut hits = self
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow && s.applies == Tri::True)
            .peekable();
        hits.peek().is_some() && hits.all(|s| s.via_account_principal)
    }
    /// Every statement that allows (or may allow) names the caller only
    /// through its assumed-role session ARN.
    pub fn allow_only_via_session(&self) -> bool {
        let mut hits = self
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow && s.applies != Tri::False)
            .peekable();
        hits.peek().is_some() && hits.all(|s| s.via_session_principal)
    }
}

/// Evaluate `policy` for the request `ctx`.
pub fn evaluate(policy: &Policy, ctx: &RequestContext) -> Evaluation {
    let statements: Vec<StatementEval> = policy
        .statements
        .iter()
        .enumerate()
        .map(|(i, s)| eval_statement(i, s, ctx))
        .collect();
    let (mut deny, mut allow) = (Tri::False, Tri::False);
    for s in &statements {
        match s.effect {
            Effect::Deny => deny = deny.or(s.applies),
            Effect::Allow => allow = allow.or(s.applies),
        }
    }
    let decision = if deny == Tri::True {
        Decision::EXPLICIT_DENY
    } else {
        let rest = match allow {
            Tri::True => Decision::ALLOW,
            Tri::Unknown => Decision::of(&[Outcome::Allow, Outcome::ImplicitDeny]),
            Tri::False => Decision::IMPLICIT_DENY,
        };
        if deny == Tri::Unknown {
            rest.union(Decision::EXPLICIT_DENY)
        } else {
            rest
        }
    };
    let first = |effect: Effect, t: Tri| {
        statements
            .iter()
            .find(|s| s.effect == effect && s.applies == t)
            .map(|s| s.index)
    };
    let deciding = match decision.definite() {
        Some(Outcome::ExplicitDeny) => first(Effect::Deny, Tri::True),
        Some(Outcome::Allow) => first(Effect::Allow, Tri::True),
        Some(Outcome::ImplicitDeny) => None,
        None => first(Effect::Deny, Tri::Unknown).or_else(|| first(Effect::Allow, Tri::Unknown)),
    };
    Evaluation {
        decision,
        statements,
        deciding,
    }
}

fn eval_statement(index: usize, s: &Statement, ctx: &RequestContext) -> StatementEval {
    let mut out = StatementEval {
        index,
        effect: s.effect,
        applies: Tri::True,
        why: Why::Applies,
        via_account_principal: false,
        via_session_principal: false,
    };
    // Kleene AND in document order: the first false element decides; else
    // the first unknown one.
    fn step(t: Tri, why: Why, out: &mut StatementEval) -> bool {
        match t {
            Tri::True => true,
            Tri::False => {
                out.applies = Tri::False;
                out.why = why;
                false
            }
            Tri::Unknown => {
                if out.applies == Tri::True {
                    out.applies = Tri::Unknown;
                    out.why = why;
                }
                true
            }
        }
    }

    let pm = match_principal(s.principal.as_ref(), &ctx.caller, s.effect);
    out.via_account_principal = pm.via_account;
    out.via_session_principal = pm.via_session;
    let el = if s.principal.as_ref().is_some_and(|p| p.negated) {
        Element::NotPrincipal
    } else {
        Element::Principal
    };
    if !step(pm.tri, Why::Element(el), &mut out) {
        out.via_account_principal = false;
        out.via_session_principal = false;
        return out;
    }

    let hit = s
        .action
        .globs
        .iter()
        .any(|g| match_action(g, &ctx.action_lower));
    let (t, el) = if s.action.negated {
        (Tri::from_bool(!hit), Element::NotAction)
    } else {
        (Tri::from_bool(hit), Element::Action)
    };
    if !step(t, Why::Element(el), &mut out) {
        out.via_account_principal = false;
        out.via_session_principal = false;
        return out;
    }

    if let Some(block) = &s.resource {
        let (t, why) = match_resources(block, ctx);
        if !step(t, why, &mut out) {
            out.via_account_principal = false;
            return out;
        }
    }

    for (i, c) in s.conditions.iter().enumerate() {
        let (t, cause) = eval_condition(c, ctx);
        let why = Why::Condition {
            index: i,
            cause: cause.unwrap_or(CondCause::Failed),
        };
        if !step(t, why, &mut out) {
            out.via_account_principal = false;
            return out;
        }
    }
    if out.applies != Tri::True {
        out.via_account_principal = false;
    }
    out
}

fn match_resources(block: &ResourceBlock, ctx: &RequestContext) -> (Tri, Why) {
    let element = if block.negated {
        Element::NotResource
    } else {
        Element::Resource
    };
    let mut hit = Tri::False;
    let mut var: Option<(usize, CondCause)> = None;
    for (i, p) in block.patterns.iter().enumerate() {
        let t = match (&ctx.resource, &p.compiled) {
            _ if p.unexpanded_short_form => Tri::Unknown,
            (None, Some(a)) if a.is_star() => Tri::True,
            (None, _) => Tri::Unknown,
            (Some(r), Some(a)) => a.match_resource(r),
            (Some(r), None) => match p.tmpl.resolve_glob(ctx) {
                Ok(g) => ArnPattern::new(g).match_resource(r),
                Err(Unresolved::Absent(k)) => {
                    var.get_or_insert((i, CondCause::VarAbsent(k)));
                    Tri::False
                }
                Err(Unresolved::Unknown(k)) => {
                    var.get_or_insert((i, CondCause::VarUnknown(k)));
                    Tri::Unknown
                }
            },
        };
        hit = hit.or(t);
        if hit == Tri::True {
            break;
        }
    }
    let t = if block.negated { !hit } else { hit };
    let why = match (t, var) {
        (Tri::True, _) => Why::Applies,
        (_, Some((index, cause))) if hit != Tri::True => Why::ResourceVar {
            element,
            index,
            cause,
        },
        _ => Why::Element(element),
    };
    (t, why)
}
