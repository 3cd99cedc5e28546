//! Sentences for an evaluation: for every statement whether it applied and,
//! if not, the first element or condition that failed, with the key, the
//! operator, the policy values and the request value.

use serde::Serialize;

use super::ast::{Policy, PrincipalBlock};
use super::condition::CondCause;
use super::context::{Lookup, RequestContext};
use super::eval::{Element, Evaluation, StatementEval, Why};
use super::{Decision, Tri};

/// One statement in a report (`hoptrace.policy/v1`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StatementReport {
    pub index: usize,
    pub sid: Option<String>,
    pub effect: &'static str,
    /// `true`, `false`, or `null` when it cannot be decided.
    pub applies: Option<bool>,
    pub why: String,
}

/// A whole evaluation in words.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub decision: Decision,
    /// The outcomes still possible (one when the decision is definite).
    pub possible: Vec<&'static str>,
    pub deciding_statement: Option<StatementReport>,
    pub statements: Vec<StatementReport>,
    /// The inputs whose values are missing for a definite answer.
    pub unknown: Vec<String>,
}

/// `Statement[1] (Sid "DenyOtherVpce")`.
pub fn statement_label(policy: &Policy, index: usize) -> String {
    match policy.statements.get(index).and_then(|s| s.sid.as_deref()) {
        Some(sid) if !sid.is_empty() => format!("Statement[{index}] (Sid {sid:?})"),
        _ => format!("Statement[{index}]"),
    }
}

pub fn report(policy: &Policy, eval: &Evaluation, ctx: &RequestContext) -> Report {
    let statements: Vec<StatementReport> = eval
        .statements
        .iter()
        .map(|se| StatementReport {
            index: se.index,
            sid: policy.statements[se.index].sid.clone(),
            effect: se.effect.as_str(),
            applies: se.applies.as_option(),
            why: why(policy, se, ctx),
        })
        .collect();
    Report {
        decision: eval.decision,
        possible: eval
            .decision
            .outcomes()
            .iter()
            .map(|o| o.as_str())
            .collect(),
        deciding_statement: eval.deciding.map(|i| statements[i].clone()),
        statements,
        unknown: unknown_inputs(policy, eval),
    }
}

fn principals(p: &PrincipalBlock) -> String {
    let v: Vec<String> = p.entries.iter().map(|e| e.describe()).collect();
    format!("[{}]", v.join(", "))
}

fn request_values(ctx: &RequestContext, key: &str) -> String {
    match ctx.lookup(key) {
        Lookup::Values([v]) => format!("{v:?}"),
        Lookup::Values([]) | Lookup::Absent => "absent (the key is not in the request)".into(),
        Lookup::Values(v) => format!("{v:?}"),
        Lookup::Unknown => "unknown".into(),
    }
}

/// Why one statement applied, did not, or may.
pub fn why(policy: &Policy, se: &StatementEval, ctx: &RequestContext) -> String {
    let s = &policy.statements[se.index];
    let unknown = se.applies == Tri::Unknown;
    let caller = ctx.caller.describe();
    let resource = ctx.resource.as_deref().unwrap_or("(unknown resource)");
    match &se.why {
        Why::Applies => {
            let mut parts = Vec::new();
            match &s.principal {
                Some(p) if !p.negated && p.entries.contains(&super::ast::PrincipalEntry::Any) => {
                    parts.push("the principal is * (every caller)".to_string())
                }
                Some(_) => parts.push(format!("the principal matches {caller}")),
                None => {}
            }
            parts.push(format!("the action matches {}", ctx.action));
            if s.resource.is_some() {
                parts.push("the resource matches".to_string());
            }
            let mut text = join_and(&parts);
            if !s.conditions.is_empty() {
                let names: Vec<String> = s
                    .conditions
                    .iter()
                    .map(|c| {
                        format!(
                            "{} {} {:?} with request value {}",
                            c.op_written,
                            c.key,
                            c.raw_values(),
                            request_values(ctx, &c.key)
                        )
                    })
                    .collect();
                text.push_str(&format!("; every condition holds: {}", names.join("; ")));
            }
            if se.via_account_principal {
                text.push_str(" (the principal names the caller's account, not the caller itself)");
            }
            text
        }
        Why::Element(el) => {
            let el_name = el.as_str();
            match el {
                Element::Principal | Element::NotPrincipal => {
                    let list = s.principal.as_ref().map(principals).unwrap_or_default();
                    match (el, unknown) {
                        (_, true) => format!(
                            "{el_name} {list}: cannot tell whether it covers the caller {caller}"
                        ),
                        (Element::Principal, false) => {
                            format!("Principal {list} does not include the caller {caller}")
                        }
                        _ => format!("NotPrincipal {list} excludes the caller {caller}"),
                    }
                }
                Element::Action => {
                    format!("Action {:?} does not include {}", s.action.raw, ctx.action)
                }
                Element::NotAction => {
                    format!("NotAction {:?} excludes {}", s.action.raw, ctx.action)
                }
                Element::Resource | Element::NotResource => {
                    let block = s.resource.as_ref();
                    let list: Vec<&str> = block
                        .map(|b| b.patterns.iter().map(|p| p.expanded()).collect())
                        .unwrap_or_default();
                    if unknown {
                        if block.is_some_and(|b| b.patterns.iter().any(|p| p.unexpanded_short_form))
                        {
                            format!("{el_name} {list:?} uses the execute-api:/ short form, which cannot be expanded without the API's region, account and id")
                        } else if ctx.resource.is_none() {
                            format!("{el_name} {list:?}: the resource ARN is unknown")
                        } else {
                            format!("{el_name} {list:?}: cannot tell whether it covers {resource} (a wildcard in the service component is not documented)")
                        }
                    } else if *el == Element::Resource {
                        format!("Resource {list:?} does not include {resource}")
                    } else {
                        format!("NotResource {list:?} excludes {resource}")
                    }
                }
            }
        }
        Why::ResourceVar {
            element,
            index,
            cause,
        } => {
            let p = s
                .resource
                .as_ref()
                .and_then(|b| b.patterns.get(*index))
                .map(|p| p.expanded())
                .unwrap_or("");
            match cause {
                CondCause::VarAbsent(k) => format!(
                    "{} pattern {p:?}: the policy variable ${{{k}}} has no value in this request and no default, so the pattern matches nothing",
                    element.as_str()
                ),
                CondCause::VarUnknown(k) => format!(
                    "{} pattern {p:?}: the policy variable ${{{k}}} cannot be resolved (its value is unknown, multi-valued or holds a wildcard)",
                    element.as_str()
                ),
                _ => format!("{} pattern {p:?} does not match {resource}", element.as_str()),
            }
        }
        Why::Condition { index, cause } => {
            let Some(c) = s.conditions.get(*index) else {
                return "condition".into();
            };
            let op = &c.op_written;
            let key = &c.key;
            let vals = c.raw_values();
            match cause {
                CondCause::Failed => format!(
                    "condition {op} {key} does not hold: policy values {vals:?}, request value {}",
                    request_values(ctx, key)
                ),
                CondCause::KeyUnknown => format!(
                    "condition {op} {key} is unknown: the value of {key} cannot be known (policy values {vals:?})"
                ),
                CondCause::VarUnknown(k) => format!(
                    "condition {op} {key} is unknown: the policy variable ${{{k}}} cannot be resolved (its value is unknown, multi-valued or holds a wildcard)"
                ),
                CondCause::VarAbsent(k) => format!(
                    "condition {op} {key} does not hold: the policy variable ${{{k}}} has no value in this request and no default"
                ),
                CondCause::VarAbsentSplit(k) => format!(
                    "condition {op} {key} is unknown: the policy variable ${{{k}}} has no value in this request and no default; read as \"that value matches nothing\" the condition could hold, read as \"the condition does not match\" (rulebook §4.5) it does not, and AWS does not document which applies"
                ),
                CondCause::BadRequestValue(what) => format!(
                    "condition {op} {key} is unknown: the request value {} is not {what}",
                    request_values(ctx, key)
                ),
                CondCause::Ambiguous => format!(
                    "condition {op} {key} is unknown: the request has several values {} and {op} without ForAnyValue:/ForAllValues: answers differently for them",
                    request_values(ctx, key)
                ),
            }
        }
    }
}

fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [a] => a.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The inputs that keep the decision from being definite: condition keys,
/// policy variables, `principal` or `resource`.
pub(crate) fn unknown_inputs(policy: &Policy, eval: &Evaluation) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for se in eval.statements.iter().filter(|s| s.applies == Tri::Unknown) {
        let s = &policy.statements[se.index];
        let name = match &se.why {
            Why::Element(Element::Principal | Element::NotPrincipal) => "principal".to_string(),
            Why::Element(_) => "resource".to_string(),
            Why::ResourceVar { cause, .. } | Why::Condition { cause, .. }
                if matches!(
                    cause,
                    CondCause::VarUnknown(_) | CondCause::VarAbsentSplit(_)
                ) =>
            {
                match cause {
                    CondCause::VarUnknown(k) | CondCause::VarAbsentSplit(k) => k.clone(),
                    _ => continue,
                }
            }
            Why::Condition { index, .. } => match s.conditions.get(*index) {
                Some(c) => c.key.clone(),
                None => continue,
            },
            _ => continue,
        };
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&name)) {
            out.push(name);
        }
    }
    out
}
