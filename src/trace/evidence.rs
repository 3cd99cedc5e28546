//! Typed evidence a hop carries: the resources it read, the field that
//! decided, and every policy it evaluated statement by statement. The TUI,
//! the exports and the coming log correlation read these; nothing parses the
//! rendered strings back.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::policy::{self, Evaluation, Policy, RequestContext, Tri};

/// What kind of AWS resource a hop read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    Instance,
    InstanceProfile,
    Eni,
    Vpc,
    Subnet,
    RouteTable,
    /// A route's target that is not a table of ours (peering, gateway, ...).
    RouteTarget,
    Nacl,
    SecurityGroup,
    PrefixList,
    VpcEndpoint,
    RestApi,
    Stage,
    Deployment,
    Method,
    Authorizer,
    Integration,
    Lambda,
    Role,
    VpcLink,
    DomainName,
    UsagePlan,
    ApiKey,
    WebAcl,
    LogGroup,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Instance => "instance",
            ResourceKind::InstanceProfile => "instance-profile",
            ResourceKind::Eni => "eni",
            ResourceKind::Vpc => "vpc",
            ResourceKind::Subnet => "subnet",
            ResourceKind::RouteTable => "route-table",
            ResourceKind::RouteTarget => "route-target",
            ResourceKind::Nacl => "nacl",
            ResourceKind::SecurityGroup => "security-group",
            ResourceKind::PrefixList => "prefix-list",
            ResourceKind::VpcEndpoint => "vpc-endpoint",
            ResourceKind::RestApi => "rest-api",
            ResourceKind::Stage => "stage",
            ResourceKind::Deployment => "deployment",
            ResourceKind::Method => "method",
            ResourceKind::Authorizer => "authorizer",
            ResourceKind::Integration => "integration",
            ResourceKind::Lambda => "lambda",
            ResourceKind::Role => "role",
            ResourceKind::VpcLink => "vpc-link",
            ResourceKind::DomainName => "domain-name",
            ResourceKind::UsagePlan => "usage-plan",
            ResourceKind::ApiKey => "api-key",
            ResourceKind::WebAcl => "web-acl",
            ResourceKind::LogGroup => "log-group",
        }
    }
}

/// A resource a hop read: its kind, its id (or ARN, or name where AWS has
/// no id) and a display name when it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceRef {
    pub kind: ResourceKind,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl ResourceRef {
    pub fn new(kind: ResourceKind, id: impl Into<String>) -> ResourceRef {
        ResourceRef {
            kind,
            id: id.into(),
            name: None,
        }
    }
}

/// A policy statement named as the deciding one: which document, whose, and
/// which statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    pub kind: PolicyKind,
    /// The document's id ([`PolicyEvidence::document`]).
    pub document: String,
    pub index: usize,
}

/// The AWS field that decided a verdict: the call that returned it, the
/// resource it was about, where in the response, and the value. Rendered as
/// one line, e.g. `ec2:DescribeVpcEndpoints vpce-0a1 State=available`.
///
/// Kept as the rendered line plus the span of each part in it, so a hop
/// carries one allocation for it; the parts are read with [`Deciding::call`],
/// [`Deciding::resource`], [`Deciding::path`], [`Deciding::value`] and
/// [`Deciding::detail`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deciding {
    text: String,
    call: Span,
    resource: Span,
    path: Span,
    value: Option<Span>,
    detail: Span,
    /// The policy statement that decided, when one did.
    statement: Option<Box<StatementRef>>,
}

/// A byte range of [`Deciding::text`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Span(u32, u32);

impl Deciding {
    /// A field of an AWS call's answer.
    pub fn field(call: &'static str, resource: impl AsRef<str>, path: impl AsRef<str>) -> Deciding {
        Deciding::build(call, resource.as_ref(), path.as_ref(), None, "", None)
    }
    /// Free text, for evidence that is not one AWS field.
    pub fn text(t: impl Into<String>) -> Deciding {
        let text: String = t.into();
        let end = text.len() as u32;
        Deciding {
            text,
            detail: Span(0, end),
            ..Deciding::default()
        }
    }
    fn build(
        call: &str,
        resource: &str,
        path: &str,
        value: Option<&str>,
        detail: &str,
        statement: Option<Box<StatementRef>>,
    ) -> Deciding {
        let mut text = String::with_capacity(
            call.len()
                + resource.len()
                + path.len()
                + value.map_or(0, |v| v.len() + 1)
                + detail.len()
                + 3,
        );
        let part = |s: &str, text: &mut String| -> Span {
            if s.is_empty() {
                let at = text.len() as u32;
                return Span(at, at);
            }
            if !text.is_empty() {
                text.push(' ');
            }
            let at = text.len() as u32;
            text.push_str(s);
            Span(at, text.len() as u32)
        };
        let call = part(call, &mut text);
        let resource = part(resource, &mut text);
        let (path, value) = match value {
            None => (part(path, &mut text), None),
            Some(v) => {
                let whole = part(&format!("{path}={v}"), &mut text);
                let p = Span(whole.0, whole.0 + path.len() as u32);
                (p, Some(Span(p.1 + 1, whole.1)))
            }
        };
        let detail = part(detail, &mut text);
        Deciding {
            text,
            call,
            resource,
            path,
            value,
            detail,
            statement,
        }
    }
    fn slice(&self, s: Span) -> &str {
        self.text.get(s.0 as usize..s.1 as usize).unwrap_or("")
    }
    /// `ec2:DescribeNetworkAcls`; empty when the evidence is not an AWS field.
    pub fn call(&self) -> &str {
        self.slice(self.call)
    }
    /// The resource the call was about (id, ARN or name).
    pub fn resource(&self) -> &str {
        self.slice(self.resource)
    }
    /// Where in the response: `Entries[RuleNumber=90,Egress=false]`, `policy Statement[1]`.
    pub fn path(&self) -> &str {
        self.slice(self.path)
    }
    /// The value found at the path, when one decided.
    pub fn value(&self) -> Option<&str> {
        self.value.map(|s| self.slice(s))
    }
    /// Anything after the field: `(missing)`, `(absent: full access)`, a comparison.
    pub fn detail(&self) -> &str {
        self.slice(self.detail)
    }
    /// The policy statement that decided, when one did.
    pub fn statement(&self) -> Option<&StatementRef> {
        self.statement.as_deref()
    }
    fn with(self, path: Option<&str>, value: Option<&str>, detail: Option<&str>) -> Deciding {
        let path = path
            .map(str::to_string)
            .unwrap_or_else(|| self.path().to_string());
        let value = match value {
            Some(v) => Some(v.to_string()),
            None => self.value().map(str::to_string),
        };
        let detail = detail
            .map(str::to_string)
            .unwrap_or_else(|| self.detail().to_string());
        Deciding::build(
            self.call(),
            self.resource(),
            &path,
            value.as_deref(),
            &detail,
            self.statement.clone(),
        )
    }
    /// The value at the path: `State` becomes `State=available`.
    pub fn with_value(self, v: impl AsRef<str>) -> Deciding {
        self.with(None, Some(v.as_ref()), None)
    }
    /// Text after the field, replacing any there was.
    pub fn with_detail(self, d: impl AsRef<str>) -> Deciding {
        self.with(None, None, Some(d.as_ref()))
    }
    /// The field was needed but is not in the snapshot.
    pub fn missing(self) -> Deciding {
        self.with_detail("(missing)")
    }
    /// The path extended by `more` (a space between).
    pub fn with_subpath(self, more: &str) -> Deciding {
        let path = if self.path().is_empty() {
            more.to_string()
        } else {
            format!("{} {more}", self.path())
        };
        self.with(Some(&path), None, None)
    }
    /// The path continued by `more` as written (`.authorizationType`).
    pub fn deeper(self, more: &str) -> Deciding {
        let path = format!("{}{more}", self.path());
        self.with(Some(&path), None, None)
    }
    pub fn with_statement(mut self, s: StatementRef) -> Deciding {
        self.statement = Some(Box::new(s));
        self
    }
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Deciding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<String> for Deciding {
    fn from(s: String) -> Deciding {
        Deciding::text(s)
    }
}

impl From<crate::net::Field> for Deciding {
    fn from(f: crate::net::Field) -> Deciding {
        Deciding::field(f.call, &f.resource, &f.path)
    }
}

impl From<&crate::net::Field> for Deciding {
    fn from(f: &crate::net::Field) -> Deciding {
        Deciding::field(f.call, &f.resource, &f.path)
    }
}

impl From<&str> for Deciding {
    fn from(s: &str) -> Deciding {
        Deciding::text(s)
    }
}

/// Which policy document a hop evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyKind {
    EndpointPolicy,
    ResourcePolicy,
    IdentityPolicy,
    PermissionsBoundary,
    DomainPolicy,
    FunctionPolicy,
    TrustPolicy,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::EndpointPolicy => "endpoint policy",
            PolicyKind::ResourcePolicy => "resource policy",
            PolicyKind::IdentityPolicy => "identity policy",
            PolicyKind::PermissionsBoundary => "permissions boundary",
            PolicyKind::DomainPolicy => "domain policy",
            PolicyKind::FunctionPolicy => "function policy",
            PolicyKind::TrustPolicy => "trust policy",
        }
    }
}

/// How one statement fared against the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StatementResult {
    Applies,
    DoesNotApply,
    /// It may apply: it depends on an input the tool cannot know.
    Unknown,
}

impl StatementResult {
    pub fn as_str(self) -> &'static str {
        match self {
            StatementResult::Applies => "applies",
            StatementResult::DoesNotApply => "does not apply",
            StatementResult::Unknown => "may apply",
        }
    }
}

/// One statement of an evaluated policy.
#[derive(Debug, Clone, Serialize)]
pub struct StatementEvidence {
    pub index: usize,
    /// `Statement[1] (Sid "DenyOtherVpce")`.
    pub label: String,
    pub effect: &'static str,
    pub result: StatementResult,
    /// Why it applied, or the element or condition that failed.
    pub why: String,
    /// The whole document as written (decoded JSON), shared by its statements.
    #[serde(skip)]
    pub document: Arc<serde_json::Value>,
}

impl StatementEvidence {
    /// The statement as written, as pretty-printed JSON.
    pub fn text(&self) -> String {
        crate::policy::statement_in(&self.document, self.index)
            .and_then(|s| serde_json::to_string_pretty(s).ok())
            .unwrap_or_default()
    }
}

/// A policy document a hop evaluated, statement by statement.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyEvidence {
    pub kind: PolicyKind,
    /// The resource the document belongs to.
    pub owner: ResourceRef,
    /// Names the document among those a hop evaluated: the owner's id, or
    /// the policy's ARN or name where one owner has several documents.
    pub document: String,
    /// `resource policy of a1b2c3d4e5`, `inline policy invoke of role web`.
    pub title: String,
    pub statements: Vec<StatementEvidence>,
    /// The statement that decided this document's answer, if one did.
    pub deciding: Option<usize>,
}

impl PolicyEvidence {
    /// Evidence from one evaluation of `policy` (the text is the document as
    /// evaluated, used to show each statement as written).
    pub fn from_eval(
        kind: PolicyKind,
        owner: ResourceRef,
        title: impl Into<String>,
        p: &Policy,
        e: &Evaluation,
        rc: &RequestContext,
    ) -> PolicyEvidence {
        let statements = e
            .statements
            .iter()
            .map(|se| StatementEvidence {
                index: se.index,
                label: policy::statement_label(p, se.index),
                effect: se.effect.as_str(),
                result: match se.applies {
                    Tri::True => StatementResult::Applies,
                    Tri::False => StatementResult::DoesNotApply,
                    Tri::Unknown => StatementResult::Unknown,
                },
                why: policy::why(p, se, rc),
                document: p.source.clone(),
            })
            .collect();
        PolicyEvidence {
            kind,
            document: owner.id.clone(),
            owner,
            title: title.into(),
            statements,
            deciding: e.deciding,
        }
    }

    /// The policy AWS applies when none is set: one statement allowing every
    /// principal every action on every resource, which decides.
    pub fn implicit_full_access(
        kind: PolicyKind,
        owner: ResourceRef,
        title: impl Into<String>,
    ) -> PolicyEvidence {
        static DOC: std::sync::OnceLock<Arc<serde_json::Value>> = std::sync::OnceLock::new();
        let document = DOC
            .get_or_init(|| {
                Arc::new(serde_json::json!({"Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
                ]}))
            })
            .clone();
        PolicyEvidence {
            kind,
            document: owner.id.clone(),
            owner,
            title: title.into(),
            statements: vec![StatementEvidence {
                index: 0,
                label: "Statement[0]".into(),
                effect: "Allow",
                result: StatementResult::Applies,
                why: "no policy is set, so AWS applies this one: every principal, every action, every resource".into(),
                document,
            }],
            deciding: Some(0),
        }
    }

    /// Names the document where its owner has several (a role's policies).
    pub fn with_document(mut self, document: impl Into<String>) -> PolicyEvidence {
        self.document = document.into();
        self
    }

    /// A reference to this document's deciding statement.
    pub fn deciding_ref(&self) -> Option<StatementRef> {
        self.deciding.map(|index| StatementRef {
            kind: self.kind,
            document: self.document.clone(),
            index,
        })
    }

    /// The deciding field when this document answers: `field` followed by
    /// the deciding statement's label (and naming it), or by `otherwise`
    /// when no statement decided.
    pub fn deciding_field(&self, field: &Deciding, otherwise: impl AsRef<str>) -> Deciding {
        match self.deciding {
            Some(i) => {
                let label = self
                    .statements
                    .iter()
                    .find(|s| s.index == i)
                    .map(|s| s.label.clone())
                    .unwrap_or_else(|| format!("Statement[{i}]"));
                let d = field.clone().with_subpath(&label);
                match self.deciding_ref() {
                    Some(r) => d.with_statement(r),
                    None => d,
                }
            }
            None => field.clone().with_detail(otherwise),
        }
    }

    /// Whether `d` names a statement of this document.
    pub fn decided(&self, d: &Deciding) -> Option<usize> {
        d.statement()
            .filter(|s| s.kind == self.kind && s.document == self.document)
            .map(|s| s.index)
    }

    /// One note per statement: `{label} Statement[0] Allow: applies: why`.
    pub fn notes(&self, label: &str) -> Vec<String> {
        self.statements
            .iter()
            .map(|s| {
                format!(
                    "{label} {} {}: {}: {}",
                    s.label,
                    s.effect,
                    s.result.as_str(),
                    s.why
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deciding_renders_its_parts_in_order() {
        let d =
            Deciding::field("ec2:DescribeVpcEndpoints", "vpce-1", "State").with_value("available");
        assert_eq!(
            d.to_string(),
            "ec2:DescribeVpcEndpoints vpce-1 State=available"
        );
        assert_eq!(
            (d.call(), d.resource(), d.path(), d.value(), d.detail()),
            (
                "ec2:DescribeVpcEndpoints",
                "vpce-1",
                "State",
                Some("available"),
                ""
            )
        );
        let e = d.clone().missing().with_subpath("x");
        assert_eq!(
            e.to_string(),
            "ec2:DescribeVpcEndpoints vpce-1 State x=available (missing)"
        );
        assert_eq!(e.detail(), "(missing)");
        assert_eq!(e.value(), Some("available"));
        let t = Deciding::text("free");
        assert_eq!((t.call(), t.detail()), ("", "free"));
        let m = Deciding::field("ec2:DescribeSubnets", "subnet-1", "").missing();
        assert_eq!(m.to_string(), "ec2:DescribeSubnets subnet-1 (missing)");
        assert_eq!(
            Deciding::text("request URL port 80").to_string(),
            "request URL port 80"
        );
        assert!(Deciding::default().is_empty());
        assert_eq!(Deciding::default().to_string(), "");
    }

    #[test]
    fn a_statement_reference_names_its_document() {
        let text = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
            {"Sid":"No","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#;
        let p = policy::parse(text, &policy::ParseOptions::default()).unwrap();
        let rc = RequestContext::new(
            "execute-api:Invoke",
            Some("arn:aws:execute-api:us-east-1:1:a/prod/GET/"),
            policy::Caller::Anonymous,
        );
        let e = policy::evaluate(&p, &rc);
        let ev = PolicyEvidence::from_eval(
            PolicyKind::ResourcePolicy,
            ResourceRef::new(ResourceKind::RestApi, "a"),
            "resource policy of a",
            &p,
            &e,
            &rc,
        );
        assert_eq!(ev.deciding, Some(1));
        assert_eq!(ev.statements.len(), 2);
        assert_eq!(ev.statements[1].result, StatementResult::Applies);
        assert!(
            ev.statements[1].text().contains("\"Sid\": \"No\""),
            "{}",
            ev.statements[1].text()
        );
        let field = Deciding::field("apigateway:GetRestApi", "a", "policy");
        let d = ev.deciding_field(&field, "(none)");
        assert_eq!(
            d.to_string(),
            "apigateway:GetRestApi a policy Statement[1] (Sid \"No\")"
        );
        assert_eq!(ev.decided(&d), Some(1));
        // The same statement number in another document is not this one.
        let other = ev.clone().with_document("b");
        assert_eq!(other.decided(&d), None);
        assert_eq!(ev.notes("resource policy").len(), 2);
    }
}
