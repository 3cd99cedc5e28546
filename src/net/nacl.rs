//! Network ACL evaluation: stateless, first match by rule number, implicit deny.

use super::Field;
use crate::model::ec2::{NaclEntry, NetworkAcl};

use super::cidr::{AddrSet, Cidr, Cover};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NaclAction {
    Allow,
    Deny,
    /// The deciding rule cannot be known (the exact peer address was not captured,
    /// or a rule is malformed).
    Ambiguous,
}

/// A run of ports that one rule decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub lo: u16,
    pub hi: u16,
    pub action: NaclAction,
    /// `None` for the implicit catch-all rule `*` (32767).
    pub rule_number: Option<i64>,
    pub field: Field,
}

fn entry_ports(e: &NaclEntry) -> Result<Option<(u16, u16)>, ()> {
    match e.protocol.to_ascii_lowercase().as_str() {
        "-1" | "all" => Ok(Some((0, 65535))),
        "6" | "tcp" => match &e.port_range {
            Some(p) => match (p.from, p.to) {
                (Some(f), Some(t)) => {
                    let f = f.clamp(0, 65535) as u16;
                    let t = t.clamp(0, 65535) as u16;
                    Ok(Some((f.min(t), t.max(f))))
                }
                _ => Err(()),
            },
            None => Err(()),
        },
        // Another protocol does not carry TCP; a value that is no protocol
        // at all (not returned, garbled) may, so it is ambiguous.
        p if p.parse::<i64>().is_ok() || matches!(p, "udp" | "icmp" | "icmpv6") => Ok(None),
        _ => Err(()),
    }
}

/// Decide TCP ports `lo..=hi` to/from `peer` in one direction.
/// `egress=true` evaluates outbound rules with `peer` as destination,
/// `egress=false` inbound rules with `peer` as source.
pub fn coverage(acl: &NetworkAcl, egress: bool, peer: &AddrSet, lo: u16, hi: u16) -> Vec<Segment> {
    let mut entries: Vec<(usize, &NaclEntry)> = acl
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.egress == egress)
        .collect();
    entries.sort_by_key(|(_, e)| e.rule_number);
    let dir = if egress { "true" } else { "false" };
    let mut open: Vec<(u16, u16)> = vec![(lo, hi)];
    let mut out = Vec::new();
    for (_, e) in entries {
        if open.is_empty() {
            break;
        }
        if e.rule_number >= 32767 {
            // The catch-all is applied below whether or not it was recorded.
            continue;
        }
        let cidr_text = if peer.is_v4() {
            e.cidr_block.as_deref()
        } else {
            e.ipv6_cidr_block.as_deref()
        };
        let Some(cidr_text) = cidr_text else { continue };
        let cover = match Cidr::parse(cidr_text) {
            Ok(c) => peer.covered_by(&c),
            Err(_) => Cover::Some,
        };
        if cover == Cover::None {
            continue;
        }
        let (ports, malformed) = match entry_ports(e) {
            Ok(None) => continue,
            Ok(Some(p)) => (p, false),
            Err(()) => ((0, 65535), true),
        };
        let action = if cover == Cover::Some || malformed {
            NaclAction::Ambiguous
        } else if e.rule_action.eq_ignore_ascii_case("allow") {
            NaclAction::Allow
        } else {
            NaclAction::Deny
        };
        // Built only for entries that match (most do not).
        let field = Field::new(
            "ec2:DescribeNetworkAcls",
            &acl.network_acl_id,
            format!(
                "Entries[RuleNumber={},Egress={}] {} {} {}",
                e.rule_number,
                dir,
                e.rule_action,
                proto_label(e),
                cidr_text
            ),
        );
        let mut next = Vec::new();
        for (a, b) in open {
            let (x, y) = (a.max(ports.0), b.min(ports.1));
            if x > y {
                next.push((a, b));
                continue;
            }
            out.push(Segment {
                lo: x,
                hi: y,
                action,
                rule_number: Some(e.rule_number),
                field: field.clone(),
            });
            if a < x {
                next.push((a, x - 1));
            }
            if y < b {
                next.push((y + 1, b));
            }
        }
        open = next;
    }
    for (a, b) in open {
        out.push(Segment {
            lo: a,
            hi: b,
            action: NaclAction::Deny,
            rule_number: None,
            field: Field::new(
                "ec2:DescribeNetworkAcls",
                &acl.network_acl_id,
                format!("Entries[RuleNumber=*,Egress={dir}] (implicit deny)"),
            ),
        });
    }
    out.sort_by_key(|s| s.lo);
    out
}

fn proto_label(e: &NaclEntry) -> String {
    match e.protocol.as_str() {
        "-1" => "all".into(),
        "6" | "tcp" => match &e.port_range {
            Some(p) => format!("tcp {}-{}", p.from.unwrap_or(0), p.to.unwrap_or(65535)),
            None => "tcp".into(),
        },
        other => format!("proto {other}"),
    }
}

/// The rule deciding a single port.
pub fn first_match(acl: &NetworkAcl, egress: bool, peer: &AddrSet, port: u16) -> Segment {
    coverage(acl, egress, peer, port, port)
        .into_iter()
        .next()
        .expect("coverage of one port yields one segment")
}

/// Summary of a port range: every port allowed, every port denied, or mixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeVerdict {
    AllAllowed(Segment),
    AllDenied(Segment),
    Mixed {
        allowed: Vec<(u16, u16)>,
        segments: Vec<Segment>,
    },
}

pub fn summarize(segments: Vec<Segment>) -> RangeVerdict {
    if segments.iter().all(|s| s.action == NaclAction::Allow) {
        return RangeVerdict::AllAllowed(segments[0].clone());
    }
    if segments.iter().all(|s| s.action == NaclAction::Deny) {
        return RangeVerdict::AllDenied(segments[0].clone());
    }
    let allowed = segments
        .iter()
        .filter(|s| s.action == NaclAction::Allow)
        .map(|s| (s.lo, s.hi))
        .collect();
    RangeVerdict::Mixed { allowed, segments }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ec2::PortRange;

    fn entry(
        n: i64,
        egress: bool,
        proto: &str,
        action: &str,
        cidr: &str,
        ports: Option<(i64, i64)>,
    ) -> NaclEntry {
        NaclEntry {
            rule_number: n,
            egress,
            protocol: proto.into(),
            rule_action: action.into(),
            cidr_block: Some(cidr.into()),
            ipv6_cidr_block: None,
            port_range: ports.map(|(f, t)| PortRange {
                from: Some(f),
                to: Some(t),
            }),
        }
    }

    fn acl(entries: Vec<NaclEntry>) -> NetworkAcl {
        NetworkAcl {
            network_acl_id: "acl-1".into(),
            vpc_id: "vpc-1".into(),
            entries,
            ..Default::default()
        }
    }

    fn ip(s: &str) -> AddrSet {
        AddrSet::Ip(s.parse().unwrap())
    }

    #[test]
    fn lowest_rule_number_wins_whatever_the_order() {
        let a = acl(vec![
            entry(200, false, "-1", "allow", "0.0.0.0/0", None),
            entry(100, false, "6", "deny", "10.0.0.0/8", Some((443, 443))),
        ]);
        let s = first_match(&a, false, &ip("10.1.2.3"), 443);
        assert_eq!((s.action, s.rule_number), (NaclAction::Deny, Some(100)));
        let s = first_match(&a, false, &ip("192.168.1.1"), 443);
        assert_eq!((s.action, s.rule_number), (NaclAction::Allow, Some(200)));
    }

    #[test]
    fn an_entry_with_no_protocol_is_ambiguous_and_other_protocols_pass_over() {
        let a = acl(vec![
            entry(90, false, "(not returned)", "deny", "0.0.0.0/0", None),
            entry(100, false, "-1", "allow", "0.0.0.0/0", None),
        ]);
        let s = first_match(&a, false, &ip("10.1.2.3"), 443);
        assert_eq!((s.action, s.rule_number), (NaclAction::Ambiguous, Some(90)));
        let b = acl(vec![
            entry(90, false, "17", "deny", "0.0.0.0/0", Some((443, 443))),
            entry(95, false, "icmp", "deny", "0.0.0.0/0", None),
            entry(100, false, "-1", "allow", "0.0.0.0/0", None),
        ]);
        let s = first_match(&b, false, &ip("10.1.2.3"), 443);
        assert_eq!((s.action, s.rule_number), (NaclAction::Allow, Some(100)));
    }

    #[test]
    fn nothing_matches_means_implicit_deny() {
        let a = acl(vec![entry(
            100,
            true,
            "6",
            "allow",
            "10.0.0.0/8",
            Some((22, 22)),
        )]);
        let s = first_match(&a, true, &ip("10.0.0.1"), 443);
        assert_eq!((s.action, s.rule_number), (NaclAction::Deny, None));
        // Direction matters: the egress rule is not consulted for ingress.
        let s = first_match(&a, false, &ip("10.0.0.1"), 22);
        assert_eq!(s.rule_number, None);
    }

    #[test]
    fn other_protocols_do_not_match_tcp() {
        let a = acl(vec![
            entry(90, false, "17", "deny", "0.0.0.0/0", Some((0, 65535))),
            entry(100, false, "6", "allow", "0.0.0.0/0", Some((0, 65535))),
        ]);
        assert_eq!(
            first_match(&a, false, &ip("1.2.3.4"), 443).rule_number,
            Some(100)
        );
    }

    #[test]
    fn coverage_splits_a_range_by_rule() {
        let a = acl(vec![
            entry(
                100,
                false,
                "6",
                "allow",
                "10.0.0.0/16",
                Some((32768, 60999)),
            ),
            entry(200, false, "6", "deny", "0.0.0.0/0", Some((61000, 61500))),
        ]);
        let segs = coverage(&a, false, &ip("10.0.10.5"), 49152, 65535);
        let shape: Vec<(u16, u16, NaclAction, Option<i64>)> = segs
            .iter()
            .map(|s| (s.lo, s.hi, s.action, s.rule_number))
            .collect();
        assert_eq!(
            shape,
            vec![
                (49152, 60999, NaclAction::Allow, Some(100)),
                (61000, 61500, NaclAction::Deny, Some(200)),
                (61501, 65535, NaclAction::Deny, None),
            ]
        );
        match summarize(segs) {
            RangeVerdict::Mixed { allowed, .. } => assert_eq!(allowed, vec![(49152, 60999)]),
            other => panic!("expected mixed, got {other:?}"),
        }
    }

    #[test]
    fn partial_cidr_cover_is_ambiguous() {
        let a = acl(vec![entry(100, true, "-1", "allow", "10.0.10.0/25", None)]);
        let block = AddrSet::Block(crate::net::Cidr::parse("10.0.10.0/24").unwrap());
        assert_eq!(
            first_match(&a, true, &block, 443).action,
            NaclAction::Ambiguous
        );
    }

    #[test]
    fn tcp_rule_without_ports_is_ambiguous() {
        let a = acl(vec![entry(100, true, "6", "allow", "0.0.0.0/0", None)]);
        assert_eq!(
            first_match(&a, true, &ip("10.0.0.1"), 443).action,
            NaclAction::Ambiguous
        );
    }

    #[test]
    fn ipv6_peer_uses_ipv6_entries_only() {
        let mut e = entry(100, true, "-1", "allow", "0.0.0.0/0", None);
        let mut e6 = entry(110, true, "-1", "deny", "0.0.0.0/0", None);
        e6.cidr_block = None;
        e6.ipv6_cidr_block = Some("::/0".into());
        e.rule_number = 100;
        let a = acl(vec![e, e6]);
        let s = first_match(&a, true, &AddrSet::Ip("2600:1f18::1".parse().unwrap()), 443);
        assert_eq!((s.action, s.rule_number), (NaclAction::Deny, Some(110)));
    }
}
