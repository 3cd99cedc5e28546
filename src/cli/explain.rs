//! `hoptrace explain`: which hops and causes produce what the client saw,
//! and, with `--from` and a URL, whether the trace of that request agrees.

use std::io::Read;

use super::trace::{request, trace_in};
use super::{output, CliError, ExplainArgs, Output};
use crate::explain::{self, render::Tone};

/// The most `explain -` reads from standard input.
const MAX_INPUT: usize = 1 << 20;

const NO_TRACE: &str = "none; add --from <instance-id> and the URL, with --demo or --snapshot FILE, to check this against a trace";

pub fn run(args: ExplainArgs) -> Result<i32, CliError> {
    let (text, url) = text_and_url(&args);
    let input = read_input(&text)?;
    if input.trim().is_empty() {
        return Err(CliError(
            "nothing to explain: the text is empty; give what the client saw, e.g. hoptrace explain '403 {\"message\":\"Forbidden\"}'".into(),
        ));
    }
    let trace = match (&args.from, url) {
        (Some(from), Some(url)) => Some(trace_in(
            &args.source,
            &request(from, &url, &args.request)?,
        )?),
        _ => None,
    };
    let e = explain::explain(&input, trace.as_ref());
    let text = match args.output {
        Output::Json => serde_json::to_string_pretty(&e)? + "\n",
        Output::Table => table(&e, output::color_enabled()),
    };
    super::emit(&text)?;
    Ok(e.exit_code())
}

/// The text and the URL, whichever order they came in: with `--from`, the
/// argument that is a bare http(s) URL is the URL.
fn text_and_url(args: &ExplainArgs) -> (String, Option<String>) {
    let is_url = |s: &str| {
        let l = s.trim().to_ascii_lowercase();
        (l.starts_with("https://") || l.starts_with("http://"))
            && !s.trim().contains(char::is_whitespace)
    };
    match &args.url {
        Some(url) if is_url(&args.text) && !is_url(url) => (url.clone(), Some(args.text.clone())),
        url => (args.text.clone(), url.clone()),
    }
}

/// The text itself, or standard input for `-`.
fn read_input(text: &str) -> Result<String, CliError> {
    if text != "-" {
        return Ok(text.to_string());
    }
    let mut buf = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| CliError(format!("cannot read standard input: {e}")))?;
    if buf.len() > MAX_INPUT {
        return Err(CliError(
            "the text on standard input is over 1 MiB: give the status line, the headers and the body".into(),
        ));
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// The explanation as text, with colour when `color`.
pub fn table(e: &explain::Explanation, color: bool) -> String {
    let mut out = String::new();
    for line in explain::render::lines(e, NO_TRACE) {
        for (tone, s) in line.parts {
            out.push_str(&paint(&s, tone, color));
        }
        // No trailing spaces from padded columns.
        let trimmed = out.trim_end_matches(' ').len();
        out.truncate(trimmed);
        out.push('\n');
    }
    out
}

fn paint(s: &str, tone: Tone, color: bool) -> String {
    let code = match tone {
        Tone::Plain => return s.to_string(),
        _ if !color => return s.to_string(),
        Tone::Dim => "2",
        Tone::Accent => "1",
        Tone::Good => "32",
        Tone::Bad => "1;31",
        Tone::Unsure => "33",
    };
    format!("\x1b[{code}m{s}\x1b[0m")
}
