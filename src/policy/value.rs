//! Typed condition values (IAM-CONDOP): parsing the policy side once, and
//! comparing one request value with one policy value.

use std::net::IpAddr;

use super::arn::ArnPattern;
use super::context::RequestContext;
use super::operator::{Base, Cmp, Family};
use super::vars::{Template, Unresolved};
use super::wildcard::Glob;
use super::Tri;

/// A policy value ready to compare.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Prepared {
    Text(String),
    /// Lower-cased, for the IgnoreCase operators.
    Folded(String),
    Glob(Glob),
    Arn(ArnPattern),
    Num(f64),
    /// Milliseconds since the epoch.
    Date(i64),
    Bool(bool),
    Bin(Vec<u8>),
    Ip(IpNet),
    /// `Null`: `true` means the key must be absent.
    Null(bool),
    /// Has variables: resolved per request.
    Template,
}

/// A policy value as written plus its prepared form.
#[derive(Debug, Clone, PartialEq)]
pub struct CondValue {
    pub(crate) tmpl: Template,
    pub(crate) prepared: Prepared,
}

impl CondValue {
    pub fn raw(&self) -> &str {
        self.tmpl.raw()
    }

    /// Prepare `raw` for operator `base`. `variables` is true under Version
    /// 2012-10-17. The error says what was expected.
    pub(crate) fn prepare(base: Base, raw: &str, variables: bool) -> Result<CondValue, String> {
        let tmpl = Template::parse(raw, variables && base.takes_variables());
        let prepared = if !tmpl.is_plain() {
            Prepared::Template
        } else {
            match base.family() {
                Family::String if base.like() => Prepared::Glob(Glob::compile(raw)),
                Family::String if base.ignore_case() => Prepared::Folded(raw.to_lowercase()),
                Family::String => Prepared::Text(raw.to_string()),
                Family::Arn => Prepared::Arn(ArnPattern::new(Glob::compile(raw))),
                Family::Numeric => Prepared::Num(
                    parse_number(raw).ok_or_else(|| format!("expected a number, found {raw:?}"))?,
                ),
                Family::Date => Prepared::Date(parse_date(raw).ok_or_else(|| {
                    format!("expected an ISO 8601 date or epoch seconds, found {raw:?}")
                })?),
                Family::Bool => Prepared::Bool(
                    parse_bool(raw)
                        .ok_or_else(|| format!("expected \"true\" or \"false\", found {raw:?}"))?,
                ),
                Family::Binary => Prepared::Bin(
                    base64_decode(raw)
                        .ok_or_else(|| format!("expected base64 data, found {raw:?}"))?,
                ),
                Family::Ip => Prepared::Ip(IpNet::parse(raw).ok_or_else(|| {
                    format!("expected an IPv4 or IPv6 address or CIDR block, found {raw:?}")
                })?),
                Family::Null => Prepared::Null(
                    parse_bool(raw)
                        .ok_or_else(|| format!("expected \"true\" or \"false\", found {raw:?}"))?,
                ),
            }
        };
        Ok(CondValue { tmpl, prepared })
    }

    /// Does request value `v` satisfy the positive form of `base` against
    /// this policy value? Unknown when a variable cannot be resolved or the
    /// request value is not of the operator's type.
    pub(crate) fn test(&self, base: Base, v: &str, ctx: &RequestContext) -> Result<Tri, Miss> {
        let resolved;
        let p = match &self.prepared {
            Prepared::Template => {
                resolved = self.resolve(base, ctx)?;
                &resolved
            }
            p => p,
        };
        let cmp = base.cmp();
        Ok(match p {
            Prepared::Text(t) => Tri::from_bool(v == t),
            Prepared::Folded(t) => Tri::from_bool(if v.is_ascii() && t.is_ascii() {
                v.eq_ignore_ascii_case(t)
            } else {
                v.to_lowercase() == *t
            }),
            Prepared::Glob(g) => Tri::from_bool(g.is_match(v)),
            Prepared::Arn(a) => a.match_condition(v),
            Prepared::Num(n) => {
                let r = parse_number(v).ok_or(Miss::BadRequestValue("a number"))?;
                Tri::from_bool(ordered(cmp, r.partial_cmp(n)))
            }
            Prepared::Date(d) => {
                let r = parse_date(v).ok_or(Miss::BadRequestValue("a date"))?;
                Tri::from_bool(ordered(cmp, Some(r.cmp(d))))
            }
            Prepared::Bool(b) => {
                let r = parse_bool(v).ok_or(Miss::BadRequestValue("a boolean"))?;
                Tri::from_bool(r == *b)
            }
            Prepared::Bin(b) => {
                let r = base64_decode(v).ok_or(Miss::BadRequestValue("base64 data"))?;
                Tri::from_bool(r == *b)
            }
            Prepared::Ip(net) => {
                let ip: IpAddr = v
                    .trim()
                    .parse()
                    .map_err(|_| Miss::BadRequestValue("an IP address"))?;
                Tri::from_bool(net.contains(ip))
            }
            Prepared::Null(_) | Prepared::Template => Tri::Unknown,
        })
    }

    fn resolve(&self, base: Base, ctx: &RequestContext) -> Result<Prepared, Miss> {
        Ok(match base.family() {
            Family::String if base.like() => Prepared::Glob(self.tmpl.resolve_glob(ctx)?),
            Family::Arn => Prepared::Arn(ArnPattern::new(self.tmpl.resolve_glob(ctx)?)),
            Family::String if base.ignore_case() => {
                Prepared::Folded(self.tmpl.resolve_text(ctx)?.to_lowercase())
            }
            Family::Bool => {
                let t = self.tmpl.resolve_text(ctx)?;
                // A variable that yields something other than true/false matches nothing.
                match parse_bool(&t) {
                    Some(b) => Prepared::Bool(b),
                    None => Prepared::Text(t),
                }
            }
            _ => Prepared::Text(self.tmpl.resolve_text(ctx)?),
        })
    }
}

/// Why a single comparison could not be decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Miss {
    Var(Unresolved),
    /// The request value is not of the operator's type.
    BadRequestValue(&'static str),
}

impl From<Unresolved> for Miss {
    fn from(u: Unresolved) -> Miss {
        Miss::Var(u)
    }
}

fn ordered(cmp: Cmp, o: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::*;
    match (cmp, o) {
        (_, None) => false,
        (Cmp::Eq, Some(o)) => o == Equal,
        (Cmp::Lt, Some(o)) => o == Less,
        (Cmp::Le, Some(o)) => o != Greater,
        (Cmp::Gt, Some(o)) => o == Greater,
        (Cmp::Ge, Some(o)) => o != Less,
    }
}

pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return None;
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// ISO 8601 (with or without a zone, date only, fractional seconds) or
/// epoch seconds, as milliseconds since the epoch.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok()?.checked_mul(1000);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.timestamp_millis());
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z"] {
        if let Ok(d) = DateTime::parse_from_str(s, f) {
            return Some(d.timestamp_millis());
        }
    }
    let naive = s.strip_suffix('Z').unwrap_or(s);
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(naive, f) {
            return Some(d.and_utc().timestamp_millis());
        }
    }
    NaiveDate::parse_from_str(naive, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp_millis())
}

/// Standard base64 (padding optional, whitespace ignored).
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    }
    let bytes: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let data = match bytes.iter().position(|&b| b == b'=') {
        Some(i) if bytes[i..].iter().all(|&b| b == b'=') && bytes[i..].len() <= 2 => &bytes[..i],
        Some(_) => return None,
        None => &bytes[..],
    };
    if data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    for chunk in data.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= val(c)? << (18 - 6 * i);
        }
        let n = chunk.len() - 1;
        for i in 0..n {
            out.push((acc >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

/// An IPv4 or IPv6 CIDR block; a bare address is a /32 or /128.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IpNet {
    addr: IpAddr,
    len: u8,
}

impl IpNet {
    pub(crate) fn parse(s: &str) -> Option<IpNet> {
        let s = s.trim();
        let (a, l) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = match l {
            Some(l) => l.parse::<u8>().ok().filter(|&l| l <= max)?,
            None => max,
        };
        Some(IpNet { addr, len })
    }

    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if self.len == 0 {
                    0
                } else {
                    u32::MAX << (32 - self.len)
                };
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if self.len == 0 {
                    0
                } else {
                    u128::MAX << (128 - self.len)
                };
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let t = parse_date("2026-11-28T09:00:00Z").unwrap();
        assert_eq!(parse_date("2026-11-28T10:00:00+01:00"), Some(t));
        assert_eq!(parse_date("2026-11-28T09:00:00.000Z"), Some(t));
        assert_eq!(parse_date("2026-11-28T09:00:00"), Some(t));
        assert_eq!(parse_date("1795856400"), Some(t));
        assert_eq!(parse_date("2026-11-28"), Some(t - 9 * 3600 * 1000));
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn base64() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVsbG8").unwrap(), b"hello");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert!(base64_decode("a").is_none());
        assert!(base64_decode("a=b=").is_none());
    }

    #[test]
    fn cidrs() {
        let n = IpNet::parse("10.0.0.0/8").unwrap();
        assert!(n.contains("10.1.2.3".parse().unwrap()));
        assert!(!n.contains("11.0.0.1".parse().unwrap()));
        assert!(!n.contains("::1".parse().unwrap()));
        let n = IpNet::parse("2001:db8::/32").unwrap();
        assert!(n.contains("2001:db8::1".parse().unwrap()));
        assert!(IpNet::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        assert!(IpNet::parse("10.0.0.1")
            .unwrap()
            .contains("10.0.0.1".parse().unwrap()));
        assert!(IpNet::parse("10.0.0.0/33").is_none());
    }
}
