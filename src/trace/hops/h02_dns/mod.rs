//! H2: name resolution. Decides where the request's packets go: the ENIs of
//! an execute-api endpoint, the public API Gateway addresses, or nowhere.

use std::net::IpAddr;

use crate::model::ec2::{Vpc, VpcEndpoint};
use crate::net::{AddrSet, Cidr};

use crate::trace::target::Form;
use crate::trace::{Ctx, Deciding, Hop, HopId, ResourceKind as K, Verdict};

use super::Client;

/// One address the name may resolve to: an endpoint ENI.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub eni_id: Option<String>,
    pub subnet_id: String,
    /// `None` when neither the ENI nor its subnet was captured.
    pub addr: Option<AddrSet>,
    #[allow(dead_code)] // shown in hop detail
    pub az: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Via<'w> {
    Endpoint(&'w VpcEndpoint),
    /// Public execute-api addresses (private DNS not in effect).
    Public,
    /// No destination: `skip` when DNS failed (later hops are not evaluable),
    /// otherwise the destination is unknown.
    Unresolved {
        skip: bool,
        why: String,
    },
}

#[derive(Debug, Clone)]
pub struct Destination<'w> {
    pub via: Via<'w>,
    pub candidates: Vec<Candidate>,
    /// Candidates stand for subnets, not exact ENI addresses.
    pub approximate: bool,
}

impl<'w> Destination<'w> {
    pub fn none(why: &str) -> Destination<'w> {
        Destination {
            via: Via::Unresolved {
                skip: false,
                why: why.to_string(),
            },
            candidates: Vec::new(),
            approximate: false,
        }
    }
    fn failed(why: String) -> Destination<'w> {
        Destination {
            via: Via::Unresolved { skip: true, why },
            candidates: Vec::new(),
            approximate: false,
        }
    }
    pub fn endpoint(&self) -> Option<&'w VpcEndpoint> {
        match self.via {
            Via::Endpoint(e) => Some(e),
            _ => None,
        }
    }
}

/// What the VPC's resolver can do.
enum Dhcp {
    Amazon,
    Custom(Vec<String>),
    NotCaptured(String),
}

fn dhcp_of(ctx: &Ctx, vpc: &Vpc) -> Dhcp {
    match vpc.dhcp_options_id.as_deref() {
        Some("default") => Dhcp::Amazon,
        Some(id) => match ctx.world.dhcp_options(id) {
            Some(d) => {
                let custom: Vec<String> = d
                    .domain_name_servers
                    .iter()
                    .filter(|s| !s.eq_ignore_ascii_case("AmazonProvidedDNS"))
                    .cloned()
                    .collect();
                if d.domain_name_servers.is_empty() {
                    Dhcp::NotCaptured(format!(
                        "DHCP options set {id} lists no domain-name-servers"
                    ))
                } else if custom.is_empty() {
                    Dhcp::Amazon
                } else {
                    Dhcp::Custom(custom)
                }
            }
            None => Dhcp::NotCaptured(format!("DHCP options set {id} is not in the snapshot")),
        },
        None => Dhcp::NotCaptured(format!(
            "the DHCP options of {} were not captured",
            vpc.vpc_id
        )),
    }
}

pub fn execute_api_service(region: &str) -> String {
    format!("com.amazonaws.{region}.execute-api")
}

/// The addresses of an endpoint's ENIs, restricted to one zone for a zonal name.
pub fn endpoint_candidates(
    ctx: &Ctx,
    ep: &VpcEndpoint,
    client: Option<&Client>,
    zone: Option<&str>,
) -> (Vec<Candidate>, bool) {
    let w = ctx.world;
    let mut out = Vec::new();
    let mut approximate = false;
    let mut covered_subnets = Vec::new();
    let want_v6 = client.and_then(|c| c.ipv6).is_some()
        && ep
            .ip_address_type
            .as_deref()
            .is_some_and(|t| t == "dualstack" || t == "ipv6")
        && ep
            .dns_options
            .as_ref()
            .and_then(|d| d.dns_record_ip_type.as_deref())
            .is_some_and(|t| t != "ipv4");
    let want_v4 = client.and_then(|c| c.ipv4).is_some() || !want_v6;
    for eni_id in &ep.network_interface_ids {
        let Some(eni) = w.network_interface(eni_id) else {
            continue;
        };
        let az = eni.availability_zone.clone().or_else(|| {
            w.subnet(&eni.subnet_id)
                .and_then(|s| s.availability_zone.clone())
        });
        if zone.is_some() && az.as_deref() != zone {
            continue;
        }
        covered_subnets.push(eni.subnet_id.clone());
        let v4 = eni.private_ip_address.clone().or_else(|| {
            eni.private_ip_addresses
                .first()
                .map(|p| p.private_ip_address.clone())
        });
        if want_v4 {
            out.push(Candidate {
                eni_id: Some(eni_id.clone()),
                subnet_id: eni.subnet_id.clone(),
                addr: v4.and_then(|s| s.parse::<IpAddr>().ok()).map(AddrSet::Ip),
                az: az.clone(),
            });
        }
        if want_v6 {
            if let Some(a) = eni
                .ipv6_addresses
                .first()
                .and_then(|a| a.ipv6_address.parse::<IpAddr>().ok())
            {
                out.push(Candidate {
                    eni_id: Some(eni_id.clone()),
                    subnet_id: eni.subnet_id.clone(),
                    addr: Some(AddrSet::Ip(a)),
                    az,
                });
            } else {
                // DNS answers AAAA too, but the ENI's IPv6 address was not
                // captured: check the subnet's IPv6 block instead.
                approximate = true;
                out.push(Candidate {
                    eni_id: Some(eni_id.clone()),
                    subnet_id: eni.subnet_id.clone(),
                    addr: subnet_v6(w, &eni.subnet_id),
                    az,
                });
            }
        }
    }
    for sn in &ep.subnet_ids {
        if covered_subnets.contains(sn) {
            continue;
        }
        let subnet = w.subnet(sn);
        let az = subnet.and_then(|s| s.availability_zone.clone());
        if zone.is_some() && az.as_deref() != zone {
            continue;
        }
        approximate = true;
        if want_v4 {
            out.push(Candidate {
                eni_id: None,
                subnet_id: sn.clone(),
                addr: subnet
                    .and_then(|s| Cidr::parse(&s.cidr_block).ok())
                    .map(AddrSet::Block),
                az: az.clone(),
            });
        }
        if want_v6 {
            out.push(Candidate {
                eni_id: None,
                subnet_id: sn.clone(),
                addr: subnet_v6(w, sn),
                az,
            });
        }
    }
    (out, approximate)
}

/// The subnet's IPv6 block as an address set, when captured.
fn subnet_v6(w: &crate::model::World, subnet_id: &str) -> Option<AddrSet> {
    w.subnet(subnet_id)?
        .ipv6_cidr_block_association_set
        .first()
        .and_then(|a| Cidr::parse(&a.ipv6_cidr_block).ok())
        .map(AddrSet::Block)
}

fn symptom_nxdomain() -> &'static str {
    "Could not resolve host (no answer for the name)"
}

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
            .deciding(format!("ec2:DescribeVpcs {} (missing)", client.vpc_id)),
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
            .deciding(format!(
                "ec2:DescribeVpcAttribute {vpc_id} enableDnsSupport=false"
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
                .deciding(format!(
                    "ec2:DescribeVpcAttribute {vpc_id} enableDnsSupport (not captured)"
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
                    .deciding(format!(
                        "apigateway:GetRestApi {} (region {})",
                        api.id, w.snap.region
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
                    Destination {
                        via: Via::Endpoint(ep),
                        candidates: c,
                        approximate: approx,
                    }
                }
                None => Destination::none(&format!("endpoint {vpce_id} is not in the snapshot")),
            };
            match ctx.api() {
                None => {
                    hop.verdict = Verdict::Unknown;
                    hop.check = "H2.3";
                    hop.reason = format!(
                        "API {api_id} is not in the snapshot (another account?), so its association with {vpce_id} cannot be checked"
                    );
                    hop.deciding =
                        Deciding::from(format!("apigateway:GetRestApi {api_id} (missing)"));
                    (hop, dest)
                }
                Some(api) => {
                    let listed = api
                        .endpoint_configuration
                        .vpc_endpoint_ids
                        .contains(&vpce_id);
                    if !listed {
                        let h = Hop::new(HopId::Dns,
                            Verdict::Deny,
                            "H2.3",
                            format!("API {api_id} is not associated with {vpce_id} (endpointConfiguration.vpcEndpointIds lacks it), so {host} does not exist"),
                        )
                        .deciding(format!(
                            "apigateway:GetRestApi {api_id} endpointConfiguration.vpcEndpointIds={:?}",
                            api.endpoint_configuration.vpc_endpoint_ids
                        ))
                        .read(K::RestApi, &api_id)
                        .read(K::VpcEndpoint, &vpce_id)
                        .symptom(symptom_nxdomain());
                        return (
                            h,
                            Destination::failed(format!("{host} does not resolve (dns)")),
                        );
                    }
                    hop.check = "H2.3";
                    hop.reason = format!("{host} is the public alias of {vpce_id} for {api_id}; it resolves to the endpoint's ENIs");
                    hop.deciding = Deciding::from(format!("apigateway:GetRestApi {api_id} endpointConfiguration.vpcEndpointIds contains {vpce_id}"));
                    hop = hop.note("the alias record is created with the association and takes a few minutes to appear");
                    if ep.is_none() {
                        hop.verdict = Verdict::Unknown;
                        hop.reason = format!("{host} resolves to {vpce_id}, which is not in the snapshot (another account or region?)");
                    }
                    (hop, dest)
                }
            }
        }
        Form::C | Form::CPrime | Form::DPrime => {
            let vpce_id = t.vpce_id.clone().unwrap_or_default();
            hop = hop.read(K::VpcEndpoint, &vpce_id);
            let Some(ep) = w.vpc_endpoint(&vpce_id) else {
                hop.verdict = Verdict::Unknown;
                hop.check = "H2.4";
                hop.reason = format!(
                    "{vpce_id} named by {host} is not in the snapshot (another account or region?)"
                );
                hop.deciding =
                    Deciding::from(format!("ec2:DescribeVpcEndpoints {vpce_id} (missing)"));
                return (
                    hop,
                    Destination::none(&format!("endpoint {vpce_id} is not in the snapshot")),
                );
            };
            let matches = w
                .vpc_endpoint_by_dns(&host)
                .is_some_and(|e| e.vpc_endpoint_id == vpce_id);
            if !matches && ep.dns_entries.is_empty() {
                hop.verdict = Verdict::Unknown;
                hop.check = "H2.4";
                hop.reason = format!("the DNS names of {vpce_id} were not captured, so {host} cannot be checked against them");
                hop.deciding = Deciding::from(format!(
                    "ec2:DescribeVpcEndpoints {vpce_id} DnsEntries (empty)"
                ));
                let (c, approx) = endpoint_candidates(ctx, ep, Some(client), t.zone.as_deref());
                return (
                    hop,
                    Destination {
                        via: Via::Endpoint(ep),
                        candidates: c,
                        approximate: approx,
                    },
                );
            }
            if !matches {
                let names: Vec<&str> = ep.dns_entries.iter().map(|d| d.dns_name.as_str()).collect();
                let h = Hop::new(
                    HopId::Dns,
                    Verdict::Deny,
                    "H2.4",
                    format!("{host} is not one of {vpce_id}'s DNS names"),
                )
                .deciding(format!(
                    "ec2:DescribeVpcEndpoints {vpce_id} DnsEntries={names:?}"
                ))
                .read(K::VpcEndpoint, &vpce_id)
                .symptom(symptom_nxdomain());
                return (
                    h,
                    Destination::failed(format!("{host} does not resolve (dns)")),
                );
            }
            let state = ep.state.to_ascii_lowercase();
            if state != "available" {
                let v = if state.starts_with("pending") {
                    Verdict::Unknown
                } else {
                    Verdict::Deny
                };
                let mut h = Hop::new(
                    HopId::Dns,
                    v,
                    "H2.4",
                    format!("{vpce_id} is {state}, so its DNS name may not answer"),
                )
                .deciding(format!(
                    "ec2:DescribeVpcEndpoints {vpce_id} State={}",
                    ep.state
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
                return (
                    h,
                    Destination {
                        via: Via::Endpoint(ep),
                        candidates: c,
                        approximate: approx,
                    },
                );
            }
            let (c, approx) = endpoint_candidates(ctx, ep, Some(client), t.zone.as_deref());
            hop.check = "H2.4";
            hop.reason = format!(
                "{host} is a{} DNS name of {vpce_id}; it resolves to the endpoint's ENI{} from anywhere",
                if t.zone.is_some() { " zonal" } else { "" },
                if t.zone.is_some() { " in that zone" } else { "s" }
            );
            hop.deciding =
                Deciding::field("ec2:DescribeVpcEndpoints", &vpce_id, "DnsEntries[].DnsName")
                    .value(host.as_str());
            if approx {
                hop = hop.note("some endpoint ENI addresses were not captured; network checks use the endpoint subnets' CIDRs (approximate)");
            }
            (
                hop,
                Destination {
                    via: Via::Endpoint(ep),
                    candidates: c,
                    approximate: approx,
                },
            )
        }
        Form::D => {
            let domain = t.custom_domain.clone().unwrap_or_default();
            hop = hop.read(K::DomainName, &domain);
            hop.verdict = Verdict::Unknown;
            hop.check = "H2.5";
            hop.reason = format!(
                "{domain} must resolve through a Route 53 private hosted zone associated with {vpc_id} (alias to the endpoint DNS name); Route 53 is not read"
            );
            hop.deciding = Deciding::from("route53:ListResourceRecordSets (not read)");
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
                (
                    hop,
                    Destination {
                        via: Via::Endpoint(ep),
                        candidates: c,
                        approximate: approx,
                    },
                )
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

fn resolve_private_name<'w>(
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
            hop.verdict = Verdict::Unknown;
            hop.check = "H2.2";
            hop.reason = format!(
                "{vpc_id} uses custom DNS servers {}; the endpoint's private zone answers only if they forward to the Route 53 Resolver",
                servers.join(", ")
            );
            hop.deciding = Deciding::from(format!(
                "ec2:DescribeDhcpOptions {} domain-name-servers={}",
                vpc.dhcp_options_id.as_deref().unwrap_or("?"),
                servers.join(",")
            ));
        }
        Dhcp::NotCaptured(why) => {
            hop.verdict = Verdict::Unknown;
            hop.check = "H2.2";
            hop.reason =
                format!("{why}; custom DNS servers would hide the endpoint's private zone");
            hop.deciding = Deciding::from(format!(
                "ec2:DescribeDhcpOptions for {vpc_id} (not captured)"
            ));
        }
        Dhcp::Amazon => {}
    }
    let hostnames = vpc.enable_dns_hostnames;
    let Some(ep) = private_eps.first().copied() else {
        let others: Vec<&VpcEndpoint> = w
            .endpoints_in_vpc(vpc_id)
            .filter(|e| e.service_name == service)
            .collect();
        let any_ep: Vec<&str> = others.iter().map(|e| e.vpc_endpoint_id.as_str()).collect();
        let deciding = if others.is_empty() {
            format!("ec2:DescribeVpcEndpoints vpc-id={vpc_id} service-name={service}: none")
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
            format!("ec2:DescribeVpcEndpoints {}", why.join("; "))
        };
        // A public (regional or edge) API is meant to be reached this way.
        if let Some(api) = ctx.api().filter(|a| !a.is_private()) {
            let h = Hop::new(HopId::Dns,
                Verdict::Allow,
                "H2.2",
                format!(
                    "{host} resolves to public execute-api addresses, and {} is a {} API, which is reached that way",
                    api.id,
                    api.endpoint_configuration.types.join("/")
                ),
            )
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
        let mut h = Hop::new(HopId::Dns,
            Verdict::Deny,
            "H2.2",
            format!(
                "no execute-api endpoint in {vpc_id} has private DNS, so {host} resolves to public execute-api addresses; a private API cannot be invoked that way"
            ),
        )
        .deciding(deciding)
        .read(K::Vpc, vpc_id)
        .symptom("TCP connect timeout without an internet route; with NAT, HTTP 403 {\"message\":\"Forbidden\"} from the public endpoint");
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
        let mut h = Hop::new(HopId::Dns,
            v,
            "H2.2",
            format!(
                "{} has private DNS but enableDnsHostnames is {val} in {vpc_id}; the private zone needs both DNS attributes",
                ep.vpc_endpoint_id
            ),
        )
        .deciding(format!("ec2:DescribeVpcAttribute {vpc_id} enableDnsHostnames={val}"))
        .read(K::Vpc, vpc_id)
        .read(K::VpcEndpoint, &ep.vpc_endpoint_id);
        if v == Verdict::Deny {
            h = h.symptom("the name resolves to public execute-api addresses: TCP connect timeout, or HTTP 403 Forbidden through NAT");
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
        return (
            h,
            Destination {
                via: Via::Endpoint(ep),
                candidates: c,
                approximate: approx,
            },
        );
    }
    let (c, approx) = endpoint_candidates(ctx, ep, Some(client), None);
    if hop.verdict == Verdict::Allow {
        hop.check = "H2.2";
        hop.reason = format!(
            "{host} resolves to the ENIs of {} (private DNS on, enableDnsSupport and enableDnsHostnames true)",
            ep.vpc_endpoint_id
        );
        hop.deciding = Deciding::from(format!(
            "ec2:DescribeVpcEndpoints {} PrivateDnsEnabled=true; ec2:DescribeVpcAttribute {vpc_id} enableDnsSupport=true enableDnsHostnames=true",
            ep.vpc_endpoint_id
        ));
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
        hop = hop.note("some endpoint ENI addresses were not captured; network checks use the endpoint subnets' CIDRs (approximate)");
    }
    if private_eps.len() > 1 {
        hop = hop.note(format!(
            "{} execute-api endpoints with private DNS in {vpc_id}; using {}",
            private_eps.len(),
            ep.vpc_endpoint_id
        ));
    }
    (
        hop,
        Destination {
            via: Via::Endpoint(ep),
            candidates: c,
            approximate: approx,
        },
    )
}
