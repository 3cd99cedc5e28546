//! The request a policy is evaluated against: action, resource, caller and
//! the context keys (rulebook §1.3), each known, absent or unknown.
use super::Tri;

/// Who makes the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An unsigned request.
    Anonymous,
    /// A signed request by an IAM user or a role session.
    Iam(IamCaller),
    /// An AWS service principal (`apigateway.amazonaws.com`).
    Service(String),
    /// The caller cannot be known; the text says why.
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamCaller {
    /// The user ARN or the role session ARN (`arn:aws:sts::{acct}:assumed-role/{role}/{session}`).
    pub arn: String,
    /// For a role session, the role ARN (`aws:PrincipalArn`).
    pub role_arn: Option<String>,
    pub account: String,
    /// Whether the caller's role has a permissions boundary: `None` when not
    /// considered (the principal is matched as named), `Some(Tri::Unknown)`
    /// when the role is not known. A `Deny` with `NotPrincipal` applies to a
    /// caller with a boundary whatever it lists (IAM permissions boundaries).
    pub boundary: Option<Tri>,
}

impl Caller {
    /// A role session of `role_arn` named `session`.
    pub fn role_session(role_arn: &str, session: &str) -> Caller {
        let account = role_arn.split(':').nth(4).unwrap_or("").to_string();
        let partition = role_arn.split(':').nth(1).unwrap_or("aws");
        let name = role_arn.rsplit('/').next().unwrap_or(role_arn);
        Caller::Iam(IamCaller {
            arn: format!("arn:{partition}:sts::{account}:assumed-role/{name}/{session}"),
            role_arn: Some(role_arn.to_string()),
            account,
            boundary: None,
        })
    }

    /// Read a principal as a user would name it: `anonymous`, an IAM user,
    /// role, assumed-role or account-root ARN, a 12-digit account id, or a
    /// service principal such as `apigateway.amazonaws.com`.
    pub fn parse(s: &str) -> Result<Caller, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("anonymous") {
            return Ok(Caller::Anonymous);
        }
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Caller::Iam(IamCaller {
                arn: format!("arn:aws:iam::{s}:root"),
                role_arn: None,
                account: s.to_string(),
                boundary: None,
            }));
        }
        if !s.starts_with("arn:") {
            if s.ends_with(".amazonaws.com") || s.ends_with(".amazonaws.com.cn") {
                return Ok(Caller::Service(s.to_string()));
            }
            return Err(format!(
                "principal {s:?}: expected anonymous, an IAM ARN, a 12-digit account id or a service principal such as apigateway.amazonaws.com"
            ));
        }
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        if parts.len() != 6 || !(parts[2] == "iam" || parts[2] == "sts") {
            return Err(format!(
                "principal {s:?}: expected an arn:{{partition}}:iam:: or arn:{{partition}}:sts:: ARN"
            ));
        }
        let (partition, account, res) = (parts[1], parts[4], parts[5]);
        if account.is_empty() {
            return Err(format!("principal {s:?}: the ARN has no account id"));
        }
        let role_arn = match res.strip_prefix("assumed-role/") {
            Some(rest) if parts[2] == "sts" => {
                let Some((role, _session)) = rest.split_once('/') else {
                    return Err(format!(
                        "principal {s:?}: expected assumed-role/{{role}}/{{session}}"
                    ));
                };
                Some(format!("arn:{partition}:iam::{account}:role/{role}"))
            }
            _ => None,
        };
        let role_arn = if res.starts_with("role/") {
            // A role ARN names every session of the role.
            Some(s.to_string())
        } else {
            role_arn
        };
        Ok(Caller::Iam(IamCaller {
            arn: s.to_string(),
            role_arn,
            account: account.to_string(),
            boundary: None,
        }))
    }

    /// How explanations name the caller.
    pub fn describe(&self) -> String {
        match self {
            Caller::Anonymous => "anonymous".into(),
            Caller::Iam(c) => c.arn.clone(),
            Caller::Service(s) => format!("service {s}"),
            Caller::Unknown(why) => format!("unknown ({why})"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Values(Vec<String>),
    Absent,
    Unknown,
}

/// What the request context holds for a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// Present with these values (one for single-valued keys).
    Values(&'a [String]),
    Absent,
    /// The tool cannot know the value (or whether the key is present).
    Unknown,
}

/// Action, resource, caller and context keys of one request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub action: String,
    pub(crate) action_lower: String,
    /// `None` when the resource ARN cannot be known.
    pub resource: Option<String>,
    pub caller: Caller,
    /// (lower-cased key, key as first given, entry)
    keys: Vec<(String, String, Entry)>,
    unknown_prefixes: Vec<String>,
    /// Keys named nowhere are unknown (trace) rather than absent (simulator).
    unlisted_unknown: bool,
}

impl RequestContext {
    pub fn new(action: &str, resource: Option<&str>, caller: Caller) -> RequestContext {
        RequestContext {
            action: action.to_string(),
            action_lower: action.to_lowercase(),
            resource: resource.map(str::to_string),
            caller,
            keys: Vec::new(),
            unknown_prefixes: Vec::new(),
            unlisted_unknown: false,
        }
    }

    fn slot(&mut self, key: &str) -> &mut Entry {
        let k = key.to_lowercase();
        match self.keys.iter().position(|(n, _, _)| *n == k) {
            Some(i) => &mut self.keys[i].2,
            None => {
                self.keys.push((k, key.to_string(), Entry::Absent));
                let last = self.keys.len() - 1;
                &mut self.keys[last].2
            }
        }
    }

    /// Set a single value, replacing any earlier one.
    pub fn set(&mut self, key: &str, value: &str) -> &mut Self {
        *self.slot(key) = Entry::Values(vec![value.to_string()]);
        self
    }
    /// Add a value; a key given twice becomes multi-valued.
    pub fn add(&mut self, key: &str, value: &str) -> &mut Self {
        let e = self.slot(key);
        match e {
            Entry::Values(v) => v.push(value.to_string()),
            _ => *e = Entry::Values(vec![value.to_string()]),
        }
        self
    }
    /// The key is not in the request.
    pub fn set_absent(&mut self, key: &str) -> &mut Self {
        *self.slot(key) = Entry::Absent;
        self
    }
    /// The key's value (and presence) cannot be known.
    pub fn set_unknown(&mut self, key: &str) -> &mut Self {
        *self.slot(key) = Entry::Unknown;
        self
    }
    /// Every key starting with `prefix` (`aws:PrincipalTag/`) that is not set
    /// explicitly is unknown.
    pub fn set_unknown_prefix(&mut self, prefix: &str) -> &mut Self {
        self.unknown_prefixes.push(prefix.to_lowercase());
        self
    }
    /// Keys not named at all are unknown instead of absent.
    pub fn set_unlisted_unknown(&mut self, yes: bool) -> &mut Self {
        self.unlisted_unknown = yes;
        self
    }
    pub fn set_resource(&mut self, resource: Option<&str>) -> &mut Self {
        self.resource = resource.map(str::to_string);
        self
    }
    pub fn set_action(&mut self, action: &str) -> &mut Self {
        self.action = action.to_string();
        self.action_lower = action.to_lowercase();
        self
    }

    /// Look a key up; `key_lower` must already be lower-cased.
    pub fn lookup_lower(&self, key_lower: &str) -> Lookup<'_> {
        for (k, _, e) in &self.keys {
            if k == key_lower {
                return match e {
                    Entry::Values(v) => Lookup::Values(v),
                    Entry::Absent => Lookup::Absent,
                    Entry::Unknown => Lookup::Unknown,
                };
            }
        }
        if self.unlisted_unknown
            || self
                .unknown_prefixes
                .iter()
                .any(|p| key_lower.starts_with(p))
        {
            Lookup::Unknown
        } else {
            Lookup::Absent
        }
    }
    /// Look a key up by any spelling (key names are case-insensitive, IAM-COND).
    pub fn lookup(&self, key: &str) -> Lookup<'_> {
        self.lookup_lower(&key.to_lowercase())
    }

    /// The keys set explicitly, for display: (key, values or None when unknown).
    pub fn entries(&self) -> Vec<(String, Option<Vec<String>>)> {
        self.keys
            .iter()
            .filter(|(_, _, e)| *e != Entry::Absent)
            .map(|(_, k, e)| {
                (
                    k.clone(),
                    match e {
                        Entry::Values(v) => Some(v.clone()),
                        _ => None,
                    },
                )
            })
            .collect()
    }
}
