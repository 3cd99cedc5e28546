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

use std::net::IpAddr;

use super::ctx::{AddressClass, Client, Ctx, Destination};
use super::hop::Hop;
use super::hops::{ClientIds, PathCache, PathKey};
use super::{hops, start, Request};
use crate::model::ec2::{Instance, VpcEndpoint};
use crate::model::fnv::FnvMap;
use crate::model::World;
use crate::net::sg::RefScope;
use crate::net::Cidr;

/// DNS's key: the client VPC (interned) and whether it has IPv4 and IPv6
/// addresses.
type DnsKey = (u32, bool, bool);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ApiKey {
    dns: DnsKey,
    /// The role (interned; 0 for none).
    role: u32,
    /// The instance id (interned), when the session name matters.
    session: u32,
    addresses: Option<(Option<IpAddr>, Option<IpAddr>)>,
}

/// The elementary address ranges cut by a set of CIDR blocks: two
/// addresses in one range are inside exactly the same blocks.
#[derive(Debug, Clone)]
pub struct Boundaries {
    /// Sorted starts of the ranges.
    v4: Vec<u32>,
    v6: Vec<u128>,
}

impl Boundaries {
    pub fn of(blocks: impl IntoIterator<Item = Cidr>) -> Boundaries {
        let mut v4 = vec![0u32];
        let mut v6 = vec![0u128];
        for c in blocks {
            match c {
                Cidr::V4 { addr, len } => {
                    v4.push(addr);
                    let end = u64::from(addr) + (1u64 << (32 - u32::from(len)));
                    if let Ok(end) = u32::try_from(end) {
                        v4.push(end);
                    }
                }
                Cidr::V6 { addr, len } => {
                    v6.push(addr);
                    if len > 0 {
                        if let Some(end) = addr.checked_add(1u128 << (128 - u32::from(len))) {
                            v6.push(end);
                        }
                    }
                }
            }
        }
        v4.sort_unstable();
        v4.dedup();
        v6.sort_unstable();
        v6.dedup();
        Boundaries { v4, v6 }
    }

    /// The range `ip` falls in.
    pub fn class(&self, ip: IpAddr) -> AddressClass {
        match ip {
            IpAddr::V4(a) => AddressClass::V4(self.v4.partition_point(|b| *b <= u32::from(a))),
            IpAddr::V6(a) => AddressClass::V6(self.v6.partition_point(|b| *b <= u128::from(a))),
        }
    }
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

/// Strings to small ids: equal strings, equal ids; 0 is kept for "none".
#[derive(Default)]
struct Interner<K: std::hash::Hash + Eq> {
    ids: FnvMap<K, u32>,
}

impl<K: std::hash::Hash + Eq> Interner<K> {
    fn id<Q>(&mut self, k: &Q) -> u32
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(id) = self.ids.get(k) {
            return *id;
        }
        let id = self.ids.len() as u32 + 1;
        self.ids.insert(k.to_owned(), id);
        id
    }
}

/// The parts evaluated so far (one per thread).
pub struct Memo<'w> {
    sharing: &'w Sharing<'w>,
    names: Interner<String>,
    group_sets: Interner<Vec<String>>,
    scopes: FnvMap<RefScope, u32>,
    /// Per endpoint: the groups its ingress rules reference and the
    /// classes of the blocks they name.
    ingress: FnvMap<String, (Vec<String>, Boundaries)>,
    dns: FnvMap<DnsKey, (Hop, Destination<'w>)>,
    paths: FnvMap<(DnsKey, PathKey), Hop>,
    api: FnvMap<ApiKey, Vec<Hop>>,
    /// Parts evaluated and parts reused.
    pub evaluated: usize,
    pub reused: usize,
}

/// The keys of one client, and what names it.
pub(crate) struct Keys {
    dns: DnsKey,
    api: ApiKey,
    subnet: u32,
    own: Vec<String>,
}

impl<'w> Memo<'w> {
    pub fn new(sharing: &'w Sharing<'w>) -> Memo<'w> {
        Memo {
            sharing,
            names: Interner::default(),
            group_sets: Interner::default(),
            scopes: FnvMap::default(),
            ingress: FnvMap::default(),
            dns: FnvMap::default(),
            paths: FnvMap::default(),
            api: FnvMap::default(),
            evaluated: 0,
            reused: 0,
        }
    }

    /// The client's keys, once H1 has found it.
    pub(crate) fn keys(&mut self, ctx: &Ctx) -> Option<Keys> {
        let c = ctx.client.as_ref()?;
        let dns = (
            self.names.id(c.vpc_id.as_str()),
            c.ipv4.is_some(),
            c.ipv6.is_some(),
        );
        let signed = ctx.req.auth == super::Auth::Sigv4;
        let mut own = vec![c.instance.instance_id.clone()];
        if !c.eni_id.is_empty() {
            own.push(c.eni_id.clone());
        }
        own.extend(c.ipv4.iter().chain(c.ipv6.iter()).map(|ip| ip.to_string()));
        let role = match &c.role_arn {
            Some(r) => self.names.id(r.as_str()),
            None => 0,
        };
        let session = if signed && self.sharing.session_named {
            self.names.id(c.instance.instance_id.as_str())
        } else {
            0
        };
        Some(Keys {
            api: ApiKey {
                dns,
                role,
                session,
                addresses: self
                    .sharing
                    .policies_read_address
                    .then_some((c.ipv4, c.ipv6)),
            },
            dns,
            subnet: self.names.id(c.subnet_id.as_str()),
            own,
        })
    }

    /// Whether `h` names the client it was evaluated for where an outcome
    /// reads it: its deciding field, or its reason when it has none.
    fn personal(keys: &Keys, h: &Hop) -> bool {
        let d = if h.deciding.is_empty() {
            h.reason.clone()
        } else {
            h.deciding.to_string()
        };
        keys.own.iter().any(|o| d.contains(o.as_str()))
    }

    /// What is kept of a part: what an outcome reads (verdict, check,
    /// deciding field, and the reason when there is no field).
    fn kept(h: &Hop) -> Hop {
        let reason = if h.deciding.is_empty() {
            h.reason.clone()
        } else {
            String::new()
        };
        Hop::new(h.hop, h.verdict, h.check, reason).deciding(h.deciding.clone())
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
                .insert(keys.dns, (Self::kept(&h), ctx.dest.clone()));
        }
        h
    }

    /// The per-address results of H3–H7 for the client `keys` names.
    pub(crate) fn paths_for<'m>(&'m mut self, keys: &'m Keys) -> Paths<'m, 'w> {
        Paths { memo: self, keys }
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
            self.api
                .insert(keys.api, hops.iter().map(Self::kept).collect());
        }
        hops
    }
}

/// A memo seen from one client's H3–H7.
pub(crate) struct Paths<'m, 'w> {
    memo: &'m mut Memo<'w>,
    keys: &'m Keys,
}

impl PathCache for Paths<'_, '_> {
    fn ids(&mut self, ctx: &Ctx, client: &Client, ep: &VpcEndpoint, scope: &RefScope) -> ClientIds {
        let n = self.memo.scopes.len() as u32 + 1;
        let scope = *self.memo.scopes.entry(scope.clone()).or_insert(n);
        let (refs, blocks) = match self.memo.ingress.get(&ep.vpc_endpoint_id) {
            Some(r) => r,
            None => self
                .memo
                .ingress
                .entry(ep.vpc_endpoint_id.clone())
                .or_insert_with(|| {
                    let (refs, blocks) = hops::endpoint_ingress_reads(ctx, ep);
                    (refs, Boundaries::of(blocks))
                }),
        };
        let ingress_v4 = client.ipv4.map(|ip| blocks.class(ip));
        let ingress_v6 = client.ipv6.map(|ip| blocks.class(ip));
        let mut carried: Vec<String> = client
            .groups
            .iter()
            .filter(|g| refs.binary_search(g).is_ok())
            .cloned()
            .collect();
        carried.sort_unstable();
        carried.dedup();
        ClientIds {
            subnet: self.keys.subnet,
            groups: self.memo.group_sets.id(client.groups.as_slice()),
            carried: self.memo.group_sets.id(carried.as_slice()),
            ingress_v4,
            ingress_v6,
            scope,
        }
    }
    fn get(&mut self, key: PathKey, f: &mut dyn FnMut() -> Hop) -> Hop {
        let key = (self.keys.dns, key);
        if let Some(h) = self.memo.paths.get(&key) {
            self.memo.reused += 1;
            return h.clone();
        }
        self.memo.evaluated += 1;
        let h = f();
        if !Memo::personal(self.keys, &h) {
            self.memo.paths.insert(key, Memo::kept(&h));
        }
        h
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
