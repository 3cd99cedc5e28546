//! One condition (operator + key + values) against the request context
//! (IAM-COND, IAM-CONDOP, IAM-MULTI, rulebook §4.5):
//!
//! * values of one key: OR; for negated operators the request value must
//!   differ from all of them (AND of the negations);
//! * missing key: positive operators false, negated true, `...IfExists`
//!   true, `ForAnyValue` false, `ForAllValues` true, `Null` tests presence;
//! * a key declared unknown makes the condition unknown.

use super::ast::Condition;
use super::context::{Lookup, RequestContext};
use super::operator::Qualifier;
use super::value::{CondValue, Miss, Prepared};
use super::vars::Unresolved;
use super::Tri;

/// Why a condition did not hold (or could not be decided).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CondCause {
    /// The request value(s) do not satisfy the operator (or the key is missing).
    Failed,
    /// The key's value cannot be known.
    KeyUnknown,
    /// A policy variable's key cannot be known (or is multi-valued).
    VarUnknown(String),
    /// A policy variable's key is absent and has no default: no match.
    VarAbsent(String),
    /// A policy variable's key is absent and has no default, and the two
    /// readings (that value matches nothing / the whole condition does not
    /// match) give different answers.
    VarAbsentSplit(String),
    /// The request value is not of the operator's type (`a number`, ...).
    BadRequestValue(&'static str),
    /// Several request values without a set qualifier, with different answers.
    Ambiguous,
}

pub(crate) fn eval_condition(c: &Condition, ctx: &RequestContext) -> (Tri, Option<CondCause>) {
    let absent_of = |v: &CondValue| match v.prepared {
        Prepared::Template => v.tmpl.absent_var(ctx),
        _ => None,
    };
    let absent = c.values.iter().find_map(absent_of);
    let Some(var) = absent else {
        return eval_values(c, ctx);
    };
    // A value whose variable has no value (IAM-VARS). Reading B: the whole
    // condition does not match (rulebook §4.5). Reading A: that value
    // matches nothing, so it is dropped (no values left: false). The
    // answer stands only when both agree.
    let keep: Vec<CondValue> = c
        .values
        .iter()
        .filter(|v| absent_of(v).is_none())
        .cloned()
        .collect();
    if keep.is_empty() {
        return (Tri::False, Some(CondCause::VarAbsent(var)));
    }
    let reduced = Condition {
        values: keep,
        ..c.clone()
    };
    match eval_values(&reduced, ctx).0 {
        Tri::False => (Tri::False, Some(CondCause::VarAbsent(var))),
        _ => (Tri::Unknown, Some(CondCause::VarAbsentSplit(var))),
    }
}

fn eval_values(c: &Condition, ctx: &RequestContext) -> (Tri, Option<CondCause>) {
    let op = c.op;
    let values = match ctx.lookup_lower(&c.key_lower) {
        Lookup::Unknown => return (Tri::Unknown, Some(CondCause::KeyUnknown)),
        Lookup::Values(v) if !v.is_empty() => Some(v),
        _ => None,
    };
    let Some(values) = values else {
        let holds = if let Some(want_absent) = null_values(c) {
            want_absent.contains(&true)
        } else if op.if_exists {
            true
        } else {
            match op.qualifier {
                Some(Qualifier::ForAnyValue) => false,
                Some(Qualifier::ForAllValues) => true,
                None => op.base.negated(),
            }
        };
        return done(Tri::from_bool(holds), None);
    };
    if let Some(want_absent) = null_values(c) {
        return done(Tri::from_bool(want_absent.contains(&false)), None);
    }
    match op.qualifier {
        None if values.len() == 1 => single(c, &values[0], ctx),
        None => {
            let results: Vec<(Tri, Option<CondCause>)> =
                values.iter().map(|v| single(c, v, ctx)).collect();
            let first = results[0].0;
            if first != Tri::Unknown && results.iter().all(|r| r.0 == first) {
                results.into_iter().next().unwrap_or((first, None))
            } else if let Some(r) = results.iter().find(|r| r.0 == Tri::Unknown) {
                r.clone()
            } else {
                (Tri::Unknown, Some(CondCause::Ambiguous))
            }
        }
        Some(q) => {
            let any = q == Qualifier::ForAnyValue;
            let mut acc = Tri::from_bool(!any);
            let mut cause = None;
            for v in values {
                let (t, why) = single(c, v, ctx);
                if t == Tri::Unknown && cause.is_none() {
                    cause = why.clone();
                }
                acc = if any { acc.or(t) } else { acc.and(t) };
                if (any && acc == Tri::True) || (!any && acc == Tri::False) {
                    return done(acc, why);
                }
            }
            done(acc, cause)
        }
    }
}

fn done(t: Tri, cause: Option<CondCause>) -> (Tri, Option<CondCause>) {
    match t {
        Tri::True => (t, None),
        Tri::False => (t, Some(cause.unwrap_or(CondCause::Failed))),
        Tri::Unknown => (t, cause.or(Some(CondCause::KeyUnknown))),
    }
}

fn null_values(c: &Condition) -> Option<Vec<bool>> {
    if c.op.base != super::operator::Base::Null {
        return None;
    }
    Some(
        c.values
            .iter()
            .filter_map(|v| match v.prepared {
                Prepared::Null(b) => Some(b),
                _ => None,
            })
            .collect(),
    )
}

/// One request value against all policy values.
fn single(c: &Condition, v: &str, ctx: &RequestContext) -> (Tri, Option<CondCause>) {
    let base = c.op.base;
    let mut any = Tri::False;
    let mut cause = None;
    for p in &c.values {
        let t = match p.test(base, v, ctx) {
            Ok(t) => t,
            Err(Miss::Var(Unresolved::Absent(k))) => {
                // Values with absent variables are handled (and removed) by
                // `eval_condition`; treat any left as matching nothing.
                cause.get_or_insert(CondCause::VarAbsent(k));
                Tri::False
            }
            Err(Miss::Var(Unresolved::Unknown(k))) => {
                cause.get_or_insert(CondCause::VarUnknown(k));
                Tri::Unknown
            }
            Err(Miss::BadRequestValue(what)) => {
                cause.get_or_insert(CondCause::BadRequestValue(what));
                Tri::Unknown
            }
        };
        any = any.or(t);
        if any == Tri::True {
            break;
        }
    }
    let result = if base.negated() { !any } else { any };
    done(result, if result == Tri::Unknown { cause } else { None })
}
