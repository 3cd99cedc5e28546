//! Typed evidence a hop carries: the resources it read, the field that
//! decided, and every policy it evaluated statement by statement. The TUI,
//! the exports and the coming log correlation read these; nothing parses the
//! rendered strings back.

use std::fmt;

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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deciding {
    /// `ec2:DescribeNetworkAcls`; empty when the evidence is not an AWS field.
    pub call: String,
    /// The resource the call was about (id, ARN or name).
    pub resource: String,
    /// Where in the response: `Entries[RuleNumber=90,Egress=false]`, `policy Statement[1]`.
    pub path: String,
    /// The value found at `path`, when one decided.
    pub value: Option<String>,
    /// Anything after the field: `(missing)`, `(absent: full access)`, a comparison.
    pub detail: String,
    /// The policy statement that decided, when one did.
    pub statement: Option<StatementRef>,
}

impl Deciding {
    /// A field of an AWS call's answer.
    pub fn field(call: &str, resource: impl ToString, path: impl ToString) -> Deciding {
        Deciding {
            call: call.to_string(),
            resource: resource.to_string(),
            path: path.to_string(),
            ..Deciding::default()
        }
    }
    /// Free text, for evidence that is not one AWS field.
    pub fn text(t: impl Into<String>) -> Deciding {
        Deciding {
            detail: t.into(),
            ..Deciding::default()
        }
    }
    pub fn value(mut self, v: impl Into<String>) -> Deciding {
        self.value = Some(v.into());
        self
    }
    pub fn detail(mut self, d: impl Into<String>) -> Deciding {
        self.detail = d.into();
        self
    }
    /// The field was needed but is not in the snapshot.
    pub fn missing(self) -> Deciding {
        self.detail("(missing)")
    }
    pub fn statement(mut self, s: StatementRef) -> Deciding {
        self.statement = Some(s);
        self
    }
    pub fn is_empty(&self) -> bool {
        self.call.is_empty()
            && self.resource.is_empty()
            && self.path.is_empty()
            && self.value.is_none()
            && self.detail.is_empty()
    }
}

impl fmt::Display for Deciding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut part = |f: &mut fmt::Formatter<'_>, s: &str| -> fmt::Result {
            if s.is_empty() {
                return Ok(());
            }
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            f.write_str(s)
        };
        part(f, &self.call)?;
        part(f, &self.resource)?;
        match &self.value {
            Some(v) => part(f, &format!("{}={v}", self.path))?,
            None => part(f, &self.path)?,
        }
        part(f, &self.detail)
    }
}

impl From<String> for Deciding {
    fn from(s: String) -> Deciding {
        Deciding::text(s)
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
    /// The statement as written, pretty-printed JSON.
    pub text: String,
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
        text: &str,
        p: &Policy,
        e: &Evaluation,
        rc: &RequestContext,
    ) -> PolicyEvidence {
        let written = statement_texts(text);
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
                text: written.get(se.index).cloned().unwrap_or_default(),
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
    pub fn deciding_field(&self, field: &Deciding, otherwise: impl Into<String>) -> Deciding {
        let mut d = field.clone();
        match self.deciding {
            Some(i) => {
                let label = self
                    .statements
                    .iter()
                    .find(|s| s.index == i)
                    .map(|s| s.label.clone())
                    .unwrap_or_else(|| format!("Statement[{i}]"));
                d.path = if d.path.is_empty() {
                    label
                } else {
                    format!("{} {label}", d.path)
                };
                d.statement = self.deciding_ref();
                d
            }
            None => d.detail(otherwise),
        }
    }

    /// Whether `d` names a statement of this document.
    pub fn decided(&self, d: &Deciding) -> Option<usize> {
        d.statement
            .as_ref()
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

/// Each statement of a policy document as pretty-printed JSON, in order.
fn statement_texts(text: &str) -> Vec<String> {
    let Ok(doc) = policy::decode_document(text) else {
        return Vec::new();
    };
    let statements: Vec<&serde_json::Value> = match doc.get("Statement") {
        Some(serde_json::Value::Array(v)) => v.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    };
    statements
        .into_iter()
        .map(|s| serde_json::to_string_pretty(s).unwrap_or_default())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deciding_renders_its_parts_in_order() {
        let d = Deciding::field("ec2:DescribeVpcEndpoints", "vpce-1", "State").value("available");
        assert_eq!(
            d.to_string(),
            "ec2:DescribeVpcEndpoints vpce-1 State=available"
        );
        assert_eq!(d.resource, "vpce-1");
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
            text,
            &p,
            &e,
            &rc,
        );
        assert_eq!(ev.deciding, Some(1));
        assert_eq!(ev.statements.len(), 2);
        assert_eq!(ev.statements[1].result, StatementResult::Applies);
        assert!(
            ev.statements[1].text.contains("\"Sid\": \"No\""),
            "{}",
            ev.statements[1].text
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
