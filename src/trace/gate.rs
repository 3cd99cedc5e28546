//! The one answer to "does the name resolve to a VPC endpoint?", which every
//! hop after DNS asks before it evaluates anything.

use crate::model::ec2::VpcEndpoint;

use super::hops::Via;
use super::{Ctx, Hop, HopId, Verdict};

/// Where DNS (H2) sent the request.
pub(crate) enum Gate<'w> {
    /// To the ENIs of this execute-api endpoint.
    Endpoint(&'w VpcEndpoint),
    /// To the public execute-api addresses (private DNS not in effect).
    Public,
    /// Nowhere: an earlier hop fails, so later hops are not evaluable.
    Failed(&'w str),
    /// The snapshot cannot tell where.
    Unknown(&'w str),
}

impl<'w> Ctx<'w> {
    pub(crate) fn gate(&self) -> Gate<'_> {
        match &self.dest.via {
            Via::Endpoint(ep) => Gate::Endpoint(ep),
            Via::Public => Gate::Public,
            Via::Unresolved { skip: true, why } => Gate::Failed(why),
            Via::Unresolved { skip: false, why } => Gate::Unknown(why),
        }
    }
}

impl Gate<'_> {
    /// For the hops past the endpoint (9, 13, 14): the skip hop when the
    /// request does not reach an endpoint, `None` when the hop should go on
    /// (an endpoint, or a destination the hop itself calls unknown).
    pub(crate) fn past_endpoint(&self, hop: HopId) -> Option<Hop> {
        match self {
            Gate::Endpoint(_) | Gate::Unknown(_) => None,
            Gate::Failed(why) => Some(not_evaluable(hop, why)),
            Gate::Public => Some(not_evaluable(hop, PUBLIC)),
        }
    }
}

/// Why the endpoint hops do not apply to a public name.
pub(crate) const PUBLIC: &str =
    "the name resolves to public execute-api addresses, not to a VPC endpoint (dns)";

/// `not evaluable: {why}`, the skip every hop gives when an earlier one fails.
pub(crate) fn not_evaluable(hop: HopId, why: &str) -> Hop {
    Hop::new(hop, Verdict::Skip, "", format!("not evaluable: {why}"))
}
