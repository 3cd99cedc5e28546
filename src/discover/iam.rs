//! IAM and Lambda, read only for what the graph references: the instance
//! profiles of instances, the roles those profiles hold and the roles named
//! as integration or authorizer credentials (with their inline, attached and
//! boundary policies), and the Lambda functions integration and authorizer
//! URIs name (timeout, and the resource policy per qualifier used).
//! Policy documents are kept as returned (IAM percent-encodes them).

use std::collections::{BTreeMap, BTreeSet};

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::calls::{all, Calls};
use crate::model::apigw::RestApi;
use crate::model::ec2::Instance;
use crate::model::iam as m;
use crate::trace::{lambda_of_uri, split_qualifier, substitute_stage_variables};

/// What the graph names in IAM and Lambda, in this account and region.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Refs {
    pub instance_profiles: BTreeSet<String>,
    pub roles: BTreeSet<String>,
    /// (unqualified function ARN, qualifier)
    pub functions: BTreeSet<(String, Option<String>)>,
}

/// Account id of an ARN (`arn:partition:service:region:account:...`).
fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4)
}

fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3)
}

/// The name at the end of `arn:...:role/path/name` (or `instance-profile/...`).
fn arn_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

pub(super) fn references(
    account: &str,
    region: &str,
    instances: &[Instance],
    apis: &[RestApi],
) -> Refs {
    let mine = |arn: &str| arn_account(arn) == Some(account);
    let mut refs = Refs::default();
    for i in instances {
        if let Some(p) = &i.iam_instance_profile {
            if mine(&p.arn) {
                refs.instance_profiles.insert(p.arn.clone());
            }
        }
    }
    let mut role = |arn: Option<&String>| {
        if let Some(arn) = arn.filter(|a| a.contains(":role/") && mine(a)) {
            refs.roles.insert(arn.clone());
        }
    };
    for api in apis {
        for a in &api.authorizers {
            role(a.authorizer_credentials.as_ref());
        }
        for r in &api.resources {
            for mt in r.resource_methods.values() {
                role(
                    mt.method_integration
                        .as_ref()
                        .and_then(|i| i.credentials.as_ref()),
                );
            }
        }
    }
    for api in apis {
        let uris = api
            .authorizers
            .iter()
            .filter_map(|a| a.authorizer_uri.as_deref())
            .chain(api.resources.iter().flat_map(|r| {
                r.resource_methods
                    .values()
                    .filter_map(|mt| mt.method_integration.as_ref()?.uri.as_deref())
            }));
        let variables = stage_variable_sets(api);
        for uri in uris {
            for fn_arn in functions_of(uri, &variables) {
                let (unqualified, qualifier) = split_qualifier(&fn_arn);
                if mine(&unqualified) && arn_region(&unqualified) == Some(region) {
                    refs.functions.insert((unqualified, qualifier));
                }
            }
        }
    }
    refs
}

/// The stage variables each stage (and each canary) runs with.
pub(super) fn stage_variable_sets(api: &RestApi) -> Vec<BTreeMap<String, String>> {
    let mut sets = Vec::new();
    for st in &api.stages {
        sets.push(st.variables.clone());
        if let Some(cs) = &st.canary_settings {
            let mut v = st.variables.clone();
            v.extend(cs.stage_variable_overrides.clone());
            sets.push(v);
        }
    }
    sets
}

/// The function ARNs a URI names, once per stage-variable set that defines
/// every variable it uses.
fn functions_of(uri: &str, variables: &[BTreeMap<String, String>]) -> BTreeSet<String> {
    let Some(raw) = lambda_of_uri(uri) else {
        return BTreeSet::new();
    };
    let candidates: BTreeSet<String> = if raw.contains("${stageVariables.") {
        variables
            .iter()
            .filter_map(|v| substitute_stage_variables(raw, v).ok())
            .collect()
    } else {
        BTreeSet::from([raw.to_string()])
    };
    candidates
        .into_iter()
        .filter(|a| a.starts_with("arn:") && a.contains(":function:"))
        .collect()
}

/// Everything IAM and Lambda give a snapshot.
#[derive(Default)]
pub(super) struct Iam {
    pub instance_profiles: Vec<m::InstanceProfile>,
    pub roles: Vec<m::Role>,
    pub managed_policies: Vec<m::ManagedPolicy>,
    pub lambda_functions: Vec<m::LambdaFunction>,
    pub lambda_policies: Vec<m::LambdaPolicy>,
}

pub(super) async fn read(
    iam: &aws_sdk_iam::Client,
    lambda: &aws_sdk_lambda::Client,
    calls: &Calls,
    refs: Refs,
) -> Iam {
    let Refs {
        instance_profiles,
        roles,
        functions,
    } = refs;
    let iam_side = async {
        // The roles come in the round after the profiles that name them.
        let roles_calls = if instance_profiles.is_empty() {
            calls.clone()
        } else {
            calls.then()
        };
        let profiles = instance_profiles_of(iam, calls, instance_profiles).await;
        let mut role_arns = roles;
        role_arns.extend(
            profiles
                .iter()
                .flat_map(|p| p.roles.iter().map(|r| r.arn.clone())),
        );
        let calls = &roles_calls;
        let roles = roles_of(iam, calls, role_arns).await;
        let policy_arns: BTreeSet<String> = roles
            .iter()
            .flat_map(|r| {
                r.attached_policies
                    .iter()
                    .map(|a| a.policy_arn.clone())
                    .chain(
                        r.permissions_boundary
                            .iter()
                            .map(|b| b.permissions_boundary_arn.clone()),
                    )
            })
            .collect();
        let managed = managed_policies(iam, &calls.then(), policy_arns).await;
        (profiles, roles, managed)
    };
    let ((instance_profiles, roles, managed_policies), (lambda_functions, lambda_policies)) =
        tokio::join!(iam_side, lambdas(lambda, calls, functions));
    Iam {
        instance_profiles,
        roles,
        managed_policies,
        lambda_functions,
        lambda_policies,
    }
}

pub(super) async fn instance_profiles_of(
    c: &aws_sdk_iam::Client,
    calls: &Calls,
    arns: BTreeSet<String>,
) -> Vec<m::InstanceProfile> {
    let futs = arns
        .into_iter()
        .map(|arn| {
            let (c, calls) = (c.clone(), calls.clone());
            async move {
                let req = c
                    .get_instance_profile()
                    .instance_profile_name(arn_name(&arn))
                    .send();
                let out = calls.one("iam:GetInstanceProfile", req).await?;
                let p = out.instance_profile()?;
                Some(m::InstanceProfile {
                    // Keyed as the instance names it.
                    arn,
                    instance_profile_name: Some(p.instance_profile_name().to_string()),
                    roles: p
                        .roles()
                        .iter()
                        .map(|r| m::RoleRef {
                            arn: r.arn().to_string(),
                            role_name: Some(r.role_name().to_string()),
                        })
                        .collect(),
                })
            }
        })
        .collect();
    all(calls, futs).await.into_iter().flatten().collect()
}

/// Each role with its trust policy, boundary, inline policies (documents
/// included) and attached policy ARNs.
async fn roles_of(c: &aws_sdk_iam::Client, calls: &Calls, arns: BTreeSet<String>) -> Vec<m::Role> {
    let futs = arns
        .into_iter()
        .map(|arn| {
            let (c, calls) = (c.clone(), calls.clone());
            async move { role(&c, &calls, &arn).await }
        })
        .collect();
    all(calls, futs).await.into_iter().flatten().collect()
}

async fn role(c: &aws_sdk_iam::Client, calls: &Calls, arn: &str) -> Option<m::Role> {
    let name = arn_name(arn);
    let get = calls.one("iam:GetRole", c.get_role().role_name(name).send());
    let inline = async {
        let req = c
            .list_role_policies()
            .role_name(name)
            .into_paginator()
            .send();
        let pages = calls.pages("iam:ListRolePolicies", req).await?;
        let names: Vec<String> = pages
            .iter()
            .flat_map(|p| p.policy_names().iter().cloned())
            .collect();
        let futs = names
            .into_iter()
            .map(|policy| {
                let (c, calls, role) = (c.clone(), calls.then(), name.to_string());
                async move {
                    let req = c
                        .get_role_policy()
                        .role_name(role)
                        .policy_name(&policy)
                        .send();
                    match calls.one("iam:GetRolePolicy", req).await {
                        Some(out) => Ok(m::InlinePolicy {
                            policy_name: policy,
                            policy_document: out.policy_document().to_string(),
                        }),
                        None => Err(format!("iam:GetRolePolicy {policy}")),
                    }
                }
            })
            .collect();
        Some(all(calls, futs).await)
    };
    let attached = async {
        let req = c
            .list_attached_role_policies()
            .role_name(name)
            .into_paginator()
            .send();
        let pages = calls.pages("iam:ListAttachedRolePolicies", req).await?;
        Some(
            pages
                .iter()
                .flat_map(|p| p.attached_policies())
                .filter_map(|a| {
                    Some(m::AttachedPolicy {
                        policy_arn: a.policy_arn()?.to_string(),
                        policy_name: a.policy_name().map(str::to_string),
                    })
                })
                .collect::<Vec<_>>(),
        )
    };
    let (got, inline, attached) = tokio::join!(get, inline, attached);
    let out = got?;
    let r = out.role()?;
    // What could not be read is said on the role, so the trace does not
    // take a shorter list of policies for the whole answer.
    let mut unread = Vec::new();
    let mut inline_policies = Vec::new();
    match inline {
        Some(results) => {
            for r in results {
                match r {
                    Ok(p) => inline_policies.push(p),
                    Err(call) => unread.push(call),
                }
            }
        }
        None => unread.push("iam:ListRolePolicies".to_string()),
    }
    if attached.is_none() {
        unread.push("iam:ListAttachedRolePolicies".to_string());
    }
    Some(m::Role {
        arn: r.arn().to_string(),
        role_name: r.role_name().to_string(),
        assume_role_policy_document: r.assume_role_policy_document().map(str::to_string),
        inline_policies,
        attached_policies: attached.unwrap_or_default(),
        unread,
        permissions_boundary: r.permissions_boundary().and_then(|b| {
            Some(m::PermissionsBoundary {
                permissions_boundary_arn: b.permissions_boundary_arn()?.to_string(),
                permissions_boundary_type: b
                    .permissions_boundary_type()
                    .map(|t| t.as_str().to_string()),
            })
        }),
    })
}

/// Each managed policy with its default version's document.
async fn managed_policies(
    c: &aws_sdk_iam::Client,
    calls: &Calls,
    arns: BTreeSet<String>,
) -> Vec<m::ManagedPolicy> {
    let futs = arns
        .into_iter()
        .map(|arn| {
            let (c, calls) = (c.clone(), calls.clone());
            async move {
                let out = calls
                    .one("iam:GetPolicy", c.get_policy().policy_arn(&arn).send())
                    .await?;
                let p = out.policy()?;
                let version = p.default_version_id()?.to_string();
                let calls = calls.then();
                let req = c
                    .get_policy_version()
                    .policy_arn(&arn)
                    .version_id(&version)
                    .send();
                let v = calls.one("iam:GetPolicyVersion", req).await?;
                Some(m::ManagedPolicy {
                    arn: arn.clone(),
                    policy_name: p.policy_name().map(str::to_string),
                    default_version_id: Some(version),
                    document: v.policy_version()?.document()?.to_string(),
                })
            }
        })
        .collect();
    all(calls, futs).await.into_iter().flatten().collect()
}

fn not_found<E: ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("ResourceNotFoundException")
}

/// Per function its configuration (timeout), and per qualifier used its
/// resource policy. A function that does not exist gets neither (the trace
/// then says it is missing); an existing one without a policy gets a
/// `LambdaPolicy` whose `policy` is `None`. A read that failed otherwise
/// gets no entry and is recorded with the function's ARN (qualified for
/// `GetPolicy`), so the trace says `unknown` and names it.
async fn lambdas(
    c: &aws_sdk_lambda::Client,
    calls: &Calls,
    functions: BTreeSet<(String, Option<String>)>,
) -> (Vec<m::LambdaFunction>, Vec<m::LambdaPolicy>) {
    let unqualified: BTreeSet<String> = functions.iter().map(|(f, _)| f.clone()).collect();
    let configs = unqualified
        .into_iter()
        .map(|arn| {
            // A failure is recorded with the function, so the trace can
            // tell "this one was not read" from "there is no such function".
            let (c, calls) = (c.clone(), calls.about(&arn));
            async move {
                let req = c.get_function_configuration().function_name(&arn).send();
                let got = calls
                    .one_or("lambda:GetFunctionConfiguration", req, not_found)
                    .await;
                (arn, got.map(|r| r.ok()))
            }
        })
        .collect();
    let policies = functions
        .into_iter()
        .map(|(arn, qualifier)| {
            let qualified = match &qualifier {
                Some(q) => format!("{arn}:{q}"),
                None => arn.clone(),
            };
            let (c, calls) = (c.clone(), calls.about(&qualified));
            async move {
                let req = c
                    .get_policy()
                    .function_name(&arn)
                    .set_qualifier(qualifier.clone())
                    .send();
                let got = calls.one_or("lambda:GetPolicy", req, not_found).await;
                (arn, qualifier, got)
            }
        })
        .collect();
    let (configs, policies) = tokio::join!(all(calls, configs), all(calls, policies));
    // None: the read failed; Some(None): no such function.
    let mut missing = BTreeSet::new();
    let mut functions = Vec::new();
    for (arn, got) in configs {
        match got {
            Some(Some(cfg)) => functions.push(m::LambdaFunction {
                function_name: cfg.function_name().map(str::to_string),
                timeout: cfg.timeout().map(i64::from),
                // Keyed as the URI names it, unqualified.
                function_arn: arn,
            }),
            Some(None) => {
                missing.insert(arn);
            }
            None => {}
        }
    }
    let lambda_policies = policies
        .into_iter()
        .filter(|(arn, _, _)| !missing.contains(arn))
        .filter_map(|(arn, qualifier, got)| {
            let (policy, revision_id) = match got? {
                Ok(out) => (
                    out.policy().map(str::to_string),
                    out.revision_id().map(str::to_string),
                ),
                Err(_) => (None, None),
            };
            Some(m::LambdaPolicy {
                function_arn: arn,
                qualifier,
                policy,
                revision_id,
            })
        })
        .collect();
    (functions, lambda_policies)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::apigw::{Authorizer, Integration, Method, Resource, Stage};

    fn api_with(uri: &str, credentials: Option<&str>, vars: &[(&str, &str)]) -> RestApi {
        let mut methods = BTreeMap::new();
        methods.insert(
            "GET".to_string(),
            Method {
                method_integration: Some(Integration {
                    integration_type: Some("AWS_PROXY".into()),
                    uri: Some(uri.into()),
                    credentials: credentials.map(str::to_string),
                    ..Default::default()
                }),
                ..Default::default()
            },
        );
        RestApi {
            id: "a1".into(),
            stages: vec![Stage {
                stage_name: "prod".into(),
                variables: vars
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Default::default()
            }],
            resources: vec![Resource {
                id: "r1".into(),
                path: "/x".into(),
                resource_methods: methods,
                ..Default::default()
            }],
            authorizers: vec![Authorizer {
                id: "au".into(),
                authorizer_uri: Some("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111122223333:function:auth/invocations".into()),
                authorizer_credentials: Some("arn:aws:iam::111122223333:role/service/auth-invoker".into()),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    const URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111122223333:function:backend:${stageVariables.alias}/invocations";

    #[test]
    fn references_follow_stage_variables_accounts_and_regions() {
        let apis = vec![
            api_with(URI, Some("arn:aws:iam::111122223333:role/invoker"), &[("alias", "live")]),
            // Another account's function and role, and the caller pass-through: not read.
            api_with(
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:999999999999:function:theirs/invocations",
                Some("arn:aws:iam::*:user/*"),
                &[],
            ),
            // Another region: the regional client cannot read it.
            api_with(
                "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:111122223333:function:far/invocations",
                None,
                &[],
            ),
        ];
        let instances = vec![Instance {
            instance_id: "i-1".into(),
            iam_instance_profile: Some(crate::model::ec2::IamInstanceProfileRef {
                arn: "arn:aws:iam::111122223333:instance-profile/web".into(),
            }),
            ..Default::default()
        }];
        let refs = references("111122223333", "us-east-1", &instances, &apis);
        assert_eq!(
            refs.instance_profiles,
            BTreeSet::from(["arn:aws:iam::111122223333:instance-profile/web".to_string()])
        );
        assert_eq!(
            refs.roles,
            BTreeSet::from([
                "arn:aws:iam::111122223333:role/invoker".to_string(),
                "arn:aws:iam::111122223333:role/service/auth-invoker".to_string(),
            ])
        );
        assert_eq!(
            refs.functions,
            BTreeSet::from([
                (
                    "arn:aws:lambda:us-east-1:111122223333:function:auth".to_string(),
                    None
                ),
                (
                    "arn:aws:lambda:us-east-1:111122223333:function:backend".to_string(),
                    Some("live".to_string())
                ),
            ])
        );
        assert_eq!(
            arn_name("arn:aws:iam::1:role/service/auth-invoker"),
            "auth-invoker"
        );
    }

    #[test]
    fn an_undefined_stage_variable_names_no_function() {
        let apis = vec![api_with(URI, None, &[])];
        let refs = references("111122223333", "us-east-1", &[], &apis);
        assert!(
            !refs.functions.iter().any(|(f, _)| f.ends_with(":backend")),
            "{refs:?}"
        );
    }
}
