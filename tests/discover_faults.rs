//! Discovery against AWS answers made up in the test (no emulator): calls
//! that keep failing after the SDK's retries (throttling, 5xx, access
//! denied) are recorded with their final error, per collection or per
//! resource, and the hops that needed them say `unknown` naming the call
//! and that error.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use hoptrace::discover::{self, Clients, Discovery};
use hoptrace::model::{Snapshot, World};
use hoptrace::trace::{self, HopId, Request, TlsVersion, Verdict};

const ACCOUNT: &str = "111122223333";
const FUNCTION: &str = "arn:aws:lambda:us-east-1:111122223333:function:pets-api";

/// A made-up AWS: every request is answered from what its operation is,
/// and the attempts per operation are counted.
#[derive(Debug, Clone, Default)]
struct FakeAws {
    attempts: Arc<Mutex<BTreeMap<String, u32>>>,
}

/// One answer: status, `x-amzn-ErrorType` (JSON protocols) and body.
type Answer = (u16, Option<&'static str>, String);

impl FakeAws {
    fn attempts(&self, op: &str) -> u32 {
        self.attempts.lock().unwrap().get(op).copied().unwrap_or(0)
    }

    fn answer(&self, req: &HttpRequest) -> Answer {
        let uri = req.uri().to_string();
        let host = uri.split('/').nth(2).unwrap_or("").to_string();
        let path = uri
            .splitn(4, '/')
            .nth(3)
            .map(|p| format!("/{}", p.split('?').next().unwrap_or("")))
            .unwrap_or_default();
        let body = req
            .body()
            .bytes()
            .map(|b| String::from_utf8_lossy(b).to_string())
            .unwrap_or_default();
        // The query protocols (STS, EC2) name the operation in the body.
        let action = body
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
            .unwrap_or("")
            .to_string();
        let op = if action.is_empty() {
            format!("{} {path}", host.split('.').next().unwrap_or(""))
        } else {
            action.clone()
        };
        *self.attempts.lock().unwrap().entry(op).or_default() += 1;
        if host.starts_with("sts.") {
            return (200, None, format!("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::{ACCOUNT}:user/tester</Arn><UserId>AIDATEST</UserId><Account>{ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>"));
        }
        if host.starts_with("ec2.") {
            if action == "DescribeNetworkAcls" {
                return (400, None, "<Response><Errors><Error><Code>ThrottlingException</Code><Message>Rate exceeded</Message></Error></Errors><RequestID>r</RequestID></Response>".into());
            }
            return (
                200,
                None,
                format!("<{action}Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId></{action}Response>"),
            );
        }
        let json = |v: serde_json::Value| (200, None, v.to_string());
        let fails = |status, kind, message: &str| {
            (
                status,
                Some(kind),
                serde_json::json!({ "message": message }).to_string(),
            )
        };
        let integration = format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION}/invocations"
        );
        match path.as_str() {
            "/restapis" => json(serde_json::json!({"item": [
                {"id": "a1b2c3d4e5", "name": "pets", "endpointConfiguration": {"types": ["PRIVATE"]}}
            ]})),
            "/restapis/a1b2c3d4e5/authorizers" => {
                fails(429, "TooManyRequestsException", "Too Many Requests")
            }
            "/restapis/a1b2c3d4e5/gatewayresponses" => fails(
                403,
                "AccessDeniedException",
                "User is not authorized to perform apigateway:GET",
            ),
            "/restapis/a1b2c3d4e5/resources" => json(serde_json::json!({"item": [
                {"id": "r1", "path": "/pets", "resourceMethods": {"GET": {
                    "httpMethod": "GET", "authorizationType": "NONE",
                    "methodIntegration": {"type": "AWS_PROXY", "uri": integration}
                }}}
            ]})),
            "/usageplans" => json(serde_json::json!({"item": [
                {"id": "plan1", "apiStages": [{"apiId": "a1b2c3d4e5", "stage": "prod"}]}
            ]})),
            "/usageplans/plan1/keys" => {
                fails(503, "ServiceUnavailableException", "Service unavailable")
            }
            p if p.ends_with("/configuration") => {
                fails(429, "TooManyRequestsException", "Rate exceeded")
            }
            p if p.ends_with("/policy") => fails(
                404,
                "ResourceNotFoundException",
                "The resource you requested does not exist.",
            ),
            _ => json(serde_json::json!({})),
        }
    }
}

impl HttpConnector for FakeAws {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (status, kind, body) = self.answer(&request);
        let mut resp = HttpResponse::new(
            StatusCode::try_from(status).expect("a status"),
            SdkBody::from(body),
        );
        if let Some(k) = kind {
            resp.headers_mut().insert("x-amzn-ErrorType", k);
            resp.headers_mut()
                .insert("content-type", "application/json");
        }
        HttpConnectorFuture::ready(Ok(resp))
    }
}

impl HttpClient for FakeAws {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// A full discovery against `aws`, with 5 attempts per call as hoptrace
/// makes but millisecond backoffs, so the test is quick. `adaptive` is the
/// mode hoptrace uses; its client-side rate limiter, once throttled, adds
/// a few seconds of waiting, so only the test about retries uses it.
async fn discover_from(aws: &FakeAws, adaptive: bool) -> Discovery {
    let retry = if adaptive {
        aws_config::retry::RetryConfig::adaptive()
    } else {
        aws_config::retry::RetryConfig::standard()
    };
    let retry = retry
        .with_max_attempts(5)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5));
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sts::config::Credentials::new(
            "AKIDTEST", "secret", None, None, "test",
        ))
        .retry_config(retry)
        .http_client(aws.clone())
        .load()
        .await;
    discover::full(&Clients::new(&conf))
        .await
        .expect("a discovery")
}

#[tokio::test]
async fn failed_reads_are_recorded_per_collection_and_per_resource() {
    let aws = FakeAws::default();
    let started = Instant::now();
    let d = discover_from(&aws, true).await;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    let errors: Vec<String> = d.errors.iter().map(ToString::to_string).collect();
    // Throttling is retried, then recorded with its final error.
    assert_eq!(aws.attempts("DescribeNetworkAcls"), 5, "{errors:#?}");
    assert_eq!(aws.attempts("apigateway /usageplans/plan1/keys"), 5);
    let s = &d.snapshot;
    assert_eq!(s.captured.get("network_acls"), Some(&false));
    assert_eq!(s.captured.get("usage_plans"), Some(&true));
    let nacl = s
        .errors
        .iter()
        .find(|e| e.call == "ec2:DescribeNetworkAcls")
        .expect("the throttled call is recorded");
    assert_eq!(nacl.code.as_deref(), Some("ThrottlingException"));
    assert_eq!(nacl.message.as_deref(), Some("Rate exceeded"));
    // Per-resource reads: on the resource, and in the errors with it.
    let api = &s.rest_apis[0];
    assert_eq!(
        api.unread,
        [
            "apigateway:GetAuthorizers",
            "apigateway:GetGatewayResponses"
        ]
    );
    assert_eq!(
        s.why_unread("apigateway:GetAuthorizers", "a1b2c3d4e5"),
        "apigateway:GetAuthorizers a1b2c3d4e5 failed: TooManyRequestsException: Too Many Requests"
    );
    assert!(s
        .failed("apigateway:GetGatewayResponses", "a1b2c3d4e5")
        .is_some_and(|e| e.code.as_deref() == Some("AccessDeniedException")));
    assert_eq!(s.usage_plans[0].unread, ["apigateway:GetUsagePlanKeys"]);
    assert!(s
        .failed("apigateway:GetUsagePlanKeys", "plan1")
        .is_some_and(|e| e.code.as_deref() == Some("ServiceUnavailableException")));
    // The function's configuration read failed; GetPolicy's 404 is "no
    // policy", kept as such and not recorded as a failure.
    assert!(s.lambda_functions.is_empty());
    assert!(s
        .failed("lambda:GetFunctionConfiguration", FUNCTION)
        .is_some_and(|e| e.code.as_deref() == Some("TooManyRequestsException")));
    assert_eq!(s.lambda_policies.len(), 1);
    assert!(s.lambda_policies[0].policy.is_none());
    assert!(
        !s.errors.iter().any(|e| e.call == "lambda:GetPolicy"),
        "{errors:#?}"
    );
}

/// The demo world as if discovery had read it with `DescribeNetworkAcls`
/// throttled: the NACLs missing and the read recorded as discovery records it.
#[tokio::test]
async fn a_throttled_collection_makes_its_hops_unknown_naming_the_error() {
    let d = discover_from(&FakeAws::default(), false).await;
    let mut snap: Snapshot = hoptrace::demo::snapshot().expect("the demo world");
    snap.network_acls.clear();
    snap.captured = d.snapshot.captured.clone();
    snap.errors = d
        .snapshot
        .errors
        .iter()
        .filter(|e| e.call.starts_with("ec2:"))
        .cloned()
        .collect();
    let world = World::new(snap);
    // The demo's healthy request, which every hop allows when the NACLs are read.
    let story = hoptrace::demo::stories()
        .into_iter()
        .find(|s| s.instance == "i-0a0000000000web01")
        .expect("the web01 story");
    let tls = TlsVersion::parse(&story.tls).expect("a TLS version");
    let req = Request::new(
        &story.instance,
        &story.method,
        &story.url,
        &story.headers,
        false,
        tls,
    )
    .expect("a request");
    let t = trace::run(&world, &req).expect("a trace");
    for id in [HopId::NaclClient, HopId::NaclEndpoint] {
        let hop = t.hops.iter().find(|h| h.hop == id).expect("the hop");
        assert_eq!(hop.verdict, Verdict::Unknown, "{id}: {}", hop.reason);
        assert!(
            hop.reason.contains("ec2:DescribeNetworkAcls")
                && hop.reason.contains("ThrottlingException: Rate exceeded"),
            "{id}: {}",
            hop.reason
        );
    }
    // What was read still decides.
    let egress = t.hops.iter().find(|h| h.hop == HopId::SgEgress).unwrap();
    assert_eq!(egress.verdict, Verdict::Allow, "{}", egress.reason);
}
