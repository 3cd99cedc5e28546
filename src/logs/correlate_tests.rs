use super::*;
use crate::logs::access::AccessFormat;
use crate::logs::parsed::{parse_line, Formats};
use crate::logs::SourceKind;

const VPCE: &str = "vpce-0a1b2c3d4e5f60001";

fn path() -> PathFacts {
    PathFacts {
        vpce_ids: vec![VPCE.into()],
        vpce_enis: vec!["eni-0a10e0000000vpce1".into()],
        vpce_ips: vec!["10.0.10.25".parse().unwrap()],
        client_enis: vec!["eni-0a0000000000web01".into()],
        client_ips: vec!["10.0.1.15".parse().unwrap()],
        api_id: Some("a1b2c3d4e5".into()),
        stage: Some("prod".into()),
        method: Some("GET".into()),
        resource_path: Some("/pets".into()),
        path: None,
        authorizer_request_ids: ["a0a0a0a0-1111-2222-3333-444455556666"]
            .into_iter()
            .collect(),
        request_ids: Default::default(),
        integration_request_ids: Default::default(),
    }
}

fn access(status: &str, err_type: &str, err_msg: &str, vpce: &str, ip: &str) -> Parsed {
    let line = format!(
        r#"{{"requestId":"r-1","vpce":"{vpce}","ip":"{ip}","method":"GET","resourcePath":"/pets","stage":"prod","status":"{status}","errType":"{err_type}","errMsg":"{err_msg}","authorize":"-","integStatus":"-"}}"#
    );
    let p = parse_line(
        SourceKind::Access,
        &line,
        &Formats {
            access: Some(AccessFormat::recommended()),
            flow: None,
        },
    );
    assert!(!p.is_raw(), "{p:?}");
    p
}

fn flow(line: &str) -> Parsed {
    let p = parse_line(SourceKind::Flow, line, &Formats::default());
    assert!(!p.is_raw(), "{p:?}");
    p
}

fn all(v: Verdict) -> impl Fn(HopId) -> Verdict {
    move |_| v
}

fn except(h: HopId, v: Verdict) -> impl Fn(HopId) -> Verdict {
    move |x| if x == h { v } else { Verdict::Allow }
}

#[test]
fn access_denied_for_this_endpoint_contradicts_an_allow() {
    let rec = access(
        "403",
        "ACCESS_DENIED",
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/pets with an explicit deny in a resource-based policy",
        VPCE,
        "10.0.1.15",
    );
    let hops = hops_for(&rec, &path());
    assert!(hops.contains(&HopId::Authorization), "{hops:?}");
    assert!(hops.contains(&HopId::Endpoint), "{hops:?}");
    let c = contradicts(HopId::Authorization, all(Verdict::Allow), &rec, &path()).unwrap();
    assert!(
        c.contains("403 ACCESS_DENIED") && c.contains(VPCE) && c.contains("§5.3"),
        "{c}"
    );
    // The message names the resource policy, so the endpoint policy is not
    // blamed.
    assert_eq!(
        contradicts(HopId::EndpointPolicy, all(Verdict::Allow), &rec, &path()),
        None
    );
    // The trace already said deny: consistent.
    assert_eq!(
        contradicts(
            HopId::Authorization,
            except(HopId::Authorization, Verdict::Deny),
            &rec,
            &path()
        ),
        None
    );
    // It reached API Gateway from the client: a deny on the client SG is wrong.
    let c = contradicts(
        HopId::SgEgress,
        except(HopId::SgEgress, Verdict::Deny),
        &rec,
        &path(),
    )
    .unwrap();
    assert!(c.contains("reaching API Gateway"), "{c}");
}

#[test]
fn access_denied_without_a_message_blames_either_policy() {
    let rec = access("403", "ACCESS_DENIED", "-", VPCE, "10.0.1.15");
    // Both judged allow: contradiction on each.
    assert!(contradicts(HopId::EndpointPolicy, all(Verdict::Allow), &rec, &path()).is_some());
    assert!(contradicts(HopId::Authorization, all(Verdict::Allow), &rec, &path()).is_some());
    // One of them unknown: it may be that one, so no contradiction.
    assert_eq!(
        contradicts(
            HopId::Authorization,
            except(HopId::EndpointPolicy, Verdict::Unknown),
            &rec,
            &path()
        ),
        None
    );
    // VPC endpoint policy message: only H9.
    let rec = access(
        "403",
        "ACCESS_DENIED",
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn because no VPC endpoint policy allows the execute-api:Invoke action",
        VPCE,
        "10.0.1.15",
    );
    assert!(contradicts(HopId::EndpointPolicy, all(Verdict::Allow), &rec, &path()).is_some());
    assert_eq!(
        contradicts(HopId::Authorization, all(Verdict::Allow), &rec, &path()),
        None
    );
}

#[test]
fn response_type_table() {
    let cases: &[(&str, &str, HopId, bool)] = &[
        ("403", "INVALID_API_KEY", HopId::ApiKey, true),
        ("429", "QUOTA_EXCEEDED", HopId::ApiKey, true),
        ("403", "WAF_FILTERED", HopId::Waf, true),
        ("401", "UNAUTHORIZED", HopId::Authorization, true),
        (
            "500",
            "AUTHORIZER_CONFIGURATION_ERROR",
            HopId::Authorization,
            true,
        ),
        ("500", "API_CONFIGURATION_ERROR", HopId::Integration, true),
        // Backend health is not a static verdict (§7.8): evidence only.
        ("504", "INTEGRATION_TIMEOUT", HopId::Integration, false),
        ("504", "INTEGRATION_FAILURE", HopId::Integration, false),
        ("429", "THROTTLED", HopId::ApiKey, false),
    ];
    for &(status, ty, hop, contradiction) in cases {
        let rec = access(status, ty, "-", VPCE, "10.0.1.15");
        assert!(hops_for(&rec, &path()).contains(&hop), "{ty}");
        assert_eq!(
            contradicts(hop, all(Verdict::Allow), &rec, &path()).is_some(),
            contradiction,
            "{ty}"
        );
    }
    // MISSING_AUTHENTICATION_TOKEN: the stage/route or authorization.
    let rec = access(
        "403",
        "MISSING_AUTHENTICATION_TOKEN",
        "-",
        VPCE,
        "10.0.1.15",
    );
    assert!(contradicts(HopId::Stage, all(Verdict::Allow), &rec, &path()).is_some());
    assert_eq!(
        contradicts(
            HopId::Stage,
            except(HopId::Authorization, Verdict::Deny),
            &rec,
            &path()
        ),
        None
    );
}

#[test]
fn other_endpoints_apis_and_stages_are_not_this_path() {
    let rec = access(
        "403",
        "ACCESS_DENIED",
        "-",
        "vpce-0ffffffffffffffff",
        "10.0.1.15",
    );
    assert!(hops_for(&rec, &path()).is_empty());
    assert_eq!(
        contradicts(HopId::Authorization, all(Verdict::Allow), &rec, &path()),
        None
    );
    let mut p = path();
    p.stage = Some("test".into());
    let rec = access("403", "ACCESS_DENIED", "-", VPCE, "10.0.1.15");
    assert!(hops_for(&rec, &p).is_empty());
}

#[test]
fn a_success_for_the_traced_request_contradicts_a_deny_on_the_api_side() {
    let rec = access("200", "-", "-", VPCE, "10.0.1.15");
    for h in [
        HopId::EndpointPolicy,
        HopId::Authorization,
        HopId::ApiKey,
        HopId::Integration,
    ] {
        let c = contradicts(h, except(h, Verdict::Deny), &rec, &path());
        assert!(
            c.as_deref().is_some_and(|c| c.contains("answered 200")),
            "{h}: {c:?}"
        );
    }
    // NACLs can still drop the reply: not contradicted by a logged request.
    assert_eq!(
        contradicts(
            HopId::NaclClient,
            except(HopId::NaclClient, Verdict::Deny),
            &rec,
            &path()
        ),
        None
    );
    // Another resource: the API side is not proven.
    let mut p = path();
    p.resource_path = Some("/orders".into());
    assert_eq!(
        contradicts(
            HopId::Authorization,
            except(HopId::Authorization, Verdict::Deny),
            &rec,
            &p
        ),
        None
    );
}

#[test]
fn authorizer_and_authorize_fields() {
    let f = AccessFormat::compile(r#"{"requestId":"$context.requestId","vpce":"$context.identity.vpceId","ip":"$context.identity.sourceIp","authorizer":"$context.authorizer.status","authorizerErr":"$context.authorizer.error","key":"$context.identity.apiKeyId","integ":"$context.integration.status"}"#).unwrap();
    let line = |ip: &str| {
        Parsed::Access(
            f.parse(&format!(r#"{{"requestId":"r","vpce":"{VPCE}","ip":"{ip}","authorizer":"500","authorizerErr":"boom","key":"k1","integ":"-"}}"#))
                .unwrap(),
        )
    };
    // Another client's failure says nothing about this client's hop.
    assert_eq!(
        contradicts(
            HopId::Authorization,
            all(Verdict::Allow),
            &line("10.0.9.9"),
            &path()
        ),
        None
    );
    let rec = line("10.0.1.15");
    let hops = hops_for(&rec, &path());
    assert_eq!(
        hops,
        vec![
            HopId::SgEgress,
            HopId::SgEndpoint,
            HopId::Endpoint,
            HopId::Authorization,
            HopId::ApiKey
        ]
    );
    let c = contradicts(HopId::Authorization, all(Verdict::Allow), &rec, &path()).unwrap();
    assert!(c.contains("authorizer step failing with 500 boom"), "{c}");
}

#[test]
fn flow_table() {
    let p = path();
    // (record, hop, verdicts, contradiction expected)
    let req_reject_vpce = flow(
        "2 unknown eni-0a10e0000000vpce1 10.0.1.15 10.0.10.25 49732 443 6 3 180 1 2 REJECT OK",
    );
    assert_eq!(
        hops_for(&req_reject_vpce, &p),
        vec![HopId::NaclEndpoint, HopId::SgEndpoint]
    );
    assert!(contradicts(HopId::SgEndpoint, all(Verdict::Allow), &req_reject_vpce, &p).is_some());
    assert_eq!(
        contradicts(
            HopId::NaclEndpoint,
            except(HopId::SgEndpoint, Verdict::Deny),
            &req_reject_vpce,
            &p
        ),
        None
    );

    let reply_reject_vpce = flow(
        "2 unknown eni-0a10e0000000vpce1 10.0.10.25 10.0.1.15 443 49732 6 3 212 1 2 REJECT OK",
    );
    assert_eq!(hops_for(&reply_reject_vpce, &p), vec![HopId::NaclEndpoint]);
    let c = contradicts(
        HopId::NaclEndpoint,
        all(Verdict::Allow),
        &reply_reject_vpce,
        &p,
    )
    .unwrap();
    assert!(c.contains("reply") && c.contains("§5.4"), "{c}");
    // Security groups are stateful: never blamed for a reply.
    assert_eq!(
        contradicts(
            HopId::SgEndpoint,
            all(Verdict::Allow),
            &reply_reject_vpce,
            &p
        ),
        None
    );

    let req_accept_vpce = flow(
        "2 unknown eni-0a10e0000000vpce1 10.0.1.15 10.0.10.25 49732 443 6 12 2104 1 2 ACCEPT OK",
    );
    assert!(contradicts(
        HopId::SgEndpoint,
        except(HopId::SgEndpoint, Verdict::Deny),
        &req_accept_vpce,
        &p
    )
    .is_some());
    // The NACL may still drop the reply.
    assert_eq!(
        contradicts(
            HopId::NaclEndpoint,
            except(HopId::NaclEndpoint, Verdict::Deny),
            &req_accept_vpce,
            &p
        ),
        None
    );

    let req_reject_client = flow(
        "2 111122223333 eni-0a0000000000web01 10.0.1.15 10.0.10.25 49732 443 6 3 180 1 2 REJECT OK",
    );
    assert_eq!(
        hops_for(&req_reject_client, &p),
        vec![HopId::SgEgress, HopId::NaclClient]
    );
    let reply_accept_client = flow(
        "2 111122223333 eni-0a0000000000web01 10.0.10.25 10.0.1.15 443 49732 6 3 212 1 2 ACCEPT OK",
    );
    assert!(contradicts(
        HopId::NaclClient,
        except(HopId::NaclClient, Verdict::Deny),
        &reply_accept_client,
        &p
    )
    .is_some());

    // Not this path: another client, another port, no data, UDP.
    for line in [
        "2 111122223333 eni-0a00000000batch01 10.0.1.40 10.0.10.25 51122 443 6 3 180 1 2 REJECT OK",
        "2 unknown eni-0a10e0000000vpce1 10.0.1.15 10.0.10.25 49732 80 6 3 180 1 2 REJECT OK",
        "2 unknown eni-0a10e0000000vpce1 - - - - - - - 1 2 - NODATA",
        "2 unknown eni-0a10e0000000vpce1 10.0.1.15 10.0.10.25 49732 443 17 3 180 1 2 REJECT OK",
    ] {
        assert!(hops_for(&flow(line), &p).is_empty(), "{line}");
    }
    // Right addresses on an ENI the path does not list: evidence only.
    let other_eni = flow(
        "2 111122223333 eni-0a0000000legacy01 10.0.1.15 10.0.10.25 49732 443 6 3 180 1 2 REJECT OK",
    );
    assert!(hops_for(&other_eni, &p).contains(&HopId::Route));
    assert_eq!(
        contradicts(HopId::Route, all(Verdict::Allow), &other_eni, &p),
        None
    );
}

#[test]
fn execution_and_lambda_lines() {
    let f = Formats::default();
    let mut p = path();
    // Until an access line ties r-1 to this client's request, its
    // execution lines are only seen.
    let perm = parse_line(
        SourceKind::Execution,
        "(r-1) Execution failed due to configuration error: Invalid permissions on Lambda function",
        &f,
    );
    assert_eq!(
        contradicts(HopId::Integration, all(Verdict::Allow), &perm, &p),
        None
    );
    p.request_ids.insert("r-1");
    let perm = parse_line(
        SourceKind::Execution,
        "(r-1) Execution failed due to configuration error: Invalid permissions on Lambda function",
        &f,
    );
    assert_eq!(
        hops_for(&perm, &p),
        vec![HopId::Authorization, HopId::Integration]
    );
    assert!(contradicts(HopId::Integration, all(Verdict::Allow), &perm, &p).is_some());
    assert_eq!(
        contradicts(
            HopId::Integration,
            except(HopId::Authorization, Verdict::Unknown),
            &perm,
            &p
        ),
        None
    );
    let auth = parse_line(
        SourceKind::Execution,
        "(r-1) Starting authorizer: 62mgrc for request: r-1",
        &f,
    );
    assert_eq!(hops_for(&auth, &p), vec![HopId::Authorization]);
    let key = parse_line(
        SourceKind::Execution,
        "(r-1) Usage Plan check succeeded for API Key and API Stage a1b2c3d4e5/prod",
        &f,
    );
    assert_eq!(hops_for(&key, &p), vec![HopId::ApiKey]);
    let done = parse_line(
        SourceKind::Execution,
        "(r-1) Method completed with status: 200",
        &f,
    );
    assert_eq!(hops_for(&done, &p), vec![HopId::Integration]);
    let timeout = parse_line(
        SourceKind::Execution,
        "(r-1) Execution failed due to a timeout error",
        &f,
    );
    assert_eq!(
        contradicts(HopId::Integration, all(Verdict::Allow), &timeout, &p),
        None
    );

    let l = parse_line(
        SourceKind::Lambda,
        "2026-11-28T09:00:03.012Z 5d0c-aa11 Task timed out after 3.00 seconds",
        &f,
    );
    assert_eq!(hops_for(&l, &p), vec![HopId::Integration]);
    assert_eq!(
        contradicts(HopId::Integration, all(Verdict::Allow), &l, &p),
        None
    );
    // The authorizer's invocation (its id came from an access line).
    let l = parse_line(
        SourceKind::Lambda,
        "END RequestId: a0a0a0a0-1111-2222-3333-444455556666",
        &f,
    );
    assert_eq!(hops_for(&l, &p), vec![HopId::Authorization]);
    // Raw lines are evidence for nothing.
    let raw = parse_line(SourceKind::Execution, "garbage", &f);
    assert!(hops_for(&raw, &p).is_empty());
}

#[test]
fn every_demo_line_lands_somewhere_or_nowhere_without_panicking() {
    use crate::logs::replay;
    let f = Formats::default();
    let p = path();
    let mut attached = 0;
    for l in replay::parse(replay::DEMO_SCRIPT).unwrap() {
        let rec = parse_line(l.source, &l.text, &f);
        if !hops_for(&rec, &p).is_empty() {
            attached += 1;
        }
        for h in HopId::ALL {
            let _ = contradicts(h, all(Verdict::Allow), &rec, &p);
        }
    }
    assert!(attached > 30, "{attached}");
}

/// Another client's request through the same endpoint, even a success of
/// the same method, proves nothing about this client's endpoint or API
/// side: a deny there is not contradicted (the demo's audit-1 under
/// STRICT access mode showed web-1's line doing so).
#[test]
fn another_clients_line_does_not_contradict_this_clients_deny() {
    let theirs = access("200", "-", "-", VPCE, "10.0.9.9");
    for h in [HopId::Endpoint, HopId::Authorization, HopId::ApiKey] {
        assert_eq!(
            contradicts(h, except(h, Verdict::Deny), &theirs, &path()),
            None,
            "{h:?}"
        );
    }
    assert!(hops_for(&theirs, &path()).contains(&HopId::Endpoint));
    // This client's 403 for another reason: its endpoint hop is seen, not
    // proven (the URL form may differ under STRICT mode).
    let ours = access("403", "INVALID_API_KEY", "-", VPCE, "10.0.1.15");
    assert_eq!(
        contradicts(
            HopId::Endpoint,
            except(HopId::Endpoint, Verdict::Deny),
            &ours,
            &path()
        ),
        None
    );
    // This client's own success of the same request does contradict.
    let ok = access("200", "-", "-", VPCE, "10.0.1.15");
    assert!(contradicts(
        HopId::Endpoint,
        except(HopId::Endpoint, Verdict::Deny),
        &ok,
        &path()
    )
    .is_some());
}

/// A Lambda line of this request's invocation (its id came in an access
/// line's integration.requestId) proves API Gateway could invoke the
/// function: it contradicts an integration deny; another invocation's line
/// does not.
#[test]
fn the_backend_invocation_of_this_request_proves_the_integration() {
    let f = Formats::default();
    let mut p = path();
    let start = parse_line(
        SourceKind::Lambda,
        "START RequestId: 5d0c0000-aa11-4c3e-9f2a-1d2e3f4a5b6c Version: $LATEST",
        &f,
    );
    let deny = except(HopId::Integration, Verdict::Deny);
    assert_eq!(contradicts(HopId::Integration, &deny, &start, &p), None);
    p.integration_request_ids
        .insert("5d0c0000-aa11-4c3e-9f2a-1d2e3f4a5b6c");
    let c = contradicts(HopId::Integration, &deny, &start, &p).expect("a contradiction");
    assert!(c.contains("this request's invocation"), "{c}");
}
