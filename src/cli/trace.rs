//! `hoptrace trace`, and the request and trace plumbing `explain` shares.

use super::{load_world, output, CliError, RequestFlags, SourceArgs, TraceArgs, TraceOutput};
use crate::trace::{self, Request, TlsVersion, Trace};

pub fn run(args: TraceArgs) -> Result<i32, CliError> {
    let req = request(&args.from, &args.url, &args.request)?;
    let since = match &args.logs {
        Some(age) => {
            if args.source.snapshot.is_some() {
                return Err(CliError(
                    "--logs: a snapshot holds no logs: read them from the live account (without --snapshot) or use --demo".into(),
                ));
            }
            Some(
                super::logs::parse_since(age)
                    .map_err(|e| CliError(e.replace("--since", "--logs")))?,
            )
        }
        None => None,
    };
    let (mut t, world) = trace_with_world(&args.source, &req)?;
    if let Some(since) = since {
        let tagger = super::logs::evidence(&args.source, &world, &t, &req, since)?;
        for h in &mut t.hops {
            h.evidence = Some(tagger.evidence(h.hop));
        }
    }
    let text = match args.output {
        TraceOutput::Json => serde_json::to_string_pretty(&t)? + "\n",
        TraceOutput::Table => output::trace_table(&t, output::color_enabled()),
        TraceOutput::Markdown => crate::export::trace_markdown(&t, &[], &[]),
        TraceOutput::Mermaid => crate::export::trace_mermaid(&t),
        TraceOutput::Dot => crate::export::trace_dot(&t),
    };
    super::emit(&text)?;
    Ok(t.verdict.exit_code())
}

/// The request from `from` to `url` that the flags describe.
pub(crate) fn request(from: &str, url: &str, flags: &RequestFlags) -> Result<Request, CliError> {
    let tls = TlsVersion::parse(&flags.tls)?;
    Ok(Request::new(
        from,
        &flags.method,
        url,
        &flags.headers,
        flags.sigv4,
        tls,
    )?)
}

/// Load the world `src` names and trace `req` in it.
pub(crate) fn trace_in(src: &SourceArgs, req: &Request) -> Result<Trace, CliError> {
    Ok(trace_with_world(src, req)?.0)
}

/// As [`trace_in`], with the world the trace ran in.
fn trace_with_world(
    src: &SourceArgs,
    req: &Request,
) -> Result<(Trace, crate::model::World), CliError> {
    let started = std::time::Instant::now();
    let loaded = load_world(src, req)?;
    let mut t = trace::run(&loaded.world, req)?;
    // Live: the calls made, their rounds and the whole time, discovery included.
    if loaded.aws_calls > 0 {
        t.stats.aws_calls = loaded.aws_calls;
        t.stats.aws_rounds = loaded.aws_rounds;
        t.stats.elapsed_ms = started.elapsed().as_millis() as u64;
    }
    if let Some(ms) = fixed_elapsed_ms() {
        t.stats.elapsed_ms = ms;
    }
    Ok((t, loaded.world))
}

/// `HOPTRACE_ELAPSED_MS=N` pins `stats.elapsed_ms`, so snapshot tests of the
/// JSON output compare whole documents.
pub(crate) fn fixed_elapsed_ms() -> Option<u64> {
    std::env::var("HOPTRACE_ELAPSED_MS")
        .ok()?
        .trim()
        .parse()
        .ok()
}
