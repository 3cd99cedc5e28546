//! A full discovery: every kind the hops read, in the region the clients
//! talk to, into one [`Snapshot`]. Independent calls run concurrently under
//! one bound; a failed call is recorded and the rest goes on.

use std::time::{Duration, Instant};

use super::calls::{CallError, Calls};
use super::progress::{KindState, Progress};
use super::Clients;
use crate::model::{Snapshot, SNAPSHOT_SCHEMA};

/// How many AWS calls may be in flight at once.
pub const CONCURRENCY: usize = 8;

/// A snapshot and how it was read.
#[derive(Debug, Clone)]
pub struct Discovery {
    pub snapshot: Snapshot,
    /// Operations sent (each page counts once; retries do not).
    pub aws_calls: u64,
    /// The longest chain of dependent calls made: a call that needs another
    /// call's answer is one round after it (every page of a list is in the
    /// list's round).
    pub aws_rounds: u32,
    /// Calls that failed; what they would have read is missing from the snapshot.
    pub errors: Vec<CallError>,
    pub elapsed: Duration,
}

/// Why there is no discovery at all (a single failed read is not one of these).
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("no AWS region is configured: set AWS_REGION, pass --region, or set `region` in the profile")]
    NoRegion,
    #[error("cannot tell which account the credentials belong to: sts:GetCallerIdentity {code}: {message}")]
    Identity { code: String, message: String },
    #[error("instance {id} is not in account {account} ({region})")]
    NoInstance {
        id: String,
        account: String,
        region: String,
    },
    #[error("cannot read instance {id}: {error}")]
    InstanceUnreadable { id: String, error: String },
}

/// Read the account and region `clients` talk to.
pub async fn full(clients: &Clients) -> Result<Discovery, DiscoverError> {
    full_with(clients, CONCURRENCY).await
}

/// [`full`] with at most `concurrency` calls in flight (1: one at a time,
/// which the discovery benchmark compares against).
pub async fn full_with(clients: &Clients, concurrency: usize) -> Result<Discovery, DiscoverError> {
    read_all(clients, Calls::new(concurrency)).await
}

/// [`full`], reporting into `progress` as pages land: counts per kind, and
/// the data read so far (see [`Progress::snapshot`](super::Progress::snapshot)).
pub async fn progressive(
    clients: &Clients,
    progress: Progress,
) -> Result<Discovery, DiscoverError> {
    read_all(clients, Calls::new(CONCURRENCY).with_progress(progress)).await
}

async fn read_all(clients: &Clients, calls: Calls) -> Result<Discovery, DiscoverError> {
    let started = Instant::now();
    let calls_before = clients.calls();
    let region = clients.region.clone().ok_or(DiscoverError::NoRegion)?;

    // The account first: it decides which roles and functions are ours to
    // read, and failing here means the credentials do not work at all.
    let (account, caller_arn) = identity(clients, &calls).await?;
    let progress = calls.progress().cloned();
    if let Some(p) = &progress {
        p.identified(&account, &caller_arn, &region);
    }

    let next = calls.then();
    let (ec2, apigw) = tokio::join!(
        async {
            let ec2 = super::ec2::read(&clients.ec2, &next).await;
            if let Some(p) = &progress {
                ec2.land(p);
            }
            ec2
        },
        async {
            let apigw = super::apigw::read(&clients.apigateway, &next).await;
            if let Some(p) = &progress {
                apigw.land(p);
            }
            apigw
        },
    );
    if let Some(p) = &progress {
        p.state("iam and lambda", KindState::Reading);
    }
    let refs = super::iam::references(&account, &region, &ec2.instances, &apigw.rest_apis);
    let iam = super::iam::read(&clients.iam, &clients.lambda, &calls.after_all(), refs).await;
    if let Some(p) = &progress {
        p.state("iam and lambda", KindState::Done);
    }

    let errors = calls.errors();
    let everything = COLLECTIONS.iter().map(|(_, c)| *c);
    let snapshot = assemble(
        Who {
            account,
            caller_arn,
            region,
        },
        ec2,
        apigw,
        iam,
        &errors,
        everything,
    );
    Ok(Discovery {
        snapshot,
        aws_calls: clients.calls() - calls_before,
        aws_rounds: calls.rounds(),
        errors,
        elapsed: started.elapsed(),
    })
}

/// Whose credentials `clients` use: the account and the caller's ARN
/// (`sts:GetCallerIdentity`), or why they do not work.
pub async fn whoami(clients: &Clients) -> Result<(String, String), DiscoverError> {
    identity(clients, &Calls::new(1)).await
}

/// `sts:GetCallerIdentity`: the account and the caller's ARN.
pub(super) async fn identity(
    clients: &Clients,
    calls: &Calls,
) -> Result<(String, String), DiscoverError> {
    let who = calls
        .one_or(
            "sts:GetCallerIdentity",
            clients.sts.get_caller_identity().send(),
            |_| true,
        )
        .await;
    let (account, caller_arn) = match who {
        Some(Ok(out)) => (
            out.account().unwrap_or_default().to_string(),
            out.arn().unwrap_or_default().to_string(),
        ),
        Some(Err(e)) => {
            let e = CallError::from_sdk("sts:GetCallerIdentity", &e);
            return Err(DiscoverError::Identity {
                code: e.code,
                message: e.message,
            });
        }
        None => {
            return Err(DiscoverError::Identity {
                code: "Cancelled".into(),
                message: "the call was not made".into(),
            })
        }
    };
    if account.is_empty() {
        return Err(DiscoverError::Identity {
            code: "NoAccount".into(),
            message: "the answer names no account".into(),
        });
    }
    Ok((account, caller_arn))
}

/// Whose account and which region a snapshot is of.
pub(super) struct Who {
    pub account: String,
    pub caller_arn: String,
    pub region: String,
}

/// The snapshot of what was read, with the record of the read (`read`: the
/// collections read for the scope of this discovery; see [`read_record`]).
pub(super) fn assemble<'a>(
    who: Who,
    ec2: super::ec2::Ec2,
    apigw: super::apigw::Apigw,
    iam: super::iam::Iam,
    errors: &[CallError],
    read: impl IntoIterator<Item = &'a str>,
) -> Snapshot {
    let (captured, recorded) = read_record(errors, read);
    Snapshot {
        captured,
        errors: recorded,
        schema: SNAPSHOT_SCHEMA.to_string(),
        partition: partition(&who.caller_arn, &who.region),
        account: who.account,
        region: who.region,
        captured_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        vpcs: ec2.vpcs,
        dhcp_options: ec2.dhcp_options,
        subnets: ec2.subnets,
        instances: ec2.instances,
        network_interfaces: ec2.network_interfaces,
        route_tables: ec2.route_tables,
        network_acls: ec2.network_acls,
        security_groups: ec2.security_groups,
        prefix_lists: ec2.prefix_lists,
        vpc_endpoints: ec2.vpc_endpoints,
        vpc_peering_connections: ec2.vpc_peering_connections,
        flow_logs: ec2.flow_logs,
        rest_apis: apigw.rest_apis,
        vpc_links: apigw.vpc_links,
        domain_names: apigw.domain_names,
        domain_name_access_associations: apigw.domain_name_access_associations,
        usage_plans: apigw.usage_plans,
        api_keys: apigw.api_keys,
        instance_profiles: iam.instance_profiles,
        roles: iam.roles,
        managed_policies: iam.managed_policies,
        lambda_functions: iam.lambda_functions,
        lambda_policies: iam.lambda_policies,
    }
}

/// The call that fills each snapshot collection as a whole. A collection is
/// read unless its call failed; calls about one resource (one API's stages,
/// one role's policies) leave that resource's data out instead.
pub(super) const COLLECTIONS: &[(&str, &str)] = &[
    ("ec2:DescribeVpcs", "vpcs"),
    ("ec2:DescribeDhcpOptions", "dhcp_options"),
    ("ec2:DescribeSubnets", "subnets"),
    ("ec2:DescribeInstances", "instances"),
    ("ec2:DescribeNetworkInterfaces", "network_interfaces"),
    ("ec2:DescribeRouteTables", "route_tables"),
    ("ec2:DescribeNetworkAcls", "network_acls"),
    ("ec2:DescribeSecurityGroups", "security_groups"),
    ("ec2:DescribeManagedPrefixLists", "prefix_lists"),
    ("ec2:DescribeVpcEndpoints", "vpc_endpoints"),
    (
        "ec2:DescribeVpcPeeringConnections",
        "vpc_peering_connections",
    ),
    ("ec2:DescribeFlowLogs", "flow_logs"),
    ("apigateway:GetRestApis", "rest_apis"),
    ("apigateway:GetVpcLinks", "vpc_links"),
    ("apigateway:GetDomainNames", "domain_names"),
    (
        "apigateway:GetDomainNameAccessAssociations",
        "domain_name_access_associations",
    ),
    ("apigateway:GetUsagePlans", "usage_plans"),
    ("apigateway:GetApiKeys", "api_keys"),
];

/// What the snapshot records of the read: per collection whether it was
/// read (`read`: the collections this discovery read, for the scope it
/// reads), and every failed call (with the collection it leaves unread).
pub(super) fn read_record<'a>(
    errors: &[CallError],
    read: impl IntoIterator<Item = &'a str>,
) -> (
    std::collections::BTreeMap<String, bool>,
    Vec<crate::model::CallError>,
) {
    let mut captured: std::collections::BTreeMap<String, bool> =
        read.into_iter().map(|c| (c.to_string(), true)).collect();
    let recorded = errors
        .iter()
        .map(|e| {
            let collection = COLLECTIONS
                .iter()
                .find(|(call, _)| *call == e.call)
                .map(|(_, c)| c.to_string());
            if let Some(c) = &collection {
                captured.insert(c.clone(), false);
            }
            crate::model::CallError {
                call: e.call.clone(),
                code: Some(e.code.clone()),
                message: Some(e.message.clone()),
                collection,
                resource: e.resource.clone(),
            }
        })
        .collect();
    (captured, recorded)
}

/// The partition from the caller's ARN, else from the region's name.
pub(super) fn partition(caller_arn: &str, region: &str) -> String {
    match caller_arn.split(':').nth(1) {
        Some(p) if caller_arn.starts_with("arn:") && !p.is_empty() => p.to_string(),
        _ if region.starts_with("cn-") => "aws-cn".into(),
        _ if region.starts_with("us-gov-") => "aws-us-gov".into(),
        _ => "aws".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::{partition, read_record, CallError};

    #[test]
    fn a_failed_collection_call_marks_it_unread() {
        let everything = super::COLLECTIONS.iter().map(|(_, c)| *c);
        let (captured, recorded) = read_record(
            &[
                CallError {
                    call: "ec2:DescribeNetworkAcls".into(),
                    code: "UnauthorizedOperation".into(),
                    message: "no".into(),
                    resource: None,
                },
                CallError {
                    call: "apigateway:GetStages".into(),
                    code: "AccessDeniedException".into(),
                    message: "no".into(),
                    resource: Some("a1b2c3d4e5".into()),
                },
                CallError {
                    call: "apigateway:GetUsagePlanKeys".into(),
                    code: "ThrottlingException".into(),
                    message: "Rate exceeded".into(),
                    resource: Some("plan1".into()),
                },
            ],
            everything,
        );
        assert!(!captured["network_acls"]);
        assert!(captured["security_groups"]);
        // One plan's keys unread leaves the list of plans read.
        assert!(captured["usage_plans"]);
        assert_eq!(recorded.len(), 3);
        assert_eq!(recorded[0].collection.as_deref(), Some("network_acls"));
        assert_eq!(recorded[1].collection, None);
        // A call about one resource is recorded with it.
        assert_eq!(recorded[1].resource.as_deref(), Some("a1b2c3d4e5"));
        assert_eq!(
            recorded[2].to_string(),
            "apigateway:GetUsagePlanKeys plan1 failed: ThrottlingException: Rate exceeded"
        );
    }

    #[test]
    fn partition_comes_from_the_caller_arn_then_the_region() {
        assert_eq!(
            partition("arn:aws-cn:sts::1:assumed-role/r/s", "cn-north-1"),
            "aws-cn"
        );
        assert_eq!(partition("arn:aws:iam::1:user/u", "us-east-1"), "aws");
        assert_eq!(partition("", "us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition("", "eu-west-1"), "aws");
    }
}
