//! Security group evaluation (stateful, allow-only rules).

use super::Field;
use crate::model::ec2::{IpPermission, ManagedPrefixList, SecurityGroup};

use super::cidr::{AddrSet, Cidr, Cover};

/// Whether a rule that references a security group can match the peer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RefScope {
    /// Both sides are in the same VPC.
    SameVpc,
    /// The path crosses this VPC peering connection (same region).
    Peered(String),
    /// References cannot be resolved on this path (the reason says why).
    Unresolvable(String),
}

/// The other side of the connection as a security group sees it.
#[derive(Debug, Clone)]
pub struct Peer<'a> {
    pub addr: AddrSet,
    /// Security groups attached to the peer's network interface.
    pub groups: &'a [String],
    pub scope: RefScope,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SgOutcome {
    Allow {
        group_id: String,
        field: Field,
    },
    /// No rule of any group admits the traffic.
    Deny,
    Unknown {
        reason: String,
        field: Field,
    },
}

pub fn protocol_matches_tcp(p: &str) -> bool {
    matches!(p.to_ascii_lowercase().as_str(), "-1" | "all" | "tcp" | "6")
}

fn port_matches(perm: &IpPermission, port: u16) -> Option<bool> {
    if matches!(perm.ip_protocol.as_str(), "-1" | "all") {
        return Some(true);
    }
    match (perm.from_port, perm.to_port) {
        // A -1 port range is a wildcard only for protocol -1; on tcp it is malformed.
        (Some(-1), _) | (_, Some(-1)) => None,
        (Some(f), Some(t)) => Some(f <= port as i64 && port as i64 <= t),
        _ => None,
    }
}

fn describe_ports(perm: &IpPermission) -> String {
    if matches!(perm.ip_protocol.as_str(), "-1" | "all") {
        return "all traffic".into();
    }
    match (perm.from_port, perm.to_port) {
        (Some(f), Some(t)) if f == t => format!("{} {}", perm.ip_protocol, f),
        (Some(f), Some(t)) => format!("{} {}-{}", perm.ip_protocol, f, t),
        _ => perm.ip_protocol.clone(),
    }
}

/// Evaluate the union of `groups` for TCP to (egress) or from (ingress) `peer` on `port`.
pub fn evaluate<'p>(
    groups: &[&SecurityGroup],
    egress: bool,
    port: u16,
    peer: &Peer,
    prefix_list: &dyn Fn(&str) -> Option<&'p ManagedPrefixList>,
) -> SgOutcome {
    let list_name = if egress {
        "IpPermissionsEgress"
    } else {
        "IpPermissions"
    };
    let mut unknown: Option<(String, Field)> = None;
    let mut note_unknown = |reason: String, field: Field| {
        if unknown.is_none() {
            unknown = Some((reason, field));
        }
    };
    for sg in groups {
        let rules = if egress {
            &sg.ip_permissions_egress
        } else {
            &sg.ip_permissions
        };
        for (ri, perm) in rules.iter().enumerate() {
            if !protocol_matches_tcp(&perm.ip_protocol) {
                continue;
            }
            // Fields are built only for the rule parts that decide something.
            let base = |more: &str| {
                Field::new(
                    "ec2:DescribeSecurityGroups",
                    &sg.group_id,
                    format!("{list_name}[{ri}]{more}"),
                )
            };
            match port_matches(perm, port) {
                Some(true) => {}
                Some(false) => continue,
                None => {
                    note_unknown(
                        format!("rule {} of {} has no port range", ri, sg.group_id),
                        base(""),
                    );
                    continue;
                }
            }
            let ports = describe_ports(perm);
            let ranges: Vec<(usize, &str, &str)> = if peer.addr.is_v4() {
                perm.ip_ranges
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (i, "IpRanges", r.cidr_ip.as_str()))
                    .collect()
            } else {
                perm.ipv6_ranges
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (i, "Ipv6Ranges", r.cidr_ipv6.as_str()))
                    .collect()
            };
            for (i, key, cidr) in ranges {
                let leaf = if key == "IpRanges" {
                    "CidrIp"
                } else {
                    "CidrIpv6"
                };
                let field = || base(&format!(".{key}[{i}].{leaf}={cidr} ({ports})"));
                let Ok(c) = Cidr::parse(cidr) else {
                    note_unknown(
                        format!("{cidr:?} in {} is not a CIDR block", sg.group_id),
                        field(),
                    );
                    continue;
                };
                match peer.addr.covered_by(&c) {
                    Cover::All => {
                        return SgOutcome::Allow {
                            group_id: sg.group_id.clone(),
                            field: field(),
                        }
                    }
                    Cover::Some => note_unknown(
                        format!(
                            "{cidr} covers only part of {} (exact address not captured)",
                            peer.addr
                        ),
                        field(),
                    ),
                    Cover::None => {}
                }
            }
            for (i, pair) in perm.user_id_group_pairs.iter().enumerate() {
                let Some(gid) = pair.group_id.as_deref() else {
                    continue;
                };
                if !peer.groups.iter().any(|g| g == gid) {
                    continue;
                }
                let field = base(&format!(".UserIdGroupPairs[{i}].GroupId={gid} ({ports})"));
                match &peer.scope {
                    RefScope::SameVpc | RefScope::Peered(_) => {
                        return SgOutcome::Allow {
                            group_id: sg.group_id.clone(),
                            field,
                        }
                    }
                    RefScope::Unresolvable(why) => note_unknown(
                        format!(
                            "{} references {gid}, which the peer carries, but {why}",
                            sg.group_id
                        ),
                        field,
                    ),
                }
            }
            for (i, pl) in perm.prefix_list_ids.iter().enumerate() {
                let field = base(&format!(
                    ".PrefixListIds[{i}].PrefixListId={} ({ports})",
                    pl.prefix_list_id
                ));
                let entries = prefix_list(&pl.prefix_list_id).and_then(|p| p.entries.as_ref());
                let Some(entries) = entries else {
                    note_unknown(
                        format!("prefix list {} entries not captured", pl.prefix_list_id),
                        field,
                    );
                    continue;
                };
                for e in entries {
                    let Ok(c) = Cidr::parse(&e.cidr) else {
                        continue;
                    };
                    match peer.addr.covered_by(&c) {
                        Cover::All => {
                            return SgOutcome::Allow {
                                group_id: sg.group_id.clone(),
                                field: field.then(&format!(" entry {}", e.cidr)),
                            }
                        }
                        Cover::Some => note_unknown(
                            format!(
                                "prefix list entry {} covers only part of {}",
                                e.cidr, peer.addr
                            ),
                            field.clone(),
                        ),
                        Cover::None => {}
                    }
                }
            }
        }
    }
    match unknown {
        Some((reason, field)) => SgOutcome::Unknown { reason, field },
        None => SgOutcome::Deny,
    }
}
