//! Policy evaluation vectors for `hoptrace::policy`: one table, each vector
//! citing the documentation section it encodes (the source keys of the
//! rulebook, `/work/shared/reference/private-api-rulebook.md` §0.3, plus the
//! rulebook's own sections).
//!
//! A vector is a policy, a request and the expected decision: `allow`,
//! `explicit-deny`, `implicit-deny`, `unknown`, or `error:<text>` for a
//! document that must be rejected with a message containing `<text>`.
//! Requests default to `execute-api:Invoke` on `METHOD` by an anonymous
//! caller with no context keys (keys not given are absent).

use hoptrace::policy::{self, Base, Caller, ParseOptions, RequestContext, ShortForm, Tri};

const METHOD: &str = "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/pets/42";
const ROLE: &str = "arn:aws:iam::111122223333:role/web-app-role";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/web-app-role/i-0a0000000000web01";
const USER: &str = "arn:aws:iam::111122223333:user/alice";

/// Documentation keys a vector may cite.
const SOURCES: [&str; 14] = [
    "IAM-EVAL",
    "IAM-COND",
    "IAM-CONDOP",
    "IAM-MULTI",
    "IAM-KEYS",
    "IAM-PRINC",
    "IAM-NOTPRINC",
    "IAM-ACTION",
    "IAM-RES",
    "IAM-VARS",
    "APIGW-RPEX",
    "APIGW-RPKEYS",
    "APIGW-RPATTACH",
    "rulebook",
];

#[derive(Clone)]
struct Req {
    action: String,
    resource: Option<String>,
    caller: Caller,
    keys: Vec<(String, String)>,
    unknown: Vec<String>,
    unknown_prefix: Vec<String>,
    unlisted_unknown: bool,
}

fn anon() -> Req {
    Req {
        action: "execute-api:Invoke".into(),
        resource: Some(METHOD.into()),
        caller: Caller::Anonymous,
        keys: Vec::new(),
        unknown: Vec::new(),
        unknown_prefix: Vec::new(),
        unlisted_unknown: false,
    }
}

fn by(p: &str) -> Req {
    anon().caller(Caller::parse(p).unwrap())
}

fn session() -> Req {
    anon().caller(Caller::role_session(ROLE, "i-0a0000000000web01"))
}

/// The role session, with whether its role has a permissions boundary.
fn bounded_session(boundary: Tri) -> Req {
    let mut c = Caller::role_session(ROLE, "i-0a0000000000web01");
    if let Caller::Iam(i) = &mut c {
        i.boundary = Some(boundary);
    }
    anon().caller(c)
}

impl Req {
    fn caller(mut self, c: Caller) -> Req {
        self.caller = c;
        self
    }
    fn ctx(mut self, k: &str, v: &str) -> Req {
        self.keys.push((k.into(), v.into()));
        self
    }
    fn unknown(mut self, k: &str) -> Req {
        self.unknown.push(k.into());
        self
    }
    fn unknown_prefix(mut self, k: &str) -> Req {
        self.unknown_prefix.push(k.into());
        self
    }
    fn unlisted_unknown(mut self) -> Req {
        self.unlisted_unknown = true;
        self
    }
    fn res(mut self, r: &str) -> Req {
        self.resource = Some(r.into());
        self
    }
    fn action(mut self, a: &str) -> Req {
        self.action = a.into();
        self
    }
    fn build(&self) -> RequestContext {
        let mut c =
            RequestContext::new(&self.action, self.resource.as_deref(), self.caller.clone());
        for (k, v) in &self.keys {
            c.add(k, v);
        }
        for k in &self.unknown {
            c.set_unknown(k);
        }
        for p in &self.unknown_prefix {
            c.set_unknown_prefix(p);
        }
        c.set_unlisted_unknown(self.unlisted_unknown);
        c
    }
}

struct V {
    cite: &'static str,
    name: &'static str,
    policy: String,
    req: Req,
    want: &'static str,
}

fn v(cite: &'static str, name: &'static str, policy: String, req: Req, want: &'static str) -> V {
    V {
        cite,
        name,
        policy,
        req,
        want,
    }
}

fn doc(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

/// Allow Invoke on everything when `cond` holds.
fn allow_if(cond: &str) -> String {
    doc(&format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{cond}}}"#
    ))
}

/// Allow everything, and Deny Invoke when `cond` holds.
fn deny_if(cond: &str) -> String {
    doc(&format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}},
           {{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{cond}}}"#
    ))
}

fn allow_resource(r: &str) -> String {
    doc(&format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":{r}}}"#
    ))
}

fn allow_action(a: &str) -> String {
    doc(&format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":{a},"Resource":"*"}}"#
    ))
}

fn allow_principal(p: &str) -> String {
    doc(&format!(
        r#"{{"Effect":"Allow","Principal":{p},"Action":"execute-api:Invoke","Resource":"*"}}"#
    ))
}

fn c1(op: &str, key: &str, val: &str) -> String {
    format!(r#"{{"{op}":{{"{key}":{val}}}}}"#)
}

fn vectors() -> Vec<V> {
    let vpce = "aws:SourceVpce";
    let ip = "aws:VpcSourceIp";
    let now = "aws:CurrentTime";
    let epoch = "aws:EpochTime";
    let st = "aws:SecureTransport";
    let parn = "aws:PrincipalArn";
    let tags = "aws:TagKeys";
    let now_v = "2026-11-28T09:00:00Z";
    vec![
        // ---- String operators ------------------------------------------------
        v("IAM-CONDOP", "StringEquals matches exactly", allow_if(&c1("StringEquals", vpce, r#""vpce-1""#)), anon().ctx(vpce, "vpce-1"), "allow"),
        v("IAM-CONDOP", "StringEquals is case-sensitive", allow_if(&c1("StringEquals", vpce, r#""VPCE-1""#)), anon().ctx(vpce, "vpce-1"), "implicit-deny"),
        v("IAM-MULTI", "StringEquals values are ORed", allow_if(&c1("StringEquals", vpce, r#"["vpce-0","vpce-1"]"#)), anon().ctx(vpce, "vpce-1"), "allow"),
        v("IAM-CONDOP", "StringNotEquals with another value holds", allow_if(&c1("StringNotEquals", vpce, r#""vpce-2""#)), anon().ctx(vpce, "vpce-1"), "allow"),
        v("IAM-CONDOP", "StringNotEquals with the same value fails", allow_if(&c1("StringNotEquals", vpce, r#""vpce-1""#)), anon().ctx(vpce, "vpce-1"), "implicit-deny"),
        v("IAM-MULTI", "negated operator: the value must differ from every listed value", allow_if(&c1("StringNotEquals", vpce, r#"["vpce-0","vpce-1"]"#)), anon().ctx(vpce, "vpce-1"), "implicit-deny"),
        v("IAM-MULTI", "negated operator: differs from all listed values", allow_if(&c1("StringNotEquals", vpce, r#"["vpce-0","vpce-2"]"#)), anon().ctx(vpce, "vpce-1"), "allow"),
        v("IAM-CONDOP", "StringEqualsIgnoreCase folds case", allow_if(&c1("StringEqualsIgnoreCase", vpce, r#""VPCE-1""#)), anon().ctx(vpce, "vpce-1"), "allow"),
        v("IAM-CONDOP", "StringEqualsIgnoreCase still compares the text", allow_if(&c1("StringEqualsIgnoreCase", vpce, r#""vpce-2""#)), anon().ctx(vpce, "vpce-1"), "implicit-deny"),
        v("IAM-CONDOP", "StringNotEqualsIgnoreCase: same text in another case fails", allow_if(&c1("StringNotEqualsIgnoreCase", vpce, r#""VPCE-1""#)), anon().ctx(vpce, "vpce-1"), "implicit-deny"),
        v("IAM-CONDOP", "StringNotEqualsIgnoreCase: other text holds", allow_if(&c1("StringNotEqualsIgnoreCase", vpce, r#""vpce-9""#)), anon().ctx(vpce, "vpce-1"), "allow"),
        v("IAM-CONDOP", "StringLike * matches a run", allow_if(&c1("StringLike", vpce, r#""vpce-*""#)), anon().ctx(vpce, "vpce-0a1b"), "allow"),
        v("IAM-CONDOP", "StringLike ? matches one character", allow_if(&c1("StringLike", vpce, r#""vpce-?""#)), anon().ctx(vpce, "vpce-1"), "allow"),
        v("IAM-CONDOP", "StringLike ? needs exactly one character", allow_if(&c1("StringLike", vpce, r#""vpce-?""#)), anon().ctx(vpce, "vpce-12"), "implicit-deny"),
        v("IAM-CONDOP", "StringLike is case-sensitive", allow_if(&c1("StringLike", vpce, r#""VPCE-*""#)), anon().ctx(vpce, "vpce-1"), "implicit-deny"),
        v("IAM-CONDOP", "StringLike with several wildcards", allow_if(&c1("StringLike", "aws:UserAgent", r#""a*b*c""#)), anon().ctx("aws:UserAgent", "axxbyyc"), "allow"),
        v("IAM-CONDOP", "StringNotLike matching fails", allow_if(&c1("StringNotLike", vpce, r#""vpce-*""#)), anon().ctx(vpce, "vpce-1"), "implicit-deny"),
        v("IAM-CONDOP", "StringNotLike not matching holds", allow_if(&c1("StringNotLike", vpce, r#""vpc-*""#)), anon().ctx(vpce, "vpce-1"), "allow"),
        v("IAM-MULTI", "StringNotLike values combine with AND", allow_if(&c1("StringNotLike", vpce, r#"["x*","vpce-*"]"#)), anon().ctx(vpce, "vpce-1"), "implicit-deny"),
        v("IAM-CONDOP", "StringEquals with an empty string", allow_if(&c1("StringEquals", "aws:Referer", r#""""#)), anon().ctx("aws:Referer", ""), "allow"),
        v("IAM-COND", "a JSON boolean policy value compares as text", allow_if(&c1("StringEquals", st, "true")), anon().ctx(st, "true"), "allow"),
        v("IAM-COND", "a JSON number policy value compares as text", allow_if(&c1("StringEquals", "x:n", "42")), anon().ctx("x:n", "42"), "allow"),
        // ---- Numeric operators -----------------------------------------------
        v("IAM-CONDOP", "NumericEquals", allow_if(&c1("NumericEquals", "x:n", r#""10""#)), anon().ctx("x:n", "10"), "allow"),
        v("IAM-CONDOP", "NumericEquals compares numbers, not text", allow_if(&c1("NumericEquals", "x:n", "10")), anon().ctx("x:n", "10.0"), "allow"),
        v("IAM-CONDOP", "NumericNotEquals holds for another number", allow_if(&c1("NumericNotEquals", "x:n", "10")), anon().ctx("x:n", "11"), "allow"),
        v("IAM-CONDOP", "NumericNotEquals fails for the same number", allow_if(&c1("NumericNotEquals", "x:n", "10")), anon().ctx("x:n", "10"), "implicit-deny"),
        v("IAM-CONDOP", "NumericLessThan below", allow_if(&c1("NumericLessThan", "x:n", "10")), anon().ctx("x:n", "9"), "allow"),
        v("IAM-CONDOP", "NumericLessThan is strict", allow_if(&c1("NumericLessThan", "x:n", "10")), anon().ctx("x:n", "10"), "implicit-deny"),
        v("IAM-CONDOP", "NumericLessThanEquals includes equality", allow_if(&c1("NumericLessThanEquals", "x:n", "10")), anon().ctx("x:n", "10"), "allow"),
        v("IAM-CONDOP", "NumericGreaterThan above", allow_if(&c1("NumericGreaterThan", "x:n", "10")), anon().ctx("x:n", "11"), "allow"),
        v("IAM-CONDOP", "NumericGreaterThan is strict", allow_if(&c1("NumericGreaterThan", "x:n", "10")), anon().ctx("x:n", "10"), "implicit-deny"),
        v("IAM-CONDOP", "NumericGreaterThanEquals includes equality", allow_if(&c1("NumericGreaterThanEquals", "x:n", "10")), anon().ctx("x:n", "10"), "allow"),
        v("IAM-CONDOP", "NumericGreaterThanEquals with a decimal below", allow_if(&c1("NumericGreaterThanEquals", "x:n", "10")), anon().ctx("x:n", "9.5"), "implicit-deny"),
        v("IAM-CONDOP", "negative numbers", allow_if(&c1("NumericLessThan", "x:n", "-1")), anon().ctx("x:n", "-2"), "allow"),
        v("rulebook", "a request value that is not a number: unknown, not false", allow_if(&c1("NumericLessThan", epoch, "10")), anon().ctx(epoch, "soon"), "unknown"),
        v("IAM-CONDOP", "a policy value that is not a number is rejected", allow_if(&c1("NumericLessThan", "x:n", r#""ten""#)), anon(), "error:Condition.NumericLessThan.x:n: expected a number"),
        // ---- Date operators --------------------------------------------------
        v("IAM-CONDOP", "DateLessThan before the limit", allow_if(&c1("DateLessThan", now, r#""2027-01-01T00:00:00Z""#)), anon().ctx(now, now_v), "allow"),
        v("IAM-CONDOP", "DateGreaterThan before the limit fails", allow_if(&c1("DateGreaterThan", now, r#""2027-01-01T00:00:00Z""#)), anon().ctx(now, now_v), "implicit-deny"),
        v("IAM-CONDOP", "DateEquals: ISO 8601 against epoch seconds", allow_if(&c1("DateEquals", epoch, r#""2026-11-28T09:00:00Z""#)), anon().ctx(epoch, "1795856400"), "allow"),
        v("IAM-CONDOP", "DateNotEquals", allow_if(&c1("DateNotEquals", now, r#""2026-11-28T09:00:01Z""#)), anon().ctx(now, now_v), "allow"),
        v("IAM-CONDOP", "DateLessThanEquals includes the instant", allow_if(&c1("DateLessThanEquals", now, r#""2026-11-28T09:00:00Z""#)), anon().ctx(now, now_v), "allow"),
        v("IAM-CONDOP", "DateGreaterThanEquals includes the instant", allow_if(&c1("DateGreaterThanEquals", now, r#""2026-11-28T09:00:00Z""#)), anon().ctx(now, now_v), "allow"),
        v("IAM-CONDOP", "DateEquals across time zones", allow_if(&c1("DateEquals", now, r#""2026-11-28T10:00:00+01:00""#)), anon().ctx(now, now_v), "allow"),
        v("IAM-CONDOP", "a date without a time is midnight UTC", allow_if(&c1("DateGreaterThan", now, r#""2026-11-28""#)), anon().ctx(now, now_v), "allow"),
        v("IAM-CONDOP", "an epoch policy value", allow_if(&c1("DateLessThan", now, r#""1900000000""#)), anon().ctx(now, now_v), "allow"),
        v("rulebook", "a request date that cannot be read: unknown", allow_if(&c1("DateLessThan", now, r#""2027-01-01""#)), anon().ctx(now, "next tuesday"), "unknown"),
        v("IAM-CONDOP", "a policy date that cannot be read is rejected", allow_if(&c1("DateLessThan", now, r#""someday""#)), anon(), "error:expected an ISO 8601 date"),
        // ---- Bool ------------------------------------------------------------
        v("IAM-CONDOP", "Bool true", allow_if(&c1("Bool", st, r#""true""#)), anon().ctx(st, "true"), "allow"),
        v("IAM-CONDOP", "Bool mismatch", allow_if(&c1("Bool", st, r#""true""#)), anon().ctx(st, "false"), "implicit-deny"),
        v("IAM-CONDOP", "Bool values ignore case", allow_if(&c1("Bool", st, r#""TRUE""#)), anon().ctx(st, "true"), "allow"),
        v("IAM-CONDOP", "Bool on a missing key is false", allow_if(&c1("Bool", st, r#""true""#)), anon(), "implicit-deny"),
        v("rulebook", "Bool with a request value that is not a boolean: unknown", allow_if(&c1("Bool", st, r#""true""#)), anon().ctx(st, "yes"), "unknown"),
        v("APIGW-RPKEYS", "deny plain HTTP: aws:SecureTransport is true on private APIs", deny_if(&c1("Bool", st, "false")), anon().ctx(st, "true"), "allow"),
        // ---- Binary ----------------------------------------------------------
        v("IAM-CONDOP", "BinaryEquals same bytes", allow_if(&c1("BinaryEquals", "x:b", r#""aGVsbG8=""#)), anon().ctx("x:b", "aGVsbG8="), "allow"),
        v("IAM-CONDOP", "BinaryEquals compares bytes, not padding", allow_if(&c1("BinaryEquals", "x:b", r#""aGVsbG8=""#)), anon().ctx("x:b", "aGVsbG8"), "allow"),
        v("IAM-CONDOP", "BinaryEquals different bytes", allow_if(&c1("BinaryEquals", "x:b", r#""aGVsbG8=""#)), anon().ctx("x:b", "d29ybGQ="), "implicit-deny"),
        v("rulebook", "BinaryEquals with a request value that is not base64: unknown", allow_if(&c1("BinaryEquals", "x:b", r#""aGVsbG8=""#)), anon().ctx("x:b", "!!"), "unknown"),
        // ---- IP --------------------------------------------------------------
        v("IAM-CONDOP", "IpAddress inside the CIDR", allow_if(&c1("IpAddress", ip, r#""10.0.0.0/16""#)), anon().ctx(ip, "10.0.1.15"), "allow"),
        v("IAM-CONDOP", "IpAddress outside the CIDR", allow_if(&c1("IpAddress", ip, r#""10.0.0.0/16""#)), anon().ctx(ip, "10.1.0.1"), "implicit-deny"),
        v("IAM-CONDOP", "a bare address is a /32", allow_if(&c1("IpAddress", ip, r#""10.0.1.15""#)), anon().ctx(ip, "10.0.1.15"), "allow"),
        v("IAM-CONDOP", "a bare address matches only itself", allow_if(&c1("IpAddress", ip, r#""10.0.1.15""#)), anon().ctx(ip, "10.0.1.16"), "implicit-deny"),
        v("IAM-CONDOP", "IpAddress with IPv6", allow_if(&c1("IpAddress", ip, r#""2001:db8::/32""#)), anon().ctx(ip, "2001:db8:1::7"), "allow"),
        v("IAM-CONDOP", "an IPv6 block never holds an IPv4 address", allow_if(&c1("IpAddress", ip, r#""::/0""#)), anon().ctx(ip, "10.0.1.15"), "implicit-deny"),
        v("IAM-MULTI", "IpAddress blocks are ORed", allow_if(&c1("IpAddress", ip, r#"["192.168.0.0/16","10.0.0.0/8"]"#)), anon().ctx(ip, "10.9.9.9"), "allow"),
        v("IAM-CONDOP", "NotIpAddress outside holds", allow_if(&c1("NotIpAddress", ip, r#""10.0.0.0/16""#)), anon().ctx(ip, "10.1.0.1"), "allow"),
        v("IAM-CONDOP", "NotIpAddress inside fails", allow_if(&c1("NotIpAddress", ip, r#""10.0.0.0/16""#)), anon().ctx(ip, "10.0.3.3"), "implicit-deny"),
        v("IAM-MULTI", "NotIpAddress blocks combine with AND", allow_if(&c1("NotIpAddress", ip, r#"["192.168.0.0/16","10.0.0.0/8"]"#)), anon().ctx(ip, "10.9.9.9"), "implicit-deny"),
        v("IAM-KEYS", "aws:SourceIp is absent through a VPC endpoint: IpAddress is false", allow_if(&c1("IpAddress", "aws:SourceIp", r#""10.0.0.0/8""#)), anon().ctx(ip, "10.0.1.15"), "implicit-deny"),
        v("IAM-KEYS", "aws:SourceIp is absent through a VPC endpoint: NotIpAddress is true", deny_if(&c1("NotIpAddress", "aws:SourceIp", r#""10.0.0.0/8""#)), anon().ctx(ip, "10.0.1.15"), "explicit-deny"),
        v("IAM-CONDOP", "0.0.0.0/0 holds every IPv4 address", allow_if(&c1("IpAddress", ip, r#""0.0.0.0/0""#)), anon().ctx(ip, "203.0.113.9"), "allow"),
        v("rulebook", "a request value that is not an address: unknown", allow_if(&c1("IpAddress", ip, r#""10.0.0.0/8""#)), anon().ctx(ip, "localhost"), "unknown"),
        v("IAM-CONDOP", "a policy CIDR that cannot be read is rejected", allow_if(&c1("IpAddress", ip, r#""10.0.0.0/40""#)), anon(), "error:expected an IPv4 or IPv6 address"),
        // ---- ARN -------------------------------------------------------------
        v("IAM-CONDOP", "ArnEquals exact", allow_if(&c1("ArnEquals", parn, &format!("{ROLE:?}"))), session().ctx(parn, ROLE), "allow"),
        v("IAM-CONDOP", "ArnLike with a wildcard in the resource component", allow_if(&c1("ArnLike", parn, r#""arn:aws:iam::111122223333:role/web-*""#)), session().ctx(parn, ROLE), "allow"),
        v("IAM-CONDOP", "ArnLike with a wildcard account", allow_if(&c1("ArnLike", parn, r#""arn:aws:iam::*:role/web-app-role""#)), session().ctx(parn, ROLE), "allow"),
        v("IAM-CONDOP", "ArnLike: * crosses / inside a component", allow_if(&c1("ArnLike", parn, r#""arn:aws:iam::111122223333:role/*""#)), session().ctx(parn, "arn:aws:iam::111122223333:role/team/app"), "allow"),
        v("rulebook", "ArnLike: * never covers a colon (StringLike does)", allow_if(&c1("ArnLike", parn, r#""arn:aws:*""#)), session().ctx(parn, ROLE), "implicit-deny"),
        v("rulebook", "StringLike matches where ArnLike fails", allow_if(&c1("StringLike", parn, r#""arn:aws:*""#)), session().ctx(parn, ROLE), "allow"),
        v("IAM-CONDOP", "ArnLike with ?", allow_if(&c1("ArnLike", parn, r#""arn:aws:iam::11112222333?:role/web-app-role""#)), session().ctx(parn, ROLE), "allow"),
        v("IAM-CONDOP", "ArnEquals is case-sensitive", allow_if(&c1("ArnEquals", parn, r#""arn:aws:iam::111122223333:role/Web-App-Role""#)), session().ctx(parn, ROLE), "implicit-deny"),
        v("IAM-CONDOP", "ArnNotEquals another ARN holds", allow_if(&c1("ArnNotEquals", parn, r#""arn:aws:iam::111122223333:role/other""#)), session().ctx(parn, ROLE), "allow"),
        v("IAM-CONDOP", "ArnNotLike matching fails", allow_if(&c1("ArnNotLike", parn, r#""arn:aws:iam::*:role/web-*""#)), session().ctx(parn, ROLE), "implicit-deny"),
        v("IAM-MULTI", "ArnNotLike values combine with AND", allow_if(&c1("ArnNotLike", parn, r#"["arn:aws:iam::*:role/x","arn:aws:iam::*:role/web-*"]"#)), session().ctx(parn, ROLE), "implicit-deny"),
        v("IAM-CONDOP", "ArnLike against a value that is not an ARN", allow_if(&c1("ArnLike", "x:a", r#""arn:aws:iam::*:*""#)), anon().ctx("x:a", "not-an-arn"), "implicit-deny"),
        // ---- Null ------------------------------------------------------------
        v("IAM-CONDOP", "Null true: the key is absent", allow_if(&c1("Null", parn, r#""true""#)), anon(), "allow"),
        v("IAM-CONDOP", "Null true: the key is present", allow_if(&c1("Null", parn, r#""true""#)), session().ctx(parn, ROLE), "implicit-deny"),
        v("IAM-CONDOP", "Null false: the key is present", allow_if(&c1("Null", parn, "false")), session().ctx(parn, ROLE), "allow"),
        v("IAM-CONDOP", "Null false: the key is absent", allow_if(&c1("Null", parn, r#""false""#)), anon(), "implicit-deny"),
        v("rulebook", "Null on an unknown key: unknown", allow_if(&c1("Null", "aws:PrincipalOrgID", r#""false""#)), anon().unknown("aws:PrincipalOrgID"), "unknown"),
        v("IAM-CONDOP", "Null takes no IfExists", allow_if(&c1("NullIfExists", parn, r#""true""#)), anon(), "error:Null takes neither IfExists"),
        // ---- IfExists --------------------------------------------------------
        v("IAM-CONDOP", "StringEqualsIfExists: absent key holds", allow_if(&c1("StringEqualsIfExists", vpce, r#""vpce-1""#)), anon(), "allow"),
        v("IAM-CONDOP", "StringEqualsIfExists: present key is checked", allow_if(&c1("StringEqualsIfExists", vpce, r#""vpce-1""#)), anon().ctx(vpce, "vpce-2"), "implicit-deny"),
        v("rulebook", "Deny + StringNotEqualsIfExists on a missing key still denies", deny_if(&c1("StringNotEqualsIfExists", vpce, r#""vpce-1""#)), anon(), "explicit-deny"),
        v("IAM-CONDOP", "StringNotEqualsIfExists: present and equal fails", deny_if(&c1("StringNotEqualsIfExists", vpce, r#""vpce-1""#)), anon().ctx(vpce, "vpce-1"), "allow"),
        v("IAM-CONDOP", "NumericLessThanIfExists: absent key holds", allow_if(&c1("NumericLessThanIfExists", "x:n", "3")), anon(), "allow"),
        v("IAM-CONDOP", "IpAddressIfExists: absent aws:SourceIp holds", allow_if(&c1("IpAddressIfExists", "aws:SourceIp", r#""10.0.0.0/8""#)), anon(), "allow"),
        v("IAM-CONDOP", "BoolIfExists: present and false fails", allow_if(&c1("BoolIfExists", st, r#""true""#)), anon().ctx(st, "false"), "implicit-deny"),
        v("IAM-CONDOP", "DateLessThanIfExists: absent key holds", allow_if(&c1("DateLessThanIfExists", now, r#""2020-01-01""#)), anon(), "allow"),
        v("IAM-CONDOP", "ArnLikeIfExists: absent key holds", allow_if(&c1("ArnLikeIfExists", parn, r#""arn:aws:iam::*:role/x""#)), anon(), "allow"),
        // ---- missing keys ----------------------------------------------------
        v("IAM-CONDOP", "positive operator on a missing key is false", allow_if(&c1("StringEquals", vpce, r#""vpce-1""#)), anon(), "implicit-deny"),
        v("IAM-CONDOP", "negated operator on a missing key is true", allow_if(&c1("StringNotEquals", vpce, r#""vpce-1""#)), anon(), "allow"),
        v("rulebook", "Deny unless aws:SourceVpce: a call without the key is denied", deny_if(&c1("StringNotEquals", vpce, r#""vpce-1""#)), anon(), "explicit-deny"),
        v("IAM-CONDOP", "StringLike on a missing key is false", allow_if(&c1("StringLike", vpce, r#""*""#)), anon(), "implicit-deny"),
        v("IAM-CONDOP", "StringNotLike on a missing key is true", allow_if(&c1("StringNotLike", vpce, r#""*""#)), anon(), "allow"),
        v("IAM-CONDOP", "ArnNotLike on a missing key is true", allow_if(&c1("ArnNotLike", parn, r#""arn:aws:iam::*:*""#)), anon(), "allow"),
        v("IAM-CONDOP", "NumericNotEquals on a missing key is true", allow_if(&c1("NumericNotEquals", "x:n", "1")), anon(), "allow"),
        v("IAM-CONDOP", "DateNotEquals on a missing key is true", allow_if(&c1("DateNotEquals", now, r#""2020-01-01""#)), anon(), "allow"),
        v("IAM-CONDOP", "NotIpAddress on a missing key is true", allow_if(&c1("NotIpAddress", ip, r#""10.0.0.0/8""#)), anon(), "allow"),
        v("IAM-CONDOP", "ArnEquals on a missing key is false", allow_if(&c1("ArnEquals", parn, &format!("{ROLE:?}"))), anon(), "implicit-deny"),
        // ---- set qualifiers --------------------------------------------------
        v("IAM-MULTI", "ForAnyValue: one request value matches", allow_if(&c1("ForAnyValue:StringEquals", tags, r#"["team","env"]"#)), anon().ctx(tags, "owner").ctx(tags, "env"), "allow"),
        v("IAM-MULTI", "ForAnyValue: no request value matches", allow_if(&c1("ForAnyValue:StringEquals", tags, r#"["team","env"]"#)), anon().ctx(tags, "owner").ctx(tags, "cost"), "implicit-deny"),
        v("IAM-MULTI", "ForAnyValue on an absent key is false", allow_if(&c1("ForAnyValue:StringEquals", tags, r#""team""#)), anon(), "implicit-deny"),
        v("IAM-MULTI", "ForAllValues: every request value is listed", allow_if(&c1("ForAllValues:StringEquals", tags, r#"["team","env"]"#)), anon().ctx(tags, "team").ctx(tags, "env"), "allow"),
        v("IAM-MULTI", "ForAllValues: one request value is not listed", allow_if(&c1("ForAllValues:StringEquals", tags, r#"["team","env"]"#)), anon().ctx(tags, "team").ctx(tags, "cost"), "implicit-deny"),
        v("IAM-MULTI", "ForAllValues on an absent key is true (over-permissive)", allow_if(&c1("ForAllValues:StringEquals", tags, r#""team""#)), anon(), "allow"),
        v("rulebook", "Deny + ForAllValues:StringNotEquals on an absent key denies", deny_if(&c1("ForAllValues:StringNotEquals", vpce, r#""vpce-1""#)), anon(), "explicit-deny"),
        v("IAM-MULTI", "ForAnyValue:StringLike", allow_if(&c1("ForAnyValue:StringLike", tags, r#""te*""#)), anon().ctx(tags, "x").ctx(tags, "team"), "allow"),
        v("IAM-MULTI", "ForAllValues:StringLike with one value outside", allow_if(&c1("ForAllValues:StringLike", tags, r#""te*""#)), anon().ctx(tags, "team").ctx(tags, "x"), "implicit-deny"),
        v("IAM-MULTI", "ForAnyValue:StringNotEquals: one value differs", allow_if(&c1("ForAnyValue:StringNotEquals", tags, r#""team""#)), anon().ctx(tags, "team").ctx(tags, "env"), "allow"),
        v("rulebook", "a single-valued key is a one-element set under a qualifier", allow_if(&c1("ForAllValues:StringEquals", vpce, r#""vpce-1""#)), anon().ctx(vpce, "vpce-1"), "allow"),
        v("rulebook", "several values without a qualifier that disagree: unknown", allow_if(&c1("StringEquals", tags, r#""team""#)), anon().ctx(tags, "team").ctx(tags, "env"), "unknown"),
        v("rulebook", "several values without a qualifier that agree", allow_if(&c1("StringLike", tags, r#""*""#)), anon().ctx(tags, "team").ctx(tags, "env"), "allow"),
        v("IAM-CONDOP", "ForAnyValue with IfExists on an absent key holds", allow_if(&c1("ForAnyValue:StringEqualsIfExists", tags, r#""team""#)), anon(), "allow"),
        v("IAM-MULTI", "an unknown set qualifier is rejected", allow_if(&c1("ForSomeValues:StringEquals", tags, r#""team""#)), anon(), "error:unknown set qualifier"),
        // ---- AND / OR across keys and operators; key names -------------------
        v("IAM-MULTI", "keys under one operator are ANDed (one fails)", allow_if(r#"{"StringEquals":{"aws:SourceVpce":"vpce-1","aws:SourceVpc":"vpc-1"}}"#), anon().ctx(vpce, "vpce-1").ctx("aws:SourceVpc", "vpc-2"), "implicit-deny"),
        v("IAM-MULTI", "keys under one operator are ANDed (both hold)", allow_if(r#"{"StringEquals":{"aws:SourceVpce":"vpce-1","aws:SourceVpc":"vpc-1"}}"#), anon().ctx(vpce, "vpce-1").ctx("aws:SourceVpc", "vpc-1"), "allow"),
        v("IAM-MULTI", "operators are ANDed (one fails)", allow_if(r#"{"StringEquals":{"aws:SourceVpce":"vpce-1"},"IpAddress":{"aws:VpcSourceIp":"10.9.0.0/16"}}"#), anon().ctx(vpce, "vpce-1").ctx(ip, "10.0.1.15"), "implicit-deny"),
        v("IAM-MULTI", "operators are ANDed (all hold)", allow_if(r#"{"StringEquals":{"aws:SourceVpce":"vpce-1"},"IpAddress":{"aws:VpcSourceIp":"10.0.0.0/16"}}"#), anon().ctx(vpce, "vpce-1").ctx(ip, "10.0.1.15"), "allow"),
        v("IAM-COND", "condition key names are case-insensitive", allow_if(&c1("StringEquals", "AWS:SOURCEVPCE", r#""vpce-1""#)), anon().ctx("aws:sourcevpce", "vpce-1"), "allow"),
        v("IAM-CONDOP", "an unknown operator is rejected", allow_if(&c1("StringEqual", vpce, r#""vpce-1""#)), anon(), "error:Condition.StringEqual: unknown condition operator"),
        // ---- three values ----------------------------------------------------
        v("rulebook", "an unknown key in an Allow condition: unknown, never allow", allow_if(&c1("StringEquals", vpce, r#""vpce-1""#)), anon().unknown(vpce), "unknown"),
        v("rulebook", "an unknown key in a Deny next to an Allow: unknown", deny_if(&c1("StringNotEquals", vpce, r#""vpce-1""#)), anon().unknown(vpce), "unknown"),
        v("rulebook", "an unknown condition does not matter when the action differs", allow_if(&c1("StringEquals", vpce, r#""vpce-1""#)), anon().unknown(vpce).action("s3:GetObject"), "implicit-deny"),
        v("IAM-EVAL", "an explicit deny decides even beside an unknown allow", doc(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}},{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}"#), anon().unknown(vpce), "explicit-deny"),
        v("rulebook", "an unknown Deny and no Allow: denied, explicit or implicit unknown", doc(r#"{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}}"#), anon().unknown(vpce), "unknown"),
        v("rulebook", "an unknown key prefix (aws:PrincipalTag/)", allow_if(&c1("StringEquals", "aws:PrincipalTag/team", r#""pets""#)), session().unknown_prefix("aws:PrincipalTag/"), "unknown"),
        v("rulebook", "keys named nowhere are unknown in the trace's context", allow_if(&c1("StringEquals", "aws:PrincipalOrgID", r#""o-1""#)), session().unlisted_unknown(), "unknown"),
        v("rulebook", "IfExists on an unknown key: unknown", allow_if(&c1("StringEqualsIfExists", vpce, r#""vpce-1""#)), anon().unknown(vpce), "unknown"),
        v("rulebook", "an unknown key on one value, a definite failure on another condition", allow_if(r#"{"StringEquals":{"aws:SourceVpce":"vpce-1"},"Bool":{"aws:SecureTransport":"true"}}"#), anon().unknown(vpce).ctx(st, "false"), "implicit-deny"),
        // ---- Action / NotAction ----------------------------------------------
        v("IAM-ACTION", "Action exact", allow_action(r#""execute-api:Invoke""#), anon(), "allow"),
        v("IAM-ACTION", "Action names are case-insensitive", allow_action(r#""EXECUTE-API:invoke""#), anon(), "allow"),
        v("IAM-ACTION", "Action service wildcard", allow_action(r#""execute-api:*""#), anon(), "allow"),
        v("IAM-ACTION", "Action prefix wildcard", allow_action(r#""execute-api:Inv*""#), anon(), "allow"),
        v("IAM-ACTION", "Action ? wildcard", allow_action(r#""execute-api:?nvoke""#), anon(), "allow"),
        v("IAM-ACTION", "Action *", allow_action(r#""*""#), anon(), "allow"),
        v("IAM-ACTION", "Action of another service", allow_action(r#""s3:GetObject""#), anon(), "implicit-deny"),
        v("IAM-ACTION", "Action list is ORed", allow_action(r#"["s3:GetObject","execute-api:Invoke"]"#), anon(), "allow"),
        v("IAM-ACTION", "Allow + NotAction grants everything else", doc(r#"{"Effect":"Allow","Principal":"*","NotAction":"execute-api:InvalidateCache","Resource":"*"}"#), anon(), "allow"),
        v("IAM-ACTION", "Deny + NotAction Invoke never denies Invoke", doc(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","NotAction":"execute-api:Invoke","Resource":"*"}"#), anon(), "allow"),
        v("IAM-ACTION", "Deny + NotAction of another action denies Invoke", doc(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","NotAction":"execute-api:InvalidateCache","Resource":"*"}"#), anon(), "explicit-deny"),
        v("IAM-ACTION", "an action without a service is rejected", allow_action(r#""Invoke""#), anon(), "error:expected \"*\" or \"service:action\""),
        // ---- Resource / NotResource ------------------------------------------
        v("rulebook", "§4.3: api/* matches the method", allow_resource(r#""arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/*""#), anon(), "allow"),
        v("rulebook", "§4.3: */GET/pets/* matches /pets/42", allow_resource(r#""arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/*/GET/pets/*""#), anon(), "allow"),
        v("rulebook", "§4.3: */GET/pets/* does not match /pets", allow_resource(r#""arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/*/GET/pets/*""#), anon().res("arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/pets"), "implicit-deny"),
        v("rulebook", "§4.3: */GET/pets* matches /pets", allow_resource(r#""arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/*/GET/pets*""#), anon().res("arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/pets"), "allow"),
        v("rulebook", "§4.3: */GET/pets* matches /petshop too", allow_resource(r#""arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/*/GET/pets*""#), anon().res("arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/petshop"), "allow"),
        v("rulebook", "§4.3: arn:aws:execute-api:*:*:* matches", allow_resource(r#""arn:aws:execute-api:*:*:*""#), anon(), "allow"),
        v("rulebook", "§4.3: the root resource pattern is root only", allow_resource(r#""arn:aws:execute-api:us-east-1:*:a1b2c3d4e5/prod/GET/""#), anon(), "implicit-deny"),
        v("rulebook", "§1.2: the root resource ARN keeps its trailing slash", allow_resource(r#""arn:aws:execute-api:us-east-1:*:a1b2c3d4e5/prod/GET/""#), anon().res("arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/"), "allow"),
        v("rulebook", "§4.3: resource matching is case-sensitive", allow_resource(r#""arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/Pets/42""#), anon(), "implicit-deny"),
        v("IAM-RES", "Resource *", allow_resource(r#""*""#), anon(), "allow"),
        v("IAM-RES", "a final * in a short pattern covers the rest of the ARN", allow_resource(r#""arn:aws:execute-api:us-east-1:111122223333:*""#), anon(), "allow"),
        v("IAM-RES", "a short pattern without a final * matches nothing", allow_resource(r#""arn:aws:execute-api:us-east-1""#), anon(), "implicit-deny"),
        v("IAM-RES", "? in a resource", allow_resource(r#""arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/pets/4?""#), anon(), "allow"),
        v("IAM-RES", "Resource list is ORed", allow_resource(r#"["arn:aws:execute-api:us-east-1:111122223333:other/*","arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/*"]"#), anon(), "allow"),
        v("IAM-RES", "another region does not match", allow_resource(r#""arn:aws:execute-api:eu-west-1:111122223333:a1b2c3d4e5/*""#), anon(), "implicit-deny"),
        v("IAM-RES", "Allow + NotResource excluding another API", doc(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","NotResource":"arn:aws:execute-api:us-east-1:111122223333:other/*"}"#), anon(), "allow"),
        v("IAM-RES", "Deny + NotResource excluding this API does not deny it", doc(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","NotResource":"arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/*"}"#), anon(), "allow"),
        v("IAM-RES", "Deny + NotResource excluding another API denies this one", doc(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","NotResource":"arn:aws:execute-api:us-east-1:111122223333:other/*"}"#), anon(), "explicit-deny"),
        v("APIGW-RPEX", "the short form execute-api:/* is expanded", allow_resource(r#""execute-api:/*""#), anon(), "allow"),
        v("APIGW-RPEX", "the short form keeps the stage and verb", allow_resource(r#""execute-api:/prod/POST/*""#), anon(), "implicit-deny"),
        v("APIGW-RPEX", "the short form names this API only", allow_resource(r#""execute-api:/prod/GET/pets/*""#), anon().res("arn:aws:execute-api:us-east-1:111122223333:zzzzzzzzzz/prod/GET/pets/42"), "implicit-deny"),
        v("rulebook", "an unknown resource matches only *", allow_resource(r#""arn:aws:execute-api:*:*:*""#), Req { resource: None, ..anon() }, "unknown"),
        v("rulebook", "an unknown resource still matches Resource *", allow_resource(r#""*""#), Req { resource: None, ..anon() }, "allow"),
        v("rulebook", "a wildcard in the service component is not documented: unknown", allow_resource(r#""arn:aws:*:us-east-1:111122223333:*""#), anon(), "unknown"),
        // ---- Principal / NotPrincipal ----------------------------------------
        v("IAM-PRINC", "Principal * includes anonymous callers", allow_principal(r#""*""#), anon(), "allow"),
        v("IAM-PRINC", "{\"AWS\":\"*\"} equals *", allow_principal(r#"{"AWS":"*"}"#), anon(), "allow"),
        v("rulebook", "§4.4: anonymous matches only * (not an account)", allow_principal(r#"{"AWS":"111122223333"}"#), anon(), "implicit-deny"),
        v("IAM-PRINC", "an account id covers the account's role sessions", allow_principal(r#"{"AWS":"111122223333"}"#), session(), "allow"),
        v("IAM-PRINC", "the account root ARN equals the account id", allow_principal(r#"{"AWS":"arn:aws:iam::111122223333:root"}"#), session(), "allow"),
        v("IAM-PRINC", "another account does not match", allow_principal(r#"{"AWS":"444455556666"}"#), session(), "implicit-deny"),
        v("IAM-PRINC", "a role ARN covers every session of the role", allow_principal(&format!(r#"{{"AWS":"{ROLE}"}}"#)), session(), "allow"),
        v("IAM-PRINC", "another role does not match", allow_principal(r#"{"AWS":"arn:aws:iam::111122223333:role/batch-role"}"#), session(), "implicit-deny"),
        v("IAM-PRINC", "an assumed-role ARN matches that session", allow_principal(&format!(r#"{{"AWS":"{SESSION}"}}"#)), session(), "allow"),
        v("IAM-PRINC", "an assumed-role ARN does not match another session", allow_principal(r#"{"AWS":"arn:aws:sts::111122223333:assumed-role/web-app-role/other"}"#), session(), "implicit-deny"),
        v("IAM-PRINC", "an IAM user ARN", allow_principal(&format!(r#"{{"AWS":"{USER}"}}"#)), by(USER), "allow"),
        v("IAM-PRINC", "a service principal", allow_principal(r#"{"Service":"apigateway.amazonaws.com"}"#), by("apigateway.amazonaws.com"), "allow"),
        v("IAM-PRINC", "a service principal does not include anonymous callers", allow_principal(r#"{"Service":"apigateway.amazonaws.com"}"#), anon(), "implicit-deny"),
        v("IAM-PRINC", "partial wildcards are not valid in principals: unknown", allow_principal(r#"{"AWS":"arn:aws:iam::111122223333:role/web-*"}"#), session(), "unknown"),
        v("IAM-PRINC", "a principal list is ORed", allow_principal(r#"{"AWS":["444455556666","arn:aws:iam::111122223333:role/web-app-role"]}"#), session(), "allow"),
        v("IAM-PRINC", "a Federated principal does not match a role session", allow_principal(r#"{"Federated":"cognito-identity.amazonaws.com"}"#), session(), "implicit-deny"),
        v("IAM-PRINC", "a CanonicalUser principal does not match a role session", allow_principal(r#"{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}"#), session(), "implicit-deny"),
        v("rulebook", "an unknown caller still matches *", allow_principal(r#""*""#), anon().caller(Caller::Unknown("test".into())), "allow"),
        v("rulebook", "an unknown caller against a named principal: unknown", allow_principal(r#"{"AWS":"111122223333"}"#), anon().caller(Caller::Unknown("test".into())), "unknown"),
        v("IAM-NOTPRINC", "Allow + NotPrincipal grants anonymous callers too", doc(r#"{"Effect":"Allow","NotPrincipal":{"AWS":"444455556666"},"Action":"*","Resource":"*"}"#), anon(), "allow"),
        v("IAM-NOTPRINC", "Deny + NotPrincipal listing session, role and account excludes the caller", doc(&format!(r#"{{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}},{{"Effect":"Deny","NotPrincipal":{{"AWS":["{SESSION}","{ROLE}","arn:aws:iam::111122223333:root"]}},"Action":"*","Resource":"*"}}"#)), session(), "allow"),
        v("IAM-NOTPRINC", "Deny + NotPrincipal without the account denies the caller too", doc(&format!(r#"{{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}},{{"Effect":"Deny","NotPrincipal":{{"AWS":["{ROLE}"]}},"Action":"*","Resource":"*"}}"#)), session(), "explicit-deny"),
        v("IAM-NOTPRINC", "Deny + NotPrincipal of others denies the caller", doc(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","NotPrincipal":{"AWS":"444455556666"},"Action":"*","Resource":"*"}"#), session(), "explicit-deny"),
        v("IAM-NOTPRINC", "NotPrincipal * excludes everyone", doc(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","NotPrincipal":"*","Action":"*","Resource":"*"}"#), anon(), "allow"),
        v("IAM-PRINC", "role names compare without regard to case", allow_principal(r#"{"AWS":"arn:aws:iam::111122223333:role/Web-App-Role"}"#), session(), "allow"),
        v("IAM-PRINC", "a principal string other than * is rejected", allow_principal(r#""111122223333""#), anon(), "error:Principal: expected \"*\" or an object"),
        v("IAM-PRINC", "an unknown principal type is rejected", allow_principal(r#"{"Aws":"*"}"#), anon(), "error:Principal.Aws: unknown principal type"),
        // ---- policy variables ------------------------------------------------
        v("IAM-VARS", "${aws:username} in Resource", allow_resource(r#""arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/${aws:username}/*""#), by(USER).ctx("aws:username", "prod"), "allow"),
        v("IAM-VARS", "a Resource variable without a value matches nothing", allow_resource(r#""arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/${aws:username}/*""#), session(), "implicit-deny"),
        v("IAM-VARS", "a variable in a condition value", allow_if(&c1("StringEquals", vpce, r#""${aws:SourceVpce}""#)), anon().ctx(vpce, "vpce-1"), "allow"),
        v("IAM-VARS", "a variable's default applies when the key is absent", allow_if(&c1("StringEquals", "x:team", r#""${aws:PrincipalTag/team, 'pets'}""#)), anon().ctx("x:team", "pets"), "allow"),
        v("rulebook", "a variable whose key is unknown: unknown", allow_if(&c1("StringEquals", "x:team", r#""${aws:PrincipalTag/team}""#)), anon().ctx("x:team", "pets").unknown("aws:PrincipalTag/team"), "unknown"),
        v("IAM-VARS", "Version 2008-10-17: variables are literal text", r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"x:u":"${aws:username}"}}}]}"#.to_string(), anon().ctx("aws:username", "alice").ctx("x:u", "alice"), "implicit-deny"),
        v("IAM-VARS", "Version 2008-10-17: the literal text matches itself", r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"x:u":"${aws:username}"}}}]}"#.to_string(), anon().ctx("aws:username", "alice").ctx("x:u", "${aws:username}"), "allow"),
        v("IAM-VARS", "no Version: variables are literal text", r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"x:u":"${aws:username}"}}}]}"#.to_string(), anon().ctx("aws:username", "alice").ctx("x:u", "alice"), "implicit-deny"),
        v("IAM-VARS", "${*} is a literal * in StringLike", allow_if(&c1("StringLike", "x:s", r#""a${*}b""#)), anon().ctx("x:s", "a*b"), "allow"),
        v("IAM-VARS", "${*} is not a wildcard", allow_if(&c1("StringLike", "x:s", r#""a${*}b""#)), anon().ctx("x:s", "axb"), "implicit-deny"),
        v("IAM-VARS", "${?} is a literal ?", allow_if(&c1("StringLike", "x:s", r#""a${?}""#)), anon().ctx("x:s", "ab"), "implicit-deny"),
        v("IAM-VARS", "${$} is a literal $", allow_if(&c1("StringEquals", "x:s", r#""cost${$}""#)), anon().ctx("x:s", "cost$"), "allow"),
        v("IAM-VARS", "a variable in ArnLike", allow_if(&c1("ArnLike", parn, r#""arn:aws:iam::${aws:PrincipalAccount}:role/*""#)), session().ctx(parn, ROLE).ctx("aws:PrincipalAccount", "111122223333"), "allow"),
        v("IAM-VARS", "a multivalued key cannot be a variable: unknown", allow_if(&c1("StringEquals", "x:s", r#""${aws:TagKeys}""#)), anon().ctx("x:s", "a").ctx(tags, "a").ctx(tags, "b"), "unknown"),
        v("IAM-VARS", "a variable in Bool", allow_if(&c1("Bool", st, r#""${x:flag}""#)), anon().ctx(st, "true").ctx("x:flag", "true"), "allow"),
        v("IAM-VARS", "variable key names are case-insensitive", allow_if(&c1("StringEquals", "x:u", r#""${AWS:UserName}""#)), anon().ctx("aws:username", "alice").ctx("x:u", "alice"), "allow"),
        v("rulebook", "a variable without a value makes even a negated condition fail", allow_if(&c1("StringNotEquals", "x:u", r#""${aws:username}""#)), anon().ctx("x:u", "alice"), "implicit-deny"),
        v("IAM-VARS", "a variable in a Resource with a default", allow_resource(r#""arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/${x:stage, 'prod'}/*""#), anon(), "allow"),
        v("rulebook", "§4.5 a value whose variable is absent, listed first: the readings disagree, unknown", allow_if(&c1("StringEquals", vpce, r#"["${aws:PrincipalTag/x}","vpce-1"]"#)), anon().ctx(vpce, "vpce-1"), "unknown"),
        v("rulebook", "§4.5 a value whose variable is absent, listed last: the same answer, unknown", allow_if(&c1("StringEquals", vpce, r#"["vpce-1","${aws:PrincipalTag/x}"]"#)), anon().ctx(vpce, "vpce-1"), "unknown"),
        v("rulebook", "§4.5 a value whose variable is absent: both readings fail, no match", allow_if(&c1("StringEquals", vpce, r#"["vpce-2","${aws:PrincipalTag/x}"]"#)), anon().ctx(vpce, "vpce-1"), "implicit-deny"),
        v("rulebook", "§4.5 negated operator with a value whose variable is absent: the readings disagree", deny_if(&c1("StringNotEquals", vpce, r#"["vpce-2","${aws:PrincipalTag/x}"]"#)), anon().ctx(vpce, "vpce-1"), "unknown"),
        v("rulebook", "§4.5 negated operator with a value whose variable is absent: both readings fail", deny_if(&c1("StringNotEquals", vpce, r#"["${aws:PrincipalTag/x}","vpce-1"]"#)), anon().ctx(vpce, "vpce-1"), "allow"),
        // ---- evaluation logic ------------------------------------------------
        v("IAM-EVAL", "an explicit deny beats an allow", doc(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}"#), anon(), "explicit-deny"),
        v("IAM-EVAL", "no statement: implicit deny", doc(""), anon(), "implicit-deny"),
        v("IAM-EVAL", "Deny statements that do not apply: implicit deny", doc(r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}"#), anon(), "implicit-deny"),
        v("IAM-EVAL", "Statement as a single object", r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}"#.to_string(), anon(), "allow"),
        v("IAM-EVAL", "an identity policy has no Principal: it applies to its identity", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}"#.to_string(), session(), "allow"),
        v("rulebook", "§1.3 + APIGW-RPEX: the private API pattern admits its own endpoint", doc(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}"#), anon().ctx(vpce, "vpce-1"), "allow"),
        v("rulebook", "§1.3 + APIGW-RPEX: the private API pattern denies another endpoint", doc(r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}"#), anon().ctx(vpce, "vpce-2"), "explicit-deny"),
        v("IAM-NOTPRINC", "Deny + NotPrincipal applies to a caller whose role has a permissions boundary", doc(&format!(r#"{{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}},{{"Effect":"Deny","NotPrincipal":{{"AWS":["{SESSION}","{ROLE}","arn:aws:iam::111122223333:root"]}},"Action":"execute-api:Invoke","Resource":"*"}}"#)), bounded_session(Tri::True), "explicit-deny"),
        v("IAM-NOTPRINC", "Deny + NotPrincipal listing the caller, no permissions boundary", doc(&format!(r#"{{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}},{{"Effect":"Deny","NotPrincipal":{{"AWS":["{SESSION}","{ROLE}","arn:aws:iam::111122223333:root"]}},"Action":"execute-api:Invoke","Resource":"*"}}"#)), bounded_session(Tri::False), "allow"),
        v("IAM-NOTPRINC", "Deny + NotPrincipal listing the caller, boundary not known: unknown", doc(&format!(r#"{{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}},{{"Effect":"Deny","NotPrincipal":{{"AWS":["{SESSION}","{ROLE}","arn:aws:iam::111122223333:root"]}},"Action":"execute-api:Invoke","Resource":"*"}}"#)), bounded_session(Tri::Unknown), "unknown"),
        v("IAM-RES", "§4.3 a final * in the region component also matches across colons", allow_resource(r#""arn:aws:execute-api:*:a1b2c3d4e5/*""#), anon(), "allow"),
        v("IAM-RES", "§4.3 a final * after a region prefix also matches across colons", allow_resource(r#""arn:aws:execute-api:us-east-1*:a1b2c3d4e5/*""#), anon(), "allow"),
        v("IAM-RES", "§4.3 a final * crossing colons still needs the prefix", allow_resource(r#""arn:aws:execute-api:eu-*:a1b2c3d4e5/*""#), anon(), "implicit-deny"),
        v("IAM-RES", "§4.3 a * inside a component does not cross colons", allow_resource(r#""arn:aws:execute-api:us-*-1:a1b2c3d4e5/*""#), anon(), "implicit-deny"),
        v("IAM-RES", "§4.3 a Deny with a final * in the region component applies", doc(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:a1b2c3d4e5/*"}"#), anon(), "explicit-deny"),
        v("IAM-CONDOP", "§4.5 ArnLike: a final * does not cross colons", allow_if(&c1("ArnLike", "aws:SourceArn", r#""arn:aws:execute-api:*:a1b2c3d4e5/*""#)), anon().ctx("aws:SourceArn", METHOD), "implicit-deny"),
        // ---- encodings and malformed documents -------------------------------
        v("APIGW-RPATTACH", "API Gateway's escaped-quote policy string", allow_action(r#""execute-api:Invoke""#).replace('"', "\\\""), anon(), "allow"),
        v("IAM-EVAL", "IAM's percent-encoded document", pct(&allow_action(r#""execute-api:Invoke""#)), anon(), "allow"),
        v("IAM-EVAL", "a JSON string holding the document", serde_json::to_string(&allow_action(r#""execute-api:Invoke""#)).unwrap(), anon(), "allow"),
        v("IAM-EVAL", "Effect must be Allow or Deny", doc(r#"{"Effect":"Alow","Principal":"*","Action":"*","Resource":"*"}"#), anon(), "error:Statement[0] Effect: expected \"Allow\" or \"Deny\""),
        v("IAM-ACTION", "Action or NotAction is required", doc(r#"{"Effect":"Allow","Principal":"*","Resource":"*"}"#), anon(), "error:Statement[0] Action: missing"),
        v("IAM-PRINC", "Principal and NotPrincipal together are rejected", doc(r#"{"Sid":"Both","Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"*"}"#), anon(), "error:Statement[0] (Sid \"Both\") NotPrincipal"),
        v("IAM-RES", "Resource and NotResource together are rejected", doc(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","NotResource":"*"}"#), anon(), "error:a statement takes Resource or NotResource"),
        v("IAM-EVAL", "Version must be one of the two", r#"{"Version":"2012-10-18","Statement":[]}"#.to_string(), anon(), "error:Version: expected \"2012-10-17\" or \"2008-10-17\""),
        v("IAM-EVAL", "Statement is required", r#"{"Version":"2012-10-17"}"#.to_string(), anon(), "error:Statement: missing"),
        v("IAM-COND", "a condition value cannot be an object", allow_if(r#"{"StringEquals":{"aws:SourceVpce":{"a":1}}}"#), anon(), "error:Condition.StringEquals.aws:SourceVpce: expected a string"),
        v("IAM-EVAL", "broken JSON names the line and column", "{\"Version\": \"2012-10-17\",\n \"Statement\": [}".to_string(), anon(), "error:line 2, column"),
        v("rulebook", "a key repeated in a Condition block is rejected, saying where", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"},"StringEquals":{"aws:SecureTransport":"true"}}}]}"#.to_string(), anon(), "error:duplicate key \"StringEquals\" in Statement[0].Condition"),
        v("rulebook", "a key repeated under one operator is rejected", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1","aws:SourceVpce":"vpce-2"}}}]}"#.to_string(), anon(), "error:duplicate key \"aws:SourceVpce\" in Statement[1].Condition.StringEquals"),
        v("rulebook", "a repeated top-level key is rejected", r#"{"Version":"2012-10-17","Statement":[],"Statement":[]}"#.to_string(), anon(), "error:duplicate key \"Statement\""),
        v("rulebook", "a repeated key in API Gateway's escaped form is rejected", r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}}"#.replace('"', "\\\""), anon(), "error:duplicate key \"Effect\" in Statement"),
        v("IAM-EVAL", "an unknown statement element is rejected", doc(r#"{"Effect":"Allow","Principal":"*","Action":"*","Resources":"*"}"#), anon(), "error:Statement[0] Resources: unknown element"),
    ]
}

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn run(v: &V) -> Result<(), String> {
    let opts = ParseOptions {
        short_form: ShortForm::from_arn(METHOD),
    };
    let parsed = policy::parse(&v.policy, &opts);
    if let Some(msg) = v.want.strip_prefix("error:") {
        return match parsed {
            Err(e) if e.to_string().contains(msg) => Ok(()),
            Err(e) => Err(format!("wanted an error containing {msg:?}, got {e}")),
            Ok(_) => Err(format!("wanted an error containing {msg:?}, but it parsed")),
        };
    }
    let p = parsed.map_err(|e| format!("does not parse: {e}"))?;
    let ctx = v.req.build();
    let e = policy::evaluate(&p, &ctx);
    let got = e.decision.as_str();
    if got != v.want {
        let r = policy::report(&p, &e, &ctx);
        let whys: Vec<String> = r
            .statements
            .iter()
            .map(|s| format!("[{}] {:?} {}", s.index, s.applies, s.why))
            .collect();
        return Err(format!(
            "wanted {}, got {got} {:?}\n      {}",
            v.want,
            e.decision,
            whys.join("\n      ")
        ));
    }
    // Every statement has an explanation, and a decided one names its statement.
    let r = policy::report(&p, &e, &ctx);
    if r.statements.iter().any(|s| s.why.trim().is_empty()) {
        return Err("a statement has no explanation".into());
    }
    if matches!(got, "allow" | "explicit-deny") && r.deciding_statement.is_none() {
        return Err("no deciding statement".into());
    }
    if got == "unknown" && r.unknown.is_empty() {
        return Err("an unknown decision must name what is unknown".into());
    }
    Ok(())
}

#[test]
fn policy_vectors() {
    let all = vectors();
    assert!(all.len() >= 150, "only {} vectors", all.len());
    let mut failures = Vec::new();
    for (i, v) in all.iter().enumerate() {
        assert!(
            SOURCES.contains(&v.cite),
            "vector {i} ({}) cites {:?}, not a known source",
            v.name,
            v.cite
        );
        if let Err(e) = run(v) {
            failures.push(format!("#{i} [{}] {}: {e}", v.cite, v.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn names_are_unique() {
    let all = vectors();
    let mut names: Vec<&str> = all.iter().map(|v| v.name).collect();
    names.sort();
    let n = names.len();
    names.dedup();
    assert_eq!(names.len(), n, "duplicate vector names");
}

/// Every operator, every qualifier and IfExists appear in some vector.
#[test]
fn every_operator_is_covered() {
    let all = vectors();
    let text: String = all
        .iter()
        .map(|v| v.policy.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for b in Base::ALL {
        assert!(
            text.contains(&format!("\"{}\"", b.name()))
                || text.contains(&format!("\"{}IfExists\"", b.name()))
                || text.contains(&format!(":{}\"", b.name())),
            "no vector uses {}",
            b.name()
        );
    }
    for q in ["ForAnyValue:", "ForAllValues:", "IfExists"] {
        assert!(text.contains(q), "no vector uses {q}");
    }
    for cite in SOURCES {
        assert!(all.iter().any(|v| v.cite == cite), "no vector cites {cite}");
    }
}
