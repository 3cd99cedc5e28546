//! What the client sees when a trace blocks: the HTTP answer API Gateway
//! sends (status, `x-amzn-ErrorType`, message and gateway response type,
//! with the API's customised gateway responses applied; rulebook §5.3, §6),
//! or, for a block before API Gateway, the error the client's HTTP library
//! reports instead (DNS failure, connect timeout, TLS handshake failure).

use std::fmt;

use serde::Serialize;

use super::hop::{Hop, HopId, Verdict};
use crate::model::apigw::RestApi;
use crate::model::Snapshot;

/// Defines [`GatewayResponseType`] from one table: variant, the name API
/// Gateway uses, and the status it sends when not customised.
macro_rules! gateway_response_types {
    ($($variant:ident = $name:literal, $status:literal;)*) => {
        /// The gateway response types of rulebook §5.3 (the `GatewayResponseType`
        /// enum of the API Gateway model), with their default statuses.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum GatewayResponseType {
            $(#[serde(rename = $name)] $variant,)*
        }

        impl GatewayResponseType {
            pub const ALL: [GatewayResponseType; [$(stringify!($variant)),*].len()] =
                [$(GatewayResponseType::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(GatewayResponseType::$variant => $name,)*
                }
            }

            /// The status API Gateway sends when the response is not customised.
            pub fn default_status(self) -> u16 {
                match self {
                    $(GatewayResponseType::$variant => $status,)*
                }
            }
        }
    };
}

gateway_response_types! {
    AccessDenied = "ACCESS_DENIED", 403;
    ApiConfigurationError = "API_CONFIGURATION_ERROR", 500;
    AuthorizerConfigurationError = "AUTHORIZER_CONFIGURATION_ERROR", 500;
    AuthorizerFailure = "AUTHORIZER_FAILURE", 500;
    BadRequestParameters = "BAD_REQUEST_PARAMETERS", 400;
    BadRequestBody = "BAD_REQUEST_BODY", 400;
    ExpiredToken = "EXPIRED_TOKEN", 403;
    IntegrationFailure = "INTEGRATION_FAILURE", 504;
    IntegrationTimeout = "INTEGRATION_TIMEOUT", 504;
    InvalidApiKey = "INVALID_API_KEY", 403;
    InvalidSignature = "INVALID_SIGNATURE", 403;
    MissingAuthenticationToken = "MISSING_AUTHENTICATION_TOKEN", 403;
    QuotaExceeded = "QUOTA_EXCEEDED", 429;
    RequestTooLarge = "REQUEST_TOO_LARGE", 413;
    ResourceNotFound = "RESOURCE_NOT_FOUND", 404;
    Throttled = "THROTTLED", 429;
    Unauthorized = "UNAUTHORIZED", 401;
    UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE", 415;
    WafFiltered = "WAF_FILTERED", 403;
}

impl GatewayResponseType {
    /// `DEFAULT_4XX` or `DEFAULT_5XX`: the fallback a customisation of
    /// this type's class lives in.
    pub fn class_default(self) -> &'static str {
        if self.default_status() >= 500 {
            "DEFAULT_5XX"
        } else {
            "DEFAULT_4XX"
        }
    }
}

impl fmt::Display for GatewayResponseType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The predicted client-visible outcome of a blocked request.
///
/// An HTTP answer has a `status`; a block before API Gateway has none and
/// says in `client_error` what the client's HTTP library reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Response {
    pub status: Option<u16>,
    /// `x-amzn-ErrorType`.
    pub error_type: Option<String>,
    /// The `message` of the JSON body.
    pub message: Option<String>,
    /// The gateway response that produced the answer (§5.3), when documented.
    pub gateway_response: Option<GatewayResponseType>,
    /// What curl (or another client) reports when no HTTP answer comes
    /// back, or why the status of an HTTP answer cannot be given.
    pub client_error: Option<String>,
    /// Whether an HTTP answer comes back at all: `true` even when its status
    /// is not documented, `false` for a DNS, TCP or TLS failure, `null`
    /// when either may happen.
    pub http_answer: Option<bool>,
    /// Whether the request is written to the stage's access log: `false`
    /// before API Gateway has an API and stage for it, `null` when that is
    /// not documented.
    pub reaches_access_log: Option<bool>,
    /// The customised gateway response applied, in words; `null` when the
    /// API's default applies. When the API's gateway responses could not be
    /// read it says so (and which call failed): the status and body above
    /// are then the defaults, which the API may have changed.
    pub customised: Option<String>,
}

impl Response {
    /// An HTTP answer from API Gateway.
    pub fn http(
        status: u16,
        error_type: &str,
        message: impl Into<String>,
        gateway_response: Option<GatewayResponseType>,
    ) -> Response {
        Response {
            status: Some(status),
            error_type: Some(error_type.to_string()),
            message: Some(message.into()),
            gateway_response,
            client_error: None,
            http_answer: Some(true),
            reaches_access_log: Some(true),
            customised: None,
        }
    }

    /// No HTTP answer: the client's own error.
    pub fn client(client_error: impl Into<String>) -> Response {
        Response {
            status: None,
            error_type: None,
            message: None,
            gateway_response: None,
            client_error: Some(client_error.into()),
            http_answer: Some(false),
            reaches_access_log: Some(false),
            customised: None,
        }
    }

    /// An HTTP answer whose status is not documented: `why` says what is known.
    pub fn undocumented_status(why: impl Into<String>) -> Response {
        Response {
            http_answer: Some(true),
            ..Response::client(why)
        }
    }

    /// Sets whether the request reaches the access log.
    pub fn logged(mut self, reaches: Option<bool>) -> Response {
        self.reaches_access_log = reaches;
        self
    }

    /// `HTTP 403 AccessDeniedException: ...`, or the client error.
    pub fn symptom(&self) -> String {
        match self.status {
            Some(s) => {
                let mut out = format!("HTTP {s}");
                if let Some(t) = &self.error_type {
                    out.push_str(&format!(" {t}"));
                }
                if let Some(m) = &self.message {
                    out.push_str(&format!(": {m}"));
                }
                out
            }
            None => self.client_error.clone().unwrap_or_default(),
        }
    }

    /// The one line the CLI, the TUI and the export print after
    /// "client sees:".
    pub fn client_sees(&self) -> String {
        let mut s = match self.status {
            Some(st) => {
                let mut s = format!("HTTP {st}");
                if let Some(t) = &self.error_type {
                    s.push(' ');
                    s.push_str(t);
                }
                if let Some(m) = &self.message {
                    s.push_str(&format!(" {{\"message\":{m:?}}}"));
                }
                if let Some(g) = self.gateway_response {
                    s.push_str(&format!(" (gateway response {g})"));
                }
                s
            }
            None => self.client_error.clone().unwrap_or_default(),
        };
        match self.reaches_access_log {
            Some(true) => s.push_str("; written to the stage's access log"),
            Some(false) => s.push_str("; nothing in API Gateway's logs"),
            None => s.push_str("; whether the access log records it is not documented"),
        }
        s
    }

    /// Applies the API's customised gateway responses (rulebook §5.3): a
    /// response of this type, else the `DEFAULT_4XX`/`DEFAULT_5XX` of its
    /// class, may change the status and the body.
    pub fn customise(mut self, api: &RestApi) -> Response {
        let Some(t) = self.gateway_response else {
            return self;
        };
        // GetGatewayResponses lists every type; those API Gateway made
        // itself carry `defaultResponse: true` and change nothing.
        let customised = || {
            api.gateway_responses
                .iter()
                .filter(|g| g.default_response != Some(true))
        };
        let own = customised().find(|g| g.response_type.eq_ignore_ascii_case(t.as_str()));
        let class =
            || customised().find(|g| g.response_type.eq_ignore_ascii_case(t.class_default()));
        let Some(g) = own.or_else(class) else {
            return self;
        };
        let mut said = Vec::new();
        if let Some(code) = g.status_code.as_deref().and_then(|c| c.parse::<u16>().ok()) {
            if Some(code) != self.status {
                said.push(format!(
                    "status {} instead of {}",
                    code,
                    self.status.map(|s| s.to_string()).unwrap_or_default()
                ));
                self.status = Some(code);
            }
        }
        if let Some((media, _)) = g.response_templates.iter().next() {
            // The body is the template's rendering, not the default message.
            said.push(format!("body from its {media} template"));
            self.message = None;
        }
        if said.is_empty() {
            return self;
        }
        self.customised = Some(format!(
            "the API customises gateway response {}: {} (customisations take effect once deployed; the snapshot holds the live ones)",
            g.response_type,
            said.join(", ")
        ));
        self
    }

    /// As [`Response::customise`] when the API's gateway responses could
    /// not be read (`why`: the call and its error): the default answer is
    /// kept, but whether the API changes it is said to be unknown rather
    /// than left `null`, which would claim the default.
    pub fn customisation_unread(mut self, why: &str) -> Response {
        let Some(t) = self.gateway_response else {
            return self;
        };
        self.customised = Some(format!(
            "unknown: the API's gateway responses could not be read ({why}); a customised {t} or {} response would change the status and body above",
            t.class_default()
        ));
        self
    }
}

const GET_GATEWAY_RESPONSES: &str = "apigateway:GetGatewayResponses";

/// The response of a trace whose first block is `hop` (one of `hops`);
/// `api` is the API the request names, when it is in the snapshot.
pub(super) fn at_block(
    hop: &Hop,
    hops: &[Hop],
    api: Option<&RestApi>,
    snap: &Snapshot,
    host: &str,
    port: u16,
) -> Response {
    match (hop.response.as_deref(), api) {
        (Some(r), Some(api)) if api.unread.iter().any(|c| c == GET_GATEWAY_RESPONSES) => r
            .clone()
            .customisation_unread(&snap.why_unread(GET_GATEWAY_RESPONSES, &api.id)),
        (Some(r), Some(api)) => r.clone().customise(api),
        (Some(r), None) => r.clone(),
        (None, _) if hop.hop == HopId::Dns && resolves_publicly(hop) => {
            public_endpoint(hops, host, port)
        }
        (None, _) if hop.hop <= HopId::Endpoint => before_gateway(hop, host, port),
        // An HTTP answer whose status is not documented: say so.
        (None, _) => {
            // §5.1 says nothing is logged only where no API is identified.
            let logged = match hop.hop {
                HopId::EndpointPolicy | HopId::Api => None,
                _ => Some(true),
            };
            let text = match hop.symptom.as_deref() {
                Some(s) if s.contains("not documented") => s.to_string(),
                Some(s) => format!("{s} (the exact status is not documented)"),
                None => "an HTTP error from API Gateway whose status is not documented".into(),
            };
            Response::undocumented_status(text).logged(logged)
        }
    }
}

/// The symptoms of blocks before API Gateway. The hops record them and
/// [`before_gateway`] tells them apart by identity, not by their wording.
pub(super) const NO_ANSWER: &str = "Could not resolve host (no answer for the name)";
pub(super) const PUBLIC_ADDRESSES: &str = "the name resolves to public execute-api addresses: TCP connect timeout without an internet route; with NAT, HTTP 403 {\"message\":\"Forbidden\"} from the public endpoint";
pub(super) const TIMEOUT: &str =
    "TCP connect timeout (curl: Failed to connect ... Connection timed out)";
pub(super) const RETURN_DROP: &str = "TCP connect timeout or a hanging TLS handshake: the reply is dropped (flow log REJECT for the return packet)";

/// H2 blocked because the name resolves to public execute-api addresses.
fn resolves_publicly(hop: &Hop) -> bool {
    hop.symptom.as_deref() == Some(PUBLIC_ADDRESSES)
}

/// The request goes to the public execute-api endpoint: with a way out
/// (the route, egress and client NACL hops then evaluate that path) the
/// public endpoint answers 403 Forbidden, which no private API's log
/// records (rulebook H2.2, H3.5, §6); without one the connection times out.
fn public_endpoint(hops: &[Hop], host: &str, port: u16) -> Response {
    let path: Vec<Verdict> = hops
        .iter()
        .filter(|h| matches!(h.hop, HopId::Route | HopId::SgEgress | HopId::NaclClient))
        .map(|h| h.verdict)
        .collect();
    let timeout = format!("curl: (28) Failed to connect to {host} port {port}: Connection timed out (the name resolves to public execute-api addresses and the VPC has no way out to them)");
    // The route hop follows the public path (H3.5); the egress and NACL
    // hops are skipped for it unless they were evaluated.
    let route_out = hops
        .iter()
        .any(|h| h.hop == HopId::Route && h.verdict == Verdict::Allow);
    if path.contains(&Verdict::Deny) {
        Response::client(timeout)
    } else if route_out
        && path
            .iter()
            .all(|v| matches!(v, Verdict::Allow | Verdict::Skip))
    {
        crate::trace::resolve::forbidden()
    } else {
        Response {
            http_answer: None,
            ..Response::client(format!(
                "HTTP 403 {{\"message\":\"Forbidden\"}} from the public execute-api endpoint if the VPC reaches it, else {timeout}"
            ))
        }
    }
}

/// What the client sees when a hop before API Gateway (H1–H8) blocks and
/// the hop predicted no HTTP answer.
fn before_gateway(hop: &Hop, host: &str, port: u16) -> Response {
    let timeout =
        format!("curl: (28) Failed to connect to {host} port {port}: Connection timed out");
    let text = match hop.hop {
        HopId::Instance => "no request is sent: the instance is not running".to_string(),
        HopId::Dns if hop.symptom.as_deref() == Some(NO_ANSWER) => {
            format!("curl: (6) Could not resolve host: {host}")
        }
        HopId::Dns => format!(
            "{timeout} (the name does not lead to an execute-api endpoint of this VPC: {})",
            hop.symptom.as_deref().unwrap_or("see the dns hop")
        ),
        HopId::Route | HopId::SgEgress | HopId::NaclClient | HopId::NaclEndpoint | HopId::SgEndpoint => {
            if hop.symptom.as_deref() == Some(RETURN_DROP) {
                format!("{timeout} (the reply is dropped on its way back)")
            } else {
                timeout
            }
        }
        HopId::Endpoint => match hop.check {
            "H8.3" | "H8.7" => format!(
                "curl: (35) TLS connect error: the TLS handshake with {host} fails (alert handshake failure)"
            ),
            // An answer from API Gateway whose wording, and whether the
            // API's access log records it, are not documented (§7.9).
            "H8.4" => {
                return Response::undocumented_status(
                    "refused by API Gateway; the exact error is not documented (expect HTTP 403)",
                )
                .logged(None)
            }
            _ => format!(
                "{timeout}, or curl: (7) Failed to connect to {host} port {port}: Connection refused (the endpoint is not serving)"
            ),
        },
        _ => hop.symptom.clone().unwrap_or_default(),
    };
    Response::client(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::apigw::GatewayResponse;

    #[test]
    fn every_type_has_a_name_and_status() {
        for t in GatewayResponseType::ALL {
            let json = serde_json::to_value(t).unwrap();
            assert_eq!(json, t.as_str());
            assert!((400..600).contains(&t.default_status()));
        }
    }

    fn api(g: &[(&str, Option<&str>, bool)]) -> RestApi {
        RestApi {
            id: "a".into(),
            gateway_responses: g
                .iter()
                .map(|(t, s, tpl)| GatewayResponse {
                    response_type: t.to_string(),
                    status_code: s.map(str::to_string),
                    response_templates: if *tpl {
                        [("application/json".to_string(), "{}".to_string())].into()
                    } else {
                        Default::default()
                    },
                    default_response: None,
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn customisations_apply_by_type_then_by_class() {
        let r = || {
            Response::http(
                403,
                "AccessDeniedException",
                "m",
                Some(GatewayResponseType::AccessDenied),
            )
        };
        let own = r().customise(&api(&[("ACCESS_DENIED", Some("404"), false)]));
        assert_eq!(own.status, Some(404));
        assert!(own.customised.unwrap().contains("ACCESS_DENIED"));
        let class = r().customise(&api(&[("DEFAULT_4XX", None, true)]));
        assert_eq!(class.status, Some(403));
        assert!(class.customised.unwrap().contains("DEFAULT_4XX"));
        // A 5xx fallback does not touch a 4xx answer.
        let other = r().customise(&api(&[("DEFAULT_5XX", Some("503"), true)]));
        assert_eq!(other, r());
        // The type's own customisation wins over the class's.
        let both = r().customise(&api(&[
            ("DEFAULT_4XX", Some("400"), false),
            ("ACCESS_DENIED", Some("401"), false),
        ]));
        assert_eq!(both.status, Some(401));
        // Responses API Gateway generated itself change nothing.
        let mut generated = api(&[("ACCESS_DENIED", Some("404"), false)]);
        generated.gateway_responses[0].default_response = Some(true);
        assert_eq!(r().customise(&generated), r());
        // No gateway response type: nothing to customise.
        let plain = Response::http(403, "ForbiddenException", "Forbidden", None);
        assert_eq!(
            plain
                .clone()
                .customise(&api(&[("DEFAULT_4XX", Some("400"), true)])),
            plain
        );
    }

    #[test]
    fn unread_gateway_responses_leave_the_customisation_unknown() {
        let r = Response::http(
            403,
            "AccessDeniedException",
            "m",
            Some(GatewayResponseType::AccessDenied),
        );
        let why = "apigateway:GetGatewayResponses a failed: ThrottlingException: Rate exceeded";
        let got = r.clone().customisation_unread(why);
        // The default is still what is predicted, but not claimed as such.
        assert_eq!(got.status, Some(403));
        let said = got
            .customised
            .expect("the customisation is said to be unknown");
        assert!(said.starts_with("unknown"), "{said}");
        assert!(said.contains(why), "{said}");
        assert!(said.contains("ACCESS_DENIED or DEFAULT_4XX"), "{said}");
        // An answer no gateway response produces cannot be customised.
        let plain = Response::http(403, "ForbiddenException", "Forbidden", None);
        assert_eq!(plain.clone().customisation_unread(why), plain);
    }

    #[test]
    fn client_errors_have_no_status() {
        let r = Response::client("curl: (6) Could not resolve host: x");
        let v = serde_json::to_value(&r).unwrap();
        assert!(v["status"].is_null());
        assert_eq!(v["reaches_access_log"], false);
        assert!(r.client_sees().contains("nothing in API Gateway's logs"));
    }
}
