//! `hoptrace policy eval`: evaluate one request against a policy document
//! offline, before deploying it, with the same engine the trace uses.

use clap::{Args, Subcommand};
use serde::Serialize;

use super::{CliError, Output};
use crate::policy::{
    self, Caller, Decision, Outcome, ParseOptions, Report, RequestContext, ShortForm,
};

pub const POLICY_SCHEMA: &str = "hoptrace.policy/v1";

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Evaluate one request against a policy document, statement by statement
    Eval(EvalArgs),
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 allow, 1 explicit or implicit deny, 3 unknown, 2 error.\n\n\
The document may be plain JSON, API Gateway's escaped policy string or IAM's percent-encoded form. \
Keys not given with --context are absent; --unknown KEY marks a key whose value cannot be known, \
and a decision that depends on it is `unknown`. For an IAM --principal, aws:PrincipalArn, \
aws:PrincipalAccount and aws:PrincipalType are filled in unless given.\n\n\
Example:\n  hoptrace policy eval --policy rp.json --action execute-api:Invoke \\\n    \
--resource arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/pets \\\n    \
--principal anonymous --context aws:SourceVpce=vpce-0a1b2c3d4e5f60001"
)]
pub struct EvalArgs {
    /// The policy document (a file, or - for standard input)
    #[arg(long, value_name = "FILE|-")]
    pub policy: String,
    /// The action, such as execute-api:Invoke
    #[arg(long, value_name = "ACTION")]
    pub action: String,
    /// The resource ARN; an execute-api ARN also expands `execute-api:/...` short forms
    #[arg(long, value_name = "ARN")]
    pub resource: String,
    /// The caller: an IAM user, role, assumed-role or account ARN, a service
    /// principal, or `anonymous` [default: unknown]
    #[arg(long, value_name = "ARN|anonymous")]
    pub principal: Option<String>,
    /// A context key and its value (repeatable; the same key twice makes it multi-valued)
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// A context key whose value cannot be known (repeatable)
    #[arg(long = "unknown", value_name = "KEY")]
    pub unknown: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

pub fn run(cmd: PolicyCommand) -> Result<i32, CliError> {
    match cmd {
        PolicyCommand::Eval(args) => eval(args),
    }
}

/// Exit status for a decision.
pub fn exit_code(d: Decision) -> i32 {
    match d.definite() {
        Some(Outcome::Allow) => 0,
        Some(Outcome::ExplicitDeny | Outcome::ImplicitDeny) => 1,
        None => 3,
    }
}

#[derive(Serialize)]
struct RequestJson {
    action: String,
    resource: String,
    principal: String,
    context: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
struct EvalJson {
    schema: &'static str,
    #[serde(flatten)]
    report: Report,
    request: RequestJson,
}

/// The request context from the flags.
pub fn build_context(args: &EvalArgs) -> Result<RequestContext, CliError> {
    let caller = match &args.principal {
        Some(p) => Caller::parse(p).map_err(CliError)?,
        None => Caller::Unknown("no --principal given".into()),
    };
    let resource = args.resource.trim();
    if resource.is_empty() {
        return Err(CliError("--resource is empty".into()));
    }
    let action = args.action.trim();
    if action != "*" && !action.contains(':') {
        return Err(CliError(format!(
            "--action {action:?}: expected service:action, such as execute-api:Invoke"
        )));
    }
    let mut ctx = RequestContext::new(action, Some(resource), caller.clone());
    let mut given: Vec<String> = Vec::new();
    for kv in &args.context {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| CliError(format!("--context {kv:?}: expected KEY=VALUE")))?;
        let k = k.trim();
        if k.is_empty() {
            return Err(CliError(format!("--context {kv:?}: the key is empty")));
        }
        ctx.add(k, v);
        given.push(k.to_lowercase());
    }
    for k in &args.unknown {
        let k = k.trim();
        if k.is_empty() {
            return Err(CliError("--unknown: the key is empty".into()));
        }
        ctx.set_unknown(k);
        given.push(k.to_lowercase());
    }
    if let Caller::Iam(c) = &caller {
        let kind = if c.arn.ends_with(":root") {
            "Account"
        } else if c.arn.contains(":assumed-role/") {
            "AssumedRole"
        } else if c.arn.contains(":user/") {
            "User"
        } else {
            "Role"
        };
        let principal_arn = c.role_arn.clone().unwrap_or_else(|| c.arn.clone());
        let defaults = [
            ("aws:PrincipalArn", principal_arn),
            ("aws:PrincipalAccount", c.account.clone()),
            ("aws:PrincipalType", kind.to_string()),
        ];
        for (k, v) in defaults {
            if !given.contains(&k.to_lowercase()) {
                ctx.set(k, &v);
            }
        }
    }
    Ok(ctx)
}

fn eval(args: EvalArgs) -> Result<i32, CliError> {
    let ctx = build_context(&args)?;
    let (name, text) = super::read_input(&args.policy, "policy")?;
    let opts = ParseOptions {
        short_form: ShortForm::from_arn(args.resource.trim()),
    };
    let p = policy::parse(&text, &opts).map_err(|e| CliError(format!("policy {name}: {e}")))?;
    let e = policy::evaluate(&p, &ctx);
    let report = policy::report(&p, &e, &ctx);
    match args.output {
        Output::Json => {
            let mut context = serde_json::Map::new();
            for (k, v) in ctx.entries() {
                context.insert(
                    k,
                    match v {
                        Some(v) if v.len() == 1 => serde_json::Value::String(v[0].clone()),
                        Some(v) => serde_json::json!(v),
                        None => serde_json::Value::Null,
                    },
                );
            }
            let out = EvalJson {
                schema: POLICY_SCHEMA,
                report,
                request: RequestJson {
                    action: ctx.action.clone(),
                    resource: args.resource.trim().to_string(),
                    principal: ctx.caller.describe(),
                    context,
                },
            };
            super::emit(&(serde_json::to_string_pretty(&out)? + "\n"))?;
        }
        Output::Table => super::emit(&table(&report, &ctx))?,
    }
    Ok(exit_code(e.decision))
}

fn table(r: &Report, ctx: &RequestContext) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} on {} by {}",
        ctx.action,
        ctx.resource.as_deref().unwrap_or("(unknown)"),
        ctx.caller.describe()
    );
    let mut decision = r.decision.as_str().to_string();
    if r.decision.is_unknown() {
        decision.push_str(&format!(" (possible: {})", r.possible.join(", ")));
    }
    if let Some(d) = &r.deciding_statement {
        let sid = d
            .sid
            .as_deref()
            .map(|s| format!(" (Sid {s:?})"))
            .unwrap_or_default();
        decision.push_str(&format!(" — decided by Statement[{}]{sid}", d.index));
    }
    let _ = writeln!(out, "decision: {decision}");
    if !r.unknown.is_empty() {
        let _ = writeln!(out, "unknown:  {}", r.unknown.join(", "));
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:>3}  {:<20} {:<6} {:<8} WHY",
        "#", "SID", "EFFECT", "APPLIES"
    );
    for s in &r.statements {
        let sid: String = s.sid.as_deref().unwrap_or("-").chars().take(20).collect();
        let applies = match s.applies {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        };
        let _ = writeln!(
            out,
            "{:>3}  {:<20} {:<6} {:<8} {}",
            s.index, sid, s.effect, applies, s.why
        );
    }
    out
}
