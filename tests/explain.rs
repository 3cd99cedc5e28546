//! `hoptrace explain`: every row of the rulebook's error catalogue (§6) and
//! every gateway response type (§5.3) pasted as users paste them, the JSON
//! contract, the check against a trace on the demo world's stories, and
//! bad input (empty, nonsense, huge, bad flags) never panicking.

use std::collections::BTreeSet;

use hoptrace::explain::{self, Explanation};
use hoptrace::trace::{GatewayResponseType, HopId};
use serde_json::Value;

#[path = "support/cli.rs"]
mod cli;
const PETS: &str = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets";
const ARN: &str = "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/pets";

fn top(e: &Explanation) -> (HopId, &'static str) {
    let c = e
        .candidates
        .first()
        .unwrap_or_else(|| panic!("no candidate for {:?}: {:?}", e.input, e.note));
    (c.hop, c.check)
}

fn has(e: &Explanation, hop: HopId, check: &str) -> bool {
    e.candidates
        .iter()
        .any(|c| c.hop == hop && c.check == check)
}

// ---------------------------------------------------------------------------
// The catalogue, without a trace
// ---------------------------------------------------------------------------

/// One row of rulebook §6: the situation, what the client pasted, the
/// candidate expected first, and the row's own hop and check, which must
/// be among the candidates (several rows share one text: `Forbidden`).
struct Row {
    situation: &'static str,
    text: String,
    first: (HopId, &'static str),
    row: (HopId, &'static str),
}

fn row(
    situation: &'static str,
    text: &str,
    first: (HopId, &'static str),
    row: (HopId, &'static str),
) -> Row {
    Row {
        situation,
        text: text.to_string(),
        first,
        row,
    }
}

fn section6() -> Vec<Row> {
    use HopId::*;
    let forbidden = r#"403 {"message":"Forbidden"}"#;
    let forbidden_typed = "HTTP/1.1 403 Forbidden\r\nx-amzn-ErrorType: ForbiddenException\r\n\r\n{\"message\":\"Forbidden\"}";
    let missing = "< HTTP/2 403\n< x-amzn-errortype: MissingAuthenticationTokenException\n{\"message\":\"Missing Authentication Token\"}";
    vec![
        row("public API through private DNS", forbidden, (Stage, "H11.1"), (Api, "H10.3")),
        row("VPCE DNS name without Host", forbidden_typed, (ApiKey, "H14.1"), (Api, "H10.1")),
        row("stage name wrong", forbidden, (Stage, "H11.1"), (Stage, "H11.1")),
        row("path/method not in deployment", missing, (Stage, "H11.3"), (Stage, "H11.3")),
        row(
            "resource policy explicit deny, unsigned",
            &format!("{{\"Message\":\"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {ARN} with an explicit deny\"}}"),
            (Authorization, "H13.3"),
            (Authorization, "H13.3"),
        ),
        row(
            "resource policy explicit deny, newer wording",
            &format!("User: anonymous is not authorized to perform: execute-api:Invoke on resource: {ARN} with an explicit deny in a resource-based policy"),
            (Authorization, "H13.3"),
            (Authorization, "H13.3"),
        ),
        row(
            "resource policy implicit deny, unsigned",
            &format!("User: anonymous is not authorized to perform: execute-api:Invoke on resource: {ARN}"),
            (Authorization, "H13.3"),
            (Authorization, "H13.1"),
        ),
        row(
            "resource policy implicit deny, newer wording",
            &format!("403 AccessDeniedException User: anonymous is not authorized to perform: execute-api:Invoke on resource: {ARN} because no resource-based policy allows the execute-api:Invoke action"),
            (Authorization, "H13.3"),
            (Authorization, "H13.3"),
        ),
        row(
            "VPC endpoint policy implicit deny",
            &format!("User: anonymous is not authorized to perform: execute-api:Invoke on resource: {ARN} because no VPC endpoint policy allows the execute-api:Invoke action"),
            (EndpointPolicy, "H9.3"),
            (EndpointPolicy, "H9.3"),
        ),
        row(
            "IAM caller denied",
            &format!("User: arn:aws:sts::111122223333:assumed-role/web-app-role/i-0abc is not authorized to perform: execute-api:Invoke on resource: {ARN} with an explicit deny in an identity-based policy"),
            (Authorization, "H13.3"),
            (Authorization, "H13.3"),
        ),
        row(
            "IAM caller not allowed (implicit)",
            &format!("User: arn:aws:sts::111122223333:assumed-role/web-app-role/i-0abc is not authorized to perform: execute-api:Invoke on resource: {ARN}"),
            (Authorization, "H13.3"),
            (Authorization, "H13.3"),
        ),
        row("unsigned call to AWS_IAM method", "Missing Authentication Token", (Stage, "H11.3"), (Authorization, "H13.3")),
        row(
            "Lambda authorizer Deny",
            r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#,
            (Authorization, "H13.3"),
            (Authorization, "H13.3"),
        ),
        row("Cognito/TOKEN authorizer, no token", "HTTP/1.1 401 Unauthorized\n{\"message\":\"Unauthorized\"}", (Authorization, "H13.3"), (Authorization, "H13.3")),
        row("API key missing", "x-amzn-ErrorType: ForbiddenException", (ApiKey, "H14.1"), (ApiKey, "H14.1")),
        row("WAF block", "403 Forbidden", (Stage, "H11.1"), (Waf, "H12.1")),
        row("Lambda permission missing", r#"500 {"message": "Internal server error"}"#, (Integration, "H15.1"), (Integration, "H15.1")),
        row(
            "credentials role not assumable",
            "Execution failed due to configuration error: API Gateway does not have permission to assume the provided role arn:aws:iam::111122223333:role/apigw",
            (Integration, "H15.1"),
            (Integration, "H15.4"),
        ),
        row("integration timeout", r#"504 {"message": "Endpoint request timed out"}"#, (Integration, "H15.2"), (Integration, "H15.2")),
        row("malformed Lambda proxy response", "HTTP/1.1 502 Bad Gateway\n{\"message\": \"Internal server error\"}", (Integration, "H15.1"), (Integration, "H15.1")),
        row(
            "SG/NACL/route block",
            "curl: (28) Failed to connect to a1b2c3d4e5.execute-api.us-east-1.amazonaws.com port 443 after 129001 ms: Connection timed out",
            (SgEgress, "H4.1"),
            (NaclClient, "H5.2"),
        ),
        row("route block, older curl", "curl: (7) Failed to connect to 10.0.10.25 port 443: Connection timed out", (SgEgress, "H4.1"), (Route, "H3.4")),
        row("operation timed out", "curl: (28) Operation timed out after 10001 milliseconds with 0 bytes received", (SgEgress, "H4.1"), (SgEndpoint, "H7.3")),
        row("DNS failure", "curl: (6) Could not resolve host: a1b2c3d4e5-vpce-0abc.execute-api.us-east-1.amazonaws.com", (Dns, "H2.3"), (Dns, "H2.1")),
        row("TLS version refused", "curl: (35) OpenSSL/3.0.13: error:0A000410:SSL routines::sslv3 alert handshake failure", (Endpoint, "H8.3"), (Endpoint, "H8.3")),
        row("endpoint not serving", "curl: (7) Failed to connect to vpce-0abc.execute-api.us-east-1.vpce.amazonaws.com port 443 after 3 ms: Connection refused", (Endpoint, "H8.1"), (Endpoint, "H8.1")),
    ]
}

#[test]
fn every_section_6_row_is_explained() {
    for r in section6() {
        let e = explain::explain(&r.text, None);
        assert_eq!(top(&e), r.first, "{}: {:?}", r.situation, e.candidates);
        assert!(
            has(&e, r.row.0, r.row.1),
            "{}: {:?} not among {:?}",
            r.situation,
            r.row,
            e.candidates
        );
        assert_eq!(e.exit_code(), 0, "{}", r.situation);
        assert!(e.trace_agrees.is_none() && e.trace.is_none());
    }
}

#[test]
fn the_wording_narrows_the_candidates() {
    // A VPC endpoint policy denial is H9 only; a resource-based one never H9.
    let e = explain::explain(&section6()[8].text, None);
    assert_eq!(e.candidates.len(), 1, "{:?}", e.candidates);
    let e = explain::explain(&section6()[7].text, None);
    assert!(e.candidates.iter().all(|c| c.hop == HopId::Authorization));
    // An IAM caller is never one of the anonymous-only causes.
    let e = explain::explain(&section6()[9].text, None);
    assert!(e
        .candidates
        .iter()
        .all(|c| c.check != "H13.1" && c.check != "H13.2"));
    assert!(e.candidates[0].cause.contains("role"));
    // Explicit is never implicit.
    let e = explain::explain(&section6()[4].text, None);
    assert!(!has(&e, HopId::Authorization, "H13.1"));
    // A domain resource ARN points at the domain's policy.
    let e = explain::explain("User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111122223333:/domainnames/api.example.com+abc123 with an explicit deny", None);
    assert_eq!(top(&e), (HopId::Authorization, "H13.5"));
    // A status line's reason phrase is not the message: 403 alone keeps
    // Missing Authentication Token among the causes, the body does not.
    assert!(has(
        &explain::explain("HTTP/1.1 403 Forbidden", None),
        HopId::Stage,
        "H11.3"
    ));
    assert!(!has(
        &explain::explain(r#"{"message":"Forbidden"}"#, None),
        HopId::Stage,
        "H11.3"
    ));
    // A gateway response type decides between causes that share a body.
    let e = explain::explain(r#"403 {"message":"Forbidden"} INVALID_API_KEY"#, None);
    assert_eq!(e.candidates.len(), 1);
    assert_eq!(top(&e), (HopId::ApiKey, "H14.1"));
    // Execution-log lines beat the body they came with.
    let e = explain::explain("Execution failed due to configuration error: Invalid permissions on Lambda function\n{\"message\": \"Internal server error\"}", None);
    assert_eq!(top(&e), (HopId::Integration, "H15.1"));
    assert!(e.candidates[0].fix.contains("add-permission"));
    // A status and a client error cannot both be what the client saw.
    let e = explain::explain("403 curl: (6) Could not resolve host: x", None);
    assert!(e.candidates.is_empty());
    assert!(
        e.note.as_deref().unwrap().contains("all of this together"),
        "{:?}",
        e.note
    );
}

/// §5.3: each type names its hop, or says why no hop produces it.
#[test]
fn every_gateway_response_type_maps_or_says_why() {
    use GatewayResponseType as G;
    use HopId::*;
    for t in GatewayResponseType::ALL {
        let expected: Option<(HopId, &str)> = match t {
            G::AccessDenied => Some((Authorization, "H13.3")),
            G::ApiConfigurationError => Some((Integration, "H15.1")),
            G::AuthorizerConfigurationError | G::AuthorizerFailure => {
                Some((Authorization, "H13.6"))
            }
            G::ExpiredToken | G::InvalidSignature | G::Unauthorized => {
                Some((Authorization, "H13.3"))
            }
            G::IntegrationFailure => Some((Integration, "H15.3")),
            G::IntegrationTimeout => Some((Integration, "H15.2")),
            G::InvalidApiKey => Some((ApiKey, "H14.1")),
            G::MissingAuthenticationToken => Some((Stage, "H11.3")),
            G::QuotaExceeded | G::Throttled => Some((ApiKey, "H14.2")),
            G::WafFiltered => Some((Waf, "H12.1")),
            G::BadRequestParameters
            | G::BadRequestBody
            | G::RequestTooLarge
            | G::ResourceNotFound
            | G::UnsupportedMediaType => None,
        };
        // As an access log has it, in lower case, and in quotes.
        for text in [
            format!("\"errType\":\"{}\"", t.as_str()),
            t.as_str().to_lowercase(),
        ] {
            let e = explain::explain(&text, None);
            match expected {
                Some(first) => {
                    assert_eq!(top(&e), first, "{t}");
                    assert_eq!(e.exit_code(), 0);
                }
                None => {
                    assert!(e.candidates.is_empty(), "{t}: {:?}", e.candidates);
                    let note = e.note.clone().unwrap();
                    assert!(!note.contains("nothing in the text"), "{t}: {note}");
                    assert_eq!(e.exit_code(), 4);
                }
            }
        }
    }
    // The default status of the type is consistent with the candidates.
    let e = explain::explain("QUOTA_EXCEEDED", None);
    assert!(e.candidates.iter().all(|c| c.check == "H14.2"));
    assert_eq!(e.candidates.len(), 1);
    assert!(e.candidates[0].cause.contains("quota"));
    let e = explain::explain("THROTTLED", None);
    assert!(e.candidates[0].cause.contains("throttled"));
    // A fallback type only says the class.
    let e = explain::explain("DEFAULT_5XX", None);
    assert!(!e.candidates.is_empty());
    assert!(e.candidates.iter().all(|c| c.hop >= HopId::Authorization));
}

#[test]
fn x_amzn_error_types_alone() {
    use HopId::*;
    for (t, first) in [
        ("ForbiddenException", (ApiKey, "H14.1")),
        ("MissingAuthenticationTokenException", (Stage, "H11.3")),
        ("AccessDeniedException", (Authorization, "H13.3")),
        ("UnauthorizedException", (Authorization, "H13.3")),
        ("InternalServerErrorException", (Integration, "H15.1")),
        ("AuthorizerConfigurationException", (Authorization, "H13.6")),
        ("TooManyRequestsException", (ApiKey, "H14.2")),
        ("LimitExceededException", (ApiKey, "H14.2")),
        ("InvalidSignatureException", (Authorization, "H13.3")),
        ("IncompleteSignatureException", (Authorization, "H13.3")),
        ("UnrecognizedClientException", (Authorization, "H13.3")),
        ("ExpiredTokenException", (Authorization, "H13.3")),
    ] {
        for text in [
            format!("x-amzn-ErrorType: {t}"),
            format!("< x-amzn-errortype: {t}:http://internal.amazon.com/coral/com.amazon.coral.service/"),
            t.to_uppercase(),
        ] {
            let e = explain::explain(&text, None);
            assert_eq!(top(&e), first, "{text}");
            assert_eq!(e.understood.error_type, Some(t), "{text}");
        }
    }
}

#[test]
fn pasted_forms_are_read_alike() {
    // The same answer however it is pasted.
    let forms = [
        r#"{"message":"Missing Authentication Token"}"#,
        r#"'{"message":"Missing Authentication Token"}'"#,
        r#"{\"message\":\"Missing Authentication Token\"}"#,
        "MISSING AUTHENTICATION TOKEN",
        "  \"missing authentication token\"  ",
        "403 Missing Authentication Token",
        "* Connected to a1b2c3d4e5.execute-api.us-east-1.amazonaws.com (10.0.10.25) port 443\n> GET /prod/pet HTTP/1.1\n> Host: a1b2c3d4e5.execute-api.us-east-1.amazonaws.com\n>\n< HTTP/1.1 403 Forbidden\n< Content-Type: application/json\n< x-amzn-ErrorType: MissingAuthenticationTokenException\n<\n{\"message\":\"Missing Authentication Token\"}",
    ];
    let want: Vec<_> = explain::explain(forms[0], None).candidates;
    assert_eq!(want.len(), 3);
    for f in forms {
        let e = explain::explain(f, None);
        assert_eq!(
            e.understood.kind,
            Some(explain::Kind::MissingAuthenticationToken),
            "{f}"
        );
        assert_eq!(e.candidates, want, "{f}");
    }
    // Other clients' wording of the network errors.
    for (text, hop) in [
        ("getaddrinfo ENOTFOUND a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", HopId::Dns),
        ("java.net.UnknownHostException: a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", HopId::Dns),
        ("dial tcp 10.0.10.25:443: i/o timeout", HopId::SgEgress),
        ("connect ECONNREFUSED 10.0.10.25:443", HopId::Endpoint),
        ("[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version", HopId::Endpoint),
        ("curl: (60) SSL: no alternative certificate subject name matches target host name 'vpce-0abc.execute-api.us-east-1.vpce.amazonaws.com'", HopId::Endpoint),
    ] {
        let e = explain::explain(text, None);
        assert_eq!(top(&e).0, hop, "{text}: {:?}", e.understood);
    }
}

/// Every entry of the catalogue is reachable from some pasted text above.
#[test]
fn every_catalogue_entry_is_some_inputs_candidate() {
    let mut texts: Vec<String> = section6().into_iter().map(|r| r.text).collect();
    texts.extend(
        GatewayResponseType::ALL
            .iter()
            .map(|t| t.as_str().to_string()),
    );
    texts.extend(
        [
            "Unable to locate credentials. You can configure credentials by running \"aws configure\".",
            "403 IncompleteSignatureException Authorization header requires 'Credential' parameter.",
            "{\"message\":\"The security token included in the request is invalid.\"}",
            "{\"message\":\"Signature expired: 20261128T090000Z is now earlier than 20261128T091000Z\"}",
            "{\"message\":\"The request signature we calculated does not match the signature you provided.\"}",
            "User: arn:aws:sts::111122223333:assumed-role/r/i-1 is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111122223333:a/prod/GET/ with an explicit deny in a service control policy",
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111122223333:/domainnames/api.example.com+abc with an explicit deny",
            "curl: (60) SSL certificate problem: unable to get local issuer certificate",
            "curl: (7) Failed to connect to x port 443: Connection refused",
            "Private REST API doesn't have a resource policy attached to it",
            "$context.waf.status WAF_BLOCK",
            "Execution failed due to configuration error: Authorizer error",
            "{\"message\": \"Internal server error\"} 500",
            "504",
        ]
        .map(String::from),
    );
    let mut seen = BTreeSet::new();
    for t in &texts {
        for c in explain::explain(t, None).candidates {
            seen.insert((c.hop, c.check, c.cause));
        }
    }
    for e in explain::catalogue() {
        assert!(
            seen.contains(&(e.hop, e.check, e.cause)),
            "no input above has {} {} ({}) as a candidate",
            e.hop,
            e.check,
            e.cause
        );
    }
}

#[test]
fn what_is_not_a_failure_of_the_path_says_so() {
    for (text, says) in [
        ("HTTP/1.1 200 OK", "not an error"),
        ("HTTP/2 404", "not 404"),
        (
            "400 {\"message\": \"Invalid request body\"}",
            "request validator",
        ),
        ("HTTP/1.1 503 Service Unavailable", "backend"),
        ("413", "10 MB"),
    ] {
        let e = explain::explain(text, None);
        assert!(e.candidates.is_empty(), "{text}: {:?}", e.candidates);
        let note = e.note.unwrap();
        assert!(note.contains(says), "{text}: {note}");
    }
}

// ---------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn hoptrace(args: &[&str], stdin: Option<&[u8]>) -> Out {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = cli::spawn(args, stdin, |cmd| {
        cmd.env("HOME", dir.path())
            .env("XDG_STATE_HOME", dir.path())
            .env_remove("NO_COLOR");
    });
    Out {
        code,
        stdout,
        stderr,
    }
}

fn json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["explain", "--output", "json"];
    all.extend_from_slice(args);
    let o = hoptrace(&all, None);
    assert!(o.stderr.is_empty(), "{}", o.stderr);
    let v =
        serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", o.stdout));
    (o.code, v)
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort();
    k
}

/// One error line on stderr, nothing on stdout, status 2.
fn assert_error(o: &Out, needle: &str) {
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    assert!(o.stderr.starts_with("hoptrace: error: "), "{}", o.stderr);
    assert!(o.stderr.contains(needle), "{}", o.stderr);
}

#[test]
fn json_contract() {
    let text = r#"403 {"message":"Forbidden"}"#;
    let (code, v) = json(&[text]);
    assert_eq!(code, 0);
    assert_eq!(v["schema"], "hoptrace.explain/v1");
    assert_eq!(v["input"], text);
    for k in [
        "schema",
        "input",
        "understood",
        "candidates",
        "trace_agrees",
        "trace",
    ] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert!(v["trace_agrees"].is_null() && v["trace"].is_null());
    let u = &v["understood"];
    assert_eq!(u["status"], 403);
    assert_eq!(u["message"], "Forbidden");
    assert_eq!(u["kind"], "forbidden");
    for k in [
        "status",
        "error_type",
        "message",
        "curl_code",
        "client_error",
        "gateway_response",
    ] {
        assert!(u.get(k).is_some(), "understood lacks {k}");
    }
    let hops: Vec<&str> = HopId::ALL.iter().map(|h| h.as_str()).collect();
    let cands = v["candidates"].as_array().unwrap();
    assert!(cands.len() >= 5);
    for c in cands {
        assert_eq!(keys(c), ["cause", "check", "fix", "hop"]);
        assert!(hops.contains(&c["hop"].as_str().unwrap()), "{c}");
        assert!(c["check"].as_str().unwrap().starts_with('H'));
    }
    assert_eq!(cands[0]["hop"], "stage");
    assert_eq!(cands[0]["check"], "H11.1");

    // A curl error: no status, the code and the class.
    let (_, v) = json(&["curl: (6) Could not resolve host: x.example"]);
    assert!(v["understood"]["status"].is_null());
    assert_eq!(v["understood"]["curl_code"], 6);
    assert_eq!(v["understood"]["client_error"], "dns-failure");

    // With a trace: the trace object.
    let (code, v) = json(&[
        "--demo",
        "--from",
        "i-0a00000000batch01",
        "curl: (28) Connection timed out",
        PETS,
    ]);
    assert_eq!(code, 0);
    let t = &v["trace"];
    for k in [
        "first_block",
        "verdict",
        "check",
        "reason",
        "response",
        "deciding",
        "unknown",
        "agreement",
    ] {
        assert!(t.get(k).is_some(), "trace lacks {k}: {t}");
    }
    assert_eq!(t["first_block"], "sg-egress");
    assert_eq!(t["verdict"], "blocked");
    assert_eq!(t["check"], "H4.1");
    assert!(t["response"]["status"].is_null());
    assert!(t["response"]["client_error"]
        .as_str()
        .unwrap()
        .contains("(28)"));
    assert!(t["deciding"]
        .as_str()
        .unwrap()
        .contains("sg-0a000000000batch1"));
    assert_eq!(v["trace_agrees"], true);
    assert_eq!(
        v["candidates"][t["candidate"].as_u64().unwrap() as usize]["hop"],
        "sg-egress"
    );
}

/// The trace JSON of the same request, for comparing first blocks.
fn trace_first_block(args: &[&str]) -> Value {
    let mut all = vec!["trace", "--output", "json", "--demo"];
    all.extend_from_slice(args);
    let o = hoptrace(&all, None);
    serde_json::from_str::<Value>(&o.stdout).unwrap()["first_block"].clone()
}

/// A story, the flags before the text, the text, the URL, the expected
/// `trace_agrees`, exit status, and words of the agreement.
type Case<'a> = (&'a str, Vec<&'a str>, &'a str, &'a str, Value, i32, &'a str);

#[test]
fn with_a_trace_on_the_demo_world() {
    let forbidden = r#"403 {"message":"Forbidden"}"#;
    let timed_out = "curl: (28) Failed to connect to a1b2c3d4e5.execute-api.us-east-1.amazonaws.com port 443 after 130 ms: Connection timed out";
    let status = "https://p9q8r7s6t5.execute-api.us-east-1.amazonaws.com/live/status";
    let items = "https://i4n5v6e7n8.execute-api.us-east-1.amazonaws.com/prod/items";
    let deny = |tail: &str| {
        format!("User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111122223333:i4n5v6e7n8/prod/GET/items{tail}")
    };
    // audit-1: the endpoint's DNS name with a Host header, in STRICT access mode.
    let audit = [
        "--from",
        "i-0a00000000audit01",
        "-H",
        "Host: k7l8m9n0p1.execute-api.us-east-1.amazonaws.com",
        "-H",
        "x-api-key: d3m0k3y-0rders-fr0ntend",
    ];
    let audit_url =
        "https://vpce-0a1b2c3d4e5f60001-k3x9z2.execute-api.us-east-1.vpce.amazonaws.com/v1/orders";
    let explicit = deny(" with an explicit deny");
    let implicit = deny(" because no resource-based policy allows the execute-api:Invoke action");
    let cases: Vec<Case> = vec![
        (
            "tools-1",
            vec!["--from", "i-0a00000000tools01"],
            forbidden,
            status,
            Value::Bool(true),
            0,
            "blocks first at api [H10.3]",
        ),
        (
            "tools-1 500",
            vec!["--from", "i-0a00000000tools01"],
            "500 Internal server error",
            status,
            Value::Bool(false),
            1,
            "does not produce",
        ),
        (
            "batch-1",
            vec!["--from", "i-0a00000000batch01"],
            timed_out,
            PETS,
            Value::Bool(true),
            0,
            "sg-egress",
        ),
        (
            "batch-1 403",
            vec!["--from", "i-0a00000000batch01"],
            forbidden,
            PETS,
            Value::Bool(false),
            1,
            "which does not produce this error",
        ),
        (
            // Whether this VPC's private name times out or meets the public
            // endpoint through a NAT gateway, DNS is not failing.
            "analytics-1 nxdomain",
            vec!["--from", "i-0b0000analytics01"],
            "curl: (6) Could not resolve host: a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
            PETS,
            Value::Bool(false),
            1,
            "a hop that can produce this, but it predicts",
        ),
        (
            // STRICT access mode: the trace names 403 as what to expect.
            "audit-1",
            audit.to_vec(),
            "HTTP/1.1 403 Forbidden",
            audit_url,
            Value::Bool(true),
            0,
            "names HTTP 403 as a possible answer",
        ),
        (
            "audit-1 timeout",
            audit.to_vec(),
            timed_out,
            audit_url,
            Value::Bool(false),
            1,
            "an answer from API Gateway, not a client error",
        ),
        (
            "web-1",
            vec!["--from", "i-0a0000000000web01"],
            forbidden,
            PETS,
            Value::Bool(false),
            1,
            "reachable",
        ),
        (
            "win-1 timeout",
            vec!["--from", "i-0a000000windows01"],
            timed_out,
            "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets/42",
            Value::Null,
            3,
            "nacl-client is unknown",
        ),
        (
            "win-1 403",
            vec!["--from", "i-0a000000windows01"],
            forbidden,
            "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets/42",
            Value::Bool(false),
            1,
            "unknown ones (nacl-client) do not produce",
        ),
        (
            "stock-1 explicit",
            vec!["--from", "i-0a00000000stock01"],
            &explicit,
            items,
            Value::Bool(true),
            0,
            "authorization [H13.3]",
        ),
        (
            "stock-1 implicit",
            vec!["--from", "i-0a00000000stock01"],
            &implicit,
            items,
            Value::Bool(false),
            1,
            "explicit deny, not an implicit",
        ),
        (
            "poster-1",
            vec!["--from", "i-0a0000000poster01", "-X", "POST"],
            "{\"message\":\"Missing Authentication Token\"}",
            PETS,
            Value::Bool(true),
            0,
            "authorization [H13.3]",
        ),
        (
            "orders-1",
            vec!["--from", "i-0a0000000orders01"],
            "x-amzn-ErrorType: ForbiddenException",
            "https://k7l8m9n0p1.execute-api.us-east-1.amazonaws.com/v1/orders",
            Value::Bool(true),
            0,
            "api-key [H14.1]",
        ),
        (
            "admin-1",
            vec![
                "--from",
                "i-0a00000000admin01",
                "-H",
                "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.ZGVtbw.c2lnbmF0dXJl",
            ],
            "User is not authorized to access this resource with an explicit deny",
            "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/admin",
            Value::Null,
            3,
            "authorization is unknown",
        ),
    ];
    for (story, flags, text, url, agrees, code, says) in cases {
        let mut args = vec!["--demo"];
        args.extend(flags.iter().copied());
        args.push(text);
        args.push(url);
        let (got, v) = json(&args);
        let t = &v["trace"];
        assert_eq!(v["trace_agrees"], agrees, "{story}: {}", t["agreement"]);
        assert_eq!(got, code, "{story}");
        assert!(
            t["agreement"].as_str().unwrap().contains(says),
            "{story}: {}",
            t["agreement"]
        );
        // The trace shown is the trace command's own.
        let mut targs = flags.clone();
        targs.push(url);
        assert_eq!(t["first_block"], trace_first_block(&targs), "{story}");
        // Agreement names a candidate at the blocking hop; nothing else does.
        match (agrees.as_bool(), t["candidate"].as_u64()) {
            (Some(true), Some(i)) => {
                assert_eq!(
                    v["candidates"][i as usize]["hop"], t["first_block"],
                    "{story}"
                )
            }
            (Some(true), None) => panic!("{story}: agreement without a candidate"),
            (_, c) => assert!(c.is_none(), "{story}"),
        }
    }
}

/// Every demo story, whatever the demo world holds: the answer its own
/// trace predicts, pasted back, is explained by that trace (or is no
/// error at all, like "the instance is not running"); a reachable story
/// disagrees with any error; an undetermined one never agrees.
#[test]
fn every_story_agrees_with_its_own_predicted_answer() {
    let o = hoptrace(&["demo", "list", "--output", "json"], None);
    let stories: Vec<Value> = serde_json::from_str(&o.stdout).unwrap();
    assert!(stories.len() >= 15);
    let (mut agreed, mut reachable) = (0, 0);
    for s in &stories {
        let name = s["name"].as_str().unwrap();
        let mut args: Vec<String> = vec![
            "--from".into(),
            s["instance"].as_str().unwrap().into(),
            "-X".into(),
            s["method"].as_str().unwrap().into(),
            "--tls".into(),
            s["tls"].as_str().unwrap().into(),
        ];
        for (k, v) in s["headers"].as_object().unwrap() {
            args.push("-H".into());
            args.push(format!("{k}: {}", v.as_str().unwrap()));
        }
        let flags: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut targs = vec!["trace", "--output", "json", "--demo"];
        targs.extend(&flags);
        targs.push(s["url"].as_str().unwrap());
        let t: Value = serde_json::from_str(&hoptrace(&targs, None).stdout).unwrap();
        let r = &t["response"];
        let text = match (t["verdict"].as_str().unwrap(), r["status"].as_u64()) {
            ("blocked", Some(status)) => format!(
                "HTTP/1.1 {status}\nx-amzn-ErrorType: {}\n{}",
                r["error_type"].as_str().unwrap_or(""),
                serde_json::json!({"message": r["message"]}),
            ),
            ("blocked", None) => r["client_error"].as_str().unwrap().to_string(),
            _ => r#"403 {"message":"Forbidden"}"#.to_string(),
        };
        let mut eargs = vec!["--demo"];
        eargs.extend(&flags);
        eargs.push(&text);
        eargs.push(s["url"].as_str().unwrap());
        let (code, v) = json(&eargs);
        let agrees = &v["trace_agrees"];
        match t["verdict"].as_str().unwrap() {
            "blocked" if v["candidates"].as_array().unwrap().is_empty() => {
                assert_eq!(code, 4, "{name}: {text}");
                assert!(agrees.is_null(), "{name}");
            }
            "blocked" => {
                assert_eq!(
                    agrees,
                    &Value::Bool(true),
                    "{name}: {text}: {}",
                    v["trace"]["agreement"]
                );
                assert_eq!(code, 0, "{name}");
                agreed += 1;
            }
            "reachable" => {
                assert_eq!(agrees, &Value::Bool(false), "{name}");
                assert_eq!(code, 1, "{name}");
                reachable += 1;
            }
            _ => {
                assert_ne!(agrees, &Value::Bool(true), "{name}");
                assert!(matches!(code, 1 | 3), "{name}");
            }
        }
    }
    assert!(agreed >= 10 && reachable >= 1, "{agreed} {reachable}");
}

#[test]
fn the_url_may_come_first_and_the_table_says_the_same() {
    let text = r#"403 {"message":"Forbidden"}"#;
    let status = "https://p9q8r7s6t5.execute-api.us-east-1.amazonaws.com/live/status";
    let (_, a) = json(&["--demo", "--from", "i-0a00000000tools01", text, status]);
    let (_, b) = json(&["--demo", "--from", "i-0a00000000tools01", status, text]);
    assert_eq!(a, b);
    let o = hoptrace(
        &[
            "explain",
            "--demo",
            "--from",
            "i-0a00000000tools01",
            text,
            status,
        ],
        None,
    );
    assert_eq!(o.code, 0);
    assert!(!o.stdout.contains('\x1b'), "no colour when not a terminal");
    for needle in [
        "understood: HTTP 403 · message \"Forbidden\"",
        "trace agrees: yes",
        "verdict: BLOCKED at api [H10.3]",
        "client sees: HTTP 403 {\"message\":\"Forbidden\"}",
        "  1. stage           [H11.1]",
        "fix: ",
        "◀ the trace blocks here",
    ] {
        assert!(o.stdout.contains(needle), "{needle:?} not in\n{}", o.stdout);
    }
    // Without a trace, the table says how to add one.
    let o = hoptrace(&["explain", text], None);
    assert!(o.stdout.contains("trace: none; add --from"), "{}", o.stdout);
}

#[test]
fn standard_input_holds_a_verbose_curl_session() {
    let session = b"* Trying 10.0.10.25:443...\n* Connected to a1b2c3d4e5.execute-api.us-east-1.amazonaws.com (10.0.10.25) port 443\n> GET /prod/pets HTTP/2\n> Host: a1b2c3d4e5.execute-api.us-east-1.amazonaws.com\n< HTTP/2 403\n< content-type: application/json\n< x-amzn-errortype: AccessDeniedException\n<\n{\"Message\":\"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/pets because no VPC endpoint policy allows the execute-api:Invoke action\"}\n";
    let o = hoptrace(&["explain", "--output", "json", "-"], Some(session));
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["candidates"][0]["hop"], "endpoint-policy");
    assert_eq!(v["understood"]["error_type"], "AccessDeniedException");
    assert_eq!(v["understood"]["policy"], "vpc-endpoint");
}

#[test]
fn bad_input_is_a_message_and_an_exit_status_never_a_panic() {
    // Empty: an error (2), one line.
    assert_error(&hoptrace(&["explain", ""], None), "nothing to explain");
    assert_error(
        &hoptrace(&["explain", "  \n\t "], None),
        "nothing to explain",
    );
    assert_error(
        &hoptrace(&["explain", "-"], Some(b"")),
        "nothing to explain",
    );
    // Nonsense: the answer says what it understood and what it reads (4).
    let o = hoptrace(&["explain", "the frobnicator is sad"], None);
    assert_eq!(o.code, 4);
    assert!(o.stdout.contains("understood: nothing"), "{}", o.stdout);
    assert!(o
        .stdout
        .contains("no hop explains this: nothing in the text was recognised"));
    assert!(o.stdout.contains("hoptrace explain reads:"));
    assert!(o.stdout.contains("curl: (6) Could not resolve host"));
    let (code, v) = json(&["FrobnicatorException 7 bananas"]);
    assert_eq!(code, 4);
    assert_eq!(v["candidates"], Value::Array(vec![]));
    assert!(v["trace_agrees"].is_null());
    assert!(v["note"].as_str().unwrap().contains("FrobnicatorException"));
    // Nonsense with a trace: the trace still shows, nothing to agree on.
    let (code, v) = json(&["--demo", "--from", "i-0a00000000batch01", "zzz", PETS]);
    assert_eq!(code, 4);
    assert!(v["trace_agrees"].is_null());
    assert_eq!(v["trace"]["first_block"], "sg-egress");
    // Huge input on the command line and on standard input.
    let big = format!("{}403 {{\"message\":\"Forbidden\"}}", "x ".repeat(60_000));
    let o = hoptrace(&["explain", &big], None);
    assert_eq!(o.code, 0);
    assert!(
        o.stdout.len() < 20_000,
        "the table clips the echo of the input"
    );
    let junk: Vec<u8> = (0u64..(1 << 20) - 10)
        .map(|i| (i * 7919 % 251) as u8)
        .collect();
    let o = hoptrace(&["explain", "-"], Some(&junk));
    assert!(matches!(o.code, 0 | 4), "{}", o.stderr);
    let over = vec![b'a'; (1 << 20) + 1];
    assert_error(&hoptrace(&["explain", "-"], Some(&over)), "over 1 MiB");
    // Bad flags and combinations: one line, status 2.
    for args in [
        vec!["explain", "--frobnicate", "403"],
        vec!["explain"],
        vec!["explain", "403", "--output", "yaml"],
        vec!["explain", "--demo", "403"],
        vec!["explain", "-X", "POST", "403"],
        vec!["explain", "--from", "i-0a00000000batch01", "403"],
        vec!["explain", "403", PETS],
        vec![
            "explain",
            "--demo",
            "--from",
            "i-0a00000000batch01",
            "--tls",
            "1.1",
            "403",
            PETS,
        ],
    ] {
        let o = hoptrace(&args, None);
        assert_error(&o, "see hoptrace --help");
    }
    // Errors of the trace are the trace command's errors.
    assert_error(
        &hoptrace(
            &["explain", "--demo", "--from", "i-0nope", "403", PETS],
            None,
        ),
        "i-0nope",
    );
    assert_error(
        &hoptrace(
            &[
                "explain",
                "--demo",
                "--from",
                "i-0a00000000batch01",
                "403",
                "http://plain.example.com/",
            ],
            None,
        ),
        "https",
    );
    assert_error(
        &hoptrace(
            &["explain", "--from", "i-0a00000000batch01", "403", PETS],
            None,
        ),
        "--demo",
    );
}

#[test]
fn help_documents_the_exit_statuses() {
    let o = hoptrace(&["explain", "--help"], None);
    assert_eq!(o.code, 0);
    // Wrapped to the terminal: compare with whitespace collapsed.
    let text = o.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "0 explained",
        "1 the trace disagrees",
        "3 the trace cannot tell",
        "4 no hop produces this text",
        "2 error",
        "--from <INSTANCE-ID>",
        "('-' reads it from standard input)",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{}", o.stdout);
    }
    let o = hoptrace(&["--help"], None);
    assert!(o.stdout.contains("explain"));
}
