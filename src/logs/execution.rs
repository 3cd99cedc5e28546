//! API Gateway execution logs (rulebook §5.2): every line is
//! `(request-id) message`. The signature messages of §5.2 and the lines that
//! trace a request through authorizer, usage plan and integration are
//! recognised; any other message is kept as [`ExecEvent::Other`].
//!
//! Needs only `std`, so the fuzz targets compile it on its own.

/// One execution-log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecRecord {
    /// The id in the leading parentheses (API Gateway's request id).
    pub request_id: String,
    pub event: ExecEvent,
}

/// What an execution-log message says. The variants marked §5.2 are the
/// rulebook's signature strings; the others are the ordinary steps of a
/// request as the AWS Knowledge Center shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecEvent {
    /// `Extended Request Id: …`
    ExtendedRequestId(String),
    /// `Starting execution for request: …`
    Starting,
    /// `HTTP Method: GET, Resource Path: /pets`
    Method {
        method: String,
        resource_path: String,
    },
    /// `Starting authorizer: {authorizerId} for request: …`
    AuthorizerStarted { authorizer_id: String },
    /// `Successfully completed authorizer execution`
    AuthorizerSucceeded,
    /// `Unauthorized request: …` (the authorizer denied or could not
    /// authenticate).
    AuthorizerDenied,
    /// §5.2: `Execution failed due to configuration error: Authorizer error`,
    /// or a line naming `AuthorizerConfigurationException` (H13.6).
    AuthorizerConfigError(String),
    /// `Verifying Usage Plan for request: …`
    UsagePlanVerifying,
    /// `API Key … authorized because …` / `… not authorized because …`
    ApiKeyCheck { authorized: bool, detail: String },
    /// `Usage Plan check succeeded …` / `Usage Plan check failed …`
    UsagePlanCheck { ok: bool, detail: String },
    /// `Endpoint request URI: …`
    EndpointRequestUri(String),
    /// §5.2: `Sending request to https://…` (the integration or authorizer
    /// call is being made).
    SendingRequest(String),
    /// `Received response. Status: 200, Integration latency: 41 ms`
    ReceivedResponse {
        status: Option<u16>,
        latency_ms: Option<u64>,
    },
    /// §5.2: `Execution failed due to configuration error: Invalid
    /// permissions on Lambda function` (H15.1 / H13.6).
    InvalidLambdaPermissions,
    /// §5.2: `Execution failed due to configuration error: API Gateway does
    /// not have permission to assume the provided role <arn>` (H15.1c, H15.4,
    /// H13.6).
    CannotAssumeRole { role_arn: Option<String> },
    /// Another `Execution failed due to configuration error: …`.
    ConfigurationError(String),
    /// §5.2: `Execution failed due to a timeout error` (H15.2).
    Timeout,
    /// §5.2: `Malformed Lambda proxy response` (502).
    MalformedProxyResponse,
    /// `Lambda execution failed with status …` and other `Execution failed`
    /// lines.
    ExecutionFailed(String),
    /// `Successfully completed execution`
    Completed,
    /// §5.2: `Method completed with status: NNN`
    MethodCompleted { status: u16 },
    /// Any other message, unchanged.
    Other(String),
}

/// Why a line is not an execution-log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecError(pub &'static str);

/// Longest request id accepted between the parentheses.
const MAX_ID: usize = 128;

const CONFIG_ERROR: &str = "Execution failed due to configuration error: ";

/// Reads one execution-log line.
pub fn parse(line: &str) -> Result<ExecRecord, ExecError> {
    let line = line.trim_end_matches(['\n', '\r']);
    let Some(rest) = line.strip_prefix('(') else {
        return Err(ExecError("no (request id) at the start of the line"));
    };
    let Some(close) = rest.bytes().take(MAX_ID + 1).position(|b| b == b')') else {
        return Err(ExecError("no closing parenthesis after the request id"));
    };
    let id = &rest[..close];
    if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ExecError("the request id is empty or holds blanks"));
    }
    let msg = rest[close + 1..]
        .strip_prefix(' ')
        .unwrap_or(&rest[close + 1..]);
    Ok(ExecRecord {
        request_id: id.to_string(),
        event: classify(msg),
    })
}

/// Recognises one message (the text after the request id).
pub fn classify(msg: &str) -> ExecEvent {
    use ExecEvent as E;
    let m = msg.trim();
    if let Some(v) = m.strip_prefix("Extended Request Id: ") {
        return E::ExtendedRequestId(v.trim().to_string());
    }
    if m.starts_with("Starting execution for request:") {
        return E::Starting;
    }
    if let Some(v) = m.strip_prefix("HTTP Method: ") {
        if let Some((method, path)) = v.split_once(", Resource Path: ") {
            return E::Method {
                method: method.trim().to_string(),
                resource_path: path.trim().to_string(),
            };
        }
    }
    if let Some(v) = m.strip_prefix("Starting authorizer: ") {
        let id = v.split(" for request").next().unwrap_or(v).trim();
        return E::AuthorizerStarted {
            authorizer_id: id.to_string(),
        };
    }
    if m.starts_with("Successfully completed authorizer execution") {
        return E::AuthorizerSucceeded;
    }
    if m.starts_with("Unauthorized request:") {
        return E::AuthorizerDenied;
    }
    if m.starts_with("Verifying Usage Plan for request:") {
        return E::UsagePlanVerifying;
    }
    if let Some(v) = m.strip_prefix("Usage Plan check succeeded") {
        return E::UsagePlanCheck {
            ok: true,
            detail: v.trim().to_string(),
        };
    }
    if let Some(v) = m.strip_prefix("Usage Plan check failed") {
        return E::UsagePlanCheck {
            ok: false,
            detail: v.trim().to_string(),
        };
    }
    if m.starts_with("API Key ") {
        if m.contains(" not authorized because ") {
            return E::ApiKeyCheck {
                authorized: false,
                detail: m.to_string(),
            };
        }
        if m.contains(" authorized because ") {
            return E::ApiKeyCheck {
                authorized: true,
                detail: m.to_string(),
            };
        }
    }
    if let Some(v) = m.strip_prefix("Endpoint request URI: ") {
        return E::EndpointRequestUri(v.trim().to_string());
    }
    if let Some(v) = m.strip_prefix("Sending request to ") {
        return E::SendingRequest(v.trim().to_string());
    }
    if let Some(v) = m.strip_prefix("Received response.") {
        return E::ReceivedResponse {
            status: number_after(v, "Status: "),
            latency_ms: number_after(v, "Integration latency: "),
        };
    }
    if let Some(v) = m.strip_prefix("Method completed with status: ") {
        if let Some(status) = leading_number(v) {
            return E::MethodCompleted { status };
        }
    }
    if m.starts_with("Successfully completed execution") {
        return E::Completed;
    }
    if let Some(v) = m.strip_prefix(CONFIG_ERROR) {
        if v.starts_with("Invalid permissions on Lambda function") {
            return E::InvalidLambdaPermissions;
        }
        if let Some(arn) =
            v.strip_prefix("API Gateway does not have permission to assume the provided role")
        {
            let arn = arn.split_whitespace().next().map(str::to_string);
            return E::CannotAssumeRole { role_arn: arn };
        }
        if v.starts_with("Authorizer error") {
            return E::AuthorizerConfigError(v.to_string());
        }
        if v.contains("Malformed Lambda proxy response") {
            return E::MalformedProxyResponse;
        }
        return E::ConfigurationError(v.to_string());
    }
    if m.contains("AuthorizerConfigurationException") {
        return E::AuthorizerConfigError(m.to_string());
    }
    if m.starts_with("Execution failed due to a timeout error") {
        return E::Timeout;
    }
    if m.contains("Malformed Lambda proxy response") {
        return E::MalformedProxyResponse;
    }
    if m.starts_with("Execution failed") || m.starts_with("Lambda execution failed") {
        return E::ExecutionFailed(m.to_string());
    }
    E::Other(msg.to_string())
}

/// The number right after `key` in `s` (`Status: 200,` → 200).
fn number_after<T: std::str::FromStr>(s: &str, key: &str) -> Option<T> {
    let i = s.find(key)?;
    leading_number(&s[i + key.len()..])
}

fn leading_number<T: std::str::FromStr>(s: &str) -> Option<T> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s[..end].parse().ok()
}

impl ExecEvent {
    /// The rulebook check a signature line points at, if it is one.
    pub fn check(&self) -> Option<&'static str> {
        match self {
            ExecEvent::InvalidLambdaPermissions => Some("H15.1"),
            ExecEvent::CannotAssumeRole { .. } => Some("H15.4"),
            ExecEvent::AuthorizerConfigError(_) => Some("H13.6"),
            ExecEvent::Timeout => Some("H15.2"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "c4bd1e76-52a1-4f36-9d5a-6f1a2b3c4d5e";

    fn ev(msg: &str) -> ExecEvent {
        let r = parse(&format!("({ID}) {msg}")).unwrap();
        assert_eq!(r.request_id, ID);
        r.event
    }

    #[test]
    fn the_rulebook_signature_lines() {
        assert_eq!(
            ev("Execution failed due to configuration error: Invalid permissions on Lambda function"),
            ExecEvent::InvalidLambdaPermissions
        );
        assert_eq!(
            ev("Execution failed due to configuration error: API Gateway does not have permission to assume the provided role arn:aws:iam::111122223333:role/apigw-invoke"),
            ExecEvent::CannotAssumeRole {
                role_arn: Some("arn:aws:iam::111122223333:role/apigw-invoke".into())
            }
        );
        assert!(matches!(
            ev("Execution failed due to configuration error: Authorizer error"),
            ExecEvent::AuthorizerConfigError(_)
        ));
        assert!(matches!(
            ev("AuthorizerConfigurationException"),
            ExecEvent::AuthorizerConfigError(_)
        ));
        assert_eq!(
            ev("Execution failed due to a timeout error"),
            ExecEvent::Timeout
        );
        assert_eq!(
            ev("Execution failed due to configuration error: Malformed Lambda proxy response"),
            ExecEvent::MalformedProxyResponse
        );
        assert_eq!(
            ev("Method completed with status: 504"),
            ExecEvent::MethodCompleted { status: 504 }
        );
        assert_eq!(
            ev("Sending request to https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-east-1:111122223333:function:pets-api/invocations"),
            ExecEvent::SendingRequest("https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-east-1:111122223333:function:pets-api/invocations".into())
        );
        assert_eq!(ExecEvent::Timeout.check(), Some("H15.2"));
        assert_eq!(ExecEvent::InvalidLambdaPermissions.check(), Some("H15.1"));
    }

    #[test]
    fn the_steps_of_a_request() {
        assert_eq!(
            ev("Extended Request Id: cQ2xFgK="),
            ExecEvent::ExtendedRequestId("cQ2xFgK=".into())
        );
        assert_eq!(
            ev(&format!("Starting execution for request: {ID}")),
            ExecEvent::Starting
        );
        assert_eq!(
            ev("HTTP Method: GET, Resource Path: /pets/42"),
            ExecEvent::Method {
                method: "GET".into(),
                resource_path: "/pets/42".into()
            }
        );
        assert_eq!(
            ev(&format!("Starting authorizer: 62mgrc for request: {ID}")),
            ExecEvent::AuthorizerStarted {
                authorizer_id: "62mgrc".into()
            }
        );
        assert_eq!(
            ev("Successfully completed authorizer execution"),
            ExecEvent::AuthorizerSucceeded
        );
        assert_eq!(
            ev(&format!("Unauthorized request: {ID}")),
            ExecEvent::AuthorizerDenied
        );
        assert_eq!(
            ev(&format!(
                "Verifying Usage Plan for request: {ID}. API Key: API Stage: a1b2c3d4e5/prod"
            )),
            ExecEvent::UsagePlanVerifying
        );
        assert!(matches!(
            ev("API Key authorized because method 'GET /' does not require API Key. Request will not contribute to throttle or quota limits"),
            ExecEvent::ApiKeyCheck { authorized: true, .. }
        ));
        assert!(matches!(
            ev("API Key **********abcd not authorized because method 'GET /orders' requires API Key and API Key is not associated with a Usage Plan for API Stage k7l8m9n0p1/v1: API Key not associated"),
            ExecEvent::ApiKeyCheck { authorized: false, .. }
        ));
        assert!(matches!(
            ev("Usage Plan check succeeded for API Key and API Stage a1b2c3d4e5/prod"),
            ExecEvent::UsagePlanCheck { ok: true, .. }
        ));
        assert!(matches!(
            ev("Usage Plan check failed due to an internal error"),
            ExecEvent::UsagePlanCheck { ok: false, .. }
        ));
        assert_eq!(
            ev("Received response. Status: 200, Integration latency: 41 ms"),
            ExecEvent::ReceivedResponse {
                status: Some(200),
                latency_ms: Some(41)
            }
        );
        assert_eq!(ev("Successfully completed execution"), ExecEvent::Completed);
        assert!(matches!(
            ev("Lambda execution failed with status 200 due to customer function error: boom"),
            ExecEvent::ExecutionFailed(_)
        ));
        assert_eq!(
            ev("Method request path: {}"),
            ExecEvent::Other("Method request path: {}".into())
        );
    }

    #[test]
    fn odd_lines() {
        assert!(parse("").is_err());
        assert!(parse("no id here").is_err());
        assert!(parse("(unterminated").is_err());
        assert!(parse("() empty id").is_err());
        assert!(parse("(two words) x").is_err());
        assert!(parse(&format!("({}) long", "a".repeat(500))).is_err());
        // An id with nothing after it, and a message with control characters.
        assert_eq!(
            parse(&format!("({ID})")).unwrap().event,
            ExecEvent::Other(String::new())
        );
        let r = parse(&format!("({ID}) Method completed with status: \u{1b}[31m")).unwrap();
        assert!(matches!(r.event, ExecEvent::Other(_)));
        // A multi-line event keeps its body.
        let r = parse(&format!(
            "({ID}) Endpoint response body before transformations: {{\n\"a\":1}}\r\n"
        ))
        .unwrap();
        assert!(matches!(r.event, ExecEvent::Other(ref s) if s.contains("\"a\":1")));
        // A huge status number is not a status.
        assert!(matches!(
            ev("Method completed with status: 99999999"),
            ExecEvent::Other(_)
        ));
    }
}
