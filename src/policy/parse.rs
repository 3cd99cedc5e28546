//! JSON → [`Policy`]. Accepts every form AWS accepts (IAM-ACTION, IAM-RES,
//! IAM-PRINC, IAM-COND): `Statement` as an object or an array, single values
//! or arrays everywhere, every principal type, every condition operator.
//! A malformed document gets one precise message: the statement index (and
//! Sid), the element, and what was expected.

use serde_json::{Map, Value};

use super::arn::ArnPattern;
use super::ast::*;
use super::decode::{decode_strict, kind};
use super::operator::Operator;
use super::value::CondValue;
use super::vars::Template;
use super::wildcard::Glob;

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Index into `Statement` (0-based), when the problem is in a statement.
    pub statement: Option<usize>,
    pub sid: Option<String>,
    /// The element, as a path: `Condition.StringEquals.aws:SourceVpce`.
    pub element: String,
    /// What was expected and what was found.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(i) = self.statement {
            write!(f, "Statement[{i}]")?;
            if let Some(s) = &self.sid {
                write!(f, " (Sid {s:?})")?;
            }
            if !self.element.is_empty() {
                write!(f, " {}", self.element)?;
            }
            write!(f, ": ")?;
        } else if !self.element.is_empty() {
            write!(f, "{}: ", self.element)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// The API a resource policy belongs to, for expanding the short forms
/// `execute-api:/stage/GET/path` that API Gateway expands on save (APIGW-RPEX).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShortForm {
    pub partition: String,
    pub region: String,
    pub account: String,
    pub api_id: String,
}

impl ShortForm {
    /// From an execute-api ARN such as the method ARN being evaluated.
    pub fn from_arn(arn: &str) -> Option<ShortForm> {
        let p: Vec<&str> = arn.splitn(6, ':').collect();
        if p.len() != 6 || p[0] != "arn" || p[2] != "execute-api" {
            return None;
        }
        let api_id = p[5]
            .split('/')
            .next()
            .filter(|s| !s.is_empty() && !s.contains('*'))?;
        Some(ShortForm {
            partition: p[1].to_string(),
            region: p[3].to_string(),
            account: p[4].to_string(),
            api_id: api_id.to_string(),
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    pub short_form: Option<ShortForm>,
}

/// Parse a policy document in any of the encodings AWS returns.
pub fn parse(text: &str, opts: &ParseOptions) -> Result<Policy, ParseError> {
    let doc = decode_strict(text).map_err(|message| ParseError {
        statement: None,
        sid: None,
        element: String::new(),
        message,
    })?;
    let mut p = parse_map(&doc, opts)?;
    p.source = std::sync::Arc::new(Value::Object(doc));
    Ok(p)
}

/// Parse an already decoded JSON document.
pub fn parse_value(v: &Value, opts: &ParseOptions) -> Result<Policy, ParseError> {
    match v {
        Value::Object(m) => parse_map(m, opts).map(|mut p| {
            p.source = std::sync::Arc::new(v.clone());
            p
        }),
        other => Err(ParseError {
            statement: None,
            sid: None,
            element: String::new(),
            message: format!(
                "the policy document is a JSON {}, expected an object",
                kind(other)
            ),
        }),
    }
}

fn top(element: &str, message: String) -> ParseError {
    ParseError {
        statement: None,
        sid: None,
        element: element.to_string(),
        message,
    }
}

fn parse_map(doc: &Map<String, Value>, opts: &ParseOptions) -> Result<Policy, ParseError> {
    for k in doc.keys() {
        if !matches!(k.as_str(), "Version" | "Id" | "Statement") {
            return Err(top(
                k,
                "unknown top-level element (expected Version, Id or Statement; names are case-sensitive)".into(),
            ));
        }
    }
    let version = match doc.get("Version") {
        None => Version::Absent,
        Some(Value::String(s)) if s == "2012-10-17" => Version::V2012_10_17,
        Some(Value::String(s)) if s == "2008-10-17" => Version::V2008_10_17,
        Some(v) => {
            return Err(top(
                "Version",
                format!("expected \"2012-10-17\" or \"2008-10-17\", found {v}"),
            ))
        }
    };
    let id = match doc.get("Id") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => return Err(top("Id", format!("expected a string, found a {}", kind(v)))),
    };
    let raw: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(o @ Value::Object(_)) => vec![o],
        Some(v) => {
            return Err(top(
                "Statement",
                format!(
                    "expected an object or an array of objects, found a {}",
                    kind(v)
                ),
            ))
        }
        None => {
            return Err(top(
                "Statement",
                "missing: a policy needs a Statement".into(),
            ))
        }
    };
    let mut statements = Vec::with_capacity(raw.len());
    for (i, s) in raw.into_iter().enumerate() {
        statements.push(parse_statement(i, s, version, opts)?);
    }
    Ok(Policy {
        version,
        id,
        statements,
        source: Default::default(),
    })
}

struct At<'a> {
    index: usize,
    sid: Option<&'a str>,
}

impl At<'_> {
    fn err(&self, element: &str, message: impl Into<String>) -> ParseError {
        ParseError {
            statement: Some(self.index),
            sid: self.sid.map(str::to_string),
            element: element.to_string(),
            message: message.into(),
        }
    }
}

const STATEMENT_KEYS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

fn parse_statement(
    index: usize,
    v: &Value,
    version: Version,
    opts: &ParseOptions,
) -> Result<Statement, ParseError> {
    let mut at = At { index, sid: None };
    let Value::Object(m) = v else {
        return Err(at.err("", format!("expected an object, found a {}", kind(v))));
    };
    let sid = match m.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(v) => return Err(at.err("Sid", format!("expected a string, found a {}", kind(v)))),
    };
    at.sid = sid;
    for k in m.keys() {
        if !STATEMENT_KEYS.contains(&k.as_str()) {
            return Err(at.err(
                k,
                format!(
                    "unknown element (expected one of {}; names are case-sensitive)",
                    STATEMENT_KEYS.join(", ")
                ),
            ));
        }
    }
    let effect = match m.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(v) => {
            return Err(at.err(
                "Effect",
                format!("expected \"Allow\" or \"Deny\", found {v}"),
            ))
        }
        None => return Err(at.err("Effect", "missing (expected \"Allow\" or \"Deny\")")),
    };
    let principal = match (m.get("Principal"), m.get("NotPrincipal")) {
        (Some(_), Some(_)) => {
            return Err(at.err(
                "NotPrincipal",
                "a statement takes Principal or NotPrincipal, not both",
            ))
        }
        (Some(p), None) => Some(parse_principal(&at, "Principal", p, false)?),
        (None, Some(p)) => Some(parse_principal(&at, "NotPrincipal", p, true)?),
        (None, None) => None,
    };
    let action = match (m.get("Action"), m.get("NotAction")) {
        (Some(_), Some(_)) => {
            return Err(at.err(
                "NotAction",
                "a statement takes Action or NotAction, not both",
            ))
        }
        (Some(a), None) => parse_actions(&at, "Action", a, false)?,
        (None, Some(a)) => parse_actions(&at, "NotAction", a, true)?,
        (None, None) => {
            return Err(at.err("Action", "missing (a statement needs Action or NotAction)"))
        }
    };
    let resource = match (m.get("Resource"), m.get("NotResource")) {
        (Some(_), Some(_)) => {
            return Err(at.err(
                "NotResource",
                "a statement takes Resource or NotResource, not both",
            ))
        }
        (Some(r), None) => Some(parse_resources(&at, "Resource", r, false, version, opts)?),
        (None, Some(r)) => Some(parse_resources(&at, "NotResource", r, true, version, opts)?),
        (None, None) => None,
    };
    let conditions = match m.get("Condition") {
        None => Vec::new(),
        Some(c) => parse_conditions(&at, c, version)?,
    };
    Ok(Statement {
        sid: sid.map(str::to_string),
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

/// A string or a non-empty array of strings.
fn strings<'v>(at: &At, element: &str, v: &'v Value) -> Result<Vec<&'v str>, ParseError> {
    match v {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(a) if a.is_empty() => {
            Err(at.err(element, "expected at least one value, found an empty array"))
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::String(s) => Ok(s.as_str()),
                other => Err(at.err(
                    &format!("{element}[{i}]"),
                    format!("expected a string, found a {}", kind(other)),
                )),
            })
            .collect(),
        other => Err(at.err(
            element,
            format!(
                "expected a string or an array of strings, found a {}",
                kind(other)
            ),
        )),
    }
}

fn parse_principal(
    at: &At,
    element: &str,
    v: &Value,
    negated: bool,
) -> Result<PrincipalBlock, ParseError> {
    let mut entries = Vec::new();
    match v {
        Value::String(s) if s == "*" => entries.push(PrincipalEntry::Any),
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                let el = format!("{element}.{k}");
                let values = strings(at, &el, v)?;
                for s in values {
                    let s = s.trim();
                    entries.push(match k.as_str() {
                        "AWS" => aws_principal(s),
                        "Service" => PrincipalEntry::Service(s.to_string()),
                        "Federated" => PrincipalEntry::Federated(s.to_string()),
                        "CanonicalUser" => PrincipalEntry::CanonicalUser(s.to_string()),
                        _ => {
                            return Err(at.err(
                                &el,
                                "unknown principal type (expected AWS, Service, Federated or CanonicalUser)",
                            ))
                        }
                    });
                }
            }
        }
        other => {
            return Err(at.err(
                element,
                format!(
                    "expected \"*\" or an object such as {{\"AWS\": \"arn:aws:iam::123456789012:root\"}}, found {}",
                    match other {
                        Value::String(s) => format!("{s:?}"),
                        Value::Object(_) => "an empty object".into(),
                        o => format!("a {}", kind(o)),
                    }
                ),
            ))
        }
    }
    Ok(PrincipalBlock { negated, entries })
}

fn aws_principal(s: &str) -> PrincipalEntry {
    if s == "*" {
        return PrincipalEntry::Any;
    }
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        return PrincipalEntry::Aws(AwsPrincipal::Account {
            account: s.to_string(),
            raw: s.to_string(),
        });
    }
    let p: Vec<&str> = s.splitn(6, ':').collect();
    // Partial wildcards are not valid in principals (IAM-PRINC): keep such
    // entries apart so a match through one is reported as unknown.
    if p.len() == 6 && p[0] == "arn" && !s.contains(['*', '?']) {
        let (svc, acct, res) = (p[2], p[4], p[5]);
        if svc == "iam" && res == "root" {
            return PrincipalEntry::Aws(AwsPrincipal::Account {
                account: acct.to_string(),
                raw: s.to_string(),
            });
        }
        if svc == "iam" && res.starts_with("role/") {
            return PrincipalEntry::Aws(AwsPrincipal::Role(s.to_string()));
        }
        if svc == "iam" && res.starts_with("user/") {
            return PrincipalEntry::Aws(AwsPrincipal::User(s.to_string()));
        }
        if svc == "sts" && res.starts_with("assumed-role/") {
            return PrincipalEntry::Aws(AwsPrincipal::AssumedRole(s.to_string()));
        }
    }
    PrincipalEntry::Aws(AwsPrincipal::Other(s.to_string()))
}

fn parse_actions(
    at: &At,
    element: &str,
    v: &Value,
    negated: bool,
) -> Result<ActionBlock, ParseError> {
    let raw = strings(at, element, v)?;
    let mut globs = Vec::with_capacity(raw.len());
    for a in &raw {
        let a = a.trim();
        if a != "*" && !a.contains(':') {
            return Err(at.err(
                element,
                format!("expected \"*\" or \"service:action\" (such as execute-api:Invoke), found {a:?}"),
            ));
        }
        globs.push(Glob::compile(&a.to_lowercase()));
    }
    Ok(ActionBlock {
        negated,
        raw: raw.into_iter().map(str::to_string).collect(),
        globs,
    })
}

fn parse_resources(
    at: &At,
    element: &str,
    v: &Value,
    negated: bool,
    version: Version,
    opts: &ParseOptions,
) -> Result<ResourceBlock, ParseError> {
    let raw = strings(at, element, v)?;
    let mut patterns = Vec::with_capacity(raw.len());
    for r in raw {
        let mut unexpanded = false;
        let expanded = match r.strip_prefix("execute-api:/") {
            Some(rest) => match &opts.short_form {
                Some(sf) => format!(
                    "arn:{}:execute-api:{}:{}:{}/{}",
                    sf.partition, sf.region, sf.account, sf.api_id, rest
                ),
                None => {
                    unexpanded = true;
                    r.to_string()
                }
            },
            None => r.to_string(),
        };
        let tmpl = Template::parse(&expanded, version.variables());
        let compiled = tmpl.static_glob().map(ArnPattern::new);
        patterns.push(ResourcePattern {
            written: r.to_string(),
            tmpl,
            compiled,
            unexpanded_short_form: unexpanded,
        });
    }
    Ok(ResourceBlock { negated, patterns })
}

fn parse_conditions(at: &At, v: &Value, version: Version) -> Result<Vec<Condition>, ParseError> {
    let Value::Object(ops) = v else {
        return Err(at.err(
            "Condition",
            format!("expected an object such as {{\"StringEquals\": {{\"aws:SourceVpce\": \"vpce-...\"}}}}, found a {}", kind(v)),
        ));
    };
    let mut out = Vec::new();
    for (op_name, keys) in ops {
        let el = format!("Condition.{op_name}");
        let op = Operator::parse(op_name).map_err(|m| at.err(&el, m))?;
        let Value::Object(keys) = keys else {
            return Err(at.err(
                &el,
                format!(
                    "expected an object of condition keys, found a {}",
                    kind(keys)
                ),
            ));
        };
        if keys.is_empty() {
            return Err(at.err(
                &el,
                "expected at least one condition key, found an empty object",
            ));
        }
        for (key, vals) in keys {
            let el = format!("Condition.{op_name}.{key}");
            let raw: Vec<String> = match vals {
                Value::Array(a) if a.is_empty() => {
                    return Err(at.err(&el, "expected at least one value, found an empty array"))
                }
                Value::Array(a) => a
                    .iter()
                    .enumerate()
                    .map(|(i, x)| {
                        scalar(x).ok_or_else(|| {
                            at.err(
                                &format!("{el}[{i}]"),
                                format!(
                                    "expected a string, number or boolean, found a {}",
                                    kind(x)
                                ),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
                x => vec![scalar(x).ok_or_else(|| {
                    at.err(
                        &el,
                        format!(
                            "expected a string, number, boolean or an array of them, found a {}",
                            kind(x)
                        ),
                    )
                })?],
            };
            let mut values = Vec::with_capacity(raw.len());
            for r in &raw {
                values.push(
                    CondValue::prepare(op.base, r, version.variables())
                        .map_err(|m| at.err(&el, m))?,
                );
            }
            out.push(Condition {
                op,
                op_written: op_name.clone(),
                key: key.clone(),
                key_lower: key.to_lowercase(),
                values,
            });
        }
    }
    Ok(out)
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
