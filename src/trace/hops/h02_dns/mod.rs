//! H2: name resolution. Decides where the request's packets go: the ENIs of
//! an execute-api endpoint, the public API Gateway addresses, or nowhere.

mod candidates;
mod private_name;
mod shared;

pub use candidates::{endpoint_candidates, execute_api_service, inconsistent_enis};
use private_name::resolve_private_name;
use shared::*;

pub(super) fn evaluate(ctx: &mut Ctx) -> Hop {
    let (hop, dest) = resolve(ctx);
    ctx.dest = dest;
    hop
}

fn resolve<'w>(ctx: &Ctx<'w>) -> (Hop, Destination<'w>) {
    let w = ctx.world;
    let t = &ctx.target;
    let host = ctx.req.host.clone();
    let Some(client) = ctx.client.as_ref() else {
        return (
            Hop::new(HopId::Dns, Verdict::Unknown, "H2", "client not known (H1)"),
            Destination::none("client not known"),
        );
    };
    let Some(vpc) = w.vpc(&client.vpc_id) else {
        return (
            Hop::new(
                HopId::Dns,
                Verdict::Unknown,
                "H2.1",
                format!("VPC {} of the client is not in the snapshot", client.vpc_id),
            )
            .deciding(Deciding::field("ec2:DescribeVpcs", &client.vpc_id, "").missing()),
            Destination::none("client VPC not captured"),
        );
    };
    let vpc_id = vpc.vpc_id.clone();
    let dhcp = dhcp_of(ctx, vpc);
    let mut hop = Hop::new(HopId::Dns, Verdict::Allow, "H2", "").read(K::Vpc, &vpc_id);
    hop = hop.note(
        "Route 53 Resolver rules and DNS Firewall are not read; DNS to the VPC resolver is not filtered by security groups or network ACLs",
    );

    // H2.1: the Amazon resolver must be on. Custom DNS servers reach private
    // zones only through it, so they do not lift this.
    match vpc.enable_dns_support {
        Some(false) => {
            let h = Hop::new(
                HopId::Dns,
                Verdict::Deny,
                "H2.1",
                format!("VPC DNS resolution is disabled in {vpc_id} (enableDnsSupport=false)"),
            )
            .deciding(Deciding::field(
                "ec2:DescribeVpcAttribute",
                &vpc_id,
                "enableDnsSupport=false",
            ))
            .read(K::Vpc, &vpc_id)
            .symptom(symptom_nxdomain());
            return (
                h,
                Destination::failed(format!("{host} does not resolve (dns)")),
            );
        }
        None => {
            return (
                Hop::new(
                    HopId::Dns,
                    Verdict::Unknown,
                    "H2.1",
                    format!("enableDnsSupport of {vpc_id} was not read"),
                )
                .deciding(Deciding::field(
                    "ec2:DescribeVpcAttribute",
                    &vpc_id,
                    "enableDnsSupport (not captured)",
                ))
                .read(K::Vpc, &vpc_id),
                Destination::none("DNS attributes not captured"),
            );
        }
        _ => {}
    }

    match t.form {
        Form::A | Form::APrime => resolve_private_name(ctx, client, vpc, dhcp, hop, &host),
        Form::B => {
            let vpce_id = t.vpce_id.clone().unwrap_or_default();
            let api_id = t.api_id.clone().unwrap_or_default();
            hop = hop.read(K::VpcEndpoint, &vpce_id).read(K::RestApi, &api_id);
            if let Dhcp::Custom(s) = &dhcp {
                hop = hop.note(format!("the VPC uses custom DNS servers {}; the public alias must resolve through them", s.join(", ")));
            }
            // The alias exists only in the API's own region.
            if let (Some(api), Some(r)) = (ctx.api(), t.region.as_deref()) {
                if r != w.snap.region {
                    let h = Hop::new(
                        HopId::Dns,
                        Verdict::Deny,
                        "H2.3",
                        format!(
                            "{host} names region {r}, but API {} is in {}: no such alias exists",
                            api.id, w.snap.region
                        ),
                    )
                    .deciding(Deciding::field(
                        "apigateway:GetRestApi",
                        &api.id,
                        format!("(region {})", w.snap.region),
                    ))
                    .read(K::RestApi, &api_id)
                    .symptom(symptom_nxdomain());
                    return (
                        h,
                        Destination::failed(format!("{host} does not resolve (dns)")),
                    );
                }
            }
            let ep = w.vpc_endpoint(&vpce_id);
            let dest = match ep {
                Some(ep) => {
                    let (c, approx) = endpoint_candidates(ctx, ep, Some(client), None);
                    Destination::endpoint(ep, c, approx)
                }
                None => Destination::none(&format!("endpoint {vpce_id} is not in the snapshot")),
            };
            match ctx.api() {
                None => {
                    hop = hop.decide(Verdict::Unknown, "H2.3").reason(format!(
                        "API {api_id} is not in the snapshot (another account?), so its association with {vpce_id} cannot be checked"
                    )).deciding(Deciding::field("apigateway:GetRestApi", &api_id, "").missing());
                    (hop, dest)
                }
                Some(api) => {
                    let listed = api
                        .endpoint_configuration
                        .vpc_endpoint_ids
                        .contains(&vpce_id);
                    if !listed {
                        let h = Hop::new(
HopId::Dns,
                            Verdict::Deny,
                            "H2.3",
                            format!("API {api_id} is not associated with {vpce_id} (endpointConfiguration.vpcEndpointIds lacks it), so {host} does not exist"),
                        )
                        .deciding(Deciding::field("apigateway:GetRestApi", &api_id, format!("endpointConfiguration.vpcEndpointIds={:?}", api.endpoint_configuration.vpc_endpoint_ids)))
                        .read(K::RestApi, &api_id)
                        .read(K::VpcEndpoint, &vpce_id)
                        .symptom(symptom_nxdomain());
                        return (
                            h,
                            Destination::failed(format!("{host} does not resolve (dns)")),
                        );
                    }
                    hop = hop.check_id("H2.3").reason(format!("{host} is the public alias of {vpce_id} for {api_id}; it resolves to the endpoint's ENIs")).deciding(Deciding::field("apigateway:GetRestApi", &api_id, format!("endpointConfiguration.vpcEndpointIds contains {vpce_id}")));
                    hop = hop.note("the alias record is created with the association and takes a few minutes to appear");
                    if ep.is_none() {
                        hop = hop.verdict_is(Verdict::Unknown).reason(format!("{host} resolves to {vpce_id}, which is not in the snapshot (another account or region?)"));
                    }
                    (hop, dest)
                }
            }
        }
        Form::C | Form::CPrime | Form::DPrime => {
            let vpce_id = t.vpce_id.clone().unwrap_or_default();
            hop = hop.read(K::VpcEndpoint, &vpce_id);
            let Some(ep) = w.vpc_endpoint(&vpce_id) else {
                hop = hop
                    .decide(Verdict::Unknown, "H2.4")
                    .reason(format!(
                    "{vpce_id} named by {host} is not in the snapshot (another account or region?)"
                ))
                    .deciding(Deciding::field("ec2:DescribeVpcEndpoints", &vpce_id, "").missing());
                return (
                    hop,
                    Destination::none(&format!("endpoint {vpce_id} is not in the snapshot")),
                );
            };
            let matches = w
                .vpc_endpoint_by_dns(&host)
                .is_some_and(|e| e.vpc_endpoint_id == vpce_id);
            if !matches && ep.dns_entries.is_empty() {
                hop = hop.decide(Verdict::Unknown, "H2.4").reason(format!("the DNS names of {vpce_id} were not captured, so {host} cannot be checked against them")).deciding(Deciding::field("ec2:DescribeVpcEndpoints", &vpce_id, "DnsEntries (empty)"));
                let (c, approx) = endpoint_candidates(ctx, ep, Some(client), t.zone.as_deref());
                return (hop, Destination::endpoint(ep, c, approx));
            }
            if !matches {
                let names: Vec<&str> = ep.dns_entries.iter().map(|d| d.dns_name.as_str()).collect();
                let h = Hop::new(
                    HopId::Dns,
                    Verdict::Deny,
                    "H2.4",
                    format!("{host} is not one of {vpce_id}'s DNS names"),
                )
                .deciding(Deciding::field(
                    "ec2:DescribeVpcEndpoints",
                    &vpce_id,
                    format!("DnsEntries={names:?}"),
                ))
                .read(K::VpcEndpoint, &vpce_id)
                .symptom(symptom_nxdomain());
                return (
                    h,
                    Destination::failed(format!("{host} does not resolve (dns)")),
                );
            }
            let state = ep.state.to_ascii_lowercase();
            if let Some(v) = endpoint_state_verdict(ep) {
                let mut h = Hop::new(
                    HopId::Dns,
                    v,
                    "H2.4",
                    format!("{vpce_id} is {state}, so its DNS name may not answer"),
                )
                .deciding(Deciding::field(
                    "ec2:DescribeVpcEndpoints",
                    &vpce_id,
                    format!("State={}", ep.state),
                ))
                .read(K::VpcEndpoint, &vpce_id);
                if v == Verdict::Deny {
                    h = h.symptom(symptom_nxdomain());
                    return (
                        h,
                        Destination::failed(format!("{host} does not resolve (dns)")),
                    );
                }
                let (c, approx) = endpoint_candidates(ctx, ep, Some(client), t.zone.as_deref());
                return (h, Destination::endpoint(ep, c, approx));
            }
            let (c, approx) = endpoint_candidates(ctx, ep, Some(client), t.zone.as_deref());
            hop = hop.check_id("H2.4").reason(format!(
                "{host} is a{} DNS name of {vpce_id}; it resolves to the endpoint's ENI{} from anywhere",
                if t.zone.is_some() { " zonal" } else { "" },
                if t.zone.is_some() { " in that zone" } else { "s" }
            )).deciding(Deciding::field("ec2:DescribeVpcEndpoints", &vpce_id, "DnsEntries[].DnsName")
                    .with_value(host.as_str()));
            if approx {
                hop = hop
                    .note("some endpoint ENI addresses were not captured or are inconsistent; network checks use the endpoint subnets' CIDRs (approximate)")
                    .notes(inconsistent_enis(ctx, ep));
            }
            (hop, Destination::endpoint(ep, c, approx))
        }
        Form::D => {
            let domain = t.custom_domain.clone().unwrap_or_default();
            hop = hop.read(K::DomainName, &domain);
            hop = hop.decide(Verdict::Unknown, "H2.5").reason(format!(
                "{domain} must resolve through a Route 53 private hosted zone associated with {vpc_id} (alias to the endpoint DNS name); Route 53 is not read"
            )).deciding("route53:ListResourceRecordSets (not read)");
            if let Dhcp::Custom(s) = &dhcp {
                hop = hop.note(format!("the VPC uses custom DNS servers {}; they must forward to the Route 53 Resolver", s.join(", ")));
            }
            // The endpoint is most likely one in the client VPC associated with the domain.
            let eps: Vec<&VpcEndpoint> = w
                .endpoints_in_vpc(&vpc_id)
                .filter(|e| {
                    w.domain_associations_for_vpce(&e.vpc_endpoint_id).any(|a| {
                        w.domain_names(&domain).any(|d| {
                            d.domain_name_arn.as_deref() == Some(a.domain_name_arn.as_str())
                        })
                    })
                })
                .collect();
            if let [ep] = eps.as_slice() {
                let (c, approx) = endpoint_candidates(ctx, ep, Some(client), None);
                hop = hop.note(format!(
                    "assuming the record points to {}, the endpoint in {vpc_id} associated with {domain}",
                    ep.vpc_endpoint_id
                ));
                (hop, Destination::endpoint(ep, c, approx))
            } else {
                (
                    hop,
                    Destination::none(&format!(
                        "the endpoint behind {domain} is unknown (Route 53 not read)"
                    )),
                )
            }
        }
    }
}
