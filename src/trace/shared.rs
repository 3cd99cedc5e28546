//! One request evaluated from many clients (`reach`), each part of the
//! evaluation done once per distinct input and reused.
//!
//! After H1, the hops see the client only through its VPC, subnet, security
//! groups, OS, role, instance id (the session name of a signed request) and
//! addresses. Each part is kept under a key holding exactly what it reads:
//! - DNS (H2): the VPC and which address families the client has;
//! - each per-address result of H3–H7 under its [`PathKey`]: the subnet or
//!   groups it reads, the endpoint address and the client address's class;
//! - the endpoint and everything past it (H8–H15): DNS's key, the role, the
//!   instance id when a policy could name the session, and the address
//!   classes when a policy reads `aws:VpcSourceIp`.
//!
//! Addresses are compared through their class of the world's CIDR blocks
//! (two addresses in one class are inside exactly the same blocks). A part
//! whose deciding field names the client's own id, interface or address is
//! never kept. So the verdicts and deciding fields equal a fresh trace's;
//! reasons and notes may name the client whose evaluation was reused.

use std::collections::HashMap;
use std::net::IpAddr;

use super::ctx::{AddressClass, Ctx, Destination};
use super::hop::Hop;
use super::hops::PathKey;
use super::{hops, start, Request};
use crate::model::ec2::Instance;
use crate::model::World;

/// DNS's key: the client VPC and whether it has IPv4 and IPv6 addresses.
type DnsKey = (String, bool, bool);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ApiKey {
    dns: DnsKey,
    role: Option<String>,
    session: Option<String>,
    addresses: Option<(Option<IpAddr>, Option<IpAddr>)>,
}

/// What the world lets a shared evaluation ignore.
pub struct Sharing<'w> {
    /// The class of an address among the world's CIDR blocks.
    pub classes: &'w (dyn Fn(IpAddr) -> AddressClass + Sync),
    /// Some policy names `aws:VpcSourceIp`: a string condition can tell any
    /// two addresses apart, so the endpoint and API hops are shared only
    /// between clients with the same address.
    pub policies_read_address: bool,
    /// Some policy could name a role session or user id: a signed request's
    /// session name (the instance id) matters.
    pub session_named: bool,
}

/// The parts evaluated so far (one per thread).
pub struct Memo<'w> {
    sharing: &'w Sharing<'w>,
    dns: HashMap<DnsKey, (Hop, Destination<'w>)>,
    paths: HashMap<(DnsKey, PathKey), Hop>,
    api: HashMap<ApiKey, Vec<Hop>>,
    /// Parts evaluated and parts reused.
    pub evaluated: usize,
    pub reused: usize,
}

/// The keys of one client, and what names it.
pub(crate) struct Keys {
    dns: DnsKey,
    api: ApiKey,
    own: Vec<String>,
}

impl<'w> Memo<'w> {
    pub fn new(sharing: &'w Sharing<'w>) -> Memo<'w> {
        Memo {
            sharing,
            dns: HashMap::new(),
            paths: HashMap::new(),
            api: HashMap::new(),
            evaluated: 0,
            reused: 0,
        }
    }

    /// The client's keys, once H1 has found it.
    pub(crate) fn keys(&self, ctx: &Ctx) -> Option<Keys> {
        let c = ctx.client.as_ref()?;
        let dns = (c.vpc_id.clone(), c.ipv4.is_some(), c.ipv6.is_some());
        let signed = ctx.req.auth == super::Auth::Sigv4;
        let mut own = vec![c.instance.instance_id.clone()];
        if !c.eni_id.is_empty() {
            own.push(c.eni_id.clone());
        }
        own.extend(c.ipv4.iter().chain(c.ipv6.iter()).map(|ip| ip.to_string()));
        Some(Keys {
            api: ApiKey {
                dns: dns.clone(),
                role: c.role_arn.clone(),
                session: (signed && self.sharing.session_named)
                    .then(|| c.instance.instance_id.clone()),
                addresses: self
                    .sharing
                    .policies_read_address
                    .then_some((c.ipv4, c.ipv6)),
            },
            dns,
            own,
        })
    }

    /// Whether `h`'s deciding field names the client it was evaluated for.
    fn personal(keys: &Keys, h: &Hop) -> bool {
        let d = h.deciding.to_string();
        keys.own.iter().any(|o| d.contains(o.as_str()))
    }

    pub(crate) fn dns(
        &mut self,
        ctx: &mut Ctx<'w>,
        keys: &Keys,
        f: fn(&mut Ctx<'w>) -> Hop,
    ) -> Hop {
        if let Some((h, dest)) = self.dns.get(&keys.dns) {
            self.reused += 1;
            ctx.dest = dest.clone();
            return h.clone();
        }
        self.evaluated += 1;
        let h = f(ctx);
        if !Self::personal(keys, &h) {
            self.dns
                .insert(keys.dns.clone(), (h.clone(), ctx.dest.clone()));
        }
        h
    }

    pub(crate) fn path(&mut self, keys: &Keys, key: PathKey, f: &mut dyn FnMut() -> Hop) -> Hop {
        let key = (keys.dns.clone(), key);
        if let Some(h) = self.paths.get(&key) {
            self.reused += 1;
            return h.clone();
        }
        self.evaluated += 1;
        let h = f();
        if !Self::personal(keys, &h) {
            self.paths.insert(key, h.clone());
        }
        h
    }

    pub(crate) fn api(
        &mut self,
        ctx: &Ctx<'w>,
        keys: &Keys,
        f: impl FnOnce(&Ctx<'w>) -> Vec<Hop>,
    ) -> Vec<Hop> {
        if let Some(h) = self.api.get(&keys.api) {
            self.reused += 1;
            return h.clone();
        }
        self.evaluated += 1;
        let hops = f(ctx);
        if !hops.iter().any(|h| Self::personal(keys, h)) {
            self.api.insert(keys.api.clone(), hops.clone());
        }
        hops
    }
}

/// The fifteen hops of `req` from `instance` (its `from` is not read), with
/// every part `memo` already holds reused. Verdicts and deciding fields are
/// those of [`super::run`]; reasons and notes may name another client.
pub fn hops_shared<'w>(
    world: &'w World,
    req: &'w Request,
    instance: &'w Instance,
    memo: &mut Memo<'w>,
) -> Vec<Hop> {
    let mut ctx = start(world, req);
    ctx.classes = Some(memo.sharing.classes);
    hops::evaluate_shared(&mut ctx, instance, memo)
}
