//! A parsed policy document (IAM JSON policy grammar).

use super::arn::ArnPattern;
use super::operator::Operator;
use super::value::CondValue;
use super::vars::Template;
use super::wildcard::Glob;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
    /// `2008-10-17`: variables are literal text.
    V2008_10_17,
    /// No `Version`: as 2008-10-17.
    Absent,
}

impl Version {
    pub fn variables(&self) -> bool {
        *self == Version::V2012_10_17
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(&self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub version: Version,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
    /// The document as written (decoded JSON), shared, for showing statements.
    pub source: std::sync::Arc<serde_json::Value>,
}

impl Policy {
    /// Statement `i` as written.
    pub fn statement_source(&self, i: usize) -> Option<&serde_json::Value> {
        statement_in(&self.source, i)
    }
}

/// Statement `i` of a decoded policy document (`Statement` may be one object).
pub fn statement_in(doc: &serde_json::Value, i: usize) -> Option<&serde_json::Value> {
    match doc.get("Statement")? {
        serde_json::Value::Array(a) => a.get(i),
        o @ serde_json::Value::Object(_) if i == 0 => Some(o),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    /// `None` in identity policies: the statement is about the identity the
    /// policy is attached to.
    pub principal: Option<PrincipalBlock>,
    pub action: ActionBlock,
    /// `None` when the statement has neither `Resource` nor `NotResource`
    /// (trust policies): every resource.
    pub resource: Option<ResourceBlock>,
    pub conditions: Vec<Condition>,
}

/// `Principal` or (negated) `NotPrincipal`.
#[derive(Debug, Clone, PartialEq)]
pub struct PrincipalBlock {
    pub negated: bool,
    pub entries: Vec<PrincipalEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PrincipalEntry {
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous callers included.
    Any,
    Aws(AwsPrincipal),
    Service(String),
    Federated(String),
    CanonicalUser(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum AwsPrincipal {
    /// An account id or `arn:{p}:iam::{acct}:root`: the account (delegation).
    Account { account: String, raw: String },
    /// `arn:{p}:iam::{acct}:role/{path/}{name}`: every session of the role.
    Role(String),
    /// `arn:{p}:sts::{acct}:assumed-role/{name}/{session}`: one session.
    AssumedRole(String),
    /// `arn:{p}:iam::{acct}:user/{path/}{name}`.
    User(String),
    /// Anything else (unique ids of deleted principals, federated users, ...).
    Other(String),
}

impl AwsPrincipal {
    pub fn raw(&self) -> &str {
        match self {
            AwsPrincipal::Account { raw, .. } => raw,
            AwsPrincipal::Role(s)
            | AwsPrincipal::AssumedRole(s)
            | AwsPrincipal::User(s)
            | AwsPrincipal::Other(s) => s,
        }
    }
}

impl PrincipalEntry {
    pub fn describe(&self) -> String {
        match self {
            PrincipalEntry::Any => "*".into(),
            PrincipalEntry::Aws(a) => format!("AWS {}", a.raw()),
            PrincipalEntry::Service(s) => format!("Service {s}"),
            PrincipalEntry::Federated(s) => format!("Federated {s}"),
            PrincipalEntry::CanonicalUser(s) => format!("CanonicalUser {s}"),
        }
    }
}

/// `Action` or (negated) `NotAction`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionBlock {
    pub negated: bool,
    /// As written.
    pub raw: Vec<String>,
    /// Lower-cased patterns (actions are case-insensitive).
    pub(crate) globs: Vec<Glob>,
}

/// `Resource` or (negated) `NotResource`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceBlock {
    pub negated: bool,
    pub patterns: Vec<ResourcePattern>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourcePattern {
    /// As written in the document.
    pub written: String,
    /// After short-form expansion (`execute-api:/*`), with any variables.
    pub(crate) tmpl: Template,
    /// Compiled when there is no variable.
    pub(crate) compiled: Option<ArnPattern>,
    /// An `execute-api:/...` short form that could not be expanded.
    pub(crate) unexpanded_short_form: bool,
}

impl ResourcePattern {
    pub fn expanded(&self) -> &str {
        self.tmpl.raw()
    }
}

/// One operator applied to one key: `{"StringEquals": {"aws:SourceVpce": [..]}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub op: Operator,
    /// The operator as written.
    pub op_written: String,
    /// The key as written.
    pub key: String,
    pub(crate) key_lower: String,
    pub values: Vec<CondValue>,
}

impl Condition {
    pub fn raw_values(&self) -> Vec<&str> {
        self.values.iter().map(|v| v.raw()).collect()
    }
}
