//! What the hops share while one request is followed: the world, the
//! request, the client (H1) and where DNS sent the request (H2), and the one
//! answer to "does the name resolve to a VPC endpoint?" that every hop after
//! DNS asks.

use std::net::IpAddr;

use crate::model::ec2::{Instance, Subnet, VpcEndpoint};
use crate::model::World;
use crate::net::AddrSet;

use super::hop::{Hop, HopId, Verdict};
use super::request::target::Target;
use super::request::Request;

/// Everything the hops share: the world, the request and what earlier hops found.
pub(crate) struct Ctx<'w> {
    pub world: &'w World,
    pub req: &'w Request,
    pub target: Target,
    /// The region the request goes to (from the host, else the snapshot's).
    pub region: String,
    pub client: Option<Client<'w>>,
    pub dest: Destination<'w>,
    /// For a shared evaluation (`reach`): the address classes of the
    /// world's CIDR blocks. `None` for a single trace.
    pub classes: Option<&'w (dyn Fn(IpAddr) -> AddressClass + Sync)>,
}

/// Which class of the world's CIDR blocks an address falls in: two
/// addresses of one class are inside exactly the same blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressClass {
    V4(usize),
    V6(usize),
    /// The address itself (a single trace).
    Exact(IpAddr),
}

impl<'w> Ctx<'w> {
    /// The instance the request starts from: the client's id once H1 has
    /// found it (a shared evaluation keeps one request for many clients).
    pub fn from(&self) -> &str {
        match &self.client {
            Some(c) => &c.instance.instance_id,
            None => &self.req.from,
        }
    }

    /// The class of `ip` in a shared evaluation; the address itself otherwise.
    pub fn address_class(&self, ip: IpAddr) -> AddressClass {
        match self.classes {
            Some(f) => f(ip),
            None => AddressClass::Exact(ip),
        }
    }

    /// When discovery could not read `collection`, what failed (the call
    /// and its error), so a hop that needed it says `unknown` and why.
    pub fn unread(&self, collection: &str, call: &str) -> Option<String> {
        match self.world.snap.read_state(collection) {
            crate::model::ReadState::NotRead(Some(e)) => Some(e.to_string()),
            crate::model::ReadState::NotRead(None) => Some(format!("{call} was not read")),
            _ => None,
        }
    }

    /// Whether discovery read `collection`, so that an empty list means none.
    pub fn was_read(&self, collection: &str) -> bool {
        self.world.snap.read_state(collection) == crate::model::ReadState::Read
    }

    pub fn api(&self) -> Option<&'w crate::model::apigw::RestApi> {
        self.target
            .api_id
            .as_deref()
            .and_then(|id| self.world.rest_api(id))
    }
}

/// The client's operating system family, for the ephemeral port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Os {
    Linux,
    Windows,
    Unknown,
}

#[derive(Debug, Clone)]
pub struct Client<'w> {
    pub instance: &'w Instance,
    /// The interface the traffic leaves from.
    #[allow(dead_code)] // shown by the TUI; read by later hops
    pub eni_id: String,
    pub subnet_id: String,
    #[allow(dead_code)] // read by later hops
    pub subnet: Option<&'w Subnet>,
    pub vpc_id: String,
    pub ipv4: Option<IpAddr>,
    pub ipv6: Option<IpAddr>,
    pub groups: Vec<String>,
    /// The instance profile's role: the SigV4 identity (H13).
    #[allow(dead_code)] // read by the authorization hop
    pub role_arn: Option<String>,
    pub os: Os,
}

/// One address the name may resolve to: an endpoint ENI.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub eni_id: Option<String>,
    pub subnet_id: String,
    /// `None` when neither the ENI nor its subnet was captured.
    pub addr: Option<AddrSet>,
    #[allow(dead_code)] // shown in hop detail
    pub az: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Via<'w> {
    Endpoint(&'w VpcEndpoint),
    /// Public execute-api addresses (private DNS not in effect).
    Public,
    /// No destination: `skip` when DNS failed (later hops are not evaluable),
    /// otherwise the destination is unknown.
    Unresolved {
        skip: bool,
        why: String,
    },
}

#[derive(Debug, Clone)]
pub struct Destination<'w> {
    pub via: Via<'w>,
    pub candidates: Vec<Candidate>,
    /// Candidates stand for subnets, not exact ENI addresses.
    pub approximate: bool,
}

impl<'w> Destination<'w> {
    pub fn none(why: &str) -> Destination<'w> {
        Destination {
            via: Via::Unresolved {
                skip: false,
                why: why.to_string(),
            },
            candidates: Vec::new(),
            approximate: false,
        }
    }
    /// The ENIs of `ep` (`approximate` when they stand for subnets).
    pub fn endpoint(
        ep: &'w VpcEndpoint,
        candidates: Vec<Candidate>,
        approximate: bool,
    ) -> Destination<'w> {
        Destination {
            via: Via::Endpoint(ep),
            candidates,
            approximate,
        }
    }
    pub fn failed(why: String) -> Destination<'w> {
        Destination {
            via: Via::Unresolved { skip: true, why },
            candidates: Vec::new(),
            approximate: false,
        }
    }
}

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

/// What an endpoint's `State` means for a request through it: `None` when it
/// is available, unknown while pending, deny otherwise.
pub(crate) fn endpoint_state_verdict(ep: &VpcEndpoint) -> Option<Verdict> {
    let state = ep.state.to_ascii_lowercase();
    if state == "available" {
        None
    } else if state.starts_with("pending") {
        Some(Verdict::Unknown)
    } else {
        Some(Verdict::Deny)
    }
}

/// Why the endpoint hops do not apply to a public name.
pub(crate) const PUBLIC: &str =
    "the name resolves to public execute-api addresses, not to a VPC endpoint (dns)";

/// How the reason of a hop that could not be evaluated begins.
pub(crate) const NOT_EVALUABLE: &str = "not evaluable: ";

/// `not evaluable: {why}`, the skip every hop gives when an earlier one fails.
pub(crate) fn not_evaluable(hop: HopId, why: &str) -> Hop {
    Hop::new(hop, Verdict::Skip, "", format!("{NOT_EVALUABLE}{why}"))
}
