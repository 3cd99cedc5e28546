//! H5 and H6: the network ACLs of both subnets, including the return path.

use super::shared::*;

fn ranges_for(os: Os) -> Vec<(&'static str, u16, u16)> {
    let linux = ("Linux", 32768, 61000);
    let windows = ("Windows", 49152, 65535);
    match os {
        Os::Linux => vec![linux],
        Os::Windows => vec![windows],
        Os::Unknown => vec![linux, windows],
    }
}

fn fmt_ranges(r: &[(u16, u16)]) -> String {
    if r.is_empty() {
        return "none".into();
    }
    r.iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}–{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The return-path check over the client's ephemeral ports (H5.2, H6.2).
fn ephemeral(
    acl: &NetworkAcl,
    egress: bool,
    peer: &AddrSet,
    os: Os,
    check: &'static str,
    side: &str,
) -> Hop {
    let mut verdicts = Vec::new();
    for (name, lo, hi) in ranges_for(os) {
        let v = nacl::summarize(nacl::coverage(acl, egress, peer, lo, hi));
        verdicts.push((name, lo, hi, v));
    }
    let dir = if egress { "outbound" } else { "inbound" };
    if verdicts
        .iter()
        .all(|v| matches!(v.3, RangeVerdict::AllAllowed(_)))
    {
        let RangeVerdict::AllAllowed(seg) = &verdicts[0].3 else {
            unreachable!()
        };
        let names: Vec<String> = verdicts
            .iter()
            .map(|v| format!("{} {}–{}", v.0, v.1, v.2))
            .collect();
        return path_result(
            Verdict::Allow,
            check,
            format!(
                "{side} {dir} return traffic to the client's ephemeral ports ({}) allowed by rule {}",
                names.join(", "),
                seg.rule_number.map(|n| n.to_string()).unwrap_or_else(|| "*".into())
            ),
            seg.field.clone(),
        );
    }
    if verdicts
        .iter()
        .all(|v| matches!(v.3, RangeVerdict::AllDenied(_)))
    {
        let RangeVerdict::AllDenied(seg) = &verdicts[0].3 else {
            unreachable!()
        };
        return path_result(
            Verdict::Deny,
            check,
            format!(
                "{side} {dir} rule {} denies return traffic to the client's ephemeral ports {}–{}",
                seg.rule_number
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "* (implicit deny)".into()),
                verdicts[0].1,
                verdicts[0].2
            ),
            seg.field.clone(),
        )
        .symptom(RETURN_DROP);
    }
    let mut parts = Vec::new();
    let mut deciding: Option<Deciding> = None;
    let mut allowed_all = Vec::new();
    for (name, lo, hi, v) in &verdicts {
        match v {
            RangeVerdict::AllAllowed(_) => {
                parts.push(format!("{name} {lo}–{hi}: allowed"));
                allowed_all.push((*lo, *hi));
            }
            RangeVerdict::AllDenied(s) => {
                parts.push(format!("{name} {lo}–{hi}: denied"));
                if deciding.is_none() {
                    deciding = Some((&s.field).into());
                }
            }
            RangeVerdict::Mixed { allowed, segments } => {
                parts.push(format!(
                    "{name} {lo}–{hi}: only {} allowed",
                    fmt_ranges(allowed)
                ));
                allowed_all.extend(allowed.iter().copied());
                if deciding.is_none() {
                    if let Some(s) = segments.iter().find(|s| s.action != NaclAction::Allow) {
                        deciding = Some((&s.field).into());
                    }
                }
            }
        }
    }
    allowed_all.sort();
    allowed_all.dedup();
    path_result(
        Verdict::Unknown,
        check,
        format!(
            "{side} {dir} return traffic allowed only for ports {}; depends on the client OS ephemeral range ({})",
            fmt_ranges(&allowed_all),
            parts.join("; ")
        ),
        deciding.unwrap_or_default(),
    )
}

fn nacl_single(
    acl: &NetworkAcl,
    egress: bool,
    peer: &AddrSet,
    port: u16,
    check: &'static str,
    what: String,
) -> Hop {
    let seg = nacl::first_match(acl, egress, peer, port);
    let rule = seg
        .rule_number
        .map(|n| n.to_string())
        .unwrap_or_else(|| "* (implicit deny)".into());
    match seg.action {
        NaclAction::Allow => path_result(Verdict::Allow, check, format!("{what} allowed by rule {rule}"), seg.field),
        NaclAction::Deny => path_result(Verdict::Deny, check, format!("{what} denied by rule {rule}"), seg.field).symptom(TIMEOUT),
        NaclAction::Ambiguous => path_result(
            Verdict::Unknown,
            check,
            format!("{what}: rule {rule} may or may not match (exact address not captured, or the rule has no port range)"),
            seg.field,
        ),
    }
}

fn combine_nacl(first: Hop, second: Hop) -> Hop {
    let resources = first.resources.clone();
    let mut o = match (first.verdict, second.verdict) {
        (Verdict::Deny, Verdict::Deny) => {
            let reason = format!("{}; and {}", first.reason, second.reason);
            first.reason(reason)
        }
        (Verdict::Deny, _) => first,
        (_, Verdict::Deny) => second,
        (Verdict::Unknown, _) => first,
        (_, Verdict::Unknown) => second,
        _ => {
            let reason = format!("{}; {}", first.reason, second.reason);
            // Both directions allow: the two rules decide together.
            let deciding = Deciding::text(format!("{}; {}", first.deciding, second.deciding));
            first.reason(reason).deciding(deciding)
        }
    };
    for r in resources {
        o.add_resource(r);
    }
    o
}

pub(super) fn nacl_client(ctx: &Ctx, client: &Client, c: &Candidate, dst: &AddrSet) -> Hop {
    if c.subnet_id == client.subnet_id {
        return path_result(
            Verdict::Skip,
            "H5",
            format!("client and endpoint ENI share {}; network ACLs apply only when traffic leaves or enters a subnet", c.subnet_id),
            String::new(),
        );
    }
    let Some((acl, implicit)) = ctx.world.subnet_nacl(&client.subnet_id) else {
        return path_result(
            Verdict::Unknown,
            "H5",
            format!(
                "no network ACL for {} in the snapshot{}",
                client.subnet_id,
                ctx.unread("network_acls", "ec2:DescribeNetworkAcls")
                    .map(|w| format!(" ({w})"))
                    .unwrap_or_default()
            ),
            Deciding::field(
                "ec2:DescribeNetworkAcls",
                "",
                format!("association.subnet-id={}", client.subnet_id),
            )
            .missing(),
        );
    };
    let side = format!(
        "{}{}",
        acl.network_acl_id,
        if implicit { " (default)" } else { "" }
    );
    let port = ctx.req.port;
    let out = nacl_single(
        acl,
        true,
        dst,
        port,
        "H5.1",
        format!("{side} outbound tcp/{port} to {dst}"),
    );
    let back = ephemeral(
        acl,
        false,
        dst,
        client.os,
        "H5.2",
        &format!("{side} (client subnet)"),
    );
    combine_nacl(out, back).read(K::Nacl, &acl.network_acl_id)
}

pub(super) fn nacl_endpoint(ctx: &Ctx, client: &Client, c: &Candidate, src: IpAddr) -> Hop {
    if c.subnet_id == client.subnet_id {
        return path_result(
            Verdict::Skip,
            "H6",
            format!(
                "client and endpoint ENI share {}; network ACLs do not apply",
                c.subnet_id
            ),
            String::new(),
        );
    }
    let Some((acl, implicit)) = ctx.world.subnet_nacl(&c.subnet_id) else {
        return path_result(
            Verdict::Unknown,
            "H6",
            format!(
                "no network ACL for endpoint subnet {} in the snapshot{}",
                c.subnet_id,
                ctx.unread("network_acls", "ec2:DescribeNetworkAcls")
                    .map(|w| format!(" ({w})"))
                    .unwrap_or_default()
            ),
            Deciding::field(
                "ec2:DescribeNetworkAcls",
                "",
                format!("association.subnet-id={}", c.subnet_id),
            )
            .missing(),
        );
    };
    let side = format!(
        "{}{}",
        acl.network_acl_id,
        if implicit { " (default)" } else { "" }
    );
    let port = ctx.req.port;
    let peer = AddrSet::Ip(src);
    let inbound = nacl_single(
        acl,
        false,
        &peer,
        port,
        "H6.1",
        format!("{side} inbound tcp/{port} from {src}"),
    );
    let back = ephemeral(
        acl,
        true,
        &peer,
        client.os,
        "H6.2",
        &format!("{side} (endpoint subnet)"),
    );
    combine_nacl(inbound, back).read(K::Nacl, &acl.network_acl_id)
}
