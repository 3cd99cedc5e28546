//! What the DNS modules share: the imports they all use and the VPC's DHCP
//! options as H2 reads them.

#![allow(unused_imports)]

pub(super) use std::net::IpAddr;

pub(super) use crate::model::ec2::{Vpc, VpcEndpoint};
pub(super) use crate::net::{AddrSet, Cidr};

pub(super) use crate::trace::ctx::Ctx;
pub(super) use crate::trace::evidence::{Deciding, ResourceKind as K};
pub(super) use crate::trace::hop::{Hop, HopId, Verdict};
pub(super) use crate::trace::target::Form;

pub(super) use crate::trace::ctx::{endpoint_state_verdict, Candidate, Client, Destination, Via};

/// What the VPC's resolver can do.
pub(super) enum Dhcp {
    Amazon,
    Custom(Vec<String>),
    NotCaptured(String),
}

pub(super) fn dhcp_of(ctx: &Ctx, vpc: &Vpc) -> Dhcp {
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

pub(super) fn symptom_nxdomain() -> &'static str {
    crate::trace::response::NO_ANSWER
}
