//! Which URL form the request uses (rulebook §1.1) and what it names.

use super::Request;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `{api-id}.execute-api.{region}.amazonaws.com` (private DNS).
    A,
    /// `execute-api.{region}.amazonaws.com` with `x-apigw-api-id`.
    APrime,
    /// `{api-id}-{vpce-id}.execute-api.{region}.amazonaws.com` (Route 53 alias).
    B,
    /// The endpoint's DNS name with `Host: {api-id}.execute-api...`.
    C,
    /// The endpoint's DNS name with `x-apigw-api-id`.
    CPrime,
    /// A private custom domain name.
    D,
    /// The endpoint's DNS name with `Host: {custom-domain}`.
    DPrime,
}

impl Form {
    pub fn label(&self) -> &'static str {
        match self {
            Form::A => "A (private DNS name)",
            Form::APrime => "A' (execute-api service name + x-apigw-api-id)",
            Form::B => "B (endpoint-specific Route 53 alias)",
            Form::C => "C (endpoint DNS name + Host header)",
            Form::CPrime => "C' (endpoint DNS name + x-apigw-api-id)",
            Form::D => "D (private custom domain)",
            Form::DPrime => "D' (endpoint DNS name + Host: custom domain)",
        }
    }
    /// Forms whose host is the endpoint's own DNS name.
    pub fn uses_vpce_name(&self) -> bool {
        matches!(self, Form::C | Form::CPrime | Form::DPrime)
    }
    pub fn is_custom_domain(&self) -> bool {
        matches!(self, Form::D | Form::DPrime)
    }
}

#[derive(Debug, Clone)]
pub struct Target {
    pub form: Form,
    pub api_id: Option<String>,
    /// Where the API id came from (`host`, `Host header`, `x-apigw-api-id`).
    pub api_id_source: &'static str,
    /// Region named by the execute-api host.
    pub region: Option<String>,
    /// Endpoint named by the host (forms B, C, C', D').
    pub vpce_id: Option<String>,
    /// Availability zone of a zonal endpoint DNS name.
    pub zone: Option<String>,
    pub custom_domain: Option<String>,
    /// First path segment: the stage (forms A–C') or the base path (D).
    pub first_segment: Option<String>,
    /// A `Host` header names another API than the URL's host (forms A, A', B):
    /// API Gateway selects by Host while TLS SNI carries the URL's host.
    pub sni_mismatch: bool,
    /// `x-apigw-api-id` names another API than the one chosen from the host
    /// or the `Host` header: (chosen, header). Which wins is not documented.
    pub conflicting_api_header: Option<(String, String)>,
}

fn is_api_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 16
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// Split `{label}.execute-api.{region}.amazonaws.com[.cn]` into (label, region).
/// The label is empty for the bare service name.
fn split_execute_api(host: &str) -> Option<(String, String)> {
    let rest = host
        .strip_suffix(".amazonaws.com")
        .or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    let (before, region) = rest.rsplit_once('.')?;
    if before == "execute-api" {
        return Some((String::new(), region.to_string()));
    }
    let label = before.strip_suffix(".execute-api")?;
    if label.contains('.') {
        return None;
    }
    Some((label.to_string(), region.to_string()))
}

/// `vpce-0abc-xyz[-az].execute-api.{region}.vpce.amazonaws.com` → (vpce id, region, zone).
fn split_vpce_name(host: &str) -> Option<(String, String, Option<String>)> {
    let rest = host
        .strip_suffix(".vpce.amazonaws.com")
        .or_else(|| host.strip_suffix(".vpce.amazonaws.com.cn"))?;
    let (first, tail) = rest.split_once('.')?;
    let (svc, region) = tail.rsplit_once('.')?;
    if svc != "execute-api" {
        return None;
    }
    let parts: Vec<&str> = first.split('-').collect();
    if parts.len() < 3 || parts[0] != "vpce" {
        return None;
    }
    let vpce = format!("vpce-{}", parts[1]);
    let zone = if parts.len() > 3 {
        Some(parts[3..].join("-"))
    } else {
        None
    };
    Some((vpce, region.to_string(), zone))
}

impl Target {
    pub fn classify(req: &Request) -> Target {
        let first_segment = req
            .path
            .trim_start_matches('/')
            .split('/')
            .next()
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let mut t = Target {
            form: Form::D,
            api_id: None,
            api_id_source: "",
            region: None,
            vpce_id: None,
            zone: None,
            custom_domain: None,
            first_segment,
            sni_mismatch: false,
            conflicting_api_header: None,
        };
        let host_header = req.header("host").map(|h| {
            h.split(':')
                .next()
                .unwrap_or(h)
                .trim_end_matches('.')
                .to_ascii_lowercase()
        });
        let api_header = req.header("x-apigw-api-id").map(|s| s.trim().to_string());

        if let Some((vpce, region, zone)) = split_vpce_name(&req.host) {
            t.vpce_id = Some(vpce);
            t.region = Some(region);
            t.zone = zone;
            match host_header.as_deref().filter(|h| *h != req.host) {
                Some(h) => match split_execute_api(h) {
                    Some((label, region)) if is_api_id(&label) => {
                        t.form = Form::C;
                        t.api_id = Some(label);
                        t.api_id_source = "Host header";
                        t.region = Some(region);
                    }
                    Some(_) => {
                        // Host is the bare service name: the header names the API.
                        match api_header.clone() {
                            Some(id) => {
                                t.form = Form::CPrime;
                                t.api_id = Some(id);
                                t.api_id_source = "x-apigw-api-id header";
                            }
                            None => t.form = Form::C,
                        }
                    }
                    None => {
                        t.form = Form::DPrime;
                        t.custom_domain = Some(h.to_string());
                    }
                },
                None => {
                    t.form = Form::CPrime;
                    if let Some(id) = api_header.clone() {
                        t.api_id = Some(id);
                        t.api_id_source = "x-apigw-api-id header";
                    } else {
                        t.form = Form::C;
                    }
                }
            }
            return t.with_api_header(api_header);
        }
        if let Some((label, region)) = split_execute_api(&req.host) {
            t.region = Some(region);
            if label.is_empty() {
                t.form = Form::APrime;
                if let Some(id) = api_header.clone() {
                    t.api_id = Some(id);
                    t.api_id_source = "x-apigw-api-id header";
                }
            } else if let Some((api, vpce)) = label.split_once("-vpce-") {
                t.form = Form::B;
                t.api_id = Some(api.to_string());
                t.api_id_source = "host";
                t.vpce_id = Some(format!("vpce-{vpce}"));
            } else {
                t.form = Form::A;
                t.api_id = Some(label);
                t.api_id_source = "host";
            }
            // A Host header naming another API decides which API answers.
            if let Some((label, _)) = host_header
                .as_deref()
                .filter(|h| *h != req.host)
                .and_then(split_execute_api)
            {
                let named = label
                    .split_once("-vpce-")
                    .map(|(a, _)| a.to_string())
                    .unwrap_or(label);
                if is_api_id(&named) && t.api_id.as_deref() != Some(named.as_str()) {
                    t.api_id = Some(named);
                    t.api_id_source = "Host header";
                    t.sni_mismatch = true;
                }
            }
            return t.with_api_header(api_header);
        }
        t.form = Form::D;
        t.custom_domain = Some(req.host.clone());
        t
    }

    /// Notes an `x-apigw-api-id` header that disagrees with the API chosen
    /// from the host or the `Host` header.
    fn with_api_header(mut self, header: Option<String>) -> Target {
        if let (Some(h), Some(chosen)) = (header, self.api_id.as_deref()) {
            if !h.is_empty() && h != chosen {
                self.conflicting_api_header = Some((chosen.to_string(), h));
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::request::{Request, TlsVersion};

    fn req(url: &str, headers: &[&str]) -> Request {
        let h: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        Request::new("i-1", "GET", url, &h, false, TlsVersion::V1_2).unwrap()
    }

    #[test]
    fn forms() {
        let t = Target::classify(&req(
            "https://abc123defg.execute-api.us-east-1.amazonaws.com/prod/pets",
            &[],
        ));
        assert_eq!(
            (t.form, t.api_id.as_deref(), t.region.as_deref()),
            (Form::A, Some("abc123defg"), Some("us-east-1"))
        );
        assert_eq!(t.first_segment.as_deref(), Some("prod"));

        let t = Target::classify(&req(
            "https://execute-api.us-east-1.amazonaws.com/prod",
            &["x-apigw-api-id: abc123defg"],
        ));
        assert_eq!(
            (t.form, t.api_id.as_deref()),
            (Form::APrime, Some("abc123defg"))
        );

        let t = Target::classify(&req(
            "https://abc123defg-vpce-0123456789abcdef0.execute-api.us-east-1.amazonaws.com/prod",
            &[],
        ));
        assert_eq!(
            (t.form, t.vpce_id.as_deref()),
            (Form::B, Some("vpce-0123456789abcdef0"))
        );

        let vpce =
            "https://vpce-0123456789abcdef0-ab12cd34.execute-api.us-east-1.vpce.amazonaws.com/prod";
        let t = Target::classify(&req(
            vpce,
            &["Host: abc123defg.execute-api.us-east-1.amazonaws.com"],
        ));
        assert_eq!(
            (t.form, t.api_id.as_deref(), t.vpce_id.as_deref()),
            (Form::C, Some("abc123defg"), Some("vpce-0123456789abcdef0"))
        );
        let t = Target::classify(&req(vpce, &["x-apigw-api-id: abc123defg"]));
        assert_eq!(t.form, Form::CPrime);
        let t = Target::classify(&req(vpce, &[]));
        assert_eq!((t.form, t.api_id.as_deref()), (Form::C, None));
        let t = Target::classify(&req(vpce, &["Host: api.internal.example.com"]));
        assert_eq!(
            (t.form, t.custom_domain.as_deref()),
            (Form::DPrime, Some("api.internal.example.com"))
        );

        let zonal = "https://vpce-0123456789abcdef0-ab12cd34-us-east-1a.execute-api.us-east-1.vpce.amazonaws.com/prod";
        let t = Target::classify(&req(zonal, &["x-apigw-api-id: abc123defg"]));
        assert_eq!(t.zone.as_deref(), Some("us-east-1a"));

        let t = Target::classify(&req("https://api.internal.example.com/v1/pets", &[]));
        assert_eq!((t.form, t.first_segment.as_deref()), (Form::D, Some("v1")));
    }
}
