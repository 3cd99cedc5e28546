//! H8: the endpoint itself: state, service and region, TLS version against the
//! security policy, endpoint access mode, certificate name, IP family, mTLS.

use crate::trace::ctx::Ctx;
use crate::trace::ctx::{endpoint_state_verdict, Gate, PUBLIC};
use crate::trace::evidence::{Deciding, ResourceKind as K, ResourceRef};
use crate::trace::hop::{Hop, HopId, Verdict};
use crate::trace::request::TlsVersion;
use crate::trace::target::Form;

use super::h02_dns::execute_api_service;

/// Which TLS versions a security policy accepts on a private endpoint.
/// `None` when the policy name is not one the rulebook describes.
fn accepted_tls(policy: Option<&str>) -> Option<(&'static [TlsVersion], String)> {
    const ONLY_12: &[TlsVersion] = &[TlsVersion::V1_2];
    const ONLY_13: &[TlsVersion] = &[TlsVersion::V1_3];
    const BOTH: &[TlsVersion] = &[TlsVersion::V1_2, TlsVersion::V1_3];
    match policy {
        None | Some("TLS_1_0") | Some("TLS_1_2") => Some((
            ONLY_12,
            format!(
                "private APIs with the legacy security policy {} accept only TLS 1.2",
                policy.unwrap_or("(default)")
            ),
        )),
        Some(p) if p.starts_with("SecurityPolicy_TLS13_1_3") => {
            Some((ONLY_13, format!("{p} accepts TLS 1.3 only")))
        }
        Some(p) if p.starts_with("SecurityPolicy_TLS13_1_2") => {
            Some((BOTH, format!("{p} accepts TLS 1.2 and TLS 1.3")))
        }
        _ => None,
    }
}

/// Whose security policy applies: the private custom domain's (forms D,
/// D') or the API's.
struct Owner {
    /// `domain api.example.com` or `API abc`, as the reasons name it.
    label: String,
    /// `apigateway:GetDomainName x` or `apigateway:GetRestApi abc`.
    call: Deciding,
    resource: ResourceRef,
}

impl Owner {
    fn domain(name: &str) -> Owner {
        Owner {
            label: format!("domain {name}"),
            call: Deciding::field("apigateway:GetDomainName", name, ""),
            resource: ResourceRef::new(K::DomainName, name),
        }
    }
    fn api(id: &str) -> Owner {
        Owner {
            label: format!("API {id}"),
            call: Deciding::field("apigateway:GetRestApi", id, ""),
            resource: ResourceRef::new(K::RestApi, id),
        }
    }
    /// `{call} endpointAccessMode={v}`
    fn access_mode(&self, v: &str) -> Deciding {
        self.call
            .clone()
            .with_subpath("endpointAccessMode")
            .with_value(v)
    }
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label)
    }
}

/// One problem with the endpoint, as a result for this hop.
fn finding(
    verdict: Verdict,
    check: &'static str,
    reason: String,
    deciding: impl Into<Deciding>,
    symptom: Option<String>,
) -> Hop {
    let h = Hop::new(HopId::Endpoint, verdict, check, reason).deciding(deciding);
    match symptom {
        Some(s) => h.symptom(s),
        None => h,
    }
}

pub(super) fn evaluate(ctx: &Ctx) -> Hop {
    let ep = match ctx.gate() {
        Gate::Endpoint(ep) => ep,
        Gate::Failed(why) => {
            return Hop::new(
                HopId::Endpoint,
                Verdict::Skip,
                "",
                format!("not evaluable: {why}"),
            )
        }
        Gate::Public => return Hop::new(HopId::Endpoint, Verdict::Skip, "", PUBLIC),
        Gate::Unknown(why) => {
            return Hop::new(
                HopId::Endpoint,
                Verdict::Unknown,
                "H8",
                format!("destination unknown: {why}"),
            )
        }
    };
    let id = &ep.vpc_endpoint_id;
    let mut hop = Hop::new(HopId::Endpoint, Verdict::Allow, "H8.1", "").read(K::VpcEndpoint, id);
    // Each problem found, as a result for this hop; the worst one decides.
    let mut findings: Vec<Hop> = Vec::new();
    let handshake =
        "TLS handshake failure (no HTTP status; nothing in API Gateway logs)".to_string();

    // H8.1 state
    if let Some(v) = endpoint_state_verdict(ep) {
        findings.push(finding(
            v,
            "H8.1",
            format!("{id} is {}, not available", ep.state),
            Deciding::field(
                "ec2:DescribeVpcEndpoints",
                id,
                format!("State={}", ep.state),
            ),
            Some("TCP connect timeout or connection refused".into()),
        ));
    }
    // H8.2 service and region
    let want = execute_api_service(&ctx.region);
    if ep.service_name != want {
        findings.push(finding(
            Verdict::Deny,
            "H8.2",
            format!("{id} serves {}, not {want}", ep.service_name),
            Deciding::field(
                "ec2:DescribeVpcEndpoints",
                id,
                format!("ServiceName={}", ep.service_name),
            ),
            Some("the request reaches the wrong service: TLS or HTTP errors".into()),
        ));
    }
    if !ep.vpc_endpoint_type.eq_ignore_ascii_case("Interface") {
        findings.push(finding(
            Verdict::Deny,
            "H8.2",
            format!(
                "{id} is a {} endpoint; execute-api needs an Interface endpoint",
                ep.vpc_endpoint_type
            ),
            Deciding::field(
                "ec2:DescribeVpcEndpoints",
                id,
                format!("VpcEndpointType={}", ep.vpc_endpoint_type),
            ),
            None,
        ));
    }
    if ctx.req.port != 443 {
        findings.push(finding(
            Verdict::Unknown,
            "H8",
            format!(
                "the URL uses port {}; execute-api endpoints serve HTTPS on 443",
                ctx.req.port
            ),
            format!("request URL port {}", ctx.req.port),
            None,
        ));
    }

    // H8.3 TLS: the security policy of the custom domain (forms D, D') or of the API.
    let t = &ctx.target;
    let tls = ctx.req.tls;
    let (policy_owner, policy, access_mode, mtls) = if t.form.is_custom_domain() {
        let domain = t.custom_domain.clone().unwrap_or_default();
        let d = ctx.world.domain_names(&domain).find(|d| d.is_private());
        match d {
            Some(d) => (
                Some(Owner::domain(&d.domain_name)),
                Some(
                    d.security_policy
                        .clone()
                        .unwrap_or_else(|| "TLS_1_2".into()),
                ),
                d.endpoint_access_mode.clone(),
                d.mutual_tls_authentication
                    .as_ref()
                    .and_then(|m| m.truststore_uri.clone()),
            ),
            None => (None, None, None, None),
        }
    } else {
        match ctx.api() {
            Some(api) => (
                Some(Owner::api(&api.id)),
                api.security_policy.clone(),
                api.endpoint_access_mode.clone(),
                None,
            ),
            None => (None, None, None, None),
        }
    };
    match &policy_owner {
        None => {
            let what = if t.form.is_custom_domain() {
                format!(
                    "private domain {}",
                    t.custom_domain.as_deref().unwrap_or("?")
                )
            } else {
                match &t.api_id {
                    Some(a) => format!("API {a}"),
                    None => "the API (not named by the request)".into(),
                }
            };
            findings.push(finding(
                Verdict::Unknown,
                "H8.3",
                format!("the security policy of {what} is not in the snapshot, so TLS {} cannot be checked", tls.as_str()),
                "apigateway:GetRestApi securityPolicy (not captured)",
                None,
            ));
        }
        Some(owner) => {
            hop.add_resource(owner.resource.clone());
            let unset = if t.form.is_custom_domain() {
                "TLS_1_2"
            } else {
                "(unset)"
            };
            let field = owner
                .call
                .clone()
                .with_subpath("securityPolicy")
                .with_value(policy.as_deref().unwrap_or(unset));
            match accepted_tls(policy.as_deref()) {
                Some((ok, why)) => {
                    if !ok.contains(&tls) {
                        findings.push(finding(
                            Verdict::Deny,
                            "H8.3",
                            format!("TLS {} rejected: {why}", tls.as_str()),
                            field,
                            Some(handshake.clone()),
                        ));
                    } else {
                        hop = hop.note(format!("TLS {} accepted: {why}", tls.as_str()));
                    }
                }
                None => findings.push(finding(
                    Verdict::Unknown,
                    "H8.3",
                    format!(
                        "security policy {} of {owner} is not one whose TLS versions are documented for private endpoints",
                        policy.as_deref().unwrap_or("?")
                    ),
                    field,
                    None,
                )),
            }
            // H8.4 endpoint access mode.
            let enhanced = policy
                .as_deref()
                .is_some_and(|p| p.starts_with("SecurityPolicy_"));
            if enhanced {
                let mode = access_mode.as_deref().map(str::to_ascii_uppercase);
                match mode.as_deref() {
                    None if t.form == Form::A => hop = hop.note(format!(
                        "{owner} uses an enhanced security policy without endpointAccessMode, which API Gateway requires"
                    )),
                    None => findings.push(finding(
                        Verdict::Unknown,
                        "H8.4",
                        format!(
                            "{owner} uses {} but its endpointAccessMode was not captured; form {} passes only in BASIC mode",
                            policy.as_deref().unwrap_or(""),
                            t.form.label()
                        ),
                        owner.call.clone().with_subpath("endpointAccessMode").with_detail("(not captured)"),
                        None,
                    )),
                    Some("STRICT") if matches!(t.form, Form::C | Form::CPrime | Form::DPrime) || t.sni_mismatch => findings.push(finding(
                        Verdict::Deny,
                        "H8.4",
                        format!(
                            "{owner} uses endpointAccessMode STRICT with {}: the TLS SNI host {} is not its own hostname, which STRICT requires (calls through the endpoint DNS name or another Host need BASIC)",
                            policy.as_deref().unwrap_or(""),
                            ctx.req.host
                        ),
                        owner.access_mode("STRICT"),
                        Some("rejected by API Gateway; the exact error is not documented (expect 403)".into()),
                    )),
                    Some("STRICT") if matches!(t.form, Form::B | Form::APrime) => findings.push(finding(
                        Verdict::Unknown,
                        "H8.4",
                        format!("{owner} uses endpointAccessMode STRICT; whether form {} passes the SNI check is not documented", t.form.label()),
                        owner.access_mode("STRICT"),
                        None,
                    )),
                    Some("STRICT") | Some("BASIC") => {}
                    Some(other) if t.form != Form::A || t.sni_mismatch => findings.push(finding(
                        Verdict::Unknown,
                        "H8.4",
                        format!("{owner} has endpointAccessMode {other:?}, which is neither STRICT nor BASIC"),
                        owner.access_mode(other),
                        None,
                    )),
                    Some(_) => {}
                }
            }
            // H8.7 mTLS on a private domain.
            if let Some(uri) = mtls {
                findings.push(finding(
                    Verdict::Unknown,
                    "H8.7",
                    format!("mutual TLS is configured on private {owner} (truststore {uri}); private domains do not document mTLS"),
                    owner.call.clone().with_subpath("mutualTlsAuthentication.truststoreUri").with_value(uri),
                    None,
                ));
            }
        }
    }

    // H8.5 certificate name.
    match t.form {
        Form::C | Form::CPrime | Form::DPrime => {
            hop = hop.note(format!(
                "the certificate covers *.execute-api.{}.vpce.amazonaws.com: the client must send and verify the endpoint name, with the API chosen by the Host or x-apigw-api-id header",
                ctx.region
            ));
        }
        Form::D => {
            hop = hop.note("the private domain's ACM certificate must cover the custom domain name")
        }
        _ => {}
    }
    // H8.6 IP family.
    if let Some(api) = ctx.api() {
        if api.is_private() {
            if let Some(t) = api.endpoint_configuration.ip_address_type.as_deref() {
                if t.eq_ignore_ascii_case("ipv4") {
                    hop = hop.note(format!(
                        "API {} has ipAddressType ipv4; private APIs support only dualstack",
                        api.id
                    ));
                }
            }
        }
    }
    if let Some(e) = &ep.last_error {
        if let Some(m) = &e.message {
            hop = hop.note(format!(
                "endpoint LastError: {} {m}",
                e.code.as_deref().unwrap_or("")
            ));
        }
    }

    let worst = findings
        .iter()
        .find(|f| f.verdict == Verdict::Deny)
        .or_else(|| findings.iter().find(|f| f.verdict == Verdict::Unknown));
    if let Some(f) = worst {
        hop = hop.outcome(f);
        if f.verdict == Verdict::Deny {
            if let Some(s) = &f.symptom {
                hop = hop.symptom(s.clone());
            }
        }
        for other in &findings {
            if other.reason != f.reason {
                hop.notes.push(other.reason.clone());
            }
        }
        return hop;
    }
    hop.reason(format!(
        "{id} is available, serves {want}, and accepts TLS {}",
        tls.as_str()
    ))
    .deciding(
        Deciding::field("ec2:DescribeVpcEndpoints", id, "State")
            .with_value(format!("{} ServiceName={}", ep.state, ep.service_name)),
    )
}
