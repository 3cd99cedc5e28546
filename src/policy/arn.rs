//! ARN matching, component by component (IAM-RES, IAM-CONDOP ARN operators),
//! and action matching (IAM-ACTION).

use super::wildcard::Glob;
use super::Tri;

/// Start offsets of the six colon-separated components of an ARN
/// (`arn:partition:service:region:account:resource`); the resource keeps any
/// further colons. `None` when `s` is not an ARN.
pub(crate) fn arn_offsets(s: &str) -> Option<[usize; 6]> {
    if !s.starts_with("arn:") {
        return None;
    }
    let mut out = [0usize; 6];
    let mut n = 1;
    for (i, b) in s.bytes().enumerate() {
        if n == 6 {
            break;
        }
        if b == b':' {
            out[n] = i + 1;
            n += 1;
        }
    }
    (n == 6).then_some(out)
}

fn component<'a>(s: &'a str, off: &[usize; 6], i: usize) -> &'a str {
    let end = if i < 5 { off[i + 1] - 1 } else { s.len() };
    &s[off[i]..end]
}

/// A compiled resource or ARN pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct ArnPattern {
    whole: Glob,
    /// The colon-separated components when the pattern starts with `arn:`.
    parts: Option<Vec<Glob>>,
}

impl ArnPattern {
    pub fn new(whole: Glob) -> ArnPattern {
        let parts = whole.split(':', 6);
        let is_arn = parts.len() >= 2 && parts[0].as_literal() == Some("arn");
        ArnPattern {
            whole,
            parts: is_arn.then_some(parts),
        }
    }
    pub fn is_star(&self) -> bool {
        self.whole.is_star()
    }

    /// `Resource` / `NotResource` semantics (IAM-RES): `*` alone matches
    /// anything; ARN patterns match component by component; a `*` that ends
    /// a component may also match past `:` (so it can cover the rest of the
    /// ARN, or several components).
    /// A wildcard in the service component is not documented to work: a
    /// match that depends on it is unknown.
    pub fn match_resource(&self, value: &str) -> Tri {
        if self.whole.is_star() {
            return Tri::True;
        }
        let (Some(parts), Some(off)) = (&self.parts, arn_offsets(value)) else {
            return Tri::from_bool(self.whole.is_match(value));
        };
        self.match_parts(parts, value, &off, true)
    }

    /// `ArnEquals` / `ArnLike` semantics (IAM-CONDOP): both sides must be
    /// ARNs; six components compared separately; a `*` never crosses a colon.
    /// (`StringLike` can match where this fails.)
    pub fn match_condition(&self, value: &str) -> Tri {
        let (Some(parts), Some(off)) = (&self.parts, arn_offsets(value)) else {
            return Tri::False;
        };
        self.match_parts(parts, value, &off, false)
    }

    /// Component-by-component match. With `cross` (Resource semantics,
    /// IAM-RES current version, rulebook §4.3), a `*` that is the last
    /// character of a pattern component may also match past `:`
    /// boundaries, so it can cover several ARN components; every other `*`
    /// and `?` stays within its component. Without `cross` (ArnLike, §4.5)
    /// the six components are compared one to one.
    fn match_parts(&self, parts: &[Glob], value: &str, off: &[usize; 6], cross: bool) -> Tri {
        match_from(parts, 0, 0, value, off, cross)
    }
}

/// Pattern components `parts[i..]` against ARN components `j..6`.
fn match_from(
    parts: &[Glob],
    i: usize,
    j: usize,
    value: &str,
    off: &[usize; 6],
    cross: bool,
) -> Tri {
    let (n, p) = match parts.get(i) {
        Some(p) if j < 6 => (parts.len(), p),
        _ => return Tri::False,
    };
    let comp = component(value, off, j);
    if i + 1 == n {
        if j == 5 {
            return component_match(j, p, comp);
        }
        // The last pattern component must cover the rest of the ARN: only
        // a final `*` can (the rest of component `j` and everything after).
        if !cross || !p.ends_with_star() {
            return Tri::False;
        }
        return Tri::from_bool(p.is_match(comp));
    }
    // Further pattern components need at least one ARN component each.
    if j + (n - i) > 6 {
        return Tri::False;
    }
    let here = component_match(j, p, comp);
    if here == Tri::False {
        return Tri::False;
    }
    let mut acc = here.and(match_from(parts, i + 1, j + 1, value, off, cross));
    if cross && p.ends_with_star() {
        // The final `*` also covers components j+1..=j2 (their text and the
        // colons between them).
        for j2 in (j + 1)..5 {
            if acc == Tri::True {
                break;
            }
            let spanned = if p.has_wildcards() && j <= 2 && 2 <= j2 {
                // IAM documents no wildcard in the service component.
                Tri::Unknown
            } else {
                here
            };
            acc = acc.or(spanned.and(match_from(parts, i + 1, j2 + 1, value, off, cross)));
        }
    }
    acc
}

fn component_match(i: usize, p: &Glob, v: &str) -> Tri {
    let hit = p.is_match(v);
    if i == 2 && p.has_wildcards() && hit {
        // IAM documents no wildcard in the service component.
        return Tri::Unknown;
    }
    Tri::from_bool(hit)
}

impl std::fmt::Display for ArnPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.whole.fmt(f)
    }
}

/// Action patterns are case-insensitive (IAM-ACTION): `pattern` is already
/// lower-cased, `action` must be too.
pub(crate) fn match_action(pattern: &Glob, action_lower: &str) -> bool {
    pattern.is_match(action_lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(p: &str, v: &str) -> Tri {
        ArnPattern::new(Glob::compile(p)).match_resource(v)
    }

    const M: &str = "arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/prod/GET/pets/42";

    #[test]
    fn rulebook_examples() {
        assert_eq!(
            r("arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/*", M),
            Tri::True
        );
        assert_eq!(
            r(
                "arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/*/GET/pets/*",
                M
            ),
            Tri::True
        );
        assert_eq!(
            r(
                "arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/*/GET/pets/*",
                "arn:aws:execute-api:us-east-1:111111111111:a1b2c3d4e5/prod/GET/pets"
            ),
            Tri::False
        );
        assert_eq!(r("arn:aws:execute-api:*:*:*", M), Tri::True);
        assert_eq!(r("arn:aws:execute-api:us-east-1:*", M), Tri::True);
        assert_eq!(r("arn:aws:execute-api:us-east-1", M), Tri::False);
        assert_eq!(r("arn:aws:*:us-east-1:*:*", M), Tri::Unknown);
        assert_eq!(r("arn:aws:s*:us-east-1:*:*", M), Tri::False);
        assert_eq!(r("*", "not an arn"), Tri::True);
    }

    #[test]
    fn offsets() {
        assert!(arn_offsets("arn:aws:s3:::b").is_some());
        assert!(arn_offsets("arn:aws:s3::").is_none());
        assert!(arn_offsets("xarn:a:b:c:d:e").is_none());
    }
}
