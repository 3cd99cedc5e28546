//! Talking to AWS: the credential chain, the read-only guard, and discovery
//! (reading an account into a [`Snapshot`](crate::model::Snapshot)).
//!
//! Every client this module hands out carries [`ReadOnlyGuard`], which refuses
//! any operation that is not on the read allow-list before it is signed or sent.
//! This module and `logs` are the only places that name AWS SDK types.
//!
//! Layout: `calls` (bounded concurrency, paging, the call counter, the
//! rounds of dependent calls, failed calls), `full` (the order of a full
//! discovery), `targeted` (what one trace needs, for `trace` and `explain`),
//! and one module per service
//! family that reads and maps SDK types into the model by hand (`ec2`, with
//! `ec2/network` for routes, NACLs, SGs, prefix lists and peerings; `apigw`;
//! `iam`, which also reads Lambda).

mod apigw;
pub(crate) mod calls;
mod ec2;
mod full;
mod iam;
mod progress;
mod refresh;
mod targeted;

pub use calls::CallError;
pub use full::{full, full_with, progressive, whoami, DiscoverError, Discovery, CONCURRENCY};
pub use progress::{thousands, Kind, KindState, Progress};
pub use refresh::{refresh, Refresh, Refreshed};
pub use targeted::for_trace;

pub mod permissions;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
// Client-level interceptors see the operation's configuration (its name) from
// `read_before_serialization` on; that is still before signing and sending.
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
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
/// `endpoint_url` sends every service to one endpoint (an emulator); the
/// chain also honours `AWS_ENDPOINT_URL`.
pub async fn load_config(
    profile: Option<&str>,
    region: Option<&str>,
    endpoint_url: Option<&str>,
) -> aws_config::SdkConfig {
    // Throttling and 5xx: the SDK retries, in adaptive mode (it also slows
    // itself down when throttled); the final error is recorded per call.
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .retry_config(aws_config::retry::RetryConfig::adaptive().with_max_attempts(5));
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = region {
        loader = loader.region(aws_config::Region::new(r.to_string()));
    }
    if let Some(u) = endpoint_url {
        loader = loader.endpoint_url(u);
    }
    loader.load().await
}

/// Why no AWS call can be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("no AWS region: set AWS_REGION, pass --region, or set `region` in the profile")]
    NoRegion,
    #[error("no AWS credentials: set AWS_PROFILE (or pass --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ({0})")]
    NoCredentials(String),
    #[error("the AWS SSO session{} has expired or was never started: run `aws sso login{}` ({detail})", .profile.as_deref().map(|p| format!(" of profile {p}")).unwrap_or_default(), .profile.as_deref().map(|p| format!(" --profile {p}")).unwrap_or_default())]
    SsoLogin {
        profile: Option<String>,
        detail: String,
    },
    #[error("AWS profile {0} is not in {1}: check the name (`aws configure list-profiles`)")]
    NoProfile(String, String),
    #[error("--endpoint-url must be an http:// or https:// URL with a host, not {0:?}")]
    BadEndpoint(String),
}

/// The shared config and credentials files the SDK reads (their default
/// places, or `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`).
fn profile_files() -> Vec<std::path::PathBuf> {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let pick = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(std::path::PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
    };
    [
        pick("AWS_CONFIG_FILE", "config"),
        pick("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Whether a profile of this name is defined in one of `files`:
/// `[profile name]` (or `[name]`) in the config file, `[name]` in the
/// credentials file.
fn profile_defined(name: &str, files: &[std::path::PathBuf]) -> bool {
    files.iter().any(|f| {
        std::fs::read_to_string(f).is_ok_and(|text| {
            text.lines().any(|l| {
                let l = l.trim();
                l.strip_prefix('[')
                    .and_then(|l| l.strip_suffix(']'))
                    .map(|sec| sec.trim().trim_start_matches("profile ").trim())
                    .is_some_and(|sec| sec == name)
            })
        })
    })
}

/// The SDK's answer without the list of every provider it tried.
fn short_detail(detail: &str) -> String {
    let cut = detail.find(" Attempted:").map_or(detail, |i| &detail[..i]);
    cut.trim_end_matches(['.', ':', ' ']).to_string()
}

/// [`load_config`], then check that calls can be signed: a region and
/// credentials that resolve. Nothing is sent to AWS services here (resolving
/// credentials may talk to SSO, STS for web identity, or instance metadata).
pub async fn connect(
    profile: Option<&str>,
    region: Option<&str>,
    endpoint_url: Option<&str>,
) -> Result<aws_config::SdkConfig, ConnectError> {
    use aws_sdk_sts::config::ProvideCredentials;
    if let Some(u) = endpoint_url {
        let ok = url::Url::parse(u)
            .is_ok_and(|p| matches!(p.scheme(), "http" | "https") && p.host_str().is_some());
        if !ok {
            return Err(ConnectError::BadEndpoint(u.to_string()));
        }
    }
    // A profile named on the command line must exist: the SDK would fall
    // back to other credentials, or say there are none.
    let named = profile
        .map(str::to_string)
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
    if let Some(p) = named.as_deref() {
        let files = profile_files();
        if !profile_defined(p, &files) {
            let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            return Err(ConnectError::NoProfile(p.to_string(), names.join(" or ")));
        }
    }
    let conf = load_config(profile, region, endpoint_url).await;
    if conf.region().is_none() {
        return Err(ConnectError::NoRegion);
    }
    let Some(provider) = conf.credentials_provider() else {
        return Err(ConnectError::NoCredentials(
            "no credentials provider is configured".into(),
        ));
    };
    if let Err(e) = provider.provide_credentials().await {
        let detail = calls::causes(&e);
        let detail = detail.split_whitespace().collect::<Vec<_>>().join(" ");
        let lower = detail.to_ascii_lowercase();
        if lower.contains("sso") && !lower.contains("no sso") {
            return Err(ConnectError::SsoLogin {
                profile: profile
                    .map(str::to_string)
                    .or_else(|| std::env::var("AWS_PROFILE").ok()),
                detail,
            });
        }
        return Err(ConnectError::NoCredentials(short_detail(&detail)));
    }
    Ok(conf)
}

/// The guarded clients one discovery uses. Every client carries
/// [`ReadOnlyGuard`] and a call counter, plus any interceptors given to
/// [`Clients::with_interceptor`].
#[derive(Clone, Debug)]
pub struct Clients {
    pub ec2: aws_sdk_ec2::Client,
    pub apigateway: aws_sdk_apigateway::Client,
    pub iam: aws_sdk_iam::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub sts: aws_sdk_sts::Client,
    /// The region the regional clients talk to (`None` when none is configured).
    pub region: Option<String>,
    calls: calls::CallCounter,
}

impl Clients {
    pub fn new(conf: &aws_config::SdkConfig) -> Clients {
        Self::build(conf, &[])
    }

    /// As [`Clients::new`], with one more interceptor on every client (after the guard).
    pub fn with_interceptor(conf: &aws_config::SdkConfig, extra: SharedInterceptor) -> Clients {
        Self::build(conf, &[extra])
    }

    fn build(conf: &aws_config::SdkConfig, extra: &[SharedInterceptor]) -> Clients {
        let calls = calls::CallCounter::default();
        let mut all = vec![SharedInterceptor::new(calls.clone())];
        all.extend(extra.iter().cloned());
        Clients {
            ec2: ec2_client_with(conf, &all),
            apigateway: apigateway_client_with(conf, &all),
            iam: iam_client_with(conf, &all),
            lambda: lambda_client_with(conf, &all),
            sts: sts_client_with(conf, &all),
            region: conf.region().map(|r| r.to_string()),
            calls,
        }
    }

    /// Operations these clients have sent so far (each page counts; retries do not).
    pub fn calls(&self) -> u64 {
        self.calls.get()
    }
}

/// One guarded client constructor per service: the guard first, then `extra`.
macro_rules! guarded {
    ($(#[$doc:meta])* $name:ident, $name_with:ident, $krate:ident) => {
        $(#[$doc])*
        pub fn $name(conf: &aws_config::SdkConfig) -> $krate::Client {
            $name_with(conf, &[])
        }

        $(#[$doc])*
        /// `extra` interceptors run after the guard.
        pub fn $name_with(conf: &aws_config::SdkConfig, extra: &[SharedInterceptor]) -> $krate::Client {
            let mut b = $krate::config::Builder::from(conf).interceptor(ReadOnlyGuard);
            for i in extra {
                b.push_interceptor(i.clone());
            }
            $krate::Client::from_conf(b.build())
        }
    };
}

guarded!(
    /// EC2 client with the read-only guard.
    ec2_client, ec2_client_with, aws_sdk_ec2
);
guarded!(
    /// API Gateway client with the read-only guard.
    apigateway_client, apigateway_client_with, aws_sdk_apigateway
);
/// CloudWatch Logs client with the read-only guard. Live Tail's endpoint
/// is the service's host with a `stream-` prefix; an emulator on a
/// loopback address (`--endpoint-url http://127.0.0.1:5000`) has no such
/// host, so the prefix is taken off there (and only there).
pub fn logs_client(conf: &aws_config::SdkConfig) -> aws_sdk_cloudwatchlogs::Client {
    logs_client_with(conf, &[])
}

/// As [`logs_client`]; `extra` interceptors run after the guard.
pub fn logs_client_with(
    conf: &aws_config::SdkConfig,
    extra: &[SharedInterceptor],
) -> aws_sdk_cloudwatchlogs::Client {
    let mut b = aws_sdk_cloudwatchlogs::config::Builder::from(conf)
        .interceptor(ReadOnlyGuard)
        .interceptor(LoopbackStreamHost);
    for i in extra {
        b.push_interceptor(i.clone());
    }
    aws_sdk_cloudwatchlogs::Client::from_conf(b.build())
}

/// Takes the `stream-` host prefix off requests to a loopback address.
#[derive(Debug)]
struct LoopbackStreamHost;

impl Intercept for LoopbackStreamHost {
    fn name(&self) -> &'static str {
        "hoptrace::LoopbackStreamHost"
    }

    fn modify_before_transmit(
        &self,
        context: &mut aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let req = context.request_mut();
        if let Some(uri) = without_loopback_stream_prefix(req.uri()) {
            req.set_uri(uri)?;
        }
        Ok(())
    }
}

/// `http://stream-127.0.0.1:5000/` → `http://127.0.0.1:5000/` (also
/// `localhost` and `[::1]`); `None` for every other URI.
fn without_loopback_stream_prefix(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    let host = rest.strip_prefix("stream-")?;
    let name_end = host.find([':', '/', '?']).unwrap_or(host.len());
    let name = &host[..name_end];
    let loopback = name == "localhost"
        || name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    loopback.then(|| format!("{scheme}://{host}"))
}
guarded!(
    /// IAM client with the read-only guard.
    iam_client, iam_client_with, aws_sdk_iam
);
guarded!(
    /// Lambda client with the read-only guard.
    lambda_client, lambda_client_with, aws_sdk_lambda
);
guarded!(
    /// STS client with the read-only guard (GetCallerIdentity names the account).
    sts_client, sts_client_with, aws_sdk_sts
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_found_in_either_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let creds = dir.path().join("credentials");
        std::fs::write(
            &config,
            "[default]\nregion = us-east-1\n[profile prod]\nsso_session = x\n",
        )
        .unwrap();
        std::fs::write(&creds, "[ci]\naws_access_key_id = A\n").unwrap();
        let files = vec![config, creds, dir.path().join("missing")];
        for p in ["default", "prod", "ci"] {
            assert!(profile_defined(p, &files), "{p}");
        }
        assert!(!profile_defined("nope", &files));
        assert!(!profile_defined("pro", &files));
        assert_eq!(
            short_detail("no credentials found in chain. Attempted: Environment: ..."),
            "no credentials found in chain"
        );
    }

    #[tokio::test]
    async fn a_bad_endpoint_or_an_unknown_profile_is_refused_before_any_call() {
        let e = connect(None, Some("us-east-1"), Some("notaurl"))
            .await
            .unwrap_err();
        assert!(matches!(e, ConnectError::BadEndpoint(_)), "{e}");
        let e = connect(Some("surely-not-a-profile-name"), Some("us-east-1"), None)
            .await
            .unwrap_err();
        assert!(matches!(e, ConnectError::NoProfile(..)), "{e}");
    }

    #[tokio::test]
    async fn calls_retry_in_adaptive_mode() {
        let conf = load_config(None, Some("us-east-1"), Some("http://127.0.0.1:9")).await;
        let r = conf.retry_config().expect("a retry config");
        assert_eq!(r.mode(), aws_config::retry::RetryMode::Adaptive);
        assert_eq!(r.max_attempts(), 5);
    }

    #[test]
    fn the_stream_prefix_comes_off_loopback_hosts_only() {
        assert_eq!(
            without_loopback_stream_prefix("http://stream-127.0.0.1:5077/").as_deref(),
            Some("http://127.0.0.1:5077/")
        );
        assert_eq!(
            without_loopback_stream_prefix("http://stream-localhost:4566").as_deref(),
            Some("http://localhost:4566")
        );
        assert_eq!(
            without_loopback_stream_prefix("https://stream-logs.us-east-1.amazonaws.com/"),
            None
        );
        assert_eq!(
            without_loopback_stream_prefix("http://127.0.0.1:5077/"),
            None
        );
    }

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
