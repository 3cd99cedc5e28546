//! Reading one resource (or what one trace needs) again, and putting the
//! answer into a snapshot in place of what it held: the TUI's `r`.
//!
//! A refresh that fails changes nothing: the old data stays, and the caller
//! is told why. A resource that the filtered read no longer finds is gone
//! from the account and leaves the snapshot too.

use serde_json::Value;

use super::calls::{CallError, Calls};
use super::ec2::{self, filter};
use super::full::CONCURRENCY;
use super::{apigw, Clients};
use crate::model::Snapshot;
use crate::trace::Request;

/// What to read again.
#[derive(Debug, Clone)]
pub enum Refresh {
    Vpc(String),
    Subnet(String),
    Instance(String),
    Endpoint(String),
    SecurityGroup(String),
    NetworkAcl(String),
    RouteTable(String),
    /// An API with its stages, resources, methods, authorizers and responses.
    Api(String),
    /// Everything the trace of this request reads (targeted discovery).
    Trace(Box<Request>),
}

impl Refresh {
    /// `sg-0abc`, `API a1b2c3`, `what the trace reads`.
    pub fn label(&self) -> String {
        match self {
            Refresh::Vpc(id)
            | Refresh::Subnet(id)
            | Refresh::Instance(id)
            | Refresh::Endpoint(id)
            | Refresh::SecurityGroup(id)
            | Refresh::NetworkAcl(id)
            | Refresh::RouteTable(id) => id.clone(),
            Refresh::Api(id) => format!("API {id}"),
            Refresh::Trace(_) => "what the trace reads".into(),
        }
    }
}

/// A refreshed snapshot and what reading it cost.
#[derive(Debug)]
pub struct Refreshed {
    pub snapshot: Snapshot,
    pub aws_calls: u64,
    /// Resources put in place (replaced or added) and removed.
    pub replaced: usize,
    pub removed: usize,
}

/// Each collection's key fields (in the snapshot's JSON spelling): two
/// items with the same values are the same resource.
const KEYS: &[(&str, &[&str])] = &[
    ("vpcs", &["VpcId"]),
    ("dhcp_options", &["DhcpOptionsId"]),
    ("subnets", &["SubnetId"]),
    ("instances", &["InstanceId"]),
    ("network_interfaces", &["NetworkInterfaceId"]),
    ("route_tables", &["RouteTableId"]),
    ("network_acls", &["NetworkAclId"]),
    ("security_groups", &["GroupId"]),
    ("prefix_lists", &["PrefixListId"]),
    ("vpc_endpoints", &["VpcEndpointId"]),
    ("vpc_peering_connections", &["VpcPeeringConnectionId"]),
    ("rest_apis", &["id"]),
    ("vpc_links", &["id"]),
    ("domain_names", &["domainName", "domainNameId"]),
    (
        "domain_name_access_associations",
        &["domainNameArn", "accessAssociationSource"],
    ),
    ("usage_plans", &["id"]),
    ("api_keys", &["id"]),
    ("instance_profiles", &["Arn"]),
    ("roles", &["Arn"]),
    ("managed_policies", &["Arn"]),
    ("lambda_functions", &["FunctionArn"]),
    ("lambda_policies", &["FunctionArn", "Qualifier"]),
];

fn key_of(item: &Value, fields: &[&str]) -> String {
    fields
        .iter()
        .map(|f| item.get(f).map(Value::to_string).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// Put `fresh` (per collection, a list of items) into `base`: an item with
/// the key of one there replaces it in place, a new one is added; an item
/// whose key is in `gone` (collection, key value of its first field) is
/// removed. Returns (replaced or added, removed).
fn merge(
    base: &Snapshot,
    fresh: &Value,
    gone: &[(&str, &str)],
) -> Result<(Snapshot, usize, usize), String> {
    let mut out = serde_json::to_value(base).map_err(|e| e.to_string())?;
    let (mut put, mut removed) = (0, 0);
    for (collection, fields) in KEYS {
        let Some(list) = out.get_mut(*collection).and_then(Value::as_array_mut) else {
            continue;
        };
        for (c, id) in gone {
            if c == collection {
                let before = list.len();
                let first = fields[0];
                list.retain(|v| v.get(first).and_then(Value::as_str) != Some(*id));
                removed += before - list.len();
            }
        }
        let Some(new) = fresh.get(*collection).and_then(Value::as_array) else {
            continue;
        };
        for item in new {
            let key = key_of(item, fields);
            match list.iter().position(|v| key_of(v, fields) == key) {
                Some(i) => list[i] = item.clone(),
                None => list.push(item.clone()),
            }
            put += 1;
        }
    }
    let snapshot = serde_json::from_value(out).map_err(|e| e.to_string())?;
    Ok((snapshot, put, removed))
}

/// Read `what` again and put it into `base`.
pub async fn refresh(
    clients: &Clients,
    base: &Snapshot,
    what: &Refresh,
) -> Result<Refreshed, String> {
    let before = clients.calls();
    let calls = Calls::new(CONCURRENCY);
    let c = &clients.ec2;
    // Each arm: the collection, the id, and what the read found.
    let (collection, id, found): (&str, &str, Value) = match what {
        Refresh::Trace(req) => {
            let d = super::for_trace(clients, req)
                .await
                .map_err(|e| e.to_string())?;
            let fresh = serde_json::to_value(&d.snapshot).map_err(|e| e.to_string())?;
            let (snapshot, replaced, removed) = merge(base, &fresh, &[])?;
            return Ok(Refreshed {
                snapshot,
                aws_calls: clients.calls() - before,
                replaced,
                removed,
            });
        }
        Refresh::Vpc(id) => {
            let mut vpcs = ec2::vpcs(c, &calls, &[filter("vpc-id", [id])]).await;
            let attrs = ec2::vpc_attributes(c, &calls, &vpcs).await;
            for (v, (support, hostnames)) in vpcs.iter_mut().zip(attrs) {
                v.enable_dns_support = support;
                v.enable_dns_hostnames = hostnames;
            }
            ("vpcs", id, json(&vpcs)?)
        }
        Refresh::Subnet(id) => {
            let found = ec2::subnets(c, &calls, &[filter("subnet-id", [id])]).await;
            ("subnets", id, json(&found)?)
        }
        Refresh::Instance(id) => {
            let found = ec2::instances(c, &calls, &[filter("instance-id", [id])]).await;
            ("instances", id, json(&found)?)
        }
        Refresh::Endpoint(id) => {
            let found = ec2::vpc_endpoints(c, &calls, &[filter("vpc-endpoint-id", [id])]).await;
            let enis = ec2::network_interfaces(c, &calls, ec2::endpoint_enis(&found)).await;
            let mut v = json(&found)?;
            let fresh = serde_json::json!({
                "vpc_endpoints": v.take(),
                "network_interfaces": json(&enis)?,
            });
            return finish(clients, before, &calls, base, &fresh, "vpc_endpoints", id);
        }
        Refresh::SecurityGroup(id) => {
            let found = ec2::security_groups(c, &calls, &[filter("group-id", [id])]).await;
            ("security_groups", id, json(&found)?)
        }
        Refresh::NetworkAcl(id) => {
            let found = ec2::network_acls(c, &calls, &[filter("network-acl-id", [id])]).await;
            ("network_acls", id, json(&found)?)
        }
        Refresh::RouteTable(id) => {
            let found = ec2::route_tables(c, &calls, &[filter("route-table-id", [id])]).await;
            ("route_tables", id, json(&found)?)
        }
        Refresh::Api(id) => {
            let api = apigw::rest_api_by_id(&clients.apigateway, &calls, id).await;
            let found = match api {
                Some(api) => {
                    vec![apigw::api_details(&clients.apigateway, &calls.then(), api, None).await]
                }
                None => Vec::new(),
            };
            ("rest_apis", id, json(&found)?)
        }
    };
    let fresh = serde_json::json!({ collection: found });
    finish(clients, before, &calls, base, &fresh, collection, id)
}

fn json<T: serde::Serialize>(v: &T) -> Result<Value, String> {
    serde_json::to_value(v).map_err(|e| e.to_string())
}

/// Merge what a one-resource read found; a failed call changes nothing,
/// and a resource the read did not find is removed.
fn finish(
    clients: &Clients,
    before: u64,
    calls: &Calls,
    base: &Snapshot,
    fresh: &Value,
    collection: &str,
    id: &str,
) -> Result<Refreshed, String> {
    let errors = calls.errors();
    if let Some(e) = errors.first() {
        return Err(failed(e, errors.len()));
    }
    let none = fresh
        .get(collection)
        .and_then(Value::as_array)
        .is_none_or(|a| a.is_empty());
    let gone: &[(&str, &str)] = if none { &[(collection, id)] } else { &[] };
    let (snapshot, replaced, removed) = merge(base, fresh, gone)?;
    Ok(Refreshed {
        snapshot,
        aws_calls: clients.calls() - before,
        replaced,
        removed,
    })
}

fn failed(e: &CallError, n: usize) -> String {
    match n {
        1 => e.to_string(),
        _ => format!("{e} (and {} more failed calls)", n - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Snapshot {
        serde_json::from_value(serde_json::json!({
            "schema": crate::model::SNAPSHOT_SCHEMA, "account": "1", "region": "us-east-1",
            "captured_at": "2026-01-01T00:00:00Z",
            "security_groups": [
                {"GroupId": "sg-a", "VpcId": "vpc-1", "GroupName": "old"},
                {"GroupId": "sg-b", "VpcId": "vpc-1"}
            ],
            "lambda_policies": [
                {"FunctionArn": "arn:f", "Qualifier": null, "Policy": "{}"},
                {"FunctionArn": "arn:f", "Qualifier": "live", "Policy": "{}"}
            ]
        }))
        .expect("a snapshot")
    }

    #[test]
    fn a_fresh_item_replaces_its_namesake_in_place_and_new_ones_are_added() {
        let fresh = serde_json::json!({
            "security_groups": [
                {"GroupId": "sg-a", "VpcId": "vpc-1", "GroupName": "new"},
                {"GroupId": "sg-c", "VpcId": "vpc-1"}
            ],
            "lambda_policies": [{"FunctionArn": "arn:f", "Qualifier": "live", "Policy": "{\"x\":1}"}]
        });
        let (s, put, removed) = merge(&base(), &fresh, &[]).expect("merged");
        let ids: Vec<&str> = s
            .security_groups
            .iter()
            .map(|g| g.group_id.as_str())
            .collect();
        assert_eq!(ids, ["sg-a", "sg-b", "sg-c"]);
        assert_eq!(s.security_groups[0].group_name.as_deref(), Some("new"));
        // The qualifier is part of a Lambda policy's key.
        assert_eq!(s.lambda_policies.len(), 2);
        assert_eq!(s.lambda_policies[0].policy.as_deref(), Some("{}"));
        assert_eq!(s.lambda_policies[1].policy.as_deref(), Some("{\"x\":1}"));
        assert_eq!((put, removed), (3, 0));
    }

    #[test]
    fn a_resource_the_read_no_longer_finds_is_removed() {
        let (s, put, removed) = merge(
            &base(),
            &serde_json::json!({}),
            &[("security_groups", "sg-b")],
        )
        .expect("merged");
        let ids: Vec<&str> = s
            .security_groups
            .iter()
            .map(|g| g.group_id.as_str())
            .collect();
        assert_eq!(ids, ["sg-a"]);
        assert_eq!((put, removed), (0, 1));
    }
}
