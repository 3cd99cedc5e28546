//! The request a trace follows: what the instance would send, curl-style.

use serde::Serialize;

pub mod target;

/// How the request authenticates, as far as the tool can tell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    None,
    /// Signed with the instance profile's role (SigV4).
    Sigv4,
    /// Any other `Authorization` content (a bearer token for an authorizer, Basic, ...).
    Bearer,
}

impl Auth {
    pub fn as_str(&self) -> &'static str {
        match self {
            Auth::None => "none",
            Auth::Sigv4 => "sigv4",
            Auth::Bearer => "bearer",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TlsVersion {
    #[serde(rename = "1.2")]
    V1_2,
    #[serde(rename = "1.3")]
    V1_3,
}

impl TlsVersion {
    pub fn parse(s: &str) -> Result<TlsVersion, RequestError> {
        match s.trim() {
            "1.2" | "TLSv1.2" | "tls1.2" => Ok(TlsVersion::V1_2),
            "1.3" | "TLSv1.3" | "tls1.3" => Ok(TlsVersion::V1_3),
            other => Err(RequestError::Tls(other.to_string())),
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            TlsVersion::V1_2 => "1.2",
            TlsVersion::V1_3 => "1.3",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestError {
    #[error("invalid URL {0:?}: {1}")]
    Url(String, String),
    #[error("URL {0:?} is not https: private APIs are served over HTTPS only")]
    NotHttps(String),
    #[error("malformed header {0:?}: expected 'Name: value'")]
    Header(String),
    #[error("header {0:?} has a control character in its value, which HTTP does not allow")]
    HeaderValue(String),
    #[error("invalid method {0:?}: expected a token such as GET or POST")]
    Method(String),
    #[error("invalid TLS version {0:?}: expected 1.2 or 1.3")]
    Tls(String),
}

#[derive(Debug, Clone)]
pub struct Request {
    pub from: String,
    pub method: String,
    pub url: String,
    /// Lower-cased host from the URL, without a trailing dot.
    pub host: String,
    pub port: u16,
    /// The path as sent (percent-encoded), always starting with `/`.
    pub path: String,
    /// Headers in the order given; names keep the user's spelling.
    pub headers: Vec<(String, String)>,
    pub auth: Auth,
    pub tls: TlsVersion,
}

impl Request {
    pub fn new(
        from: &str,
        method: &str,
        url: &str,
        raw_headers: &[String],
        sigv4: bool,
        tls: TlsVersion,
    ) -> Result<Request, RequestError> {
        let method = method.trim();
        if method.is_empty() || !method.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(RequestError::Method(method.to_string()));
        }
        let parsed =
            url::Url::parse(url).map_err(|e| RequestError::Url(url.to_string(), e.to_string()))?;
        if parsed.scheme() != "https" {
            return Err(RequestError::NotHttps(url.to_string()));
        }
        let host = parsed
            .host_str()
            .ok_or_else(|| RequestError::Url(url.to_string(), "no host".into()))?
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let mut headers = Vec::new();
        for h in raw_headers {
            let (name, value) = h
                .split_once(':')
                .ok_or_else(|| RequestError::Header(h.clone()))?;
            let name = name.trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_graphic() && c != ':') {
                return Err(RequestError::Header(h.clone()));
            }
            if value.chars().any(|c| c.is_control() && c != '\t') {
                return Err(RequestError::HeaderValue(h.clone()));
            }
            headers.push((name.to_string(), value.trim().to_string()));
        }
        let mut req = Request {
            from: from.to_string(),
            method: method.to_ascii_uppercase(),
            url: url.to_string(),
            host,
            port: parsed.port().unwrap_or(443),
            path: parsed.path().to_string(),
            headers,
            auth: Auth::None,
            tls,
        };
        req.auth = if sigv4 {
            Auth::Sigv4
        } else {
            match req.header("authorization") {
                Some(v)
                    if v.starts_with("AWS4-HMAC-SHA256")
                        || v.starts_with("AWS4-ECDSA-P256-SHA256") =>
                {
                    Auth::Sigv4
                }
                Some(_) => Auth::Bearer,
                None => Auth::None,
            }
        };
        Ok(req)
    }

    /// The last value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
