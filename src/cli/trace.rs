//! `hoptrace trace`.

use super::{load_world, output, CliError, Output, TraceArgs};
use crate::trace::{self, Request, TlsVersion};

pub fn run(args: TraceArgs) -> Result<i32, CliError> {
    let tls = TlsVersion::parse(&args.tls)?;
    let req = Request::new(
        &args.from,
        &args.method,
        &args.url,
        &args.headers,
        args.sigv4,
        tls,
    )?;
    let world = load_world(&args.source)?;
    let mut t = trace::run(&world, &req)?;
    if let Some(ms) = fixed_elapsed_ms() {
        t.stats.elapsed_ms = ms;
    }
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&t)?),
        Output::Table => print!("{}", output::trace_table(&t, output::color_enabled())),
    }
    Ok(t.verdict.exit_code())
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
