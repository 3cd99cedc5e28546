//! API Gateway (REST, v1) reads and their mapping into `model::apigw`.
//! Policies are kept exactly as returned (the policy parser decodes API
//! Gateway's escaped form). API key values are hashed at once and never kept.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;

use aws_sdk_apigateway::types as t;
use aws_sdk_apigateway::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::calls::{all, Calls};
use crate::model::apigw as m;

/// Everything API Gateway gives a snapshot.
#[derive(Default)]
pub(super) struct Apigw {
    pub rest_apis: Vec<m::RestApi>,
    pub vpc_links: Vec<m::VpcLink>,
    pub domain_names: Vec<m::DomainName>,
    pub domain_name_access_associations: Vec<m::DomainNameAccessAssociation>,
    pub usage_plans: Vec<m::UsagePlan>,
    pub api_keys: Vec<m::ApiKey>,
}

impl Apigw {
    /// Hand everything read to a progressive discovery's partial snapshot.
    pub fn land(&self, p: &super::Progress) {
        p.land("rest_apis", &self.rest_apis);
        p.land("vpc_links", &self.vpc_links);
        p.land("domain_names", &self.domain_names);
        p.land(
            "domain_name_access_associations",
            &self.domain_name_access_associations,
        );
        p.land("usage_plans", &self.usage_plans);
        p.land("api_keys", &self.api_keys);
    }
}

/// The most items one call may ask for (API Gateway's maximum `limit`).
const LIMIT: i32 = 500;

pub(super) async fn read(c: &Client, calls: &Calls) -> Apigw {
    let (
        rest_apis,
        vpc_links,
        domain_names,
        domain_name_access_associations,
        usage_plans,
        api_keys,
    ) = tokio::join!(
        rest_apis(c, calls),
        vpc_links(c, calls),
        domain_names(c, calls),
        access_associations(c, calls),
        usage_plans(c, calls),
        api_keys(c, calls),
    );
    Apigw {
        rest_apis,
        vpc_links,
        domain_names,
        domain_name_access_associations,
        usage_plans,
        api_keys,
    }
}

fn s(v: Option<&str>) -> Option<String> {
    v.map(str::to_string)
}

fn date(d: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    d.and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
}

fn map(h: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    h.map(|h| h.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// A `model::RestApi` from anything with the accessors of `types::RestApi`
/// (the list's items and `GetRestApi`'s output); `None` without an id.
macro_rules! rest_api {
    ($a:expr) => {{
        let a = $a;
        a.id().map(|id| m::RestApi {
            id: id.to_string(),
            name: s(a.name()),
            endpoint_configuration: endpoint_configuration(a.endpoint_configuration()),
            policy: s(a.policy()),
            disable_execute_api_endpoint: a.disable_execute_api_endpoint(),
            api_key_source: a.api_key_source().map(|v| v.as_str().to_string()),
            security_policy: a.security_policy().map(|v| v.as_str().to_string()),
            endpoint_access_mode: a.endpoint_access_mode().map(|v| v.as_str().to_string()),
            api_status: a.api_status().map(|v| v.as_str().to_string()),
            owner_account: None,
            policy_changed_at: None,
            tags: map(a.tags()),
            ..Default::default()
        })
    }};
}

/// A `position`/`limit` list without an SDK paginator, page by page.
async fn positioned<O, T, E, F, Fut>(
    calls: &Calls,
    call: &str,
    mut send: F,
    items: impl Fn(&O) -> &[T],
    next: impl Fn(&O) -> Option<&str>,
) -> Option<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<O, SdkError<E, HttpResponse>>>,
    T: Clone,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut out = Vec::new();
    let mut position: Option<String> = None;
    let mut seen = BTreeSet::new();
    loop {
        let page = calls.one(call, send(position.clone())).await?;
        out.extend_from_slice(items(&page));
        match next(&page) {
            // A position seen before would loop forever.
            Some(p) if !p.is_empty() && seen.insert(p.to_string()) => {
                position = Some(p.to_string())
            }
            _ => return Some(out),
        }
    }
}

fn endpoint_configuration(e: Option<&t::EndpointConfiguration>) -> m::EndpointConfiguration {
    let Some(e) = e else {
        return m::EndpointConfiguration::default();
    };
    m::EndpointConfiguration {
        types: e.types().iter().map(|t| t.as_str().to_string()).collect(),
        vpc_endpoint_ids: e.vpc_endpoint_ids().to_vec(),
        ip_address_type: e.ip_address_type().map(|v| v.as_str().to_string()),
    }
}

async fn rest_apis(c: &Client, calls: &Calls) -> Vec<m::RestApi> {
    let call = "apigateway:GetRestApis";
    let req = c.get_rest_apis().limit(LIMIT).into_paginator().send();
    let pages = calls.pages(call, req).await.unwrap_or_default();
    let apis: Vec<m::RestApi> = pages
        .iter()
        .flat_map(|p| p.items())
        .filter_map(|a| rest_api!(a))
        .collect();
    let next = calls.then();
    if let Some(p) = calls.progress() {
        p.total("apis", apis.len());
    }
    let futs = apis
        .into_iter()
        .map(|api| {
            let (c, calls) = (c.clone(), next.clone());
            async move {
                let api = api_details(&c, &calls, api, None).await;
                // Each API lands once all its details are read.
                if let Some(p) = calls.progress() {
                    p.one("apis", "rest_apis", &api);
                }
                api
            }
        })
        .collect();
    all(calls, futs).await
}

fn not_found<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    e.code() == Some("NotFoundException")
}

/// One API by id (`GetRestApi`), without its details; `None` when there is
/// no such API in this account and region (not a failed call) or the call
/// failed (recorded).
pub(super) async fn rest_api_by_id(c: &Client, calls: &Calls, id: &str) -> Option<m::RestApi> {
    let req = c.get_rest_api().rest_api_id(id).send();
    let out = calls
        .one_or("apigateway:GetRestApi", req, not_found)
        .await?
        .ok()?;
    rest_api!(&out)
}

/// Stages (then the deployments they reference: of `only_stage`, else of
/// every stage), resources with their methods, authorizers and gateway
/// responses of one API. The deployments are read in the round after
/// `calls`'.
pub(super) async fn api_details(
    c: &Client,
    calls: &Calls,
    mut api: m::RestApi,
    only_stage: Option<&str>,
) -> m::RestApi {
    let id = api.id.clone();
    let calls = &calls.about(&id);
    let (stages, resources, authorizers, responses) = tokio::join!(
        stages_and_deployments(c, calls, &id, only_stage, &mut api.unread),
        resources(c, calls, &id),
        authorizers(c, calls, &id),
        gateway_responses(c, calls, &id),
    );
    (api.stages, api.deployments) = stages;
    api.resources = resources;
    api.authorizers = or_unread(authorizers, "apigateway:GetAuthorizers", &mut api.unread);
    api.gateway_responses = or_unread(responses, "apigateway:GetGatewayResponses", &mut api.unread);
    api
}

/// A per-resource list that was read, or (its call failed) an empty one
/// with the call added to the resource's `unread`, so that the trace does
/// not take the empty list for "there are none".
fn or_unread<T>(got: Option<Vec<T>>, call: &str, unread: &mut Vec<String>) -> Vec<T> {
    got.unwrap_or_else(|| {
        unread.push(call.to_string());
        Vec::new()
    })
}

async fn stages_and_deployments(
    c: &Client,
    calls: &Calls,
    api: &str,
    only_stage: Option<&str>,
    unread: &mut Vec<String>,
) -> (Vec<m::Stage>, Vec<m::Deployment>) {
    let out = calls
        .one(
            "apigateway:GetStages",
            c.get_stages().rest_api_id(api).send(),
        )
        .await;
    let stages: Vec<m::Stage> = or_unread(
        out.map(|o| o.item().iter().filter_map(stage).collect()),
        "apigateway:GetStages",
        unread,
    );
    let ids: BTreeSet<String> = stages
        .iter()
        .filter(|st| only_stage.is_none_or(|name| st.stage_name == name))
        .flat_map(|st| {
            st.deployment_id.iter().chain(
                st.canary_settings
                    .iter()
                    .flat_map(|cs| cs.deployment_id.iter()),
            )
        })
        .cloned()
        .collect();
    let next = calls.then();
    let calls = &next;
    let futs = ids
        .into_iter()
        .map(|dep| {
            let (c, calls, api) = (c.clone(), calls.clone(), api.to_string());
            async move {
                let req = c
                    .get_deployment()
                    .rest_api_id(api)
                    .deployment_id(dep)
                    .embed("apisummary")
                    .send();
                calls
                    .one("apigateway:GetDeployment", req)
                    .await
                    .and_then(|d| deployment(&d))
            }
        })
        .collect();
    let deployments = all(calls, futs).await.into_iter().flatten().collect();
    (stages, deployments)
}

fn stage(st: &t::Stage) -> Option<m::Stage> {
    Some(m::Stage {
        stage_name: st.stage_name()?.to_string(),
        deployment_id: s(st.deployment_id()),
        access_log_settings: st.access_log_settings().map(|a| m::AccessLogSettings {
            format: s(a.format()),
            destination_arn: s(a.destination_arn()),
        }),
        method_settings: st
            .method_settings()
            .map(|ms| {
                ms.iter()
                    .map(|(k, v)| (k.clone(), method_setting(v)))
                    .collect()
            })
            .unwrap_or_default(),
        web_acl_arn: s(st.web_acl_arn()),
        variables: map(st.variables()),
        canary_settings: st.canary_settings().map(|cs| m::CanarySettings {
            percent_traffic: Some(cs.percent_traffic()),
            deployment_id: s(cs.deployment_id()),
            stage_variable_overrides: map(cs.stage_variable_overrides()),
        }),
        last_updated_date: date(st.last_updated_date()),
    })
}

fn method_setting(v: &t::MethodSetting) -> m::MethodSetting {
    // The SDK gives 0 for a limit the response left out. Both 0 is read as
    // "not sent" (a deliberate 0/0 block is rare, and H14 only notes throttling).
    let (burst, rate) = (v.throttling_burst_limit(), v.throttling_rate_limit());
    let sent = burst != 0 || rate != 0.0;
    m::MethodSetting {
        logging_level: s(v.logging_level()),
        data_trace_enabled: Some(v.data_trace_enabled()),
        throttling_burst_limit: sent.then_some(i64::from(burst)),
        throttling_rate_limit: sent.then_some(rate),
    }
}

fn deployment(
    d: &aws_sdk_apigateway::operation::get_deployment::GetDeploymentOutput,
) -> Option<m::Deployment> {
    Some(m::Deployment {
        id: d.id()?.to_string(),
        created_date: date(d.created_date()),
        description: s(d.description()),
        api_summary: d.api_summary().map(|paths| {
            paths
                .iter()
                .map(|(path, methods)| {
                    let methods = methods
                        .iter()
                        .map(|(verb, snap)| {
                            (
                                verb.clone(),
                                m::MethodSnapshot {
                                    authorization_type: s(snap.authorization_type()),
                                    // The SDK gives a plain bool (absent is false, as
                                    // the API model's default says), so it cannot be
                                    // kept unknown; H11 compares it with the live
                                    // method's apiKeyRequired, which is optional.
                                    api_key_required: Some(snap.api_key_required()),
                                },
                            )
                        })
                        .collect();
                    (path.clone(), methods)
                })
                .collect()
        }),
    })
}

async fn resources(c: &Client, calls: &Calls, api: &str) -> Vec<m::Resource> {
    let req = c
        .get_resources()
        .rest_api_id(api)
        .embed("methods")
        .limit(LIMIT)
        .into_paginator()
        .send();
    calls
        .items(
            "apigateway:GetResources",
            req,
            |p| p.items(),
            |r| {
                Some(m::Resource {
                    id: r.id()?.to_string(),
                    path: r.path()?.to_string(),
                    parent_id: s(r.parent_id()),
                    path_part: s(r.path_part()),
                    resource_methods: r
                        .resource_methods()
                        .map(|ms| ms.iter().map(|(k, v)| (k.clone(), method(v))).collect())
                        .unwrap_or_default(),
                })
            },
        )
        .await
        .unwrap_or_default()
}

fn method(v: &t::Method) -> m::Method {
    m::Method {
        http_method: s(v.http_method()),
        authorization_type: s(v.authorization_type()),
        authorizer_id: s(v.authorizer_id()),
        api_key_required: v.api_key_required(),
        authorization_scopes: v.authorization_scopes().to_vec(),
        method_integration: v.method_integration().map(integration),
    }
}

fn integration(i: &t::Integration) -> m::Integration {
    m::Integration {
        integration_type: i.r#type().map(|v| v.as_str().to_string()),
        uri: s(i.uri()),
        http_method: s(i.http_method()),
        connection_type: i.connection_type().map(|v| v.as_str().to_string()),
        connection_id: s(i.connection_id()),
        integration_target: s(i.integration_target()),
        credentials: s(i.credentials()),
        // The SDK gives 0 when the field is absent; API Gateway's minimum is 50.
        timeout_in_millis: Some(i.timeout_in_millis())
            .filter(|&ms| ms > 0)
            .map(i64::from),
        tls_config: i.tls_config().map(|tc| m::TlsConfig {
            insecure_skip_verification: Some(tc.insecure_skip_verification()),
        }),
    }
}

/// The API's authorizers; `None` when the call failed (recorded).
async fn authorizers(c: &Client, calls: &Calls, api: &str) -> Option<Vec<m::Authorizer>> {
    let got = positioned(
        calls,
        "apigateway:GetAuthorizers",
        |pos| {
            c.get_authorizers()
                .rest_api_id(api)
                .limit(LIMIT)
                .set_position(pos)
                .send()
        },
        |o| o.items(),
        |o| o.position(),
    )
    .await;
    let got = got?;
    let authorizers = got
        .iter()
        .filter_map(|a| {
            Some(m::Authorizer {
                id: a.id()?.to_string(),
                name: s(a.name()),
                authorizer_type: a.r#type().map(|v| v.as_str().to_string()),
                authorizer_uri: s(a.authorizer_uri()),
                authorizer_credentials: s(a.authorizer_credentials()),
                identity_source: s(a.identity_source()),
                authorizer_result_ttl_in_seconds: a
                    .authorizer_result_ttl_in_seconds()
                    .map(i64::from),
                provider_arns: a.provider_arns().to_vec(),
            })
        })
        .collect();
    Some(authorizers)
}

/// The API's gateway responses; `None` when the call failed (recorded).
async fn gateway_responses(
    c: &Client,
    calls: &Calls,
    api: &str,
) -> Option<Vec<m::GatewayResponse>> {
    let got = positioned(
        calls,
        "apigateway:GetGatewayResponses",
        |pos| {
            c.get_gateway_responses()
                .rest_api_id(api)
                .limit(LIMIT)
                .set_position(pos)
                .send()
        },
        |o| o.items(),
        |o| o.position(),
    )
    .await;
    let responses = got?
        .iter()
        .filter_map(|g| {
            Some(m::GatewayResponse {
                response_type: g.response_type()?.as_str().to_string(),
                status_code: s(g.status_code()),
                response_templates: map(g.response_templates()),
                default_response: Some(g.default_response()),
            })
        })
        .collect();
    Some(responses)
}

/// A `model::VpcLink` from the list's items or `GetVpcLink`'s output.
macro_rules! vpc_link {
    ($l:expr) => {{
        let l = $l;
        l.id().map(|id| m::VpcLink {
            id: id.to_string(),
            name: s(l.name()),
            status: l.status().map(|v| v.as_str().to_string()),
            status_message: s(l.status_message()),
            target_arns: l.target_arns().to_vec(),
        })
    }};
}

async fn vpc_links(c: &Client, calls: &Calls) -> Vec<m::VpcLink> {
    let req = c.get_vpc_links().limit(LIMIT).into_paginator().send();
    calls
        .items(
            "apigateway:GetVpcLinks",
            req,
            |p| p.items(),
            |l| vpc_link!(l),
        )
        .await
        .unwrap_or_default()
}

/// One VPC link by id; `None` when there is none (then the trace says it is
/// missing) or the call failed (recorded).
pub(super) async fn vpc_link_by_id(c: &Client, calls: &Calls, id: &str) -> Option<m::VpcLink> {
    let req = c.get_vpc_link().vpc_link_id(id).send();
    let out = calls
        .one_or("apigateway:GetVpcLink", req, not_found)
        .await?
        .ok()?;
    vpc_link!(&out)
}

/// The account's own domain names, private ones included, each with its
/// base path mappings.
async fn domain_names(c: &Client, calls: &Calls) -> Vec<m::DomainName> {
    domain_names_named(c, calls, None).await
}

/// The account's own domain names (only those called `only`, in any case,
/// when given), each with its base path mappings (read in the next round).
pub(super) async fn domain_names_named(
    c: &Client,
    calls: &Calls,
    only: Option<&str>,
) -> Vec<m::DomainName> {
    let req = c
        .get_domain_names()
        .resource_owner(t::ResourceOwner::SelfValue)
        .limit(LIMIT)
        .into_paginator()
        .send();
    let domains = calls
        .items("apigateway:GetDomainNames", req, |p| p.items(), domain_name)
        .await
        .unwrap_or_default();
    let wanted = |d: &m::DomainName| {
        only.is_none_or(|n| {
            d.domain_name
                .trim_end_matches('.')
                .eq_ignore_ascii_case(n.trim_end_matches('.'))
        })
    };
    let next = calls.then();
    let futs = domains
        .into_iter()
        .filter(wanted)
        .map(|mut d| {
            let (c, calls) = (c.clone(), next.about(&d.domain_name));
            async move {
                let req = c
                    .get_base_path_mappings()
                    .domain_name(&d.domain_name)
                    .set_domain_name_id(d.domain_name_id.clone())
                    .limit(LIMIT)
                    .into_paginator()
                    .send();
                let got = calls
                    .items(
                        "apigateway:GetBasePathMappings",
                        req,
                        |p| p.items(),
                        |b| {
                            Some(m::BasePathMapping {
                                base_path: s(b.base_path()),
                                rest_api_id: b.rest_api_id()?.to_string(),
                                stage: s(b.stage()),
                            })
                        },
                    )
                    .await;
                d.base_path_mappings =
                    or_unread(got, "apigateway:GetBasePathMappings", &mut d.unread);
                d
            }
        })
        .collect();
    all(calls, futs).await
}

fn domain_name(d: &t::DomainName) -> Option<m::DomainName> {
    Some(m::DomainName {
        unread: Vec::new(),
        domain_name: d.domain_name()?.to_string(),
        domain_name_id: s(d.domain_name_id()),
        domain_name_arn: s(d.domain_name_arn()),
        policy: s(d.policy()),
        management_policy: s(d.management_policy()),
        endpoint_configuration: endpoint_configuration(d.endpoint_configuration()),
        security_policy: d.security_policy().map(|v| v.as_str().to_string()),
        endpoint_access_mode: d.endpoint_access_mode().map(|v| v.as_str().to_string()),
        domain_name_status: d.domain_name_status().map(|v| v.as_str().to_string()),
        mutual_tls_authentication: d.mutual_tls_authentication().map(|mt| {
            m::MutualTlsAuthentication {
                truststore_uri: s(mt.truststore_uri()),
                truststore_version: s(mt.truststore_version()),
                truststore_warnings: mt.truststore_warnings().to_vec(),
            }
        }),
        base_path_mappings: Vec::new(),
    })
}

/// The access associations of this account's private domain names. (The API
/// has no creation date, so an association's age stays unknown.)
pub(super) async fn access_associations(
    c: &Client,
    calls: &Calls,
) -> Vec<m::DomainNameAccessAssociation> {
    let got = positioned(
        calls,
        "apigateway:GetDomainNameAccessAssociations",
        |pos| {
            c.get_domain_name_access_associations()
                .resource_owner(t::ResourceOwner::SelfValue)
                .limit(LIMIT)
                .set_position(pos)
                .send()
        },
        |o| o.items(),
        |o| o.position(),
    )
    .await;
    got.unwrap_or_default()
        .iter()
        .filter_map(|a| {
            Some(m::DomainNameAccessAssociation {
                domain_name_access_association_arn: s(a.domain_name_access_association_arn()),
                domain_name_arn: a.domain_name_arn()?.to_string(),
                access_association_source: a.access_association_source()?.to_string(),
                access_association_source_type: a
                    .access_association_source_type()
                    .map(|v| v.as_str().to_string()),
                created_date: None,
            })
        })
        .collect()
}

fn usage_plan(u: &t::UsagePlan) -> Option<m::UsagePlan> {
    Some(m::UsagePlan {
        id: u.id()?.to_string(),
        name: s(u.name()),
        api_stages: u
            .api_stages()
            .iter()
            .filter_map(|a| {
                Some(m::ApiStage {
                    api_id: a.api_id()?.to_string(),
                    stage: a.stage()?.to_string(),
                })
            })
            .collect(),
        key_ids: Vec::new(),
        unread: Vec::new(),
    })
}

pub(super) async fn usage_plans(c: &Client, calls: &Calls) -> Vec<m::UsagePlan> {
    let req = c.get_usage_plans().limit(LIMIT).into_paginator().send();
    let plans = calls
        .items("apigateway:GetUsagePlans", req, |p| p.items(), usage_plan)
        .await
        .unwrap_or_default();
    let next = calls.then();
    let futs = plans
        .into_iter()
        .map(|mut plan| {
            let (c, calls) = (c.clone(), next.about(&plan.id));
            async move {
                let req = c
                    .get_usage_plan_keys()
                    .usage_plan_id(&plan.id)
                    .limit(LIMIT)
                    .into_paginator()
                    .send();
                let call = "apigateway:GetUsagePlanKeys";
                let got = calls.items(call, req, |p| p.items(), |k| s(k.id())).await;
                plan.key_ids = or_unread(got, call, &mut plan.unread);
                plan
            }
        })
        .collect();
    all(calls, futs).await
}

/// The usage plans that hold API key `key_id` (`GetUsagePlans?keyId=`),
/// each listing that key only: what H14 asks of a plan is whether it holds
/// the request's key for the API's stage. `None` when the call failed.
pub(super) async fn usage_plans_with_key(
    c: &Client,
    calls: &Calls,
    key_id: &str,
) -> Option<Vec<m::UsagePlan>> {
    let req = c
        .get_usage_plans()
        .key_id(key_id)
        .limit(LIMIT)
        .into_paginator()
        .send();
    let plans = calls
        .items("apigateway:GetUsagePlans", req, |p| p.items(), usage_plan)
        .await?;
    Some(
        plans
            .into_iter()
            .map(|mut p| {
                p.key_ids = vec![key_id.to_string()];
                p
            })
            .collect(),
    )
}

/// API keys with the SHA-256 of their value (H14 compares hashes); the value
/// itself is dropped here and never reaches the snapshot.
pub(super) async fn api_keys(c: &Client, calls: &Calls) -> Vec<m::ApiKey> {
    let req = c
        .get_api_keys()
        .include_values(true)
        .limit(LIMIT)
        .into_paginator()
        .send();
    calls
        .items(
            "apigateway:GetApiKeys",
            req,
            |p| p.items(),
            |k| {
                Some(m::ApiKey {
                    id: k.id()?.to_string(),
                    name: s(k.name()),
                    enabled: k.enabled(),
                    value_sha256: k.value().map(crate::trace::key_hash),
                    stage_keys: k.stage_keys().to_vec(),
                })
            },
        )
        .await
        .unwrap_or_default()
}
