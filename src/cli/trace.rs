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
    let t = trace::run(&world, &req)?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&t)?),
        Output::Table => print!("{}", output::trace_table(&t, output::color_enabled())),
    }
    Ok(t.verdict.exit_code())
}
