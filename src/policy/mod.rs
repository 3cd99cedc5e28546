//! The IAM policy language (rulebook §4): parse every form AWS accepts,
//! evaluate one request with three values (true / false / unknown), and
//! explain, statement by statement, what applied and what did not.
//!
//! Pure: no I/O, no async, no AWS types. The trace hops H9, H13 and H15 and
//! `hoptrace policy eval` are built on it.
//!
//! Layout: `decode` (the encodings AWS hands back) → `parse` (JSON → `ast`),
//! `wildcard` and `arn` (matching), `vars` (policy variables), `operator` and
//! `value` (condition operators and typed values), `condition`, `principal`,
//! `eval` (the decision) and `explain` (the sentences).
//!
//! Three values: a context key declared unknown makes every condition that
//! reads it unknown, an unknown never yields an allow, and the decision is
//! the set of outcomes still possible ([`Decision`]).

mod arn;
mod ast;
mod condition;
mod context;
mod decode;
mod eval;
mod explain;
mod operator;
mod parse;
mod principal;
mod value;
mod vars;
mod wildcard;

pub use ast::statement_in;
pub use ast::{
    ActionBlock, AwsPrincipal, Condition, Effect, Policy, PrincipalBlock, PrincipalEntry,
    ResourceBlock, Statement, Version,
};
pub use context::{Caller, IamCaller, Lookup, RequestContext};
pub use eval::{evaluate, CondCause, Element, Evaluation, StatementEval, Why};
pub use explain::{report, statement_label, why, Report, StatementReport};
pub use operator::{Base, Operator, Qualifier};
pub use parse::{parse, parse_value, ParseError, ParseOptions, ShortForm};
pub use wildcard::Glob;

/// An ISO 8601 date or epoch seconds as milliseconds since the epoch, read
/// the way `Date*` condition operators read values.
pub fn parse_date_millis(s: &str) -> Option<i64> {
    value::parse_date(s)
}

/// A truth value that may be unknown (Kleene logic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    pub fn from_bool(b: bool) -> Tri {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }
    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        }
    }
    /// `Some(true)`, `Some(false)` or `None` for unknown (the JSON form).
    pub fn as_option(self) -> Option<bool> {
        match self {
            Tri::True => Some(true),
            Tri::False => Some(false),
            Tri::Unknown => None,
        }
    }
}

impl std::ops::Not for Tri {
    type Output = Tri;
    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

/// One definite result of evaluating a policy set (IAM-EVAL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Allow, Outcome::ExplicitDeny, Outcome::ImplicitDeny];

    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::ExplicitDeny => "explicit-deny",
            Outcome::ImplicitDeny => "implicit-deny",
        }
    }
    fn bit(self) -> u8 {
        match self {
            Outcome::Allow => 1,
            Outcome::ExplicitDeny => 2,
            Outcome::ImplicitDeny => 4,
        }
    }
}

/// The outcomes still possible once unknown inputs are taken into account.
/// A single outcome is a definite decision; more than one is `unknown`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decision(u8);

impl std::fmt::Debug for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.outcomes()).finish()
    }
}

impl Decision {
    pub const ALLOW: Decision = Decision(1);
    pub const EXPLICIT_DENY: Decision = Decision(2);
    pub const IMPLICIT_DENY: Decision = Decision(4);
    /// Nothing is known: every outcome is possible.
    pub const ANY: Decision = Decision(7);
    const NONE: Decision = Decision(0);

    pub fn only(o: Outcome) -> Decision {
        Decision(o.bit())
    }
    pub fn of(outcomes: &[Outcome]) -> Decision {
        Decision(outcomes.iter().fold(0, |acc, o| acc | o.bit()))
    }
    pub fn contains(&self, o: Outcome) -> bool {
        self.0 & o.bit() != 0
    }
    pub fn union(self, other: Decision) -> Decision {
        Decision(self.0 | other.0)
    }
    pub fn outcomes(&self) -> Vec<Outcome> {
        Outcome::ALL
            .into_iter()
            .filter(|o| self.contains(*o))
            .collect()
    }
    /// The decision when exactly one outcome is possible.
    pub fn definite(&self) -> Option<Outcome> {
        Outcome::ALL
            .into_iter()
            .find(|o| Decision::only(*o) == *self)
    }
    pub fn is_unknown(&self) -> bool {
        self.definite().is_none()
    }
    /// Allowed for certain.
    pub fn is_allow(&self) -> bool {
        *self == Decision::ALLOW
    }
    /// Denied for certain (explicitly or implicitly).
    pub fn is_denied(&self) -> bool {
        self.0 != 0 && !self.contains(Outcome::Allow)
    }
    /// `allow`, `explicit-deny`, `implicit-deny` or `unknown`.
    pub fn as_str(&self) -> &'static str {
        self.definite().map_or("unknown", |o| o.as_str())
    }
    /// Combine two independent decisions outcome by outcome.
    pub fn combine(self, other: Decision, f: impl Fn(Outcome, Outcome) -> Outcome) -> Decision {
        let mut out = Decision::NONE;
        for a in self.outcomes() {
            for b in other.outcomes() {
                out = out.union(Decision::only(f(a, b)));
            }
        }
        out
    }
    /// Policies evaluated together (IAM-EVAL): any explicit deny wins, then
    /// any allow, else the implicit deny.
    pub fn merge(self, other: Decision) -> Decision {
        self.combine(other, |a, b| match (a, b) {
            (Outcome::ExplicitDeny, _) | (_, Outcome::ExplicitDeny) => Outcome::ExplicitDeny,
            (Outcome::Allow, _) | (_, Outcome::Allow) => Outcome::Allow,
            _ => Outcome::ImplicitDeny,
        })
    }
    /// Both sides must allow (permissions boundary, cross-account, the three
    /// policies of a private custom domain): an explicit deny on either side
    /// stays explicit.
    pub fn intersect(self, other: Decision) -> Decision {
        self.combine(other, |a, b| match (a, b) {
            (Outcome::ExplicitDeny, _) | (_, Outcome::ExplicitDeny) => Outcome::ExplicitDeny,
            (Outcome::Allow, Outcome::Allow) => Outcome::Allow,
            _ => Outcome::ImplicitDeny,
        })
    }
}

impl serde::Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Decode a policy document as AWS hands it back (plain JSON, API Gateway's
/// escaped string, IAM's percent-encoding) into its JSON object.
pub fn decode_document(text: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    decode::decode(text)
}
