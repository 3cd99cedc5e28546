//! H10: which API the request reaches (rulebook H10.1–H10.5): the API named
//! by the host, the `Host` header or `x-apigw-api-id`, or behind a private
//! custom domain; that it exists, is PRIVATE and keeps its default endpoint
//! for the forms that use it; for a custom domain, its status, its access
//! association with this endpoint and its base path mapping.

use crate::model::apigw::{DomainName, RestApi};
use crate::model::ec2::VpcEndpoint;
use crate::trace::ctx::{Ctx, Gate};
use crate::trace::evidence::{Deciding, ResourceKind as K};
use crate::trace::hop::{Hop, HopId, Verdict};
use crate::trace::resolve::{custom_domain, forbidden, ApiCall, Miss, Route};

const HOP: HopId = HopId::Api;

pub(super) fn evaluate<'w>(
    ctx: &Ctx<'w>,
    call: &Result<ApiCall<'w>, Box<Miss>>,
    route: &Result<Route<'w>, Box<Miss>>,
) -> Hop {
    let gate = ctx.gate();
    if let Some(h) = gate.past_endpoint(HOP) {
        return h;
    }
    let ep = match gate {
        Gate::Endpoint(ep) => Some(ep),
        _ => None,
    };
    let hop = Hop::new(HOP, Verdict::Allow, "H10.3", "");
    // H10.4 (a)-(c) come before the base path mapping (d).
    let domain = if ctx.target.form.is_custom_domain() {
        custom_domain(ctx)
    } else {
        None
    };
    let hop = match domain {
        Some(d) => match domain_checks(ctx, hop, d, ep) {
            Ok(h) => h,
            Err(h) => return *h,
        },
        None => hop,
    };
    // A miss this hop owns (no API named, no mapping, API not captured).
    let own = [call.as_ref().err(), route.as_ref().err()]
        .into_iter()
        .flatten()
        .find(|m| m.at == HOP);
    if let Some(m) = own {
        let mut h = m.hop(HOP, "H10");
        for r in &hop.resources {
            h.add_resource(r.clone());
        }
        return h.notes(hop.notes);
    }
    let api = match call {
        Ok(c) => c.api,
        // The URL has no stage: the API named by the host is still checked.
        Err(_) => ctx.api(),
    };
    let Some(api) = api else {
        let id = ctx.target.api_id.as_deref().unwrap_or("?");
        let why = crate::trace::resolve::api_missing(ctx, id);
        return Hop::new(HOP, Verdict::Unknown, "H10.2", why)
            .deciding(Deciding::field("apigateway:GetRestApi", id, "").missing());
    };
    let hop = api_checks(ctx, hop.read(K::RestApi, &api.id), api, domain);
    let hop = foreign_endpoint_notes(ctx, hop, api);
    match &ctx.target.conflicting_api_header {
        // A deny stands whichever API is chosen only if it is this one's.
        Some((chosen, header)) if hop.verdict != Verdict::Unknown => hop
            .decide(Verdict::Unknown, "H10.1")
            .reason(format!(
                "the {} names API {chosen} but x-apigw-api-id names {header}; which one API Gateway selects is not documented (this trace follows {chosen})",
                ctx.target.api_id_source
            ))
            .deciding(Deciding::field("request", "x-apigw-api-id", "").with_value(header.as_str())),
        _ => hop,
    }
}

/// `vpcEndpointIds` naming endpoints the snapshot does not hold: another
/// account's endpoint (fine) or a deleted one (the association is stale).
fn foreign_endpoint_notes(ctx: &Ctx, mut hop: Hop, api: &RestApi) -> Hop {
    for id in &api.endpoint_configuration.vpc_endpoint_ids {
        if ctx.world.vpc_endpoint(id).is_none() {
            hop = hop.note(format!(
                "endpointConfiguration.vpcEndpointIds names {id}, which is not in this account's snapshot: another account's endpoint, or one that was deleted"
            ));
        }
    }
    hop
}

/// H10.4 (a)–(c): the private custom domain itself.
fn domain_checks(
    ctx: &Ctx,
    hop: Hop,
    d: &DomainName,
    ep: Option<&VpcEndpoint>,
) -> Result<Hop, Box<Hop>> {
    let name = &d.domain_name;
    let hop = hop.read(K::DomainName, name);
    let field = Deciding::field("apigateway:GetDomainName", name, "");
    if d.endpoint_configuration.types.is_empty() {
        return Err(Box::new(
            hop.decide(Verdict::Unknown, "H10.4")
                .reason(format!(
                    "the endpoint type of custom domain {name} was not captured"
                ))
                .deciding(field.with_subpath("endpointConfiguration.types").missing()),
        ));
    }
    if !d.is_private() {
        return Err(Box::new(
            hop.decide(Verdict::Deny, "H10.4")
                .reason(format!(
                    "custom domain {name} is not a private domain name, so it is not served through a VPC endpoint"
                ))
                .deciding(
                    field
                        .with_subpath("endpointConfiguration.types")
                        .with_value(format!("{:?}", d.endpoint_configuration.types)),
                )
                .symptom(forbidden().symptom())
                .respond(forbidden().logged(None)),
        ));
    }
    let status = d.domain_name_status.as_deref().unwrap_or("");
    let hop = match status.to_ascii_uppercase().as_str() {
        "AVAILABLE" | "UPDATING" => hop,
        "" => {
            return Err(Box::new(
                hop.decide(Verdict::Unknown, "H10.4")
                    .reason(format!("the status of custom domain {name} was not captured"))
                    .deciding(field.with_subpath("domainNameStatus").missing()),
            ))
        }
        _ => {
            return Err(Box::new(
                hop.decide(Verdict::Unknown, "H10.4")
                    .reason(format!(
                        "custom domain {name} is {status}: only AVAILABLE and UPDATING domains are documented as serving traffic"
                    ))
                    .deciding(field.with_subpath("domainNameStatus").with_value(status)),
            ))
        }
    };
    let Some(ep) = ep else {
        return Err(Box::new(
            hop.decide(Verdict::Unknown, "H10.4")
                .reason(format!(
                    "the endpoint the request reaches is unknown, so its access association with {name} cannot be checked"
                ))
                .deciding(Deciding::field("apigateway:GetDomainNameAccessAssociations", "", "").with_detail("(endpoint unknown)")),
        ));
    };
    let Some(arn) = d.domain_name_arn.as_deref() else {
        return Err(Box::new(
            hop.decide(Verdict::Unknown, "H10.4")
                .reason(format!(
                    "the ARN of {name} was not captured, so its access association with {} cannot be checked",
                    ep.vpc_endpoint_id
                ))
                .deciding(field.with_subpath("domainNameArn").missing()),
        ));
    };
    let w = ctx.world;
    let associated = w
        .domain_associations_for_vpce(&ep.vpc_endpoint_id)
        .any(|a| a.domain_name_arn == arn);
    if let Some(why) = ctx.unread(
        "domain_name_access_associations",
        "apigateway:GetDomainNameAccessAssociations",
    ) {
        return Err(Box::new(
            hop.decide(Verdict::Unknown, "H10.4")
                .reason(format!(
                    "the domain access associations could not be read ({why}), so whether {} may use {name} cannot be checked",
                    ep.vpc_endpoint_id
                ))
                .deciding(
                    Deciding::field("apigateway:GetDomainNameAccessAssociations", "", "").missing(),
                ),
        ));
    }
    if !associated
        && w.snap.domain_name_access_associations.is_empty()
        && !ctx.was_read("domain_name_access_associations")
    {
        // Without a record of the read, "none" is "not captured".
        return Err(Box::new(
            hop.decide(Verdict::Unknown, "H10.4")
                .reason(format!(
                    "the snapshot holds no domain access associations, so whether {} may use {name} cannot be checked",
                    ep.vpc_endpoint_id
                ))
                .deciding(
                    Deciding::field("apigateway:GetDomainNameAccessAssociations", "", "")
                        .with_detail("(none in the snapshot)"),
                ),
        ));
    }
    // H10.4 (c): the same endpoint associated with two private domains of this name.
    let twins = w
        .domain_names(name)
        .filter(|o| o.is_private() && o.domain_name_arn.as_deref() != Some(arn))
        .filter_map(|o| o.domain_name_arn.as_deref())
        .filter(|o| {
            w.domain_associations_for_vpce(&ep.vpc_endpoint_id)
                .any(|a| a.domain_name_arn == *o)
        })
        .count();
    if associated && twins > 0 {
        return Err(Box::new(
            hop.decide(Verdict::Unknown, "H10.4")
                .reason(format!(
                    "{} is associated with {} private domains named {name}, which API Gateway does not support; which one answers is not documented",
                    ep.vpc_endpoint_id,
                    twins + 1
                ))
                .deciding(
                    association_field(ep),
                ),
        ));
    }
    // An association is not usable for about 15 minutes after creation.
    // Its age needs both dates: a missing or unreadable one leaves it open.
    let captured = crate::policy::parse_date_millis(&w.snap.captured_at);
    let ages: Vec<Option<i64>> = w
        .domain_associations_for_vpce(&ep.vpc_endpoint_id)
        .filter(|a| a.domain_name_arn == arn)
        .map(|a| {
            let created = a
                .created_date
                .as_deref()
                .and_then(crate::policy::parse_date_millis)?;
            Some(captured? - created)
        })
        .collect();
    let recent = ages
        .iter()
        .any(|age| age.is_some_and(|a| a < 15 * 60 * 1000));
    let undated = !ages.is_empty() && ages.iter().all(Option::is_none);
    if associated && (recent || undated) {
        return Err(Box::new(
            hop.decide(Verdict::Unknown, "H10.4")
                .reason(if recent {
                    format!(
                        "the access association of {} with {name} is less than 15 minutes older than the snapshot; it may not be usable yet",
                        ep.vpc_endpoint_id
                    )
                } else {
                    format!(
                        "the age of the access association of {} with {name} cannot be told (its createdDate or the snapshot's captured_at is missing or unreadable); an association is not usable for about 15 minutes",
                        ep.vpc_endpoint_id
                    )
                })
                .deciding(
                    association_field(ep)
                    .with_subpath("createdDate"),
                ),
        ));
    }
    if !associated {
        // H10.4 (b): the documented failure is a refusal; its exact response is not.
        return Err(Box::new(
            hop.decide(Verdict::Deny, "H10.4")
                .reason(format!(
                    "{} has no access association with private custom domain {name}",
                    ep.vpc_endpoint_id
                ))
                .deciding(
                    association_field(ep)
                    .with_detail(format!("(none for {arn})")),
                )
                .read(K::VpcEndpoint, &ep.vpc_endpoint_id)
                .symptom("refused by API Gateway; the exact response is not documented (likely 403 Forbidden)"),
        ));
    }
    Ok(hop.note(format!(
        "{} is associated with private custom domain {name}",
        ep.vpc_endpoint_id
    )))
}

/// `apigateway:GetDomainNameAccessAssociations accessAssociationSource={vpce}`
fn association_field(ep: &VpcEndpoint) -> Deciding {
    Deciding::field(
        "apigateway:GetDomainNameAccessAssociations",
        "",
        format!("accessAssociationSource={}", ep.vpc_endpoint_id),
    )
}

/// H10.3 and H10.5: the API is private and, unless a custom domain is used,
/// its default execute-api endpoint is on.
fn api_checks(ctx: &Ctx, hop: Hop, api: &RestApi, domain: Option<&DomainName>) -> Hop {
    let id = &api.id;
    let types = &api.endpoint_configuration.types;
    let field = Deciding::field("apigateway:GetRestApi", id, "");
    if types.is_empty() {
        return hop
            .decide(Verdict::Unknown, "H10.3")
            .reason(format!("the endpoint type of {id} was not captured"))
            .deciding(field.with_subpath("endpointConfiguration.types").missing());
    }
    if !api.is_private() {
        let what = match domain {
            Some(d) => format!(
                "custom domain {} maps to {id}, which is not a private API ({}); private domains cannot target public APIs",
                d.domain_name,
                types.join("/")
            ),
            None => format!(
                "{id} is a {} API, not a private one; VPC endpoints route only to private APIs",
                types.join("/")
            ),
        };
        return hop
            .decide(
                Verdict::Deny,
                if domain.is_some() { "H10.4" } else { "H10.3" },
            )
            .reason(what)
            .deciding(
                field
                    .with_subpath("endpointConfiguration.types")
                    .with_value(format!("{types:?}")),
            )
            .symptom(forbidden().symptom())
            .respond(forbidden().logged(None));
    }
    if api.disable_execute_api_endpoint && domain.is_none() {
        return hop
            .decide(Verdict::Deny, "H10.5")
            .reason(format!(
                "{id} has its default execute-api endpoint disabled; only a custom domain reaches it"
            ))
            .deciding(field.with_subpath("disableExecuteApiEndpoint").with_value("true"))
            .symptom(forbidden().symptom())
            .respond(forbidden().logged(None));
    }
    let name = api
        .name
        .as_deref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let via = match domain {
        Some(d) => format!("custom domain {} maps to ", d.domain_name),
        None => format!("form {}: ", ctx.target.form.label()),
    };
    let check = if domain.is_some() { "H10.4" } else { "H10.3" };
    hop.check_id(check)
        .reason(format!("{via}private API {id}{name}"))
        .deciding(
            field
                .with_subpath("endpointConfiguration.types")
                .with_value(format!("{types:?}")),
        )
}
