//! The words `explain` knows: API Gateway's message wordings, the client
//! errors of curl and other HTTP clients, `x-amzn-ErrorType` values, the
//! policies a denial names, and gateway response type names (rulebook §5.2,
//! §5.3, §6, H13's client symptoms).

use serde::Serialize;

use crate::trace::GatewayResponseType;

/// The kind of message API Gateway (or its execution log) sent, by its
/// wording. The first ones are the most specific: a text holding several
/// is of the first kind found in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Execution log: `Malformed Lambda proxy response`.
    MalformedProxyResponse,
    /// Execution log: `Invalid permissions on Lambda function`.
    LambdaPermission,
    /// Execution log: `API Gateway does not have permission to assume the provided role`.
    AssumeRole,
    /// Execution log: `Authorizer error` / `AuthorizerConfigurationException`.
    AuthorizerError,
    /// Execution log: `Execution failed due to a timeout error`.
    ExecutionTimeout,
    /// CreateDeployment: `Private REST API doesn't have a resource policy attached to it`.
    NoResourcePolicy,
    /// Access log `$context.waf.status` / `$context.wafResponseCode`: `WAF_BLOCK`.
    WafBlock,
    /// `User: <caller> is not authorized to perform: execute-api:Invoke on resource: <arn>...`.
    AccessDenied,
    /// `User is not authorized to access this resource[ with an explicit deny]` (Lambda authorizer).
    AuthorizerDenied,
    /// `Missing Authentication Token`.
    MissingAuthenticationToken,
    /// `The security token included in the request is invalid`.
    InvalidSecurityToken,
    /// `The security token included in the request is expired`.
    ExpiredSecurityToken,
    /// `Signature expired: ...`.
    SignatureExpired,
    /// `The request signature we calculated does not match the signature you provided`.
    SignatureMismatch,
    /// `Authorization header requires 'Credential' parameter...` (not a SigV4 header).
    IncompleteSignature,
    /// The signing client found no credentials (`Unable to locate credentials`).
    NoCredentials,
    /// `Endpoint request timed out`.
    EndpointRequestTimedOut,
    /// `Too Many Requests`.
    TooManyRequests,
    /// `Limit Exceeded`.
    LimitExceeded,
    /// `Internal server error`.
    InternalServerError,
    /// `Unauthorized`.
    Unauthorized,
    /// `Forbidden`.
    Forbidden,
}

impl Kind {
    /// A log or tool signature rather than the message the client gets.
    pub fn is_log(self) -> bool {
        use Kind::*;
        matches!(
            self,
            MalformedProxyResponse
                | LambdaPermission
                | AssumeRole
                | AuthorizerError
                | ExecutionTimeout
                | NoResourcePolicy
                | WafBlock
                | NoCredentials
        )
    }
}

/// Lower-case phrases that name each kind, most specific kind first.
/// `AccessDenied`, `Unauthorized` and `Forbidden` are matched by regex.
pub(super) const PHRASES: &[(Kind, &[&str])] = &[
    (
        Kind::MalformedProxyResponse,
        &["malformed lambda proxy response"],
    ),
    (
        Kind::LambdaPermission,
        &["invalid permissions on lambda function"],
    ),
    (
        Kind::AssumeRole,
        &["does not have permission to assume the provided role"],
    ),
    (
        Kind::AuthorizerError,
        &["authorizer error", "authorizerconfigurationexception"],
    ),
    (
        Kind::ExecutionTimeout,
        &["execution failed due to a timeout error"],
    ),
    (
        Kind::NoResourcePolicy,
        &[
            "doesn't have a resource policy attached",
            "does not have a resource policy attached",
        ],
    ),
    (Kind::WafBlock, &["waf_block"]),
    (Kind::AccessDenied, &[]),
    (
        Kind::AuthorizerDenied,
        &["user is not authorized to access this resource"],
    ),
    (
        Kind::MissingAuthenticationToken,
        &["missing authentication token"],
    ),
    (
        Kind::InvalidSecurityToken,
        &["security token included in the request is invalid"],
    ),
    (
        Kind::ExpiredSecurityToken,
        &["security token included in the request is expired"],
    ),
    (Kind::SignatureExpired, &["signature expired"]),
    (
        Kind::SignatureMismatch,
        &["signature we calculated does not match"],
    ),
    (
        Kind::IncompleteSignature,
        &["authorization header requires", "invalid key=value pair"],
    ),
    (
        Kind::NoCredentials,
        &[
            "unable to locate credentials",
            "nocredentialproviders",
            "could not load credentials",
        ],
    ),
    (
        Kind::EndpointRequestTimedOut,
        &["endpoint request timed out"],
    ),
    (Kind::TooManyRequests, &["too many requests"]),
    (Kind::LimitExceeded, &["limit exceeded"]),
    (Kind::InternalServerError, &["internal server error"]),
    (Kind::Unauthorized, &[]),
    (Kind::Forbidden, &[]),
];

/// What the client's HTTP library reports when no HTTP answer comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientError {
    /// The name does not resolve (curl 6).
    DnsFailure,
    /// Nothing listens, or the connection is actively refused (curl 7).
    ConnectionRefused,
    /// The TCP connection never completes (curl 28).
    ConnectionTimeout,
    /// The TLS handshake fails (curl 35).
    TlsHandshake,
    /// The server's certificate does not match or is not trusted (curl 51, 60).
    Certificate,
}

impl ClientError {
    /// In words, for "understood:".
    pub fn words(self) -> &'static str {
        match self {
            ClientError::DnsFailure => "a DNS failure (the name does not resolve)",
            ClientError::ConnectionRefused => "a refused connection",
            ClientError::ConnectionTimeout => "a TCP connect timeout",
            ClientError::TlsHandshake => "a TLS handshake failure",
            ClientError::Certificate => "a certificate failure (name or trust)",
        }
    }
}

/// Lower-case phrases of each client error, checked in this order (a
/// resolver timeout is a DNS failure, not a connect timeout).
pub(super) const CLIENT_PHRASES: &[(ClientError, &[&str])] = &[
    (
        ClientError::DnsFailure,
        &[
            "could not resolve",
            "resolving timed out",
            "name or service not known",
            "nodename nor servname",
            "temporary failure in name resolution",
            "no such host",
            "getaddrinfo",
            "enotfound",
            "nxdomain",
            "unknownhostexception",
            "unknown host",
            "failed to resolve",
            "name resolution",
        ],
    ),
    (
        ClientError::Certificate,
        &[
            "certificate verify failed",
            "ssl certificate problem",
            "no alternative certificate subject name",
            "subject alternative name",
            "hostname mismatch",
            "x509: certificate",
            "certificate is valid for",
            "unable to get local issuer",
        ],
    ),
    (
        ClientError::TlsHandshake,
        &[
            "handshake failure",
            "handshake_failure",
            "alert handshake",
            "ssl handshake",
            "tls handshake",
            "ssl connect error",
            "tls connect error",
            "wrong version number",
            "alert protocol version",
            "unsupported protocol",
            "sslv3_alert",
            "tlsv1_alert",
            "tlsv1 alert",
        ],
    ),
    (
        ClientError::ConnectionRefused,
        &["connection refused", "econnrefused", "connectionrefused"],
    ),
    (
        ClientError::ConnectionTimeout,
        &[
            "connection timed out",
            "connect timed out",
            "operation timed out",
            "connection timeout",
            "connect timeout",
            "connecttimeout",
            "etimedout",
            "i/o timeout",
            "timeout was reached",
            "timed out after",
        ],
    ),
];

/// `x-amzn-ErrorType` values API Gateway sends, spelled as it spells them.
pub const ERROR_TYPES: &[&str] = &[
    "AccessDeniedException",
    "AuthorizerConfigurationException",
    "AuthorizerFailureException",
    "BadRequestException",
    "ExpiredTokenException",
    "ForbiddenException",
    "IncompleteSignatureException",
    "InternalServerErrorException",
    "InvalidSignatureException",
    "LimitExceededException",
    "MissingAuthenticationTokenException",
    "NotFoundException",
    "RequestEntityTooLargeException",
    "TooManyRequestsException",
    "UnauthorizedException",
    "UnrecognizedClientException",
    "UnsupportedMediaTypeException",
];

/// The policy an `AccessDeniedException` message names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyWord {
    VpcEndpoint,
    ResourceBased,
    IdentityBased,
    PermissionsBoundary,
    /// A service or resource control policy of the organisation.
    Organisation,
}

impl PolicyWord {
    pub fn words(self) -> &'static str {
        match self {
            PolicyWord::VpcEndpoint => "the VPC endpoint policy",
            PolicyWord::ResourceBased => "a resource-based policy",
            PolicyWord::IdentityBased => "an identity-based policy",
            PolicyWord::PermissionsBoundary => "a permissions boundary",
            PolicyWord::Organisation => "an organisation policy (SCP/RCP)",
        }
    }
}

/// A gateway response type as the user may name it: one of §5.3's, or a
/// class fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    Type(GatewayResponseType),
    /// `DEFAULT_4XX` (4) or `DEFAULT_5XX` (5).
    Default(u16),
}

impl Gateway {
    pub fn as_str(self) -> &'static str {
        match self {
            Gateway::Type(t) => t.as_str(),
            Gateway::Default(4) => "DEFAULT_4XX",
            Gateway::Default(_) => "DEFAULT_5XX",
        }
    }
}
