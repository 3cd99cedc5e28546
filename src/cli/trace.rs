//! `hoptrace trace`, and the request and trace plumbing `explain` shares.

use super::{load_world, output, CliError, Output, RequestFlags, SourceArgs, TraceArgs};
use crate::trace::{self, Request, TlsVersion, Trace};

pub fn run(args: TraceArgs) -> Result<i32, CliError> {
    let req = request(&args.from, &args.url, &args.request)?;
    let t = trace_in(&args.source, &req)?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&t)?),
        Output::Table => print!("{}", output::trace_table(&t, output::color_enabled())),
    }
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
    Ok(t)
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
