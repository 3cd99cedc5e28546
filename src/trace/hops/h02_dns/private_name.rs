//! Forms A and A': the API's private DNS name, answered by the endpoint's
//! private hosted zone when private DNS is on (H2.2).

use super::candidates::{endpoint_candidates, execute_api_service, inconsistent_enis};
use super::shared::*;

pub(super) fn resolve_private_name<'w>(
    ctx: &Ctx<'w>,
    client: &Client,
    vpc: &Vpc,
    dhcp: Dhcp,
    mut hop: Hop,
    host: &str,
) -> (Hop, Destination<'w>) {
    let w = ctx.world;
    let vpc_id = &vpc.vpc_id;
    let service = execute_api_service(&ctx.region);
    let private_eps: Vec<&VpcEndpoint> = w
        .endpoints_in_vpc(vpc_id)
        .filter(|e| {
            e.service_name == service
                && e.vpc_endpoint_type.eq_ignore_ascii_case("Interface")
                && e.private_dns_enabled
        })
        .collect();
    let api_public = ctx.api().is_some_and(|a| !a.is_private());
    match &dhcp {
        Dhcp::Custom(servers) => {
            hop = hop.decide(Verdict::Unknown, "H2.2").reason(format!(
                "{vpc_id} uses custom DNS servers {}; the endpoint's private zone answers only if they forward to the Route 53 Resolver",
                servers.join(", ")
            )).deciding(Deciding::field("ec2:DescribeDhcpOptions", vpc.dhcp_options_id.as_deref().unwrap_or("?"), format!("domain-name-servers={}", servers.join(","))));
        }
        Dhcp::NotCaptured(why) => {
            hop = hop
                .decide(Verdict::Unknown, "H2.2")
                .reason(format!(
                    "{why}; custom DNS servers would hide the endpoint's private zone"
                ))
                .deciding(Deciding::field(
                    "ec2:DescribeDhcpOptions",
                    "",
                    format!("for {vpc_id} (not captured)"),
                ));
        }
        Dhcp::Amazon => {}
    }
    let hostnames = vpc.enable_dns_hostnames;
    // Which endpoints have private DNS decides where the name resolves: if
    // they could not be read, neither branch below can be taken.
    if let Some(why) = ctx.unread("vpc_endpoints", "ec2:DescribeVpcEndpoints") {
        let h = hop
            .decide(Verdict::Unknown, "H2.2")
            .reason(format!(
                "the VPC endpoints of {vpc_id} could not be read ({why}), so whether {host} resolves to an execute-api endpoint or to public addresses is unknown"
            ))
            .deciding(
                Deciding::field("ec2:DescribeVpcEndpoints", "", format!("vpc-id={vpc_id}")).missing(),
            )
            .read(K::Vpc, vpc_id);
        return (h, Destination::none("the VPC endpoints were not read"));
    }
    let Some(ep) = private_eps.first().copied() else {
        let others: Vec<&VpcEndpoint> = w
            .endpoints_in_vpc(vpc_id)
            .filter(|e| e.service_name == service)
            .collect();
        let any_ep: Vec<&str> = others.iter().map(|e| e.vpc_endpoint_id.as_str()).collect();
        let deciding = if others.is_empty() {
            Deciding::field(
                "ec2:DescribeVpcEndpoints",
                "",
                format!("vpc-id={vpc_id} service-name={service}: none"),
            )
        } else {
            // Say for each endpoint why its private zone is not in effect.
            let why: Vec<String> = others
                .iter()
                .map(|e| {
                    if !e.vpc_endpoint_type.eq_ignore_ascii_case("Interface") {
                        format!(
                            "{} VpcEndpointType={}",
                            e.vpc_endpoint_id, e.vpc_endpoint_type
                        )
                    } else {
                        format!("{} PrivateDnsEnabled=false", e.vpc_endpoint_id)
                    }
                })
                .collect();
            Deciding::field("ec2:DescribeVpcEndpoints", why.join("; "), "")
        };
        // A public (regional or edge) API is meant to be reached this way.
        if let Some(api) = ctx.api().filter(|a| !a.is_private()) {
            // Without the endpoint type, whether the public name leads to
            // the API is not known.
            let types = &api.endpoint_configuration.types;
            let (verdict, reason) = if types.is_empty() {
                (
                    Verdict::Unknown,
                    format!(
                        "{host} resolves to public execute-api addresses; whether {} is reached that way depends on its endpoint type, which was not captured",
                        api.id
                    ),
                )
            } else {
                (
                    Verdict::Allow,
                    format!(
                        "{host} resolves to public execute-api addresses, and {} is a {} API, which is reached that way",
                        api.id,
                        types.join("/")
                    ),
                )
            };
            let h = Hop::new(HopId::Dns, verdict, "H2.2", reason)
                .deciding(format!(
                    "{deciding}; apigateway:GetRestApi {} endpointConfiguration.types={:?}",
                    api.id, api.endpoint_configuration.types
                ))
                .read(K::Vpc, vpc_id);
            return (
                h,
                Destination {
                    via: Via::Public,
                    candidates: Vec::new(),
                    approximate: false,
                },
            );
        }
        let mut h = Hop::new(
HopId::Dns,
            Verdict::Deny,
            "H2.2",
            format!(
                "no execute-api endpoint in {vpc_id} has private DNS, so {host} resolves to public execute-api addresses; a private API cannot be invoked that way"
            ),
        )
        .deciding(deciding)
        .read(K::Vpc, vpc_id)
        .symptom(crate::trace::response::PUBLIC_ADDRESSES);
        for e in any_ep {
            h = h.read(K::VpcEndpoint, e);
        }
        h = h.note("use the endpoint-specific alias {api-id}-{vpce-id}.execute-api... (form B) or turn on private DNS on the endpoint");
        return (
            h,
            Destination {
                via: Via::Public,
                candidates: Vec::new(),
                approximate: false,
            },
        );
    };
    hop = hop.read(K::VpcEndpoint, &ep.vpc_endpoint_id);
    if hostnames != Some(true) {
        let (v, val) = match hostnames {
            Some(false) => (Verdict::Deny, "false"),
            _ => (Verdict::Unknown, "not captured"),
        };
        let mut h = Hop::new(
HopId::Dns,
            v,
            "H2.2",
            format!(
                "{} has private DNS but enableDnsHostnames is {val} in {vpc_id}; the private zone needs both DNS attributes",
                ep.vpc_endpoint_id
            ),
        )
        .deciding(Deciding::field("ec2:DescribeVpcAttribute", vpc_id, format!("enableDnsHostnames={val}")))
        .read(K::Vpc, vpc_id)
        .read(K::VpcEndpoint, &ep.vpc_endpoint_id);
        if v == Verdict::Deny {
            h = h.symptom(crate::trace::response::PUBLIC_ADDRESSES);
            return (
                h,
                Destination {
                    via: Via::Public,
                    candidates: Vec::new(),
                    approximate: false,
                },
            );
        }
        let (c, approx) = endpoint_candidates(ctx, ep, Some(client), None);
        return (h, Destination::endpoint(ep, c, approx));
    }
    let (c, approx) = endpoint_candidates(ctx, ep, Some(client), None);
    if hop.verdict == Verdict::Allow {
        hop = hop.check_id("H2.2").reason(format!(
            "{host} resolves to the ENIs of {} (private DNS on, enableDnsSupport and enableDnsHostnames true)",
            ep.vpc_endpoint_id
        )).deciding(Deciding::field("ec2:DescribeVpcEndpoints", &ep.vpc_endpoint_id, format!("PrivateDnsEnabled=true; ec2:DescribeVpcAttribute {vpc_id} enableDnsSupport=true enableDnsHostnames=true")));
    }
    if ctx.target.form == Form::APrime && ctx.target.api_id.is_none() {
        hop = hop
            .note("no x-apigw-api-id header: API Gateway cannot tell which API is meant (H10.1)");
    }
    if api_public {
        hop = hop.note(format!(
            "H2.6: {} is not a private API, but private DNS sends every *.execute-api.{}.amazonaws.com name in this VPC to the endpoint: the call gets HTTP 403 Forbidden. Use a custom domain name for the public API, or turn private DNS off and call private APIs by their endpoint-specific alias",
            ctx.target.api_id.as_deref().unwrap_or("the API"),
            ctx.region
        ));
    }
    if approx {
        hop = hop
                    .note("some endpoint ENI addresses were not captured or are inconsistent; network checks use the endpoint subnets' CIDRs (approximate)")
                    .notes(inconsistent_enis(ctx, ep));
    }
    if private_eps.len() > 1 {
        hop = hop.note(format!(
            "{} execute-api endpoints with private DNS in {vpc_id}; using {}",
            private_eps.len(),
            ep.vpc_endpoint_id
        ));
    }
    (hop, Destination::endpoint(ep, c, approx))
}
