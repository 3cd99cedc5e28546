//! Targeted discovery for one trace: only what the fifteen hops read for one
//! request, found with filters and ids, so that the number of calls does not
//! grow with the account (rulebook §0.4 and §9).
//!
//! Three chains run side by side, each call in the round after the calls
//! whose answers it needs:
//!
//! - the caller: `sts:GetCallerIdentity` (round 1);
//! - the client: the instance and the endpoints the host names (1); the
//!   VPCs of both, with their subnets, route tables, network ACLs, security
//!   groups, the VPC's execute-api endpoints and DNS attributes, and the
//!   instance profile (2); the endpoints' ENIs, the VPC's DHCP options, the
//!   prefix lists and peering connections the routes and rules name, and for
//!   a signed request the profile's role (3), its policies (4, 5);
//! - the API: the API the request names with its stages, resources
//!   (methods embedded), authorizers and gateway responses (1; for a custom
//!   domain first the domain names and access associations, then the base
//!   path mappings); then the stage's deployments and the endpoints the API
//!   names; then, for the methods the request reaches only, the roles and
//!   Lambda functions of their integration and authorizer, the VPC link, and
//!   the API keys and usage plans when a key is required.
//!
//! `captured` records a collection as read only where it was read whole for
//! the scope the hops look at (all route tables of the VPCs, all execute-api
//! endpoints of the client VPC, ...); the others stay unrecorded.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use aws_sdk_ec2::types::Filter;

use super::calls::{all, Calls};
use super::ec2::{self, filter, Ec2};
use super::full::{assemble, identity, DiscoverError, Discovery, Who, CONCURRENCY};
use super::iam::{self, Iam, Refs};
use super::{apigw, apigw::Apigw, Clients};
use crate::model::{apigw as ma, ec2 as me, Snapshot, World};
use crate::trace::{key_hash, substitute_stage_variables, Auth, Request, Target};

/// Read what the trace of `req` needs from the account and region `clients`
/// talk to.
pub async fn for_trace(clients: &Clients, req: &Request) -> Result<Discovery, DiscoverError> {
    let started = Instant::now();
    let calls_before = clients.calls();
    let region = clients.region.clone().ok_or(DiscoverError::NoRegion)?;
    let calls = Calls::new(CONCURRENCY);
    let target = Target::classify(req);

    // The API side needs the account (whose roles and functions it may
    // read) only late: it waits for it without holding up its first calls.
    let (account_tx, account_rx) = tokio::sync::watch::channel(None::<Option<String>>);
    let who = async {
        let who = identity(clients, &calls).await;
        let _ = account_tx.send(Some(who.as_ref().ok().map(|(a, _)| a.clone())));
        who
    };
    // Boxed: the SDK's futures are large, and these hold many of them.
    let (who, client, api) = tokio::join!(
        who,
        Box::pin(client_side(clients, &calls, req, &target, &region)),
        Box::pin(api_side(clients, &calls, req, &target, &region, account_rx)),
    );
    let (account, caller_arn) = who?;
    if !client
        .ec2
        .instances
        .iter()
        .any(|i| i.instance_id == req.from)
    {
        let errors = calls.errors();
        return Err(
            match errors.iter().find(|e| e.call == "ec2:DescribeInstances") {
                Some(e) => DiscoverError::InstanceUnreadable {
                    id: req.from.clone(),
                    error: e.to_string(),
                },
                None => DiscoverError::NoInstance {
                    id: req.from.clone(),
                    account,
                    region,
                },
            },
        );
    }

    let ClientSide {
        mut ec2,
        iam: client_iam,
        read: mut collections,
    } = client;
    let ApiSide {
        apigw,
        iam: api_iam,
        endpoints,
        read: api_read,
    } = api;
    collections.extend(api_read);
    add_endpoints(&mut ec2.vpc_endpoints, endpoints);
    let errors = calls.errors();
    let snapshot = assemble(
        Who {
            account,
            caller_arn,
            region,
        },
        ec2,
        apigw,
        merge_iam(client_iam, api_iam),
        &errors,
        collections,
    );
    Ok(Discovery {
        snapshot,
        aws_calls: clients.calls() - calls_before,
        aws_rounds: calls.rounds(),
        errors,
        elapsed: started.elapsed(),
    })
}

/// What the client chain read.
#[derive(Default)]
struct ClientSide {
    ec2: Ec2,
    iam: Iam,
    /// The collections read whole for the scope the hops look at.
    read: Vec<&'static str>,
}

/// The instance, the network between it and the endpoints, and its identity.
async fn client_side(
    clients: &Clients,
    calls: &Calls,
    req: &Request,
    target: &Target,
    region: &str,
) -> ClientSide {
    let c = &clients.ec2;
    let mut out = ClientSide::default();
    let named: Vec<String> = target.vpce_id.iter().cloned().collect();
    let this_instance = [filter("instance-id", [req.from.as_str()])];
    let (instances, named_eps) = tokio::join!(
        ec2::instances(c, calls, &this_instance),
        ec2::vpc_endpoints_by_id(c, calls, &named),
    );
    out.read.push("instances");
    out.ec2.instances = instances;
    out.ec2.vpc_endpoints = named_eps;
    let Some(inst) = out
        .ec2
        .instances
        .iter()
        .find(|i| i.instance_id == req.from)
        .cloned()
    else {
        return out;
    };
    let client_vpc = inst.vpc_id.clone();

    // Round 2: the VPCs of the client and of the endpoints the host names.
    let r2 = calls.then();
    let vpc_ids: BTreeSet<String> = client_vpc
        .iter()
        .cloned()
        .chain(out.ec2.vpc_endpoints.iter().map(|e| e.vpc_id.clone()))
        .collect();
    let profile = inst.iam_instance_profile.as_ref().map(|p| p.arn.clone());
    let identity = instance_identity(clients, &r2, profile, req.auth == Auth::Sigv4);
    if vpc_ids.is_empty() {
        out.iam = identity.await;
        return out;
    }
    let in_vpcs = [filter("vpc-id", vpc_ids.iter().map(String::as_str))];
    let services: BTreeSet<String> = [target.region.as_deref().unwrap_or(region), region]
        .into_iter()
        .map(crate::trace::execute_api_service)
        .collect();
    let client_vpc_only: Vec<me::Vpc> = client_vpc
        .iter()
        .map(|id| me::Vpc {
            vpc_id: id.clone(),
            ..Default::default()
        })
        .collect();
    let vpc_eps = async {
        let Some(vpc) = &client_vpc else {
            return Vec::new();
        };
        let f = [
            filter("vpc-id", [vpc.as_str()]),
            filter("service-name", services.iter().map(String::as_str)),
        ];
        ec2::vpc_endpoints(c, &r2, &f).await
    };
    let (vpcs, subnets, route_tables, network_acls, security_groups, vpc_eps, attrs, iam) = tokio::join!(
        ec2::vpcs(c, &r2, &in_vpcs),
        ec2::subnets(c, &r2, &in_vpcs),
        ec2::route_tables(c, &r2, &in_vpcs),
        ec2::network_acls(c, &r2, &in_vpcs),
        ec2::security_groups(c, &r2, &in_vpcs),
        vpc_eps,
        ec2::vpc_attributes(c, &r2, &client_vpc_only),
        identity,
    );
    out.iam = iam;
    out.read.extend([
        "vpcs",
        "subnets",
        "route_tables",
        "network_acls",
        "security_groups",
        "vpc_endpoints",
    ]);
    out.ec2.vpcs = vpcs;
    for (v, (support, hostnames)) in client_vpc_only.iter().zip(attrs) {
        if let Some(vpc) = out.ec2.vpcs.iter_mut().find(|x| x.vpc_id == v.vpc_id) {
            vpc.enable_dns_support = support;
            vpc.enable_dns_hostnames = hostnames;
        }
    }
    out.ec2.subnets = subnets;
    out.ec2.route_tables = route_tables;
    out.ec2.network_acls = network_acls;
    out.ec2.security_groups = security_groups;
    add_endpoints(&mut out.ec2.vpc_endpoints, vpc_eps);

    // Round 3: what those name.
    let r3 = r2.then();
    let eni_ids = ec2::endpoint_enis(&out.ec2.vpc_endpoints);
    let dhcp: Vec<String> = out
        .ec2
        .vpcs
        .iter()
        .filter(|v| client_vpc.as_deref() == Some(v.vpc_id.as_str()))
        .filter_map(|v| v.dhcp_options_id.clone())
        .filter(|id| id != "default")
        .collect();
    let lists: Vec<String> = ec2::referenced_prefix_lists(&out.ec2).into_iter().collect();
    let peerings: BTreeSet<String> = out
        .ec2
        .route_tables
        .iter()
        .flat_map(|rt| rt.routes.iter())
        .filter_map(|r| r.vpc_peering_connection_id.clone())
        .collect();
    let dhcp_f = [filter("dhcp-options-id", dhcp.iter().map(String::as_str))];
    let peering_f = [filter(
        "vpc-peering-connection-id",
        peerings.iter().map(String::as_str),
    )];
    let watched = flow_log_targets(&out.ec2);
    let flow_f = [filter("resource-id", watched.iter().map(String::as_str))];
    let (enis, dhcp_options, prefix_lists, peering_connections, flow_logs) = tokio::join!(
        ec2::network_interfaces(c, &r3, eni_ids),
        when(!dhcp.is_empty(), || ec2::dhcp_options(c, &r3, &dhcp_f)),
        when(!lists.is_empty(), || prefix_lists_with_entries(
            c, &r3, &lists
        )),
        when(!peerings.is_empty(), || {
            ec2::peering_connections(c, &r3, &peering_f)
        }),
        when(!watched.is_empty(), || ec2::flow_logs(c, &r3, &flow_f)),
    );
    out.ec2.network_interfaces = enis;
    out.read.push("network_interfaces");
    for (read, collection) in [
        (dhcp_options.is_some(), "dhcp_options"),
        (prefix_lists.is_some(), "prefix_lists"),
        (peering_connections.is_some(), "vpc_peering_connections"),
        (flow_logs.is_some(), "flow_logs"),
    ] {
        if read {
            out.read.push(collection);
        }
    }
    out.ec2.dhcp_options = dhcp_options.unwrap_or_default();
    out.ec2.prefix_lists = prefix_lists.unwrap_or_default();
    out.ec2.vpc_peering_connections = peering_connections.unwrap_or_default();
    out.ec2.flow_logs = flow_logs.unwrap_or_default();
    out
}

/// The resources whose flow logs are evidence for the path: the VPCs read,
/// the instances' subnets and ENIs, and the endpoints' subnets and ENIs.
fn flow_log_targets(e: &ec2::Ec2) -> BTreeSet<String> {
    let mut ids: BTreeSet<String> = e.vpcs.iter().map(|v| v.vpc_id.clone()).collect();
    for i in &e.instances {
        ids.extend(i.subnet_id.iter().cloned());
        ids.extend(
            i.network_interfaces
                .iter()
                .map(|n| n.network_interface_id.clone()),
        );
    }
    for ep in &e.vpc_endpoints {
        ids.extend(ep.subnet_ids.iter().cloned());
        ids.extend(ep.network_interface_ids.iter().cloned());
    }
    ids
}

/// `more` added to `endpoints`, each endpoint once.
fn add_endpoints(endpoints: &mut Vec<me::VpcEndpoint>, more: Vec<me::VpcEndpoint>) {
    for ep in more {
        if !endpoints
            .iter()
            .any(|e| e.vpc_endpoint_id == ep.vpc_endpoint_id)
        {
            endpoints.push(ep);
        }
    }
}

/// `read()` when `cond`, else nothing (and `None`).
async fn when<T, F, Fut>(cond: bool, read: F) -> Option<T>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    if cond {
        Some(read().await)
    } else {
        None
    }
}

/// The prefix lists `ids` with their entries, both read in `calls`' round.
async fn prefix_lists_with_entries(
    c: &aws_sdk_ec2::Client,
    calls: &Calls,
    ids: &[String],
) -> Vec<me::ManagedPrefixList> {
    let stubs: Vec<me::ManagedPrefixList> = ids
        .iter()
        .map(|id| me::ManagedPrefixList {
            prefix_list_id: id.clone(),
            ..Default::default()
        })
        .collect();
    let wanted: BTreeSet<String> = ids.iter().cloned().collect();
    let f: [Filter; 1] = [filter("prefix-list-id", ids.iter().map(String::as_str))];
    let (described, entries) = tokio::join!(
        ec2::prefix_lists(c, calls, &f),
        ec2::prefix_list_entries(c, calls, &stubs, &wanted),
    );
    stubs
        .into_iter()
        .zip(entries)
        .filter_map(|(stub, entries)| {
            let described = described
                .iter()
                .find(|d| d.prefix_list_id == stub.prefix_list_id)
                .cloned();
            // A list neither described nor listed does not exist (here).
            if described.is_none() && entries.is_none() {
                return None;
            }
            let mut pl = described.unwrap_or(stub);
            pl.entries = entries;
            Some(pl)
        })
        .collect()
}

/// The instance profile (round of `calls`); for a signed request also its
/// role with the role's policies (the rounds after).
async fn instance_identity(
    clients: &Clients,
    calls: &Calls,
    profile: Option<String>,
    signed: bool,
) -> Iam {
    let Some(profile) = profile else {
        return Iam::default();
    };
    let profiles = BTreeSet::from([profile]);
    if signed {
        let refs = Refs {
            instance_profiles: profiles,
            ..Default::default()
        };
        return iam::read(&clients.iam, &clients.lambda, calls, refs).await;
    }
    Iam {
        instance_profiles: iam::instance_profiles_of(&clients.iam, calls, profiles).await,
        ..Default::default()
    }
}

/// What the API chain read.
#[derive(Default)]
struct ApiSide {
    apigw: Apigw,
    iam: Iam,
    /// The endpoints the API names (its `vpcEndpointIds`, its resource
    /// policy's `aws:SourceVpce`), wherever they are.
    endpoints: Vec<me::VpcEndpoint>,
    read: Vec<&'static str>,
}

/// The API the request names, its stage and deployment, and what the
/// methods the request reaches need.
async fn api_side(
    clients: &Clients,
    calls: &Calls,
    req: &Request,
    target: &Target,
    region: &str,
    account: tokio::sync::watch::Receiver<Option<Option<String>>>,
) -> ApiSide {
    let c = &clients.apigateway;
    let mut out = ApiSide::default();
    let mut calls = calls.clone();
    if target.form.is_custom_domain() {
        // The domain's base path mappings name the API: they come first.
        let name = target.custom_domain.as_deref();
        let (domains, associations) = tokio::join!(
            apigw::domain_names_named(c, &calls, name),
            apigw::access_associations(c, &calls),
        );
        out.apigw.domain_names = domains;
        out.apigw.domain_name_access_associations = associations;
        out.read
            .extend(["domain_names", "domain_name_access_associations"]);
        calls = calls.then().then();
    }
    // The API, stage and path as the trace will resolve them.
    let probe = World::new(Snapshot {
        region: region.to_string(),
        domain_names: out.apigw.domain_names.clone(),
        domain_name_access_associations: out.apigw.domain_name_access_associations.clone(),
        ..Default::default()
    });
    let aim = crate::trace::api_call_in(&probe, req);
    let api_id = match &aim {
        Some((id, _, _)) => Some(id.clone()),
        None if !target.form.is_custom_domain() => target.api_id.clone(),
        None => None,
    };
    let Some(api_id) = api_id.filter(|id| !id.is_empty()) else {
        return out;
    };
    let stage = aim.as_ref().map(|(_, st, _)| st.clone());
    let bare = ma::RestApi {
        id: api_id.clone(),
        ..Default::default()
    };
    let (found, details) = tokio::join!(
        apigw::rest_api_by_id(c, &calls, &api_id),
        apigw::api_details(c, &calls, bare, Some(stage.as_deref().unwrap_or(""))),
    );
    out.read.push("rest_apis");
    let Some(mut api) = found else {
        // No such API here (another account's?): its details are 404s too,
        // and none of them is a failed call.
        calls.forget_errors(|e| e.code == "NotFoundException" && e.call.starts_with("apigateway:"));
        return out;
    };
    api.stages = details.stages;
    api.deployments = details.deployments;
    api.resources = details.resources;
    api.authorizers = details.authorizers;
    api.gateway_responses = details.gateway_responses;
    // Which of those reads failed, so that an empty list is not taken for none.
    api.unread = details.unread;

    // The endpoints the API names, in the round after the API.
    let named_eps: Vec<String> = endpoints_named_by(&api)
        .into_iter()
        .filter(|id| target.vpce_id.as_deref() != Some(id.as_str()))
        .collect();
    let next = calls.then();
    let endpoints = ec2::vpc_endpoints_by_id(&clients.ec2, &next, &named_eps);

    // The methods the request reaches, in the round after the deployments.
    let reached = match &aim {
        Some((_, stage, path)) => {
            crate::trace::resolve::methods_reached(&api, stage, path, &req.method)
        }
        None => BTreeSet::new(),
    };
    let scope = method_scope(&api, stage.as_deref(), &reached);
    let after_deployments = next.then();
    let methods = async {
        let mut rx = account;
        let account = match rx.wait_for(Option::is_some).await {
            Ok(a) => a.clone().flatten(),
            Err(_) => None,
        };
        let Some(account) = account else {
            return MethodReads::default();
        };
        method_reads(
            clients,
            &after_deployments,
            req,
            &account,
            region,
            &api,
            &scope,
        )
        .await
    };
    let (endpoints, methods) = tokio::join!(endpoints, methods);
    out.endpoints = endpoints;
    out.iam = methods.iam;
    out.apigw.vpc_links = methods.vpc_links;
    out.apigw.api_keys = methods.api_keys;
    out.apigw.usage_plans = methods.usage_plans;
    out.read.extend(methods.read);
    out.apigw.rest_apis = vec![api];
    out
}

/// Endpoint ids the API names: `endpointConfiguration.vpcEndpointIds` and
/// the `vpce-...` values in its resource policy.
fn endpoints_named_by(api: &ma::RestApi) -> BTreeSet<String> {
    let mut ids: BTreeSet<String> = api
        .endpoint_configuration
        .vpc_endpoint_ids
        .iter()
        .cloned()
        .collect();
    if let Some(policy) = &api.policy {
        let re = regex::Regex::new(r"vpce-[0-9a-f]{8,17}\b").expect("valid regex");
        ids.extend(re.find_iter(policy).map(|m| m.as_str().to_string()));
    }
    ids
}

/// The API cut down to what the reached methods use: the stage, the
/// reached methods of their resources, and their authorizers.
fn method_scope(
    api: &ma::RestApi,
    stage: Option<&str>,
    reached: &BTreeSet<(String, String)>,
) -> ma::RestApi {
    let resources: Vec<ma::Resource> = api
        .resources
        .iter()
        .filter_map(|r| {
            let methods: BTreeMap<String, ma::Method> = r
                .resource_methods
                .iter()
                .filter(|(k, _)| reached.contains(&(r.path.clone(), (*k).clone())))
                .map(|(k, m)| (k.clone(), m.clone()))
                .collect();
            (!methods.is_empty()).then(|| ma::Resource {
                resource_methods: methods,
                ..r.clone()
            })
        })
        .collect();
    let authorizer_ids: BTreeSet<&str> = resources
        .iter()
        .flat_map(|r| r.resource_methods.values())
        .filter_map(|m| m.authorizer_id.as_deref())
        .collect();
    ma::RestApi {
        stages: api
            .stages
            .iter()
            .filter(|s| stage == Some(s.stage_name.as_str()))
            .cloned()
            .collect(),
        authorizers: api
            .authorizers
            .iter()
            .filter(|a| authorizer_ids.contains(a.id.as_str()))
            .cloned()
            .collect(),
        resources,
        ..api.clone()
    }
}

/// What the reached methods need read.
#[derive(Default)]
struct MethodReads {
    iam: Iam,
    vpc_links: Vec<ma::VpcLink>,
    api_keys: Vec<ma::ApiKey>,
    usage_plans: Vec<ma::UsagePlan>,
    read: Vec<&'static str>,
}

/// The roles and functions of the reached methods' integrations and
/// authorizers, their VPC links, and the API keys and usage plans when a
/// reached method requires a key and the request sends one.
async fn method_reads(
    clients: &Clients,
    calls: &Calls,
    req: &Request,
    account: &str,
    region: &str,
    full_api: &ma::RestApi,
    scope: &ma::RestApi,
) -> MethodReads {
    let c = &clients.apigateway;
    let refs = iam::references(account, region, &[], std::slice::from_ref(scope));
    let roles_and_functions = iam::read(&clients.iam, &clients.lambda, calls, refs);

    let variables = iam::stage_variable_sets(scope);
    let link_ids: BTreeSet<String> = scope
        .resources
        .iter()
        .flat_map(|r| r.resource_methods.values())
        .filter_map(|m| m.method_integration.as_ref())
        .filter(|i| i.connection_type.as_deref() == Some("VPC_LINK"))
        .filter_map(|i| i.connection_id.clone())
        .flat_map(|id| {
            let ids: Vec<String> = if variables.is_empty() {
                vec![id.clone()]
            } else {
                variables
                    .iter()
                    .filter_map(|v| substitute_stage_variables(&id, v).ok())
                    .collect()
            };
            ids.into_iter()
                .filter(|id| !id.is_empty() && !id.contains("${"))
        })
        .collect();
    let links = async {
        let futs = link_ids
            .into_iter()
            .map(|id| {
                let (c, calls) = (c.clone(), calls.clone());
                async move { apigw::vpc_link_by_id(&c, &calls, &id).await }
            })
            .collect();
        all(calls, futs).await.into_iter().flatten().collect()
    };

    let key_value = req
        .header("x-api-key")
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let wants_key = key_required(full_api, scope)
        && !full_api
            .api_key_source
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("AUTHORIZER"));
    let keys = async {
        let value = key_value.filter(|_| wants_key)?;
        let keys = apigw::api_keys(c, calls).await;
        let hash = key_hash(value);
        let matching: Vec<String> = keys
            .iter()
            .filter(|k| {
                k.value_sha256
                    .as_deref()
                    .is_some_and(|h| h.eq_ignore_ascii_case(&hash))
            })
            .map(|k| k.id.clone())
            .collect();
        let next = calls.then();
        let futs = matching
            .iter()
            .map(|id| {
                let (c, calls, id) = (c.clone(), next.clone(), id.clone());
                async move { apigw::usage_plans_with_key(&c, &calls, &id).await }
            })
            .collect();
        let found = super::calls::each(calls, futs).await;
        let mut plans: Vec<ma::UsagePlan> = Vec::new();
        let mut plans_read = !matching.is_empty();
        for got in found {
            match got.flatten() {
                Some(found) => {
                    for p in found {
                        match plans.iter_mut().find(|q| q.id == p.id) {
                            Some(q) => q.key_ids.extend(p.key_ids),
                            None => plans.push(p),
                        }
                    }
                }
                None => plans_read = false,
            }
        }
        Some((keys, plans, plans_read))
    };
    let (iam, vpc_links, keys) = tokio::join!(roles_and_functions, links, keys);
    let mut out = MethodReads {
        iam,
        vpc_links,
        ..Default::default()
    };
    if let Some((keys, plans, plans_read)) = keys {
        out.api_keys = keys;
        out.usage_plans = plans;
        out.read.push("api_keys");
        if plans_read {
            out.read.push("usage_plans");
        }
    }
    out
}

/// Whether a reached method requires an API key: in a deployment's
/// `apiSummary` or, live, on the method.
fn key_required(api: &ma::RestApi, scope: &ma::RestApi) -> bool {
    let live = scope
        .resources
        .iter()
        .flat_map(|r| r.resource_methods.values())
        .any(|m| m.api_key_required == Some(true));
    let deployed = scope
        .stages
        .iter()
        .flat_map(|st| {
            st.deployment_id.iter().chain(
                st.canary_settings
                    .iter()
                    .flat_map(|cs| cs.deployment_id.iter()),
            )
        })
        .filter_map(|id| api.deployments.iter().find(|d| &d.id == id))
        .filter_map(|d| d.api_summary.as_ref())
        .any(|summary| {
            scope.resources.iter().any(|r| {
                r.resource_methods.keys().any(|k| {
                    summary
                        .get(&r.path)
                        .and_then(|ms| ms.get(k))
                        .is_some_and(|m| m.api_key_required == Some(true))
                })
            })
        });
    live || deployed
}

/// Both chains' IAM and Lambda reads, each item once.
fn merge_iam(a: Iam, b: Iam) -> Iam {
    fn union<T>(mut a: Vec<T>, b: Vec<T>, same: impl Fn(&T, &T) -> bool) -> Vec<T> {
        for x in b {
            if !a.iter().any(|y| same(y, &x)) {
                a.push(x);
            }
        }
        a
    }
    Iam {
        instance_profiles: union(a.instance_profiles, b.instance_profiles, |x, y| {
            x.arn == y.arn
        }),
        roles: union(a.roles, b.roles, |x, y| x.arn == y.arn),
        managed_policies: union(a.managed_policies, b.managed_policies, |x, y| {
            x.arn == y.arn
        }),
        lambda_functions: union(a.lambda_functions, b.lambda_functions, |x, y| {
            x.function_arn == y.function_arn
        }),
        lambda_policies: union(a.lambda_policies, b.lambda_policies, |x, y| {
            x.function_arn == y.function_arn && x.qualifier == y.qualifier
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::apigw::{Authorizer, Deployment, Method, MethodSnapshot, Resource, Stage};

    fn api() -> ma::RestApi {
        let method = |auth: Option<&str>, key: bool| Method {
            authorizer_id: auth.map(str::to_string),
            api_key_required: Some(key),
            ..Default::default()
        };
        ma::RestApi {
            id: "a1".into(),
            endpoint_configuration: ma::EndpointConfiguration {
                vpc_endpoint_ids: vec!["vpce-0aaaaaaaaaaaaaaaa".into()],
                ..Default::default()
            },
            policy: Some(r#"{\"Statement\":[{\"Condition\":{\"StringEquals\":{\"aws:SourceVpce\":[\"vpce-0bbbbbbbbbbbbbbbb\",\"vpce-0aaaaaaaaaaaaaaaa\"]}}}]}"#.into()),
            stages: vec![
                Stage {
                    stage_name: "prod".into(),
                    deployment_id: Some("d1".into()),
                    ..Default::default()
                },
                Stage {
                    stage_name: "dev".into(),
                    deployment_id: Some("d0".into()),
                    ..Default::default()
                },
            ],
            deployments: vec![Deployment {
                id: "d1".into(),
                api_summary: Some(BTreeMap::from([(
                    "/pets".to_string(),
                    BTreeMap::from([(
                        "GET".to_string(),
                        MethodSnapshot {
                            api_key_required: Some(true),
                            ..Default::default()
                        },
                    )]),
                )])),
                ..Default::default()
            }],
            resources: vec![
                Resource {
                    id: "r1".into(),
                    path: "/pets".into(),
                    resource_methods: BTreeMap::from([
                        ("GET".to_string(), method(Some("au1"), false)),
                        ("POST".to_string(), method(Some("au2"), true)),
                    ]),
                    ..Default::default()
                },
                Resource {
                    id: "r2".into(),
                    path: "/toys".into(),
                    resource_methods: BTreeMap::from([("GET".to_string(), method(None, true))]),
                    ..Default::default()
                },
            ],
            authorizers: ["au1", "au2"]
                .iter()
                .map(|id| Authorizer {
                    id: id.to_string(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn the_scope_is_the_reached_methods_their_authorizers_and_the_stage() {
        let api = api();
        let reached = BTreeSet::from([("/pets".to_string(), "GET".to_string())]);
        let scope = method_scope(&api, Some("prod"), &reached);
        assert_eq!(scope.resources.len(), 1);
        let methods: Vec<&String> = scope.resources[0].resource_methods.keys().collect();
        assert_eq!(methods, vec!["GET"]);
        let authorizers: Vec<&str> = scope.authorizers.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(authorizers, vec!["au1"]);
        let stages: Vec<&str> = scope.stages.iter().map(|s| s.stage_name.as_str()).collect();
        assert_eq!(stages, vec!["prod"]);
        // The live GET needs no key, but the deployed one does.
        assert!(key_required(&api, &scope));

        let none = method_scope(&api, Some("prod"), &BTreeSet::new());
        assert!(none.resources.is_empty() && none.authorizers.is_empty());
        assert!(!key_required(&api, &none));
    }

    #[test]
    fn the_endpoints_an_api_names_come_from_its_configuration_and_policy() {
        let ids: Vec<String> = endpoints_named_by(&api()).into_iter().collect();
        assert_eq!(
            ids,
            vec!["vpce-0aaaaaaaaaaaaaaaa", "vpce-0bbbbbbbbbbbbbbbb"]
        );
    }

    #[test]
    fn both_chains_reads_are_merged_once_each() {
        use crate::model::iam::{InstanceProfile, LambdaPolicy, Role};
        let role = |arn: &str| Role {
            arn: arn.into(),
            ..Default::default()
        };
        let a = Iam {
            instance_profiles: vec![InstanceProfile {
                arn: "p".into(),
                ..Default::default()
            }],
            roles: vec![role("r1")],
            ..Default::default()
        };
        let b = Iam {
            roles: vec![role("r1"), role("r2")],
            lambda_policies: vec![
                LambdaPolicy {
                    function_arn: "f".into(),
                    qualifier: None,
                    ..Default::default()
                },
                LambdaPolicy {
                    function_arn: "f".into(),
                    qualifier: Some("live".into()),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let m = merge_iam(a, b);
        let roles: Vec<&str> = m.roles.iter().map(|r| r.arn.as_str()).collect();
        assert_eq!(roles, vec!["r1", "r2"]);
        assert_eq!(m.instance_profiles.len(), 1);
        assert_eq!(m.lambda_policies.len(), 2);
    }
}
