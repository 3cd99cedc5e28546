//! Reading what the client saw: a status line, headers, a JSON body, an
//! API Gateway message, a gateway response type, a curl error or an
//! execution-log line, pasted however the user has it (rulebook §5.2, §5.3,
//! §6). Liberal: case-insensitive, quotes, `<`/`>` verbose-curl prefixes,
//! escaped JSON from a log line, several of these on one line.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::words::{ClientError, Gateway, Kind, PolicyWord, CLIENT_PHRASES, ERROR_TYPES, PHRASES};
use crate::trace::GatewayResponseType;

/// Everything read from the input. `None` is "not in the text".
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Understood {
    /// The HTTP status.
    pub status: Option<u16>,
    /// `x-amzn-ErrorType`, spelled as API Gateway spells it.
    pub error_type: Option<&'static str>,
    /// The message: the JSON body's `message`, or the line carrying a known wording.
    pub message: Option<String>,
    /// The message's kind, by its wording.
    pub kind: Option<Kind>,
    /// A gateway response type (`$context.error.responseType`).
    #[serde(serialize_with = "gateway_name")]
    pub gateway_response: Option<Gateway>,
    /// curl's error number.
    pub curl_code: Option<u16>,
    /// The client-side failure, when no HTTP answer came back.
    pub client_error: Option<ClientError>,
    /// For `AccessDeniedException`: `anonymous` or the caller's ARN.
    pub caller: Option<String>,
    /// For a denial: `explicit` or `implicit`.
    pub deny: Option<&'static str>,
    /// For `AccessDeniedException`: the policy the message names.
    pub policy: Option<PolicyWord>,
    /// For `AccessDeniedException`: the resource ARN.
    pub resource: Option<String>,
    /// What was seen but not used (an unknown curl code or error type).
    pub ignored: Vec<String>,
}

fn gateway_name<S: serde::Serializer>(g: &Option<Gateway>, s: S) -> Result<S::Ok, S::Error> {
    match g {
        Some(g) => s.serialize_str(g.as_str()),
        None => s.serialize_none(),
    }
}

impl Understood {
    /// Nothing at all was recognised.
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.error_type.is_none()
            && self.kind.is_none()
            && self.gateway_response.is_none()
            && self.curl_code.is_none()
            && self.client_error.is_none()
    }

    /// The denial is explicit (`Some(true)`), implicit, or not a denial.
    pub fn explicit(&self) -> Option<bool> {
        self.deny.map(|d| d == "explicit")
    }

    /// The resource is a private custom domain's `execute-api-domain` ARN.
    pub fn domain_resource(&self) -> Option<bool> {
        self.resource.as_ref().map(|r| r.contains("/domainnames/"))
    }

    /// One line: what was understood, in words.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.status {
            parts.push(format!("HTTP {s}"));
        }
        if let Some(t) = self.error_type {
            parts.push(format!("x-amzn-ErrorType {t}"));
        }
        if let Some(m) = &self.message {
            parts.push(format!("message {:?}", clip(m, 160)));
        }
        if let Some(g) = self.gateway_response {
            parts.push(format!("gateway response {}", g.as_str()));
        }
        if let Some(c) = self.curl_code {
            parts.push(format!("curl error {c}"));
        }
        if let Some(c) = self.client_error {
            parts.push(c.words().to_string());
        }
        if let Some(c) = &self.caller {
            parts.push(format!("caller {c}"));
        }
        if let Some(d) = self.deny {
            parts.push(format!("{d} deny"));
        }
        if let Some(p) = self.policy {
            parts.push(format!("in {}", p.words()));
        }
        if parts.is_empty() {
            return "nothing".into();
        }
        parts.join(" · ")
    }
}

/// At most `n` characters of `s`, with `…` when cut.
pub fn clip(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A pattern whose `\b` are ASCII word boundaries: a Unicode `\b` sends
/// the regex crate to its slow engine on non-ASCII input, and a huge paste
/// full of replacement characters would take seconds.
fn re(s: &str) -> Regex {
    Regex::new(&s.replace(r"\b", r"(?-u:\b)")).expect("static regex")
}

static HTTP_STATUS: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bHTTP/\d(?:\.\d)?\s+(\d{3})\b"));
/// Other places a status shows: `"status": 403`, `statusCode=403`,
/// `Method completed with status: 500`, `HTTP 403`, curl -f's
/// `returned error: 403`, `403 Client Error`, `response code 403`.
static OTHER_STATUS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)(?:\bstatus(?:[ _-]?code)?["']?\s*[:=]?\s*["']?|\bHTTP\s+(?:error:?\s*)?|returned error:?\s*|\b(?:response|error)\s+code:?\s*|\berror:?\s+)(\d{3})\b|\b(\d{3})\s+(?:client|server)\s+error\b|\b(\d{3})\s+(?:ok|bad request|unauthorized|forbidden|not found|payload too large|unsupported media type|too many requests|internal server error|bad gateway|service unavailable|gateway timeout)\b"#,
    )
});
/// A status as the first word of a line: `403`, `< 403 {...}`, `"403"`.
static LEADING_STATUS: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?m)^[^a-z0-9]*?(\d{3})(?:$|[\s"':,{\[])"#));
static JSON_MESSAGE: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?i)"(?:message|errorMessage|error_message)"\s*:\s*"((?:[^"\\]|\\.)*)""#)
});
static ERROR_TYPE: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b([a-z]+exception)\b"));
static CURL_CODE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?im)(?:\bcurl\s*(?:error)?\s*[:#]?\s*\(?|^[\s<>*]*\()(\d{1,2})\)?(?:\s|:|$)")
});
static GATEWAY: LazyLock<Regex> = LazyLock::new(|| {
    let names: Vec<&str> = GatewayResponseType::ALL
        .iter()
        .map(|t| t.as_str())
        .collect();
    re(&format!(
        r"(?i)\b({}|DEFAULT_4XX|DEFAULT_5XX)\b",
        names.join("|")
    ))
});
static ACCESS_DENIED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)user:\s*([^\s"]+)\s+is not authorized to perform:?\s*([^\s"]+)?(?:\s+on resource:?\s*([^\s"]+))?"#,
    )
});
static UNAUTHORIZED: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bunauthorized\b"));
static FORBIDDEN: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bforbidden\b"));

/// The standard reason phrase of a status, which a status line carries
/// whatever API Gateway's message says (so it is not the message).
fn reason_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        200 => "ok",
        400 => "bad request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not found",
        413 => "payload too large",
        415 => "unsupported media type",
        429 => "too many requests",
        500 => "internal server error",
        502 => "bad gateway",
        503 => "service unavailable",
        504 => "gateway timeout",
        _ => return None,
    })
}

/// Read `input`.
pub fn understand(input: &str) -> Understood {
    let text = unescape(input);
    let lower = text.to_lowercase();
    let mut u = Understood::default();
    // Byte ranges of `lower` that are not message text (status lines'
    // reason phrases), blanked before the wording is matched.
    let mut blank: Vec<(usize, usize)> = Vec::new();

    // The status, first from a status line.
    let status_at = |m: regex::Captures<'_>| -> Option<(u16, usize)> {
        let g = m.get(1).or_else(|| m.get(2)).or_else(|| m.get(3))?;
        let s: u16 = g.as_str().parse().ok()?;
        (100..=599).contains(&s).then_some((s, g.end()))
    };
    // Matched on `lower` (the patterns ignore case), so that offsets
    // index `lower` whatever lower-casing did to other characters.
    let found = HTTP_STATUS
        .captures_iter(&lower)
        .find_map(status_at)
        .or_else(|| LEADING_STATUS.captures_iter(&lower).find_map(status_at))
        .or_else(|| OTHER_STATUS.captures_iter(&lower).find_map(status_at));
    if let Some((s, _)) = found {
        u.status = Some(s);
        // Every reason phrase after a status in the text is a status line's.
        for m in HTTP_STATUS
            .captures_iter(&lower)
            .chain(LEADING_STATUS.captures_iter(&lower))
            .chain(OTHER_STATUS.captures_iter(&lower))
        {
            let Some((st, end)) = status_at(m) else {
                continue;
            };
            let Some(phrase) = reason_phrase(st) else {
                continue;
            };
            let rest = &lower[end..];
            // `403 Client Error: Forbidden` (Python requests) words it so too.
            let trimmed = rest.trim_start_matches([' ', '\t', ':']);
            let trimmed = ["client error", "server error"]
                .iter()
                .find_map(|w| trimmed.strip_prefix(w))
                .unwrap_or(trimmed)
                .trim_start_matches([' ', '\t', ':']);
            if trimmed.starts_with(phrase) {
                let start = end + (rest.len() - trimmed.len());
                blank.push((start, start + phrase.len()));
            }
        }
    }

    // x-amzn-ErrorType, as a header or on its own.
    for m in ERROR_TYPE.captures_iter(&text) {
        let word = &m[1];
        match ERROR_TYPES.iter().find(|t| t.eq_ignore_ascii_case(word)) {
            Some(t) if u.error_type.is_none() => u.error_type = Some(t),
            Some(_) => {}
            None => push_once(
                &mut u.ignored,
                format!("{word} (not an x-amzn-ErrorType API Gateway sends)"),
            ),
        }
    }

    // The gateway response type.
    if let Some(m) = GATEWAY.captures(&text) {
        let name = m[1].to_ascii_uppercase();
        u.gateway_response = match name.as_str() {
            "DEFAULT_4XX" => Some(Gateway::Default(4)),
            "DEFAULT_5XX" => Some(Gateway::Default(5)),
            n => GatewayResponseType::ALL
                .into_iter()
                .find(|t| t.as_str() == n)
                .map(Gateway::Type),
        };
    }

    // The message: the JSON body's, else the wording anywhere.
    let scan: String = blanked(&lower, &blank);
    let json_message = JSON_MESSAGE
        .captures(&text)
        .map(|m| m[1].replace("\\\"", "\"").trim().to_string())
        .filter(|m| !m.is_empty() && m != "null");
    let json_kind = json_message
        .as_deref()
        .and_then(|m| kind_of(&m.to_lowercase()));
    let text_kind = kind_of(&scan);
    // The most specific kind wins (a log line's over the body's generic one).
    u.kind = match (json_kind, text_kind) {
        (Some(a), Some(b)) => Some(if rank(b) < rank(a) { b } else { a }),
        (a, b) => a.or(b),
    };
    u.message = match (&json_message, u.kind) {
        (Some(m), _) if json_kind.is_some() || u.kind.is_none() => Some(m.clone()),
        (_, Some(k)) => line_of(&text, &scan, k),
        (Some(m), None) => Some(m.clone()),
        (None, None) => None,
    };

    if u.kind == Some(Kind::AccessDenied) {
        let source = u.message.clone().unwrap_or_else(|| text.to_string());
        read_denial(&source, &mut u);
    } else if u.kind == Some(Kind::AuthorizerDenied) {
        u.deny = Some(if scan.contains("explicit deny") {
            "explicit"
        } else {
            "implicit"
        });
    }

    read_client_error(&text, &scan, &mut u);
    u
}

fn push_once(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// A JSON string pasted from a log line (`{\"message\":\"Forbidden\"}`) or
/// with literal `\n`s, made plain; surrounding quotes are harmless.
fn unescape(input: &str) -> String {
    if input.contains("\\\"") {
        input
            .replace("\\\\", "\\")
            .replace("\\\"", "\"")
            .replace("\\n", "\n")
            .replace("\\r", "")
    } else {
        input.to_string()
    }
}

/// `s` with the byte ranges in `blank` replaced by spaces (same length).
fn blanked(s: &str, blank: &[(usize, usize)]) -> String {
    let mut out = s.as_bytes().to_vec();
    for &(a, b) in blank {
        if let Some(r) = out.get_mut(a..b) {
            r.fill(b' ');
        }
    }
    // Ranges lie on ASCII reason phrases, so the bytes stay UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

fn rank(k: Kind) -> usize {
    PHRASES.iter().position(|p| p.0 == k).unwrap_or(usize::MAX)
}

/// The most specific kind whose wording is in `lower`.
fn kind_of(lower: &str) -> Option<Kind> {
    PHRASES.iter().find_map(|(k, phrases)| {
        let hit = match k {
            Kind::AccessDenied => ACCESS_DENIED.is_match(lower),
            Kind::Unauthorized => UNAUTHORIZED.is_match(lower),
            Kind::Forbidden => FORBIDDEN.is_match(lower),
            _ => phrases.iter().any(|p| lower.contains(p)),
        };
        hit.then_some(*k)
    })
}

/// The line of `text` where the wording of `k` is (trimmed, clipped).
fn line_of(text: &str, scan: &str, k: Kind) -> Option<String> {
    for (line, scan_line) in text.split('\n').zip(scan.split('\n')) {
        if kind_of(scan_line) == Some(k) {
            let l = line
                .trim()
                .trim_start_matches(['<', '>', '*', ' '])
                .trim_matches(['"', '\'', ' ']);
            return Some(clip(l, 2000));
        }
    }
    None
}

/// Caller, explicit or implicit, the policy named and the resource of a
/// `User: ... is not authorized to perform: ...` message.
fn read_denial(message: &str, u: &mut Understood) {
    let lower = message.to_lowercase();
    if let Some(m) = ACCESS_DENIED.captures(message) {
        u.caller = Some(m[1].trim_end_matches([',', '.']).to_string());
        u.resource = m
            .get(3)
            .map(|r| r.as_str().trim_end_matches([',', '.', '}']).to_string());
    }
    u.deny = Some(if lower.contains("explicit deny") {
        "explicit"
    } else {
        "implicit"
    });
    u.policy = if lower.contains("vpc endpoint policy") {
        Some(PolicyWord::VpcEndpoint)
    } else if lower.contains("resource-based policy") {
        Some(PolicyWord::ResourceBased)
    } else if lower.contains("identity-based policy") {
        Some(PolicyWord::IdentityBased)
    } else if lower.contains("permissions boundary") {
        Some(PolicyWord::PermissionsBoundary)
    } else if lower.contains("service control policy") || lower.contains("resource control policy")
    {
        Some(PolicyWord::Organisation)
    } else {
        None
    };
}

/// The client error a curl error number stands for.
fn curl_class(code: u16) -> Option<ClientError> {
    match code {
        6 => Some(ClientError::DnsFailure),
        7 => Some(ClientError::ConnectionRefused),
        28 => Some(ClientError::ConnectionTimeout),
        35 => Some(ClientError::TlsHandshake),
        51 | 60 => Some(ClientError::Certificate),
        _ => None,
    }
}

/// The client errors whose wording is in `lower`, in [`CLIENT_PHRASES`] order.
fn client_words(lower: &str) -> impl Iterator<Item = ClientError> + '_ {
    CLIENT_PHRASES
        .iter()
        .filter(|(_, phrases)| phrases.iter().any(|p| lower.contains(p)))
        .map(|(c, _)| *c)
}

/// Every client error `text` names, by wording or curl number (a trace's
/// prediction may offer two: "timed out, or ... refused").
pub fn client_errors_in(text: &str) -> Vec<ClientError> {
    let lower = text.to_lowercase();
    let mut out: Vec<ClientError> = client_words(&lower).collect();
    for m in CURL_CODE.captures_iter(text) {
        if let Some(c) = m[1].parse().ok().and_then(curl_class) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

/// curl's error number and the client error class, from the number and
/// from the wording (which wins: curl 7 also says "Connection timed out").
fn read_client_error(text: &str, scan: &str, u: &mut Understood) {
    let code = CURL_CODE
        .captures_iter(text)
        .find_map(|m| m[1].parse::<u16>().ok());
    let by_words = client_words(scan).next();
    let by_code = code.and_then(curl_class);
    if let Some(c) = code {
        u.curl_code = Some(c);
        if by_code.is_none() && c != 22 {
            push_once(
                &mut u.ignored,
                format!("curl error {c} (not one a hop of the path causes)"),
            );
        }
    }
    // An HTTP answer (curl 22 is curl -f's "returned error: 403") or an
    // API Gateway message is not a client error, whatever else the text says.
    let http = u.status.is_some() || u.kind.is_some() || u.error_type.is_some();
    u.client_error = match (by_words, by_code) {
        _ if http && by_code.is_none() => None,
        (Some(w), _) => Some(w),
        (None, c) => c,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_and_bodies() {
        let u = understand(r#"403 {"message":"Forbidden"}"#);
        assert_eq!(u.status, Some(403));
        assert_eq!(u.kind, Some(Kind::Forbidden));
        assert_eq!(u.message.as_deref(), Some("Forbidden"));
        // A client library's wording of the reason phrase is not the message either.
        for text in [
            "requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: https://x/prod/items",
            "urllib.error.HTTPError: HTTP Error 403: Forbidden",
            "got 403 Forbidden from the API",
            "error 403",
            "\u{1f642} 403",
        ] {
            let u = understand(text);
            assert_eq!(u.status, Some(403), "{text}");
            assert_eq!(u.message, None, "{text}");
        }
        // A status line's reason phrase is not the message.
        let u = understand("HTTP/1.1 403 Forbidden");
        assert_eq!((u.status, u.kind), (Some(403), None));
        let u = understand("< HTTP/2 403 \n< x-amzn-errortype: MissingAuthenticationTokenException:http://internal.amazon.com/coral/\n{\"message\":\"Missing Authentication Token\"}");
        assert_eq!(u.status, Some(403));
        assert_eq!(u.error_type, Some("MissingAuthenticationTokenException"));
        assert_eq!(u.kind, Some(Kind::MissingAuthenticationToken));
        let u = understand("HTTP/1.1 500 Internal Server Error");
        assert_eq!((u.status, u.kind), (Some(500), None));
        let u = understand(r#"'{\"message\":\"Forbidden\"}'"#);
        assert_eq!(u.kind, Some(Kind::Forbidden));
    }

    #[test]
    fn denials() {
        let u = understand("User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/pets because no VPC endpoint policy allows the execute-api:Invoke action");
        assert_eq!(u.kind, Some(Kind::AccessDenied));
        assert_eq!(u.caller.as_deref(), Some("anonymous"));
        assert_eq!(u.deny, Some("implicit"));
        assert_eq!(u.policy, Some(PolicyWord::VpcEndpoint));
        assert_eq!(
            u.resource.as_deref(),
            Some("arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/pets")
        );
        let u = understand(
            r#"{"Message":"User: arn:aws:sts::111122223333:assumed-role/r/i-1 is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111122223333:a/prod/GET/ with an explicit deny in an identity-based policy"}"#,
        );
        assert_eq!(
            u.caller.as_deref(),
            Some("arn:aws:sts::111122223333:assumed-role/r/i-1")
        );
        assert_eq!(u.deny, Some("explicit"));
        assert_eq!(u.policy, Some(PolicyWord::IdentityBased));
        let u = understand("User is not authorized to access this resource with an explicit deny");
        assert_eq!(
            (u.kind, u.deny),
            (Some(Kind::AuthorizerDenied), Some("explicit"))
        );
    }

    #[test]
    fn client_errors() {
        let cases = [
            (
                "curl: (6) Could not resolve host: x.example",
                6,
                ClientError::DnsFailure,
            ),
            (
                "curl: (7) Failed to connect to x port 443 after 2 ms: Connection refused",
                7,
                ClientError::ConnectionRefused,
            ),
            (
                "curl: (28) Failed to connect to x port 443 after 130001 ms: Connection timed out",
                28,
                ClientError::ConnectionTimeout,
            ),
            (
                "curl: (7) Failed to connect to x port 443: Connection timed out",
                7,
                ClientError::ConnectionTimeout,
            ),
            (
                "curl: (28) Resolving timed out after 5000 milliseconds",
                28,
                ClientError::DnsFailure,
            ),
            (
                "(35) OpenSSL/3.0: error:0A000410:SSL routines::sslv3 alert handshake failure",
                35,
                ClientError::TlsHandshake,
            ),
            (
                "curl: (60) SSL certificate problem: unable to get local issuer certificate",
                60,
                ClientError::Certificate,
            ),
        ];
        for (text, code, class) in cases {
            let u = understand(text);
            assert_eq!(u.curl_code, Some(code), "{text}");
            assert_eq!(u.client_error, Some(class), "{text}");
            // "port 443" is not a status.
            assert_eq!(u.status, None, "{text}");
        }
        // The 504 message is not a client timeout.
        let u = understand(r#"{"message": "Endpoint request timed out"}"#);
        assert_eq!(u.client_error, None);
        assert_eq!(u.kind, Some(Kind::EndpointRequestTimedOut));
        // curl -f: an HTTP status.
        let u = understand("curl: (22) The requested URL returned error: 403");
        assert_eq!((u.status, u.client_error), (Some(403), None));
    }

    #[test]
    fn error_types_and_gateway_types() {
        let u = understand("forbiddenexception");
        assert_eq!(u.error_type, Some("ForbiddenException"));
        assert_eq!(u.kind, None);
        let u = understand("errType: waf_filtered");
        assert_eq!(
            u.gateway_response,
            Some(Gateway::Type(GatewayResponseType::WafFiltered))
        );
        let u = understand("FooBarException");
        assert!(u.is_empty());
        assert_eq!(u.ignored.len(), 1);
        // Log lines are more specific than the body they came with.
        let u = understand("Execution failed due to configuration error: Invalid permissions on Lambda function\n{\"message\": \"Internal server error\"}");
        assert_eq!(u.kind, Some(Kind::LambdaPermission));
    }

    #[test]
    fn nothing_and_odd_input() {
        assert!(understand("").is_empty());
        assert!(understand("hello world").is_empty());
        assert!(understand("ü 403ß \u{0}").status.is_none());
        let big = "x".repeat(1 << 20);
        assert!(understand(&big).is_empty());
    }
}
