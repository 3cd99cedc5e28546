//! What the network hop modules share: the imports they all use, the
//! per-path result constructor and the client-visible symptoms.

#![allow(unused_imports)]

pub(super) use std::net::IpAddr;

pub(super) use crate::model::ec2::{ManagedPrefixList, NetworkAcl, SecurityGroup, VpcEndpoint};
pub(super) use crate::net::nacl::{self, NaclAction, RangeVerdict};
pub(super) use crate::net::route::{self, RouteOutcome};
pub(super) use crate::net::sg::{self, Peer, RefScope, SgOutcome};
pub(super) use crate::net::{AddrSet, Cidr, Field};

pub(super) use crate::trace::ctx::Ctx;
pub(super) use crate::trace::evidence::{Deciding, ResourceKind as K};
pub(super) use crate::trace::hop::{Hop, HopId, Verdict};

pub(super) use crate::trace::ctx::{AddressClass, Candidate, Client, Gate, Os, PUBLIC};

/// The five hops this module decides, in order.
pub(super) const HOPS: [HopId; 5] = [
    HopId::Route,
    HopId::SgEgress,
    HopId::NaclClient,
    HopId::NaclEndpoint,
    HopId::SgEndpoint,
];

/// One endpoint address's result for one hop, before the per-address results
/// are combined. The modules below evaluate a check that several hops share
/// (an ACL serves both H5 and H6), so the caller names the hop (`renamed`).
pub(super) fn path_result(
    verdict: Verdict,
    check: &'static str,
    reason: impl Into<String>,
    deciding: impl Into<Deciding>,
) -> Hop {
    Hop::new(HopId::Route, verdict, check, reason).deciding(deciding)
}

pub(super) use crate::trace::response::{RETURN_DROP, TIMEOUT};

pub(super) fn all(verdict: Verdict, reason: &str) -> Vec<Hop> {
    HOPS.iter()
        .map(|h| Hop::new(*h, verdict, "", reason.to_string()))
        .collect()
}

pub(super) fn pl_lookup<'w>(ctx: &Ctx<'w>) -> impl Fn(&str) -> Option<&'w ManagedPrefixList> + 'w {
    let w = ctx.world;
    move |id: &str| w.prefix_list(id)
}
