//! Talking to AWS: the credential chain and the read-only guard. Live
//! discovery (recording a snapshot from an account) builds on this.
//!
//! Every client this module hands out carries [`ReadOnlyGuard`], which refuses
//! any operation that is not on the read allow-list before it is signed or sent.

pub mod permissions;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
// Client-level interceptors see the operation's configuration (its name) from
// `read_before_serialization` on; that is still before signing and sending.
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Operation name prefixes that only read.
const READ_PREFIXES: &[&str] = &["Describe", "Get", "List", "Filter", "Lookup", "Search"];
/// Read operations whose names do not start with a read prefix.
const READ_EXACT: &[&str] = &[
    "StartLiveTail",
    "GetLogEvents",
    "FilterLogEvents",
    "StartQuery",
    "StopQuery",
    "GetQueryResults",
];
/// Operations that start with a read prefix but change something.
const NOT_READ: &[&str] = &["GetExportTask"];

/// True when `operation` (an AWS API operation name such as `DescribeVpcs`) only reads.
pub fn is_read_only(operation: &str) -> bool {
    if NOT_READ.contains(&operation) {
        return false;
    }
    if READ_EXACT.contains(&operation) {
        return true;
    }
    READ_PREFIXES.iter().any(|p| {
        operation.starts_with(p)
            && operation[p.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase())
    })
}

/// Refuses every non-read operation inside the process.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOnlyGuard;

#[derive(Debug, thiserror::Error)]
#[error("hoptrace is read-only: refused to send {service}:{operation}")]
pub struct RefusedOperation {
    pub service: String,
    pub operation: String,
}

impl Intercept for ReadOnlyGuard {
    fn name(&self) -> &'static str {
        "hoptrace::ReadOnlyGuard"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match cfg.load::<Metadata>() {
            Some(m) if is_read_only(m.name()) => Ok(()),
            Some(m) => Err(Box::new(RefusedOperation {
                service: m.service().to_string(),
                operation: m.name().to_string(),
            })),
            None => Err(Box::new(RefusedOperation {
                service: "?".into(),
                operation: "(unnamed operation)".into(),
            })),
        }
    }
}

/// Load the SDK configuration from the standard credential chain (environment,
/// profiles including SSO, web identity, container and instance metadata).
pub async fn load_config(profile: Option<&str>, region: Option<&str>) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = region {
        loader = loader.region(aws_config::Region::new(r.to_string()));
    }
    loader.load().await
}

/// EC2 client with the read-only guard.
pub fn ec2_client(conf: &aws_config::SdkConfig) -> aws_sdk_ec2::Client {
    let c = aws_sdk_ec2::config::Builder::from(conf)
        .interceptor(ReadOnlyGuard)
        .build();
    aws_sdk_ec2::Client::from_conf(c)
}

/// API Gateway client with the read-only guard.
pub fn apigateway_client(conf: &aws_config::SdkConfig) -> aws_sdk_apigateway::Client {
    let c = aws_sdk_apigateway::config::Builder::from(conf)
        .interceptor(ReadOnlyGuard)
        .build();
    aws_sdk_apigateway::Client::from_conf(c)
}

/// CloudWatch Logs client with the read-only guard.
pub fn logs_client(conf: &aws_config::SdkConfig) -> aws_sdk_cloudwatchlogs::Client {
    let c = aws_sdk_cloudwatchlogs::config::Builder::from(conf)
        .interceptor(ReadOnlyGuard)
        .build();
    aws_sdk_cloudwatchlogs::Client::from_conf(c)
}

/// IAM client with the read-only guard.
pub fn iam_client(conf: &aws_config::SdkConfig) -> aws_sdk_iam::Client {
    let c = aws_sdk_iam::config::Builder::from(conf)
        .interceptor(ReadOnlyGuard)
        .build();
    aws_sdk_iam::Client::from_conf(c)
}

/// Lambda client with the read-only guard.
pub fn lambda_client(conf: &aws_config::SdkConfig) -> aws_sdk_lambda::Client {
    let c = aws_sdk_lambda::config::Builder::from(conf)
        .interceptor(ReadOnlyGuard)
        .build();
    aws_sdk_lambda::Client::from_conf(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list() {
        for op in [
            "DescribeVpcs",
            "GetRestApi",
            "ListRolePolicies",
            "FilterLogEvents",
            "StartLiveTail",
            "LookupEvents",
        ] {
            assert!(is_read_only(op), "{op}");
        }
        for op in [
            "TerminateInstances",
            "CreateVpc",
            "PutLogEvents",
            "UpdateRestApi",
            "DeleteStage",
            "Getaway",
            "ModifyVpcEndpoint",
            "AddPermission",
        ] {
            assert!(!is_read_only(op), "{op}");
        }
    }
}
