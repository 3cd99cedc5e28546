//! `hoptrace reach`: who is affected. Every running instance to one
//! request (`--to`), or one instance to every deployed method (`--from`),
//! grouped by verdict and the field that decided.

use std::fmt::Write;

use clap::Args;

use super::{output, CliError, Output};
use crate::reach::{self, Member, Reach};
use crate::trace::{Overall, Request, TlsVersion};

#[derive(Debug, Args)]
#[command(
    group(clap::ArgGroup::new("direction").required(true).args(["to", "from"])),
    after_help = "Groups members by verdict, the hop that decided (the first block, else the first \
unknown hop) and that hop's deciding field. Instances that share subnet, security groups, role and \
address class share one trace; the grouped result is the same as tracing each one.\n\n\
Exit status: 0 done, 1 with --fail-if-blocked when any member is blocked, 2 error.\n\n\
Examples:\n  \
hoptrace reach --demo --to https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets\n  \
hoptrace reach --demo --from i-0a0000000000web01\n  \
hoptrace reach --snapshot prod.json --vpc vpc-0abc --fail-if-blocked --to https://abc123.execute-api.us-east-1.amazonaws.com/prod/orders"
)]
pub struct ReachArgs {
    /// Trace this URL from every running instance (the URL exactly as instances would call it)
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
    /// Trace this instance to every deployed method of every API in the world
    #[arg(long, value_name = "INSTANCE-ID", conflicts_with_all = ["vpc", "method", "headers", "sigv4"])]
    pub from: Option<String>,
    /// With --to: only instances in this VPC (repeatable)
    #[arg(long = "vpc", value_name = "VPC-ID")]
    pub vpc: Vec<String>,
    /// With --to: HTTP method
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    pub method: Option<String>,
    /// With --to: request header, 'Name: value' (repeatable)
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// With --to: the request is SigV4-signed with each instance profile's role
    #[arg(long)]
    pub sigv4: bool,
    /// The client's TLS version
    #[arg(long, value_name = "VERSION", default_value = "1.2", value_parser = ["1.2", "1.3"])]
    pub tls: String,
    #[command(flatten)]
    pub world: super::WholeWorldArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
    /// Exit with status 1 when any member is blocked
    #[arg(long)]
    pub fail_if_blocked: bool,
    /// Table: members listed per group (0 lists all; JSON always lists all)
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub limit: usize,
}

pub fn run(args: ReachArgs) -> Result<i32, CliError> {
    let tls = TlsVersion::parse(&args.tls)?;
    let template = match &args.to {
        Some(url) => Some(Request::new(
            "",
            args.method.as_deref().unwrap_or("GET"),
            url,
            &args.headers,
            args.sigv4,
            tls,
        )?),
        None => None,
    };
    let world = super::whole_world(&args.world)?;
    let mut r = match (&template, &args.from) {
        (Some(req), _) => reach::reach_to(&world, req, &args.vpc)?,
        (None, Some(from)) => reach::reach_from(&world, from)?,
        (None, None) => return Err(CliError("give --to URL or --from INSTANCE-ID".into())),
    };
    if let Some(ms) = super::trace::fixed_elapsed_ms() {
        r.stats.elapsed_ms = ms;
    }
    let text = match args.output {
        Output::Json => serde_json::to_string_pretty(&r)? + "\n",
        Output::Table => table(&r, args.limit, output::color_enabled()),
    };
    super::emit(&text)?;
    Ok(if args.fail_if_blocked && r.any_blocked() {
        1
    } else {
        0
    })
}

pub use crate::reach::thousands;

/// `blocked at sg-endpoint`, `undetermined at waf`, `reachable`.
pub fn table(r: &Reach, limit: usize, color: bool) -> String {
    let mut out = String::new();
    match &r.query {
        reach::Query::To {
            method,
            url,
            headers,
            auth,
            tls,
            vpcs,
        } => {
            let _ = writeln!(out, "{} {}", output::safe(method), output::safe(url));
            let scope = if vpcs.is_empty() {
                "every running instance".to_string()
            } else {
                format!("every running instance in {}", vpcs.join(", "))
            };
            let skipped = if r.skipped_not_running > 0 {
                format!(
                    "; {} not running, not traced",
                    thousands(r.skipped_not_running)
                )
            } else {
                String::new()
            };
            let mut meta = format!(
                "from {scope} ({}{skipped}) · auth {auth} · TLS {tls}",
                thousands(r.total)
            );
            for (k, v) in headers {
                let _ = write!(meta, " · {}: {}", output::safe(k), output::safe(v));
            }
            let _ = writeln!(out, "{meta}");
        }
        reach::Query::From { instance } => {
            let _ = writeln!(
                out,
                "from {instance} to every deployed method of every API ({} methods)",
                thousands(r.total)
            );
        }
    }
    if r.groups.is_empty() {
        let _ = writeln!(out, "\nnothing to trace");
    }
    for g in &r.groups {
        let head = format!("{} {}", thousands(g.count), g.title());
        let head = output::paint(&head, g.verdict.as_verdict(), color);
        if g.deciding.is_empty() {
            let _ = writeln!(out, "\n{head}");
        } else {
            let _ = writeln!(out, "\n{head}: {}", output::safe(&g.deciding));
        }
        if g.verdict != Overall::Reachable {
            if let Some((who, why)) = &g.example {
                let _ = writeln!(out, "  e.g. {}: {}", output::safe(who), output::safe(why));
            }
        }
        let shown = if limit == 0 { g.members.len() } else { limit };
        for m in g.members.iter().take(shown) {
            let _ = writeln!(out, "  {}", output::safe(&member_line(m)));
        }
        if g.members.len() > shown {
            let _ = writeln!(
                out,
                "  … and {} more (--limit 0 or --output json lists every member)",
                thousands(g.members.len() - shown)
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{} traced: {} reachable, {} blocked, {} undetermined",
        thousands(r.total),
        thousands(r.count(Overall::Reachable)),
        thousands(r.count(Overall::Blocked)),
        thousands(r.count(Overall::Undetermined)),
    );
    out
}

fn member_line(m: &Member) -> String {
    match m {
        Member::Instance {
            instance,
            name,
            vpc,
            subnet,
            ip,
        } => format!(
            "{instance}  {}  {vpc}  {subnet}  {}",
            name.as_deref().unwrap_or("-"),
            ip.as_deref().unwrap_or("-")
        ),
        Member::Method {
            api_name,
            method,
            resource,
            request_method,
            url,
            ..
        } => {
            let any = if method != request_method {
                format!(" ({method} {resource})")
            } else {
                String::new()
            };
            format!(
                "{request_method} {url}{any}  {}",
                api_name.as_deref().unwrap_or("-")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_groups_digits() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1204), "1,204");
        assert_eq!(super::thousands(50_000), "50,000");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
    }
}
