//! Policy variables (IAM-VARS): `${aws:username}`, `${key, 'default'}` and
//! the escapes `${*}`, `${?}`, `${$}`. Only under `"Version": "2012-10-17"`;
//! otherwise the text is literal.

use super::context::{Lookup, RequestContext};
use super::wildcard::Glob;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// Policy text; `*` and `?` in it are wildcards where the operator has them.
    Text(String),
    /// An escaped character: always literal.
    Escaped(char),
    Var {
        key: String,
        key_lower: String,
        default: Option<String>,
    },
}

/// A policy string that may contain variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub(crate) raw: String,
    pub(crate) parts: Vec<Part>,
}

/// A variable that could not be substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// The key is not in the request and there is no default: the element
    /// matches nothing (IAM-VARS).
    Absent(String),
    /// The key's value cannot be known, is multi-valued, or would inject
    /// wildcards.
    Unknown(String),
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || ":/_-.@+=".contains(c))
}

impl Template {
    pub fn parse(s: &str, variables: bool) -> Template {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = s;
        loop {
            if !variables {
                break;
            }
            let Some(i) = rest.find("${") else { break };
            let Some(j) = rest[i + 2..].find('}') else {
                break;
            };
            let inner = rest[i + 2..i + 2 + j].trim();
            let part = match inner {
                "*" => Some(Part::Escaped('*')),
                "?" => Some(Part::Escaped('?')),
                "$" => Some(Part::Escaped('$')),
                _ => {
                    let (key, default) = match inner.split_once(',') {
                        Some((k, d)) => {
                            let d = d.trim();
                            let d = d
                                .strip_prefix('\'')
                                .and_then(|d| d.strip_suffix('\''))
                                .map(str::to_string);
                            (k.trim(), d)
                        }
                        None => (inner, None),
                    };
                    valid_key(key).then(|| Part::Var {
                        key: key.to_string(),
                        key_lower: key.to_lowercase(),
                        default,
                    })
                }
            };
            match part {
                Some(p) => {
                    text.push_str(&rest[..i]);
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(p);
                }
                None => text.push_str(&rest[..i + 3 + j]),
            }
            rest = &rest[i + 3 + j..];
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Template {
            raw: s.to_string(),
            parts,
        }
    }

    /// No variable and no escape: the raw text is the value.
    pub fn is_plain(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Text(_)))
    }

    pub fn raw(&self) -> &str {
        &self.raw
    }

    fn value_of<'c>(
        key: &str,
        key_lower: &str,
        default: &'c Option<String>,
        ctx: &'c RequestContext,
    ) -> Result<&'c str, Unresolved> {
        match ctx.lookup_lower(key_lower) {
            Lookup::Values([v]) => Ok(v.as_str()),
            Lookup::Values([]) | Lookup::Absent => match default {
                Some(d) => Ok(d.as_str()),
                None => Err(Unresolved::Absent(key.to_string())),
            },
            // A multivalued key cannot be a variable (IAM single- vs multivalued keys).
            Lookup::Values(_) | Lookup::Unknown => Err(Unresolved::Unknown(key.to_string())),
        }
    }

    /// The first policy variable whose key is absent from the request and
    /// that has no default (IAM-VARS), if any.
    pub(crate) fn absent_var(&self, ctx: &RequestContext) -> Option<String> {
        self.parts.iter().find_map(|p| match p {
            Part::Var {
                key,
                key_lower,
                default,
            } => match Self::value_of(key, key_lower, default, ctx) {
                Err(Unresolved::Absent(k)) => Some(k),
                _ => None,
            },
            _ => None,
        })
    }

    /// The text with variables substituted (for exact comparisons).
    pub fn resolve_text(&self, ctx: &RequestContext) -> Result<String, Unresolved> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Escaped(c) => out.push(*c),
                Part::Var {
                    key,
                    key_lower,
                    default,
                } => out.push_str(Self::value_of(key, key_lower, default, ctx)?),
            }
        }
        Ok(out)
    }

    /// The wildcard pattern with variables substituted. A substituted value
    /// is literal text; one that itself holds `*` or `?` is unknown, since
    /// IAM does not document whether it would act as a wildcard.
    pub fn resolve_glob(&self, ctx: &RequestContext) -> Result<Glob, Unresolved> {
        let mut g = Glob::default();
        for p in &self.parts {
            match p {
                Part::Text(t) => g.append(&Glob::compile(t)),
                Part::Escaped(c) => g.push_lit(&c.to_string()),
                Part::Var {
                    key,
                    key_lower,
                    default,
                } => {
                    let v = Self::value_of(key, key_lower, default, ctx)?;
                    if v.contains(['*', '?']) {
                        return Err(Unresolved::Unknown(key.to_string()));
                    }
                    g.push_lit(v);
                }
            }
        }
        Ok(g)
    }

    /// The pattern when there is no variable to substitute.
    pub(crate) fn static_glob(&self) -> Option<Glob> {
        let mut g = Glob::default();
        for p in &self.parts {
            match p {
                Part::Text(t) => g.append(&Glob::compile(t)),
                Part::Escaped(c) => g.push_lit(&c.to_string()),
                Part::Var { .. } => return None,
            }
        }
        Some(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::context::Caller;

    fn ctx() -> RequestContext {
        let mut c = RequestContext::new("s3:GetObject", Some("x"), Caller::Anonymous);
        c.set("aws:username", "alice").set_unknown("aws:userid");
        c
    }

    #[test]
    fn substitution() {
        let t = Template::parse("home/${aws:username}/*", true);
        assert_eq!(t.resolve_text(&ctx()).unwrap(), "home/alice/*");
        let g = t.resolve_glob(&ctx()).unwrap();
        assert!(g.is_match("home/alice/file"));
        let t = Template::parse("${AWS:UserName}", true);
        assert_eq!(t.resolve_text(&ctx()).unwrap(), "alice");
        let t = Template::parse("${aws:PrincipalTag/team, 'none'}", true);
        assert_eq!(t.resolve_text(&ctx()).unwrap(), "none");
        let t = Template::parse("${aws:SourceVpce}", true);
        assert_eq!(
            t.resolve_text(&ctx()),
            Err(Unresolved::Absent("aws:SourceVpce".into()))
        );
        let t = Template::parse("${aws:userid}", true);
        assert!(matches!(
            t.resolve_text(&ctx()),
            Err(Unresolved::Unknown(_))
        ));
    }

    #[test]
    fn escapes_are_literal() {
        let t = Template::parse("a${*}b${?}${$}", true);
        assert_eq!(t.resolve_text(&ctx()).unwrap(), "a*b?$");
        let g = t.resolve_glob(&ctx()).unwrap();
        assert!(g.is_match("a*b?$"));
        assert!(!g.is_match("axb?$"));
    }

    #[test]
    fn no_variables_in_2008() {
        let t = Template::parse("home/${aws:username}", false);
        assert!(t.is_plain());
        assert_eq!(t.resolve_text(&ctx()).unwrap(), "home/${aws:username}");
    }
}
