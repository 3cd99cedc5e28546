//! What lets `reach` evaluate a class of instances once: the address
//! classes of the world (two addresses in one class are inside exactly the
//! same CIDR blocks of every rule), whether any policy can tell addresses or
//! sessions apart in other ways, and a small work-sharing pool.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::model::{Snapshot, World};
use crate::net::Cidr;
use crate::trace::shared::Boundaries;
use crate::trace::AddressClass;

/// The address classes of a world and what else can tell clients apart.
#[derive(Debug)]
pub struct Sensitivity {
    /// The elementary ranges cut by every CIDR block the world's rules and
    /// policies name.
    bounds: Boundaries,
    /// A policy names `aws:VpcSourceIp`: a string condition can tell any two
    /// addresses apart.
    pub policies_read_address: bool,
    /// A policy names a role session (`assumed-role/…`) or `aws:userid`, or
    /// an instance ARN key: a signed request's session name is the instance
    /// id, so signed requests are never shared between instances.
    pub session_named: bool,
}

/// The collections whose text can hold a rule's CIDR block or a policy: all
/// but the instances and interfaces themselves (their addresses are the
/// clients', not rules).
#[derive(serde::Serialize)]
struct RuleText<'a> {
    vpcs: &'a [crate::model::ec2::Vpc],
    subnets: &'a [crate::model::ec2::Subnet],
    route_tables: &'a [crate::model::ec2::RouteTable],
    network_acls: &'a [crate::model::ec2::NetworkAcl],
    security_groups: &'a [crate::model::ec2::SecurityGroup],
    prefix_lists: &'a [crate::model::ec2::ManagedPrefixList],
    vpc_endpoints: &'a [crate::model::ec2::VpcEndpoint],
    peerings: &'a [crate::model::ec2::VpcPeeringConnection],
    rest_apis: &'a [crate::model::apigw::RestApi],
    vpc_links: &'a [crate::model::apigw::VpcLink],
    domain_names: &'a [crate::model::apigw::DomainName],
    instance_profiles: &'a [crate::model::iam::InstanceProfile],
    roles: &'a [crate::model::iam::Role],
    managed_policies: &'a [crate::model::iam::ManagedPolicy],
    lambda_policies: &'a [crate::model::iam::LambdaPolicy],
}

impl Sensitivity {
    pub fn of(world: &World) -> Sensitivity {
        let s: &Snapshot = &world.snap;
        let text = serde_json::to_string(&RuleText {
            vpcs: &s.vpcs,
            subnets: &s.subnets,
            route_tables: &s.route_tables,
            network_acls: &s.network_acls,
            security_groups: &s.security_groups,
            prefix_lists: &s.prefix_lists,
            vpc_endpoints: &s.vpc_endpoints,
            peerings: &s.vpc_peering_connections,
            rest_apis: &s.rest_apis,
            vpc_links: &s.vpc_links,
            domain_names: &s.domain_names,
            instance_profiles: &s.instance_profiles,
            roles: &s.roles,
            managed_policies: &s.managed_policies,
            lambda_policies: &s.lambda_policies,
        })
        .unwrap_or_default();
        Sensitivity::of_text(&text)
    }

    /// The classes cut by every address or block written in `text`
    /// (policies may be URL-encoded, so `%2F` counts as `/`).
    fn of_text(text: &str) -> Sensitivity {
        let lower = text.to_ascii_lowercase();
        let policies_read_address = lower.contains("vpcsourceip");
        let session_named = ["assumed-role", "userid", "sourceinstancearn", "instancearn"]
            .iter()
            .any(|k| lower.contains(k));
        let decoded = percent_decoded(&lower);
        let token = |c: char| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '/');
        let blocks = decoded
            .split(|c: char| !token(c))
            .filter(|t| t.len() >= 3 && (t.contains('.') || t.contains(':')))
            .filter_map(|t| {
                Cidr::parse(t.trim_matches(|c: char| matches!(c, '.' | ':' | '/'))).ok()
            });
        let bounds = Boundaries::of(blocks);
        Sensitivity {
            bounds,
            policies_read_address,
            session_named,
        }
    }

    /// The class of `ip`: equal for two addresses exactly when every block
    /// the world names holds both or neither.
    pub fn class(&self, ip: IpAddr) -> AddressClass {
        self.bounds.class(ip)
    }
}

/// `text` with every `%XX` escape replaced by its byte (policies may be
/// stored URL-encoded); anything else is kept.
fn percent_decoded(text: &str) -> String {
    if !text.contains('%') {
        return text.to_string();
    }
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How many threads share the work: the machine's cores, at most 8.
pub fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
}

/// `f` over every item, on up to `threads` threads, results in item order.
/// Items are handed out in small batches, so uneven items balance out.
pub fn par_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    par_map_with(items, threads, || (), |_, t| f(t), |_| ()).0
}

/// [`par_map`] with a state of each thread's own, made by `init`; what
/// `end` makes of each thread's final state is returned too.
pub fn par_map_with<T: Sync, R: Send, S, E: Send>(
    items: &[T],
    threads: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
    end: impl Fn(S) -> E + Sync,
) -> (Vec<R>, Vec<E>) {
    // Big enough that neighbouring items share a thread, small enough that
    // every thread gets many batches.
    let batch = (items.len() / (threads.max(1) * 16)).clamp(32, 4096);
    if threads <= 1 || items.len() <= batch {
        let mut state = init();
        let out = items.iter().map(|t| f(&mut state, t)).collect();
        return (out, vec![end(state)]);
    }
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, Vec<R>)>> = Mutex::new(Vec::new());
    let ends: Mutex<Vec<E>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads.min(items.len().div_ceil(batch)) {
            s.spawn(|| {
                let mut state = init();
                let mut mine = Vec::new();
                loop {
                    let at = next.fetch_add(batch, Ordering::Relaxed);
                    if at >= items.len() {
                        break;
                    }
                    let end = (at + batch).min(items.len());
                    mine.push((
                        at,
                        items[at..end]
                            .iter()
                            .map(|t| f(&mut state, t))
                            .collect::<Vec<R>>(),
                    ));
                }
                done.lock().unwrap_or_else(|e| e.into_inner()).extend(mine);
                let e = end(state);
                ends.lock().unwrap_or_else(|e| e.into_inner()).push(e);
            });
        }
    });
    let mut parts = done.into_inner().unwrap_or_else(|e| e.into_inner());
    parts.sort_unstable_by_key(|(at, _)| *at);
    let out = parts.into_iter().flat_map(|(_, r)| r).collect();
    (out, ends.into_inner().unwrap_or_else(|e| e.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_in_the_same_blocks_share_a_class() {
        let s = Sensitivity::of_text(r#"{"a":"10.0.1.0/24","b":"10.0.1.128/25","c":"10.0.2.7"}"#);
        let c = |ip: &str| s.class(ip.parse().unwrap());
        assert_eq!(c("10.0.1.1"), c("10.0.1.127"));
        assert_ne!(c("10.0.1.1"), c("10.0.1.128"));
        assert_ne!(c("10.0.1.255"), c("10.0.2.0"));
        assert_ne!(c("10.0.2.6"), c("10.0.2.7"));
        assert_ne!(c("10.0.2.7"), c("10.0.2.8"));
        assert_eq!(c("10.0.2.8"), c("10.0.3.1"));
        assert!(!s.policies_read_address && !s.session_named);
    }

    #[test]
    fn url_encoded_policies_and_string_conditions_are_seen() {
        let s = Sensitivity::of_text("%7B%22aws%3AVpcSourceIp%22%3A%2210.1.0.0%2F16%22%7D");
        assert!(s.policies_read_address);
        let c = |ip: &str| s.class(ip.parse().unwrap());
        assert_ne!(c("10.0.255.255"), c("10.1.0.0"));
        let s = Sensitivity::of_text(r#"{"Principal":"arn:aws:sts::1:assumed-role/r/i-0abc"}"#);
        assert!(s.session_named);
    }

    #[test]
    fn the_whole_space_and_v6_blocks_cut_classes() {
        let s = Sensitivity::of_text(r#"["0.0.0.0/0","255.255.255.255/32","2600:1f18::/56"]"#);
        let c = |ip: &str| s.class(ip.parse().unwrap());
        assert_ne!(c("255.255.255.254"), c("255.255.255.255"));
        assert_ne!(c("2600:1f18::1"), c("2600:1f19::1"));
    }

    #[test]
    fn par_map_keeps_order() {
        let v: Vec<usize> = (0..1000).collect();
        assert_eq!(
            par_map(&v, 4, |x| x * 2),
            v.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
    }
}
