//! The command line: clap definitions and one module per subcommand.

mod check;
mod demo;
mod explain;
mod graph;
mod logs;
mod output;
mod policy;
mod reach;
mod record;
mod snapshot;
pub(crate) mod trace;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit status for errors (bad arguments, unreadable snapshot, unknown instance).
pub const EXIT_ERROR: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "hoptrace",
    version,
    about = "Why can't my EC2 instance reach my private API? Traces one request hop by hop.",
    long_about = "Why can't my EC2 instance reach my private API?\n\n\
hoptrace follows one request from an EC2 instance through DNS, routes, security groups, \
network ACLs and the execute-api VPC endpoint to an API Gateway private REST API, and gives \
each hop a verdict (allow / deny / unknown) with the AWS field that decided it.\n\n\
Start with the embedded demo world (no AWS account needed):\n  hoptrace demo\n  hoptrace demo list\n\n\
On your account (read-only; `hoptrace permissions` prints the IAM policy it needs):\n  \
hoptrace trace --from i-0abc https://abc123.execute-api.us-east-1.amazonaws.com/prod/pets\n  \
hoptrace snapshot record -o account.json",
    after_help = "Exit status: 0 reachable, 1 blocked, 3 undetermined, 2 error (explain adds 4: no hop \
produces the text; see hoptrace explain --help).\n\
Diagnostic logs go to a file, never to the terminal (see --log-file).\n\
The terminal UI reads $XDG_CONFIG_HOME/hoptrace/config.toml (default ~/.config/hoptrace/config.toml):\n\
  theme = \"dark\" | \"light\" | \"high-contrast\"   and   [keys] command = \"key\" or [\"key\", ...]\n\
NO_COLOR turns colour off; $VISUAL/$EDITOR is used for what-if edits."
)]
pub struct Cli {
    /// Write diagnostic logs to FILE [default: $XDG_STATE_HOME/hoptrace/hoptrace.log]
    #[arg(long, global = true, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Trace one request from an instance to a private API, hop by hop
    Trace(TraceArgs),
    /// Which hops and causes produce an error the client saw; with --from and a URL, whether the trace agrees
    Explain(ExplainArgs),
    /// The embedded demo world: the terminal UI with live log replay, a text tour, or the list of stories
    Demo(DemoArgs),
    /// The terminal UI on the live account (read-only), or on a snapshot file
    Tui(TuiArgs),
    /// The log lines that are evidence for one traced request, tagged with their hops
    Logs(LogsArgs),
    /// Who is affected: one URL from every running instance, or one instance to every API method, grouped by verdict
    Reach(reach::ReachArgs),
    /// The world graph, or the part around a VPC or an API, as DOT, Mermaid or JSON
    Graph(graph::GraphArgs),
    /// Check connectivity intents (which instances must, or must not, reach which APIs) from a YAML file
    Check(check::CheckArgs),
    /// Record snapshot files from an AWS account, and check them
    Snapshot {
        #[command(subcommand)]
        command: SnapshotCommand,
    },
    /// Print the least-privilege IAM policy hoptrace needs to read an account (JSON to paste)
    Permissions,
    /// Evaluate IAM policy documents offline (a policy simulator)
    Policy {
        #[command(subcommand)]
        command: policy::PolicyCommand,
    },
    /// Write a synthetic world for benchmarks
    #[command(hide = true)]
    Synth(SynthArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Json,
}

/// What `trace` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TraceOutput {
    /// One row per hop, with the deciding field and notes
    Table,
    /// hoptrace.trace/v1
    Json,
    /// A walkthrough: request, verdict, the path as a Mermaid flowchart, every hop
    Markdown,
    /// The path alone, as a Mermaid flowchart coloured by verdict
    Mermaid,
    /// The path alone, as a Graphviz DOT graph coloured by verdict
    Dot,
}

/// Read a text input given as a path, or `-` for standard input, named
/// `what` in messages. Returns how to name it (`<stdin>` or the path) and
/// its text.
fn read_input(path: &str, what: &str) -> Result<(String, String), CliError> {
    use std::io::Read;
    let bytes = if path == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| CliError(format!("cannot read {what} from standard input: {e}")))?;
        b
    } else {
        std::fs::read(path).map_err(|e| CliError(format!("cannot read {what} {path}: {e}")))?
    };
    let shown = if path == "-" { "<stdin>" } else { path };
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError(format!("{what} {shown} is not UTF-8 text")))?;
    Ok((shown.to_string(), text))
}

/// Write a command's output to stdout. A reader that went away (`| head`)
/// ends it quietly; any other failure (a full disk) is an error, never a
/// panic.
fn emit(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError(format!("writing the output: {e}"))),
    }
}

/// Where `reach` and `graph` read the whole world from.
#[derive(Debug, Args, Clone)]
pub struct WholeWorldArgs {
    /// Read the world from a snapshot file
    #[arg(long, value_name = "FILE", conflicts_with = "demo")]
    pub snapshot: Option<std::path::PathBuf>,
    /// Use the embedded demo world
    #[arg(long)]
    pub demo: bool,
    /// Without --snapshot or --demo: the live account, read-only (everything is read)
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// The whole world for `reach` and `graph`: the demo's, a snapshot's, or
/// the live account read in full.
fn whole_world(args: &WholeWorldArgs) -> Result<crate::model::World, CliError> {
    Ok(if args.demo {
        crate::demo::world()?
    } else if let Some(path) = &args.snapshot {
        crate::model::World::new(crate::model::Snapshot::load(path)?)
    } else {
        discover(&args.aws, None)?.world
    })
}

/// Where the world comes from.
#[derive(Debug, Args, Clone)]
pub struct SourceArgs {
    /// Read the world from a snapshot file (hoptrace.snapshot/v1)
    #[arg(long, value_name = "FILE", conflicts_with = "demo", requires = "from")]
    pub snapshot: Option<PathBuf>,
    /// Use the embedded demo world
    #[arg(long, requires = "from")]
    pub demo: bool,
    /// Without --snapshot or --demo: the live account, read-only (only what this trace needs)
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// How the request is sent: shared by `trace` and `explain`.
#[derive(Debug, Args, Clone)]
pub struct RequestFlags {
    /// HTTP method
    #[arg(
        short = 'X',
        long = "request",
        value_name = "METHOD",
        default_value = "GET",
        requires = "from"
    )]
    pub method: String,
    /// Request header, 'Name: value' (repeatable): Host, x-apigw-api-id, x-api-key, Authorization
    #[arg(short = 'H', long = "header", value_name = "HEADER", requires = "from")]
    pub headers: Vec<String>,
    /// The request is SigV4-signed with the instance profile's role
    #[arg(long, requires = "from")]
    pub sigv4: bool,
    /// The client's TLS version
    #[arg(long, value_name = "VERSION", default_value = "1.2", value_parser = ["1.2", "1.3"], requires = "from")]
    pub tls: String,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 reachable, 1 blocked, 3 undetermined, 2 error.\n\n\
Example:\n  hoptrace trace --demo --from i-0a0000000000web01 https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets"
)]
pub struct TraceArgs {
    /// The instance the request starts from
    #[arg(long, value_name = "INSTANCE-ID")]
    pub from: String,
    #[command(flatten)]
    pub request: RequestFlags,
    #[command(flatten)]
    pub source: SourceArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = TraceOutput::Table)]
    pub output: TraceOutput,
    /// Also read the path's logs of the last AGE (--logs alone: 15m; --logs=1h; the demo replays
    /// its script) and give each hop its evidence: lines, and the newest line that contradicts its
    /// verdict (unless a later line shows the hop passing)
    #[arg(
        long,
        value_name = "AGE",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "15m"
    )]
    pub logs: Option<String>,
    /// The URL exactly as the instance would call it (https only)
    pub url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogsOutput {
    Text,
    Json,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Reads the log groups of the traced path: the stage's access-log group \
(accessLogSettings), API-Gateway-Execution-Logs_{api}/{stage}, /aws/lambda/{function} for \
Lambda backends and authorizers, and the VPC flow-log groups (DescribeFlowLogs) of the path's \
VPCs, subnets and ENIs (read in each flow log's own LogFormat, filtered to the path's ENIs). A \
source that cannot exist is named on stderr with what to turn on. Each line is tagged with the \
hop it is evidence for; a line that contradicts the trace's verdict is marked !.\n\n\
--follow uses CloudWatch Logs Live Tail (at most 10 groups per session, renewed before AWS's \
3-hour limit; AWS bills it per minute); a session that cannot start or breaks falls back to \
polling and says so on stderr. --no-live-tail polls from the start.\n\n\
Exit status: 0 done (or interrupted while following), 2 error.\n\n\
Examples:\n  \
hoptrace logs --demo --from i-0a0000000000web01 https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets\n  \
hoptrace logs --from i-0abc https://abc123.execute-api.us-east-1.amazonaws.com/prod/pets --since 1h --output json"
)]
pub struct LogsArgs {
    /// The instance the request starts from
    #[arg(long, value_name = "INSTANCE-ID")]
    pub from: String,
    #[command(flatten)]
    pub request: RequestFlags,
    #[command(flatten)]
    pub source: SourceArgs,
    /// How far back to read: 90s, 15m, 2h, 1d
    #[arg(long, value_name = "AGE", default_value = "15m")]
    pub since: String,
    /// Keep reading new lines (at most one call per second per group) until interrupted
    #[arg(long)]
    pub follow: bool,
    /// With --follow: poll every group (at most once a second each) instead of CloudWatch Logs
    /// Live Tail, which AWS bills per minute
    #[arg(long)]
    pub no_live_tail: bool,
    /// text: one line each, `time [hop] source line`; json: one JSON object per line
    #[arg(long, value_enum, default_value_t = LogsOutput::Text)]
    pub output: LogsOutput,
    /// The URL exactly as the instance would call it (https only)
    pub url: String,
}

#[derive(Debug, Args)]
#[command(after_help = "Exit status:\n  \
0  explained; with a trace, the trace agrees\n  \
1  the trace disagrees: reachable, or blocked elsewhere or with another answer\n  \
3  the trace cannot tell: a hop that could produce the error is unknown\n  \
4  no hop produces this text: not recognised, or not an error of the path\n  \
2  error: bad arguments, empty text, unreadable snapshot, unknown instance\n\n\
Examples:\n  \
hoptrace explain '403 {\"message\":\"Forbidden\"}'\n  \
hoptrace explain 'curl: (28) Failed to connect to x port 443: Connection timed out'\n  \
curl -sv https://... 2>&1 | hoptrace explain -\n  \
hoptrace explain --demo --from i-0a00000000tools01 \\\n      \
'403 {\"message\":\"Forbidden\"}' \\\n      \
https://p9q8r7s6t5.execute-api.us-east-1.amazonaws.com/live/status")]
pub struct ExplainArgs {
    /// What the client saw: a status line, headers, a JSON body, a curl error, a gateway
    /// response type or an execution-log line ('-' reads it from standard input)
    #[arg(value_name = "TEXT")]
    pub text: String,
    /// With --from: the URL the request went to; it is traced, and the trace checked against TEXT
    #[arg(value_name = "URL", requires = "from")]
    pub url: Option<String>,
    /// The instance the request started from (with URL, traces the request)
    #[arg(long, value_name = "INSTANCE-ID", requires = "url")]
    pub from: Option<String>,
    #[command(flatten)]
    pub request: RequestFlags,
    #[command(flatten)]
    pub source: SourceArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(subcommand)]
    pub command: Option<DemoCommand>,
}

#[derive(Debug, Args)]
pub struct TuiArgs {
    /// Open this snapshot file (without it: the live account, read-only)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["profile", "region", "endpoint_url"])]
    pub snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Poll the traced path's log groups; never ask to use CloudWatch Logs Live Tail (billed per minute)
    #[arg(long)]
    pub no_live_tail: bool,
}

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// The terminal UI on the demo world, with its logs replayed live (the default)
    Ui,
    /// Print each demo instance, its story and the trace command to run
    List {
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Trace every demo story and print the results
    Tour,
    /// Write the demo world as a snapshot file (a template for your own)
    Export {
        /// Destination file; an existing file is never replaced unless --force
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Load and index a snapshot file, report what it holds and any problems
    Check {
        /// The snapshot file
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Read an AWS account and region (read-only) into a snapshot file
    Record(RecordArgs),
}

/// Which AWS account and region to read: the standard credential chain, with overrides.
#[derive(Debug, Args, Clone, Default)]
pub struct AwsArgs {
    /// AWS profile [default: AWS_PROFILE, else the default profile]
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// AWS region [default: AWS_REGION, else the profile's region]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Send every AWS call to this endpoint (an emulator) [default: AWS_ENDPOINT_URL]
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 written (calls that failed are listed on stderr, and what \
they would have read is missing from the file), 2 error: the file exists (without --force), no \
region or credentials, the credentials do not work, the file cannot be written.\n\n\
Example:\n  hoptrace snapshot record -o prod.json --profile prod --region us-east-1"
)]
pub struct RecordArgs {
    /// Destination file; written atomically, an existing file is never replaced unless --force
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: PathBuf,
    /// Replace FILE if it exists
    #[arg(long)]
    pub force: bool,
    /// Replace account ids (and the account part of ARNs, policies included) consistently
    #[arg(long)]
    pub redact: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long)]
    pub force: bool,
    #[arg(long, default_value_t = 50_000)]
    pub instances: usize,
    #[arg(long, default_value_t = 10_000)]
    pub security_groups: usize,
    #[arg(long, default_value_t = 5_000)]
    pub subnets: usize,
    #[arg(long, default_value_t = 500)]
    pub endpoints: usize,
    #[arg(long, default_value_t = 1_000)]
    pub apis: usize,
}

/// A failure reported as one line on stderr with exit status 2.
#[derive(Debug)]
pub struct CliError(pub String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> CliError {
        CliError(e.to_string())
    }
}

/// Run a parsed command line; returns the process exit status.
/// `hoptrace permissions`: the read-only policy, to paste.
fn permissions() -> Result<i32, CliError> {
    let text = serde_json::to_string_pretty(&crate::discover::permissions::policy())?;
    emit(&(text + "\n"))?;
    Ok(0)
}

pub fn run(cli: Cli) -> i32 {
    tracing::info!(?cli.command, "start");
    let result = match cli.command {
        None => tui_cmd(TuiArgs {
            snapshot: None,
            aws: AwsArgs::default(),
            no_live_tail: false,
        }),
        Some(Command::Tui(args)) => tui_cmd(args),
        Some(Command::Trace(args)) => trace::run(args),
        Some(Command::Explain(args)) => explain::run(args),
        Some(Command::Logs(args)) => logs::run(args),
        Some(Command::Reach(args)) => reach::run(args),
        Some(Command::Graph(args)) => graph::run(args),
        Some(Command::Check(args)) => check::run(args),
        Some(Command::Demo(args)) => demo::run(args),
        Some(Command::Snapshot { command }) => snapshot::run(command),
        Some(Command::Policy { command }) => policy::run(command),
        Some(Command::Permissions) => permissions(),
        Some(Command::Synth(args)) => snapshot::synth(args),
    };
    match result {
        Ok(code) => code,
        Err(CliError(msg)) => {
            tracing::warn!(%msg, "error");
            // One line, whatever the user typed into ids and paths.
            let msg = msg.replace('\r', "\\r").replace('\n', "\\n");
            eprintln!("hoptrace: error: {msg}");
            EXIT_ERROR
        }
    }
}

/// The world a command works on and what reading it cost.
pub(crate) struct Loaded {
    pub world: crate::model::World,
    /// AWS calls made (0 for the demo and snapshot files).
    pub aws_calls: u64,
    /// The longest chain of dependent AWS calls among them.
    pub aws_rounds: u32,
}

impl Loaded {
    fn offline(world: crate::model::World) -> Loaded {
        Loaded {
            world,
            aws_calls: 0,
            aws_rounds: 0,
        }
    }
}

/// Load the world named by `--demo` / `--snapshot`, else read what the
/// trace of `req` needs from the live account.
pub(crate) fn load_world(
    src: &SourceArgs,
    req: &crate::trace::Request,
) -> Result<Loaded, CliError> {
    if src.demo {
        return Ok(Loaded::offline(crate::demo::world()?));
    }
    match &src.snapshot {
        Some(path) => Ok(Loaded::offline(crate::model::World::new(
            crate::model::Snapshot::load(path)?,
        ))),
        None => discover(&src.aws, Some(req)),
    }
}

/// A read-only discovery of the account `aws` names: what the trace of
/// `req` needs, or everything. Failed calls are listed on stderr (the hops
/// that needed them say `unknown`).
fn discover(aws: &AwsArgs, req: Option<&crate::trace::Request>) -> Result<Loaded, CliError> {
    use crate::discover::{self, Clients};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError(format!("cannot start the async runtime: {e}")))?;
    let found = rt.block_on(async {
        let conf = discover::connect(
            aws.profile.as_deref(),
            aws.region.as_deref(),
            aws.endpoint_url.as_deref(),
        )
        .await
        // Say how to work without an account, too.
        .map_err(|e| {
            CliError(format!(
                "{e}; or work offline with --demo or --snapshot FILE"
            ))
        })?;
        let clients = Clients::new(&conf);
        Ok::<_, CliError>(match req {
            Some(req) => discover::for_trace(&clients, req).await?,
            None => discover::full(&clients).await?,
        })
    })?;
    const LISTED: usize = 5;
    for e in found.errors.iter().take(LISTED) {
        eprintln!("hoptrace: warning: {e}");
    }
    if found.errors.len() > LISTED {
        eprintln!(
            "hoptrace: warning: {} more AWS calls failed (see the log file)",
            found.errors.len() - LISTED
        );
    }
    Ok(Loaded {
        world: crate::model::World::new(found.snapshot),
        aws_calls: found.aws_calls,
        aws_rounds: found.aws_rounds,
    })
}

fn tui_cmd(args: TuiArgs) -> Result<i32, CliError> {
    let Some(path) = args.snapshot else {
        // The live account: the UI opens at once and fills in as it reads.
        let src = crate::tui::Source {
            world: None,
            label: "live, read-only".into(),
            demo_logs: false,
            live: Some(args.aws),
            no_live_tail: args.no_live_tail,
        };
        return Ok(crate::tui::run(src)?);
    };
    let world = crate::model::World::new(crate::model::Snapshot::load(&path)?);
    let src = crate::tui::Source {
        world: Some(world),
        label: format!("snapshot {}", path.display()),
        demo_logs: false,
        live: None,
        no_live_tail: true,
    };
    Ok(crate::tui::run(src)?)
}
