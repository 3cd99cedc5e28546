//! The row text of a tree item, read from the world by the item's id.

use super::{child_count, method, Item};
use crate::model::world::World;

fn name_tag(tags: &[crate::model::ec2::Tag]) -> String {
    tags.iter()
        .find(|t| t.key == "Name")
        .map(|t| format!(" {}", t.value))
        .unwrap_or_default()
}

/// The row text of an item. An id the world no longer has shows as itself.
pub fn label(w: &World, item: &Item) -> String {
    described(w, item).unwrap_or_else(|| match item.id() {
        Some(id) => format!("{id} (not in this world)"),
        None => "?".into(),
    })
}

fn described(w: &World, item: &Item) -> Option<String> {
    let s = &w.snap;
    Some(match item {
        Item::Vpcs => format!("VPCs ({})", s.vpcs.len()),
        Item::Apis => format!("APIs ({})", s.rest_apis.len()),
        Item::Unplaced => "outside the captured subnets".to_string(),
        Item::Vpc(id) => {
            let x = w.vpc(id)?;
            format!(
                "{}{} {}",
                x.vpc_id,
                name_tag(&x.tags),
                x.cidr_block.as_deref().unwrap_or("")
            )
        }
        Item::Subnet(id) => {
            let x = w.subnet(id)?;
            format!(
                "{}{} {} {}",
                x.subnet_id,
                name_tag(&x.tags),
                x.cidr_block,
                x.availability_zone.as_deref().unwrap_or("")
            )
        }
        Item::Instance(id) => {
            let x = w.instance(id)?;
            format!(
                "{}{} {} {}",
                x.instance_id,
                name_tag(&x.tags),
                x.private_ip_address.as_deref().unwrap_or(""),
                x.state.name
            )
        }
        Item::Endpoint(id) => {
            let x = w.vpc_endpoint(id)?;
            let svc = x.service_name.rsplit('.').next().unwrap_or("");
            let dns = if x.private_dns_enabled {
                " private-dns"
            } else {
                ""
            };
            format!("{} {svc} {}{dns}", x.vpc_endpoint_id, x.state)
        }
        Item::Sgs(_) => format!("security groups ({})", child_count(w, item)),
        Item::Nacls(_) => format!("network ACLs ({})", child_count(w, item)),
        Item::Rts(_) => format!("route tables ({})", child_count(w, item)),
        Item::Sg(id) => {
            let g = w.security_group(id)?;
            format!("{} {}", g.group_id, g.group_name.as_deref().unwrap_or(""))
        }
        Item::Nacl(id) => {
            let a = w.network_acl(id)?;
            let default = if a.is_default { " (default)" } else { "" };
            format!("{}{default}", a.network_acl_id)
        }
        Item::Rt(id) => {
            let r = w.route_table(id)?;
            let main = r.associations.iter().any(|a| a.main);
            format!("{}{}", r.route_table_id, if main { " (main)" } else { "" })
        }
        Item::Api(id) => {
            let x = w.rest_api(id)?;
            format!(
                "API {} {} [{}]",
                x.id,
                x.name.as_deref().unwrap_or(""),
                x.endpoint_configuration.types.join(",")
            )
        }
        Item::Stage(api, stage) => {
            let x = w
                .rest_api(api)?
                .stages
                .iter()
                .find(|s| &s.stage_name == stage)?;
            format!(
                "stage {} → {}",
                x.stage_name,
                x.deployment_id.as_deref().unwrap_or("?")
            )
        }
        Item::Resource(api, _, res) => super::resource(w, api, res)?.path.clone(),
        Item::Method(api, _, res, verb) => match method(w, api, res, verb) {
            Some(m) => format!(
                "{verb} auth={}{}",
                m.authorization_type.as_deref().unwrap_or("?"),
                if m.api_key_required == Some(true) {
                    " api-key"
                } else {
                    ""
                }
            ),
            None => "?".into(),
        },
        Item::Backend(api, _, res, verb) => {
            match method(w, api, res, verb).and_then(|m| m.method_integration.as_ref()) {
                Some(i) => format!(
                    "→ {} {}",
                    i.integration_type.as_deref().unwrap_or("?"),
                    crate::model::world::backend_label(i.uri.as_deref().unwrap_or(""))
                ),
                None => "→ (no integration)".into(),
            }
        }
    })
}
