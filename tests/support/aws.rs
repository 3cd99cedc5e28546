//! SDK plumbing for tests against the moto server: its configuration, the
//! `x-moto-account-id` header that gives each test its own account, and a
//! minimal in-memory zip for Lambda code. Test code only: hoptrace itself
//! never adds headers to AWS calls.

#![allow(dead_code)]

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextMut,
};
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;

pub const REGION: &str = "us-east-1";

/// Adds `x-moto-account-id` to every request, before signing; optionally
/// answers one EC2 operation the way AWS answers a caller without the
/// permission (403 `UnauthorizedOperation`), whatever moto said.
#[derive(Debug, Clone)]
pub struct MotoAccount {
    pub account: String,
    pub deny_ec2: Option<&'static str>,
}

impl MotoAccount {
    pub fn new(account: &str) -> MotoAccount {
        MotoAccount {
            account: account.to_string(),
            deny_ec2: None,
        }
    }
}

impl Intercept for MotoAccount {
    fn name(&self) -> &'static str {
        "tests::MotoAccount"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        context
            .request_mut()
            .headers_mut()
            .insert("x-moto-account-id", self.account.clone());
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = cfg.load::<Metadata>().map(|m| m.name().to_string());
        if op.is_some() && op.as_deref() == self.deny_ec2 {
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation. User: arn:aws:iam::{}:user/test is not authorized to perform: ec2:{} because no identity-based policy allows the ec2:{} action</Message></Error></Errors><RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>",
                self.account,
                op.as_deref().unwrap_or_default(),
                op.as_deref().unwrap_or_default()
            );
            *context.response_mut() =
                HttpResponse::new(StatusCode::try_from(403u16)?, SdkBody::from(body));
        }
        Ok(())
    }
}

/// Answers one operation of a JSON-protocol service (CloudWatch Logs) with
/// an error, whatever moto said: what moto cannot produce (throttling,
/// Live Tail's session limit).
#[derive(Debug, Clone)]
pub struct Fault {
    pub operation: &'static str,
    pub status: u16,
    pub code: &'static str,
    pub message: &'static str,
}

impl Intercept for Fault {
    fn name(&self) -> &'static str {
        "tests::Fault"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if cfg.load::<Metadata>().map(|m| m.name()) == Some(self.operation) {
            let body = format!(
                "{{\"__type\":\"{}\",\"message\":\"{}\"}}",
                self.code, self.message
            );
            let mut resp =
                HttpResponse::new(StatusCode::try_from(self.status)?, SdkBody::from(body));
            resp.headers_mut().insert("x-amzn-ErrorType", self.code);
            resp.headers_mut()
                .insert("content-type", "application/x-amz-json-1.1");
            *context.response_mut() = resp;
        }
        Ok(())
    }
}

pub fn account_header(account: &str) -> SharedInterceptor {
    SharedInterceptor::new(MotoAccount::new(account))
}

/// SDK configuration for the moto server at `url`, with static credentials.
pub async fn config(url: &str) -> aws_config::SdkConfig {
    config_with(url, "testing", "testing").await
}

pub async fn config_with(url: &str, key: &str, secret: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .credentials_provider(aws_sdk_ec2::config::Credentials::new(
            key, secret, None, None, "test",
        ))
        .region(aws_config::Region::new(REGION))
        .endpoint_url(url)
        .load()
        .await
}

/// Plain (unguarded) clients that build a test's topology in its account.
pub struct Admin {
    pub ec2: aws_sdk_ec2::Client,
    pub apigw: aws_sdk_apigateway::Client,
    pub iam: aws_sdk_iam::Client,
    pub lambda: aws_sdk_lambda::Client,
}

impl Admin {
    pub fn new(conf: &aws_config::SdkConfig, account: &str) -> Admin {
        macro_rules! client {
            ($krate:ident) => {{
                let c = $krate::config::Builder::from(conf)
                    .interceptor(MotoAccount::new(account))
                    .build();
                $krate::Client::from_conf(c)
            }};
        }
        Admin {
            ec2: client!(aws_sdk_ec2),
            apigw: client!(aws_sdk_apigateway),
            iam: client!(aws_sdk_iam),
            lambda: client!(aws_sdk_lambda),
        }
    }
}

/// A zip archive holding `name` with `content`, stored (not compressed).
pub fn zip_one(name: &str, content: &[u8]) -> Vec<u8> {
    let crc = crc32(content);
    let (n, size) = (name.len() as u16, content.len() as u32);
    let mut out = Vec::new();
    // Local file header.
    out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]); // version, flags, stored, time, date
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(content);
    let central = out.len() as u32;
    // Central directory entry.
    out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    out.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&[0; 12]); // extra, comment, disk, internal and external attributes
    out.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    out.extend_from_slice(name.as_bytes());
    let central_len = out.len() as u32 - central;
    // End of central directory.
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    out.extend_from_slice(&central_len.to_le_bytes());
    out.extend_from_slice(&central.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn crc32_matches_the_standard_check_value() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
}
