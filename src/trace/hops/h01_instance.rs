//! H1: the client instance, the interface its traffic leaves from, its identity.

use std::net::IpAddr;

use crate::model::ec2::Instance;

use crate::trace::ctx::Ctx;
use crate::trace::ctx::{Client, Os};
use crate::trace::evidence::{Deciding, ResourceKind as K};
use crate::trace::hop::{Hop, HopId, Verdict};
use crate::trace::request::Auth;

fn os_of(inst: &Instance) -> Os {
    if inst
        .platform
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case("windows"))
    {
        return Os::Windows;
    }
    match inst
        .platform_details
        .as_deref()
        .map(str::to_ascii_lowercase)
    {
        Some(d) if d.contains("windows") => Os::Windows,
        Some(d)
            if ["linux", "red hat", "suse", "ubuntu"]
                .iter()
                .any(|k| d.contains(k)) =>
        {
            Os::Linux
        }
        _ => Os::Unknown,
    }
}

pub(super) fn evaluate<'w>(ctx: &mut Ctx<'w>, inst: &'w Instance) -> Hop {
    let w = ctx.world;
    let id = &inst.instance_id;
    // The primary interface (device index 0), else the first one listed.
    let primary = inst
        .network_interfaces
        .iter()
        .find(|e| e.attachment.as_ref().and_then(|a| a.device_index) == Some(0))
        .or_else(|| inst.network_interfaces.first());
    let (eni_id, subnet_id, ip, ipv6, groups) = match primary {
        Some(e) => {
            let ip = e
                .private_ip_address
                .clone()
                .or_else(|| {
                    e.private_ip_addresses
                        .iter()
                        .find(|p| p.primary == Some(true))
                        .map(|p| p.private_ip_address.clone())
                })
                .or_else(|| {
                    e.private_ip_addresses
                        .first()
                        .map(|p| p.private_ip_address.clone())
                })
                .or_else(|| inst.private_ip_address.clone());
            let groups: Vec<String> = if e.groups.is_empty() {
                inst.security_groups
                    .iter()
                    .map(|g| g.group_id.clone())
                    .collect()
            } else {
                e.groups.iter().map(|g| g.group_id.clone()).collect()
            };
            (
                e.network_interface_id.clone(),
                e.subnet_id.clone().or_else(|| inst.subnet_id.clone()),
                ip,
                e.ipv6_addresses
                    .first()
                    .map(|a| a.ipv6_address.clone())
                    .or_else(|| inst.ipv6_address.clone()),
                groups,
            )
        }
        None => (
            String::new(),
            inst.subnet_id.clone(),
            inst.private_ip_address.clone(),
            inst.ipv6_address.clone(),
            inst.security_groups
                .iter()
                .map(|g| g.group_id.clone())
                .collect(),
        ),
    };
    let mut hop = Hop::new(HopId::Instance, Verdict::Allow, "H1.1", "").read(K::Instance, id);
    if !eni_id.is_empty() {
        hop = hop.read(K::Eni, &eni_id);
    }
    let state = inst.state.name.to_ascii_lowercase();
    // What is wrong, worst first when one denies.
    let mut problems: Vec<Hop> = Vec::new();
    let problem = |v: Verdict, check: &'static str, reason: String, d: Deciding| {
        Hop::new(HopId::Instance, v, check, reason).deciding(d)
    };
    if state != "running" {
        problems.push(problem(
            Verdict::Deny,
            "H1.1",
            format!("instance {id} is {state}, not running"),
            Deciding::field("ec2:DescribeInstances", id, "State.Name").with_value(&inst.state.name),
        ));
    }
    let Some(subnet_id) = subnet_id else {
        // A terminated instance keeps no subnet: its state decides first.
        if let Some(p) = problems.first() {
            return p
                .clone()
                .read(K::Instance, id)
                .symptom("nothing is sent: the instance is not running")
                .note(format!("instance {id} has no subnet in the snapshot"));
        }
        return Hop::new(
            HopId::Instance,
            Verdict::Unknown,
            "H1.2",
            format!("instance {id} has no subnet in the snapshot"),
        )
        .deciding(Deciding::field("ec2:DescribeInstances", id, "SubnetId").missing())
        .read(K::Instance, id);
    };
    hop = hop.read(K::Subnet, &subnet_id);
    let subnet = w.subnet(&subnet_id);
    let vpc_id = inst
        .vpc_id
        .clone()
        .or_else(|| subnet.map(|s| s.vpc_id.clone()))
        .unwrap_or_default();
    if subnet.is_none() {
        problems.push(problem(
            Verdict::Unknown,
            "H1.2",
            format!("subnet {subnet_id} of {id} is not in the snapshot"),
            Deciding::field("ec2:DescribeSubnets", &subnet_id, "").missing(),
        ));
    }
    let ipv4 = ip.as_deref().and_then(|s| s.parse::<IpAddr>().ok());
    let ipv6 = ipv6.as_deref().and_then(|s| s.parse::<IpAddr>().ok());
    if ipv4.is_none() && ipv6.is_none() {
        problems.push(problem(
            Verdict::Unknown,
            "H1.2",
            format!("instance {id} has no private IP address in the snapshot"),
            Deciding::field("ec2:DescribeInstances", id, "PrivateIpAddress").missing(),
        ));
    }
    if inst.network_interfaces.len() > 1 {
        hop = hop.note(format!(
            "{} network interfaces; traffic is assumed to leave from the primary interface {eni_id} (the OS routing table decides)",
            inst.network_interfaces.len()
        ));
    }
    for g in &groups {
        hop = hop.read(K::SecurityGroup, g);
    }

    // Identity (H1.2, H1.3).
    let mut role_arn = None;
    let profile = inst.iam_instance_profile.as_ref().map(|p| p.arn.clone());
    match &profile {
        Some(p) => {
            hop = hop.read(K::InstanceProfile, p);
            match w.instance_profile(p) {
                Some(ip) => match ip.roles.first() {
                    Some(r) => {
                        role_arn = Some(r.arn.clone());
                        hop = hop.read(K::Role, &r.arn);
                    }
                    None => {
                        if ctx.req.auth == Auth::Sigv4 {
                            problems.push(problem(
                                Verdict::Unknown,
                                "H1.2",
                                format!("instance profile {p} has no role, so the signing identity is unknown"),
                                Deciding::field("iam:GetInstanceProfile", p, "Roles").with_detail("(empty)"),
                            ));
                        }
                    }
                },
                None => {
                    if ctx.req.auth == Auth::Sigv4 {
                        problems.push(problem(
                            Verdict::Unknown,
                            "H1.2",
                            format!("instance profile {p} is not in the snapshot, so the signing role is unknown"),
                            Deciding::field("iam:GetInstanceProfile", p, "").missing(),
                        ));
                    }
                }
            }
        }
        None => {
            if ctx.req.auth == Auth::Sigv4 {
                problems.push(problem(
                    Verdict::Unknown,
                    "H1.2",
                    format!("{id} has no instance profile: the SigV4 signing identity is outside AWS's view"),
                    Deciding::field("ec2:DescribeInstances", id, "IamInstanceProfile").with_detail("(absent)"),
                ));
            }
        }
    }
    if let Some(r) = &role_arn {
        if ctx.req.auth == Auth::Sigv4 {
            if let Some(name) = r.rsplit('/').next() {
                let acct = r.split(':').nth(4).unwrap_or("");
                hop = hop.note(format!(
                    "signed requests carry the role session arn:aws:sts::{acct}:assumed-role/{name}/{id} (aws:PrincipalArn {r})"
                ));
            }
        }
    }

    let ip_text = ipv4
        .map(|i| i.to_string())
        .or(ip)
        .unwrap_or_else(|| "no IP".into());
    let cidr = subnet
        .map(|s| format!(" ({})", s.cidr_block))
        .unwrap_or_default();
    let role_text = role_arn
        .as_deref()
        .map(|r| format!(", role {}", r.rsplit('/').next().unwrap_or(r)))
        .unwrap_or_default();
    let summary = format!(
        "{id} {state} in {subnet_id}{cidr}, {ip_text} via {}, SGs {}{role_text}",
        if eni_id.is_empty() {
            "its primary interface"
        } else {
            eni_id.as_str()
        },
        if groups.is_empty() {
            "none".to_string()
        } else {
            groups.join(", ")
        },
    );
    ctx.client = Some(Client {
        instance: inst,
        eni_id,
        subnet_id,
        subnet,
        vpc_id,
        ipv4,
        ipv6,
        groups,
        role_arn,
        os: os_of(inst),
    });

    if let Some(worst) = problems
        .iter()
        .find(|p| p.verdict == Verdict::Deny)
        .or_else(|| problems.first())
    {
        hop = hop.outcome(worst);
        for p in &problems {
            if p.reason != worst.reason {
                hop = hop.note(p.reason.clone());
            }
        }
        if hop.verdict == Verdict::Deny {
            hop = hop.symptom("nothing is sent: the instance is not running");
        }
        hop.notes.insert(0, summary);
        return hop;
    }
    hop.reason(summary)
        .deciding(Deciding::field("ec2:DescribeInstances", id, "State.Name").with_value("running"))
}
