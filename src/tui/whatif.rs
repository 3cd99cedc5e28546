//! What-if edits: a resource is shown as JSON, edited, and swapped into a copy
//! of the snapshot; the trace is then run again. Nothing is ever sent to AWS.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::model::Snapshot;
use crate::trace::{Hop, HopId, ResourceKind, ResourceRef, Trace};
use crate::tui::tree::Item;

/// What an edit replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    SecurityGroup(String),
    NetworkAcl(String),
    RouteTable(String),
    Endpoint(String),
    Vpc(String),
    Instance(String),
    /// The API's resource policy document (the `policy` field).
    ApiPolicy(String),
}

impl Target {
    /// The editable target behind a resource a hop read, by its kind.
    pub fn for_resource(r: &ResourceRef) -> Option<Target> {
        let id = r.id.clone();
        Some(match r.kind {
            ResourceKind::SecurityGroup => Target::SecurityGroup(id),
            ResourceKind::Nacl => Target::NetworkAcl(id),
            ResourceKind::RouteTable => Target::RouteTable(id),
            ResourceKind::VpcEndpoint => Target::Endpoint(id),
            ResourceKind::Vpc => Target::Vpc(id),
            ResourceKind::Instance => Target::Instance(id),
            ResourceKind::RestApi => Target::ApiPolicy(id),
            _ => return None,
        })
    }

    /// The editable target behind an explorer item, by its kind.
    pub fn for_item(item: &Item) -> Option<Target> {
        Some(match item {
            Item::Sg(id) => Target::SecurityGroup(id.clone()),
            Item::Nacl(id) => Target::NetworkAcl(id.clone()),
            Item::Rt(id) => Target::RouteTable(id.clone()),
            Item::Endpoint(id) => Target::Endpoint(id.clone()),
            Item::Vpc(id) => Target::Vpc(id.clone()),
            Item::Instance(id) => Target::Instance(id.clone()),
            Item::Api(id) => Target::ApiPolicy(id.clone()),
            _ => return None,
        })
    }

    pub fn label(&self) -> String {
        match self {
            Target::SecurityGroup(id) => format!("security group {id}"),
            Target::NetworkAcl(id) => format!("network ACL {id}"),
            Target::RouteTable(id) => format!("route table {id}"),
            Target::Endpoint(id) => format!("VPC endpoint {id}"),
            Target::Vpc(id) => format!("VPC {id}"),
            Target::Instance(id) => format!("instance {id}"),
            Target::ApiPolicy(id) => format!("resource policy of API {id}"),
        }
    }

    /// The current JSON text of the target.
    pub fn text(&self, snap: &Snapshot) -> Result<String, String> {
        fn pretty<T: Serialize>(v: Option<&T>, what: &str) -> Result<String, String> {
            let v = v.ok_or_else(|| format!("{what} is not in the snapshot"))?;
            serde_json::to_string_pretty(v).map_err(|e| e.to_string())
        }
        match self {
            Target::SecurityGroup(id) => {
                pretty(snap.security_groups.iter().find(|x| &x.group_id == id), id)
            }
            Target::NetworkAcl(id) => pretty(
                snap.network_acls.iter().find(|x| &x.network_acl_id == id),
                id,
            ),
            Target::RouteTable(id) => pretty(
                snap.route_tables.iter().find(|x| &x.route_table_id == id),
                id,
            ),
            Target::Endpoint(id) => pretty(
                snap.vpc_endpoints.iter().find(|x| &x.vpc_endpoint_id == id),
                id,
            ),
            Target::Vpc(id) => pretty(snap.vpcs.iter().find(|x| &x.vpc_id == id), id),
            Target::Instance(id) => {
                pretty(snap.instances.iter().find(|x| &x.instance_id == id), id)
            }
            Target::ApiPolicy(id) => {
                let api = snap
                    .rest_apis
                    .iter()
                    .find(|a| &a.id == id)
                    .ok_or_else(|| format!("API {id} is not in the snapshot"))?;
                let raw = api.policy.clone().unwrap_or_default();
                // Show the document readably: API Gateway returns it with escaped quotes.
                let unescaped = raw.replace("\\\"", "\"").replace("\\\\", "\\");
                Ok(serde_json::from_str::<serde_json::Value>(&unescaped)
                    .and_then(|v| serde_json::to_string_pretty(&v))
                    .unwrap_or(raw))
            }
        }
    }

    /// A copy of `snap` with the target replaced by `text`.
    pub fn apply(&self, snap: &Snapshot, text: &str) -> Result<Snapshot, String> {
        fn parse<T: DeserializeOwned>(text: &str) -> Result<T, String> {
            let mut de = serde_json::Deserializer::from_str(text);
            serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                format!("at {path}: {inner}")
            })
        }
        fn replace<T, F: Fn(&T) -> bool>(
            v: &mut [T],
            pred: F,
            new: T,
            what: &str,
        ) -> Result<(), String> {
            let slot = v
                .iter_mut()
                .find(|x| pred(x))
                .ok_or_else(|| format!("{what} is no longer in the snapshot"))?;
            *slot = new;
            Ok(())
        }
        let mut s = snap.clone();
        match self {
            Target::SecurityGroup(id) => {
                let new: crate::model::ec2::SecurityGroup = parse(text)?;
                keep_id(&new.group_id, id)?;
                replace(&mut s.security_groups, |x| &x.group_id == id, new, id)?;
            }
            Target::NetworkAcl(id) => {
                let new: crate::model::ec2::NetworkAcl = parse(text)?;
                keep_id(&new.network_acl_id, id)?;
                replace(&mut s.network_acls, |x| &x.network_acl_id == id, new, id)?;
            }
            Target::RouteTable(id) => {
                let new: crate::model::ec2::RouteTable = parse(text)?;
                keep_id(&new.route_table_id, id)?;
                replace(&mut s.route_tables, |x| &x.route_table_id == id, new, id)?;
            }
            Target::Endpoint(id) => {
                let new: crate::model::ec2::VpcEndpoint = parse(text)?;
                keep_id(&new.vpc_endpoint_id, id)?;
                replace(&mut s.vpc_endpoints, |x| &x.vpc_endpoint_id == id, new, id)?;
            }
            Target::Vpc(id) => {
                let new: crate::model::ec2::Vpc = parse(text)?;
                keep_id(&new.vpc_id, id)?;
                replace(&mut s.vpcs, |x| &x.vpc_id == id, new, id)?;
            }
            Target::Instance(id) => {
                let new: crate::model::ec2::Instance = parse(text)?;
                keep_id(&new.instance_id, id)?;
                replace(&mut s.instances, |x| &x.instance_id == id, new, id)?;
            }
            Target::ApiPolicy(id) => {
                let trimmed = text.trim();
                let policy = if trimmed.is_empty() {
                    None
                } else {
                    let v: serde_json::Value = serde_json::from_str(trimmed)
                        .map_err(|e| format!("the policy is not valid JSON: {e}"))?;
                    Some(v.to_string())
                };
                let api = s
                    .rest_apis
                    .iter_mut()
                    .find(|a| &a.id == id)
                    .ok_or_else(|| format!("API {id} is no longer in the snapshot"))?;
                api.policy = policy;
            }
        }
        Ok(s)
    }
}

fn keep_id(new: &str, old: &str) -> Result<(), String> {
    if new == old {
        Ok(())
    } else {
        Err(format!("the id must stay {old} (found {new})"))
    }
}

/// Hop-by-hop differences between two traces: `hop: before → after`.
pub fn diff(before: &Trace, after: &Trace) -> Vec<String> {
    let mut out = Vec::new();
    if before.verdict != after.verdict {
        out.push(format!(
            "verdict: {} → {}",
            before.verdict.as_str(),
            after.verdict.as_str()
        ));
    }
    for (b, a) in before.hops.iter().zip(after.hops.iter()) {
        if b.verdict != a.verdict {
            out.push(format!(
                "{}: {} → {} ({})",
                a.hop,
                b.verdict.as_str(),
                a.verdict.as_str(),
                a.reason
            ));
        } else if b.reason != a.reason {
            out.push(format!(
                "{}: {} (reason changed: {})",
                a.hop,
                a.verdict.as_str(),
                a.reason
            ));
        }
    }
    if out.is_empty() {
        out.push("no hop changed".into());
    }
    out
}

/// The first editable resource a hop read, for "edit what decided this hop".
pub fn target_for_hop(hop: &Hop) -> Option<Target> {
    let preferred: &[ResourceKind] = match hop.hop {
        HopId::SgEgress | HopId::SgEndpoint => &[ResourceKind::SecurityGroup],
        HopId::NaclClient | HopId::NaclEndpoint => &[ResourceKind::Nacl],
        HopId::Route => &[ResourceKind::RouteTable],
        HopId::Endpoint | HopId::EndpointPolicy => &[ResourceKind::VpcEndpoint],
        HopId::Dns => &[ResourceKind::VpcEndpoint, ResourceKind::Vpc],
        HopId::Instance => &[ResourceKind::Instance],
        _ => &[],
    };
    for kind in preferred {
        if let Some(r) = hop.resources_of(*kind).next() {
            return Target::for_resource(r);
        }
    }
    hop.resources.iter().find_map(Target::for_resource)
}
