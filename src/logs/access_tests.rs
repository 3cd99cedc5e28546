use super::*;

const REQ: &str = "4f1a2b3c-5d6e-4f70-8a9b-0c1d2e3f4a5b";

fn fmt(f: &str) -> AccessFormat {
    AccessFormat::compile(f).unwrap()
}

#[test]
fn recommended_json_format_names_every_field_and_drops_dashes() {
    let f = AccessFormat::recommended();
    assert!(f.is_json());
    assert_eq!(f.fields().len(), 23);
    let line = format!(
        r#"{{"requestId":"{REQ}","extendedRequestId":"cQ2xFgK=","vpce":"vpce-0a1b2c3d4e5f60001","vpc":"vpc-0a11ce5e00000a001","ip":"10.0.1.15","caller":"-","method":"POST","resourcePath":"/pets","stage":"prod","status":"403","errType":"ACCESS_DENIED","errMsg":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/POST/pets with an explicit deny","authenticate":"-","authorize":"403","authorizeErr":"-","authorizerStatus":"-","authorizerErr":"-","waf":"-","integStatus":"-","integErr":"-","integLatency":"-","latency":"3","tls":"TLSv1.2"}}"#
    );
    let r = f.parse(&line).unwrap();
    assert_eq!(r.request_id(), Some(REQ));
    assert_eq!(r.status(), Some(403));
    assert_eq!(r.vpce_id(), Some("vpce-0a1b2c3d4e5f60001"));
    assert_eq!(r.vpc_id(), Some("vpc-0a11ce5e00000a001"));
    assert_eq!(r.source_ip(), Some("10.0.1.15"));
    assert_eq!(r.error_response_type(), Some("ACCESS_DENIED"));
    assert!(r
        .error_message()
        .unwrap()
        .ends_with("with an explicit deny"));
    assert_eq!(r.authorize_status(), Some(403));
    assert_eq!(r.http_method(), Some("POST"));
    assert_eq!(r.resource_path(), Some("/pets"));
    assert_eq!(r.stage(), Some("prod"));
    assert_eq!(r.get("$context.tlsVersion"), Some("TLSv1.2"));
    assert_eq!(r.get("context.responseLatency"), Some("3"));
    // `-` is no value.
    assert_eq!(r.get("identity.userArn"), None);
    assert_eq!(r.integration_status(), None);
    assert_eq!(r.integration_latency(), None);
    assert!(!r.fields.values().any(|v| v == "-"));
}

#[test]
fn json_with_bare_numbers_nested_objects_and_a_mixed_value() {
    let f = fmt(
        r#"{ "requestId":"$context.requestId", "status": $context.status, "ip": "$context.identity.sourceIp", "integration": {"status": $context.integration.status, "latency": $context.integration.latency, "requestId": "$context.integration.requestId"}, "route": "$context.httpMethod $context.resourcePath", "len": $context.responseLength }"#,
    );
    assert!(f.is_json());
    let line = format!(
        r#"{{ "requestId":"{REQ}", "status": 200, "ip": "10.0.1.15", "integration": {{"status": 200, "latency": 41, "requestId": "5d0c1111-aa11-4c3e-9f2a-1d2e3f4a5b6c"}}, "route": "GET /pets/{{petId}}", "len": 512 }}"#
    );
    let r = f.parse(&line).unwrap();
    assert_eq!(r.status(), Some(200));
    assert_eq!(r.integration_status(), Some(200));
    assert_eq!(r.integration_latency(), Some(41));
    assert_eq!(
        r.integration_request_id(),
        Some("5d0c1111-aa11-4c3e-9f2a-1d2e3f4a5b6c")
    );
    assert_eq!(r.http_method(), Some("GET"));
    assert_eq!(r.resource_path(), Some("/pets/{petId}"));
    assert_eq!(r.get("responseLength"), Some("512"));
}

#[test]
fn json_line_with_a_bare_dash_falls_back_to_the_layout_walk() {
    // API Gateway writes `-` for a bare number with no value: not JSON.
    let f = fmt(
        r#"{"requestId":"$context.requestId","status":$context.status,"integLatency":$context.integration.latency}"#,
    );
    let r = f
        .parse(&format!(
            r#"{{"requestId":"{REQ}","status":504,"integLatency":-}}"#
        ))
        .unwrap();
    assert_eq!(r.request_id(), Some(REQ));
    assert_eq!(r.status(), Some(504));
    assert_eq!(r.integration_latency(), None);
    assert!(r.get("integration.latency").is_none());
}

#[test]
fn json_value_with_an_unescaped_quote_is_still_read() {
    let f = fmt(
        r#"{"requestId":"$context.requestId","errMsg":"$context.error.message","status":"$context.status"}"#,
    );
    let line = format!(r#"{{"requestId":"{REQ}","errMsg":"bad "thing" here","status":"500"}}"#);
    let r = f.parse(&line).unwrap();
    assert_eq!(r.error_message(), Some(r#"bad "thing" here"#));
    assert_eq!(r.status(), Some(500));
}

#[test]
fn json_error_message_string_is_unquoted() {
    let f = fmt(r#"{"requestId":"$context.requestId","msg":$context.error.messageString}"#);
    let r = f
        .parse(&format!(
            r#"{{"requestId":"{REQ}","msg":"Missing Authentication Token"}}"#
        ))
        .unwrap();
    assert_eq!(r.error_message(), Some("Missing Authentication Token"));
}

#[test]
fn json_line_with_extra_and_missing_keys() {
    let f = AccessFormat::recommended();
    let r = f
        .parse(&format!(
            r#"{{"requestId":"{REQ}","status":"200","somethingElse":"x","nested":{{"a":1}}}}"#
        ))
        .unwrap();
    assert_eq!(r.fields.len(), 2);
    assert_eq!(r.status(), Some(200));
    // A JSON object with none of the keys is not this format.
    let e = f.parse(r#"{"other":"x"}"#).unwrap_err();
    assert!(e.0.contains("without any key"), "{e}");
}

#[test]
fn clf_line() {
    let f = fmt(CLF_FORMAT);
    assert!(!f.is_json());
    let line =
        format!(r#"10.0.1.15 - - [28/Nov/2026:09:00:00 +0000] "GET /pets HTTP/1.1" 200 512 {REQ}"#);
    let r = f.parse(&line).unwrap();
    assert_eq!(r.source_ip(), Some("10.0.1.15"));
    assert_eq!(r.get("identity.caller"), None);
    assert_eq!(r.get("identity.user"), None);
    assert_eq!(r.get("requestTime"), Some("28/Nov/2026:09:00:00 +0000"));
    assert_eq!(r.http_method(), Some("GET"));
    assert_eq!(r.resource_path(), Some("/pets"));
    assert_eq!(r.get("protocol"), Some("HTTP/1.1"));
    assert_eq!(r.status(), Some(200));
    assert_eq!(r.get("responseLength"), Some("512"));
    assert_eq!(r.request_id(), Some(REQ));
}

#[test]
fn the_brief_clf_variant_with_literal_dashes() {
    let f = fmt(
        r#"$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId"#,
    );
    let r = f
        .parse(&format!(
            r#"10.0.4.12 - - [28/Nov/2026:09:00:01 +0000] "POST /orders HTTP/1.1" 403 42 {REQ}"#
        ))
        .unwrap();
    assert_eq!(r.source_ip(), Some("10.0.4.12"));
    assert_eq!(r.status(), Some(403));
    assert_eq!(r.resource_path(), Some("/orders"));
}

#[test]
fn csv_line_and_a_value_holding_the_separator() {
    let f = fmt("$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId");
    let r = f
        .parse(&format!(
            "10.0.1.15,-,-,28/Nov/2026:09:00:00 +0000,GET,/pets,HTTP/1.1,200,512,{REQ}"
        ))
        .unwrap();
    assert_eq!(r.status(), Some(200));
    assert_eq!(r.request_id(), Some(REQ));
    assert_eq!(r.get("identity.caller"), None);

    // A comma inside a free-text value: the left walk fails, the two-sided
    // walk gives the extra text to the error message.
    let f = fmt("$context.requestId,$context.status,$context.error.message,$context.identity.sourceIp,$context.httpMethod");
    let r = f
        .parse(&format!(
            "{REQ},403,Forbidden, really, forbidden,10.0.1.15,GET"
        ))
        .unwrap();
    assert_eq!(r.error_message(), Some("Forbidden, really, forbidden"));
    assert_eq!(r.source_ip(), Some("10.0.1.15"));
    assert_eq!(r.http_method(), Some("GET"));
    assert_eq!(r.request_id(), Some(REQ));
}

#[test]
fn quoted_csv_value_keeps_its_separator() {
    let f = fmt(r#"$context.requestId,"$context.error.message",$context.status"#);
    let r = f.parse(&format!(r#"{REQ},"a, b, c",502"#)).unwrap();
    assert_eq!(r.error_message(), Some("a, b, c"));
    assert_eq!(r.status(), Some(502));
}

#[test]
fn xml_line() {
    let f = fmt(
        r#"<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>"#,
    );
    let line = format!(
        r#"<request id="{REQ}"> <ip>10.0.1.15</ip> <caller>-</caller> <user>-</user> <requestTime>28/Nov/2026:09:00:00 +0000</requestTime> <httpMethod>GET</httpMethod> <resourcePath>/pets/{{petId}}</resourcePath> <status>200</status> <protocol>HTTP/1.1</protocol> <responseLength>512</responseLength> </request>"#
    );
    let r = f.parse(&line).unwrap();
    assert_eq!(r.request_id(), Some(REQ));
    assert_eq!(r.resource_path(), Some("/pets/{petId}"));
    assert_eq!(r.status(), Some(200));
    assert_eq!(r.get("identity.caller"), None);
    // Truncated XML does not parse and says where it stopped.
    let e = f.parse(&line[..line.len() - 20]).unwrap_err();
    assert!(e.0.contains("expected"), "{e}");
}

#[test]
fn custom_layout_with_brackets_pipes_and_claims() {
    let f = fmt("rid=$context.requestId|vpce=$context.identity.vpceId|authz=$context.authorizer.status/$context.authorizer.error|email=$context.authorizer.claims['email'].|end");
    assert_eq!(
        f.fields(),
        [
            "context.requestId",
            "context.identity.vpceId",
            "context.authorizer.status",
            "context.authorizer.error",
            "context.authorizer.claims['email']"
        ]
    );
    let r = f
        .parse(&format!(
            "rid={REQ}|vpce=vpce-0a1b2c3d4e5f60001|authz=403/-|email=a@b.example.|end"
        ))
        .unwrap();
    assert_eq!(r.vpce_id(), Some("vpce-0a1b2c3d4e5f60001"));
    assert_eq!(r.authorizer_status(), Some(403));
    assert_eq!(r.authorizer_error(), None);
    assert_eq!(r.get("authorizer.claims['email']"), Some("a@b.example"));
}

#[test]
fn format_without_variables_is_refused_and_odd_prefixes_are_literal() {
    assert!(AccessFormat::compile("").is_err());
    assert!(AccessFormat::compile("just text $context. $contextual").is_err());
    let f = fmt("$$context.requestId $context.status.");
    let r = f.parse(&format!("${REQ} 200.")).unwrap();
    assert_eq!(r.request_id(), Some(REQ));
    assert_eq!(r.status(), Some(200));
}

#[test]
fn adjacent_variables_share_one_span() {
    let f = fmt("$context.requestId$context.status end");
    let r = f.parse("abc200 end").unwrap();
    assert_eq!(r.request_id(), Some("abc200"));
    assert_eq!(r.status(), None);
}

#[test]
fn odd_lines_are_errors_or_sparse_records_never_panics() {
    let clf = fmt(CLF_FORMAT);
    assert!(clf.parse("").is_err());
    assert!(clf.parse("10.0.1.15 - - [28/Nov").is_err());
    let json = AccessFormat::recommended();
    assert!(json.parse("").is_err());
    assert!(json.parse("{\"requestId\":\"abc\"").is_err());
    assert!(json.parse("\u{0}\u{1b}[31m").is_err());
    // Extra text after a format that ends with a literal.
    let f = fmt("[$context.requestId]");
    assert!(f.parse("[abc] trailing").is_err());
    // A format that ends in a variable takes the rest of the line.
    let f = fmt("id=$context.requestId");
    let r = f.parse("id=abc def\r\n").unwrap();
    assert_eq!(r.request_id(), Some("abc def"));
    // Non-numeric status keeps the text but has no code.
    let f = fmt("$context.requestId $context.status");
    let r = f.parse("abc OK").unwrap();
    assert_eq!(r.get("status"), Some("OK"));
    assert_eq!(r.status(), None);
}

#[test]
fn many_variables_against_a_long_line_stay_fast() {
    // 2,000 variables separated by `,` against a line with no commas: the
    // walk must fail fast, not try every split.
    let format: Vec<String> = (0..2000).map(|i| format!("$context.v{i}")).collect();
    let f = fmt(&format.join(","));
    let line = "x".repeat(1 << 20);
    let t = std::time::Instant::now();
    assert!(f.parse(&line).is_err());
    let line = vec!["y"; 4000].join(",");
    let r = f.parse(&line).unwrap();
    assert_eq!(r.fields.len(), 2000);
    assert!(t.elapsed().as_secs() < 2, "{:?}", t.elapsed());
}

/// The one-pass reading of a flat JSON format gives what the tree walk
/// gives: numbers and booleans as their JSON text, `null` and `-` absent,
/// an object as its JSON, escaped keys and values unescaped, unknown keys
/// skipped, the last of a repeated key.
#[test]
fn flat_json_lines_read_in_one_pass_as_the_tree_walk_reads_them() {
    let f = AccessFormat::compile(
        r#"{"status":$context.status,"ip":"$context.identity.sourceIp","err":"$context.error.message","x":"$context.stage","lat":$context.responseLatency}"#,
    )
    .unwrap();
    let r = f
        .parse(r#"{"status":403,"extra":{"a":[1,2]},"i\u0070":"10.0.1.5","err":null,"x":{"k":"v"},"lat":1.5,"x":"prod"}"#)
        .unwrap();
    assert_eq!(r.get("status"), Some("403"));
    assert_eq!(r.get("identity.sourceIp"), Some("10.0.1.5"));
    assert_eq!(r.get("error.message"), None);
    assert_eq!(r.get("stage"), Some("prod"));
    assert_eq!(r.get("responseLatency"), Some("1.5"));
    let r = f.parse(r#"{"x":{"k":"v"},"status":true}"#).unwrap();
    assert_eq!(r.get("stage"), Some(r#"{"k":"v"}"#));
    assert_eq!(r.get("status"), Some("true"));
    // JSON that is not an object, and broken JSON, are walked as text.
    assert!(f.parse("[1,2]").is_err());
    assert!(f.parse(r#"{"status":1,"#).is_err());
    assert!(f
        .parse(r#"{"other":1}"#)
        .unwrap_err()
        .0
        .contains("without any key"));
}
