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
    ("flow_logs", &["FlowLogId"]),
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

/// What one read found: fresh items per collection, the resources it no
/// longer finds, and collections it read whole (they replace the old ones).
#[derive(Default)]
struct Found {
    fresh: serde_json::Map<String, Value>,
    gone: Vec<(&'static str, String)>,
    whole: Vec<&'static str>,
}

impl Found {
    fn put<T: serde::Serialize>(&mut self, collection: &str, items: &[T]) -> Result<(), String> {
        let v = json(&items)?;
        match self.fresh.get_mut(collection).and_then(Value::as_array_mut) {
            Some(list) => list.extend(v.as_array().cloned().unwrap_or_default()),
            None => {
                self.fresh.insert(collection.to_string(), v);
            }
        }
        Ok(())
    }
}

/// The resources a trace of `req` reads in `base`, each to read again (a
/// stage, method or integration reads its whole API).
fn reads_of_trace(base: &Snapshot, req: &Request) -> Vec<Refresh> {
    use crate::trace::ResourceKind as K;
    let world = crate::model::World::new(base.clone());
    let Ok(t) = crate::trace::run(&world, req) else {
        return vec![Refresh::Instance(req.from.clone())];
    };
    let mut out: Vec<Refresh> = Vec::new();
    for r in t.hops.iter().flat_map(|h| &h.resources) {
        let one = match r.kind {
            K::Instance => Refresh::Instance(r.id.clone()),
            K::Vpc => Refresh::Vpc(r.id.clone()),
            K::Subnet => Refresh::Subnet(r.id.clone()),
            K::RouteTable => Refresh::RouteTable(r.id.clone()),
            K::Nacl => Refresh::NetworkAcl(r.id.clone()),
            K::SecurityGroup => Refresh::SecurityGroup(r.id.clone()),
            K::VpcEndpoint => Refresh::Endpoint(r.id.clone()),
            K::RestApi => Refresh::Api(r.id.clone()),
            _ => continue,
        };
        if !out.iter().any(|o| o.label() == one.label()) {
            out.push(one);
        }
    }
    out
}

/// Read `what` again and put it into `base`. On the trace view, every
/// resource the trace reads is read again whole, each by its own filtered
/// read (so that nothing is replaced by a narrower answer).
pub async fn refresh(
    clients: &Clients,
    base: &Snapshot,
    what: &Refresh,
) -> Result<Refreshed, String> {
    let before = clients.calls();
    let calls = Calls::new(CONCURRENCY);
    let reads = match what {
        Refresh::Trace(req) => reads_of_trace(base, req),
        one => vec![one.clone()],
    };
    let found = futures_join(reads.iter().map(|r| read_one(clients, &calls, base, r))).await;
    let errors = calls.errors();
    if let Some(e) = errors.first() {
        return Err(failed(e, errors.len()));
    }
    let mut all = Found::default();
    for f in found {
        let f = f?;
        for (k, v) in f.fresh {
            let items = v.as_array().cloned().unwrap_or_default();
            match all.fresh.get_mut(&k).and_then(Value::as_array_mut) {
                Some(list) => list.extend(items),
                None => {
                    all.fresh.insert(k, Value::Array(items));
                }
            }
        }
        all.gone.extend(f.gone);
        all.whole.extend(f.whole);
    }
    let gone: Vec<(&str, &str)> = all.gone.iter().map(|(c, id)| (*c, id.as_str())).collect();
    let (mut snapshot, replaced, removed) = merge(base, &Value::Object(all.fresh.clone()), &gone)?;
    // Collections read whole replace the old ones outright.
    for c in &all.whole {
        replace_whole(&mut snapshot, c, &all.fresh)?;
    }
    moved_associations(&mut snapshot, &all.fresh);
    Ok(Refreshed {
        snapshot,
        aws_calls: clients.calls() - before,
        replaced,
        removed,
    })
}

/// Run `futs` together and return their outputs in order (few futures,
/// whose AWS calls already wait for the shared permits).
async fn futures_join<F: std::future::Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<_> = futs.map(|f| Some(Box::pin(f))).collect();
    let mut results: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(f) = slot {
                if let std::task::Poll::Ready(v) = f.as_mut().poll(cx) {
                    *result = Some(v);
                    *slot = None;
                }
            }
        }
        if pending.iter().all(Option::is_none) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    results.into_iter().flatten().collect()
}

/// Read one resource whole.
async fn read_one(
    clients: &Clients,
    calls: &Calls,
    base: &Snapshot,
    what: &Refresh,
) -> Result<Found, String> {
    let c = &clients.ec2;
    let mut f = Found::default();
    let (collection, id, n): (&'static str, &str, usize) = match what {
        Refresh::Trace(_) => return Ok(f),
        Refresh::Vpc(id) => {
            let mut vpcs = ec2::vpcs(c, calls, &[filter("vpc-id", [id])]).await;
            let attrs = ec2::vpc_attributes(c, calls, &vpcs).await;
            for (v, (support, hostnames)) in vpcs.iter_mut().zip(attrs) {
                v.enable_dns_support = support;
                v.enable_dns_hostnames = hostnames;
            }
            f.put("vpcs", &vpcs)?;
            ("vpcs", id, vpcs.len())
        }
        Refresh::Subnet(id) => {
            let found = ec2::subnets(c, calls, &[filter("subnet-id", [id])]).await;
            f.put("subnets", &found)?;
            ("subnets", id, found.len())
        }
        Refresh::Instance(id) => {
            let found = ec2::instances(c, calls, &[filter("instance-id", [id])]).await;
            f.put("instances", &found)?;
            ("instances", id, found.len())
        }
        Refresh::Endpoint(id) => {
            let found = ec2::vpc_endpoints_by_id(c, calls, std::slice::from_ref(id)).await;
            let enis = ec2::network_interfaces(c, calls, ec2::endpoint_enis(&found)).await;
            f.put("vpc_endpoints", &found)?;
            f.put("network_interfaces", &enis)?;
            ("vpc_endpoints", id, found.len())
        }
        Refresh::SecurityGroup(id) => {
            let found = ec2::security_groups(c, calls, &[filter("group-id", [id])]).await;
            f.put("security_groups", &found)?;
            ("security_groups", id, found.len())
        }
        Refresh::NetworkAcl(id) => {
            // Every ACL of its VPC: their associations move together (and
            // the `vpc-id` filter is the one every implementation knows).
            let vpc = base
                .network_acls
                .iter()
                .find(|n| &n.network_acl_id == id)
                .map(|n| n.vpc_id.clone());
            let found = match vpc {
                Some(vpc) => ec2::network_acls(c, calls, &[filter("vpc-id", [vpc])]).await,
                None => Vec::new(),
            };
            f.put("network_acls", &found)?;
            let here = found.iter().filter(|n| &n.network_acl_id == id).count();
            ("network_acls", id, here)
        }
        Refresh::RouteTable(id) => {
            let found = ec2::route_tables(c, calls, &[filter("route-table-id", [id])]).await;
            f.put("route_tables", &found)?;
            ("route_tables", id, found.len())
        }
        Refresh::Api(id) => {
            let gw = &clients.apigateway;
            let api = apigw::rest_api_by_id(gw, calls, id).await;
            let found = match api {
                Some(api) => vec![apigw::api_details(gw, &calls.then(), api, None).await],
                None => Vec::new(),
            };
            // Which keys and plans serve its stages, read whole: a plan's
            // keys are never replaced by a narrower answer.
            let (plans, keys) =
                tokio::join!(apigw::usage_plans(gw, calls), apigw::api_keys(gw, calls));
            f.put("usage_plans", &plans)?;
            f.put("api_keys", &keys)?;
            f.whole.extend(["usage_plans", "api_keys"]);
            // The functions and roles it names now, which the first read
            // may not have known about.
            let refs = super::iam::references(&base.account, &base.region, &[], &found);
            let iam = super::iam::read(&clients.iam, &clients.lambda, &calls.then(), refs).await;
            f.put("instance_profiles", &iam.instance_profiles)?;
            f.put("roles", &iam.roles)?;
            f.put("managed_policies", &iam.managed_policies)?;
            f.put("lambda_functions", &iam.lambda_functions)?;
            f.put("lambda_policies", &iam.lambda_policies)?;
            f.put("rest_apis", &found)?;
            ("rest_apis", id, found.len())
        }
    };
    if n == 0 {
        f.gone.push((collection, id.to_string()));
    }
    Ok(f)
}

fn replace_whole(
    snapshot: &mut Snapshot,
    collection: &str,
    fresh: &serde_json::Map<String, Value>,
) -> Result<(), String> {
    let mut v = serde_json::to_value(&*snapshot).map_err(|e| e.to_string())?;
    if let (Some(obj), Some(items)) = (v.as_object_mut(), fresh.get(collection)) {
        obj.insert(collection.to_string(), items.clone());
    }
    *snapshot = serde_json::from_value(v).map_err(|e| e.to_string())?;
    Ok(())
}

/// A refreshed route table or network ACL holds its associations now: the
/// same subnets (and the main / default flag) leave the others of its VPC,
/// so a subnet that moved is not claimed twice.
fn moved_associations(s: &mut Snapshot, fresh: &serde_json::Map<String, Value>) {
    let ids = |c: &str, key: &str| -> Vec<String> {
        fresh
            .get(c)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.get(key).and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let tables = ids("route_tables", "RouteTableId");
    for t in &tables {
        let Some(fresh) = s
            .route_tables
            .iter()
            .find(|r| &r.route_table_id == t)
            .cloned()
        else {
            continue;
        };
        let subnets: Vec<String> = fresh
            .associations
            .iter()
            .filter_map(|a| a.subnet_id.clone())
            .collect();
        let main = fresh.associations.iter().any(|a| a.main);
        for other in s
            .route_tables
            .iter_mut()
            .filter(|r| &r.route_table_id != t && r.vpc_id == fresh.vpc_id)
        {
            other.associations.retain(|a| {
                !(a.subnet_id.as_ref().is_some_and(|sn| subnets.contains(sn)) || (main && a.main))
            });
        }
    }
    let acls = ids("network_acls", "NetworkAclId");
    for t in &acls {
        let Some(fresh) = s
            .network_acls
            .iter()
            .find(|n| &n.network_acl_id == t)
            .cloned()
        else {
            continue;
        };
        let subnets: Vec<String> = fresh
            .associations
            .iter()
            .map(|a| a.subnet_id.clone())
            .collect();
        for other in s
            .network_acls
            .iter_mut()
            .filter(|n| &n.network_acl_id != t && n.vpc_id == fresh.vpc_id)
        {
            other
                .associations
                .retain(|a| !subnets.contains(&a.subnet_id));
        }
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<Value, String> {
    serde_json::to_value(v).map_err(|e| e.to_string())
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

    #[test]
    fn a_refreshed_table_takes_its_subnets_and_main_flag_from_the_others() {
        let mut s: Snapshot = serde_json::from_value(serde_json::json!({
            "schema": crate::model::SNAPSHOT_SCHEMA, "account": "1", "region": "us-east-1",
            "captured_at": "2026-01-01T00:00:00Z",
            "route_tables": [
                {"RouteTableId": "rtb-a", "VpcId": "vpc-1", "Associations": [
                    {"Main": false, "SubnetId": "subnet-1"}, {"Main": true}]},
                {"RouteTableId": "rtb-b", "VpcId": "vpc-1", "Associations": [
                    {"Main": false, "SubnetId": "subnet-1"}, {"Main": true}]},
                {"RouteTableId": "rtb-c", "VpcId": "vpc-2", "Associations": [{"Main": true}]}
            ]
        }))
        .expect("a snapshot");
        let fresh = serde_json::json!({"route_tables": [{"RouteTableId": "rtb-b"}]});
        moved_associations(&mut s, fresh.as_object().unwrap());
        assert!(
            s.route_tables[0].associations.is_empty(),
            "rtb-a lost subnet-1 and main"
        );
        assert_eq!(s.route_tables[1].associations.len(), 2);
        assert_eq!(
            s.route_tables[2].associations.len(),
            1,
            "another VPC is untouched"
        );
    }
}
